package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Serve is the lab's SMTP stand-in: it listens on addr and greets every
// connection with "220 NAME ESMTP" (RFC 5321 §4.2's greeting, enough for
// a tcp_banner check and for the probes to tell which server answered),
// then closes it. It returns when ctx ends or the listener fails.
// examples/anycastlab runs it as `anycastlab serve -name a -listen :25`
// inside each server's namespace, a process of its own that the
// scenarios can kill or stop.
func Serve(ctx context.Context, name, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	banner := []byte(fmt.Sprintf("220 %s ESMTP\r\n", name))
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return ctx.Err()
			}
			return err
		}
		go func() {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write(banner)
			c.Close()
		}()
	}
}

// readBanner connects to addr and returns the server name of its banner
// ("220 NAME ...").
func readBanner(d *net.Dialer, addr string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	d.Deadline = deadline
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetReadDeadline(deadline)
	buf := make([]byte, 64)
	n := 0
	for n < len(buf) {
		k, err := c.Read(buf[n:])
		n += k
		for i := 0; i < n; i++ {
			if buf[i] == '\n' {
				return parseBanner(string(buf[:i]))
			}
		}
		if err != nil {
			return "", err
		}
	}
	return parseBanner(string(buf[:n]))
}

// parseBanner returns NAME of "220 NAME ESMTP".
func parseBanner(line string) (string, error) {
	var code int
	var name string
	if _, err := fmt.Sscanf(line, "%d %s", &code, &name); err != nil || code != 220 {
		return "", fmt.Errorf("banner %q: want 220 NAME", line)
	}
	return name, nil
}
