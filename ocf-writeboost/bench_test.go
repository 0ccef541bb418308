package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
	events, err := listenProcEvents()
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
	for _, a := range []struct {
		bin string
		env []string
	}{{ours, oursEnv}, {shell, shellEnv}} {
		if r := runMeasured(b, events, a.bin, "start", a.env); r.code != 0 {
			b.Fatalf("%s start: exit %d", a.bin, r.code)
		}
	}
	defer func() {
		if r := runMeasured(b, events, ours, "stop", oursEnv); r.code != 0 {
			b.Errorf("stop: exit %d", r.code)
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
func compare(b *testing.B, events *procEvents, ours, shell, name string, oursEnv, shellEnv []string, want int) {
	var o, s, d measured
	dmsetup := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	for i := 0; i < b.N; i++ {
		o.add(runMeasured(b, events, ours, "monitor", oursEnv))
		s.add(runMeasured(b, events, shell, "monitor", shellEnv))
		d.add(runMeasured(b, events, "/usr/sbin/dmsetup", "table", dmsetup, name))
		if o.code != want || s.code != want {
			b.Fatalf("monitor exit codes: ours %d, shell %d, want %d", o.code, s.code, want)
		}
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
	b.ReportMetric(ms(o.wall), "ours-wall-ms/op")
	b.ReportMetric(ms(s.wall), "shell-wall-ms/op")
	b.ReportMetric(float64(o.wall)/float64(s.wall), "wall-ratio")
	b.ReportMetric(ms(o.cpu), "ours-cpu-ms/op")
	b.ReportMetric(ms(s.cpu), "shell-cpu-ms/op")
	b.ReportMetric(float64(o.cpu)/float64(s.cpu), "cpu-ratio")
	b.ReportMetric(float64(o.procs)/n, "ours-procs/op")
	b.ReportMetric(float64(s.procs)/n, "shell-procs/op")
	b.ReportMetric(float64(o.procs)/float64(max(s.procs, 1)), "procs-ratio")
	b.ReportMetric(ms(d.wall), "dmsetup-wall-ms/op")
}

// measured is what runs of an agent cost.
type measured struct {
	code      int
	wall, cpu time.Duration
	procs     int
}

func (m *measured) add(r measured) {
	m.code, m.wall, m.cpu, m.procs = r.code, m.wall+r.wall, m.cpu+r.cpu, m.procs+r.procs
}

// runMeasured runs one action. Its CPU time is wait4's rusage, which covers the children it
// waited for too.
func runMeasured(b *testing.B, events *procEvents, bin, action string, env []string, args ...string) measured {
	b.Helper()
	cmd := exec.Command(bin, append([]string{action}, args...)...)
	cmd.Env = env
	events.drain()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	procs, perr := events.spawned(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(t0)
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.Fatal(err)
	}
	if perr != nil {
		b.Fatalf("counting the processes of %s %s: %v", bin, action, perr)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return measured{code: cmd.ProcessState.ExitCode(), wall: wall, cpu: cpu, procs: procs}
}
