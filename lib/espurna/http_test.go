package espurna

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio/httpio"
	"github.com/isard-vdi/flock-agents/simulator/plug"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testKey = "k3y-auto"

// emulated starts a plug of the given firmware and returns it with a client of the dialect.
func emulated(t *testing.T, fw plug.Dialect, on bool, d Dialect) (*plug.Plug, *HTTP) {
	t.Helper()
	p := plug.New(plug.Config{Name: "p", Dialect: fw, APIKey: testKey, InitialOn: on, FloodChanges: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, p.Start(ln))
	t.Cleanup(p.Close)
	port := ln.Addr().(*net.TCPAddr).Port
	return p, &HTTP{Client: httpio.New(), Scheme: "http", Port: port, APIKey: testKey, Dialect: d, Timeout: 5 * time.Second}
}

func requests(p *plug.Plug) []plug.Event {
	var out []plug.Event
	for _, e := range p.Timeline() {
		if e.Kind == plug.EvHTTP {
			out = append(out, e)
		}
	}
	return out
}

// TestAutoRoundTrips counts the requests api_version=auto costs on the emulated firmware: a read
// is one request on 1.14 and on 1.15-dev alike (no probe), it switches nothing, and a switch is
// one PUT; the key travels in the header and the form body, never in the URL.
func TestAutoRoundTrips(t *testing.T) {
	for _, fw := range []plug.Dialect{plug.V2, plug.Rest} {
		for _, on := range []bool{true, false} {
			t.Run(string(fw)+"/"+onOff(on), func(t *testing.T) {
				p, h := emulated(t, fw, on, Auto)
				ctx, pl := context.Background(), Plug{Host: "127.0.0.1"}

				got, err := h.Relay(ctx, pl)
				require.NoError(t, err)
				assert.Equal(t, on, got)
				read := requests(p)
				require.Len(t, read, 1, "requests of one status read")
				assert.Equal(t, "PUT", read[0].Method)
				assert.Equal(t, "body,header", sortedKeyIn(read[0].KeyIn))
				for _, e := range p.Timeline() {
					assert.NotEqual(t, plug.EvTarget, e.Kind, "the read switched the relay: %s", e)
				}
				target, _ := p.Relay(0)
				assert.Equal(t, on, target)

				require.NoError(t, h.SetRelay(ctx, pl, !on))
				put := requests(p)[1:]
				require.Len(t, put, 1, "a switch is one request")
				assert.Equal(t, "PUT", put[0].Method)
				assert.Equal(t, "body,header", sortedKeyIn(put[0].KeyIn))
				target, _ = p.Relay(0)
				assert.Equal(t, !on, target, "the PUT switched the relay")
			})
		}
	}
}

// TestNoAnswerReadsOff: on a plug that is off (where a misread as off would pass unseen), every
// answer that is not a relay state, on both firmwares, is an error: a body that is no state, an
// empty 200 or a 204, a refusal, a reset, a plug that never answers, and a dialect the firmware
// does not speak.
func TestNoAnswerReadsOff(t *testing.T) {
	for _, fw := range []plug.Dialect{plug.V2, plug.Rest} {
		for _, tc := range []struct {
			name  string
			fault plug.Fault
			d     Dialect
			why   string
		}{
			{"malformed", plug.Fault{Malformed: true}, Auto, `unexpected answer "garbage"`},
			{"empty 200", plug.Fault{HTTPStatus: 200}, Auto, `unexpected answer ""`},
			{"204", plug.Fault{HTTPStatus: 204}, Auto, "unexpected HTTP 204"},
			{"403", plug.Fault{HTTPStatus: 403}, Auto, "HTTP 403"},
			{"404", plug.Fault{HTTPStatus: 404}, Auto, "HTTP 404"},
			{"500", plug.Fault{HTTPStatus: 500}, Auto, "HTTP 500"},
			{"reset", plug.Fault{Reset: true}, Auto, "reset"},
			{"hang", plug.Fault{Hang: true}, Auto, "deadline"},
			{"malformed, pinned", plug.Fault{Malformed: true}, map[plug.Dialect]Dialect{plug.V2: V2, plug.Rest: Rest}[fw], `unexpected answer "garbage"`},
		} {
			t.Run(string(fw)+"/"+tc.name, func(t *testing.T) {
				p, h := emulated(t, fw, false, tc.d)
				h.Timeout = 300 * time.Millisecond
				p.SetFault(tc.fault)
				got, err := h.Relay(context.Background(), Plug{Host: "127.0.0.1"})
				require.Error(t, err, "answered %v", got)
				assert.Contains(t, err.Error(), tc.why)
			})
		}
	}
	t.Run("v2 spoken to 1.14", func(t *testing.T) {
		_, h := emulated(t, plug.Rest, false, V2)
		_, err := h.Relay(context.Background(), Plug{Host: "127.0.0.1"})
		require.Error(t, err, "1.14 reads no Api-Key header: its 403 is no state")
		assert.Contains(t, err.Error(), "HTTP 403")
	})
}

func sortedKeyIn(s string) string {
	f := strings.Split(s, ",")
	if len(f) == 2 && f[0] > f[1] {
		f[0], f[1] = f[1], f[0]
	}
	return strings.Join(f, ",")
}
