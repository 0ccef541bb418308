package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLongFlushReplaysOnTheTapesClock replays a stop that waited 25 minutes for the flush: the
// recorded stop-after-deadline (a drop_caches slice ran out, the next one finished) with 145
// more slices that ran out inserted, and a budget of 30 minutes. The replay asks the world in
// the tape's order, its virtual clock ends where the recording did, and every slice's deadline
// is 10 s of the tape's clock: a deadline on the wall clock would say nothing of the recording
// (and a real wait of 25 minutes would outlast go test's timeout).
func TestLongFlushReplaysOnTheTapesClock(t *testing.T) {
	tp, err := tape.Load(filepath.Join("..", "simulator", "tapes", "writeboost", "stop-after-deadline.tape"))
	require.NoError(t, err)
	const extra = 145
	stretch(t, tp, extra)
	require.Greater(t, tp.Outcome.At, 25*time.Minute)

	p, finish := tape.Replay(tp)
	clock := p.World.Clock
	seen := &deadlines{Execer: p.World.Exec, now: clock.Now}
	p.World.Exec = seen
	v := finish(ocf.Run(agent, p))
	require.True(t, v.Passed(), "%s\nstderr:\n%s", v, v.Stderr)

	last := tp.Exchanges[len(tp.Exchanges)-1]
	assert.Equal(t, last.At+last.Took, v.Got.At, "the replay's clock ends where the recording's last exchange did")
	require.Len(t, seen.left, extra+2, "one drop_caches per recorded slice")
	for i, left := range seen.left {
		assert.Equal(t, slice, left, "slice %d: its deadline is on the tape's clock", i)
	}
}

// stretch inserts n copies of the tape's first drop_caches that ran out of its slice and the
// status read after it, right after that read, and moves what follows by the time they took.
func stretch(t *testing.T, tp *tape.Tape, n int) {
	t.Helper()
	for i, kv := range tp.Env {
		if strings.HasPrefix(kv, "OCF_RESKEY_CRM_meta_timeout=") {
			tp.Env[i] = "OCF_RESKEY_CRM_meta_timeout=1800000"
		}
	}
	i := slices.IndexFunc(tp.Exchanges, func(e tape.Exchange) bool {
		return summary(e.Ask) == "run dmsetup message wb 0 drop_caches" && strings.Contains(summary(e.Answer), "deadline")
	})
	require.GreaterOrEqual(t, i, 0, "no drop_caches that ran out in the tape")
	msg, status := tp.Exchanges[i], tp.Exchanges[i+1]
	period := status.At + status.Took - msg.At
	var copies []tape.Exchange
	for k := 1; k <= n; k++ {
		m, s := msg, status
		m.At += time.Duration(k) * period
		s.At += time.Duration(k) * period
		copies = append(copies, m, s)
	}
	rest := tp.Exchanges[i+2:]
	for j := range rest {
		rest[j].At += time.Duration(n) * period
	}
	tp.Exchanges = slices.Concat(tp.Exchanges[:i+2], copies, rest)
	tp.Outcome.At += time.Duration(n) * period
}

func summary(fs []tape.Field) string {
	var s []string
	for _, f := range fs {
		s = append(s, strings.Join(append([]string{f.Key}, f.Args...), " "))
	}
	return strings.Join(s, "; ")
}

// deadlines notes, for every drop_caches, how far its context's deadline lies past now.
type deadlines struct {
	sysio.Execer
	now  func() time.Time
	left []time.Duration
}

func (d *deadlines) Run(ctx context.Context, c sysio.Cmd) (sysio.CmdResult, error) {
	if slices.Contains(c.Argv, "drop_caches") {
		dl, ok := ctx.Deadline()
		if ok {
			d.left = append(d.left, dl.Sub(d.now()))
		} else {
			d.left = append(d.left, -1)
		}
	}
	return d.Execer.Run(ctx, c)
}
