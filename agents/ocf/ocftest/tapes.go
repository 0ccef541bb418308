package ocftest

import (
	"path/filepath"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
)

// ReplayTapes replays every tape of simulator/tapes/<typ> in-process through run (the agent's
// ocf.Run; a function, so that agents/ocf's own tests can use this package): the agent must
// ask the world exactly what each tape holds and end as the recording did.
func ReplayTapes(t *testing.T, typ string, run func(*sysio.Proc) int) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "simulator", "tapes", typ, "*.tape"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no tapes in simulator/tapes/%s (%v): lab/kernel/record-%s-tapes.sh records them", typ, err, typ)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tp, err := tape.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			p, finish := tape.Replay(tp)
			if v := finish(run(p)); !v.Passed() {
				t.Errorf("%s\nstderr:\n%s", v, v.Stderr)
			}
		})
	}
}
