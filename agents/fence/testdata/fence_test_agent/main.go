// Command fence_test_agent is a throwaway fence agent for the tests of agents/fence: its "device"
// is a JSON file (state_file) holding the plug states, so the real runtime is exercised through
// the real protocol (stdin or argv, exit codes, stdout/stderr) by the real binary.
//
// Knobs are parameters, so a test says what goes wrong the way Pacemaker would pass it:
//
//	stick=1,2          plugs that accept "off" but never turn off
//	stick_off=1        plugs that accept "on" but never turn on
//	status_error=1     plugs whose status read fails
//	unknown=1          plugs that report an unknown state
//	unknown_until_set=1 plugs that report an unknown state until they are switched
//	set_fail=1         plugs whose set (on or off) fails
//	set_fail_on=1      plugs whose "on" fails
//	confirm_fail=1     plugs whose off is not corroborated (OffConfirmer)
//	off_after_polls=N  after "off", a plug still reads ON for N more status reads
//	list_fail=1        listing the outlets fails
//	panic_in=status    the device panics in open, status, set or list (a device bug)
//	batch=1            the device handles all plugs at once (fence.Batch)
//	answers=1          a switch answers the plug's state (fence.SwitchFirst): no read before it
//	leak_password=1    Open logs the password and fails with it in the error (redaction check)
//
// Knob lists are separated by ',', ';' or spaces and are independent of plug_separator.
//
// Every run that reaches the device appends a record of the request it got (so tests can check
// what was parsed) and the first device access time (so tests can check the delay came first).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/agents/param"
)

// State is the JSON document in state_file.
type State struct {
	Plugs       map[string]*Plug `json:"plugs"`
	FirstAccess int64            `json:"first_access_unix_nano,omitempty"`
	Ops         []string         `json:"ops,omitempty"`
	Requests    []Record         `json:"requests,omitempty"`
}

// Plug is one outlet.
type Plug struct {
	State string `json:"state"` // "on" or "off"
	Alias string `json:"alias,omitempty"`
	// OffAfter counts the status reads that still say ON after an off command.
	OffAfter int `json:"off_after,omitempty"`
	// Switched is set once the plug got a set command.
	Switched bool `json:"switched,omitempty"`
}

// Record is what the runtime handed to Open.
type Record struct {
	Action         string   `json:"action"`
	Plugs          []string `json:"plugs"`
	Nodename       string   `json:"nodename,omitempty"`
	IP             string   `json:"ip,omitempty"`
	Username       string   `json:"username,omitempty"`
	Password       string   `json:"password,omitempty"`
	VerboseLevel   int64    `json:"verbose_level"`
	PowerTimeout   string   `json:"power_timeout"`
	DisableTimeout bool     `json:"disable_timeout"`
	SSL            bool     `json:"ssl"`
	Delay          string   `json:"delay"`
}

var agent = &fence.Agent{
	Name:  "fence_flocktest",
	Short: "Fence agent for testing the flock-agents runtime",
	Long: "\\fBfence_flocktest\\fR is a test agent: its plugs live in a JSON file.\n.P\n" +
		"It exercises the fence-agent runtime of flock-agents through the real protocol.",
	VendorURL: "https://github.com/isard-vdi/flock-agents",
	Version:   "0.0.0-test",
	Options:   []string{"ip", "plug", "username", "password", "password_script", "ssl"},
	// As in fence-agents: plug is required in meta-data, yet monitor and list run without one.
	Required: []string{"plug"},
	Params: []param.Param{
		{Name: "state_file", ValueName: "path", Short: "JSON file holding the plug states"},
		{Name: "stick", ValueName: "plugs", Short: "Plugs that never turn off"},
		{Name: "stick_off", ValueName: "plugs", Short: "Plugs that never turn on"},
		{Name: "status_error", ValueName: "plugs", Short: "Plugs whose status read fails"},
		{Name: "unknown", ValueName: "plugs", Short: "Plugs that report an unknown state"},
		{Name: "unknown_until_set", ValueName: "plugs", Short: "Plugs that report an unknown state until switched"},
		{Name: "set_fail", ValueName: "plugs", Short: "Plugs whose set fails"},
		{Name: "set_fail_on", ValueName: "plugs", Short: "Plugs whose power on fails"},
		{Name: "confirm_fail", ValueName: "plugs", Short: "Plugs whose off is not corroborated"},
		{Name: "off_after_polls", ValueName: "count", Kind: param.Integer, Default: "0",
			Short: "Status reads that still say ON after an off command"},
		{Name: "list_fail", Kind: param.Boolean, Short: "Make listing the outlets fail"},
		{Name: "panic_in", ValueName: "call", Short: "Make the device panic in open, status, set or list"},
		{Name: "batch", Kind: param.Boolean, Short: "Handle all plugs in one call (fence.Batch)"},
		{Name: "answers", Kind: param.Boolean, Short: "A switch answers the plug's state (fence.SwitchFirst)"},
		{Name: "leak_password", Kind: param.Boolean, Short: "Log the password and fail with it (redaction test)"},
		{Name: "mode", Kind: param.Select, Choices: []string{"plain", "fancy"}, Default: "plain",
			Short: "A select parameter, for meta-data"},
	},
	Validate: func(r *fence.Request) error {
		if f := r.Values.String("state_file"); f != "" && !filepath.IsAbs(f) {
			return errors.New("parameter state_file: must be an absolute path")
		}
		return nil
	},
	Open: open,
}

