package procevents

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Measured is what runs of a command cost: the last exit code, and in sum the wall time, the
// CPU time (user+system of the command and everything it waited for) and the processes spawned.
type Measured struct {
	Code      int
	Wall, CPU time.Duration
	Procs     int
}

// Add sums r into m (Code is r's).
func (m *Measured) Add(r Measured) {
	m.Code, m.Wall, m.CPU, m.Procs = r.Code, m.Wall+r.Wall, m.CPU+r.CPU, m.Procs+r.Procs
}

// Run runs bin with the arguments and environment and measures it. Its CPU time is wait4's
// rusage, which covers the children it waited for too.
func Run(b testing.TB, events *Events, bin string, env []string, args ...string) Measured {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	events.Drain()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	procs, perr := events.Spawned(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(t0)
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.Fatal(err)
	}
	if perr != nil {
		b.Fatalf("counting the processes of %s %v: %v", bin, args, perr)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return Measured{Code: cmd.ProcessState.ExitCode(), Wall: wall, CPU: cpu, Procs: procs}
}

// Report reports n runs each of ours and theirs per run, and their ratios, as benchmark metrics
// named prefix-wall-ms/op and so on (prefixes "ours" and the given one).
func Report(b *testing.B, n int, ours Measured, theirs string, them Measured) {
	f := float64(n)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / f }
	b.ReportMetric(ms(ours.Wall), "ours-wall-ms/op")
	b.ReportMetric(ms(them.Wall), theirs+"-wall-ms/op")
	b.ReportMetric(float64(ours.Wall)/float64(them.Wall), "wall-ratio")
	b.ReportMetric(ms(ours.CPU), "ours-cpu-ms/op")
	b.ReportMetric(ms(them.CPU), theirs+"-cpu-ms/op")
	b.ReportMetric(float64(ours.CPU)/float64(max(them.CPU, 1)), "cpu-ratio")
	b.ReportMetric(float64(ours.Procs)/f, "ours-procs/op")
	b.ReportMetric(float64(them.Procs)/f, theirs+"-procs/op")
	b.ReportMetric(float64(ours.Procs)/float64(max(them.Procs, 1)), "procs-ratio")
}
