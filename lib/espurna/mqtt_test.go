package espurna

import (
	"context"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/require"
)

// scriptConn is a broker session whose deliveries the test scripts: what is queued when, and
// what a publish makes the "plug" answer.
type scriptConn struct {
	queue     []sysio.MQTTMessage
	published []string
	onPublish func(m sysio.MQTTMessage) []sysio.MQTTMessage
}

func (c *scriptConn) Subscribe(context.Context, ...string) error { return nil }
func (c *scriptConn) Publish(_ context.Context, m sysio.MQTTMessage) error {
	c.published = append(c.published, m.Topic+"="+string(m.Payload))
	if c.onPublish != nil {
		c.queue = append(c.queue, c.onPublish(m)...)
	}
	return nil
}
func (c *scriptConn) Receive(context.Context, time.Duration) (sysio.MQTTMessage, bool, error) {
	if len(c.queue) == 0 {
		return sysio.MQTTMessage{}, false, nil
	}
	m := c.queue[0]
	c.queue = c.queue[1:]
	return m, true, nil
}
func (c *scriptConn) Close() {}

type fixedClock struct{ sysio.Clock }

func (fixedClock) Now() time.Time { return time.Unix(0, 0) }

func msg(topic, payload string, retained bool) sysio.MQTTMessage {
	return sysio.MQTTMessage{Topic: topic, Payload: []byte(payload), Retained: retained}
}

func relay0(t *testing.T, m *MQTT) *bool {
	t.Helper()
	k, err := m.Relays(context.Background(), []string{"p"}, []int{0})
	require.NoError(t, err)
	return k[0].State
}

// Retained state is never the plug's word, before or after a command.
func TestMQTTRetainedIsNoEvidence(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true), msg("p/relay/0", "0", true)}}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.Nil(t, relay0(t, m), "a retained relay state answered the query")
	require.Contains(t, c.published, "p/action/set=heartbeat")

	require.NoError(t, m.Set(context.Background(), "p", 0, false))
	c.queue = append(c.queue, msg("p/relay/0", "0", true), msg("p/data", `{"relay/0":0}`, true))
	require.Nil(t, relay0(t, m), "a retained state after the command confirmed it")
}

// A live report counts only once this run asked.
func TestMQTTReportBeforeAskingIsNoAnswer(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true)}}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.NoError(t, m.Present(context.Background(), []string{"p"}))
	c.queue = append(c.queue, msg("p/relay/0", "0", false)) // taken in before the query goes out
	require.Nil(t, relay0(t, m))
}

// The latest report wins: a stale "1" queued just before the "0" does not pin the relay ON,
// however many times the state is read.
func TestMQTTLatestReportWins(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true)}}
	c.onPublish = func(sysio.MQTTMessage) []sysio.MQTTMessage { return []sysio.MQTTMessage{msg("p/relay/0", "1", false)} }
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.True(t, *relay0(t, m))
	c.queue = append(c.queue, msg("p/relay/0", "1", false))
	require.True(t, *relay0(t, m), "the stale 1 is all the plug said so far")
	c.queue = append(c.queue, msg("p/relay/0", "0", false))
	require.False(t, *relay0(t, m), "the report that followed was never read")
}

// A report received before the command went out is no answer to it, even when it is read after:
// a "0" queued while the relay was still on would confirm an off the plug never reported.
func TestMQTTReportQueuedBeforeCommandIsNoAnswer(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true)}}
	c.onPublish = func(m sysio.MQTTMessage) []sysio.MQTTMessage {
		if m.Topic == "p/action/set" {
			return []sysio.MQTTMessage{msg("p/relay/0", "1", false)}
		}
		return nil // the plug has not answered the command yet
	}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.True(t, *relay0(t, m))
	c.queue = append(c.queue, msg("p/relay/0", "0", false)) // received, not yet read
	require.NoError(t, m.Set(context.Background(), "p", 0, false))
	require.True(t, *relay0(t, m), "the 0 queued before the command is forgotten: the query after it answers")
}

// A command that changes nothing makes the plug say nothing: the first read after it asks
// with the query, once, and its live answer confirms; a report of the change needs no query.
func TestMQTTQueryAfterCommand(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true), msg("p/relay/0", "0", true)}}
	c.onPublish = func(m sysio.MQTTMessage) []sysio.MQTTMessage {
		if m.Topic == "p/action/set" {
			return []sysio.MQTTMessage{msg("p/relay/0", "0", false)}
		}
		return nil // already off: the command changes nothing and is not reported
	}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.NoError(t, m.Present(context.Background(), []string{"p"}))
	require.NoError(t, m.Set(context.Background(), "p", 0, false))
	require.Equal(t, []string{"p/relay/0/set=0"}, c.published, "no query before the command")
	require.False(t, *relay0(t, m))
	require.False(t, *relay0(t, m))
	require.Equal(t, []string{"p/relay/0/set=0", "p/action/set=heartbeat"}, c.published, "one query after the command")

	require.NoError(t, m.Set(context.Background(), "p", 0, true))
	c.queue = append(c.queue, msg("p/relay/0", "1", false)) // the change, reported
	require.True(t, *relay0(t, m))
	require.Len(t, c.published, 3, "a reported change needs no query")
}

// JSON mode: live <root>/data confirms, retained data does not.
func TestMQTTDataMode(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true), msg("p/data", `{"relay/0":1}`, true)}}
	c.onPublish = func(sysio.MQTTMessage) []sysio.MQTTMessage {
		return []sysio.MQTTMessage{msg("p/data", `{"host":"p","relay/0":0}`, false)}
	}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.False(t, *relay0(t, m))
}

// Topics name relays as the firmware writes them: relay/00 and relay/-0 are not relay 0.
func TestMQTTRelayTopicSpelling(t *testing.T) {
	for _, topic := range []string{"p/relay/00", "p/relay/-0", "p/relay/+0", "p/relay/0x0"} {
		c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "1", true)}}
		c.onPublish = func(sysio.MQTTMessage) []sysio.MQTTMessage { return []sysio.MQTTMessage{msg(topic, "0", false)} }
		m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
		require.Nil(t, relay0(t, m), topic)
	}
	for _, body := range []string{`{"relay/00":0}`, `{"relay/-0":0}`} {
		r, _, err := ParseData([]byte(body))
		require.NoError(t, err)
		require.Empty(t, r, body)
	}
}

// An offline will ends the wait at once; the answer is no state, never off.
func TestMQTTOfflineIsNoState(t *testing.T) {
	c := &scriptConn{queue: []sysio.MQTTMessage{msg("p/status", "0", true), msg("p/relay/0", "0", true)}}
	m := &MQTT{Conn: c, Clock: fixedClock{}, Wait: time.Second}
	require.Nil(t, relay0(t, m))
	on, heard := m.Online("p")
	require.True(t, heard)
	require.False(t, on)
}
