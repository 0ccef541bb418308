package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lab/ocftest"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetaDataGolden: the contract in metadata/ is what the agent prints (make metadata
// rewrites it); metadata/metadata_test.go validates it against the OCF 1.1 and pcs schemas.
func TestMetaDataGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "metadata", "nfs.xml"))
	require.NoError(t, err)
	cmd := exec.Command(agentPath(t), "meta-data")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	got, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run make metadata and commit")
}

// TestTapes replays every recorded and derived tape in-process: the agent must ask the world
// exactly what the tape holds and end as the recording did.
func TestTapes(t *testing.T) {
	ocftest.ReplayTapes(t, agent, "nfs")
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
