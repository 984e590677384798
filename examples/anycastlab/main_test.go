package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-stacks", "ours,bird"}, `stack "bird"`},
		{[]string{"-modes", "anycast"}, `mode "anycast"`},
		{[]string{"-scenarios", "stop,melt"}, `scenario "melt"`},
		{[]string{"-timers", "slow"}, `-timers`},
		{[]string{"-nope"}, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		if rc := run(tc.args, &out, &errb); rc != 2 {
			t.Errorf("%v: rc %d, want 2", tc.args, rc)
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, errb.String(), tc.want)
		}
	}
	var errb bytes.Buffer
	c, ok := parse([]string{"-stacks", "reference", "-modes", "lb", "-scenarios", "stop,drain", "-timers", "rfc"}, &errb)
	if !ok || len(c.stacks) != 1 || len(c.modes) != 1 || len(c.faults) != 2 || c.faults[1].ID != "drain" || c.timers.Timeout.Seconds() != 180 {
		t.Fatalf("%+v %v %s", c, ok, errb.String())
	}
}

func TestServeFlags(t *testing.T) {
	var errb bytes.Buffer
	if rc := serve(nil, &errb); rc != 2 || !strings.Contains(errb.String(), "-name") {
		t.Fatalf("serve without -name: rc %d, %q", rc, errb.String())
	}
}
