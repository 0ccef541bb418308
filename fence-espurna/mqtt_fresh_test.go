package main

import (
	"context"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/mqttio"
	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// Over MQTT, off/status/reboot rest only on what the plug said live after this run asked: a
// retained state is the broker's memory, and the plug it describes may be gone or changed.

// publishRetained leaves retained messages on the broker from a client that then goes away.
func publishRetained(t *testing.T, b *mosquitto.Broker, kvs ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := mqttio.New().Connect(ctx, sysio.MQTTOptions{Broker: b.URL, ClientID: "ghost-writer", Timeout: 5 * time.Second})
	require.NoError(t, err)
	for i := 0; i+1 < len(kvs); i += 2 {
		require.NoError(t, c.Publish(ctx, sysio.MQTTMessage{Topic: kvs[i], Payload: []byte(kvs[i+1]), QoS: 1, Retained: true}))
	}
	c.Close()
}

// waitRetained waits until the broker holds payload retained on topic.
func waitRetained(t *testing.T, b *mosquitto.Broker, topic, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := mqttio.New().Connect(ctx, sysio.MQTTOptions{Broker: b.URL, ClientID: "retained-reader", Timeout: 5 * time.Second})
		require.NoError(t, err)
		require.NoError(t, c.Subscribe(ctx, topic))
		m, ok, err := c.Receive(ctx, time.Second)
		c.Close()
		require.NoError(t, err)
		if ok && m.Retained && string(m.Payload) == payload {
			return
		}
		require.NoError(t, ctx.Err(), "%s never held %q", topic, payload)
	}
}

// expectUnconfirmed: every action that would rest on the relay's state fails, saying why.
func expectUnconfirmed(t *testing.T, b *mosquitto.Broker, name string) {
	t.Helper()
	// Nothing will ever answer: a short wait proves as much as a long one.
	args := mqttArgs(b, "port="+name, "shell_timeout=0.3", "power_timeout=0.3")
	for _, a := range []string{"off", "status", "reboot"} {
		r := run(t, nil, append(args, "action="+a)...)
		expectFailed(t, r, "no live report on "+name+"/relay/0")
		require.NotContains(t, r.stdout, "Status: OFF", a)
	}
}

func TestMQTTRetainedGhostIsNoPlug(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	publishRetained(t, b, "ghost/status", "1", "ghost/relay/0", "0")
	expectUnconfirmed(t, b, "ghost")
}

func TestMQTTPlugGoneWithoutWill(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	p := mqttPlug(t, b, plug.Config{Name: "mute", Dialect: plug.V2})
	p.SetFault(plug.Fault{Silent: true})
	expectUnconfirmed(t, b, "mute")
}

func TestMQTTBrokerRestoredFromPersistence(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{Persist: true})
	p := mqttPlug(t, b, plug.Config{Name: "persisted", Dialect: plug.V2})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.WaitSaved(ctx, "persisted/status", "persisted/relay/0"))
	// The plug dies while the broker is down: its will never reaches the broker, which comes
	// back with the plug's retained "1" and relay "0" from its database.
	require.NoError(t, b.Restart(p.Crash))
	expectUnconfirmed(t, b, "persisted")
}

// publishModes: the firmware's ways of publishing state (plain retained, JSON batches that are
// never retained, mqttRetain=0).
var publishModes = []struct {
	name string
	cfg  plug.MQTTConfig
}{{"plain", plug.MQTTConfig{}}, {"json", plug.MQTTConfig{JSON: true}}, {"noretain", plug.MQTTConfig{Retain: plug.Bool(false)}}}

// The 1.15 heartbeat query confirms an already-off relay in every publishing mode, including
// JSON (never retained) and mqttRetain=0, where a fresh session finds nothing retained. The
// command goes first: the query follows it, since a relay it did not change reports nothing.
func TestMQTTAlreadyOffConfirmedByQuery(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	for _, m := range publishModes {
		cfg := m.cfg
		p := mqttPlug(t, b, plug.Config{Name: "off-" + m.name, Dialect: plug.V2, MQTT: &cfg})
		args := mqttArgs(b, "port=off-"+m.name)
		r := run(t, nil, append(args, "action=off")...)
		require.Equal(t, 0, r.code, "%s: %s", m.name, r.stderr)
		require.Contains(t, r.stdout, "Success: Powered OFF")
		var got []string
		for _, ev := range p.Timeline() {
			if ev.Kind == plug.EvMQTTCommand {
				got = append(got, ev.Topic+"="+ev.Payload)
			}
		}
		require.Equal(t, []string{"off-" + m.name + "/relay/0/set=0", "off-" + m.name + "/action/set=heartbeat"}, got, m.name)
		r = run(t, nil, append(args, "action=status")...)
		require.Equal(t, 2, r.code, "%s: %s", m.name, r.stderr)
		require.False(t, p.Powered(0))
	}
}

// Firmware up to 1.14.1 answers no query: a change is confirmed by the plug's report, an
// already-off relay cannot be, and the agent says so instead of guessing.
func TestMQTTRelease114(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	for _, m := range publishModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			cfg := m.cfg
			p := mqttPlug(t, b, plug.Config{Name: "r114-" + m.name, InitialOn: true, MQTT: &cfg})
			args := mqttArgs(b, "port=r114-"+m.name)
			expectOff(t, run(t, nil, append(args, "action=off")...))
			require.False(t, p.Powered(0))
			// Nothing will answer now: short waits.
			short := append(args, "shell_timeout=0.3", "power_timeout=0.3")
			r := run(t, nil, append(short, "action=off")...)
			expectFailed(t, r, "firmware before 1.15 answers no MQTT query")
			require.Contains(t, r.stderr, "Timed out waiting to power OFF")
			expectFailed(t, run(t, nil, append(short, "action=status")...), "no live report on r114-"+m.name+"/relay/0")
		})
	}
}

// A stale "1" the plug published just before the command (here its heartbeat, every 20 ms,
// while relayDelayOff holds the contacts) must not pin the relay ON: the latest report wins.
func TestMQTTStaleOnBeforeCommand(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	p := mqttPlug(t, b, plug.Config{Name: "slow", Dialect: plug.V2, InitialOn: true, OffDelay: 300 * time.Millisecond,
		MQTT: &plug.MQTTConfig{Heartbeat: 20 * time.Millisecond}})
	expectOff(t, run(t, nil, append(mqttArgs(b, "port=slow"), "action=off")...))
	require.False(t, p.Powered(0))
}
