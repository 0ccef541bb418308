// Package plug emulates a Teckin SP22 smart plug running ESPurna firmware,
// as used for STONITH power switching. It speaks the firmware's HTTP API in
// three generations (Dialect) and its MQTT protocol against a real broker.
//
// The emulator is written from the firmware's behaviour (xoseperez/espurna
// api.ino/api.cpp, relay.cpp, mqtt.cpp, sensor.cpp), not from any client of
// it, so tests that use it check clients against the device, not against
// themselves. It deliberately imports nothing else from this repository.
package plug

import (
	"fmt"
	"sync"
	"time"
)

// Dialect selects the HTTP API generation of the emulated firmware.
type Dialect string

const (
	// Legacy is firmware <= 1.13.2: GET ...&value=V writes.
	Legacy Dialect = "legacy"
	// Rest is 1.13.3 - 1.14.x: writes need PUT unless apiRestFul=0.
	Rest Dialect = "rest"
	// V2 is 1.15.0-dev (API rework of 2020-12): Api-Key header, 406/500/204.
	V2 Dialect = "v2"
)

// ParseDialect accepts "legacy", "rest" or "v2".
func ParseDialect(s string) (Dialect, error) {
	switch d := Dialect(s); d {
	case Legacy, Rest, V2:
		return d, nil
	}
	return "", fmt.Errorf("plug: unknown dialect %q (legacy, rest, v2)", s)
}

// Config describes one plug. The zero value is a 1.14.x (Rest) plug with
// one relay, API enabled, RESTful writes and firmware default flood limits.
type Config struct {
	Name    string  // hostname; default MQTT root topic
	Dialect Dialect // default (and for unknown values) Rest: 1.14.1 is the last release
	APIKey  string
	// APIEnabled is the apiEnabled setting; nil means true (a Go bool
	// could not default to true). Use Bool(false) to disable the API.
	APIEnabled *bool
	// RestFul is apiRestFul; nil means true (firmware default). Bool(false)
	// re-enables GET ...&value= writes on Rest and V2.
	RestFul *bool

	Relays    int  // default 1: the SP22 has relay 0 only
	InitialOn bool // state of every relay (target and current) at start

	// OnDelay/OffDelay are relayDelayOn/relayDelayOff: the target changes at
	// once, the current (physical) status only after the delay.
	OnDelay, OffDelay time.Duration
	// FloodChanges/FloodTime are relayFloodChanges/relayFloodTime (defaults
	// 5 and 3s); a negative FloodChanges disables flood protection.
	FloodChanges int
	FloodTime    time.Duration

	LoadWatts float64 // what the node draws when powered
	// ReportEvery is the sensor report period (firmware: 10 reads of 6s).
	// HTTP and MQTT then give the last reported, filtered value. 0 means
	// real time (apiRealTime/snsRealTime=1) and MQTT publishes on change.
	ReportEvery time.Duration

	MQTT *MQTTConfig // nil = no MQTT

	// Latency delays every HTTP answer, as the WiFi round trip to a real plug does (tens to
	// hundreds of ms); benchmarks use it to show what an agent's round trips cost.
	Latency time.Duration

	// OnSwitch is called, in order, whenever the power delivered to the
	// load changes. It runs outside the plug's lock, after the HTTP answer
	// has been sent; it may call Relay/Powered/Timeline.
	OnSwitch func(relay int, on bool)

	// OnEvent is called, outside the plug's lock, after the timeline grew;
	// it may call Timeline (the lab keeps a live copy on disk).
	OnEvent func()

	// Clock replaces time.Now. With a fake clock, pending delayed changes
	// are applied lazily on the next call into the plug (or Tick).
	Clock func() time.Time
}

// Bool returns a pointer to b, for the *bool settings that default to true.
func Bool(b bool) *bool { return &b }

func orTrue(b *bool) bool { return b == nil || *b }

// Plug is one emulated device. All methods are safe for concurrent use.
type Plug struct {
	cfg Config

	mu      sync.Mutex // guards everything below
	relays  []relayState
	fault   Fault
	crashed bool
	closed  bool
	meter   meter
	events  []Event
	outbox  []func() // side effects (callbacks, publishes) run in order outside mu
	timer   *time.Timer
	mqtt    *mqttLink
	server  *server
	notify  chan struct{} // closed when an event is recorded (WaitFor)

	flushMu sync.Mutex // held by whoever drains outbox
	done    chan struct{}
}

