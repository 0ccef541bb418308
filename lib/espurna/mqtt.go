package espurna

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// MQTT follows plugs through a broker. ESPurna publishes <root>/status (1 online, retained; the
// broker publishes the will 0 when the plug drops off) and <root>/relay/N with the relay's
// *current* state after each physical change (or, in JSON mode, the same inside <root>/data),
// and takes commands on <root>/relay/N/set and <root>/action/set.
//
// Only what a plug says live, after this run asked, is evidence of its relay: a retained state
// may be older than a button press, a reboot, a broker restored from persistence, or a plug
// that died without its will reaching the broker. The run asks either with a command (the plug
// reports the relay once it has changed) or with the query every 1.15 firmware answers:
// <root>/action/set "heartbeat" re-publishes every relay's state (rpc.cpp handle_action, since
// 2020-02). Releases up to 1.14.1 answer no query: their already-switched relay stays silent
// until the next heartbeat (every 300 s by default), so the answer is "unknown", never a guess.
//
// One MQTT value serves all plugs of a run from a single goroutine: its calls take every plug at
// once, so what it sends and receives happens in a deterministic order (tapes replay it).
type MQTT struct {
	Conn  sysio.MQTTConn
	Clock sysio.Clock
	Wait  time.Duration // how long to wait for a plug to speak

	roots      map[string]*plugState
	subscribed map[string]bool
}

type plugState struct {
	online  *bool        // last <root>/status (retained or live): presence, never relay evidence
	asked   bool         // this run sent a command or a query: live reports count from now on
	queried bool         // a query went out since this run's last command to the plug
	relays  map[int]bool // the latest live report of each relay since this run asked
	watts   *float64
	wattsAt time.Time
}

// Known is what the broker told us of one plug's relay.
type Known struct {
	Online bool
	State  *bool // nil: the plug has not reported this relay since this run asked
}

func (m *MQTT) state(root string) *plugState {
	if m.roots == nil {
		m.roots = map[string]*plugState{}
		m.subscribed = map[string]bool{}
	}
	s, ok := m.roots[root]
	if !ok {
		s = &plugState{relays: map[int]bool{}}
		m.roots[root] = s
	}
	return s
}

// watch subscribes to the plugs' topics once; retained status and relay state follow at once.
func (m *MQTT) watch(ctx context.Context, roots []string) error {
	var topics []string
	for _, r := range roots {
		m.state(r)
		if !m.subscribed[r] {
			m.subscribed[r] = true
			topics = append(topics, r+"/status", r+"/relay/+", r+"/data", r+"/power")
		}
	}
	if len(topics) == 0 {
		return nil
	}
	sort.Strings(topics)
	return m.Conn.Subscribe(ctx, topics...)
}

// Present waits up to Wait until every plug's <root>/status is known (a retained "1" is enough
// here: it only decides whether a command is worth sending, never what the relay is).
func (m *MQTT) Present(ctx context.Context, roots []string) error {
	if err := m.watch(ctx, uniq(roots)); err != nil {
		return err
	}
	return m.pump(ctx, func() bool {
		for _, r := range roots {
			if m.state(r).online == nil {
				return false
			}
		}
		return true
	})
}

// Relays returns each plug's relay as the plug reported it since this run asked. It first takes
// in every message already queued, so the latest report wins, then asks with the heartbeat
// query each plug that has not reported a relay asked for since the last command to it (a
// command that changed nothing makes the plug say nothing), and waits up to Wait for the relays
// still unreported; a plug that reports offline ends its wait at once.
func (m *MQTT) Relays(ctx context.Context, roots []string, relays []int) ([]Known, error) {
	if err := m.watch(ctx, uniq(roots)); err != nil {
		return nil, err
	}
	if err := m.drain(ctx); err != nil {
		return nil, err
	}
	for i, r := range roots {
		s := m.state(r)
		if _, ok := s.relays[relays[i]]; !ok && !s.queried {
			s.asked, s.queried = true, true
			msg := sysio.MQTTMessage{Topic: r + "/action/set", Payload: []byte("heartbeat"), QoS: 1}
			if err := m.Conn.Publish(ctx, msg); err != nil {
				return nil, err
			}
		}
	}
	done := func() bool {
		for i, r := range roots {
			s := m.state(r)
			if _, ok := s.relays[relays[i]]; !ok && (s.online == nil || *s.online) {
				return false
			}
		}
		return true
	}
	if err := m.pump(ctx, done); err != nil {
		return nil, err
	}
	out := make([]Known, len(roots))
	for i, r := range roots {
		s := m.state(r)
		out[i].Online = s.online != nil && *s.online
		if v, ok := s.relays[relays[i]]; ok {
			out[i].State = &v
		}
	}
	return out, nil
}

