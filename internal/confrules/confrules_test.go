package confrules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestHas_ExplicitZeroAndAbsent(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("a:\n  - {b: 0}\n  - c: x\n"), &root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path []any
		want bool
	}{
		{[]any{"a"}, true}, {[]any{"a", 0, "b"}, true}, {[]any{"a", 1, "c"}, true},
		{[]any{"a", 1, "b"}, false}, {[]any{"a", 2}, false}, {[]any{"z"}, false}, {[]any{"a", "b"}, false},
	} {
		if got := Has(&root, tc.path...); got != tc.want {
			t.Errorf("Has(%v) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestVRIDAndPriority_RFC5798_5_2_3_and_5_2_4: VRID 0 does not exist;
// priority 0 is a resigning Master's, 255 the owner's.
func TestVRIDAndPriority_RFC5798_5_2_3_and_5_2_4(t *testing.T) {
	if VRID(0) == nil || VRID(1) != nil || VRID(255) != nil {
		t.Error("VRID accepts 0 or refuses 1..255")
	}
	if Priority(0, false) == nil || Priority(1, true) != nil || Priority(254, true) != nil {
		t.Error("Priority accepts 0 or refuses 1..254")
	}
	if Priority(255, false) != nil || Priority(255, true) == nil {
		t.Error("255: an owner's priority must be allowed only where there is an owner")
	}
}

func TestIfName_IFNAMSIZ(t *testing.T) {
	if err := IfName(strings.Repeat("a", 15)); err != nil {
		t.Errorf("15 bytes: %v", err)
	}
	for _, bad := range []string{"", strings.Repeat("a", 16), ".", "..", "a/b", "a:1", "a b"} {
		if IfName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckTimersAndCount(t *testing.T) {
	for _, tc := range []struct {
		iv, to time.Duration
		key    string
	}{
		{time.Second, 500 * time.Millisecond, ""}, {time.Second, time.Second, "timeout"},
		{time.Second, 5 * time.Second, "timeout"}, {0, time.Millisecond, "interval"}, {time.Second, 0, "timeout"},
	} {
		key, err := CheckTimers(tc.iv, tc.to)
		if key != tc.key || (err == nil) != (tc.key == "") {
			t.Errorf("CheckTimers(%v, %v) = %q, %v; want key %q", tc.iv, tc.to, key, err, tc.key)
		}
	}
	if Count(0) == nil || Count(-1) == nil || Count(1) != nil {
		t.Error("Count")
	}
}

func TestScript(t *testing.T) {
	dir := t.TempDir()
	exe, plain := filepath.Join(dir, "x.sh"), filepath.Join(dir, "p")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Script(exe); err != nil {
		t.Errorf("executable: %v", err)
	}
	for path, want := range map[string]string{
		"x.sh":                   `"x.sh" is not an absolute path`,
		"":                       "empty command",
		plain:                    plain + " is not an executable file",
		dir:                      dir + " is not an executable file",
		filepath.Join(dir, "no"): filepath.Join(dir, "no") + " does not exist",
	} {
		if err := Script(path); err == nil || err.Error() != want {
			t.Errorf("Script(%q) = %v, want %s", path, err, want)
		}
	}
}

func TestPositiveAndAtLeast1(t *testing.T) {
	if Positive(0) == nil || Positive(-time.Second) == nil || Positive(time.Nanosecond) != nil {
		t.Error("Positive")
	}
	if err := Positive(0); err.Error() != "0s: must be positive (leave the key out for the default)" {
		t.Error(err)
	}
	if AtLeast1(0) == nil || AtLeast1(-1) == nil || AtLeast1(1) != nil {
		t.Error("AtLeast1")
	}
}
