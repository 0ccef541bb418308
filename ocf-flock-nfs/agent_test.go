package main

import (
	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetaDataGolden: the contract in metadata/ is what the agent prints.
func TestMetaDataGolden(t *testing.T) { ocftest.Golden(t, agentPath(t), "nfs") }

// TestTapes replays every recorded and derived tape in-process: the agent must ask the world
// exactly what the tape holds and end as the recording did.
func TestTapes(t *testing.T) {
	ocftest.ReplayTapes(t, "nfs", func(p *sysio.Proc) int { return ocf.Run(agent, p) })
}

// TestMonitorForksNothing: a depth-0 monitor of a running server only reads files; at
// depth 10 it dials, and still forks nothing.
func TestMonitorForksNothing(t *testing.T) {
	for _, name := range []string{"monitor", "monitor-depth10", "probe-clean-node", "monitor-stopped"} {
		tp, err := tape.Load(filepath.Join("..", "simulator", "tapes", "nfs", name+".tape"))
		require.NoError(t, err)
		kinds := map[string]bool{}
		for _, e := range tp.Exchanges {
			kinds[e.Kind()] = true
		}
		assert.False(t, kinds["exec"], "%s runs a program", name)
		assert.Equal(t, strings.HasSuffix(name, "depth10"), kinds["dial"], "%s: dials only at depth 10", name)
	}
}
