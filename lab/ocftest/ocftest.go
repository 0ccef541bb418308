// Package ocftest is what the tests of our OCF agents share: the agent built as a binary and
// linked into the OCF tree, so crm_resource, pcs and ocf-tester run it as Pacemaker does;
// running those tools; and replaying an agent's tape corpus in-process.
package ocftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/lib/sysio/tape"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	once sync.Once
	dir  string
	err  error
)

// Binary returns the package under test (the test's working directory) built once as the
// agent typ, in a world-readable directory of its own: the real process protocol — argv,
// environment, exit status, stderr — as Pacemaker, crm_resource and pcs see it.
func Binary(t testing.TB, typ string) string {
	t.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "ocf-"+typ+"-"); err != nil {
			return
		}
		if err = os.Chmod(dir, 0o755); err != nil {
			return
		}
		if out, berr := exec.Command("go", "build", "-o", filepath.Join(dir, typ), ".").CombinedOutput(); berr != nil {
			err = fmt.Errorf("go build: %v: %s", berr, out)
		}
	})
	if err != nil {
		t.Fatalf("preparing the agent binary: %v", err)
	}
	return filepath.Join(dir, typ)
}

// Cleanup removes the binary; call it from TestMain after m.Run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// Install links the agent where Pacemaker looks for OCF agents, under a provider of its own
// so nothing of a real installation is touched, and returns that provider. A link: Pacemaker
// runs it as the file it points to, which is world-readable.
func Install(t *testing.T, typ string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: installs into /usr/lib/ocf/resource.d")
	}
	const root = "/usr/lib/ocf/resource.d"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no OCF root at " + root + " (make deps installs Pacemaker)")
	}
	provider := fmt.Sprintf("flocktest%s%d", typ, os.Getpid())
	d := filepath.Join(root, provider)
	require.NoError(t, os.MkdirAll(d, 0o755))
	t.Cleanup(func() { os.RemoveAll(d) })
	require.NoError(t, os.Symlink(Binary(t, typ), filepath.Join(d, typ)))
	return provider
}

// Tool runs an installed program (crm_resource, pcs, cibadmin) with a minimal environment and
// returns its combined output and exit code; a program that is not installed skips the test.
func Tool(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (make deps)", name)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	require.NoError(t, err)
	return string(out), 0
}

// ReplayTapes replays every tape of simulator/tapes/<typ> in-process: the agent must ask the
// world exactly what the tape holds and end as the recording did.
func ReplayTapes(t *testing.T, a *ocf.Agent, typ string) {
	paths, err := filepath.Glob(filepath.Join("..", "simulator", "tapes", typ, "*.tape"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no tapes in simulator/tapes/%s: lab/kernel/record-%s-tapes.sh records them", typ, typ)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tp, err := tape.Load(path)
			require.NoError(t, err)
			p, finish := tape.Replay(tp)
			v := finish(ocf.Run(a, p))
			assert.True(t, v.Passed(), "%s\nstderr:\n%s", v, v.Stderr)
		})
	}
}
