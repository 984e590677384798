package main

import (
	"fmt"
	"io"

	"github.com/switchless/routing/ring"
)

// printGatewayRoutes says, for `ringd check` of an active-active ring,
// which VIP the upstream gateway must route each server LAN to
// (ring.Spec.GatewayRoutes): the VIP of the group whose master edge the
// LAN's traffic leaves by, so that the return path retraces it.
func printGatewayRoutes(w io.Writer, file string, s ring.Spec) {
	routes, err := s.GatewayRoutes()
	if err != nil {
		return // validated already
	}
	p, _ := ring.PlanCosts(s)
	edge := map[int]string{1: p.Nodes[p.Master].Name, 2: p.Nodes[p.Backup].Name}
	fmt.Fprintf(w, "%s: the upstream gateway routes each server LAN to its group's VIP:\n", file)
	for _, r := range routes {
		what := "exits at " + edge[r.Group]
		if r.Node == "" {
			what = "the anycast service"
		}
		fmt.Fprintf(w, "  %v via %v (group %d, %s)\n", r.Prefix, r.VIP, r.Group, what)
	}
}