// Online reports what the plug last said about its presence, and whether it said anything.
func (m *MQTT) Online(root string) (online, heard bool) {
	s := m.state(root)
	return s.online != nil && *s.online, s.online != nil
}

// Set publishes relay commands, never retained: a retained command would be applied again by
// the plug at every reconnect, switching a node off long after the fence. What the relay was
// before no longer counts: only the plug's report after this command does, so every report
// already received is taken in first and forgotten with it (one queued before the command
// would otherwise be read after it as the answer).
func (m *MQTT) Set(ctx context.Context, root string, relay int, on bool) error {
	if err := m.drain(ctx); err != nil {
		return err
	}
	s := m.state(root)
	delete(s.relays, relay)
	s.asked, s.queried = true, false
	payload := map[bool]string{true: "1", false: "0"}[on]
	return m.Conn.Publish(ctx, sysio.MQTTMessage{Topic: fmt.Sprintf("%s/relay/%d/set", root, relay), Payload: []byte(payload), QoS: 1})
}

// Power waits for a power reading reported after `since` (the plug reports on its own schedule).
func (m *MQTT) Power(ctx context.Context, root string, since time.Time, wait time.Duration) (float64, bool, error) {
	if err := m.watch(ctx, []string{root}); err != nil {
		return 0, false, err
	}
	s := m.state(root)
	deadline := m.Clock.Now().Add(wait)
	for s.watts == nil || s.wattsAt.Before(since) {
		left := deadline.Sub(m.Clock.Now())
		if left <= 0 {
			return 0, false, nil
		}
		msg, ok, err := m.Conn.Receive(ctx, left)
		if err != nil {
			return 0, false, err
		}
		if !ok {
			return 0, false, nil
		}
		m.handle(msg)
	}
	return *s.watts, true, nil
}

// drain takes in every message already queued, without waiting.
func (m *MQTT) drain(ctx context.Context) error {
	for {
		msg, ok, err := m.Conn.Receive(ctx, 0)
		if err != nil || !ok {
			return err
		}
		m.handle(msg)
	}
}

// pump receives until done() or Wait passes.
func (m *MQTT) pump(ctx context.Context, done func() bool) error {
	deadline := m.Clock.Now().Add(m.Wait)
	for !done() {
		left := deadline.Sub(m.Clock.Now())
		if left <= 0 {
			return nil
		}
		msg, ok, err := m.Conn.Receive(ctx, left)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		m.handle(msg)
	}
	return nil
}

// handle files one message under its plug. A retained message is the broker's memory, not the
// plug's word, and a report before this run asked is no answer to it: neither is relay evidence.
func (m *MQTT) handle(msg sysio.MQTTMessage) {
	for root, s := range m.roots {
		rest, ok := strings.CutPrefix(msg.Topic, root+"/")
		if !ok {
			continue
		}
		payload := strings.TrimSpace(string(msg.Payload))
		live := !msg.Retained && s.asked
		switch {
		case rest == "status":
			on := payload == "1"
			s.online = &on
		case strings.HasPrefix(rest, "relay/") && live:
			n, ok := RelayID(strings.TrimPrefix(rest, "relay/"))
			if !ok {
				continue
			}
			if v, err := ParseRelay(msg.Payload, n); err == nil {
				s.relays[n] = v
			}
		case rest == "data" && live:
			relays, w, err := ParseData(msg.Payload)
			if err != nil {
				continue
			}
			for n, v := range relays {
				s.relays[n] = v
			}
			if w != nil {
				s.watts, s.wattsAt = w, m.Clock.Now()
			}
		case rest == "power":
			if w, err := ParsePower(msg.Payload); err == nil && !msg.Retained {
				s.watts, s.wattsAt = &w, m.Clock.Now()
			}
		}
	}
}

// RelayID reads a relay number as ESPurna writes it: decimal, no sign, no leading zero.
func RelayID(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
