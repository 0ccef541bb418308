package fence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/safego"
)

// act runs one device action; the returned error is the one-line reason of a failure.
func act(ctx context.Context, a *Agent, r *Request) (int, error) {
	if r.Action == "off" || r.Action == "reboot" {
		if d := r.Values.Duration("delay"); d > 0 {
			r.Log.Infof("Delay %s second(s) before logging in to the fence device", r.Values.String("delay"))
			if err := r.Proc.Clock.Sleep(ctx, d); err != nil {
				return ExitFailed, err
			}
		}
	}
	dev, err := a.Open(ctx, r)
	if err != nil {
		return ExitFailed, err
	}
	if c, ok := dev.(Closer); ok {
		defer c.Close()
	}
	switch r.Action {
	case "list", "list-status":
		return list(ctx, r, dev)
	case "monitor":
		return ExitOK, monitor(ctx, r, dev)
	}
	// Unknown without an error: switch, then confirm, with no message of a state never read.
	status, err := Unknown, error(nil)
	if switchFirst(r, dev) {
		r.Log.Debugf("plugs %v: switching first, the switch fails where a read would", r.Plugs)
	} else {
		status, err = combined(ctx, r, dev)
	}
	switch {
	case err != nil && !errors.Is(err, errUnknown):
		return ExitFailed, err
	case err != nil && r.Action == "status":
		return ExitFailed, err
	case err != nil:
		// Unknown is never off, but it need not stop a fence: switch off and confirm.
		r.Log.Infof("%v: switching %s and confirming", err, strings.ToUpper(r.Action))
	}
	switch r.Action {
	case "status":
		if status == Off {
			if status, err = seenOff(ctx, r, dev); err != nil {
				return ExitFailed, err
			}
		}
		fmt.Fprintf(r.Proc.Stdout, "Status: %s\n", status)
		if status == Off {
			return ExitOff, nil
		}
		return ExitOK, nil
	case "on":
		if status == On {
			fmt.Fprintln(r.Proc.Stdout, "Success: Already ON")
			return ExitOK, nil
		}
		// fencing.py (master, 2026): on makes 1+retry_on attempts, reboot's on half retry_on.
		if err := switchAll(ctx, r, dev, true, 1+int(r.Values.Int("retry_on"))); err != nil {
			return ExitFailed, err
		}
		fmt.Fprintln(r.Proc.Stdout, "Success: Powered ON")
	case "off":
		if status == Off {
			if err := confirmOff(ctx, r, dev); err != nil {
				return ExitFailed, err
			}
			fmt.Fprintln(r.Proc.Stdout, "Success: Already OFF")
			return ExitOK, nil
		}
		if err := switchAll(ctx, r, dev, false, 1); err != nil {
			return ExitFailed, err
		}
		fmt.Fprintln(r.Proc.Stdout, "Success: Powered OFF")
	case "reboot":
		if status != Off {
			if err := switchAll(ctx, r, dev, false, 1); err != nil {
				return ExitFailed, err
			}
		} else if err := confirmOff(ctx, r, dev); err != nil {
			return ExitFailed, err
		}
		// Off is confirmed, but with a short power_wait it may be a moment old, and a cut of one
		// round trip is what a power supply's hold-up rides through: the node would not reboot.
		r.Log.Debugf("keeping the power off %s before switching on", minRebootOff)
		if err := r.Proc.Clock.Sleep(ctx, minRebootOff); err != nil {
			return ExitFailed, err
		}
		// The node is fenced once it is off; failing to power it back on is logged, not fatal,
		// exactly as fence-agents does (the cluster is safe, the admin has a node to look at).
		if err := switchAll(ctx, r, dev, true, int(r.Values.Int("retry_on"))); err != nil {
			r.Log.Errorf("Timed out waiting to power ON: %v", r.Log.Scrub(err.Error()))
		}
		fmt.Fprintln(r.Proc.Stdout, "Success: Rebooted")
	}
	return ExitOK, nil
}

// minRebootOff is how long a reboot keeps the power off after confirming it, whatever power_wait says.
const minRebootOff = time.Second

// switchFirst says whether a switching action skips the read before switching (SwitchFirst).
func switchFirst(r *Request, dev Device) bool {
	f, ok := dev.(SwitchFirst)
	if !ok || r.Action == "status" {
		return false
	}
	n := f.Switches(r.Plugs)
	return n == 1 || n > 1 && r.Action != "on"
}

