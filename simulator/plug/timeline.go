package plug

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventKind classifies timeline entries.
type EventKind string

const (
	EvHTTP        EventKind = "http"         // a request and the status answered (0: none)
	EvMQTTCommand EventKind = "mqtt-command" // a message received on a subscribed topic
	EvMQTTPublish EventKind = "mqtt-publish" // a message the plug published
	EvMQTTConnect EventKind = "mqtt-connect"
	EvMQTTLost    EventKind = "mqtt-lost"
	EvLWT         EventKind = "lwt"    // connection dropped without DISCONNECT: the broker publishes the will
	EvTarget      EventKind = "target" // target status changed (Delay: until the relay follows)
	EvLocked      EventKind = "locked" // a change refused by a relay lock, or a lock set
	EvSwitch      EventKind = "switch" // current status changed (firmware applied it)
	EvPower       EventKind = "power"  // the load gained or lost power (OnSwitch)
	EvFault       EventKind = "fault"
	EvCrash       EventKind = "crash"
	EvReboot      EventKind = "reboot"
)

// Event is one thing the plug saw or did. It never holds the API key or the
// MQTT password: Path has no query, KeyIn only says where a key was sent.
type Event struct {
	Time   time.Time
	Kind   EventKind
	Relay  int
	On     bool
	Delay  time.Duration // EvTarget: time before the relay follows
	Method string        // EvHTTP
	Path   string        // EvHTTP, without the query string
	KeyIn  string        // EvHTTP: where an API key was presented: "header", "query", "body", comma-joined
	Value  *string       // EvHTTP: the value parameter, nil without one (a read)
	AuthOK bool          // EvHTTP: the key was accepted
	Status int           // EvHTTP: status answered, 0 if none (hang, reset, refused)
	Topic  string        // MQTT events
	// Payload of MQTT events.
	Payload  string
	Retained bool
	Detail   string
}

func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Time.Format("15:04:05.000"), e.Kind)
	switch e.Kind {
	case EvHTTP:
		fmt.Fprintf(&b, " %s %s key=%q auth=%t", e.Method, e.Path, e.KeyIn, e.AuthOK)
		if e.Value != nil {
			fmt.Fprintf(&b, " value=%q", *e.Value)
		}
		fmt.Fprintf(&b, " -> %d", e.Status)
	case EvMQTTCommand, EvMQTTPublish:
		fmt.Fprintf(&b, " %s %q retained=%t", e.Topic, e.Payload, e.Retained)
	case EvTarget, EvSwitch, EvPower, EvLocked:
		fmt.Fprintf(&b, " relay=%d on=%t", e.Relay, e.On)
		if e.Delay > 0 {
			fmt.Fprintf(&b, " delay=%s", e.Delay)
		}
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	return b.String()
}

// recordLocked appends to the timeline, keeping it ordered even when a
// delayed change is applied lazily with its due time.
func (p *Plug) recordLocked(t time.Time, e Event) {
	if n := len(p.events); n > 0 && t.Before(p.events[n-1].Time) {
		t = p.events[n-1].Time
	}
	e.Time = t
	p.events = append(p.events, e)
	p.wakeLocked()
}

// insertLocked puts e at index i, so a request comes before the changes
// it caused although its status is only known afterwards.
func (p *Plug) insertLocked(i int, e Event) {
	if i > 0 && e.Time.Before(p.events[i-1].Time) {
		e.Time = p.events[i-1].Time
	}
	p.events = slices.Insert(p.events, i, e)
	p.wakeLocked()
}

func (p *Plug) wakeLocked() {
	if cb := p.cfg.OnEvent; cb != nil {
		p.queueLocked(cb)
	}
	if p.notify != nil {
		close(p.notify)
		p.notify = nil
	}
}

// Timeline returns a copy of everything recorded so far, in order.
func (p *Plug) Timeline() []Event {
	p.mu.Lock()
	p.advanceLocked(p.cfg.Clock())
	out := append([]Event(nil), p.events...)
	p.unlockAndFlush()
	return out
}

// WaitFor blocks until the timeline holds an event matching match (past
// events count) and returns it, or returns ctx's error.
func (p *Plug) WaitFor(ctx context.Context, match func(Event) bool) (Event, error) {
	seen := 0
	for {
		p.mu.Lock()
		p.advanceLocked(p.cfg.Clock())
		for ; seen < len(p.events); seen++ {
			if match(p.events[seen]) {
				e := p.events[seen]
				p.unlockAndFlush()
				return e, nil
			}
		}
		if p.notify == nil {
			p.notify = make(chan struct{})
		}
		ch := p.notify
		p.unlockAndFlush()
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}
