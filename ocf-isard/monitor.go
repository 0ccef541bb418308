package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf"
)

// monitor asks the daemon, over its socket, for the project's containers: one request when all
// is well, a few more to explain a failure, no fork. It never changes anything.
func monitor(r *ocf.Request) error {
	s, err := newStack(r)
	if err != nil {
		if r.Probe {
			if err := unconfigured(r, err); err != nil {
				return err
			}
			return ocf.NotRunning
		}
		return err
	}
	if s.daemonAbsent() {
		if r.Probe {
			r.Log.Infof("no docker daemon socket at %s: nothing of %s can run here", s.c.socket, s.c.project)
			return ocf.NotRunning
		}
		return ocf.Exit(ocf.ErrGeneric, "docker daemon socket %s is gone", s.c.socket)
	}
	v, err := s.look(r.Ctx)
	switch {
	case err != nil && r.Probe && unreachable(err):
		r.Log.Infof("docker daemon at %s does not answer (%v): nothing of %s runs here", s.c.socket, err, s.c.project)
		return ocf.NotRunning
	case err != nil:
		return s.daemonError(err)
	case !v.anyActive():
		// Stopped containers are no stack: after a reboot they are the last boot's.
		return ocf.NotRunning
	}
	expected, ok := s.expected()
	if !ok && len(v.byService) == 0 {
		return ocf.Exit(ocf.ErrGeneric, "only containers of %s that are no service of it run here (compose run, or by hand): %s", s.c.project, names(v.oneOffs))
	}
	if !ok {
		// Not started by this agent since boot, yet something runs: dockerd restarted it by
		// itself (restart: always or unless-stopped), or it was started by hand. Judge it by
		// every service the daemon knows of in the project, so a part of it is not "running".
		expected = v.services()
		r.Log.Warnf("containers of %s run although this agent has not started it since boot (a restart policy, or by hand)", s.c.project)
	}
	critical, optional := s.split(s.assess(r.Ctx, v, expected, r.Depth))
	if len(critical) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "%s", describe(critical))
	}
	if r.Depth >= 20 && s.c.healthURL != "" {
		if err := s.probeURL(); err != nil {
			return ocf.Exit(ocf.ErrGeneric, "%v", err)
		}
	}
	if len(optional) > 0 {
		return ocf.Exit(ocf.Degraded, "optional %s", describe(optional))
	}
	return nil
}
