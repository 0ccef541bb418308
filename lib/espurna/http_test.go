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

// TestAutoRoundTrips counts the requests api_version=auto costs, on the emulated firmware: the
// probe's answer is the read on 1.15-dev (one request, the key never in a URL) and a 403 before
// it (two); a switch on a plug not yet probed is one PUT every firmware from 1.13.3 reads,
// with the key in the header and the form body, never in the URL.
func TestAutoRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		dialect plug.Dialect
		reads   int
	}{{plug.V2, 1}, {plug.Rest, 2}} {
		t.Run(string(tc.dialect), func(t *testing.T) {
			p := plug.New(plug.Config{Name: "p", Dialect: tc.dialect, APIKey: "k3y-auto", InitialOn: true, FloodChanges: -1})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			require.NoError(t, p.Start(ln))
			defer p.Close()
			port := ln.Addr().(*net.TCPAddr).Port
			client := func() *HTTP {
				return &HTTP{Client: httpio.New(), Scheme: "http", Port: port, APIKey: "k3y-auto", Dialect: Auto, Timeout: 5 * time.Second}
			}
			ctx, pl := context.Background(), Plug{Host: "127.0.0.1"}
			requests := func() []plug.Event {
				var out []plug.Event
				for _, e := range p.Timeline() {
					if e.Kind == plug.EvHTTP {
						out = append(out, e)
					}
				}
				return out
			}

			on, err := client().Relay(ctx, pl)
			require.NoError(t, err)
			assert.True(t, on)
			assert.Len(t, requests(), tc.reads, "requests of one status read")
			if tc.dialect == plug.V2 {
				for _, e := range requests() {
					assert.NotContains(t, e.KeyIn, "query", "1.15-dev takes the key in a header: it never belongs in a URL")
				}
			}

			before := len(requests())
			require.NoError(t, client().SetRelay(ctx, pl, false))
			put := requests()[before:]
			require.Len(t, put, 1, "a switch before any read is one request")
			assert.Equal(t, "PUT", put[0].Method)
			assert.Equal(t, "body,header", sortedKeyIn(put[0].KeyIn))
			target, _ := p.Relay(0)
			assert.False(t, target, "the PUT switched the relay")
		})
	}
}

func sortedKeyIn(s string) string {
	f := strings.Split(s, ",")
	if len(f) == 2 && f[0] > f[1] {
		f[0], f[1] = f[1], f[0]
	}
	return strings.Join(f, ",")
}
