package main

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/require"
)

// fence-agents' power-on-off scenario (tests/actions.d/power-on-off.cfg) over every dialect.
func TestScenarioEveryDialect(t *testing.T) {
	for _, tc := range []struct {
		dialect plug.Dialect
		api     string
	}{{plug.Legacy, "legacy"}, {plug.Rest, "auto"}, {plug.Rest, "rest"}, {plug.V2, "auto"}, {plug.V2, "v2"}} {
		t.Run(string(tc.dialect)+"/"+tc.api, func(t *testing.T) {
			p, ip, port := httpPlug(t, plug.Config{Name: "plug1", Dialect: tc.dialect, LoadWatts: 80})
			args := []string{kv("ip", ip), kv("ipport", port), kv("apikey", testKey), kv("api_version", tc.api),
				"port=0", "power_wait=0", "stonith_status_sleep=0.1"}
			step := func(action string, code int, out string) {
				r := run(t, nil, append(args, "action="+action)...)
				require.Equal(t, code, r.code, "%s: %s", action, r.stderr)
				require.Contains(t, r.stdout, out)
			}
			step("on", 0, "Success: Powered ON")
			step("status", 0, "Status: ON")
			step("off", 0, "Success: Powered OFF")
			_, current := p.Relay(0)
			require.False(t, current, "the relay must really be off")
			step("status", 2, "Status: OFF")
			step("reboot", 0, "Success: Rebooted")
			_, current = p.Relay(0)
			require.True(t, current)
			for _, ev := range p.Timeline() {
				if ev.Kind == plug.EvHTTP && tc.dialect == plug.V2 {
					require.NotContains(t, ev.KeyIn, "query", "1.15-dev takes the key in a header: it never belongs in a URL")
				}
			}
		})
	}
}

// The fault matrix: no fault may produce a success for a node that is not off, and each fails
// with its own message.
func TestHTTPFaultMatrix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault plug.Fault
		extra []string
		why   string
	}{
		{"403", plug.Fault{HTTPStatus: 403}, nil, "refused the API key (HTTP 403)"},
		{"404", plug.Fault{HTTPStatus: 404}, nil, "HTTP 404"},
		{"405", plug.Fault{HTTPStatus: 405}, []string{"api_version=rest"}, "HTTP 405"},
		{"406", plug.Fault{HTTPStatus: 406}, []string{"api_version=v2"}, "HTTP 406"},
		{"500", plug.Fault{HTTPStatus: 500}, []string{"api_version=rest"}, "HTTP 500"},
		{"hang", plug.Fault{Hang: true}, []string{"shell_timeout=0.5"}, "no answer within 500ms (timeout)"},
		{"reset", plug.Fault{Reset: true}, nil, "closed the connection (reset)"},
		{"malformed", plug.Fault{Malformed: true}, nil, `unexpected answer "garbage"`},
		{"locked", plug.Fault{Locked: true}, nil, "refused to switch OFF"},
		{"offline (reset or refused, both are right)", plug.Fault{Offline: true}, nil, "plug 0: 127.0.0.1:0: "},
		{"stuck relay, meter sees the load", plug.Fault{Stuck: true}, []string{"power_off_threshold=5", "power_timeout=1"}, "meter still reads 80.0 W"},
		{"power still drawn", plug.Fault{PowerStuck: true}, []string{"power_off_threshold=5", "power_timeout=1"}, "meter still reads 80.0 W (threshold 5 W) after 1s: the report may predate the cut"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true, LoadWatts: 80})
			p.SetFault(tc.fault)
			args := append([]string{"action=off", kv("ip", ip), kv("ipport", port), kv("apikey", testKey),
				"port=0", "power_wait=0", "stonith_status_sleep=0.1"}, tc.extra...)
			expectFailed(t, run(t, nil, args...), tc.why)
			// A switch answered with garbage may have landed: its answer is no evidence either way.
			if !tc.fault.PowerStuck && !tc.fault.Offline && !tc.fault.Malformed {
				require.True(t, p.Powered(0), "the node is still powered: failure was the only right answer")
			}
		})
	}
}

