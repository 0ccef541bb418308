package main

import (
	"fmt"
	"testing"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// farm2 serves two V2 plugs on one port of two loopback addresses; on[i] is plug i's relay.
func farm2(t *testing.T, on ...bool) (*plug.Farm, string) {
	t.Helper()
	port, err := plug.FreePort(plug.FarmIP(0), plug.FarmIP(1))
	require.NoError(t, err)
	farm, err := plug.NewFarm(2, port, func(i int) plug.Config {
		return plug.Config{Name: fmt.Sprintf("psu%d", i), Dialect: plug.V2, APIKey: testKey, InitialOn: on[i]}
	})
	require.NoError(t, err)
	t.Cleanup(farm.Close)
	return farm, fmt.Sprint(port)
}

// A node fed by two plugs under one plugs= alias is on while either is on, off only when both
// are, and an off switches and confirms both.
func TestDualPSUAlias(t *testing.T) {
	farm, port := farm2(t, false, true)
	args := []string{kv("apikey", testKey), kv("ipport", port), kv("plugs", "node2="+plug.FarmIP(0)+","+plug.FarmIP(1)),
		"port=node2", "power_wait=0", "stonith_status_sleep=0.1"}
	r := run(t, nil, append(args, "action=validate-all")...)
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, nil, append(args, "action=status")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Status: ON", "one plug, off, decided for the node")
	expectOff(t, run(t, nil, append(args, "action=off")...))
	require.False(t, farm.Plug(0).Powered(0))
	require.False(t, farm.Plug(1).Powered(0))
	r = run(t, nil, append(args, "action=status")...)
	require.Equal(t, 2, r.code, r.stderr)
}

// Two plugs, the second locked: the off fails, and the exit reason itself (not only the flight
// recorder's dump, which names every plug) names the locked plug.
func TestTwoPlugsOneLocked(t *testing.T) {
	farm, port := farm2(t, true, true)
	farm.Plug(1).SetFault(plug.Fault{Locked: true})
	r := run(t, nil, kv("apikey", testKey), kv("ipport", port), "port="+plug.FarmIP(0)+","+plug.FarmIP(1), "power_wait=0",
		"power_timeout=1", "stonith_status_sleep=0.1", "action=off")
	expectFailed(t, r, "")
	require.Regexp(t, `(?m)^ERROR: Failed: plug `+plug.FarmIP(1)+`: .*refused to switch OFF`, r.stderr)
	require.False(t, farm.Plug(0).Powered(0))
	require.True(t, farm.Plug(1).Powered(0))
}
