package main

import (
	"testing"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/ocf/ocftest"
	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
)

// TestMetaDataGolden: the contract in metadata/ is what the agent prints.
func TestMetaDataGolden(t *testing.T) { ocftest.Golden(t, agentPath(t), "writeboost") }

// TestTapes replays every recorded and derived tape in-process: the agent must ask the world
// exactly what the tape holds and end as the recording did.
func TestTapes(t *testing.T) {
	ocftest.ReplayTapes(t, "writeboost", func(p *sysio.Proc) int { return ocf.Run(agent, p) })
}

// TestValidateDepth0 is the parameter logic alone, as pcs and crm_resource run it on any
// node: no device, no module, no root needed.
func TestValidateDepth0(t *testing.T) {
	base := []string{"OCF_RESKEY_name=wb", "OCF_RESKEY_backing_dev=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
		"OCF_RESKEY_cache_dev=/dev/nvme0n1p2"}
	for _, c := range []struct {
		name   string
		env    []string
		code   int
		reason string
	}{
		{"valid", nil, 0, ""},
		{"every option", []string{"OCF_RESKEY_writeback_threshold=100", "OCF_RESKEY_nr_max_batched_writeback=1",
			"OCF_RESKEY_update_sb_record_interval=3600", "OCF_RESKEY_sync_data_interval=3600", "OCF_RESKEY_read_cache_threshold=127",
			"OCF_RESKEY_write_around_mode=yes", "OCF_RESKEY_nr_read_cache_cells=1", "OCF_RESKEY_allow_format=1"}, 0, ""},
		{"keep", []string{"OCF_RESKEY_stop_mode=keep"}, 0, ""},
		{"no name", []string{"OCF_RESKEY_name="}, 6, "parameter name: is required"},
		{"bad name", []string{"OCF_RESKEY_name=-wb"}, 6, `parameter name: "-wb" is not a usable device-mapper name`},
		{"name with a slash", []string{"OCF_RESKEY_name=a/b"}, 6, "parameter name"},
		{"relative path", []string{"OCF_RESKEY_cache_dev=nvme0n1"}, 6, `parameter cache_dev: "nvme0n1" is not a clean device path under /dev`},
		{"unclean path", []string{"OCF_RESKEY_backing_dev=/dev/../etc/passwd"}, 6, "parameter backing_dev"},
		{"same device", []string{"OCF_RESKEY_cache_dev=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"}, 6, "backing_dev and cache_dev are the same device"},
		{"out of range", []string{"OCF_RESKEY_writeback_threshold=101"}, 6, "parameter writeback_threshold: 101 is out of range 0..100"},
		{"batch of none", []string{"OCF_RESKEY_nr_max_batched_writeback=0"}, 6, "parameter nr_max_batched_writeback: 0 is out of range 1..32"},
		{"not a mode", []string{"OCF_RESKEY_stop_mode=writeback"}, 6, "parameter stop_mode"},
		{"zero with keep", []string{"OCF_RESKEY_stop_mode=keep", "OCF_RESKEY_zero_superblock=true"}, 6, "zero_superblock needs stop_mode=flush"},
		{"write-around with keep", []string{"OCF_RESKEY_stop_mode=keep", "OCF_RESKEY_write_around_mode=1"}, 6, "stop_mode=keep keeps nothing with write_around_mode"},
		{"dirty limit 0", []string{"OCF_RESKEY_dirty_limit=0"}, 6, "parameter dirty_limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := run(t, "validate-all", append(append([]string{}, base...), c.env...)...)
			assert.Equal(t, c.code, o.Code, o.Stderr)
			if c.reason == "" {
				assert.Empty(t, o.Reason)
			} else {
				assert.Contains(t, o.Reason, c.reason)
			}
		})
	}
}