// states reads every plug, concurrently unless the device batches.
func states(ctx context.Context, r *Request, dev Device) ([]State, []error) {
	if b, ok := dev.(Batch); ok {
		st, errs := b.StatusAll(ctx, r.Plugs)
		st, errs = fitBatch(len(r.Plugs), st, errs)
		for i, plug := range r.Plugs {
			r.Log.Debugf("plug %s: status %s (err %v)", plug, st[i], errs[i])
		}
		return st, errs
	}
	st := make([]State, len(r.Plugs))
	errs := eachPlug(r.Plugs, func(i int, plug string) (err error) {
		st[i], err = dev.Status(ctx, plug)
		r.Log.Debugf("plug %s: status %s (err %v)", plug, st[i], err)
		return err
	})
	return st, errs
}

// eachPlug runs f for every plug at once and returns each plug's error; a device panic in f
// becomes that plug's error (safego), never the runtime's exit 2, which means "off".
func eachPlug(plugs []string, f func(i int, plug string) error) []error {
	return safego.Each(len(plugs), func(i int) error { return f(i, plugs[i]) })
}

// fitBatch gives a Batch answer exactly one entry per plug: a nil or short error slice means no
// error for the plugs it does not cover (the usual Go idiom); a missing state is Unknown.
func fitBatch(n int, st []State, errs []error) ([]State, []error) {
	outSt, outErr := make([]State, n), make([]error, n)
	copy(outSt, st)
	copy(outErr, errs)
	return outSt, outErr
}

// JoinErrors is errors.Join on one line ("; " between them): an exit reason is one line.
func JoinErrors(errs ...error) error {
	var j joined
	for _, err := range errs {
		if err != nil {
			j = append(j, err)
		}
	}
	switch len(j) {
	case 0:
		return nil
	case 1:
		return j[0]
	}
	return j
}

type joined []error

