package main

import (
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/mosquitto"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

func mqttArgs(b *mosquitto.Broker, extra ...string) []string {
	return append([]string{"transport=mqtt", kv("mqtt_broker", b.URL), "power_wait=0", "stonith_status_sleep=0.1",
		"shell_timeout=2", "power_timeout=2"}, extra...)
}

// fence-agents' power-on-off scenario over MQTT through a real mosquitto, plain and JSON mode.
func TestMQTTScenario(t *testing.T) {
	for _, json := range []bool{false, true} {
		b := broker(t, mosquitto.Options{})
		// 1.15 answers the heartbeat query; TestMQTTRelease114 covers the releases before.
		p := mqttPlug(t, b, plug.Config{Name: "plug1", Dialect: plug.V2, MQTT: &plug.MQTTConfig{JSON: json}})
		args := mqttArgs(b, "port=plug1")
		steps := []struct {
			action string
			code   int
			out    string
		}{{"on", 0, "Success: Powered ON"}, {"status", 0, "Status: ON"}, {"off", 0, "Success: Powered OFF"},
			{"status", 2, "Status: OFF"}, {"reboot", 0, "Success: Rebooted"}}
		for _, s := range steps {
			r := run(t, nil, append(args, "action="+s.action)...)
			require.Equal(t, s.code, r.code, "json=%v %s: %s", json, s.action, r.stderr)
			require.Contains(t, r.stdout, s.out)
		}
		require.True(t, p.Powered(0))
		for _, ev := range p.Timeline() {
			if ev.Kind == plug.EvMQTTCommand {
				require.False(t, ev.Retained, "a retained command would switch the node again at every plug reconnect")
			}
		}
	}
}

func TestMQTTFaults(t *testing.T) {
	b := broker(t, mosquitto.Options{})

	t.Run("plug offline (last will)", func(t *testing.T) {
		t.Parallel()
		p := mqttPlug(t, b, plug.Config{Name: "gone", InitialOn: true})
		p.Crash()
		expectFailed(t, run(t, nil, append(mqttArgs(b, "port=gone"), "action=off")...), "offline")
	})
	t.Run("unknown topic", func(t *testing.T) {
		t.Parallel()
		expectFailed(t, run(t, nil, append(mqttArgs(b, "port=nosuchplug"), "action=off")...), "nothing on nosuchplug/status")
	})
	t.Run("stuck relay never confirms", func(t *testing.T) {
		t.Parallel()
		p := mqttPlug(t, b, plug.Config{Name: "stuck", InitialOn: true})
		p.SetFault(plug.Fault{Stuck: true})
		expectFailed(t, run(t, nil, append(mqttArgs(b, "port=stuck"), "action=off")...), "Timed out waiting to power OFF")
		require.True(t, p.Powered(0))
	})
	t.Run("power still drawn", func(t *testing.T) {
		t.Parallel()
		p := mqttPlug(t, b, plug.Config{Name: "meter", InitialOn: true, LoadWatts: 90, ReportEvery: 200 * time.Millisecond})
		p.SetFault(plug.Fault{PowerStuck: true})
		expectFailed(t, run(t, nil, append(mqttArgs(b, "port=meter", "power_off_threshold=5"), "action=off")...), "meter still reads 90.0 W (threshold 5 W) after 2s: relay welded, or node fed elsewhere")
	})
	t.Run("broker down", func(t *testing.T) {
		t.Parallel()
		down := broker(t, mosquitto.Options{})
		down.Stop()
		expectFailed(t, run(t, nil, append(mqttArgs(down, "port=plug1"), "action=off")...), "connection refused")
	})
}

func TestMQTTAuth(t *testing.T) {
	b := broker(t, mosquitto.Options{Users: map[string]string{"fence": testKey, "plug": "plugpass"}})
	p := mqttPlug(t, b, plug.Config{Name: "plug1", InitialOn: true, MQTT: &plug.MQTTConfig{Username: "plug", Password: "plugpass"}})
	expectFailed(t, run(t, nil, append(mqttArgs(b, "port=plug1", "username=fence", "password=wrong-password"), "action=off")...),
		"refused our username/password")
	require.True(t, p.Powered(0))
	expectOff(t, run(t, nil, append(mqttArgs(b, "port=plug1", "username=fence", kv("password", testKey)), "action=off")...))
}

// monitor over MQTT checks that every plug of plugs= announced itself online; it reads no relay
// (it never reports off, and firmware before 1.15 answers no query for it).
func TestMQTTMonitor(t *testing.T) {
	t.Parallel()
	b := broker(t, mosquitto.Options{})
	mqttPlug(t, b, plug.Config{Name: "mon-a", InitialOn: true})
	gone := mqttPlug(t, b, plug.Config{Name: "mon-b"})
	args := mqttArgs(b, "action=monitor", "shell_timeout=0.5")
	r := run(t, nil, append(args, "plugs=node1=mon-a node2=mon-b")...)
	require.Equal(t, 0, r.code, r.stderr)
	gone.Crash()
	waitRetained(t, b, "mon-b/status", "0") // the broker published the will
	expectFailed(t, run(t, nil, append(args, "plugs=node1=mon-a node2=mon-b")...), "mon-b:0: the plug is offline")
	expectFailed(t, run(t, nil, append(args, "plugs=node1=mon-a node3=nosuch")...), "nothing on nosuch/status")
}
