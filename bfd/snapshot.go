package bfd

import (
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd/packet"
)

// SessionInfo is a snapshot of one session, for `show bfd`.
type SessionInfo struct {
	Interface string     `json:"interface"`
	Peer      netip.Addr `json:"peer"`
	Local     netip.Addr `json:"local,omitzero"`
	// Static is set for a session of Config.Peers.
	Static bool `json:"static,omitempty"`
	// Clients is the number of Watch registrations.
	Clients int `json:"clients"`

	State       packet.State `json:"state"`
	RemoteState packet.State `json:"remote_state"`
	LocalDisc   uint32       `json:"local_discriminator"`
	RemoteDisc  uint32       `json:"remote_discriminator"`
	// Diag is the diagnostic we send; RemoteDiag the peer's last;
	// LastDownDiag why the session last went Down.
	Diag         packet.Diag `json:"diag"`
	RemoteDiag   packet.Diag `json:"remote_diag"`
	LastDownDiag packet.Diag `json:"last_down_diag"`

	// DesiredMinTx, RequiredMinRx and DetectMult are ours as sent;
	// the Remote ones the peer's.
	DesiredMinTx       time.Duration `json:"desired_min_tx"`
	RequiredMinRx      time.Duration `json:"required_min_rx"`
	DetectMult         int           `json:"detect_multiplier"`
	RemoteDesiredMinTx time.Duration `json:"remote_desired_min_tx"`
	RemoteMinRx        time.Duration `json:"remote_required_min_rx"`
	RemoteDetectMult   int           `json:"remote_detect_multiplier"`
	// TxInterval is the negotiated transmit interval before jitter and
	// DetectTime the negotiated detection time of the peer (§6.8.4).
	TxInterval time.Duration `json:"tx_interval"`
	DetectTime time.Duration `json:"detect_time"`
	// Polling is set while a Poll Sequence is in progress.
	Polling bool `json:"polling,omitempty"`
	// Auth is the authentication type in use.
	Auth packet.AuthType `json:"auth"`
	// Since is when the session entered its state (Up or Down).
	Since time.Time `json:"since"`

	Counters SessionCounters `json:"counters"`
}

// Sessions returns a snapshot of every session, sorted by interface and
// peer.
func (in *Instance) Sessions() []SessionInfo {
	in.lock()
	defer in.unlock()
	out := make([]SessionInfo, 0, len(in.sessions))
	for _, s := range in.sortedSessions() {
		si := SessionInfo{
			Interface: s.ifc.cfg.Name, Peer: s.peer, Local: s.local, Static: s.static,
			Clients: len(s.watches), State: s.state, RemoteState: s.remoteState,
			LocalDisc: s.localDisc, RemoteDisc: s.remoteDisc,
			Diag: s.localDiag, RemoteDiag: s.remoteDiag, LastDownDiag: s.lastDownDiag,
			DesiredMinTx: s.desiredMinTx, RequiredMinRx: s.requiredMinRx, DetectMult: int(s.detectMult),
			RemoteDesiredMinTx: s.remoteDesiredMinTx, RemoteMinRx: s.remoteMinRx, RemoteDetectMult: int(s.remoteDetectMult),
			TxInterval: s.txInterval(), DetectTime: s.detectTime(), Polling: s.polling,
			Since: s.downSince, Counters: s.counters,
		}
		if s.state == packet.StateUp {
			si.Since = s.upSince
		}
		if a := s.ifc.cfg.Auth; a != nil {
			si.Auth = a.Type
		}
		out = append(out, si)
	}
	return out
}
