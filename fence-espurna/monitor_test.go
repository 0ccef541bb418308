package main

import (
	"net"
	"testing"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// The device's start and recurring monitor, as pacemaker-fenced sends them: no plug, no nodename.
func TestMonitorAsPacemakerSendsIt(t *testing.T) {
	p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true})
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead.Close()
	_, deadPort, _ := net.SplitHostPort(dead.Addr().String())
	base := []string{kv("apikey", testKey), "power_wait=0"}

	t.Run("the plug at ip answers", func(t *testing.T) {
		r := run(t, nil, append(base, "action=monitor", kv("ip", ip), kv("ipport", port))...)
		require.Equal(t, 0, r.code, r.stderr)
	})
	t.Run("the plug at ip is gone", func(t *testing.T) {
		expectFailed(t, run(t, nil, append(base, "action=monitor", kv("ip", ip), kv("ipport", deadPort))...), "connection refused")
	})
	t.Run("an inventory is checked plug by plug", func(t *testing.T) {
		inv := kv("plugs", "node1="+ip+" node2="+ip+":1")
		expectFailed(t, run(t, nil, append(base, "action=monitor", kv("ipport", port), inv)...), ip+":1: the plug answered HTTP 404")
		one := kv("plugs", "node1="+ip)
		require.Equal(t, 0, run(t, nil, append(base, "action=monitor", kv("ipport", port), one)...).code)
	})
	// isard-flock's configuration: ip is a base address where no plug lives.
	t.Run("host-offset without an inventory", func(t *testing.T) {
		args := append(base, kv("ip", ip), kv("ipport", deadPort), "plug_addressing=host-offset")
		r := run(t, nil, append(args, "action=monitor")...)
		require.Equal(t, 0, r.code, r.stderr)
		require.Contains(t, r.stderr, "WARNING: monitor checked nothing: nothing to list")
		expectFailed(t, run(t, nil, append(args, "action=list")...), "ip is a base address")
	})
	t.Run("neither ip nor plugs", func(t *testing.T) {
		r := run(t, nil, append(base, "action=monitor")...)
		require.Equal(t, 0, r.code, r.stderr)
		require.Contains(t, r.stderr, "WARNING: monitor checked nothing: nothing to list: set plugs")
	})
	// A dual-PSU node lists both plugs: validate accepts it, list-status and monitor read both.
	t.Run("dual PSU inventory", func(t *testing.T) {
		two := kv("plugs", "node1="+ip+","+ip+":1")
		r := run(t, nil, append(base, "action=validate-all", kv("ipport", port), two)...)
		require.Equal(t, 0, r.code, r.stderr)
		expectFailed(t, run(t, nil, append(base, "action=monitor", kv("ipport", port), two)...), ip+":1: the plug answered HTTP 404")
	})
	// A read in auto mode is a PUT without a value: what must never happen is a switch.
	for _, ev := range p.Timeline() {
		require.NotEqual(t, plug.EvTarget, ev.Kind, "monitor must never switch anything: %s", ev)
	}
	require.Empty(t, httpRequests(p, "POST"))
	target, _ := p.Relay(0)
	require.True(t, target, "monitor must never switch anything")
}

// One topic for several plugs would make every plug read the first one's relay.
func TestMQTTTopicWithoutHost(t *testing.T) {
	r := run(t, nil, "action=validate-all", "transport=mqtt", "mqtt_broker=tcp://127.0.0.1:1", "mqtt_topic=flock/plug",
		"port=a.lan,b.lan")
	expectFailed(t, r, "has no {host}")
	r = run(t, nil, "action=validate-all", "transport=mqtt", "mqtt_broker=tcp://127.0.0.1:1", "mqtt_topic=flock/plug", "port=a.lan")
	require.Equal(t, 0, r.code, r.stderr)
}

func httpRequests(p *plug.Plug, methods ...string) []plug.Event {
	var out []plug.Event
	for _, ev := range p.Timeline() {
		for _, m := range methods {
			if ev.Kind == plug.EvHTTP && ev.Method == m {
				out = append(out, ev)
			}
		}
	}
	return out
}
