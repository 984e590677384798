package daemon_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/switchless/routing/internal/daemon"
)

func TestLintJSON(t *testing.T) {
	doc := `{"name": "a", "Interval": 100000000, "dead_in": "3.812s", "last_duration": 30154,
		"timers": [{"hold_time": 3, "timeout": "1s", "count": 3}], "drops": {"BadTTL": 1}, "age": 5, "vrid": 1, "packets_in": 3}`
	got := daemon.LintJSON([]byte(doc))
	want := []string{
		"$.Interval: key is not snake_case",
		"$.Interval: a duration as the number 1e+08, not a Go duration string",
		"$.age: a duration as the number 5, not a Go duration string",
		"$.drops.BadTTL: key is not snake_case",
		"$.last_duration: a duration as the number 30154, not a Go duration string",
		"$.timers[0].hold_time: a duration as the number 3, not a Go duration string",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LintJSON:\n%q\nwant\n%q", got, want)
	}
	if p := daemon.LintJSON([]byte(`{"ok": [1, {"dead_in": "1s", "vrid": 3}]}`)); p != nil {
		t.Errorf("good document: %q", p)
	}
	if p := daemon.LintJSON([]byte(`{`)); len(p) != 1 {
		t.Errorf("not JSON: %q", p)
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		D daemon.Duration `json:"d"`
	}{daemon.Duration(3812345678 * time.Nanosecond)})
	if err != nil || string(b) != `{"d":"3.812346s"}` {
		t.Fatalf("%s %v", b, err)
	}
	var back struct {
		D daemon.Duration `json:"d"`
	}
	if err := json.Unmarshal(b, &back); err != nil || time.Duration(back.D) != 3812346*time.Microsecond {
		t.Fatalf("%v %v", back.D, err)
	}
	if err := json.Unmarshal([]byte(`{"d": 5}`), &back); err == nil {
		t.Error("a number decoded as a Duration")
	}
}
