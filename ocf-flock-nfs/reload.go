package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
)

// reload applies the reloadable parameters to a running server: the exports (withdrawing
// those no longer configured, re-exporting the rest with their options) and the thread count.
func reload(r *ocf.Request) error {
	s, err := newServer(r)
	if err != nil {
		return err
	}
	threads, err := nfs.ThreadCount(r.P.Files)
	if err != nil || threads == 0 {
		r.Log.Infof("NFS server not running: the new parameters apply at the next start")
		return nil
	}
	have, err := s.etab()
	if err != nil {
		return err
	}
	_, extra := nfs.Missing(s.c.exports, have)
	for _, key := range extra {
		if err := s.run("exportfs", "-u", key); err != nil {
			return err
		}
	}
	for _, e := range s.c.exports {
		for _, c := range e.Clients {
			if err := s.run(nfs.ExportArgv(e, c)...); err != nil {
				return ocf.Exit(ocf.ErrGeneric, "export %s:%s failed: %v", c.Host, e.Path, err)
			}
		}
	}
	if threads != s.c.threads {
		if err := r.P.Files.WriteFile(nfs.Threads, []byte(strconv.Itoa(s.c.threads)+"\n"), 0o644); err != nil {
			return fmt.Errorf("setting %d nfsd threads: %w", s.c.threads, err)
		}
	}
	if have, err = s.etab(); err != nil {
		return err
	}
	if lost, extra := nfs.Missing(s.c.exports, have); len(lost)+len(extra) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "exports not as configured after reload: %s", strings.Join(append(lost, extra...), "; "))
	}
	r.Log.Infof("reloaded: %d exports, %d threads", len(s.c.exports), s.c.threads)
	return nil
}
