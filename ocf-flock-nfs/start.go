package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
)

func start(r *ocf.Request) error {
	s, err := newServer(r)
	if err != nil {
		return err
	}
	if err := s.check(0); serving(err) {
		r.Log.Infof("NFS server already running")
		return nil
	}
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	if err := s.bind(ms); err != nil {
		return err
	}
	if err := s.kernel(); err != nil {
		return err
	}
	threads, err := nfs.ThreadCount(r.P.Files)
	if err != nil {
		return err
	}
	if threads == 0 {
		if err := s.times(); err != nil {
			return err
		}
	}
	var started []nfs.Proc
	for _, d := range s.c.running() {
		if d.comm == mountd.comm {
			// rpc.mountd reads etab as it starts: the exports go first.
			if err := s.exports(); err != nil {
				return err
			}
		}
		p, err := s.startDaemon(d)
		if err != nil {
			return err
		}
		started = append(started, p)
	}
	if err := r.P.Files.WriteFile(procsCache(r.P.Getenv("HA_RSCTMP"), r.Instance), []byte(formatProcs(started)), 0o644); err != nil {
		r.Log.Warnf("cannot cache the daemons' pids (monitors scan /proc instead): %v", err)
	}
	if threads == 0 {
		if err := s.startNFSD(); err != nil {
			return err
		}
	}
	if s.c.v3() && s.c.notify {
		// Clients recorded in sm learn the server rebooted and reclaim their locks in grace.
		if err := s.run("sm-notify", "-f", "-v", s.c.ips[0]); err != nil {
			return fmt.Errorf("notifying NFSv3 clients: %w", err)
		}
	}
	if err := s.check(0); !serving(err) {
		return fmt.Errorf("started, but: %w", err)
	}
	r.Log.Infof("NFS server started: %d exports, versions %s, scope %s, grace %ds", len(s.c.exports),
		strings.Join(s.c.versions, ","), s.c.scope, s.c.grace)
	return nil
}

// bind lays out state_dir and binds it over /var/lib/nfs, unless it is already.
func (s *server) bind(ms []nfs.Mount) error {
	if _, err := s.stateMount(ms); err != nil {
		return err
	}
	ours, err := s.binding(ms)
	if err != nil || ours {
		return err
	}
	sd := s.c.stateDir
	if err := s.run("mkdir", "-p", sd+"/sm", sd+"/sm.bak", sd+"/v4recovery", sd+"/nfsdcld", nfs.StateDir); err != nil {
		return err
	}
	if s.c.v3() {
		// rpc.statd runs as the owner of sm, as Debian's package sets it up.
		argv := []string{"chown", "statd", sd + "/sm", sd + "/sm.bak"}
		if _, err := s.r.P.Files.Stat(sd + "/state"); err == nil {
			argv = append(argv, sd+"/state")
		}
		if err := s.run(argv...); err != nil {
			s.r.Log.Warnf("rpc.statd will run as root: %v", err)
		}
	}
	if err := s.run("mount", "--bind", sd, nfs.StateDir); err != nil {
		return fmt.Errorf("binding state_dir: %w", err)
	}
	s.r.Log.Infof("bound %s on %s", sd, nfs.StateDir)
	return nil
}

// kernel loads nfsd and mounts its control filesystem and, run directly, rpc_pipefs (where
// nfsdcld talks to the kernel); units mount them as they need them.
func (s *server) kernel() error {
	if err := s.run("modprobe", "nfsd"); err != nil {
		return ocf.Exit(ocf.ErrInstalled, "the nfsd kernel module: %v", err)
	}
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	if _, ok := nfs.At(ms, nfs.NFSDDir); !ok {
		if err := s.run("mount", "-t", nfs.NFSDFSType, "nfsd", nfs.NFSDDir); err != nil {
			return err
		}
	}
	if _, ok := nfs.At(ms, nfs.DefaultPipefs); !ok && !s.systemd && s.c.v4() {
		if err := s.run("mkdir", "-p", nfs.DefaultPipefs); err != nil {
			return err
		}
		if err := s.run("mount", "-t", nfs.PipefsFSType, "sunrpc", nfs.DefaultPipefs); err != nil {
			return err
		}
	}
	return nil
}

