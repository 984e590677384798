package daemon

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
)

// The JSON convention of every daemon's `show -json` (and status socket):
//
//   - keys are snake_case: no upper-case letter anywhere, map keys
//     included (they are enum words or names);
//   - durations are Go duration strings ("3.812s", see Duration), never
//     numbers of nanoseconds, seconds or anything else;
//   - times are RFC 3339 strings (time.Time's JSON), left out when zero;
//   - addresses and prefixes are strings (netip's JSON);
//   - enums are lower-case words (Enum).
//
// LintJSON checks a document against the rules it can see.

// Duration is a time.Duration that is a Go duration string in JSON, both
// ways ("50ms"), rounded to the microsecond.
type Duration time.Duration

// String is time.Duration's, rounded to the microsecond.
func (d Duration) String() string { return time.Duration(d).Round(time.Microsecond).String() }

// MarshalText returns String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a time.ParseDuration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Enum is an enum's name as the JSON convention spells it: its String,
// lower-case ("Full" is "full", "AdminDown" "admindown").
func Enum(s fmt.Stringer) string { return strings.ToLower(s.String()) }

// EnumCounts converts counters keyed by an enum (drop reasons) to the
// JSON convention's keys (Enum), leaving out the zero ones. The map is
// never nil.
func EnumCounts[K interface {
	comparable
	fmt.Stringer
}](m map[K]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, n := range m {
		if n > 0 {
			out[Enum(k)] = n
		}
	}
	return out
}

// durationKey matches the keys whose value is a duration by their name.
var durationKey = regexp.MustCompile(`(^|_)(interval|duration|timeout|delay|lateness|age|uptime|time|dead|hold)(_|$)|_in$`)

// LintJSON reports every place the JSON document data breaks the
// convention it can check: a key with an upper-case letter, or a key
// named like a duration (interval, duration, timeout, delay, age, *_in,
// ...) whose value is a number. Each problem is "PATH: reason", in
// document order of paths; none is nil. A document that is not JSON is
// one problem.
func LintJSON(data []byte) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var out []string
	lint(v, "$", &out)
	return out
}

// isDurationKey reports whether a lower-case key names a duration:
// packets_in and the like count things.
func isDurationKey(k string) bool {
	return durationKey.MatchString(k) && !strings.Contains(k, "packets") && !strings.Contains(k, "bytes")
}

func lint(v any, path string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			if strings.IndexFunc(k, unicode.IsUpper) >= 0 {
				*out = append(*out, p+": key is not snake_case")
			}
			if _, num := v[k].(float64); num && isDurationKey(strings.ToLower(k)) {
				*out = append(*out, fmt.Sprintf("%s: a duration as the number %v, not a Go duration string", p, v[k]))
			}
			lint(v[k], p, out)
		}
	case []any:
		for i, e := range v {
			lint(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}
