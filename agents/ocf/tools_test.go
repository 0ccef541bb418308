package ocf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// need skips the test unless the tool is installed.
func need(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed", tool)
	}
	return path
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// TestOCFTester runs resource-agents' ocf-tester against the example agent. Our OCF 1.1
// meta-data cannot pass its ra-api-1.dtd check (see the package documentation), which it counts
// as one failed test: that must be the only one. A copy of ocf-tester whose meta-data lint is
// the OCF 1.1 RNG must then pass outright.
func TestOCFTester(t *testing.T) {
	tester := need(t, "ocf-tester")
	need(t, "xmllint")
	agent := filepath.Join(agentDir(t), "example")
	args := []string{"-v", "-n", "tester1", "-o", "state=" + filepath.Join(stateDir(t), "s"), "-o", "password=s3cret-value", agent}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none"}

	cmd := exec.Command(tester, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	failures := regexp.MustCompile(`(?m)^\* rc=\d+: .*$`).FindAllString(string(out), -1)
	if assert.Len(t, failures, 1, "%s", out) {
		assert.Contains(t, failures[0], "Your agent produces meta-data which does not conform to ra-api-1.dtd")
	}
	assert.Contains(t, string(out), "failed 1 tests")
	assert.Error(t, err)
	assert.NotContains(t, string(out), "s3cret-value")

	script, err := os.ReadFile(tester)
	require.NoError(t, err)
	lint := `METADATA_LINT="xmllint --noout --valid -"`
	require.Contains(t, string(script), lint, "ocf-tester changed: revisit this test")
	rng, err := filepath.Abs(filepath.Join("testdata", "ra-api-1.1.rng"))
	require.NoError(t, err)
	patched := filepath.Join(t.TempDir(), "ocf-tester-1.1")
	require.NoError(t, os.WriteFile(patched, []byte(strings.Replace(string(script), lint,
		fmt.Sprintf(`METADATA_LINT="xmllint --noout --relaxng %s -"`, rng), 1)), 0o755))
	cmd = exec.Command(patched, args...)
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), agent+" passed all tests")
}

// TestUnprivileged: meta-data and validate-all at depth 0 run as nobody (ocf-tester, and
// Pacemaker's controller as hacluster) with unwritable log and trace destinations.
func TestUnprivileged(t *testing.T) {
	needRoot(t)
	setpriv := need(t, "setpriv")
	forbidden := t.TempDir() // 0700, root's
	env := append(append([]string{"OCF_RESOURCE_TYPE=example"}, pacemakerEnv...),
		"HA_LOGFILE="+filepath.Join(forbidden, "ha.log"), "HA_DEBUGLOG="+filepath.Join(forbidden, "debug.log"),
		"HA_VARLIB="+forbidden, "OCF_TRACE_RA=1", "OCF_RESKEY_state=/nonexistent/s", "OCF_RESKEY_count=4")
	for _, action := range []string{"meta-data", "validate-all"} {
		cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			filepath.Join(agentDir(t), "example"), action)
		cmd.Env = env
		out, err := cmd.Output()
		assert.NoError(t, err, "%s as nobody", action)
		if action == "meta-data" {
			assert.Contains(t, string(out), `<resource-agent name="example"`)
		}
	}
	ents, err := os.ReadDir(forbidden)
	require.NoError(t, err)
	assert.Empty(t, ents, "nobody could not have written there")
}

// TestCrmResource installs the agent where Pacemaker looks (its compiled OCF root) and asks
// crm_resource for its meta-data and to validate parameters, as pcs does.
func TestCrmResource(t *testing.T) {
	needRoot(t)
	crm := need(t, "crm_resource")
	const root = "/usr/lib/ocf/resource.d"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no OCF root at " + root)
	}
	provider := filepath.Join(root, "flock-test")
	name := fmt.Sprintf("example-%d", os.Getpid())
	if err := os.Mkdir(provider, 0o755); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	installed := filepath.Join(provider, name)
	require.NoError(t, copyFile(filepath.Join(agentDir(t), "example"), installed))
	t.Cleanup(func() {
		os.Remove(installed)
		os.Remove(provider) // only if empty: another test may be using it
	})

	run := func(args ...string) (string, int) {
		cmd := exec.Command(crm, args...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		require.NoError(t, err)
		return string(out), 0
	}
	out, code := run("--show-metadata", "ocf:flock-test:"+name)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "<version>1.1</version>")

	base := []string{"--validate", "--class", "ocf", "--provider", "flock-test", "--agent", name, "--option", "state=/nonexistent/s"}
	out, code = run(base...)
	assert.Equal(t, 0, code, out)
	out, code = run(append(base, "--option", "count=abc")...)
	assert.Equal(t, 6, code, out)
	assert.Contains(t, out, `ocf-exit-reason:parameter count: "abc" is not an integer`)
	out, code = run(append(base, "--option", "mode=args")...)
	assert.NotEqual(t, 0, code, out)
	assert.Contains(t, out, "mode args is invalid on this node")
}
