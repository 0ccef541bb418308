package main

import (
	"context"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/nfs"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// readExports is the depth-20 check: each export mounted read-only over NFS from this
// server's address (readTarget) and its root directory read, as a client would.
func (s *server) readExports(ms []nfs.Mount) error {
	dir := probeDir(s.r.P.Getenv("HA_RSCTMP"), s.r.Instance)
	if err := s.dropProbe(ms); err != nil {
		return err
	}
	if err := s.run("mkdir", "-p", dir); err != nil {
		return err
	}
	vers, host := probeVersion(s.c), s.readTarget()
	for _, e := range s.c.exports {
		if err := s.readExport(host, e.Path, vers, dir); err != nil {
			return err
		}
	}
	return nil
}

// readExport mounts path on dir, reads the first entry of its root directory (a READDIR, with
// an output that stays small on a directory of thousands of images) and unmounts it, also
// when the read failed.
func (s *server) readExport(host, path, vers, dir string) (err error) {
	if err := s.run(mountArgv(host, vers, path, dir)...); err != nil {
		s.r.Log.Warnf("%v", err)
		return ocf.Exit(ocf.ErrGeneric, "export %s: no NFS v%s mount from %s: %s", path, vers, host, cause(err))
	}
	defer func() {
		if uerr := s.unmountProbe(dir); uerr != nil && err == nil {
			err = ocf.Exit(ocf.ErrGeneric, "export %s: read, but the probe mount on %s does not go away: %v", path, dir, uerr)
		}
	}()
	if err := s.run("find", dir, "-mindepth", "1", "-maxdepth", "1", "-print", "-quit"); err != nil {
		s.r.Log.Warnf("%v", err)
		return ocf.Exit(ocf.ErrGeneric, "export %s: mounted over NFS v%s, but its directory does not read: %s", path, vers, cause(err))
	}
	return nil
}

// cause is the end of a program's complaint ("mount.nfs: mounting …, reason given by server:
// No such file or directory"): what fits in an exit reason beside the export's path; the
// whole line is logged.
func cause(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// mountArgv is a soft, read-only, lock-free mount that gives up fast: a server that does not
// answer fails the read within seconds (timeo is in tenths) instead of hanging the monitor,
// and retry=0 stops mount.nfs retrying for its default two minutes. mount.nfs itself, not
// mount -t nfs: a busybox mount would use its own NFS code, without NFSv4.
func mountArgv(host, vers, path, dir string) []string {
	return []string{"mount.nfs", nfsHost(host) + ":" + path, dir, "-o", "ro,soft,timeo=50,retrans=1,retry=0,nolock,vers=" + vers}
}

// probeVersion is the highest version served: NFSv4 with a minor version when there is one
// (the configured versions are sorted, 3 first).
func probeVersion(c config) string { return c.versions[len(c.versions)-1] }

// probeDir is the mount point of the depth-20 read: one per instance in HA_RSCTMP, emptied at
// boot, at a fixed name so that a mount left by a run killed at its deadline is found and
// removed by the next monitor or the stop.
func probeDir(rsctmp, instance string) string { return rscTmpFile(rsctmp, instance, ".probe") }

// unmountProbe unmounts dir; a mount that is busy or whose server no longer answers is
// detached (umount -l) with a second of its own, after the action's budget if need be.
func (s *server) unmountProbe(dir string) error {
	if err := s.run("umount", dir); err == nil {
		return nil
	}
	ctx, cancel := sysio.WithTimeout(s.r.P.Clock, context.WithoutCancel(s.r.Ctx), time.Second)
	defer cancel()
	return s.runCtx(ctx, "umount", "-l", dir)
}

// dropProbe removes what a killed depth-20 read left mounted on its mount point; it forks
// only when there is such a mount.
func (s *server) dropProbe(ms []nfs.Mount) error {
	dir := probeDir(s.r.P.Getenv("HA_RSCTMP"), s.r.Instance)
	for _, m := range ms {
		if m.Point != dir {
			continue
		}
		s.r.Log.Warnf("a depth-20 read left %s mounted on %s: unmounting it", m.Source, dir)
		ctx, cancel := sysio.WithTimeout(s.r.P.Clock, context.WithoutCancel(s.r.Ctx), time.Second)
		err := s.runCtx(ctx, "umount", "-l", dir)
		cancel()
		if err != nil {
			return ocf.Exit(ocf.ErrGeneric, "the depth-20 probe mount on %s does not go away: %v", dir, err)
		}
	}
	return nil
}