// times sets grace and lease before nfsd starts (the kernel takes them then, and refuses them
// while it runs): the kernel's default of 90 s would make every failover wait that long.
func (s *server) times() error {
	for _, w := range []struct {
		path string
		val  int
	}{{nfs.GraceTime, s.c.grace}, {nfs.LeaseTime, s.c.lease}, {nfs.NLMGracePeriod, s.c.grace}} {
		if err := s.r.P.Files.WriteFile(w.path, []byte(strconv.Itoa(w.val)+"\n"), 0o644); err != nil {
			return fmt.Errorf("setting %s to %d: %w", w.path, w.val, err)
		}
	}
	return nil
}

// exports withdraws whatever is exported now (an etab left by a crash, a kernel cache from an
// earlier run) and applies the configured exports alone.
func (s *server) exports() error {
	if err := s.run("exportfs", "-ua"); err != nil {
		return err
	}
	if err := s.run("exportfs", "-f"); err != nil {
		return err
	}
	for _, e := range s.c.exports {
		for _, c := range e.Clients {
			if err := s.run(nfs.ExportArgv(e, c)...); err != nil {
				return ocf.Exit(ocf.ErrGeneric, "export %s:%s failed: %v", c.Host, e.Path, err)
			}
		}
	}
	have, err := s.etab()
	if err != nil {
		return err
	}
	lost, extra := nfs.Missing(s.c.exports, have)
	if len(lost)+len(extra) > 0 {
		return ocf.Exit(ocf.ErrGeneric, "exports not as configured after exportfs: %s", strings.Join(append(lost, extra...), "; "))
	}
	return nil
}

// startDaemon starts d unless it runs, and waits for its process (and, for nfsdcld, for it
// to be ready).
func (s *server) startDaemon(d daemon) (nfs.Proc, error) {
	ps, err := nfs.FindProcs(s.r.P.Files, d.comm)
	if err != nil {
		return nfs.Proc{}, err
	}
	if len(ps) == 0 {
		if d.comm == rpcbind.comm && !s.systemd {
			// What rpcbind's tmpfiles.d makes on a node: its lock and socket directory.
			if err := s.run("mkdir", "-p", "/run/rpcbind"); err != nil {
				return nfs.Proc{}, err
			}
			_ = s.run("chown", "_rpc", "/run/rpcbind")
		}
		argv := d.argv
		if s.systemd {
			argv = []string{"systemctl", "start", d.unit}
		}
		if err := s.run(argv...); err != nil {
			return nfs.Proc{}, fmt.Errorf("%s did not start: %w", d.comm, err)
		}
		if err := s.poll(d.comm+" did not come up", func() (bool, error) {
			ps, err = nfs.FindProcs(s.r.P.Files, d.comm)
			return len(ps) > 0, err
		}); err != nil {
			return nfs.Proc{}, err
		}
	}
	if d.comm == nfsdcld.comm {
		// nfsd waits only a second for nfsdcld, which daemonizes before it watches rpc_pipefs:
		// started before that, nfsd falls back and holds every NFSv4 open for the whole grace.
		if err := s.poll("nfsdcld did not get ready (no inotify watch on rpc_pipefs)", func() (bool, error) {
			return s.watching(ps[0].PID), nil
		}); err != nil {
			return nfs.Proc{}, err
		}
	}
	s.r.Log.Debugf("%s runs as %s", d.comm, ps[0])
	return ps[0], nil
}

// watching reports a process holding an inotify watch (an fdinfo with "inotify wd:").
func (s *server) watching(pid int) bool {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	fds, err := s.r.P.Files.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if data, err := s.r.P.Files.ReadFile(dir + "/" + fd); err == nil && strings.Contains(string(data), "inotify wd:") {
			return true
		}
	}
	return false
}

// startNFSD starts the kernel threads and waits for them.
func (s *server) startNFSD() error {
	if s.systemd {
		if err := s.run("mkdir", "-p", dropInDir); err != nil {
			return err
		}
		if err := s.r.P.Files.WriteFile(dropInFile, []byte(s.c.dropIn()), 0o644); err != nil {
			return err
		}
		if err := s.run("systemctl", "daemon-reload"); err != nil {
			return err
		}
		if err := s.run("systemctl", "start", nfsServer); err != nil {
			return fmt.Errorf("nfsd did not start: %w", err)
		}
	} else if err := s.run(s.c.nfsdArgv("sh", "unshare", "rpc.nfsd")...); err != nil {
		return fmt.Errorf("nfsd did not start: %w", err)
	}
	return s.poll("nfsd threads did not come up", func() (bool, error) {
		n, err := nfs.ThreadCount(s.r.P.Files)
		return n > 0, err
	})
}
