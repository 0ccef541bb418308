package main

import (
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
)

// validate is validate-all: at depth 0 the parameters alone; from depth 10 this node: the data
// mount, the files, the daemon, compose, the project's configuration and its restart policies,
// which it warns about (start refuses them unless allow_restart_policy is set).
func validate(r *ocf.Request) error {
	s, err := newStack(r)
	if err != nil || r.Depth < 10 {
		return err
	}
	_, cfg, err := s.prepare(r.Ctx)
	if err != nil {
		return err
	}
	if bad := s.unknown(cfg); len(bad) > 0 {
		return ocf.Exit(ocf.ErrConfigured, "services %s are not in the compose files", strings.Join(bad, ", "))
	}
	if res := resurrecting(cfg, s.wanted(cfg)); len(res) > 0 {
		r.Log.Warnf("restart policy %s: dockerd runs them after a reboot outside the cluster, possibly on two nodes at once (start refuses them unless allow_restart_policy is set)", strings.Join(res, ", "))
	}
	return nil
}
