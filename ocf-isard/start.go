package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/compose"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// pollEvery is how often start looks at the containers while it waits for them.
const pollEvery = time.Second

func start(r *ocf.Request) error {
	s, err := newStack(r)
	if err != nil {
		return err
	}
	if err := s.checkClone(); err != nil {
		return err
	}
	cli, cfg, err := s.prepare(r.Ctx)
	if err != nil {
		return err
	}
	services := s.wanted(cfg)
	if bad := s.unknown(cfg); len(bad) > 0 {
		return ocf.Exit(ocf.ErrConfigured, "services %s are not in the compose files", strings.Join(bad, ", "))
	}
	if res := resurrecting(cfg, services); len(res) > 0 {
		if !s.c.allowRestart {
			return ocf.Exit(ocf.ErrConfigured, "restart policy %s: dockerd would restart it outside the cluster after a reboot; set restart: \"no\" or allow_restart_policy", strings.Join(res, ", "))
		}
		r.Log.Warnf("services %s have restart policies that dockerd acts on outside the cluster (allowed by allow_restart_policy)", strings.Join(res, ", "))
	}

	// Already up and healthy: nothing to do (an up by another compose version than the one
	// that created the containers would recreate them all).
	if v, err := s.look(r.Ctx); err != nil {
		return s.daemonError(err)
	} else if v.anyActive() && len(s.assess(r.Ctx, v, services, 10)) == 0 {
		r.Log.Infof("%s already runs: %s", s.c.project, strings.Join(services, " "))
		s.saveExpected(services)
		return nil
	}
	if err := s.images(r.Ctx, cli, cfg, services); err != nil {
		return err
	}
	r.Log.Infof("starting %s with compose %s (%s): %s", s.c.project, cli.Version, strings.Join(cli.Command, " "), strings.Join(services, " "))
	s.saveExpected(services)
	ctx, cancel := s.waitCtx()
	defer cancel()
	return s.wait(ctx, services, cli.Up(ctx, s.upArgs(services)...))
}

// checkClone refuses to run the whole stack as a clone: every instance would run it on the
// same replicated data.
func (s *stack) checkClone() error {
	n, _ := strconv.Atoi(s.r.Meta("clone-max"))
	switch {
	case s.c.flavour == "all-in-one" && n > 1:
		return ocf.Exit(ocf.ErrConfigured, "flavour all-in-one runs the whole stack and must not be cloned (clone-max %d): use flavour=hypervisor for the per-node part", n)
	case s.c.flavour == "hypervisor" && s.r.Meta("clone-max") == "":
		s.r.Log.Warnf("flavour hypervisor is meant to run as a clone on every node")
	}
	return nil
}

// prepare checks what start needs before it changes anything: the data mount, the files, the
// daemon, a compose and the project's configuration.
func (s *stack) prepare(ctx context.Context) (compose.CLI, compose.Config, error) {
	if m := s.c.dataMount; m != "" {
		fstype, err := mountedAt(s.r.P.Files, m)
		switch {
		case err != nil:
			return compose.CLI{}, compose.Config{}, ocf.Exit(ocf.ErrGeneric, "cannot read the mount table: %v", err)
		case fstype == "":
			return compose.CLI{}, compose.Config{}, ocf.Exit(ocf.ErrGeneric, "data_mount %s is not a mounted filesystem: order this resource after the one that mounts it", m)
		}
		s.r.Log.Debugf("data_mount %s is %s", m, fstype)
	}
	for _, f := range append(append([]string{}, s.c.files...), s.envFiles()...) {
		if _, err := s.r.P.Files.Stat(f); err != nil {
			return compose.CLI{}, compose.Config{}, ocf.Exit(ocf.ErrInstalled, "compose project file %s: %v", f, errors.Unwrap(err))
		}
	}
	if s.daemonAbsent() {
		return compose.CLI{}, compose.Config{}, ocf.Exit(ocf.ErrGeneric, "no docker daemon: socket %s does not exist", s.c.socket)
	}
	if _, err := s.eng.Version(ctx); err != nil {
		return compose.CLI{}, compose.Config{}, s.daemonError(err)
	}
	cli, err := s.c.cli(ctx, s.r)
	if errors.Is(err, compose.ErrNoCompose) {
		return cli, compose.Config{}, ocf.Exit(ocf.ErrInstalled, "%v", err)
	} else if err != nil {
		return cli, compose.Config{}, err
	}
	cfg, err := cli.Config(ctx)
	if err != nil {
		return cli, cfg, ocf.Exit(ocf.ErrConfigured, "compose config: %v", err)
	}
	return cli, cfg, nil
}

func (s *stack) envFiles() []string {
	if s.c.envFile != "" {
		return []string{s.c.envFile}
	}
	return nil
}

// wanted are the services to run: those asked for, else every one of the files.
func (s *stack) wanted(cfg compose.Config) []string {
	if len(s.c.services) == 0 {
		return cfg.Names()
	}
	out := slices.Clone(s.c.services)
	slices.Sort(out)
	return slices.Compact(out)
}

// unknown are the services named in parameters that the files do not have.
func (s *stack) unknown(cfg compose.Config) []string {
	var out []string
	named := slices.Clone(s.c.services)
	for o := range s.c.optional {
		named = append(named, o)
	}
	slices.Sort(named)
	for _, n := range slices.Compact(named) {
		if _, ok := cfg.Service(n); !ok {
			out = append(out, n)
		}
	}
	return out
}

func (s *stack) upArgs(services []string) []string {
	if len(s.c.services) == 0 {
		return nil // all: compose also starts what they depend on
	}
	return services
}

