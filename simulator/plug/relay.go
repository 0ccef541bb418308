package plug

import (
	"strings"
	"time"
)

// lockMode is the dev firmware's RelayLock (boot modes locked-on/off,
// /api/lock/N, <root>/lock/N/set).
type lockMode int

const (
	lockNone lockMode = iota
	lockOff
	lockOn
)

func (l lockMode) String() string {
	switch l {
	case lockOff:
		return "off"
	case lockOn:
		return "on"
	}
	return "none"
}

// relayState mirrors ESPurna's Relay struct: target_status is what the API
// reads back, current_status is what the firmware has applied, and contact
// is what the load really gets (only differs under the Welded fault).
type relayState struct {
	target, current, contact bool
	changeStart              time.Time
	changeDelay              time.Duration
	fwStart                  time.Time // flood window start
	fwCount                  int
	lock                     lockMode
	report                   bool // publish <root>/relay/N after the change
}

// payloadStatus is ESPurna's PayloadStatus.
type payloadStatus int

const (
	psUnknown payloadStatus = iota
	psOff
	psOn
	psToggle
)

// parsePayload follows relayParsePayload: one-char 0/1/2, then on/off/toggle
// in any case. 1.14.x trims blanks first; the dev rpc parser does not.
func parsePayload(s string, trim bool) payloadStatus {
	if s == "" {
		return psUnknown
	}
	if len(s) == 1 {
		switch s[0] {
		case '0':
			return psOff
		case '1':
			return psOn
		case '2':
			return psToggle
		}
		return psUnknown
	}
	if trim {
		s = strings.TrimSpace(s)
	}
	switch {
	case strings.EqualFold(s, "off"):
		return psOff
	case strings.EqualFold(s, "on"):
		return psOn
	case strings.EqualFold(s, "toggle"):
		return psToggle
	}
	return psUnknown
}

// parseID follows tryParseId: decimal digits only, below the relay count.
func (p *Plug) parseID(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < len(p.relays)
}

// handlePayloadLocked applies a parsed command; toggle inverts the CURRENT
// status (relayToggle), not the target, as the firmware does.
func (p *Plug) handlePayloadLocked(now time.Time, id int, ps payloadStatus, via string) bool {
	switch ps {
	case psOff:
		p.setStatusLocked(now, id, false, true, via)
	case psOn:
		p.setStatusLocked(now, id, true, true, via)
	case psToggle:
		p.setStatusLocked(now, id, !p.relays[id].current, true, via)
	default:
		return false
	}
	return true
}

// setStatusLocked is ESPurna's _relayStatus(): lock check, cancellation of
// a pending change, delays and flood protection. It only moves the target;
// advanceLocked applies it.
func (p *Plug) setStatusLocked(now time.Time, id int, on, report bool, via string) bool {
	r := &p.relays[id]
	if r.lock != lockNone {
		locked := r.lock == lockOn
		if locked != on || locked != r.target {
			r.target = locked
			r.changeDelay = 0
			r.report = true
			p.recordLocked(now, Event{Kind: EvLocked, Relay: id, On: locked,
				Detail: via + ": refused, relay locked " + r.lock.String()})
			return false
		}
	}

	if r.current == on {
		if r.target != on {
			r.target = on
			r.report = false
			r.changeDelay = 0
			p.recordLocked(now, Event{Kind: EvTarget, Relay: id, On: on,
				Detail: via + ": scheduled change cancelled"})
			return true
		}
		return false
	}

	delay := p.cfg.OffDelay
	if on {
		delay = p.cfg.OnDelay
	}
	r.fwCount++
	r.changeStart = now
	r.changeDelay = max(r.changeDelay, delay)
	detail := via
	diff := now.Sub(r.fwStart)
	if r.fwStart.IsZero() || diff > p.cfg.FloodTime {
		r.fwStart = now
		r.fwCount = 1
	} else if p.cfg.FloodChanges > 0 && r.fwCount >= p.cfg.FloodChanges {
		// Note the firmware counts the current change too, so the
		// FloodChanges-th change inside the window is already postponed.
		r.changeDelay = max(delay, p.cfg.FloodTime-diff)
		detail += ": flood protection"
	}
	r.target = on
	r.report = report
	p.recordLocked(now, Event{Kind: EvTarget, Relay: id, On: on, Delay: r.changeDelay, Detail: detail})
	return true
}

