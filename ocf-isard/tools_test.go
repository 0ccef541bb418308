package main

import (
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func installed(t *testing.T) string { return ocftest.Install(t, agentPath(t), "isard") }

// TestCrmResourceValidate asks crm_resource to validate parameters, as pcs does on create.
func TestCrmResourceValidate(t *testing.T) {
	provider := installed(t)
	validate := func(opts ...string) (string, int) { return ocftest.Validate(t, provider, "isard", opts...) }
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
	assert.Contains(t, ocftest.Describe(t, agent, "IsardVDI's docker compose stack"), "OCF_CHECK_LEVEL=10")

	pcs := ocftest.OfflinePcs(t)
	out, code := pcs("resource", "create", "isard", agent, "--agent-validation", "optional_services=isard-stats")
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
// real daemon (ocftest.OCFTester: the OCF 1.0 DTD lint is the one failure allowed, and with the
// OCF 1.1 schema as lint it must pass outright).
func TestDockOcfTester(t *testing.T) {
	l := newDockLab(t, "v1", "docker-compose")
	args := []string{"-v", "-n", "isard", "-o", "project_dir=" + l.dir, "-o", "data_mount=" + l.data, "-o", "docker_socket=" + l.socket,
		"-o", "compose=docker-compose", "-o", "optional_services=isard-stats", agentPath(t)}
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "HA_logfacility=none", "HA_RSCTMP=" + l.rsctmp}
	ocftest.OCFTester(t, env, args...)
	assert.Empty(t, l.containers(), "ocf-tester ends with a stop")
}
