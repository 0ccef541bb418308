// Command nfs is the OCF resource agent ocf:flock:nfs: the kernel NFS server, its daemons, its
// state and its exports as one resource that fails over, installed as
// /usr/lib/ocf/resource.d/flock/nfs.
package main

import (
	"os"

	"github.com/isard-vdi/flock-agents/agents/ocf"
)

func main() { os.Exit(ocf.Main(agent)) }
