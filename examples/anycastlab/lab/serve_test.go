package lab

import (
	"context"
	"net"
	"testing"
	"time"
)

func TestServeBanner(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "a", addr) }()
	var name string
	for i := 0; i < 100; i++ {
		if name, err = readBanner(&net.Dialer{}, addr, time.Second); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || name != "a" {
		t.Fatalf("banner: %q, %v", name, err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if _, err := readBanner(&net.Dialer{}, addr, 100*time.Millisecond); err == nil {
		t.Fatal("still answering after Serve returned")
	}
}

func TestParseBanner(t *testing.T) {
	for line, want := range map[string]string{"220 b ESMTP\r": "b", "220 a": "a", "554 no": "", "": ""} {
		got, err := parseBanner(line)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q, %v", line, got, err)
		}
	}
}
