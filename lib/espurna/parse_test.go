package espurna

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A body that is not a relay state is an error, never a state (HTTP reads and MQTT alike; the
// last is 1.15-dev's JSON answer on /api/relay, all relays and no per-relay key).
func TestParseRelayRefusesGarbage(t *testing.T) {
	for _, body := range []string{"garbage", "", "2", "00", "on", `{"relay/1":0}`, `{"relay/0":"x"}`, `{"relayStatus":[0]}`, "0 1"} {
		_, err := ParseRelay([]byte(body), 0)
		require.Error(t, err, "%q", body)
	}
	v, err := ParseRelay([]byte(" 0\n"), 0)
	require.NoError(t, err)
	require.False(t, v)
}

// host-offset addressing: plug N is ip+N within the subnet; a huge N must not wrap around to
// another node's plug.
func TestHostOffsetStaysInTheSubnet(t *testing.T) {
	p, err := ParsePlug("154", "10.0.0.100", true)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.254", p.Host)
	for _, n := range []string{"155", "9223372036854775807", "4294967296"} {
		p, err := ParsePlug(n, "10.0.0.100", true)
		require.Error(t, err, "plug %s resolved to %v", n, p)
	}
}
