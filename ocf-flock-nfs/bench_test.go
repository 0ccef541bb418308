package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/isard-vdi/flock-agents/lab/procevents"
)

// BenchmarkMonitor runs our monitor of a live NFS server and resource-agents' monitors of the
// same server and export (ocf:heartbeat:nfsserver, through Debian's init script as it does on a
// node without systemd, plus ocf:heartbeat:exportfs: the pair one needs for what this agent
// does alone) side by side in one run, and reports per monitor wall time, CPU time (user+system
// of the agents and everything they ran) and processes spawned, each with its ratio, at our
// depths 0 and 10 (the shell pair has no depths). It needs root, a kernel with nfsd and a
// directory on a mounted filesystem of its own: lab/kernel/bench-nfs.sh runs it in the lab
// guest.
//
//	FLOCK_NFS_BENCH_DIR  the directory: the state and the export are made in it
//	FLOCK_NFS_BENCH_AGENT  ours; default the installed one, else this package built
func BenchmarkMonitor(b *testing.B) {
	dir := os.Getenv("FLOCK_NFS_BENCH_DIR")
	if dir == "" || os.Geteuid() != 0 {
		b.Skip("needs root and FLOCK_NFS_BENCH_DIR (lab/kernel/bench-nfs.sh)")
	}
	ours := os.Getenv("FLOCK_NFS_BENCH_AGENT")
	if ours == "" {
		ours = "/usr/lib/ocf/resource.d/flock/nfs"
		if _, err := os.Stat(ours); err != nil {
			ours = agentPath(b)
		}
	}
	const ra = "/usr/lib/ocf/resource.d/heartbeat/"
	for _, f := range []string{ra + "nfsserver", ra + "exportfs"} {
		if _, err := os.Stat(f); err != nil {
			b.Skipf("no shell agent to compare with: %v", err)
		}
	}
	events, err := procevents.Listen()
	if err != nil {
		b.Skipf("cannot count processes: %v", err)
	}
	defer events.Close()
	export := filepath.Join(dir, "export")
	for _, d := range []string{export, filepath.Join(dir, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	common := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none",
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_RESOURCE_INSTANCE=bench", "OCF_RESKEY_CRM_meta_timeout=60000",
		"OCF_RESKEY_CRM_meta_interval=10000"}
	oursEnv := append([]string{"OCF_RESOURCE_TYPE=nfs", "OCF_RESKEY_exports=" + export + " 127.0.0.1(rw,sync,no_subtree_check,fsid=1)",
		"OCF_RESKEY_state_dir=" + filepath.Join(dir, "state"), "OCF_RESKEY_ip=127.0.0.1", "OCF_RESKEY_daemons=direct"}, common...)
	serverEnv := append([]string{"OCF_RESOURCE_TYPE=nfsserver"}, common...)
	exportEnv := append([]string{"OCF_RESOURCE_TYPE=exportfs", "OCF_RESKEY_directory=" + export,
		"OCF_RESKEY_clientspec=127.0.0.1", "OCF_RESKEY_options=rw,sync,no_subtree_check", "OCF_RESKEY_fsid=1"}, common...)

	// Ours serves; exportfs's start only records its pseudo state and exports the same again.
	for _, a := range []struct {
		bin string
		env []string
	}{{ours, oursEnv}, {ra + "exportfs", exportEnv}} {
		if r := procevents.Run(b, events, a.bin, a.env, "start"); r.Code != 0 {
			b.Fatalf("%s start: exit %d", a.bin, r.Code)
		}
	}
	defer func() {
		procevents.Run(b, events, ra+"exportfs", exportEnv, "stop")
		if r := procevents.Run(b, events, ours, oursEnv, "stop"); r.Code != 0 {
			b.Errorf("stop: exit %d", r.Code)
		}
	}()
	for _, depth := range []string{"0", "10"} {
		b.Run("depth"+depth, func(b *testing.B) {
			env := append(oursEnv, "OCF_CHECK_LEVEL="+depth)
			var o, s procevents.Measured
			for i := 0; i < b.N; i++ {
				o.Add(procevents.Run(b, events, ours, env, "monitor"))
				if o.Code != 0 {
					b.Fatalf("our monitor: exit %d", o.Code)
				}
				for _, sh := range []struct {
					bin string
					env []string
				}{{ra + "nfsserver", serverEnv}, {ra + "exportfs", exportEnv}} {
					r := procevents.Run(b, events, sh.bin, sh.env, "monitor")
					if r.Code != 0 {
						b.Fatalf("%s monitor: exit %d", sh.bin, r.Code)
					}
					s.Add(r)
				}
			}
			procevents.Report(b, b.N, o, "shell", s)
		})
	}
}
