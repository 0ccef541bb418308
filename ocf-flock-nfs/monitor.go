package main

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
	"github.com/isard-vdi/flock-agents/lib/rpc"
)

func monitor(r *ocf.Request) error {
	s, err := newServer(r)
	if err != nil {
		if r.Probe {
			if err := unconfigured(r, err); err != nil {
				return err
			}
			return ocf.NotRunning
		}
		return err
	}
	return s.check(r.Depth)
}

// check is the resource's state: nil when it serves as configured, NotRunning when nothing of
// it is here, an error naming what is wrong otherwise. Depth 0 reads /proc and forks nothing;
// depth 20 mounts and reads each export (readExports).
func (s *server) check(depth int) error {
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	ours, err := s.binding(ms)
	threads, terr := nfs.ThreadCount(s.r.P.Files)
	if terr != nil && !errors.Is(terr, nfs.ErrNFSDNotMounted) {
		return terr
	}
	switch {
	case threads == 0 && err == nil && !ours:
		return ocf.NotRunning
	case threads == 0 && ours:
		return ocf.Exit(ocf.ErrGeneric, "nfsd is stopped but state_dir is still bound on %s", nfs.StateDir)
	case threads == 0:
		return ocf.NotRunning // another mount on /var/lib/nfs, nothing serving: not ours to judge
	case err != nil:
		return err
	case !ours:
		return errForeignNFSD
	}
	ps, err := s.daemonProcs(s.c.running())
	if err != nil {
		return err
	}
	if m := missing(s.c.running(), ps); len(m) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "nfsd runs, but %s not: restart the resource", strings.Join(m, ", "))
	}
	data, err := s.r.P.Files.ReadFile(nfs.Versions)
	if err != nil {
		return err
	}
	if got := nfs.Enabled(string(data)); !sameVersions(got, s.c.versions) {
		return ocf.Exit(ocf.ErrGeneric, "nfsd serves versions %q, configured %s", strings.TrimSpace(string(data)), strings.Join(s.c.versions, ","))
	}
	have, err := s.etab()
	if err != nil {
		return err
	}
	lost, extra := nfs.Missing(s.c.exports, have)
	if len(lost) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "export %s", strings.Join(lost, "; "))
	}
	var warnings []string
	if len(extra) > 0 {
		warnings = append(warnings, "exported but not configured: "+strings.Join(nfs.Names(extra), ", "))
	}
	if threads != s.c.threads {
		warnings = append(warnings, fmt.Sprintf("%d nfsd threads, configured %d", threads, s.c.threads))
	}
	if depth >= 10 {
		if err := s.ping(); err != nil {
			return err
		}
	}
	if depth >= 20 {
		if err := s.readExports(ms); err != nil {
			return err
		}
	}
	if len(warnings) > 0 {
		return ocf.Exit(ocf.Degraded, "%s", strings.Join(warnings, "; "))
	}
	return nil
}

// errForeignNFSD is nfsd serving with /var/lib/nfs not bound to state_dir: not this resource,
// whose start binds first and starts nfsd last.
var errForeignNFSD = ocf.Exit(ocf.ErrGeneric, "nfsd runs without state_dir bound on %s: another NFS server (is nfs-server.service enabled at boot?)", nfs.StateDir)

// sameVersions compares the kernel's enabled versions with the configured ones; the kernel
// also lists the major version 4 when a minor one is on.
func sameVersions(got map[string]bool, want []string) bool {
	w := map[string]bool{}
	for _, v := range want {
		w[v] = true
		if v != "3" {
			w["4"] = true
		}
	}
	delete(got, "2")
	return maps.Equal(got, w)
}

// ping makes RPC NULL calls to nfsd and, with NFSv3, to rpc.mountd (found through rpcbind),
// over the loopback: it proves the services answer, whatever the floating IP is doing.
func (s *server) ping() error {
	c := &rpc.Client{Dial: s.r.P.Dial, Timeout: min(5*time.Second, s.r.Remaining())}
	vers := uint32(4)
	if s.c.v3() {
		vers = 3
	}
	if err := c.Null(s.r.Ctx, "tcp", "127.0.0.1:2049", rpc.NFS, vers); err != nil {
		return ocf.Exit(ocf.ErrGeneric, "nfsd does not answer an RPC NULL call (NFS v%d): %v", vers, err)
	}
	if s.c.v3() {
		if err := c.Ping(s.r.Ctx, "127.0.0.1", rpc.Mount, 3); err != nil {
			return ocf.Exit(ocf.ErrGeneric, "rpc.mountd does not answer an RPC NULL call: %v", err)
		}
	}
	return nil
}