// advanceLocked is the firmware loop (_relayProcess): offs first, then ons,
// each once its delay has strictly elapsed. Lazy evaluation lets a fake
// clock drive it; a timer does it for real time.
func (p *Plug) advanceLocked(now time.Time) {
	for _, mode := range []bool{false, true} {
		for id := range p.relays {
			r := &p.relays[id]
			if r.target == r.current || r.target != mode || p.fault.Stuck {
				continue
			}
			if r.changeDelay > 0 && now.Sub(r.changeStart) <= r.changeDelay {
				continue
			}
			at := now
			if r.changeDelay > 0 {
				at = r.changeStart.Add(r.changeDelay) // when the loop would have run
			}
			r.changeDelay = 0
			r.current = r.target
			p.recordLocked(at, Event{Kind: EvSwitch, Relay: id, On: r.current})
			if !p.fault.Welded {
				p.setContactLocked(at, id, r.current)
			}
			p.meterChangedLocked(at)
			if r.report {
				r.report = false
				p.publishRelayLocked(id)
			}
		}
	}
	p.scheduleLocked(now)
}

// setContactLocked changes what the load gets and tells the lab.
func (p *Plug) setContactLocked(at time.Time, id int, on bool) {
	r := &p.relays[id]
	if r.contact == on {
		return
	}
	r.contact = on
	p.recordLocked(at, Event{Kind: EvPower, Relay: id, On: on})
	if cb := p.cfg.OnSwitch; cb != nil {
		p.queueLocked(func() { cb(id, on) })
	}
}

// scheduleLocked arms a timer for the earliest pending change.
func (p *Plug) scheduleLocked(now time.Time) {
	if p.closed {
		return
	}
	var next time.Time
	for i := range p.relays {
		r := &p.relays[i]
		if r.target == r.current || p.fault.Stuck {
			continue
		}
		due := r.changeStart.Add(r.changeDelay)
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	if next.IsZero() {
		if p.timer != nil {
			p.timer.Stop()
		}
		return
	}
	// +1ms: the firmware needs the delay to be strictly exceeded.
	wait := next.Sub(now) + time.Millisecond
	if p.timer == nil {
		p.timer = time.AfterFunc(wait, p.Tick)
	} else {
		p.timer.Reset(wait)
	}
}

// lockPayloadLocked is _relayHandleLockPayload (dev): refused while a change
// is pending; anything but "on"/"off" unlocks.
func (p *Plug) lockPayloadLocked(now time.Time, id int, payload string) bool {
	r := &p.relays[id]
	if r.current != r.target {
		return false
	}
	status := r.target
	switch payload {
	case "on":
		r.lock = lockOn
		status = true
	case "off":
		r.lock = lockOff
		status = false
	default:
		r.lock = lockNone
	}
	p.recordLocked(now, Event{Kind: EvLocked, Relay: id, On: status, Detail: "lock set to " + r.lock.String()})
	p.setStatusLocked(now, id, status, true, "lock")
	return true
}

// Reboot restarts the emulated firmware, as rpc reboot or
// <root>/action/set reboot do: the relay drops and comes back in the
// default boot mode RELAY_BOOT_OFF, so rebooting the plug powers the node
// off; MQTT drops without DISCONNECT (will "0") and reconnects. The API key
// and settings are kept; locks are lost.
func (p *Plug) Reboot() { p.reboot() }

func (p *Plug) reboot() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	now := p.cfg.Clock()
	p.recordLocked(now, Event{Kind: EvReboot, Detail: "relays boot OFF (RELAY_BOOT_OFF)"})
	for id := range p.relays {
		r := &p.relays[id]
		r.lock = lockNone
		r.changeDelay = 0
		r.target = false
		r.report = false
		if r.current {
			r.current = false
			p.recordLocked(now, Event{Kind: EvSwitch, Relay: id, On: false, Detail: "boot"})
		}
		if !p.fault.Welded {
			p.setContactLocked(now, id, false)
		}
	}
	p.meterChangedLocked(now)
	p.meter.restart(now)
	link := p.mqtt
	p.advanceLocked(now)
	p.unlockAndFlush()
	if link != nil {
		link.bounce()
	}
}
