// Command bench measures our agents as Pacemaker runs them, whole processes, against anchors
// measured in the same run (a trivial static Go binary, fence-agents' fence_dummy, the shell
// Dummy RA, and N round trips of an emulated plug farm with added latency), and prints each
// figure as a ratio to its anchor, in Markdown. What is measured is declared in figures.go.
//
//	go run ./simulator/bench [-bin bin] [-rounds 25] [-plugs 16] [-latency 100ms]
package main

import (
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/plug"
)

func main() {
	bin := flag.String("bin", "bin", "directory of our built binaries (make build)")
	rounds := flag.Int("rounds", 25, "runs of each command over the plug farms; the median is kept")
	startRounds := flag.Int("start-rounds", 100, "runs of each start-up command and anchor; the median is kept")
	plugs := flag.Int("plugs", 16, "emulated plugs for list-status, monitor, status and the switching rows")
	latency := flag.Duration("latency", 100*time.Millisecond, "delay of every emulated plug's HTTP answer")
	flag.Parse()
	if err := run(*bin, *startRounds, *rounds, *plugs, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin string, startRounds, rounds, plugs int, latency time.Duration) error {
	for _, p := range []string{dummyRA, fenceDummy} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("anchor missing (make deps installs resource-agents and fence-agents): %v", err)
		}
	}
	tmp, err := os.MkdirTemp("", "flock-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s := setup{bin: bin, floors: map[string]string{}, stateDir: tmp, plugs: plugs, latency: latency}
	for _, f := range floors {
		s.floors[f.name] = filepath.Join(tmp, filepath.Base(f.pkg))
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", s.floors[f.name], f.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building the %s binary: %v: %s", f.name, err, out)
		}
	}
	os.WriteFile(filepath.Join(tmp, "fence_dummy.status"), []byte("on"), 0o644)
	stop, port, farm, err := startFarms(plugs, latency)
	if err != nil {
		return err
	}
	defer stop()
	s.plugPort, s.farm = port, farm
	solo := plug.New(plug.Config{APIKey: benchKey, InitialOn: true, LoadWatts: 100})
	defer solo.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := solo.Start(ln); err != nil {
		return err
	}
	_, s.soloPort, _ = net.SplitHostPort(ln.Addr().String())

	// Start-up in a pass of its own, the farms idle. In the same rounds as the runs over them
	// (whose 32 plugs answer from this process), a meta-data took 4.2 ms of wall time for 3.0 ms
	// of CPU, and the floor 2.6 for 2.0; in a pass of their own, wall and CPU time agree.
	got, err := measureAll(s.startCmds(), startRounds)
	if err != nil {
		return err
	}
	overFarms, err := measureAll(s.farmCmds(), rounds)
	if err != nil {
		return err
	}
	maps.Copy(got, overFarms)
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	fmt.Printf("Whole processes, median of %d runs each (start-up, and its anchors) or %d (over the plugs), in\n", startRounds, rounds)
	fmt.Println("rounds of one run each in a new random order; wall time (CPU time user+system).")
	fmt.Println()
	fmt.Println("| figure | ours ms | anchor | anchor ms | ratio | asked |")
	fmt.Println("|---|---:|---|---:|---:|---|")
	for _, f := range s.figures() {
		o := got[f.ours]
		a := sample{wall: f.fixed}
		if f.fixed == 0 {
			a = got[f.anchor]
		}
		ratio := float64(o.wall) / float64(a.wall)
		cpu := func(x sample) string {
			if x.cpu == 0 {
				return ms(x.wall)
			}
			return ms(x.wall) + " (" + ms(x.cpu) + ")"
		}
		fmt.Printf("| %s | %s | %s | %s | %.2f | %s |\n", f.name, cpu(o), f.anchor, cpu(a), ratio, asked(ratio, f.max))
	}
	fmt.Println()
	fmt.Printf("Switching, power_wait=0, every answer %v late: requests each plug answered per run, and\n", latency)
	fmt.Println("round trips as wall time / latency. On over several plugs of one node reads them first: any")
	fmt.Println("plug on counts as the node on, and on then switches none (fence-agents). Over HTTP an off is")
	fmt.Println("read back no sooner than 3.5 s after the switch (ESPurna's flood window), and a reboot then keeps")
	fmt.Println("the power off a second more, whatever power_wait says; round trips leave those waits out.")
	fmt.Println()
	fmt.Println("| figure | ours ms | requests per plug | round trips | anchor | anchor ms | ratio | asked |")
	fmt.Println("|---|---:|---:|---:|---|---:|---:|---|")
	for _, f := range s.switching() {
		o := got[f.ours]
		trips := float64(o.wall-f.hold) / float64(latency)
		reqs := float64(o.requests) / float64(f.plugs)
		fmt.Printf("| %s | %s (%s) | %.1f | %.1f | %s | %s | %.2f | requests %s; round trips %s |\n", f.name, ms(o.wall), ms(o.cpu),
			reqs, trips, f.anchor, ms(f.fixed), float64(o.wall)/float64(f.fixed), asked(reqs, f.reqs), asked(trips, f.trips))
	}
	fmt.Println()
	fmt.Println("| binary | size | ceiling | ratio | asked |")
	fmt.Println("|---|---:|---:|---:|---|")
	for _, f := range floors {
		fmt.Printf("| %s | %.2f MiB | | | |\n", f.name, float64(fileSize(s.floors[f.name]))/(1<<20))
	}
	for _, b := range s.binaries() {
		n := fileSize(b.path)
		r := float64(n) / float64(b.ceiling)
		fmt.Printf("| %s | %.2f MiB | %.0f MiB | %.2f | %s |\n", filepath.Base(b.path), float64(n)/(1<<20), float64(b.ceiling)/(1<<20), r, asked(r, 1))
	}
	return nil
}

// asked says whether a ratio meets what the issue asks for.
func asked(r, max float64) string {
	switch {
	case max == 0:
		return ""
	case r <= max:
		return fmt.Sprintf("≤ %.2g: met", max)
	}
	return fmt.Sprintf("≤ %.2g: **not met**", max)
}

// farms are the emulated plug farms, by firmware: every plug listens on 127.0.0.(base+i) and
// one port, as a flock's plugs share theirs.
var farms = []struct {
	dialect plug.Dialect
	base    int
}{{plug.V2, 101}, {plug.Rest, 151}}

// startFarms runs n plugs of each farm, every answer delayed by latency, and returns the port
// and the plugs by firmware.
func startFarms(n int, latency time.Duration) (func(), string, map[plug.Dialect][]*plug.Plug, error) {
	ln, err := net.Listen("tcp", "127.0.0.101:0")
	if err != nil {
		return nil, "", nil, err
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	var plugs []*plug.Plug
	byFW := map[plug.Dialect][]*plug.Plug{}
	stop := func() {
		for _, p := range plugs {
			p.Close()
		}
	}
	for _, f := range farms {
		for i := range n {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%s", f.base+i, port))
			if err != nil {
				stop()
				return nil, "", nil, err
			}
			p := plug.New(plug.Config{Dialect: f.dialect, APIKey: benchKey, InitialOn: true, LoadWatts: 100, FloodChanges: -1, Latency: latency})
			if err := p.Start(ln); err != nil {
				stop()
				return nil, "", nil, err
			}
			plugs = append(plugs, p)
			byFW[f.dialect] = append(byFW[f.dialect], p)
		}
	}
	return stop, port, byFW, nil
}
