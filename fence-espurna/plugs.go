package main

import (
	"fmt"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/espurna"
)

// inventory is the device's `plugs` parameter: node aliases and the plugs they resolve to.
type inventory struct {
	order []string // as configured, for list
	alias map[string]string
	addr  map[string]string
	twice string // a node listed in two entries (validate refuses it), if any
}

func parseInventory(s string) inventory {
	inv := inventory{alias: map[string]string{}, addr: map[string]string{}}
	for _, f := range strings.FieldsFunc(s, func(c rune) bool { return c == ';' || c == ' ' || c == '\t' || c == '\n' }) {
		node, addr, ok := strings.Cut(f, "=")
		if !ok {
			node, addr = "", f
		}
		inv.order = append(inv.order, addr)
		inv.alias[addr] = node
		if node != "" {
			if _, seen := inv.addr[node]; seen && inv.twice == "" {
				inv.twice = node
			}
			inv.addr[node] = addr
		}
	}
	return inv
}

// resolve turns the plugs Pacemaker passed into addresses: a node name listed in `plugs` is
// looked up there (dynamic-list without pcmk_host_map), anything else parsed as HOST[:RELAY].
func resolve(r *fence.Request, names []string) ([]espurna.Plug, error) {
	inv := parseInventory(r.Values.String("plugs"))
	out := make([]espurna.Plug, 0, len(names))
	for _, n := range names {
		// A node alias, or an entry of list (a dual-PSU node's plugs joined by commas).
		addrs := strings.Split(n, ",")
		if a, ok := inv.addr[n]; ok {
			addrs = strings.Split(a, ",")
		}
		for _, a := range addrs {
			p, err := espurna.ParsePlug(a, r.Values.String("ip"), hostOffset(r.Values))
			if err != nil {
				return nil, fmt.Errorf("plug %q: %v", n, err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}