func resurrecting(cfg compose.Config, services []string) []string {
	var out []string
	for _, n := range services {
		if svc, ok := cfg.Service(n); ok && svc.Resurrects() {
			out = append(out, n+"="+svc.Restart)
		}
	}
	return out
}

// images checks that every image is present locally, and pulls the missing ones only when
// allowed: a start must not wait on a registry the flock may not reach.
func (s *stack) images(ctx context.Context, cli compose.CLI, cfg compose.Config, services []string) error {
	var missing, pull []string
	present := map[string]bool{}
	for _, n := range services {
		svc, _ := cfg.Service(n)
		if svc.Image == "" {
			return ocf.Exit(ocf.ErrConfigured, "service %s has no image (building is not the cluster's job)", n)
		}
		ok, asked := present[svc.Image]
		if !asked {
			var err error
			if ok, err = s.eng.ImagePresent(ctx, svc.Image); err != nil {
				return s.daemonError(err)
			}
			present[svc.Image] = ok
		}
		if !ok {
			missing, pull = append(missing, svc.Image+" ("+n+")"), append(pull, n)
		}
	}
	switch {
	case len(missing) == 0:
		return nil
	case !s.c.allowPull:
		return ocf.Exit(ocf.ErrInstalled, "images not present on this node: %s (load them, or set allow_pull)", strings.Join(missing, ", "))
	}
	s.r.Log.Infof("pulling %s", strings.Join(missing, ", "))
	if err := cli.Pull(ctx, pull...); err != nil {
		return ocf.Exit(ocf.ErrGeneric, "pull: %v", err)
	}
	return nil
}

// waitCtx ends when start must stop waiting: start_grace, or the operation's deadline.
func (s *stack) waitCtx() (context.Context, context.CancelFunc) {
	if s.c.startGrace <= 0 {
		return context.WithCancel(s.r.Ctx)
	}
	return sysio.WithTimeout(s.r.P.Clock, s.r.Ctx, s.c.startGrace)
}

// wait waits until every critical service is ready and every optional one is ready or has
// failed; a critical one that fails ends the wait at once, with its reason.
func (s *stack) wait(ctx context.Context, services []string, upErr error) error {
	var steady map[string]time.Time // when each container started, at the last look that found all ready
	waiting := "the first look"     // what the last look waited for
	// A request cut by the deadline is the deadline's doing, not the daemon's.
	failure := func(err error) error {
		if ctx.Err() != nil || s.r.Ctx.Err() != nil {
			return ocf.Exit(ocf.ErrGeneric, "start timed out waiting for %s", waiting)
		}
		return s.daemonError(err)
	}
	for {
		v, err := s.look(s.r.Ctx)
		if err != nil {
			return failure(err)
		}
		critical, optional := s.split(s.assess(s.r.Ctx, v, services, 10))
		if f := only(critical, failed); len(f) > 0 {
			return ocf.Exit(ocf.ErrGeneric, "start failed: %s", describe(f))
		}
		if upErr != nil {
			// Compose gave up, yet no container explains why: its own message does.
			return ocf.Exit(ocf.ErrGeneric, "start failed: %v", upErr)
		}
		if len(critical) == 0 && len(only(optional, pending)) == 0 {
			// A container in a crash loop runs for a moment between its restarts: ready only
			// when a second look finds every container still in the run the first one saw.
			started, err := s.startedAt(v, services)
			if err != nil {
				return failure(err)
			}
			if !maps.Equal(started, steady) {
				if steady != nil {
					waiting = s.restarted(v, steady, started)
				}
				steady = started
				if err := s.r.P.Clock.Sleep(ctx, pollEvery); err != nil {
					return failure(err)
				}
				continue
			}
			if len(optional) > 0 {
				s.r.Log.Warnf("%s started degraded: optional %s", s.c.project, describe(optional))
			} else {
				s.r.Log.Infof("%s started: every service runs, every healthcheck says healthy", s.c.project)
			}
			return nil
		}
		if len(critical) > 0 {
			waiting = describe(critical)
		}
		if err := s.r.P.Clock.Sleep(ctx, pollEvery); err != nil {
			if len(critical) == 0 {
				s.r.Log.Warnf("%s started without optional %s", s.c.project, describe(optional))
				return nil
			}
			return ocf.Exit(ocf.ErrGeneric, "start timed out waiting for %s", describe(critical))
		}
	}
}

// startedAt is when each running container of the services last started.
func (s *stack) startedAt(v view, services []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, svc := range services {
		for _, c := range v.byService[svc] {
			if !c.Running() {
				continue
			}
			d, err := s.eng.Inspect(s.r.Ctx, c.ID)
			if err != nil {
				return nil, err
			}
			out[c.ID] = d.StartedAt
		}
	}
	return out, nil
}

// restarted names the containers that started again between two looks, with the last log line
// of the first.
func (s *stack) restarted(v view, before, now map[string]time.Time) string {
	var ps []problem
	var first compose.Container
	for _, c := range v.all() {
		if t, ok := before[c.ID]; ok && !t.Equal(now[c.ID]) {
			if len(ps) == 0 {
				first = c
			}
			ps = append(ps, problem{c.Service, pending, c.Name + " restarted"})
		}
	}
	if len(ps) == 0 {
		return "the services to stay up for a second look"
	}
	if l := s.lastLog(s.r.Ctx, first); l != "" {
		ps[0].what += ": " + l
	}
	return describe(ps)
}

func only(ps []problem, v verdict) []problem {
	var out []problem
	for _, p := range ps {
		if p.verdict == v {
			out = append(out, p)
		}
	}
	return out
}
