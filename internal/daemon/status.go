package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// statusTimeout bounds one status connection on the server side.
const statusTimeout = 5 * time.Second

// ServeUnix listens on the unix socket path (replacing a stale socket,
// mode 0660) and calls handle for every connection, on the accepting
// goroutine; handle owns the connection and must close it. stop closes
// the listener, waits for the accept loop to end and removes the socket.
func ServeUnix(path string, handle func(net.Conn)) (stop func(), err error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	return func() {
		ln.Close()
		<-done
		_ = os.Remove(path)
	}, nil
}

// ServeStatus answers every connection on the unix socket path with the
// JSON encoding of current() and closes it, until stop is called.
func ServeStatus(path string, current func() any) (stop func(), err error) {
	return ServeUnix(path, func(c net.Conn) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(statusTimeout))
		_ = json.NewEncoder(c).Encode(current())
	})
}

// QueryStatus connects to a ServeStatus socket and returns the raw JSON
// answer. ctx bounds the dial and, through its deadline, the read.
func QueryStatus(ctx context.Context, path string) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	return io.ReadAll(c)
}

// PrintJSON writes the JSON document raw to w indented by two spaces.
func PrintJSON(w io.Writer, raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
