package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"
)

// Logger returns a logger writing to w at the level a configuration's
// log_level names ("debug", "warn" or "error"; anything else is info) in
// the format its log_format names: "json" is slog's JSON handler,
// anything else (text, the default) its text handler.
func Logger(w io.Writer, level, format string) *slog.Logger {
	l := slog.LevelInfo
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// CheckLogFormat returns the reason a log_format value is wrong, or "".
func CheckLogFormat(format string) string {
	switch format {
	case "", "text", "json":
		return ""
	}
	return fmt.Sprintf("%q is not text or json", format)
}

// RunUntilSignal calls run with a context that is cancelled on SIGTERM or
// SIGINT and a reload channel that receives after SIGHUP (buffered 1:
// SIGHUPs coalesce until run receives), and returns the process exit
// code: 0, or 1 after logging run's error as msg with an "err" attribute.
// SIGHUP does not end the process.
func RunUntilSignal(log *slog.Logger, msg string, run func(ctx context.Context, reload <-chan struct{}) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				select {
				case reload <- struct{}{}:
				default: // one is pending already
				}
			}
		}
	}()
	if err := run(ctx, reload); err != nil {
		log.Error(msg, "err", err)
		return 1
	}
	return 0
}

// Reloads is what a daemon's run loop needs to reload its configuration:
// the channel of RunFunc and the file as it was read at start.
type Reloads struct {
	C    <-chan struct{} // receives after SIGHUP (see RunFunc)
	Path string          // the configuration file
	Data []byte          // the running configuration's bytes
	// Running is what `show config` prints: the daemon sets it to Data at
	// start (Running.Set) and a reload through Applied.
	Running RunningConfig
}

// NextConfig re-reads r.Path after a receive from r.C and parses it with
// the daemon's loader. A file that cannot be read or is invalid is logged
// with its file:line errors, at ERROR, and changed is false: the running
// configuration stays. A file whose YAML data equals r.Data's (comments,
// layout and key order do not count) is logged as "reload: configuration
// unchanged" and changed is false. Otherwise it returns the new
// configuration and its bytes with changed true; applying it is the
// caller's business, which sets r.Data = b once it runs it.
func NextConfig[T any](r *Reloads, log *slog.Logger, parse func(path string, b []byte) (T, error)) (cfg T, b []byte, changed bool) {
	b, err := os.ReadFile(r.Path)
	if err == nil {
		cfg, err = parse(r.Path, b)
	}
	if err != nil {
		log.Error("reload: configuration rejected; still running the previous one", "config", r.Path, "err", err)
		return cfg, nil, false
	}
	if SameYAML(r.Data, b) {
		log.Info("reload: configuration unchanged", "config", r.Path)
		return cfg, nil, false
	}
	return cfg, b, true
}

// SameYAML reports whether a and b hold the same YAML data: comments,
// layout, quoting and the order of mapping keys do not count.
func SameYAML(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if yaml.Unmarshal(a, &va) != nil || yaml.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// stopTimeout bounds a graceful stop (StopGracefully).
const stopTimeout = 5 * time.Second

// StopGracefully calls stop, a protocol instance's Stop, with 5 s to say
// goodbye to its neighbours and withdraw its routes. Running out of time
// is not an error: what did not go out by then is given up.
func StopGracefully(stop func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
