// Package fence is the fence-agent runtime: a drop-in for the fence-agents Python library as
// Pacemaker and pcs use it. It parses stdin key=value lines or getopt-style options, knows the
// standard options and their old aliases, renders fence-agents meta-data and a man page, and
// runs the power logic: delay before any device I/O, set every plug, then poll until every plug
// is confirmed in the wanted state. It never prints "off" for a state it has not confirmed.
package fence

import (
	"context"
	"time"

	"github.com/isard-vdi/flock-agents/agents/flight"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// State is a plug's power state as the device reports it. Unknown is never taken for Off.
type State int

const (
	Unknown State = iota
	On
	Off
)

func (s State) String() string { return [...]string{"UNKNOWN", "ON", "OFF"}[s] }

// Device is what an agent implements: read and switch one plug. Calls for different plugs run
// concurrently, so a device must be safe for that.
type Device interface {
	Status(ctx context.Context, plug string) (State, error)
	SetPower(ctx context.Context, plug string, on bool) error
}

// Outlet is one entry of the list action.
type Outlet struct{ ID, Alias string }

// Lister is implemented by devices that know their plugs (list, list-status, monitor).
type Lister interface {
	List(ctx context.Context) ([]Outlet, error)
}

// Monitorer is implemented by devices with a better health check than listing.
type Monitorer interface {
	Monitor(ctx context.Context) error
}

// Batch is implemented by devices that handle all plugs of an action together (one MQTT
// session, several relays of one strip). The runtime then calls these instead of the per-plug
// methods, so the device decides the order of its IO and a recorded run replays exactly.
type Batch interface {
	StatusAll(ctx context.Context, plugs []string) ([]State, []error)
	SetAll(ctx context.Context, plugs []string, on bool) []error
}

// OffConfirmer is implemented by devices that can corroborate an off state independently (a
// power meter): called with every plug once all relays read off.
type OffConfirmer interface {
	ConfirmOff(ctx context.Context, plugs []string) error
}

// SwitchFirst is implemented by devices whose switch fails for a plug that cannot be reached or
// refuses the command, as a read before it would (ESPurna's HTTP API answers a relay command
// with the relay's state, which the agent checks; over MQTT a command goes only to a plug that
// says it is online). The read before switching then tells nothing that the read confirming it
// after power_wait does not: off and reboot switch at once, and so does on for a single switch,
// yet on reads a node of several first, since any one on counts as the node on and on then
// switches none. Switches says how many switches the plugs stand for (a plug name may name
// several relays), or 0 to read first.
type SwitchFirst interface {
	Switches(plugs []string) int
}

// Settler is implemented by devices whose answer can run ahead of the relay for a while after a
// switch (ESPurna over HTTP answers the relay's target, and its flood protection may hold an off
// back until its window ends): an off is read back no sooner than Settle after the switch,
// whatever power_wait says, and status and list-status read an off again after Settle before
// printing it. Such a device should be a SwitchFirst too, since an off read before any switch
// could be a target as well.
type Settler interface{ Settle() time.Duration }

// Closer releases connections when the action ends.
type Closer interface{ Close() }

// Agent is a fence agent's declaration.
type Agent struct {
	Name      string // binary name, e.g. fence_espurna
	Short     string
	Long      string // man-page markup (\fB, .P, .TP, .br) allowed; stripped for meta-data
	VendorURL string
	Version   string
	// Options names the standard options the agent takes beyond the always-present ones (see
	// standard.go), e.g. "ip", "ipport", "plug", "password", "password_script", "ssl".
	Options []string
	// Defaults overrides standard defaults, e.g. {"power_wait": "1", "ipport": "80"}.
	Defaults map[string]string
	// Required lists standard options that are required (e.g. "plug").
	Required []string
	Params   []param.Param
	// Open connects to the device; called after the delay, before any status is read.
	Open func(ctx context.Context, r *Request) (Device, error)
	// Validate checks values without touching the device (validate-all and every action).
	Validate func(r *Request) error
	// HTTP and MQTT are the real clients of the kinds of IO the agent speaks (httpio.New,
	// mqttio.New); nil for a kind it does not, which its binary then does not link.
	HTTP func() sysio.HTTPClient
	MQTT func() sysio.MQTTDialer
}

// Request is one action with its checked input.
type Request struct {
	Action   string
	Plugs    []string
	Nodename string // the cluster node Pacemaker is fencing, if it said
	Values   param.Values
	Password string // from password or password_script
	Proc     *sysio.Proc
	Log      *flight.Logger
}
