package main

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// cmd is one whole-process run: what Pacemaker's daemons would start.
type cmd struct {
	argv  []string
	env   []string // the whole environment: nothing leaks in from the bench's own
	stdin string
	want  int // exit code that means the run did what it should
	// before readies the emulated plugs for the run (untimed); requests counts the HTTP
	// requests they have answered so far. Both are nil for a command that talks to no plug.
	before   func()
	requests func() int
}

// sample is what repeated runs of a cmd cost: medians, which a loaded 2-core machine skews
// least, and the plugs' requests per run (the most of any run: every run asks alike).
type sample struct {
	wall, cpu time.Duration
	requests  int
}

func (c cmd) String() string { return strings.Join(c.argv, " ") }

// once runs c and returns its wall time and CPU time (user+system of it and all it waited for).
func (c cmd) once() (time.Duration, time.Duration, error) {
	x := exec.Command(c.argv[0], c.argv[1:]...)
	x.Env = c.env
	x.Stdin = strings.NewReader(c.stdin)
	var errb bytes.Buffer
	x.Stdout, x.Stderr = &bytes.Buffer{}, &errb
	t0 := time.Now()
	err := x.Run()
	wall := time.Since(t0)
	if x.ProcessState == nil {
		return 0, 0, fmt.Errorf("%s: %v", c, err)
	}
	if code := x.ProcessState.ExitCode(); code != c.want {
		return 0, 0, fmt.Errorf("%s: exit %d, want %d: %s", c, code, c.want, strings.TrimSpace(errb.String()))
	}
	ru := x.ProcessState.SysUsage().(*syscall.Rusage)
	return wall, time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)), nil
}

// measureAll runs every cmd rounds times, interleaved (one of each per round), so that whatever
// else loads the machine weighs on figures and anchors alike; each round in a new order, so that
// no figure always follows the same command (whose exit and leftovers it would pay for).
func measureAll(cmds map[string]cmd, rounds int) (map[string]sample, error) {
	names := slices.Collect(maps.Keys(cmds))
	walls, cpus := map[string][]time.Duration{}, map[string][]time.Duration{}
	reqs := map[string]int{}
	for range rounds {
		rand.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for _, n := range names {
			c := cmds[n]
			if c.before != nil {
				c.before()
			}
			asked := 0
			if c.requests != nil {
				asked = c.requests()
			}
			w, cpu, err := c.once()
			if err != nil {
				return nil, err
			}
			if c.requests != nil {
				reqs[n] = max(reqs[n], c.requests()-asked)
			}
			walls[n], cpus[n] = append(walls[n], w), append(cpus[n], cpu)
		}
	}
	out := map[string]sample{}
	for _, n := range names {
		out[n] = sample{median(walls[n]), median(cpus[n]), reqs[n]}
	}
	return out, nil
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
