package ring

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
)

// An active-active edge (NodeConfig.SecondVRRP) runs two VRRP virtual
// routers on one transport (vrrp.Mux delivers each advertisement to the
// router of its VRID), both with the tracks of the first: the upstream
// carrier and the routing hold after a boot.

// VRRPRouters returns the node's VRRP routers: none at inner nodes, the
// first group's (VRRP) then, with active-active edges, the second's.
func (n *Node) VRRPRouters() []*vrrp.Router {
	switch {
	case n.vrrp == nil:
		return nil
	case n.vrrp2 == nil:
		return []*vrrp.Router{n.vrrp}
	}
	return []*vrrp.Router{n.vrrp, n.vrrp2}
}

// vrrpTransport returns the first router's transport: env.VRRP itself
// with one group, else the first VRID's share of a Mux over it, whose
// second share newSecondVRRP takes.
func (n *Node) vrrpTransport() (routing.Transport, error) {
	if n.cfg.SecondVRRP == nil {
		return n.env.VRRP, nil
	}
	n.mux = vrrp.NewMux(n.env.VRRP)
	tr, err := n.mux.Transport(n.cfg.VRRP.VRID)
	if err != nil {
		return nil, fmt.Errorf("%w: node %s: VRRP: %w", ErrInvalidConfig, n.cfg.Name, err)
	}
	return tr, nil
}

// newSecondVRRP makes the second group's router of an active-active edge.
func (n *Node) newSecondVRRP() error {
	vc := n.cfg.SecondVRRP
	if vc == nil {
		return nil
	}
	tr, err := n.mux.Transport(vc.VRID)
	if err != nil {
		return fmt.Errorf("%w: node %s: second VRRP group: %w", ErrInvalidConfig, n.cfg.Name, err)
	}
	am := n.env.SecondAddresses
	if am == nil {
		am = n.env.Addresses
	}
	label := fmt.Sprintf("group 2 (VRID %d): ", vc.VRID)
	r, err := vrrp.New(*vc, vrrp.Env{Clock: n.env.Clock, Logger: n.log.With("group", 2), Transport: tr, Addresses: am,
		OnEvent: func(e vrrp.Event) {
			if e.Kind != vrrp.EventTransition {
				return
			}
			t := e.Transition
			n.emit(Event{Time: t.Time, Kind: EventVRRP,
				Text: fmt.Sprintf("%s%v -> %v (%v), priority %d", label, t.From, t.To, t.Reason, t.Priority)})
			if t.Reason == vrrp.ReasonPaused && n.hold != nil {
				n.env.Clock.AfterFunc(0, n.hold.paused) // as the first group's (node.go)
			}
		}})
	if err != nil {
		return nodeErr(n.cfg.Name, err, vrrp.ErrInvalidConfig)
	}
	n.vrrp2 = r
	return nil
}

// setTrack sets a track on every VRRP router of the node.
func (n *Node) setTrack(name string, up bool) error {
	var errs []error
	for _, r := range n.VRRPRouters() {
		errs = append(errs, r.SetTrack(name, up))
	}
	return errors.Join(errs...)
}

func (n *Node) startVRRP() error {
	if err := n.vrrp.Start(); err != nil {
		return err
	}
	if n.vrrp2 != nil {
		return n.vrrp2.Start()
	}
	return nil
}

func (n *Node) stopVRRP(ctx context.Context) error {
	var err2 error
	if n.vrrp2 != nil {
		err2 = n.vrrp2.Stop(ctx)
	}
	return errors.Join(n.vrrp.Stop(ctx), err2)
}

// checkReconfigureSecond refuses what Reconfigure cannot change of the
// second group in place: turning active-active on or off, its VRID.
func checkReconfigureSecond(old, cfg NodeConfig, restart func(field, why string) error) error {
	ov, nv := old.SecondVRRP, cfg.SecondVRRP
	switch {
	case (ov == nil) != (nv == nil):
		return restart("upstream.second", fmt.Sprintf("active-active edges turned %s (the second virtual router and its socket share are made at start)", map[bool]string{true: "on", false: "off"}[nv != nil]))
	case nv == nil:
		return nil
	case nv.VRID != ov.VRID:
		return restart("upstream.second.vrid", fmt.Sprintf("%d → %d: another virtual router", ov.VRID, nv.VRID))
	}
	if err := nv.Validate(); err != nil {
		return nodeErr(cfg.Name, err, vrrp.ErrInvalidConfig)
	}
	return nil
}

// reconfigureSecond applies the second group's new priority, interval or
// VIP (vrrp.Router.Reconfigure, as for the first).
func (n *Node) reconfigureSecond(ctx context.Context, old, cfg NodeConfig) error {
	if n.vrrp2 == nil || reflect.DeepEqual(*old.SecondVRRP, *cfg.SecondVRRP) {
		return nil
	}
	if err := n.vrrp2.Reconfigure(ctx, *cfg.SecondVRRP); err != nil {
		return nodeErr(cfg.Name, err, vrrp.ErrInvalidConfig)
	}
	return nil
}

// putBack undoes what Reconfigure applied before the second group failed:
// the first group's router, then OSPF.
func (n *Node) putBack(ctx context.Context, err error, old NodeConfig, oldOSPF, newOSPF ospf.Config) error {
	if n.vrrp != nil {
		if rerr := n.vrrp.Reconfigure(ctx, *old.VRRP); rerr != nil {
			err = fmt.Errorf("%w (and the first VRRP group could not be put back: %w)", err, rerr)
		}
	}
	if !reflect.DeepEqual(oldOSPF, newOSPF) {
		if rerr := n.ospf.Reconfigure(ctx, oldOSPF, nil); rerr != nil {
			err = fmt.Errorf("%w (and OSPF could not be put back: %w)", err, rerr)
		}
	}
	return err
}