func (j joined) Error() string {
	parts := make([]string, len(j))
	for i, err := range j {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

func (j joined) Unwrap() []error { return j }

// errUnknown: a plug answered but could not say whether it is on or off.
var errUnknown = errors.New("state is unknown; Unable to obtain correct plug status")

// unknownReason is a device's account of why a plug's state is unknown.
type unknownReason struct{ msg string }

func (u unknownReason) Error() string      { return "state is unknown: " + u.msg }
func (unknownReason) Is(target error) bool { return target == errUnknown }

// Unknownf is a device's error for a plug whose state it cannot tell: never off, and no reason
// to stop a fence (off switches and confirms), yet status fails with this reason.
func Unknownf(format string, a ...any) error { return unknownReason{fmt.Sprintf(format, a...)} }

// combined is fence-agents' multi-plug status: off only if every plug is off, on if any is on;
// an unreadable or unknown plug is a failure, never "off".
func combined(ctx context.Context, r *Request, dev Device) (State, error) {
	st, errs := states(ctx, r, dev)
	out := Off
	for i, s := range st {
		if errs[i] != nil {
			return Unknown, fmt.Errorf("plug %s: %w", r.Plugs[i], errs[i])
		}
		switch s {
		case Unknown:
			return Unknown, fmt.Errorf("plug %s: %w", r.Plugs[i], errUnknown)
		case On:
			out = On
		}
	}
	return out, nil
}

// switchAll sets every plug, waits power_wait, then polls until every plug reads the wanted state
// (and, for off, the device corroborates it), for up to `attempts` rounds.
func switchAll(ctx context.Context, r *Request, dev Device, on bool, attempts int) error {
	want := map[bool]State{true: On, false: Off}[on]
	var last error
	for attempt := 0; attempt < max(attempts, 1); attempt++ {
		if err := setAll(ctx, r, dev, on); err != nil {
			last = err
			if on {
				r.Log.Warnf("%v", r.Log.Scrub(err.Error()))
				continue
			}
			return err
		}
		if err := r.Proc.Clock.Sleep(ctx, readBackAfter(r, dev, on)); err != nil {
			return err
		}
		if last = waitFor(ctx, r, dev, want); last == nil {
			if !on {
				return confirmOff(ctx, r, dev)
			}
			return nil
		}
	}
	return last
}

// seenOff is the state of plugs that read off, read again once a Settler's off can no longer be
// a target it holds back, and corroborated as an off the agent switched is: status prints off
// only as seen.
func seenOff(ctx context.Context, r *Request, dev Device) (State, error) {
	status := Off
	if slept, err := settle(ctx, r, dev); err != nil {
		return Unknown, err
	} else if slept {
		if status, err = combined(ctx, r, dev); err != nil {
			return Unknown, err
		}
	}
	if status == Off {
		return Off, confirmOff(ctx, r, dev)
	}
	return status, nil
}

// settle waits a Settler's Settle, and says whether it did.
func settle(ctx context.Context, r *Request, dev Device) (bool, error) {
	s, ok := dev.(Settler)
	if !ok || s.Settle() <= 0 {
		return false, nil
	}
	r.Log.Debugf("a plug reads off: reading again after %s, when it can no longer be a target the device holds back", s.Settle())
	return true, r.Proc.Clock.Sleep(ctx, s.Settle())
}

// readBackAfter is power_wait, or for an off the device's Settle if that is longer.
func readBackAfter(r *Request, dev Device, on bool) time.Duration {
	wait := r.Values.Duration("power_wait")
	if s, ok := dev.(Settler); ok && !on && s.Settle() > wait {
		r.Log.Debugf("reading the plugs back after %s, not power_wait: until then off may be a target the device still holds back", s.Settle())
		return s.Settle()
	}
	return wait
}

// setAll switches every plug at once: a dual-PSU node goes dark in one moment, not one PSU
// after the other.
func setAll(ctx context.Context, r *Request, dev Device, on bool) error {
	if b, ok := dev.(Batch); ok {
		r.Log.Debugf("plugs %v: switching %s", r.Plugs, State(map[bool]State{true: On, false: Off}[on]))
		_, errs := fitBatch(len(r.Plugs), nil, b.SetAll(ctx, r.Plugs, on))
		for i := range errs {
			if errs[i] != nil {
				errs[i] = fmt.Errorf("plug %s: %w", r.Plugs[i], errs[i])
			}
		}
		return JoinErrors(errs...)
	}
	errs := eachPlug(r.Plugs, func(_ int, plug string) error {
		r.Log.Debugf("plug %s: switching %s", plug, map[bool]string{true: "ON", false: "OFF"}[on])
		if err := dev.SetPower(ctx, plug, on); err != nil {
			return fmt.Errorf("plug %s: %w", plug, err)
		}
		return nil
	})
	return JoinErrors(errs...)
}

// waitFor polls every stonith_status_sleep until all plugs read want or power_timeout passes
// (0 = no limit: Pacemaker's action timeout is the limit, as with fence-agents under fenced).
func waitFor(ctx context.Context, r *Request, dev Device, want State) error {
	clock := r.Proc.Clock
	timeout := r.Values.Duration("power_timeout")
	deadline := clock.Now().Add(timeout)
	for {
		st, errs := states(ctx, r, dev)
		var pending []string
		for i, s := range st {
			if s != want || errs[i] != nil { // a failed read confirms nothing, whatever its state
				why := s.String()
				if errs[i] != nil {
					why = r.Log.Scrub(errs[i].Error())
				}
				pending = append(pending, fmt.Sprintf("%s (%s)", r.Plugs[i], why))
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if timeout > 0 && !clock.Now().Before(deadline) {
			return fmt.Errorf("Timed out waiting to power %s after %s: %s", want, timeout, strings.Join(pending, ", "))
		}
		if err := clock.Sleep(ctx, max(r.Values.Duration("stonith_status_sleep"), 100*time.Millisecond)); err != nil {
			return fmt.Errorf("interrupted waiting to power %s: %s", want, strings.Join(pending, ", "))
		}
	}
}

// confirmOff asks the device to corroborate off on every plug, when it can.
func confirmOff(ctx context.Context, r *Request, dev Device) error {
	if c, ok := dev.(OffConfirmer); ok {
		return c.ConfirmOff(ctx, r.Plugs)
	}
	return nil
}

// list prints id,alias (and status) lines; status of every outlet is read concurrently.
func list(ctx context.Context, r *Request, dev Device) (int, error) {
	l, ok := dev.(Lister)
	if !ok {
		return ExitFailed, errors.New("this device cannot list its plugs")
	}
	outlets, err := l.List(ctx)
	if err != nil {
		return ExitFailed, err
	}
	sep := r.Values.String("separator")
	if r.Action == "list" {
		for _, o := range outlets {
			fmt.Fprintf(r.Proc.Stdout, "%s%s%s\n", o.ID, sep, o.Alias)
		}
		return ExitOK, nil
	}
	plugs := make([]string, len(outlets))
	for i, o := range outlets {
		plugs[i] = o.ID
	}
	sub := *r
	sub.Plugs = plugs
	st, errs := states(ctx, &sub, dev)
	if slices.Contains(st, Off) {
		if slept, err := settle(ctx, r, dev); err != nil {
			return ExitFailed, err
		} else if slept {
			st, errs = states(ctx, &sub, dev)
		}
	}
	for i, o := range outlets {
		s := st[i]
		if errs[i] != nil {
			s = Unknown
		}
		fmt.Fprintf(r.Proc.Stdout, "%s%s%s%s%s\n", o.ID, sep, o.Alias, sep, s)
	}
	return ExitOK, nil
}

// monitor checks the device is usable: its own check if it has one, else listing, else status.
func monitor(ctx context.Context, r *Request, dev Device) error {
	if m, ok := dev.(Monitorer); ok {
		return m.Monitor(ctx)
	}
	if l, ok := dev.(Lister); ok {
		_, err := l.List(ctx)
		return err
	}
	_, errs := states(ctx, r, dev)
	return JoinErrors(errs...)
}
