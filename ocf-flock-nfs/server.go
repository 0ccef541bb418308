package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// server is one action on this node's NFS server.
type server struct {
	r       *ocf.Request
	c       config
	systemd bool
}

func newServer(r *ocf.Request) (*server, error) {
	c, err := newConfig(r.Values)
	if err != nil {
		return nil, err
	}
	return &server{r: r, c: c, systemd: useSystemd(r.P.Files, c.mode)}, nil
}

// useSystemd resolves daemons=auto: systemd runs when /run/systemd/system exists
// (sd_booted(3)).
func useSystemd(files sysio.Files, mode string) bool {
	if mode != "auto" {
		return mode == "systemd"
	}
	fi, err := files.Stat("/run/systemd/system")
	return err == nil && fi.Mode.IsDir()
}

// run runs a program that must succeed; the error names it and carries its stderr.
func (s *server) run(argv ...string) error { return s.runCtx(s.r.Ctx, argv...) }

func (s *server) runCtx(ctx context.Context, argv ...string) error {
	res, err := s.r.P.Exec.Run(ctx, sysio.Cmd{Argv: argv})
	switch {
	case errors.Is(err, sysio.ErrNotFound):
		return ocf.Exit(ocf.ErrInstalled, "%s is not installed", argv[0])
	case err != nil:
		return fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	case res.ExitCode != 0:
		return fmt.Errorf("%s exited %d: %s", strings.Join(argv, " "), res.ExitCode, firstLine(res.Stderr, res.Stdout))
	}
	s.r.Log.Debugf("ran %s", strings.Join(argv, " "))
	return nil
}

func firstLine(outs ...[]byte) string {
	for _, o := range outs {
		if s := strings.TrimSpace(string(o)); s != "" {
			line, _, _ := strings.Cut(s, "\n")
			return line
		}
	}
	return "no output"
}

// poll checks cond every 100 ms until it holds or the action's budget is spent; what names
// the wait in the error.
func (s *server) poll(what string, cond func() (bool, error)) error {
	t0 := s.r.P.Clock.Now()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if err := s.r.P.Clock.Sleep(s.r.Ctx, 100*time.Millisecond); err != nil {
			return ocf.Exit(ocf.ErrGeneric, "%s: not within %s, the %s budget", what,
				s.r.P.Clock.Now().Sub(t0).Round(100*time.Millisecond), s.r.Action)
		}
	}
}

func (s *server) mounts() ([]nfs.Mount, error) {
	data, err := s.r.P.Files.ReadFile(nfs.Mountinfo)
	if err != nil {
		return nil, err
	}
	return nfs.ParseMountinfo(data)
}

// stateMount is the mounted filesystem state_dir is on; on the root filesystem it is an error:
// the state would stay on this node.
func (s *server) stateMount(ms []nfs.Mount) (nfs.Mount, error) {
	fi, err := s.r.P.Files.Stat(s.c.stateDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nfs.Mount{}, ocf.Exit(ocf.ErrGeneric, "state_dir %s does not exist here: is its filesystem mounted? (order this resource after the Filesystem)", s.c.stateDir)
	case err != nil:
		return nfs.Mount{}, fmt.Errorf("state_dir: %w", err)
	case !fi.Mode.IsDir():
		return nfs.Mount{}, ocf.Exit(ocf.ErrConfigured, "state_dir %s is not a directory", s.c.stateDir)
	}
	m := nfs.Under(ms, s.c.stateDir)
	if m.Point == "/" {
		return m, ocf.Exit(ocf.ErrGeneric, "state_dir %s is on the root filesystem, not on a mounted one: start its Filesystem resource first", s.c.stateDir)
	}
	return m, nil
}

// binding is what is mounted on /var/lib/nfs: ours (state_dir bound there), absent, or
// something else (an error that says what).
func (s *server) binding(ms []nfs.Mount) (ours bool, err error) {
	top, ok := nfs.At(ms, nfs.StateDir)
	if !ok {
		return false, nil
	}
	if s.isStateBind(ms, top) {
		return true, nil
	}
	return false, ocf.Exit(ocf.ErrGeneric, "%s has another mount on it (%s %s of %s), not state_dir %s", nfs.StateDir,
		top.FSType, top.Root, top.Source, s.c.stateDir)
}

// isStateBind reports m to be state_dir bound.
func (s *server) isStateBind(ms []nfs.Mount, m nfs.Mount) bool {
	sd := nfs.Under(ms, s.c.stateDir)
	return sd.Point != "/" && m.Dev == sd.Dev && m.Root == nfs.Source(sd, s.c.stateDir)
}

// boundBelow reports state_dir bound on /var/lib/nfs under what is mounted on top there.
func (s *server) boundBelow(ms []nfs.Mount) bool {
	for _, m := range ms {
		if m.Point == nfs.StateDir && s.isStateBind(ms, m) {
			return true
		}
	}
	return false
}

// daemonProcs finds the processes of ds: through the cache start left when it is still right,
// else by scanning /proc.
func (s *server) daemonProcs(ds []daemon) ([]nfs.Proc, error) {
	if data, err := s.r.P.Files.ReadFile(procsCache(s.r.P.Getenv("HA_RSCTMP"), s.r.Instance)); err == nil {
		cached := parseProcs(data)
		var out []nfs.Proc
		for _, d := range ds {
			for _, c := range cached {
				if c.Comm != d.comm {
					continue
				}
				if p, ok := nfs.ReadProc(s.r.P.Files, c.PID); ok && p.Comm == c.Comm && p.Start == c.Start {
					out = append(out, p)
				}
			}
		}
		if len(out) == len(ds) {
			return out, nil
		}
		s.r.Log.Debugf("process cache is stale: scanning /proc")
	}
	return nfs.FindProcs(s.r.P.Files, comms(ds)...)
}

// missing names the daemons of ds that have no process in ps.
func missing(ds []daemon, ps []nfs.Proc) []string {
	var out []string
	for _, d := range ds {
		found := false
		for _, p := range ps {
			found = found || p.Comm == d.comm
		}
		if !found {
			out = append(out, d.comm)
		}
	}
	return out
}

func (s *server) etab() ([]nfs.EtabEntry, error) {
	data, err := s.r.P.Files.ReadFile(nfs.Etab)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return nfs.ParseEtab(data)
}

// serving reports a check that found the server up: fine, or degraded.
func serving(err error) bool {
	var e *ocf.ExitError
	var c ocf.Code
	switch {
	case err == nil:
		return true
	case errors.As(err, &e):
		return e.Code == ocf.Degraded
	}
	return errors.As(err, &c) && c == ocf.Degraded
}

func cmd(argv []string) sysio.Cmd { return sysio.Cmd{Argv: argv} }
