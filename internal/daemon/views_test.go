package daemon_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/daemon"
)

func TestViewsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.sock")
	stop, err := daemon.ServeViews(path, func(view string) (any, error) {
		switch view {
		case "routes":
			return []string{"10.0.0.0/8"}, nil
		case "chan":
			return make(chan int), nil // not JSON-able
		}
		return nil, errors.New("unknown view " + view)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got, err := daemon.FetchView(ctx, path, " routes "); err != nil || string(got) != `["10.0.0.0/8"]` {
		t.Errorf("routes: %s, %v", got, err)
	}
	if _, err := daemon.FetchView(ctx, path, "spf"); err == nil || err.Error() != "unknown view spf" {
		t.Errorf("spf: %v", err)
	}
	if _, err := daemon.FetchView(ctx, path, "chan"); err == nil || !strings.Contains(err.Error(), "unsupported type") {
		t.Errorf("chan: %v", err)
	}
}

func TestFetchViewBadAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.sock")
	stop, err := daemon.ServeUnix(path, func(c net.Conn) {
		defer c.Close()
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = c.Write([]byte("hello\n"))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := daemon.FetchView(context.Background(), path, "routes"); err == nil || !strings.HasPrefix(err.Error(), "bad answer: ") {
		t.Errorf("err = %v", err)
	}
}
