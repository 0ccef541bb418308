// Command fence_espurna fences cluster nodes by switching off the ESPurna smart plugs (Teckin
// SP22 and friends) that feed them, over the plugs' HTTP API or over MQTT.
package main

import (
	"os"

	"github.com/isard-vdi/flock-agents/agents/fence"
)

// version is stamped by the Makefile.
var version = "dev"

func main() {
	agent.Version = version
	os.Exit(fence.Main(agent))
}
