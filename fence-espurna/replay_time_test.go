package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLongPowerWaitReplaysOnTheTapesClock replays a reboot whose power_wait was 10 minutes:
// the recorded http-v2-reboot-15 with power_wait=600 and, after each switch, the 600 s sleep
// such a run records in place of the recording's own wait to read back (the flood window after
// the off; nothing after the on). The second the reboot keeps the power off stays. The replay
// asks in the tape's order, sleeps only through the seam (on the tape's clock), and its clock
// ends 20 minutes after the start, where the recording's did.
func TestLongPowerWaitReplaysOnTheTapesClock(t *testing.T) {
	tp, err := tape.Load(filepath.Join("..", "simulator", "tapes", "fence_espurna", "http-v2-reboot-15.tape"))
	require.NoError(t, err)
	const wait = 600 * time.Second
	require.Contains(t, tp.Stdin, "power_wait=0\n")
	tp.Stdin = strings.Replace(tp.Stdin, "power_wait=0\n", "power_wait=600\n", 1)
	var out []tape.Exchange
	var shift time.Duration
	switched := false
	for _, e := range tp.Exchanges {
		if e.Channel == "clock" && switched {
			shift -= e.Took // the recording's read-back wait, replaced by the one inserted
			switched = false
			continue
		}
		e.At += shift
		out = append(out, e)
		switched = slices.ContainsFunc(e.Ask, func(f tape.Field) bool { return f.Key == "body" && strings.Contains(f.Args[0], "value=") })
		if switched {
			out = append(out, tape.Exchange{At: e.At + e.Took, Took: wait, Channel: "clock",
				Ask: []tape.Field{{Key: "sleep", Args: []string{"600s"}}}, Answer: []tape.Field{{Key: "ok"}}})
			shift += wait
		}
	}
	tp.Exchanges = out
	tp.Outcome.At += shift

	p, finish := tape.Replay(tp)
	clock := &sleeps{Clock: p.World.Clock}
	p.World.Clock = clock
	v := finish(fence.Run(agent, p))
	require.True(t, v.Passed(), "%s\nstderr:\n%s", v, v.Stderr)
	assert.Equal(t, []time.Duration{wait, time.Second, wait}, clock.asked, "power_wait is slept through the seam, once per switch, and the power kept off a second")
	last := tp.Exchanges[len(tp.Exchanges)-1]
	assert.Equal(t, last.At+last.Took, v.Got.At, "the replay's clock ends where the recording's last exchange did")
	assert.GreaterOrEqual(t, v.Got.At, 2*wait)
}

// sleeps notes the sleeps asked of the clock it wraps.
type sleeps struct {
	sysio.Clock
	asked []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.asked = append(s.asked, d)
	return s.Clock.Sleep(ctx, d)
}
