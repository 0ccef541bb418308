package main

import (
	"context"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/espurna"
	"github.com/stretchr/testify/require"
)

// A panic while serving one host becomes an error of that host's plugs, never exit 2 ("off").
func TestByHostPanicIsThatHostsError(t *testing.T) {
	plugs := []espurna.Plug{{Host: "a"}, {Host: "b"}, {Host: "b", Relay: 1}}
	errs := byHost(plugs, func(_ int, p espurna.Plug) {
		if p.Host == "b" {
			panic("device bug")
		}
	})
	require.NoError(t, errs[0])
	require.ErrorContains(t, errs[1], "device bug")
	require.ErrorContains(t, errs[2], "device bug")
}

// Through the device: a panicking host reads unknown with the panic as its reason.
func TestRelaysPanicIsUnknown(t *testing.T) {
	d := &device{http: &espurna.HTTP{}} // no client: the request panics on a nil interface
	st, errs := d.relays(context.Background(), []espurna.Plug{{Host: "127.0.0.1"}})
	require.Equal(t, fence.Unknown, st[0])
	require.ErrorContains(t, errs[0], "panic")
}
