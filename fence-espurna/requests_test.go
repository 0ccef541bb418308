package main

import (
	"testing"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// Over HTTP a switch answers the relay's state, so off and on cost a plug two requests, the
// switch and the read that confirms it after power_wait, and reboot four, on every firmware.
func TestSwitchRequestsPerPlug(t *testing.T) {
	for _, tc := range []struct {
		dialect plug.Dialect
		api     string
	}{{plug.Legacy, "legacy"}, {plug.Rest, "auto"}, {plug.V2, "auto"}} {
		for _, s := range []struct {
			action string
			from   bool
			out    string
			want   int
		}{
			{"off", true, "Success: Powered OFF", 2},
			{"off", false, "Success: Powered OFF", 2}, // not "Already OFF": nothing read it before
			{"on", false, "Success: Powered ON", 2},
			{"on", true, "Success: Powered ON", 2},
			{"reboot", true, "Success: Rebooted", 4},
			{"reboot", false, "Success: Rebooted", 4},
		} {
			t.Run(tc.api+"/"+string(tc.dialect)+"/"+s.action+" from "+map[bool]string{true: "on", false: "off"}[s.from], func(t *testing.T) {
				p, ip, port := httpPlug(t, plug.Config{Name: "plug1", Dialect: tc.dialect, InitialOn: s.from})
				r := run(t, nil, "action="+s.action, kv("ip", ip), kv("ipport", port), kv("apikey", testKey),
					kv("api_version", tc.api), "port=0", "power_wait=0", "stonith_status_sleep=0.1")
				require.Equal(t, 0, r.code, r.stderr)
				require.Contains(t, r.stdout, s.out)
				require.Equal(t, s.want, len(httpRequests(p, "GET", "PUT")), "requests answered by the plug")
				_, current := p.Relay(0)
				require.Equal(t, s.action != "off", current)
			})
		}
	}
}

// Several plugs: off switches each at once (two requests a plug). On reads them first, since a
// node with any plug on counts as on and on then switches none, as in fence-agents.
func TestSwitchRequestsSeveralPlugs(t *testing.T) {
	for _, alias := range []bool{false, true} {
		name := map[bool]string{false: "two plugs", true: "one alias of two"}[alias]
		t.Run(name, func(t *testing.T) {
			farm, port := plugFarm(t, true, false)
			both := plug.FarmIP(0) + "," + plug.FarmIP(1)
			args := []string{kv("apikey", testKey), kv("ipport", port), "power_wait=0", "stonith_status_sleep=0.1", "port=" + both}
			if alias {
				args = append(args[:4], "port=node2", "plugs=node2="+both)
			}
			counts := func() []int {
				return []int{len(httpRequests(farm.Plug(0), "GET", "PUT")), len(httpRequests(farm.Plug(1), "GET", "PUT"))}
			}

			r := run(t, nil, append(args, "action=on")...)
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stdout, "Success: Already ON")
			require.Equal(t, []int{1, 1}, counts(), "on reads, and switches nothing")
			require.False(t, farm.Plug(1).Powered(0))

			expectOff(t, run(t, nil, append(args, "action=off")...))
			require.Equal(t, []int{3, 3}, counts(), "off: a switch and a confirming read each")
			require.False(t, farm.Plug(0).Powered(0))

			r = run(t, nil, append(args, "action=on")...)
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stdout, "Success: Powered ON")
			require.Equal(t, []int{6, 6}, counts(), "on: a read, a switch and a confirming read each")
			require.True(t, farm.Plug(1).Powered(0))
		})
	}
}
