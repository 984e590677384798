// Package confrules holds the rules about the daemons' YAML that more
// than one daemon applies, so that each refuses a bad value with the same
// reason: vrrpd and ringd share the virtual router's (a VRID or priority
// written as 0, which package vrrp would read as "the default"), every
// daemon the Linux interface names, health check timers that cannot work
// and scripts that cannot run.
//
// Each rule returns the reason only; the daemon puts it after
// "FILE:LINE: KEY: ". Has tells an explicit zero from an absent key.
package confrules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// IFNAMSIZ is Linux's interface name buffer, the terminating NUL included.
const IFNAMSIZ = 16

// VRID checks a VRID given in the file: 1 to 255 (RFC 5798 §5.2.3). Zero
// is no VRID, not a default.
func VRID(v uint8) error {
	if v == 0 {
		return errors.New("0 is not a VRID: must be 1–255 (RFC 5798 §5.2.3)")
	}
	return nil
}

// Priority checks a priority given in the file. Zero is reserved for a
// Master that resigns (RFC 5798 §5.2.4) and is never configured; 255 is
// the address owner's, which only a router that owns the virtual
// addresses may claim (shared: the VIP is on no router's interface, so
// 255 is refused too).
func Priority(v uint8, shared bool) error {
	switch {
	case v == 0:
		return errors.New("0 is reserved for a Master resigning (RFC 5798 §5.2.4): use 1–254")
	case v == 255 && shared:
		return errors.New("255 is the address owner's (RFC 5798 §5.2.4), and a shared VIP has no owner: use 1–254")
	}
	return nil
}

// IfName checks a Linux interface name: 1 to 15 bytes (IFNAMSIZ less the
// NUL), not "." or "..", without '/', ':' or white space.
func IfName(s string) error {
	switch {
	case s == "":
		return errors.New("empty interface name")
	case len(s) >= IFNAMSIZ:
		return fmt.Errorf("%q is %d bytes, longer than the 15 Linux allows (IFNAMSIZ)", s, len(s))
	case s == "." || s == "..":
		return fmt.Errorf("%q is not an interface name", s)
	case strings.ContainsAny(s, "/: \t\n"):
		return fmt.Errorf("%q contains '/', ':' or white space", s)
	}
	return nil
}

// Count checks a rise or fall count given in the file: at least 1. Zero
// would never change the check's state.
func Count(n int) error {
	if n <= 0 {
		return fmt.Errorf("%d: must be 1 or more (consecutive results needed to change state)", n)
	}
	return nil
}

// CheckTimers checks a health check's interval and the timeout of one
// check: positive, the timeout shorter than the interval (a check still
// running when the next is due would overlap it).
func CheckTimers(interval, timeout time.Duration) (key string, err error) {
	if err := Positive(interval); err != nil {
		return "interval", err
	}
	if err := Positive(timeout); err != nil {
		return "timeout", err
	}
	if timeout >= interval {
		return "timeout", fmt.Errorf("%v is not shorter than the interval %v", timeout, interval)
	}
	return "", nil
}

// Script checks the program of a command the daemon runs (a notify
// script): an absolute path to an executable regular file. A relative
// path would depend on the daemon's working directory and PATH.
func Script(path string) error {
	if path == "" {
		return errors.New("empty command")
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%q is not an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist", path)
		}
		return fmt.Errorf("%s: %v", path, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// Has reports whether the YAML document root has a value at path
// (mapping keys as strings, sequence indexes as ints): whether a zero
// field was written or left out.
func Has(root *yaml.Node, path ...any) bool {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		if n == nil {
			return false
		}
		var next *yaml.Node
		switch p := p.(type) {
		case int:
			if n.Kind == yaml.SequenceNode && p >= 0 && p < len(n.Content) {
				next = n.Content[p]
			}
		case string:
			if n.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == p {
						next = n.Content[j+1]
						break
					}
				}
			}
		}
		n = next
	}
	return n != nil
}

// Positive checks a duration given in the file where zero would mean
// "the default" to the library: it must be positive.
func Positive(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%v: must be positive (leave the key out for the default)", d)
	}
	return nil
}

// AtLeast1 checks a count given in the file where zero would mean "the
// default" to the library: it must be 1 or more.
func AtLeast1(n int) error {
	if n < 1 {
		return fmt.Errorf("%d: must be 1 or more (leave the key out for the default)", n)
	}
	return nil
}
