package main

import (
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/nfs"
)

// config is the resource's parameters, checked against each other (validate-all depth 0). It
// touches nothing outside the process.
type config struct {
	exports      []nfs.Export
	stateDir     string
	ips          []string
	scope        string
	versions     []string // of 3, 4.0, 4.1, 4.2, in that order
	threads      int
	grace, lease int
	notify       bool
	mode         string // auto, systemd or direct
}

var knownVersions = []string{"3", "4.0", "4.1", "4.2"}

func newConfig(v param.Values) (config, error) {
	c := config{stateDir: v.String("state_dir"), scope: v.String("server_scope"), threads: int(v.Int("threads")),
		grace: int(v.Int("grace_time")), lease: int(v.Int("lease_time")), notify: v.Bool("notify"), mode: v.String("daemons")}
	var err error
	if c.exports, err = nfs.ParseExports(v.String("exports")); err != nil {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter exports: %v", err)
	}
	sd := c.stateDir
	switch {
	case !strings.HasPrefix(sd, "/") || filepath.Clean(sd) != sd || strings.ContainsAny(sd, " \t\n\\"):
		return c, ocf.Exit(ocf.ErrConfigured, "parameter state_dir: %q is not a clean absolute path", sd)
	case sd == "/" || within(nfs.StateDir, sd) || within(sd, nfs.StateDir):
		return c, ocf.Exit(ocf.ErrConfigured, "parameter state_dir: %s cannot be bound over %s", sd, nfs.StateDir)
	}
	for _, ip := range strings.Split(v.String("ip"), ",") {
		ip = strings.TrimSpace(ip)
		if net.ParseIP(ip) == nil {
			return c, ocf.Exit(ocf.ErrConfigured, "parameter ip: %q is not an IP address", ip)
		}
		c.ips = append(c.ips, ip)
	}
	if c.scope == "" {
		c.scope = c.ips[0]
	}
	if len(c.scope) > 64 || strings.ContainsAny(c.scope, " \t\n\"'\\$`") {
		return c, ocf.Exit(ocf.ErrConfigured, "parameter server_scope: at most 64 characters, no spaces or quotes")
	}
	for _, s := range strings.Split(v.String("nfs_versions"), ",") {
		s = strings.TrimSpace(s)
		if s == "4" {
			s = "4.2"
		}
		if !slices.Contains(knownVersions, s) {
			return c, ocf.Exit(ocf.ErrConfigured, "parameter nfs_versions: %q is not one of 3, 4.0, 4.1, 4.2", s)
		}
		if !slices.Contains(c.versions, s) {
			c.versions = append(c.versions, s)
		}
	}
	slices.SortFunc(c.versions, func(a, b string) int { return slices.Index(knownVersions, a) - slices.Index(knownVersions, b) })
	if c.grace < c.lease {
		return c, ocf.Exit(ocf.ErrConfigured, "grace_time %d is shorter than lease_time %d: clients could not reclaim in time", c.grace, c.lease)
	}
	return c, nil
}

func (c config) v3() bool { return slices.Contains(c.versions, "3") }

func (c config) v4() bool {
	return slices.ContainsFunc(c.versions, func(v string) bool { return v != "3" })
}

// within reports path at or below dir.
func within(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }
