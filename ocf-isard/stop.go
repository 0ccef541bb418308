package main

import (
	"errors"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/compose"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

func stop(r *ocf.Request) error {
	s, err := newStack(r)
	if err != nil {
		// A failed stop fences the node: bad parameters get the API's answer instead.
		return unconfigured(r, err)
	}
	return s.stop()
}

// stop brings the project down gracefully with compose, removes through the API whatever
// compose left (or everything, when compose cannot run here: the files are on a filesystem
// that is gone), and succeeds only when the daemon lists no container of the project.
func (s *stack) stop() error {
	r := s.r
	if s.daemonAbsent() {
		r.Log.Warnf("no docker daemon socket at %s: no container of %s can run here", s.c.socket, s.c.project)
		s.forgetExpected()
		return nil
	}
	v, err := s.look(r.Ctx)
	if err != nil {
		return ocf.Exit(ocf.ErrGeneric, "cannot confirm %s is stopped: docker daemon at %s does not answer: %v", s.c.project, s.c.socket, err)
	}
	if len(v.all()) == 0 {
		s.forgetExpected()
		return nil
	}
	grace, reserve := s.stopBudget()
	r.Log.Infof("stopping %s: %d containers, grace %s each", s.c.project, len(v.all()), grace.Round(time.Second))
	if err := s.down(grace, reserve); err != nil {
		r.Log.Warnf("compose down: %v; removing what is left through the docker API", err)
	}
	if v, err = s.look(r.Ctx); err != nil {
		return ocf.Exit(ocf.ErrGeneric, "cannot confirm %s is stopped: %v", s.c.project, err)
	}
	for _, c := range v.all() {
		if active(c) && r.Remaining() > reserve/2 {
			// compose could not run or gave up: the same grace, through the daemon.
			g := min(grace, r.Remaining()-reserve/2)
			r.Log.Infof("stopping %s (%s) with grace %s", c.Name, c.State, g.Round(time.Second))
			if err := s.eng.Stop(r.Ctx, c.ID, g); err != nil {
				r.Log.Warnf("stop %s: %v", c.Name, err)
			}
		}
		if err := s.eng.Remove(r.Ctx, c.ID); err != nil {
			r.Log.Warnf("remove %s: %v", c.Name, err)
		}
	}
	if v, err = s.look(r.Ctx); err != nil {
		return ocf.Exit(ocf.ErrGeneric, "cannot confirm %s is stopped: %v", s.c.project, err)
	}
	if left := v.all(); len(left) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "containers of %s remain after stop: %s", s.c.project, names(left))
	}
	s.forgetExpected()
	r.Log.Infof("%s stopped: no container left", s.c.project)
	return nil
}

// names lists containers with their states, for an exit reason.
func names(cs []compose.Container) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name+" ("+c.State+")")
	}
	return strings.Join(out, ", ")
}

// stopBudget divides the stop's budget: each container's grace, and what is kept back for
// SIGKILL, the removal through the API and the final check. stop_grace can only make the
// grace shorter.
func (s *stack) stopBudget() (grace, reserve time.Duration) {
	left := s.r.Remaining()
	reserve = max(5*time.Second, left/3)
	grace = max(time.Second, left-reserve)
	if s.c.stopGrace > 0 && s.c.stopGrace < grace {
		grace = s.c.stopGrace
	}
	return grace, reserve
}

// down runs compose down, bounded so the reserve is left when it returns.
func (s *stack) down(grace, reserve time.Duration) error {
	if len(s.c.files) == 0 {
		return errors.New("the compose files are not known")
	}
	for _, f := range s.c.files {
		if _, err := s.r.P.Files.Stat(f); err != nil {
			return errors.New("compose file " + f + " is not here")
		}
	}
	ctx, cancel := sysio.WithTimeout(s.r.P.Clock, s.r.Ctx, max(time.Second, s.r.Remaining()-reserve))
	defer cancel()
	cli, err := s.c.cli(ctx, s.r)
	if err != nil {
		return err
	}
	return cli.Down(ctx, grace)
}
