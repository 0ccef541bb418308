package plug

import (
	"testing"
	"time"
)

// TestLatency: every HTTP answer waits the configured latency (a lower bound only, which a
// loaded machine cannot break).
func TestLatency(t *testing.T) {
	const lat = 150 * time.Millisecond
	_, base := servePlug(t, Config{APIKey: "k", Latency: lat})
	for range 2 {
		t0 := time.Now()
		if r := do(t, "GET", base+"/api/relay/0?apikey=k", nil, nil); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		if d := time.Since(t0); d < lat {
			t.Fatalf("answered after %v, before the %v latency", d, lat)
		}
	}
}
