package main

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

// installed puts the agent where Pacemaker looks for OCF agents, under a provider of its own
// so nothing of a real installation is touched, and returns that provider.
func installed(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: installs into /usr/lib/ocf/resource.d")
	}
	const root = "/usr/lib/ocf/resource.d"
	if _, err := os.Stat(root); err != nil {
		t.Skip("no OCF root at " + root + " (make deps installs Pacemaker)")
	}
	provider := fmt.Sprintf("flocktest%d", os.Getpid())
	dir := filepath.Join(root, provider)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Symlink(agentPath(t), filepath.Join(dir, "isard")))
	return provider
}

func tool(t *testing.T, name string, args ...string) (string, int) {
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

// TestCrmResourceValidate asks crm_resource to validate parameters, as pcs does on create.
func TestCrmResourceValidate(t *testing.T) {
	provider := installed(t)
	validate := func(opts ...string) (string, int) {
		args := []string{"--validate", "--class", "ocf", "--provider", provider, "--agent", "isard"}
		for _, o := range opts {
			args = append(args, "--option", o)
		}
		return tool(t, "crm_resource", args...)
	}
	out, code := validate("config_name=flock", "optional_services=isard-stats isard-grafana", "stop_grace=60s")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, strings.ToLower(out), "warning", out)
	out, code = validate("flavour=hypervisor")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, strings.ToLower(out), "warning", out)
	out, code = validate("project=Isard")
	assert.Equal(t, 6, code, out)
	assert.Contains(t, out, `ocf-exit-reason:parameter project: "Isard" is not a compose project name`)
}

// TestPcs: pcs reads the meta-data and creates the resource, plain and as a clone of the
// hypervisor flavour, with the agent's own validation, offline against a CIB file, with no
// warning.
func TestPcs(t *testing.T) {
	provider := installed(t)
	agent := "ocf:" + provider + ":isard"
	out, code := tool(t, "pcs", "resource", "describe", agent)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, agent+" - IsardVDI's docker compose stack")
	assert.Contains(t, out, "OCF_CHECK_LEVEL=10")
	assert.NotContains(t, strings.ToLower(out), "warning")

	cib := filepath.Join(t.TempDir(), "cib.xml")
	empty, code := tool(t, "cibadmin", "--empty")
	require.Equal(t, 0, code, empty)
	require.NoError(t, os.WriteFile(cib, []byte(empty), 0o644))
	pcs := func(args ...string) (string, int) { return tool(t, "pcs", append([]string{"-f", cib}, args...)...) }

	out, code = pcs("resource", "create", "isard", agent, "--agent-validation", "optional_services=isard-stats")
	assert.Equal(t, 0, code, out)
	assert.Empty(t, strings.TrimSpace(out), "no warning")
	out, code = pcs("resource", "create", "hypervisor", agent, "--agent-validation", "flavour=hypervisor", "clone", "interleave=true")
	assert.Equal(t, 0, code, out)
	assert.Empty(t, strings.TrimSpace(out), "no warning")
	out, code = pcs("resource", "config")
	require.Equal(t, 0, code, out)
	for _, s := range []string{"Resource: isard (class=ocf provider=" + provider + " type=isard)", "Clone: hypervisor-clone",
		"flavour=hypervisor", "start: isard-start-interval-0s", "timeout=300s", "OCF_CHECK_LEVEL=10"} {
		assert.Contains(t, out, s)
	}
	out, code = pcs("resource", "create", "bad", agent, "--agent-validation", "project_dir=src")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, `ocf-exit-reason:parameter project_dir: "src" is not a clean absolute path`)
}

// TestDockOcfTester runs resource-agents' ocf-tester through the whole sequence against the
// real daemon. Its OCF 1.0 DTD lint is the one failure allowed (agents/ocf's TestOCFTester says
// why); with the OCF 1.1 RNG as lint it must pass outright.
func TestDockOcfTester(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	tester, err := exec.LookPath("ocf-tester")
	if err != nil {
		t.Skip("ocf-tester not installed (make deps)")
	}
	args := []string{"-v", "-n", "isard", "-o", "project_dir=" + l.dir, "-o", "data_mount=" + l.data, "-o", "docker_socket=" + l.socket,
		"-o", "compose=docker-compose", "-o", "optional_services=isard-stats", agentPath(t)}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none", "HA_RSCTMP=" + l.rsctmp}
	cmd := exec.Command(tester, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	failures := regexp.MustCompile(`(?m)^\* rc=\d+: .*$`).FindAllString(string(out), -1)
	if assert.Len(t, failures, 1, "%s", out) {
		assert.Contains(t, failures[0], "does not conform to ra-api-1.dtd")
	}
	assert.Error(t, err)

	script, err := os.ReadFile(tester)
	require.NoError(t, err)
	lint := `METADATA_LINT="xmllint --noout --valid -"`
	require.Contains(t, string(script), lint, "ocf-tester changed: revisit this test")
	rng, err := filepath.Abs(filepath.Join("..", "agents", "ocf", "testdata", "ra-api-1.1.rng"))
	require.NoError(t, err)
	patched := filepath.Join(t.TempDir(), "ocf-tester-1.1")
	require.NoError(t, os.WriteFile(patched, []byte(strings.Replace(string(script), lint,
		fmt.Sprintf(`METADATA_LINT="xmllint --noout --relaxng %s -"`, rng), 1)), 0o755))
	cmd = exec.Command(patched, args...)
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "passed all tests")
	assert.Empty(t, l.containers(), "ocf-tester ends with a stop")
}
