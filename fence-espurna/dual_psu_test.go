package main

import (
	"fmt"
	"testing"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// plugFarm serves V2 plugs on one port of several loopback addresses; on[i] is plug i's relay.
func plugFarm(t *testing.T, on ...bool) (*plug.Farm, string) {
	t.Helper()
	var ips []string
	for i := range on {
		ips = append(ips, plug.FarmIP(i))
	}
	port, err := plug.FreePort(ips...)
	require.NoError(t, err)
	farm, err := plug.NewFarm(len(on), port, func(i int) plug.Config {
		return plug.Config{Name: fmt.Sprintf("psu%d", i), Dialect: plug.V2, APIKey: testKey, InitialOn: on[i]}
	})
	require.NoError(t, err)
	t.Cleanup(farm.Close)
	return farm, fmt.Sprint(port)
}

// A node fed by several plugs under one plugs= alias is on while any is on, off only when all
// are, and an off switches and confirms all. The one on is in the middle: neither the first
// nor the last plug may decide for all.
func TestDualPSUAlias(t *testing.T) {
	farm, port := plugFarm(t, false, true, false)
	args := []string{kv("apikey", testKey), kv("ipport", port), kv("plugs", "node2="+plug.FarmIP(0)+","+plug.FarmIP(1)+","+plug.FarmIP(2)),
		"port=node2", "power_wait=0", "stonith_status_sleep=0.1"}
	r := run(t, nil, append(args, "action=validate-all")...)
	require.Equal(t, 0, r.code, r.stderr)
	r = run(t, nil, append(args, "action=status")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Status: ON", "one plug, off, decided for the node")
	expectOff(t, run(t, nil, append(args, "action=off")...))
	for i := range 3 {
		require.False(t, farm.Plug(i).Powered(0))
	}
	r = run(t, nil, append(args, "action=status")...)
	require.Equal(t, 2, r.code, r.stderr)
}

// Two plugs, the second locked: the off fails, and the exit reason itself (not only the flight
// recorder's dump, which names every plug) names the locked plug.
func TestTwoPlugsOneLocked(t *testing.T) {
	farm, port := plugFarm(t, true, true)
	farm.Plug(1).SetFault(plug.Fault{Locked: true})
	r := run(t, nil, kv("apikey", testKey), kv("ipport", port), "port="+plug.FarmIP(0)+","+plug.FarmIP(1), "power_wait=0",
		"power_timeout=1", "stonith_status_sleep=0.1", "action=off")
	expectFailed(t, r, "")
	require.Regexp(t, `(?m)^ERROR: Failed: plug `+plug.FarmIP(1)+`: .*refused to switch OFF`, r.stderr)
	require.False(t, farm.Plug(0).Powered(0))
	require.True(t, farm.Plug(1).Powered(0))
}

// A node written as two entries of plugs= (a pcmk_host_map habit) instead of one comma list:
// only the last entry would count, and the node's other supply would never be switched. Every
// action refuses it, naming the comma form.
func TestNodeListedTwiceRefused(t *testing.T) {
	farm, port := plugFarm(t, true, true)
	args := []string{kv("apikey", testKey), kv("ipport", port), "power_wait=0", "stonith_status_sleep=0.1",
		kv("plugs", fmt.Sprintf("node1=%s node1=%s", plug.FarmIP(0), plug.FarmIP(1))), "port=node1"}
	for _, action := range []string{"validate-all", "off"} {
		r := run(t, nil, append(args, "action="+action)...)
		require.Equal(t, 1, r.code, "%s: %s", action, r.stdout)
		require.Contains(t, r.stderr, `node "node1" is listed twice`)
		require.Contains(t, r.stderr, "node1=plugA,plugB")
	}
	require.True(t, farm.Plug(0).Powered(0) && farm.Plug(1).Powered(0), "nothing switched")
}
