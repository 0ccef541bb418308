package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
)

func stop(r *ocf.Request) error {
	s, err := newServer(r)
	if err != nil {
		return err
	}
	return s.stop()
}

// stop takes the server down so that nothing of it holds the state or the exported filesystems.
// It works from what is live (etab, /proc, mountinfo) as much as from the configuration, so it
// also cleans up after a start that failed half-way.
func (s *server) stop() error {
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	if err := s.dropProbe(ms); err != nil {
		return err
	}
	ours, bindErr := s.binding(ms)
	threads, err := nfs.ThreadCount(s.r.P.Files)
	if err != nil && !errors.Is(err, nfs.ErrNFSDNotMounted) {
		return err
	}
	if threads > 0 && !ours && bindErr == nil {
		// nfsd serves without our state: another server (nfs-server.service enabled at boot),
		// so this resource is stopped here; monitors report the intruder.
		s.r.Log.Warnf("nfsd runs here without state_dir bound: another NFS server, left alone")
		return nil
	}
	if bindErr != nil && !s.boundBelow(ms) {
		// Another mount holds /var/lib/nfs and ours is nowhere under it: start refused to bind
		// over it, so nothing of this resource can run here. Tearing down would end (and fail
		// over) what belongs to that mount; failing would fence the node over configuration.
		s.r.Log.Warnf("stopped: %v; left alone", bindErr)
		return nil
	}
	if err := s.teardown(threads); err != nil {
		return err
	}
	_ = s.r.P.Files.WriteFile(procsCache(s.r.P.Getenv("HA_RSCTMP"), s.r.Instance), nil, 0o644)
	if bindErr != nil {
		return bindErr
	}
	if ours {
		return s.unbind()
	}
	return nil
}

// teardown stops nfsd, releases the locks, withdraws the exports and ends the helpers: all of
// the server but the bind of /var/lib/nfs.
func (s *server) teardown(threads int) error {
	if threads > 0 || s.systemd {
		if err := s.stopNFSD(); err != nil {
			return err
		}
	}
	have, err := s.etab()
	if err != nil {
		s.r.Log.Warnf("etab unreadable, unlocking the configured exports only: %v", err)
	}
	if threads > 0 || len(have) > 0 {
		s.unlock(have)
		for _, argv := range [][]string{{"exportfs", "-ua"}, {"exportfs", "-f"}} {
			if err := s.run(argv...); err != nil {
				return err
			}
		}
	}
	if err := s.stopDaemons(); err != nil {
		return err
	}
	if s.systemd {
		return s.removeDropIn()
	}
	return nil
}

func (s *server) stopNFSD() error {
	var err error
	if s.systemd {
		err = s.run("systemctl", "stop", nfsServer)
	} else {
		err = s.run("rpc.nfsd", "0")
	}
	if err != nil {
		return fmt.Errorf("stopping nfsd: %w", err)
	}
	return s.poll("nfsd threads did not stop", func() (bool, error) {
		n, err := nfs.ThreadCount(s.r.P.Files)
		if errors.Is(err, nfs.ErrNFSDNotMounted) {
			return true, nil
		}
		return n == 0, err
	})
}

// unlock releases the NLM and NFSv4 locks held on each exported filesystem and through the
// floating IPs, so no lock outlives the server here.
func (s *server) unlock(have []nfs.EtabEntry) {
	paths := map[string]bool{}
	for _, e := range s.c.exports {
		paths[e.Path] = true
	}
	for _, h := range have {
		paths[h.Path] = true
	}
	for p := range paths {
		if err := s.r.P.Files.WriteFile(nfs.UnlockFS, []byte(p+"\n"), 0o644); err != nil {
			s.r.Log.Debugf("unlock_filesystem %s: %v", p, err)
		}
	}
	for _, ip := range s.c.ips {
		if err := s.r.P.Files.WriteFile(nfs.UnlockIP, []byte(ip+"\n"), 0o644); err != nil {
			s.r.Log.Debugf("unlock_ip %s: %v", ip, err)
		}
	}
}

// stopDaemons ends every helper that may hold /var/lib/nfs: through its unit, then by signal
// for what is left (TERM, and KILL after half the remaining budget).
func (s *server) stopDaemons() error {
	if s.systemd {
		argv := []string{"systemctl", "stop"}
		for _, d := range holders {
			argv = append(argv, d.unit)
		}
		// Units that do not exist on this node (fsidd before nfs-utils 2.6.3) fail the
		// command; the processes are checked below either way.
		if err := s.run(argv...); err != nil {
			s.r.Log.Debugf("%v", err)
		}
	}
	ps, err := nfs.FindProcs(s.r.P.Files, comms(holders)...)
	if err != nil || len(ps) == 0 {
		return err
	}
	if err := s.signal("TERM", ps); err != nil {
		return err
	}
	grace := s.r.P.Clock.Now().Add(s.r.Remaining() / 2)
	killed := false
	return s.poll("still running after stop: "+procList(ps), func() (bool, error) {
		var left []nfs.Proc
		for _, p := range ps {
			if q, ok := nfs.ReadProc(s.r.P.Files, p.PID); ok && q.Start == p.Start {
				left = append(left, p)
			}
		}
		if len(left) > 0 && !killed && s.r.P.Clock.Now().After(grace) {
			killed = true
			return false, s.signal("KILL", left)
		}
		ps = left
		return len(left) == 0, nil
	})
}

func (s *server) signal(sig string, ps []nfs.Proc) error {
	argv := []string{"kill", "-" + sig}
	for _, p := range ps {
		argv = append(argv, strconv.Itoa(p.PID))
	}
	s.r.Log.Infof("sending SIG%s to %s", sig, procList(ps))
	// A process that exited meanwhile makes kill exit 1; what is left is checked next.
	if _, err := s.r.P.Exec.Run(s.r.Ctx, cmd(argv)); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}

func procList(ps []nfs.Proc) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ", ")
}

func (s *server) removeDropIn() error {
	if _, err := s.r.P.Files.Stat(dropInFile); err != nil {
		return nil
	}
	if err := s.run("rm", "-f", dropInFile); err != nil {
		return err
	}
	return s.run("systemctl", "daemon-reload")
}

// unbind releases /var/lib/nfs; if something still holds it, the error names the processes
// using that filesystem.
func (s *server) unbind() error {
	err := s.run("umount", nfs.StateDir)
	if err == nil {
		s.r.Log.Infof("unbound %s from %s", s.c.stateDir, nfs.StateDir)
		return nil
	}
	res, ferr := s.r.P.Exec.Run(s.r.Ctx, cmd([]string{"fuser", "-m", nfs.StateDir}))
	var users []string
	if ferr == nil {
		for _, f := range strings.Fields(string(res.Stdout)) {
			pid, err := strconv.Atoi(strings.TrimRight(f, "cefFrmn"))
			if p, ok := nfs.ReadProc(s.r.P.Files, pid); err == nil && ok {
				users = append(users, p.String())
			}
		}
	}
	if len(users) == 0 {
		return ocf.Exit(ocf.ErrGeneric, "cannot unbind %s: %v", nfs.StateDir, err)
	}
	return ocf.Exit(ocf.ErrGeneric, "cannot unbind %s, its filesystem is used by %s", nfs.StateDir, strings.Join(users, ", "))
}
