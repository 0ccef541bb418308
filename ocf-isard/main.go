// Command isard is the OCF resource agent ocf:flock:isard: IsardVDI's docker compose stack as
// one Pacemaker resource, installed as /usr/lib/ocf/resource.d/flock/isard.
package main

import (
	"os"

	"github.com/isard-vdi/flock-agents/agents/ocf"
)

func main() { os.Exit(ocf.Main(agent)) }
