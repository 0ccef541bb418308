package main

import (
	"errors"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
)

// unconfigured answers a stop or a probe whose parameters do not check. Nothing of the server
// runs when nfsd has no threads and state_dir (when it is among the parameters that check) is
// not bound on /var/lib/nfs; then the probe says 7 and the stop succeeds. Otherwise a stop
// stops what is live (etab, /proc, mountinfo) and a probe says it runs with parameters that do
// not check. A mount on /var/lib/nfs that is not provably state_dir is left alone.
func unconfigured(r *ocf.Request, bad error) error {
	s := &server{r: r, c: config{mode: r.Values.String("daemons"), stateDir: r.Values.String("state_dir")}}
	s.systemd = useSystemd(r.P.Files, s.c.mode)
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	bound := false
	if r.Values.IsSet("state_dir") {
		bound, _ = s.binding(ms)
	}
	threads, err := nfs.ThreadCount(r.P.Files)
	if err != nil && !errors.Is(err, nfs.ErrNFSDNotMounted) {
		return err
	}
	switch {
	case threads == 0 && !bound:
		return nil
	case r.Action != "stop":
		return ocf.Exit(ocf.ErrGeneric, "the NFS server runs here, but the parameters do not check: %v", bad)
	}
	r.Log.Warnf("stopping the NFS server from its live state although the parameters do not check: %v", bad)
	if threads > 0 {
		if err := s.stopNFSD(); err != nil {
			return err
		}
	}
	have, _ := s.etab()
	s.unlock(have)
	for _, argv := range [][]string{{"exportfs", "-ua"}, {"exportfs", "-f"}} {
		if err := s.run(argv...); err != nil {
			return err
		}
	}
	if err := s.stopDaemons(); err != nil {
		return err
	}
	if bound {
		return s.unbind()
	}
	return nil
}
