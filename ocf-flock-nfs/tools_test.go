package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The isard-flock layout: the exports and the state on the replicated filesystem.
var testParams = []string{"exports=/opt/isard 172.31.0.0/16(rw,sync,no_subtree_check,no_root_squash,fsid=11)",
	"state_dir=/opt/isard/.nfs-state", "ip=172.31.255.10"}

// TestCrmResourceValidate asks crm_resource to validate parameters, as pcs does on create.
func TestCrmResourceValidate(t *testing.T) {
	provider := ocftest.Install(t, agentPath(t), "nfs")
	validate := func(opts ...string) (string, int) {
		return ocftest.Validate(t, provider, "nfs", append(slices.Clone(testParams), opts...)...)
	}
	out, code := validate("threads=16", "nfs_versions=4.2", "daemons=systemd")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, strings.ToLower(out), "warning", out)
	out, code = validate("grace_time=10", "lease_time=30")
	assert.Equal(t, 6, code, out)
	assert.Contains(t, out, "ocf-exit-reason:grace_time 10 is shorter than lease_time 30")
}

// TestPcs: pcs reads the meta-data and creates the resource with the agent's own validation,
// offline against a CIB file, with no warning.
func TestPcs(t *testing.T) {
	provider := ocftest.Install(t, agentPath(t), "nfs")
	agent := "ocf:" + provider + ":nfs"
	assert.Contains(t, ocftest.Describe(t, agent, "Kernel NFS server"), "OCF_CHECK_LEVEL=10")

	pcs := ocftest.OfflinePcs(t)
	create := func(id string, opts ...string) (string, int) {
		return pcs(append([]string{"resource", "create", id, agent, "--agent-validation"}, opts...)...)
	}
	out, code := create("nfs", testParams...)
	assert.Equal(t, 0, code, out)
	assert.Empty(t, strings.TrimSpace(out), "no warning")
	out, code = pcs("resource", "config", "nfs")
	require.Equal(t, 0, code, out)
	for _, op := range []string{"start: nfs-start-interval-0s", "timeout=90s", "reload-agent: nfs-reload-agent-interval-0s", "OCF_CHECK_LEVEL=10", "OCF_CHECK_LEVEL=20"} {
		assert.Contains(t, out, op)
	}
	out, code = create("nfs2", "exports=/srv/x *(rw)", "state_dir=/srv/state", "ip=10.0.0.1")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "fsid= is required")
	out, code = create("nfs3", "exports=/srv/y *(rw,fsid=3)", "state_dir=/opt/isard/.nfs-state", "ip=10.0.0.2")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "is not unique")
}