type device struct {
	mu   sync.Mutex
	r    *fence.Request
	path string
	set  func(name string) map[string]bool
}

func open(_ context.Context, r *fence.Request) (fence.Device, error) {
	d := &device{r: r, path: r.Values.String("state_file")}
	d.set = func(name string) map[string]bool {
		m := map[string]bool{}
		for _, p := range strings.FieldsFunc(r.Values.String(name), func(c rune) bool { return c == ',' || c == ';' || c == ' ' }) {
			m[p] = true
		}
		return m
	}
	if d.path == "" {
		return nil, errors.New("no state_file: cannot reach the device")
	}
	d.maybePanic("open")
	err := d.update("open", func(s *State) error {
		s.Requests = append(s.Requests, Record{
			Action: r.Action, Plugs: r.Plugs, Nodename: r.Nodename,
			IP: r.Values.String("ip"), Username: r.Values.String("username"), Password: r.Password,
			VerboseLevel: r.Values.Int("verbose_level"), PowerTimeout: r.Values.String("power_timeout"),
			DisableTimeout: r.Values.Bool("disable_timeout"), SSL: r.Values.Bool("ssl"),
			Delay: r.Values.String("delay"),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.Values.Bool("leak_password") {
		r.Log.Debugf("debug: logging in with password %s", r.Password)
		r.Log.Infof("info: logging in with password %s", r.Password)
		return nil, fmt.Errorf("login refused for password %q", r.Password)
	}
	if r.Values.Bool("batch") {
		return batchDevice{d}, nil
	}
	if r.Values.Bool("answers") {
		return answerDevice{d}, nil
	}
	return d, nil
}

// update reads the state file, applies f, records the operation and writes the file back.
func (d *device) update(op string, f func(s *State) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	files := d.r.Proc.Files
	now := time.Now().UnixNano()
	b, err := files.ReadFile(d.path)
	if err != nil {
		return fmt.Errorf("device unreachable: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("device answered garbage: %w", err)
	}
	if s.FirstAccess == 0 {
		s.FirstAccess = now
	}
	s.Ops = append(s.Ops, op)
	ferr := f(&s)
	out, err := json.MarshalIndent(&s, "", "  ")
	if err != nil {
		return err
	}
	if err := files.WriteFile(d.path, out, 0o644); err != nil {
		return err
	}
	return ferr
}

func (d *device) maybePanic(call string) {
	if d.r.Values.String("panic_in") == call {
		panic("injected device bug in " + call)
	}
}

func (d *device) Status(_ context.Context, plug string) (fence.State, error) {
	d.maybePanic("status")
	st := fence.Unknown
	err := d.update("status "+plug, func(s *State) error {
		p, ok := s.Plugs[plug]
		switch {
		case !ok:
			return fmt.Errorf("no such plug %q", plug)
		case d.set("status_error")[plug]:
			return errors.New("status read failed (injected)")
		case d.set("unknown")[plug], d.set("unknown_until_set")[plug] && !p.Switched:
			st = fence.Unknown
		case p.OffAfter > 0:
			p.OffAfter--
			if p.OffAfter == 0 {
				p.State = "off"
			}
			st = fence.On
		case p.State == "on":
			st = fence.On
		case p.State == "off":
			st = fence.Off
		}
		return nil
	})
	return st, err
}

func (d *device) SetPower(_ context.Context, plug string, on bool) error {
	d.maybePanic("set")
	word := map[bool]string{true: "on", false: "off"}[on]
	return d.update("set "+plug+" "+word, func(s *State) error {
		p, ok := s.Plugs[plug]
		if ok {
			p.Switched = true
		}
		switch {
		case !ok:
			return fmt.Errorf("no such plug %q", plug)
		case d.set("set_fail")[plug], on && d.set("set_fail_on")[plug]:
			return fmt.Errorf("switching %s failed (injected)", word)
		case !on && d.set("stick")[plug], on && d.set("stick_off")[plug]:
			return nil // accepted, ignored
		case !on && d.r.Values.Int("off_after_polls") > 0 && p.State == "on":
			p.OffAfter = int(d.r.Values.Int("off_after_polls"))
		default:
			p.State = word
			p.OffAfter = 0
		}
		return nil
	})
}

func (d *device) ConfirmOff(_ context.Context, plugs []string) error {
	return d.update("confirm "+strings.Join(plugs, ","), func(s *State) error {
		var errs []error
		for _, plug := range plugs {
			if d.set("confirm_fail")[plug] {
				errs = append(errs, fmt.Errorf("plug %s: power meter still reads 120 W (injected)", plug))
			}
		}
		return errors.Join(errs...)
	})
}

// batchDevice is the same device handling all plugs of an action in one call (fence.Batch), the
// way an MQTT device or a multi-relay strip does. It answers nil error slices when nothing
// failed, as Go callers usually do.
type batchDevice struct{ *device }

func (b batchDevice) StatusAll(ctx context.Context, plugs []string) ([]fence.State, []error) {
	b.update("batch status "+strings.Join(plugs, ","), func(*State) error { return nil })
	st := make([]fence.State, len(plugs))
	errs := make([]error, len(plugs))
	failed := false
	for i, p := range plugs {
		st[i], errs[i] = b.Status(ctx, p)
		failed = failed || errs[i] != nil
	}
	if !failed {
		errs = nil
	}
	return st, errs
}

func (b batchDevice) SetAll(ctx context.Context, plugs []string, on bool) []error {
	b.update("batch set "+strings.Join(plugs, ","), func(*State) error { return nil })
	errs := make([]error, len(plugs))
	failed := false
	for i, p := range plugs {
		errs[i] = b.SetPower(ctx, p, on)
		failed = failed || errs[i] != nil
	}
	if !failed {
		return nil
	}
	return errs
}

// answerDevice is the device whose switch answers the plug's state, as ESPurna's HTTP API does:
// a plug whose answer cannot be read fails its switch.
type answerDevice struct{ *device }

func (a answerDevice) Switches(plugs []string) int { return len(plugs) }

func (a answerDevice) SetPower(ctx context.Context, plug string, on bool) error {
	if err := a.device.SetPower(ctx, plug, on); err != nil {
		return err
	}
	if a.set("status_error")[plug] {
		return errors.New("the switch's answer could not be read (injected)")
	}
	return nil
}

// The runtime finds optional capabilities by type assertion: a signature drift must break the
// build, not silently switch a capability off.
var (
	_ fence.Device       = (*device)(nil)
	_ fence.Lister       = (*device)(nil)
	_ fence.OffConfirmer = (*device)(nil)
	_ fence.Batch        = batchDevice{}
	_ fence.Lister       = batchDevice{}
	_ fence.OffConfirmer = batchDevice{}
	_ fence.SwitchFirst  = answerDevice{}
	_ fence.OffConfirmer = answerDevice{}
)

func (d *device) List(_ context.Context) ([]fence.Outlet, error) {
	d.maybePanic("list")
	var out []fence.Outlet
	err := d.update("list", func(s *State) error {
		if d.r.Values.Bool("list_fail") {
			return errors.New("listing failed (injected)")
		}
		for id, p := range s.Plugs {
			out = append(out, fence.Outlet{ID: id, Alias: p.Alias})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		return nil
	})
	return out, err
}

func main() { os.Exit(fence.Main(agent)) }
