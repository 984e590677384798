package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing/internal/daemon"
)

type status struct {
	Node  string `json:"node"`
	Count int64  `json:"count"`
}

func TestStatusRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sock")
	// A stale socket file from a crashed daemon is replaced.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	stop, err := daemon.ServeStatus(path, func() any { return status{Node: "r1", Count: n.Add(1)} })
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want a socket with 0660", fi.Mode())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for want := int64(1); want <= 2; want++ {
		raw, err := daemon.QueryStatus(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var got status
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("answer %q: %v", raw, err)
		}
		if got != (status{Node: "r1", Count: want}) {
			t.Errorf("query %d: got %+v", want, got)
		}
	}
	stop()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after stop: %v", err)
	}
	if _, err := daemon.QueryStatus(ctx, path); err == nil {
		t.Error("query after stop succeeded")
	}
}

func TestServeUnixHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sock")
	stop, err := daemon.ServeUnix(path, func(c net.Conn) {
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		_, _ = c.Write([]byte(strings.ToUpper(line)))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("neighbors\n")); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "NEIGHBORS\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestServeUnixBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "d.sock")
	if _, err := daemon.ServeUnix(path, func(c net.Conn) { c.Close() }); err == nil {
		t.Error("listening in a missing directory succeeded")
	}
}

func TestPrintJSON(t *testing.T) {
	var b bytes.Buffer
	if err := daemon.PrintJSON(&b, []byte(`{"a":[1,2]}`)); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if err := daemon.PrintJSON(&b, []byte(`{`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}
