package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/plug"
)

// BenchmarkVsFenceDummy runs our binary and fence-agents' Python fence_dummy (the cheapest agent
// the library has: no device at all) side by side in one run, and reports wall time and peak RSS
// of each action and their ratios. Ours talks to an emulated plug over loopback HTTP; theirs to
// a status file, so the ratio is conservative.
func BenchmarkVsFenceDummy(b *testing.B) {
	dummy, err := exec.LookPath("fence_dummy")
	if err != nil {
		b.Skip("fence_dummy (Debian fence-agents) is not installed")
	}
	bin := filepath.Join(b.TempDir(), "fence_espurna")
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v: %s", err, out)
	}
	p := plug.New(plug.Config{Name: "bench", APIKey: testKey, InitialOn: true, LoadWatts: 100, FloodChanges: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go p.Serve(ln)
	defer p.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	statusFile := filepath.Join(b.TempDir(), "dummy.status")
	os.WriteFile(statusFile, []byte("on"), 0o644)

	ours := []string{"ip=127.0.0.1", "ipport=" + port, "apikey=" + testKey, "plug=0", "power_wait=0", "stonith_status_sleep=0.1"}
	theirs := []string{"type=file", "status_file=" + statusFile, "power_wait=0"}
	for _, action := range []string{"status", "off", "metadata"} {
		b.Run(action, func(b *testing.B) {
			var oursT, theirsT time.Duration
			var oursRSS, theirsRSS int64
			for i := 0; i < b.N; i++ {
				if action == "off" { // both start from on, so both really switch
					p.SetRelay(0, true)
					os.WriteFile(statusFile, []byte("on"), 0o644)
				}
				t, rss := runOnce(b, bin, append(ours, "action="+action))
				oursT, oursRSS = oursT+t, max(oursRSS, rss)
				t, rss = runOnce(b, dummy, append(theirs, "action="+action))
				theirsT, theirsRSS = theirsT+t, max(theirsRSS, rss)
			}
			n := float64(b.N)
			b.ReportMetric(float64(oursT.Milliseconds())/n, "ours-ms/op")
			b.ReportMetric(float64(theirsT.Milliseconds())/n, "fence_dummy-ms/op")
			b.ReportMetric(float64(oursT)/float64(theirsT), "time-ratio")
			b.ReportMetric(float64(oursRSS), "ours-maxrss-KiB")
			b.ReportMetric(float64(theirsRSS), "fence_dummy-maxrss-KiB")
			b.ReportMetric(float64(oursRSS)/float64(theirsRSS), "rss-ratio")
		})
	}
}

func runOnce(b *testing.B, bin string, lines []string) (time.Duration, int64) {
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &errb
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if code := cmd.ProcessState.ExitCode(); err != nil && code != 2 {
		b.Fatalf("%s %v: exit %d: %s", filepath.Base(bin), lines, code, errb.String())
	}
	return d, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}
