package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"
)

// Logger returns a text logger writing to w at the level a configuration's
// log_level names: "debug", "warn" or "error"; anything else is info.
func Logger(w io.Writer, level string) *slog.Logger {
	l := slog.LevelInfo
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// RunUntilSignal calls run with a context that is cancelled on SIGTERM or
// SIGINT and returns the process exit code: 0, or 1 after logging run's
// error as msg with an "err" attribute.
func RunUntilSignal(log *slog.Logger, msg string, run func(ctx context.Context) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx); err != nil {
		log.Error(msg, "err", err)
		return 1
	}
	return 0
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
