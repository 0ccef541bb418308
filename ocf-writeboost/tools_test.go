package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testDevices = []string{"name=wb", "backing_dev=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "cache_dev=/dev/disk/by-id/nvme-eui.0025385b71b0a1c2-part2"}

// TestCrmResourceValidate asks crm_resource to validate parameters, as pcs does on create.
func TestCrmResourceValidate(t *testing.T) {
	provider := ocftest.Install(t, agentPath(t), "writeboost")
	validate := func(opts ...string) (string, int) {
		return ocftest.Validate(t, provider, "writeboost", append(slices.Clone(testDevices), opts...)...)
	}
	out, code := validate("stop_mode=keep", "zero_superblock=false", "writeback_threshold=40")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, strings.ToLower(out), "warning", out)
	out, code = validate("dirty_limit=101")
	assert.Equal(t, 6, code, out)
	assert.Contains(t, out, "ocf-exit-reason:parameter dirty_limit: 101 is out of range 1..100")
}

// TestPcs: pcs reads the meta-data (describe) and creates the resource with the agent's own
// validation, offline against a CIB file, with no warning; it enforces unique parameters.
func TestPcs(t *testing.T) {
	provider := ocftest.Install(t, agentPath(t), "writeboost")
	agent := "ocf:" + provider + ":writeboost"
	out := ocftest.Describe(t, agent, "dm-writeboost write cache")
	assert.Contains(t, out, "timeout=1800s")
	assert.Contains(t, out, "OCF_CHECK_LEVEL=10")

	pcs := ocftest.OfflinePcs(t)
	create := func(id string, opts ...string) (string, int) {
		return pcs(append([]string{"resource", "create", id, agent, "--agent-validation"}, opts...)...)
	}
	out, code := create("wb", testDevices...)
	assert.Equal(t, 0, code, out)
	assert.Empty(t, strings.TrimSpace(out), "no warning")
	out, code = pcs("resource", "config", "wb")
	require.Equal(t, 0, code, out)
	for _, op := range []string{"start: wb-start-interval-0s", "timeout=900s", "stop: wb-stop-interval-0s", "timeout=1800s",
		"reload-agent: wb-reload-agent-interval-0s", "OCF_CHECK_LEVEL=10"} {
		assert.Contains(t, out, op)
	}

	out, code = create("wb2", "name=wb", "backing_dev=/dev/sdc", "cache_dev=/dev/nvme1n1")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "Value 'wb' of option 'name' is not unique")
	out, code = create("wb3", "name=wb3", "backing_dev=/dev/sdd", "cache_dev=/dev/nvme2n1", "stop_mode=keep", "zero_superblock=yes")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "ocf-exit-reason:zero_superblock needs stop_mode=flush")
}
