// Command writeboost is the OCF resource agent ocf:flock:writeboost: a dm-writeboost write
// cache under Pacemaker, installed as /usr/lib/ocf/resource.d/flock/writeboost.
package main

import (
	"os"

	"github.com/isard-vdi/flock-agents/agents/ocf"
)

func main() { os.Exit(ocf.Main(agent)) }
