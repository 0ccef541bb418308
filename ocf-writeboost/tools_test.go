package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lab/ocftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testDevices = []string{"name=wb", "backing_dev=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "cache_dev=/dev/disk/by-id/nvme-eui.0025385b71b0a1c2-part2"}

// TestCrmResourceValidate asks crm_resource to validate parameters, as pcs does on create.
func TestCrmResourceValidate(t *testing.T) {
	provider := ocftest.Install(t, "writeboost")
	validate := func(opts ...string) (string, int) {
		args := []string{"--validate", "--class", "ocf", "--provider", provider, "--agent", "writeboost"}
		for _, o := range append(append([]string{}, testDevices...), opts...) {
			args = append(args, "--option", o)
		}
		return ocftest.Tool(t, "crm_resource", args...)
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
	provider := ocftest.Install(t, "writeboost")
	agent := "ocf:" + provider + ":writeboost"
	out, code := ocftest.Tool(t, "pcs", "resource", "describe", agent)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, agent+" - dm-writeboost write cache")
	assert.Contains(t, out, "timeout=1800s")
	assert.Contains(t, out, "OCF_CHECK_LEVEL=10")
	assert.NotContains(t, strings.ToLower(out), "warning")

	cib := filepath.Join(t.TempDir(), "cib.xml")
	empty, code := ocftest.Tool(t, "cibadmin", "--empty")
	require.Equal(t, 0, code, empty)
	require.NoError(t, os.WriteFile(cib, []byte(empty), 0o644))
	create := func(id string, opts ...string) (string, int) {
		return ocftest.Tool(t, "pcs", append([]string{"-f", cib, "resource", "create", id, agent, "--agent-validation"}, opts...)...)
	}
	out, code = create("wb", testDevices...)
	assert.Equal(t, 0, code, out)
	assert.Empty(t, strings.TrimSpace(out), "no warning")
	out, code = ocftest.Tool(t, "pcs", "-f", cib, "resource", "config", "wb")
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
