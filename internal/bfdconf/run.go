package bfdconf

import (
	"context"
	"log/slog"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// Open is what a daemon does before it starts its protocol on BFD
// interfaces: it opens the transports of cfg's interfaces in namespace
// (bfd.Listen; "" is the daemon's own), creates the instance with the
// system clock, its events logged at info (down at warn), and starts it.
// On error nothing is left open.
func Open(ctx context.Context, cfg bfd.Config, namespace string, log *slog.Logger) (*bfd.Instance, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v4, v6, err := bfd.Listen(ctx, &cfg, namespace, log)
	if err != nil {
		return nil, err
	}
	closeAll := func() {
		for _, m := range []map[string]routing.UDPTransport{v4, v6} {
			for _, tr := range m {
				_ = tr.Close()
			}
		}
	}
	in, err := bfd.New(cfg, bfd.Env{
		Clock: routing.SystemClock(), Logger: log, Transports: v4, Transports6: v6,
		OnEvent: func(e bfd.Event) {
			if e.Kind == bfd.SessionDown {
				log.Warn("bfd: " + e.String())
				return
			}
			log.Info("bfd: " + e.String())
		},
	})
	if err != nil {
		closeAll()
		return nil, err
	}
	if err := in.Start(); err != nil {
		_ = in.Stop(ctx)
		// Stop closes the transports that started; the others too.
		closeAll()
		return nil, err
	}
	return in, nil
}

// Close stops in within 5 s once the protocol has released its sessions
// (its own graceful stop): every session is taken AdminDown (RFC 5880
// §6.8.16), which the peers' clients do not take for a failure (RFC 5882
// §3.2), and the transports close. A nil in is nothing to do.
func Close(in *bfd.Instance) error {
	if in == nil {
		return nil
	}
	return daemonkit.StopGracefully(in.Stop)
}
