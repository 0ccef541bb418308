package plug

import (
	"fmt"
	"strings"
)

// Fault is a set of injectable failures; the zero value is a healthy plug.
type Fault struct {
	// HTTPStatus answers every HTTP request with this status (403, 404,
	// 405, 406, 500, ...) and an empty body, without acting on it.
	HTTPStatus int
	// Hang accepts the connection and reads the request but never answers
	// (until the client gives up or the plug is closed).
	Hang bool
	// Reset closes the TCP connection with RST (SO_LINGER 0) instead of
	// answering.
	Reset bool
	// Malformed answers value reads (relay, power...) with 200 and the body
	// "garbage". Writes still act: the device did switch.
	Malformed bool
	// Locked locks every relay to its present target, as ESPurna's
	// locked-on/locked-off boot modes: writes answer 200 with the unchanged
	// target and the relay never moves.
	Locked bool
	// Stuck: the target follows commands (and the API reports it) but the
	// current status never does, so MQTT keeps reporting the old state and
	// the load keeps its power.
	Stuck bool
	// Welded: the firmware switches (current status, MQTT state, API) but
	// the contacts stay closed, so the load keeps its power. Because the
	// firmware zeroes the power reading of a one-relay plug that it
	// believes OFF, the meter then reads 0 W too: undetectable from the
	// plug.
	Welded bool
	// PowerStuck makes the meter read LoadWatts whatever the relay does.
	PowerStuck bool
	// Offline makes the plug unreachable (WiFi lost): HTTP connections are
	// refused, MQTT is dropped without DISCONNECT so the broker publishes
	// the will "0"; clearing it reconnects.
	Offline bool
	// Silent: the plug died with its MQTT session still open at the broker (power cut or hung
	// firmware with no FIN sent): it publishes nothing and acts on no MQTT message; the broker
	// publishes its will only after 1.5 × keepalive, so the retained "online" stays.
	Silent bool
}

// flags names each boolean fault, as String prints it and ParseFaults reads it.
func (f *Fault) flags() []struct {
	on   *bool
	name string
} {
	return []struct {
		on   *bool
		name string
	}{
		{&f.Hang, "hang"}, {&f.Reset, "reset"}, {&f.Malformed, "malformed"},
		{&f.Locked, "locked"}, {&f.Stuck, "stuck"}, {&f.Welded, "welded"},
		{&f.PowerStuck, "power-stuck"}, {&f.Offline, "offline"}, {&f.Silent, "silent"},
	}
}

func (f Fault) String() string {
	var s []string
	if f.HTTPStatus != 0 {
		s = append(s, "http-status")
	}
	for _, b := range f.flags() {
		if *b.on {
			s = append(s, b.name)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// ParseFaults reads a comma-separated list of the boolean faults' names ("" is none).
func ParseFaults(list string) (Fault, error) {
	var f Fault
next:
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		for _, b := range f.flags() {
			if b.name == name {
				*b.on = true
				continue next
			}
		}
		return Fault{}, fmt.Errorf("unknown fault %q", name)
	}
	return f, nil
}

// Fault returns the faults in force.
func (p *Plug) Fault() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fault
}

// SetFault replaces the faults in force.
func (p *Plug) SetFault(f Fault) {
	p.mu.Lock()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	old := p.fault
	p.fault = f
	p.recordLocked(now, Event{Kind: EvFault, Status: f.HTTPStatus, Detail: f.String()})

	for id := range p.relays {
		r := &p.relays[id]
		switch {
		case f.Locked && !old.Locked:
			r.lock = lockOff
			if r.target {
				r.lock = lockOn
			}
		case !f.Locked && old.Locked:
			r.lock = lockNone
		}
		if old.Stuck && !f.Stuck && r.target != r.current {
			// The relay frees up now, not when its old delay ended.
			r.changeStart, r.changeDelay = now, 0
		}
		if old.Welded && !f.Welded {
			p.setContactLocked(now, id, r.current)
		}
	}
	p.meterChangedLocked(now)
	p.advanceLocked(now)
	p.unlockAndFlush()
	if old.Offline != f.Offline {
		p.applyReachability()
	}
}

// applyReachability opens or closes HTTP and MQTT after Offline/Crash.
func (p *Plug) applyReachability() {
	p.mu.Lock()
	up := !p.crashed && !p.fault.Offline && !p.closed
	link, srv := p.mqtt, p.server
	p.mu.Unlock()
	if srv != nil {
		srv.setOnline(up)
	}
	if link != nil {
		link.setOnline(up)
	}
}
