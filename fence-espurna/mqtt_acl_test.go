package main

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// MQTT does not say who published a message, so a client that may publish a plug's state topic
// can report a hung plug's live node off. The broker ACL of the plugs guide
// (docs/mosquitto-fencing.acl) is what stops it: with it the spoof is dropped and the fence
// fails, without it the same spoof fools the agent (the experiment has teeth). Through that ACL
// a healthy plug still fences.
func TestMQTTOnlyThePlugSpeaksForItsRelay(t *testing.T) {
	users := map[string]string{"plug1": "plugpass", "fence": testKey, "monitor": "watch"}
	acl := filepath.Join("..", "docs", "mosquitto-fencing.acl")
	fence := func(b *mosquitto.Broker, action string) result {
		return run(t, nil, append(mqttArgs(b, "port=plug1", "username=fence", kv("password", testKey)), "action="+action)...)
	}
	for _, guarded := range []bool{true, false} {
		o := mosquitto.Options{Users: users}
		if guarded {
			o.ACLFile = acl
		}
		b := broker(t, o)
		p := mqttPlug(t, b, plug.Config{Name: "plug1", Dialect: plug.V2, InitialOn: true,
			MQTT: &plug.MQTTConfig{Username: "plug1", Password: "plugpass"}})
		p.SetFault(plug.Fault{Silent: true}) // hung firmware, its session still open: the node runs
		stop := spoof(t, b, "monitor", "watch", "plug1/relay/0", "0")
		r := fence(b, "off")
		stop()
		require.True(t, p.Powered(0))
		if guarded {
			expectFailed(t, r, "Timed out waiting to power OFF")
		} else {
			require.Equal(t, 0, r.code, "without the ACL the spoof was expected to fool the agent; stderr: %s", r.stderr)
		}
	}

	b := broker(t, mosquitto.Options{Users: users, ACLFile: acl})
	p := mqttPlug(t, b, plug.Config{Name: "plug1", Dialect: plug.V2, InitialOn: true,
		MQTT: &plug.MQTTConfig{Username: "plug1", Password: "plugpass"}})
	expectOff(t, fence(b, "off"))
	require.False(t, p.Powered(0))
	require.Equal(t, 0, fence(b, "on").code)
	require.True(t, p.Powered(0))
	r := fence(b, "status")
	require.Equal(t, 0, r.code, r.stderr)
}

// spoof publishes payload on topic every few milliseconds as user until stopped.
func spoof(t *testing.T, b *mosquitto.Broker, user, pass, topic, payload string) (stop func()) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL).SetClientID("spoof-" + user).
		SetUsername(user).SetPassword(pass))
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(5*time.Second), "spoofer connect")
	require.NoError(t, tok.Error())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c.Publish(topic, 0, false, payload).WaitTimeout(time.Second)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait(); c.Disconnect(100) }
}