func TestPlugGone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln.Close() // nothing listens there now
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	expectFailed(t, run(t, nil, "action=off", "ip=127.0.0.1", kv("ipport", port), kv("apikey", testKey), "port=0"), "connection refused")
}

// A relay held back by delays or flood protection reads off (target) before it is off; the power
// meter makes the agent wait for the real change.
func TestDelayedRelayWaitsForTheMeter(t *testing.T) {
	p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true, LoadWatts: 80, OffDelay: 1500 * time.Millisecond})
	r := run(t, nil, "action=off", kv("ip", ip), kv("ipport", port), kv("apikey", testKey), "port=0",
		"power_wait=0", "stonith_status_sleep=0.1", "power_off_threshold=5", "power_timeout=10")
	expectOff(t, r)
	require.False(t, p.Powered(0), "success was reported while the load was still powered")
}

// A dual-PSU node: both plugs switched and both confirmed; one stuck plug fails the fence.
func TestDualPSU(t *testing.T) {
	port, err := plug.FreePort(plug.FarmIP(0), plug.FarmIP(1))
	require.NoError(t, err)
	farm, err := plug.NewFarm(2, port, func(i int) plug.Config {
		return plug.Config{Name: fmt.Sprintf("psu%d", i), APIKey: testKey, InitialOn: true, LoadWatts: 40}
	})
	require.NoError(t, err)
	defer farm.Close()
	pair := plug.FarmIP(0) + "," + plug.FarmIP(1)
	args := []string{kv("ipport", port), kv("apikey", testKey), "power_wait=0", "stonith_status_sleep=0.1", "power_timeout=1"}

	expectOff(t, run(t, nil, append(args, "action=off", "port="+pair)...))
	for _, p := range farm.Plugs() {
		require.False(t, p.Powered(0))
	}

	require.Equal(t, 0, run(t, nil, append(args, "action=on", "port="+pair)...).code)
	farm.Plug(1).SetFault(plug.Fault{Locked: true})
	expectFailed(t, run(t, nil, append(args, "action=off", "port="+pair)...), plug.FarmIP(1))
	require.True(t, farm.Plug(1).Powered(0))
}

// fence-agents' delay-check: the delay comes before any device I/O, even with a bogus device.
func TestDelayBeforeAnyIO(t *testing.T) {
	p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true})
	start := time.Now()
	r := run(t, nil, "action=off", "delay=1", kv("ip", ip), kv("ipport", port), kv("apikey", testKey), "port=0", "power_wait=0")
	expectOff(t, r)
	first := p.Timeline()[0]
	for _, ev := range p.Timeline() {
		if ev.Kind == plug.EvHTTP {
			first = ev
			break
		}
	}
	require.GreaterOrEqual(t, first.Time.Sub(start), time.Second, "the plug was asked something before the delay was over")
}

