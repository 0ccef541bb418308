package ocf

import (
	"context"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Request is one action as Pacemaker asked for it.
type Request struct {
	// Ctx ends a margin before Pacemaker's timeout would SIGKILL the agent, so the handler can
	// still return an error with an exit reason. Everything that waits must watch it.
	Ctx    context.Context
	P      *sysio.Proc // the world: exec, files, HTTP, clock, environment
	Values param.Values
	Log    *flight.Logger
	// Action is the canonical action name ("reload" arrives as "reload-agent").
	Action string
	// Probe is a monitor with interval 0 (or none): Pacemaker asking "is it running here?"
	// on a node that may not even have the resource's devices or software.
	Probe    bool
	Interval time.Duration // OCF_RESKEY_CRM_meta_interval
	Depth    int           // OCF_CHECK_LEVEL; handlers compare with >= so unknown levels fall back
	Instance string        // OCF_RESOURCE_INSTANCE; "name:N" for clone instances
	Timeout  time.Duration // the operation's timeout (Pacemaker's, or the advertised default)

	deadline time.Time
}

// Meta returns the meta-attribute name (hyphens or underscores, as in "target-role"), which
// Pacemaker passes as OCF_RESKEY_CRM_meta_<name>.
func (r *Request) Meta(name string) string {
	return r.P.Getenv("OCF_RESKEY_CRM_meta_" + strings.ReplaceAll(name, "-", "_"))
}

// Deadline is when Ctx ends, on the world's clock.
func (r *Request) Deadline() time.Time { return r.deadline }

// Remaining is the budget left, on the world's clock (virtual in replay); never negative.
func (r *Request) Remaining() time.Duration {
	return max(0, r.deadline.Sub(r.P.Clock.Now()))
}

// budget is how long a handler may run: the operation timeout less a margin of 10% (at least
// 2s, at most half) kept for returning an error and an exit reason before Pacemaker's SIGKILL
// of the whole process group, which allows no clean-up at all.
func budget(timeout time.Duration) (work, margin time.Duration) {
	margin = min(max(2*time.Second, timeout/10), timeout/2)
	return timeout - margin, margin
}