// New builds a plug; it does not listen or connect yet (see Serve,
// StartMQTT).
func New(cfg Config) *Plug {
	if _, err := ParseDialect(string(cfg.Dialect)); err != nil {
		cfg.Dialect = Rest // "" or unknown: the last release
	}
	if cfg.Name == "" {
		cfg.Name = "ESPURNA-SP22"
	}
	if cfg.Relays <= 0 {
		cfg.Relays = 1
	}
	if cfg.FloodChanges == 0 {
		cfg.FloodChanges = 5
	}
	if cfg.FloodTime <= 0 {
		cfg.FloodTime = 3 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	p := &Plug{cfg: cfg, done: make(chan struct{})}
	now := cfg.Clock()
	p.relays = make([]relayState, cfg.Relays)
	for i := range p.relays {
		on := cfg.InitialOn
		p.relays[i] = relayState{target: on, current: on, contact: on}
	}
	p.meter.start(now, cfg.ReportEvery, p.measuredLocked())
	return p
}

// Name is the plug's hostname.
func (p *Plug) Name() string { return p.cfg.Name }

// Dialect is the emulated API generation.
func (p *Plug) Dialect() Dialect { return p.cfg.Dialect }

// Relay returns the target status (what the API reports) and the current
// status (what the firmware has applied) of relay n.
func (p *Plug) Relay(n int) (target, current bool) {
	p.mu.Lock()
	p.advanceLocked(p.cfg.Clock())
	if n >= 0 && n < len(p.relays) {
		target, current = p.relays[n].target, p.relays[n].current
	}
	p.unlockAndFlush()
	return target, current
}

// Powered reports whether the load on relay n really gets power. It differs
// from the current status only under the Welded fault.
func (p *Plug) Powered(n int) bool {
	p.mu.Lock()
	p.advanceLocked(p.cfg.Clock())
	on := n >= 0 && n < len(p.relays) && p.relays[n].contact
	p.unlockAndFlush()
	return on
}

// SetRelay switches relay n as the device's button or a local rule would
// (no API, no MQTT command); the change still obeys delays, flood and lock.
func (p *Plug) SetRelay(n int, on bool) {
	p.mu.Lock()
	now := p.cfg.Clock()
	p.advanceLocked(now)
	if n >= 0 && n < len(p.relays) {
		p.setStatusLocked(now, n, on, true, "local")
		p.advanceLocked(now)
	}
	p.unlockAndFlush()
}

// Tick applies delayed changes that are due by the plug's clock. It is only
// needed with a fake Clock; with real time a timer does it.
func (p *Plug) Tick() {
	p.mu.Lock()
	p.advanceLocked(p.cfg.Clock())
	p.unlockAndFlush()
}

// Close stops the HTTP server and disconnects MQTT cleanly (DISCONNECT, so
// the broker does not publish the will).
func (p *Plug) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	if p.timer != nil {
		p.timer.Stop()
	}
	link, srv := p.mqtt, p.server
	p.mu.Unlock()
	if link != nil {
		link.close()
	}
	if srv != nil {
		srv.close()
	}
	p.flush()
}

// Crash makes the plug vanish as if it hung or lost WiFi for good: the MQTT
// connection is dropped without DISCONNECT (the broker publishes the will
// "0") and HTTP connections are refused. Relay states are kept.
func (p *Plug) Crash() {
	p.mu.Lock()
	if p.crashed || p.closed {
		p.mu.Unlock()
		return
	}
	p.crashed = true
	p.recordLocked(p.cfg.Clock(), Event{Kind: EvCrash})
	p.mu.Unlock()
	p.applyReachability()
}

// queueLocked adds a side effect to run, in order, after mu is released.
func (p *Plug) queueLocked(f func()) { p.outbox = append(p.outbox, f) }

func (p *Plug) unlockAndFlush() {
	p.mu.Unlock()
	p.flush()
}

// flush drains the outbox in FIFO order. Only one goroutine drains at a
// time; a nested or concurrent caller leaves its items to the drainer, so
// side effects can never be reordered and callbacks may re-enter the plug.
func (p *Plug) flush() {
	for {
		if !p.flushMu.TryLock() {
			return
		}
		for {
			p.mu.Lock()
			if len(p.outbox) == 0 {
				p.mu.Unlock()
				break
			}
			f := p.outbox[0]
			p.outbox = p.outbox[1:]
			p.mu.Unlock()
			f()
		}
		p.flushMu.Unlock()
		p.mu.Lock()
		empty := len(p.outbox) == 0
		p.mu.Unlock()
		if empty {
			return
		}
	}
}
