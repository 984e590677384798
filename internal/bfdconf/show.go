package bfdconf

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// Duration is a time.Duration that is "50ms" in JSON, both ways (the
// daemons' JSON convention, daemonkit.Duration).
type Duration = daemonkit.Duration

// SessionView is one session in `show bfd -json`: what the table shows
// and a little more, with the names of states, diagnostics and
// authentication types and durations as "50ms", so that the JSON reads
// the same way it is written.
type SessionView struct {
	Interface string     `json:"interface"`
	Peer      netip.Addr `json:"peer"`
	Local     netip.Addr `json:"local,omitzero"`
	Static    bool       `json:"static,omitempty"`
	Clients   int        `json:"clients"`

	State       string `json:"state"`
	RemoteState string `json:"remote_state"`
	// Since is when the session entered its state.
	Since      time.Time `json:"since,omitzero"`
	LocalDisc  uint32    `json:"local_discriminator"`
	RemoteDisc uint32    `json:"remote_discriminator"`

	// TxInterval is the negotiated transmit interval (before jitter) and
	// DetectTime the negotiated detection time (RFC 5880 §6.8.4).
	TxInterval Duration `json:"tx_interval"`
	DetectTime Duration `json:"detect_time"`
	// MinTx, MinRx and Multiplier are ours as sent; the Remote ones the
	// peer's last.
	MinTx            Duration `json:"min_tx"`
	MinRx            Duration `json:"min_rx"`
	Multiplier       int      `json:"multiplier"`
	RemoteMinTx      Duration `json:"remote_min_tx"`
	RemoteMinRx      Duration `json:"remote_min_rx"`
	RemoteMultiplier int      `json:"remote_multiplier"`

	// LastDownDiag is why the session last went Down ("none" if it never
	// did); RemoteDiag the peer's last diagnostic.
	LastDownDiag string `json:"last_down_diag"`
	RemoteDiag   string `json:"remote_diag"`
	Ups          uint64 `json:"ups"`
	Downs        uint64 `json:"downs"`
	PacketsIn    uint64 `json:"packets_in"`
	PacketsOut   uint64 `json:"packets_out"`
	Auth         string `json:"auth"`
}

// Views returns the views of ss, in their order.
func Views(ss []bfd.SessionInfo) []SessionView {
	out := make([]SessionView, 0, len(ss))
	for _, s := range ss {
		out = append(out, SessionView{
			Interface: s.Interface, Peer: s.Peer, Local: s.Local, Static: s.Static, Clients: s.Clients,
			State: daemonkit.Enum(s.State), RemoteState: daemonkit.Enum(s.RemoteState), Since: s.Since,
			LocalDisc: s.LocalDisc, RemoteDisc: s.RemoteDisc,
			TxInterval: Duration(s.TxInterval), DetectTime: Duration(s.DetectTime),
			MinTx: Duration(s.DesiredMinTx), MinRx: Duration(s.RequiredMinRx), Multiplier: s.DetectMult,
			RemoteMinTx: Duration(s.RemoteDesiredMinTx), RemoteMinRx: Duration(s.RemoteMinRx), RemoteMultiplier: s.RemoteDetectMult,
			LastDownDiag: daemonkit.Enum(s.LastDownDiag), RemoteDiag: daemonkit.Enum(s.RemoteDiag),
			Ups: s.Counters.Ups, Downs: s.Counters.Downs, PacketsIn: s.Counters.Received, PacketsOut: s.Counters.Sent,
			Auth: daemonkit.Enum(s.Auth),
		})
	}
	return out
}

// Answer is the `bfd` view of a daemon's status socket: the sessions of
// in, none when in is nil (no interface has BFD).
func Answer(in *bfd.Instance) []SessionView {
	if in == nil {
		return []SessionView{}
	}
	return Views(in.Sessions())
}

// Show prints the JSON of a `bfd` view (as Answer returns it) indented,
// or as WriteTable's table.
func Show(w io.Writer, data json.RawMessage, asJSON bool) error {
	if asJSON {
		return daemonkit.PrintJSON(w, data)
	}
	var vs []SessionView
	if err := json.Unmarshal(data, &vs); err != nil {
		return err
	}
	return WriteTable(w, vs)
}

// WriteTable prints the sessions as `show bfd`'s table: one line per
// session with its state (and for how long), the discriminators, the
// negotiated transmit interval and detection time, the peer's timers as
// min_tx/min_rx×multiplier, the last Down diagnostic, the Up and Down
// transitions, packets received and sent, and the authentication.
// now is what "for how long" counts from.
func WriteTable(w io.Writer, vs []SessionView) error {
	return writeTable(w, vs, time.Now())
}

func writeTable(w io.Writer, vs []SessionView, now time.Time) error {
	if len(vs) == 0 {
		_, err := fmt.Fprintln(w, "no BFD sessions")
		return err
	}
	tw := daemonkit.NewTable(w)
	fmt.Fprintln(tw, "PEER\tINTERFACE\tSTATE\tLOCAL/REMOTE DISC\tTX\tDETECT\tREMOTE TX/RX×MULT\tLAST DOWN\tUPS/DOWNS\tIN/OUT\tAUTH")
	for _, v := range vs {
		state := v.State
		if !v.Since.IsZero() {
			state += " " + now.Sub(v.Since).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%v\t%s\t%s\t%d/%d\t%v\t%v\t%v/%v×%d\t%s\t%d/%d\t%d/%d\t%s\n",
			v.Peer, v.Interface, state, v.LocalDisc, v.RemoteDisc, v.TxInterval, v.DetectTime,
			v.RemoteMinTx, v.RemoteMinRx, v.RemoteMultiplier, v.LastDownDiag, v.Ups, v.Downs,
			v.PacketsIn, v.PacketsOut, v.Auth)
	}
	return tw.Flush()
}
