package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf"
)

// validate is validate-all: at depth 0 the parameters alone (newConfig); from depth 10 also
// that this node could run the server: its programs and a state_dir on a mounted filesystem.
func validate(r *ocf.Request) error {
	s, err := newServer(r)
	if err != nil || r.Depth < 10 {
		return err
	}
	progs := []string{"/usr/sbin/rpc.nfsd", "/usr/sbin/exportfs", "/usr/sbin/rpc.mountd"}
	if s.c.v3() {
		progs = append(progs, "/usr/sbin/rpcbind", "/usr/sbin/rpc.statd", "/usr/sbin/sm-notify")
	}
	if s.c.v4() {
		progs = append(progs, "/usr/sbin/nfsdcld")
	}
	for _, p := range progs {
		if _, err := r.P.Files.Stat(p); err != nil {
			return ocf.Exit(ocf.ErrInstalled, "%s is missing: install nfs-kernel-server", p)
		}
	}
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	_, err = s.stateMount(ms)
	return err
}
