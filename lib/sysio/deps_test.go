package sysio_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Pacemaker starts our agents thousands of times a day, and every package a binary links runs
// its initialisers at each start. These stay out of the agents (issue 16, start-up at the
// floor): regexp (its syntax tables and the unicode maps it keeps alive; the tape and lib/nfs
// match by hand), etree and encoding/xml (agents/metaxml writes meta-data), and the network
// clients an agent does not speak (lib/sysio/httpio, lib/sysio/mqttio).
func TestAgentsLinkOnlyWhatTheySpeak(t *testing.T) {
	never := []string{"regexp", "github.com/beevik/etree", "encoding/xml", "text/template"}
	noNet := append([]string{"net/http", "crypto/tls", "crypto/x509", "github.com/eclipse/paho.mqtt.golang"}, never...)
	for dir, banned := range map[string][]string{
		"fence-espurna":  never,
		"ocf-isard":      append([]string{"github.com/eclipse/paho.mqtt.golang"}, never...),
		"ocf-writeboost": noNet,
		"ocf-flock-nfs":  noNet,
	} {
		out, err := exec.Command("go", "list", "-deps", "./"+filepath.Join("../..", dir)).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", dir, err)
		}
		deps := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			deps[p] = true
		}
		if !deps["github.com/isard-vdi/flock-agents/lib/sysio"] {
			t.Fatalf("%s: go list found no lib/sysio among %d packages", dir, len(deps))
		}
		for _, p := range banned {
			if deps[p] {
				t.Errorf("%s links %s, whose initialisers run at every start", dir, p)
			}
		}
	}
}
