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
// *current* state after each physical change, and takes commands on <root>/relay/N/set.
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
	online   *bool
	relays   map[int]bool
	awaiting map[int]bool // a command was sent: only a live state message counts now
	watts    *float64
	wattsAt  time.Time
}

// Known is what the broker told us of one plug's relay.
type Known struct {
	Online bool
	State  *bool // nil: not (yet) reported since the last command
}

func (m *MQTT) state(root string) *plugState {
	if m.roots == nil {
		m.roots = map[string]*plugState{}
		m.subscribed = map[string]bool{}
	}
	s, ok := m.roots[root]
	if !ok {
		s = &plugState{relays: map[int]bool{}, awaiting: map[int]bool{}}
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

// Relays returns each plug's relay state, waiting up to Wait for the plugs to report; a plug
// that reports offline ends its wait at once.
func (m *MQTT) Relays(ctx context.Context, roots []string, relays []int) ([]Known, error) {
	if err := m.watch(ctx, uniq(roots)); err != nil {
		return nil, err
	}
	done := func() bool {
		for i, r := range roots {
			s := m.state(r)
			if s.online == nil || (*s.online && s.awaiting[relays[i]]) {
				return false
			}
			if _, ok := s.relays[relays[i]]; *s.online && !ok {
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
		if v, ok := s.relays[relays[i]]; ok && !s.awaiting[relays[i]] {
			out[i].State = &v
		}
	}
	return out, nil
}

// Heard reports whether the plug said anything about its presence.
func (m *MQTT) Heard(root string) bool { return m.state(root).online != nil }

// Set publishes relay commands, never retained: a retained command would be applied again by
// the plug at every reconnect, switching a node off long after the fence.
func (m *MQTT) Set(ctx context.Context, root string, relay int, on bool) error {
	s := m.state(root)
	delete(s.relays, relay)
	s.awaiting[relay] = true
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

// handle files one message under its plug.
func (m *MQTT) handle(msg sysio.MQTTMessage) {
	for root, s := range m.roots {
		rest, ok := strings.CutPrefix(msg.Topic, root+"/")
		if !ok {
			continue
		}
		payload := strings.TrimSpace(string(msg.Payload))
		switch {
		case rest == "status":
			on := payload == "1"
			s.online = &on
		case strings.HasPrefix(rest, "relay/") && !strings.HasSuffix(rest, "/set"):
			n, err := strconv.Atoi(strings.TrimPrefix(rest, "relay/"))
			if err != nil {
				continue
			}
			v, err := ParseRelay(msg.Payload, n)
			if err != nil || (s.awaiting[n] && msg.Retained) {
				continue // a retained state predates our command: never a confirmation
			}
			s.relays[n] = v
			delete(s.awaiting, n)
		case rest == "data": // JSON mode: never retained, so always live
			relays, w, err := ParseData(msg.Payload)
			if err != nil {
				continue
			}
			for n, v := range relays {
				s.relays[n] = v
				delete(s.awaiting, n)
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
