package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
)

// BenchmarkMonitor runs our monitor and a resource-agents shell agent's (ocf:heartbeat:Dummy:
// it only tests that a file exists, the cheapest monitor a shell agent can have, so the
// comparison favours it) side by side in one run, and reports per monitor: wall time, CPU
// time (user+system of the agent and everything it ran) and the processes spawned (counted
// from the kernel's process events, threads excluded), each with its ratio. For scale it also
// reports one bare `dmsetup table` run (dmsetup-wall-ms/op), which our monitor makes twice.
//
// "probe" is the monitor Pacemaker runs on every node at start-up and after every clean-up,
// with no device: it runs anywhere. "depth0" and "depth10" monitor a live dm-writeboost device
// and need a kernel with dm-writeboost and two scratch disks, which they format:
// lab/kernel/bench-writeboost.sh runs them in the lab guest. All need root.
//
//	FLOCK_WB_BENCH_BACKING, FLOCK_WB_BENCH_CACHE  scratch block devices
//	FLOCK_WB_BENCH_AGENT                          ours; default the installed one, else this test binary
//	FLOCK_WB_BENCH_SHELL_AGENT                    default /usr/lib/ocf/resource.d/heartbeat/Dummy
//	CIB_file                                      the CIB a start records its epoch in
func BenchmarkMonitor(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root, to count processes from the kernel's process events")
	}
	shell := os.Getenv("FLOCK_WB_BENCH_SHELL_AGENT")
	if shell == "" {
		shell = "/usr/lib/ocf/resource.d/heartbeat/Dummy"
	}
	if _, err := os.Stat(shell); err != nil {
		b.Skipf("no shell agent to compare with: %v", err)
	}
	ours := os.Getenv("FLOCK_WB_BENCH_AGENT")
	if ours == "" {
		ours = "/usr/lib/ocf/resource.d/flock/writeboost"
		if _, err := os.Stat(ours); err != nil {
			ours = agentPath(b)
		}
	}
	events, err := ocftest.Listen()
	if err != nil {
		b.Skipf("cannot count processes: %v", err)
	}
	defer events.Close()

	common := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none",
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_RESOURCE_INSTANCE=bench", "OCF_RESKEY_CRM_meta_timeout=30000"}
	shellEnv := append([]string{"OCF_RESOURCE_TYPE=Dummy", "OCF_RESKEY_state=" + filepath.Join(b.TempDir(), "dummy.state")}, common...)
	oursEnv := append([]string{"OCF_RESOURCE_TYPE=writeboost", "OCF_RESKEY_name=wbbench",
		"OCF_RESKEY_backing_dev=/dev/disk/by-id/none-backing", "OCF_RESKEY_cache_dev=/dev/disk/by-id/none-cache"}, common...)

	b.Run("probe", func(b *testing.B) { compare(b, events, ours, shell, "wbbench", oursEnv, shellEnv, 7) })

	backing, cache := os.Getenv("FLOCK_WB_BENCH_BACKING"), os.Getenv("FLOCK_WB_BENCH_CACHE")
	if backing == "" || cache == "" {
		return // live monitors: in the lab guest
	}
	oursEnv = append(oursEnv, "OCF_RESKEY_backing_dev="+backing, "OCF_RESKEY_cache_dev="+cache, "OCF_RESKEY_allow_format=1")
	// The cluster start records its epoch in (a CIB file, as in the guest tests).
	if cib := os.Getenv("CIB_file"); cib != "" {
		oursEnv = append(oursEnv, "CIB_file="+cib)
	}
	for _, a := range []struct {
		bin string
		env []string
	}{{ours, oursEnv}, {shell, shellEnv}} {
		if r := ocftest.Measure(b, events, a.bin, a.env, "start"); r.Code != 0 {
			b.Fatalf("%s start: exit %d", a.bin, r.Code)
		}
	}
	defer func() {
		if r := ocftest.Measure(b, events, ours, oursEnv, "stop"); r.Code != 0 {
			b.Errorf("stop: exit %d", r.Code)
		}
	}()
	recurring := "OCF_RESKEY_CRM_meta_interval=30000"
	for _, depth := range []string{"0", "10"} {
		b.Run("depth"+depth, func(b *testing.B) {
			level := "OCF_CHECK_LEVEL=" + depth
			compare(b, events, ours, shell, "wbbench", append(oursEnv, recurring, level), append(shellEnv, recurring, level), 0)
		})
	}
}

// compare runs both monitors b.N times each, alternating, and reports what they cost.
func compare(b *testing.B, events *ocftest.Events, ours, shell, name string, oursEnv, shellEnv []string, want int) {
	var o, s, d ocftest.Measured
	dmsetup := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	for i := 0; i < b.N; i++ {
		o.Add(ocftest.Measure(b, events, ours, oursEnv, "monitor"))
		s.Add(ocftest.Measure(b, events, shell, shellEnv, "monitor"))
		d.Add(ocftest.Measure(b, events, "/usr/sbin/dmsetup", dmsetup, "table", name))
		if o.Code != want || s.Code != want {
			b.Fatalf("monitor exit codes: ours %d, shell %d, want %d", o.Code, s.Code, want)
		}
	}
	ocftest.Report(b, b.N, o, "shell", s)
	b.ReportMetric(float64(d.Wall)/float64(time.Millisecond)/float64(b.N), "dmsetup-wall-ms/op")
}