func TestTLS(t *testing.T) {
	cert, key, err := plug.SelfSignedCert("127.0.0.1")
	require.NoError(t, err)
	p := plug.New(plug.Config{Name: "plug1", APIKey: testKey, InitialOn: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go p.ServeTLS(ln, cert, key)
	defer p.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	args := []string{"action=off", "ip=127.0.0.1", kv("ipport", port), kv("apikey", testKey), "port=0", "power_wait=0", "ssl=1"}
	expectFailed(t, run(t, nil, args...), "TLS failed")
	require.True(t, p.Powered(0))
	expectOff(t, run(t, nil, append(args, "ssl_insecure=1")...))
}

// With api_version=auto on both firmwares, a plug that is off but answers anything other than
// its state is never reported off: status fails (exit 1, never 2) and off is not a success.
func TestAutoNeverReadsOffFromABadAnswer(t *testing.T) {
	for _, fw := range []plug.Dialect{plug.Rest, plug.V2} {
		for _, tc := range []struct {
			name  string
			fault plug.Fault
			why   string
		}{
			{"malformed", plug.Fault{Malformed: true}, `unexpected answer "garbage"`},
			{"empty 200", plug.Fault{HTTPStatus: 200}, `unexpected answer ""`},
			{"204", plug.Fault{HTTPStatus: 204}, "unexpected HTTP 204"},
			{"404", plug.Fault{HTTPStatus: 404}, "HTTP 404"},
			{"reset", plug.Fault{Reset: true}, "closed the connection (reset)"},
		} {
			t.Run(string(fw)+"/"+tc.name, func(t *testing.T) {
				p, ip, port := httpPlug(t, plug.Config{Name: "plug1", Dialect: fw})
				p.SetFault(tc.fault)
				args := []string{kv("ip", ip), kv("ipport", port), kv("apikey", testKey), "api_version=auto",
					"port=0", "power_wait=0", "stonith_status_sleep=0.1", "power_timeout=0.5"}
				r := run(t, nil, append(args, "action=status")...)
				require.Equal(t, 1, r.code, "stdout: %s stderr: %s", r.stdout, r.stderr)
				require.NotContains(t, r.stdout, "OFF")
				require.Contains(t, r.stderr, tc.why)
				expectFailed(t, run(t, nil, append(args, "action=off")...), tc.why)
			})
		}
	}
}

// A reboot with power_wait=0 cut the load for one round trip, which a power supply's hold-up
// rides through; and when the plug's flood protection postponed the off (someone flapped the
// relay just before), the on cancelled it and the load was never cut at all, while the agent
// said "Rebooted". The load now stays unpowered at least a second in both cases.
func TestRebootCutsThePowerASecond(t *testing.T) {
	for name, flaps := range map[string]int{"quiet": 0, "flood window": 4} {
		t.Run(name, func(t *testing.T) {
			p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true})
			for i := range flaps {
				p.SetRelay(0, i%2 == 1) // off, on, off, on: the agent's off is the fifth change
			}
			before := len(p.Timeline())
			r := run(t, nil, "action=reboot", kv("ip", ip), kv("ipport", port), kv("apikey", testKey), "port=0",
				"power_wait=0", "stonith_status_sleep=0.1")
			require.Equal(t, 0, r.code, r.stderr)
			require.Equal(t, "Success: Rebooted\n", r.stdout)
			var off, on time.Time
			for _, ev := range p.Timeline()[before:] {
				switch {
				case ev.Kind == plug.EvPower && !ev.On && off.IsZero():
					off = ev.Time
				case ev.Kind == plug.EvPower && ev.On && !off.IsZero():
					on = ev.Time
				}
			}
			require.False(t, off.IsZero() || on.IsZero(), "the load was not cut then fed: %v", p.Timeline()[before:])
			require.GreaterOrEqual(t, on.Sub(off), time.Second, "the load was unpowered only %v", on.Sub(off))
		})
	}
}

// Over HTTP the plug answers its relay's target: an off the flood protection postponed (the
// fifth change within its window) reads off while the load still has power. status and
// list-status print off only once the window has passed and the load is really cut.
func TestStatusPrintsOnlyAnOffThatHappened(t *testing.T) {
	for action, which := range map[string]string{"status": "port=0", "list-status": "plugs=node1=127.0.0.1"} {
		t.Run(action, func(t *testing.T) {
			p, ip, port := httpPlug(t, plug.Config{Name: "plug1", InitialOn: true})
			for i := range 4 {
				p.SetRelay(0, i%2 == 1) // off, on, off, on
			}
			p.SetRelay(0, false) // the fifth change: postponed to the end of the window
			target, current := p.Relay(0)
			require.True(t, !target && current, "the emulator did not postpone the off")
			r := run(t, nil, "action="+action, kv("ip", ip), kv("ipport", port), kv("apikey", testKey), which)
			powered := p.Powered(0)
			require.Contains(t, r.stdout, "OFF", "the off happened during the run: %s %s", r.stdout, r.stderr)
			require.False(t, powered, "%s printed %q while the load had power", action, r.stdout)
		})
	}
}
