package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/compose"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// stack is one action on the project: the request, the parameters and the daemon.
type stack struct {
	r   *ocf.Request
	c   config
	eng *compose.Engine
}

func newStack(r *ocf.Request) (*stack, error) {
	c, err := newConfig(r.Values)
	if err != nil {
		return nil, err
	}
	return &stack{r: r, c: c, eng: newEngine(r, c)}, nil
}

func newEngine(r *ocf.Request, c config) *compose.Engine {
	return &compose.Engine{HTTP: r.P.HTTP, Socket: c.socket}
}

// daemonAbsent reports that no daemon can be listening: its socket does not exist.
func (s *stack) daemonAbsent() bool {
	_, err := s.r.P.Files.Stat(s.c.socket)
	return err != nil
}

// view is the project as the daemon shows it now: its containers by service, and apart the
// `compose run` containers, which are no service of the stack but are the project's all the
// same (they use its data): stop removes them and a probe does not call the project stopped
// while one runs.
type view struct {
	byService map[string][]compose.Container
	oneOffs   []compose.Container
}

func (s *stack) look(ctx context.Context) (view, error) {
	cs, err := s.eng.Containers(ctx, s.c.project)
	if err != nil {
		return view{}, err
	}
	v := view{byService: map[string][]compose.Container{}}
	for _, c := range cs {
		if c.OneOff || c.Service == "" { // no service: run by hand with the project's label
			v.oneOffs = append(v.oneOffs, c)
		} else {
			v.byService[c.Service] = append(v.byService[c.Service], c)
		}
	}
	return v, nil
}

// all are every container of the project, one-offs included.
func (v view) all() []compose.Container {
	out := slices.Clone(v.oneOffs)
	for _, cs := range v.byService {
		out = append(out, cs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// active reports a container that runs or is about to again: running, paused or restarting.
func active(c compose.Container) bool {
	return c.State == "running" || c.State == "paused" || c.State == "restarting"
}

func (v view) anyActive() bool { return slices.ContainsFunc(v.all(), active) }

func (v view) services() []string {
	out := make([]string, 0, len(v.byService))
	for s := range v.byService {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// verdict is one service's state.
type verdict int

const (
	ready   verdict = iota // runs, and is healthy if it has a healthcheck (at depth ≥ 10)
	pending                // created, restarting or health starting: may still come up
	failed                 // missing, exited, dead, paused or unhealthy
)

// problem is a service that is not ready, and why.
type problem struct {
	service string
	verdict verdict
	what    string
}

// assess judges every expected service. At depth ≥ 10 the healthchecks count. Explaining a
// failure costs a request or two (the container's end, its last log line); a ready service
// costs nothing beyond the list.
func (s *stack) assess(ctx context.Context, v view, expected []string, depth int) []problem {
	var out []problem
	for _, svc := range expected {
		if p, ok := s.judge(ctx, svc, v.byService[svc], depth); ok {
			out = append(out, p)
		}
	}
	return out
}

func (s *stack) judge(ctx context.Context, svc string, cs []compose.Container, depth int) (problem, bool) {
	if len(cs) == 0 {
		return problem{svc, failed, "has no container"}, true
	}
	// Every replica counts: the service is as good as its worst container.
	c := cs[0]
	for _, x := range cs[1:] {
		if rank(x, depth) > rank(c, depth) {
			c = x
		}
	}
	switch {
	case rank(c, depth) == ready:
		return problem{}, false
	case c.Running() && c.Health == compose.Starting:
		return problem{svc, pending, fmt.Sprintf("%s health: starting", c.Name)}, true
	case c.Running(): // unhealthy
		d, err := s.eng.Inspect(ctx, c.ID)
		why := d.HealthOutput
		if err != nil || why == "" {
			why = s.lastLog(ctx, c)
		}
		return problem{svc, failed, fmt.Sprintf("%s is unhealthy: %s", c.Name, why)}, true
	case c.State == "restarting":
		// It may yet come up, but it has failed at least once: say how (a crash loop ends a
		// start at its deadline, and that reason is all the operator gets).
		what := c.Name + " is restarting"
		if l := s.lastLog(ctx, c); l != "" {
			what += ": " + l
		}
		return problem{svc, pending, what}, true
	case c.State == "created":
		return problem{svc, pending, c.Name + " is created"}, true
	}
	what := fmt.Sprintf("%s is %s", c.Name, c.State)
	if c.State == "exited" || c.State == "dead" {
		if d, err := s.eng.Inspect(ctx, c.ID); err == nil {
			what = fmt.Sprintf("%s exited %d", c.Name, d.ExitCode)
			if d.OOMKilled {
				what += " (out of memory)"
			}
			if boot := s.bootTime(); !boot.IsZero() && d.FinishedAt.Before(boot) {
				// Left from the last boot: its log is of then, not of now.
				return problem{svc, failed, fmt.Sprintf("%s has not run since before this boot", c.Name)}, true
			}
		}
	}
	if l := s.lastLog(ctx, c); l != "" {
		what += ": " + l
	}
	return problem{svc, failed, what}, true
}

// rank orders a container's state from ready to failed, by the list alone.
func rank(c compose.Container, depth int) verdict {
	switch {
	case c.Running() && (depth < 10 || c.Health != compose.Unhealthy && c.Health != compose.Starting):
		return ready
	case c.Running() && c.Health == compose.Starting, c.State == "created", c.State == "restarting":
		return pending
	}
	return failed
}

func (s *stack) lastLog(ctx context.Context, c compose.Container) string {
	l, err := s.eng.LastLogLine(ctx, c.ID)
	if err != nil {
		s.r.Log.Debugf("logs of %s: %v", c.Name, err)
		return ""
	}
	if l == "" {
		return "(no log)"
	}
	return "last log: " + l
}

// split divides problems into the critical ones and the optional ones.
func (s *stack) split(ps []problem) (critical, optional []problem) {
	for _, p := range ps {
		if s.c.optional[p.service] {
			optional = append(optional, p)
		} else {
			critical = append(critical, p)
		}
	}
	return critical, optional
}

// describe is the exit reason for problems: the first in full, then how many more.
func describe(ps []problem) string {
	msg := "service " + ps[0].service + ": " + ps[0].what
	if len(ps) > 1 {
		names := make([]string, 0, len(ps)-1)
		for _, p := range ps[1:] {
			names = append(names, p.service)
		}
		msg += fmt.Sprintf("; also %s", strings.Join(names, ", "))
	}
	return msg
}

// daemonError is the reason for a daemon that does not answer.
func (s *stack) daemonError(err error) error {
	return ocf.Exit(ocf.ErrGeneric, "docker daemon at %s does not answer: %v", s.c.socket, err)
}

// unreachable reports an error of the daemon's transport (not an answer of the daemon).
func unreachable(err error) bool {
	var ne *sysio.NetError
	return errors.As(err, &ne)
}
