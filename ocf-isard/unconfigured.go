package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf"
)

// unconfigured answers a stop or a probe whose parameters do not check. The project name and the
// socket are enough to ask the daemon: "stopped" only when no container of the project exists
// (a probe: none is active), and a stop removes them through the API.
func unconfigured(r *ocf.Request, bad error) error {
	c := config{project: r.Values.String("project"), socket: r.Values.String("docker_socket"), flavour: r.Values.String("flavour")}
	if c.project == "" {
		c.project = "isard"
		if c.flavour == "hypervisor" {
			c.project = "isard-hypervisor"
		}
	}
	if !validProject(c.project) || c.socket == "" {
		// Start refuses these, so nothing of this resource can have been started with them.
		r.Log.Warnf("nothing of this resource can run here with these parameters: %v", bad)
		return nil
	}
	s := &stack{r: r, c: c, eng: newEngine(r, c)}
	if s.daemonAbsent() {
		return nil
	}
	v, err := s.look(r.Ctx)
	switch {
	case err != nil && r.Probe && unreachable(err):
		return nil
	case err != nil:
		return ocf.Exit(ocf.ErrGeneric, "cannot tell whether %s runs: %v (and %v)", c.project, err, bad)
	case r.Action == "stop" && len(v.all()) > 0:
		r.Log.Warnf("stopping %s through the docker API although the parameters do not check: %v", c.project, bad)
		return s.stop()
	case r.Probe && v.anyActive():
		return ocf.Exit(ocf.ErrGeneric, "containers of %s run, but the parameters do not check: %v", c.project, bad)
	}
	return nil
}
