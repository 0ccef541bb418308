package ocf

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flusher's stop polls a flush every 10 minutes until it is done or the budget runs out, as
// writeboost's stop does: the poll that was running when the budget ran out was killed.
var flusher = &Agent{
	Name: "flusher", Version: "0.1", Short: "Deadline test agent", Long: "Stops by waiting for a flush.",
	Params: []param.Param{{Name: "device", Kind: param.String, Short: "Unused"}},
	Actions: Actions{
		Start: func(*Request) error { return nil }, Monitor: func(*Request) error { return NotRunning },
		Stop: func(r *Request) error {
			for {
				res, err := r.P.Exec.Run(r.Ctx, sysio.Cmd{Argv: []string{"flush-status"}})
				switch {
				case r.Ctx.Err() != nil:
					return err
				case errors.Is(err, context.DeadlineExceeded):
					r.Log.Infof("a slice of the flush ended; polling again")
				case err != nil:
					return err
				case strings.TrimSpace(string(res.Stdout)) == "done":
					return nil
				}
				if err := r.P.Clock.Sleep(r.Ctx, 10*time.Minute); err != nil {
					return err
				}
			}
		},
	},
}

// A stop with a 30 minute timeout (27 of them the handler's budget) whose flush never ended: two
// polls, two 10 minute pauses, and a third poll killed at the deadline. Replayed, the deadline
// falls on the tape's clock at the same point, so the run takes milliseconds and asks for the
// same exchanges in the same order: on the real clock the budget would seem untouched after
// the killed poll, and the agent would go on polling.
const flushTape = `flock-tape 1
agent flusher
start 2025-06-01T10:00:00.000Z
argv /usr/lib/ocf/resource.d/flock/flusher stop
env OCF_RESOURCE_INSTANCE=f1
env OCF_RESKEY_CRM_meta_timeout=1800000
env HA_logfacility=none

exchange 1 +0.000s exec
> run flush-status
< exit 0
< stdout "12000 dirty\n"
< took 0.010s

exchange 2 +0.010s clock
> sleep 600s
< ok
< took 600s

exchange 3 +600.010s exec
> run flush-status
< exit 0
< stdout "9000 dirty\n"
< took 0.010s

exchange 4 +600.020s clock
> sleep 600s
< ok
< took 600s

exchange 5 +1200.020s exec
> run flush-status
< exit -1
< error deadline "flush-status: context deadline exceeded"
< took 419.980s

outcome +1620.000s
exit 1
reason "stop timed out after 27m0s of its 30m0s operation timeout: flush-status: context deadline exceeded"
`

func TestReplayedDeadlineIsVirtual(t *testing.T) {
	tp, err := tape.Parse(strings.NewReader(flushTape))
	require.NoError(t, err)
	p, finish := tape.Replay(tp)
	v := finish(Run(flusher, p))
	assert.True(t, v.Passed(), v.String()+"\n"+v.Stderr)
	assert.Equal(t, 1620*time.Second, v.Got.At, "the run ended where its budget did, on the tape's clock")
}
