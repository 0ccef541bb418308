package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/fence"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/require"
)

// The tape corpus replayed in-process: the same verdicts as `make replay` gets from the binary,
// without a process per tape.
func corpus(tb testing.TB) map[string]*tape.Tape {
	paths, err := filepath.Glob("../simulator/tapes/fence_espurna/*.tape")
	require.NoError(tb, err)
	require.NotEmpty(tb, paths, "the fence_espurna corpus is empty")
	out := map[string]*tape.Tape{}
	for _, p := range paths {
		out[p], err = tape.Load(p)
		require.NoError(tb, err, p)
	}
	return out
}

func replayInProcess(t *tape.Tape) tape.Verdict {
	p, verdict := tape.Replay(t)
	return verdict(fence.Run(agent, p))
}

func TestCorpusInProcess(t *testing.T) {
	for path, tp := range corpus(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".tape"), func(t *testing.T) {
			v := replayInProcess(tp)
			require.True(t, v.Passed(), "%s: %v", path, v.Divergences)
		})
	}
}

// BenchmarkCorpusInProcess: one op is the whole corpus; ns/tape is per tape.
// simulator's BenchmarkCorpusBinaries is the same through the binaries.
func BenchmarkCorpusInProcess(b *testing.B) {
	tapes := corpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for path, tp := range tapes {
			if v := replayInProcess(tp); !v.Passed() {
				b.Fatalf("%s: %v", path, v.Divergences)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tapes)), "ns/tape")
}
