package main

import (
	"bytes"
	"slices"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/dm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The agent's decisions over the kernel model (kernel_test.go): what start, stop and probe
// answer and what they do to the devices, for each case that matters to the data.

const cache = "/dev/disk/by-id/cache"

func created(k *kernel) bool { return slices.Contains(k.calls, "create") }

func TestStartReplaysOnlyACurrentLog(t *testing.T) {
	for _, c := range []struct {
		name   string
		record dm.Epoch
		ledger string // "" none recorded
		noCRM  bool   // crm_attribute not installed
		env    []string
		code   int
		replay bool
	}{
		{"current", dm.Epoch{Current: "0a"}, "0a", false, nil, 0, true},
		{"recorded on the cache, not yet in the cluster", dm.Epoch{Current: "0b", Prev: "0a"}, "0a", false, nil, 0, true},
		{"another start since", dm.Epoch{Current: "0a"}, "0b", false, nil, 2, false},
		{"the cluster never saw it", dm.Epoch{Current: "0a"}, "", false, nil, 2, false},
		{"no record", dm.Epoch{}, "0a", false, nil, 2, false},
		{"discard", dm.Epoch{Current: "0a"}, "0b", false, []string{"OCF_RESKEY_stale_log=discard"}, 0, false},
		{"replay anyway", dm.Epoch{Current: "0a"}, "0b", false, []string{"OCF_RESKEY_stale_log=replay"}, 0, true},
		{"no cluster on the node", dm.Epoch{Current: "0a"}, "", true, nil, 0, true},
		{"no cluster, no record", dm.Epoch{}, "", true, nil, 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newKernel(t)
			k.writeboostLog(cache, c.record)
			if c.noCRM {
				k.ledger = nil
			} else if c.ledger != "" {
				k.ledger["--name=flock-writeboost-epoch-wb "] = c.ledger
			}
			code, reason := k.run("start", c.env...)
			require.Equal(t, c.code, code, reason)
			if code != 0 {
				assert.Contains(t, reason, "stale_log=discard")
				assert.Contains(t, reason, "stale_log=replay")
				assert.False(t, created(k), "a refused start created the device")
				assert.Equal(t, c.record, k.recordOn(cache), "a refused start touched the record")
				return
			}
			rec := k.recordOn(cache)
			require.True(t, created(k))
			if !c.noCRM {
				assert.Equal(t, k.ledgerValue(), rec.Current, "the cache records the epoch the cluster holds")
				assert.NotEqual(t, c.ledger, rec.Current, "a new epoch at every start")
				assert.Less(t, slices.Index(k.calls, "ledger "+rec.Current), slices.Index(k.calls, "create"), "the cluster learns the epoch before the device exists")
			}
			if c.replay {
				assert.Less(t, slices.Index(k.calls, "write "+cache+" 4096"), slices.Index(k.calls, "create"), "a replay's record is written before the create")
				if !c.noCRM {
					assert.Equal(t, c.ledger, rec.Prev)
				}
				assert.NotContains(t, k.calls, "write "+cache+" 0", "a replay zeroed the log")
			} else {
				assert.Less(t, slices.Index(k.calls, "write "+cache+" 0"), slices.Index(k.calls, "create"), "the stale log is zeroed before the create")
				assert.Greater(t, slices.Index(k.calls, "write "+cache+" 4096"), slices.Index(k.calls, "create"), "a format's record comes after it")
			}
		})
	}
}

func TestStartScopesTheEpoch(t *testing.T) {
	// A clone instance: a node-local cache, its epoch a node attribute.
	k := newKernel(t)
	code, reason := k.run("start", "OCF_RESKEY_CRM_meta_clone=0", "OCF_RESKEY_CRM_meta_on_node=n1")
	require.Equal(t, 0, code, reason)
	e := k.ledger["--name=flock-writeboost-epoch-wb --node=n1 "]
	assert.Equal(t, k.recordOn(cache).Current, e)
	assert.Empty(t, k.ledgerValue(), "a clone's epoch is not cluster-wide")
}

func TestStartNeedsTheCluster(t *testing.T) {
	for _, log := range []bool{false, true} {
		k := newKernel(t)
		if log {
			k.writeboostLog(cache, dm.Epoch{Current: "0a"})
		}
		k.ledgerDown = true
		code, reason := k.run("start")
		assert.Equal(t, 1, code, reason)
		assert.Contains(t, reason, "cluster")
		assert.False(t, created(k))
	}
}

func TestStartRefusesToFormat(t *testing.T) {
	k := newKernel(t)
	k.writeboostLog(cache, dm.Epoch{Current: "0a"})
	k.ledger["--name=flock-writeboost-epoch-wb "] = "0a"
	code, reason := k.run("start", "OCF_RESKEY_write_around_mode=1")
	assert.Equal(t, 2, code, reason)
	assert.Contains(t, reason, "write_around_mode would format")
	assert.False(t, created(k))
	code, reason = k.run("start", "OCF_RESKEY_write_around_mode=1", "OCF_RESKEY_allow_format=1")
	assert.Equal(t, 0, code, reason)

	// An mdadm 1.2 member: its superblock at 4 KiB.
	k = newKernel(t)
	copy(k.disks[cache].data[4096:], []byte{0xfc, 0x4e, 0x2b, 0xa9})
	code, reason = k.run("start")
	assert.Equal(t, 2, code, reason)
	assert.Contains(t, reason, "mdadm 1.2 RAID member")
	assert.False(t, created(k))
}

func TestStartSetupErrors(t *testing.T) {
	k := newKernel(t)
	k.disks["/dev/sdz"] = k.disks["/dev/disk/by-id/backing"]
	code, reason := k.run("start", "OCF_RESKEY_cache_dev=/dev/sdz")
	assert.Equal(t, 2, code, "one device by two paths is this node's setup: %s", reason)
	assert.False(t, created(k))

	k = newKernel(t)
	k.noDmsetup = true
	code, reason = k.run("start")
	assert.Equal(t, 5, code, reason)
	assert.Empty(t, k.calls)
}

func TestStopConfirmsTheRemove(t *testing.T) {
	k := newKernel(t)
	k.running("wb", 10)
	k.removeLeaves = true
	code, reason := k.run("stop")
	assert.Equal(t, 1, code, reason)
	assert.Contains(t, reason, "still exists")
	assert.True(t, k.magic(cache), "zeroed the superblock of a device still running")
}

func TestStopZeroesOnlyAFreeCache(t *testing.T) {
	for _, cluster := range []bool{true, false} {
		k := newKernel(t)
		k.running("wb", 10)
		k.holdersAfterRm = []string{"dm-7"}
		if !cluster {
			k.ledger = nil
		}
		code, reason := k.run("stop")
		assert.True(t, k.magic(cache), "zeroed a superblock another device just claimed")
		assert.NotContains(t, k.calls, "write "+cache+" 0")
		if cluster {
			assert.Equal(t, 0, code, reason)
			assert.NotEmpty(t, k.ledgerValue(), "the epoch moves on, so the clean log is stale")
		} else {
			assert.Equal(t, 1, code, "nothing marks the log stale: %s", reason)
		}
	}

	// The configured path names another disk now: that one is not zeroed.
	k := newKernel(t)
	k.running("wb", 10)
	other := k.disks["/dev/disk/by-id/other"]
	k.disks[cache] = other
	code, reason := k.run("stop")
	assert.Equal(t, 0, code, reason)
	assert.NotContains(t, k.calls, "write "+cache+" 0")
}

func TestStopFlushesToTheEnd(t *testing.T) {
	k := newKernel(t)
	d := k.running("wb", 10)
	// A write arrives during the flush: the check under suspension sees it.
	rewritten := false
	k.onSuspend = func() {
		if slices.Contains(k.calls, "message") && !rewritten {
			rewritten, d.dirty = true, 3
		}
	}
	k.onRemove = func(d *dmDev) { assert.Zero(t, d.dirty, "removed with dirty blocks") }
	code, reason := k.run("stop")
	assert.Equal(t, 0, code, reason)
	assert.True(t, rewritten)
	assert.False(t, k.magic(cache))
}

func TestStopWithAnotherTable(t *testing.T) {
	k := newKernel(t)
	d := k.running("wb", 10)
	d.table += " 2 nr_read_cache_cells 1024"
	code, reason := k.run("stop")
	assert.Equal(t, 0, code, reason)
	assert.Zero(t, d.dirty, "flushed")
	assert.NotContains(t, k.dms, "wb")
	assert.True(t, k.magic(cache), "zeroed the superblock of a cache the live table may not have used")
}

func TestInactiveTableIsCleared(t *testing.T) {
	for _, action := range []string{"stop", "start"} {
		k := newKernel(t)
		d := k.running("wb", 10)
		d.suspended, d.inactive = true, true
		code, reason := k.run(action)
		assert.Equal(t, 0, code, reason)
		assert.Less(t, slices.Index(k.calls, "clear"), slices.Index(k.calls, "resume"), action)
		assert.True(t, d.writeboost, "%s swapped the inactive table in", action)
	}
}

func TestNotOursMeansStopped(t *testing.T) {
	for _, name := range []string{"wb 0", "-wb", "a/b", ""} {
		k := newKernel(t)
		if name != "" {
			k.running(name, 10)
		}
		code, reason := k.run("monitor", "OCF_RESKEY_name="+name)
		assert.Equal(t, 7, code, "probe name %q: %s", name, reason)
		code, reason = k.run("stop", "OCF_RESKEY_name="+name)
		assert.Equal(t, 0, code, "stop name %q: %s", name, reason)
		assert.Empty(t, k.calls, "name %q: touched a device", name)
		if name != "" {
			assert.Contains(t, k.dms, name)
		}
	}

	k := newKernel(t)
	d := k.running("wb", 0)
	d.writeboost, d.table = false, "0 8 zero"
	code, reason := k.run("monitor")
	assert.Equal(t, 7, code, reason)
	code, reason = k.run("stop")
	assert.Equal(t, 0, code, reason)
	assert.Contains(t, k.dms, "wb")
	assert.NotContains(t, k.calls, "remove")
	assert.NotContains(t, k.calls, "suspend")
}

func TestProbeOfARunningDeviceWithBadParameters(t *testing.T) {
	k := newKernel(t)
	k.running("wb", 10)
	code, reason := k.run("monitor", "OCF_RESKEY_dirty_limit=lots")
	assert.Equal(t, 1, code, "the device runs: not 7 (%s)", reason)
	code, reason = k.run("stop", "OCF_RESKEY_dirty_limit=lots")
	assert.Equal(t, 0, code, reason)
	assert.NotContains(t, k.dms, "wb")
	assert.True(t, k.magic(cache), "a stop without a configuration zeroes nothing")
}

func TestMonitorVanishedDevice(t *testing.T) {
	for _, which := range []string{"backing", "cache"} {
		k := newKernel(t)
		k.running("wb", 10)
		k.disks["/dev/disk/by-id/"+which].gone = true
		code, reason := k.run("monitor", "OCF_RESKEY_CRM_meta_interval=30000")
		assert.Equal(t, 1, code, "%s gone: an error, not degraded (%s)", which, reason)
		assert.Contains(t, reason, which+"_dev")
	}
	// The node is still there (no udev to remove it), but the kernel's device is gone.
	k := newKernel(t)
	k.running("wb", 10)
	k.disks[cache].sysfsGone = true
	code, reason := k.run("monitor", "OCF_RESKEY_CRM_meta_interval=30000")
	assert.Equal(t, 1, code, reason)
	assert.Contains(t, reason, "vanished")
}

// A device path is a symlink udev may re-point at any time. The create must use the devices
// that were checked, not whatever the paths name by then: here cache_dev comes to name a disk
// holding a filesystem between the probe (which saw an empty cache) and the create.
func TestStartUsesTheDevicesItChecked(t *testing.T) {
	k := newKernel(t)
	other := k.disks["/dev/disk/by-id/other"]
	copy(other.data, []byte("XFSB"))
	k.onLedgerUpdate = func() {
		k.disks["/dev/disk/by-id/cache-was"] = k.disks[cache]
		k.disks[cache] = other
		k.onLedgerUpdate = nil
	}
	k.run("start")
	assert.True(t, bytes.HasPrefix(other.data, []byte("XFSB")), "the create formatted a disk start never checked")
	for _, d := range k.dms {
		assert.NotSame(t, other, d.cache, "a device runs on a cache start never checked")
	}
}

// The same between resolving cache_dev and reading its start: the probe must not decide over
// one disk (empty here: format) and the create run on another (a stale log it would replay).
func TestStartProbesTheCacheItUses(t *testing.T) {
	k := newKernel(t)
	k.writeboostLog(cache, dm.Epoch{Current: "0a"})
	k.ledger["--name=flock-writeboost-epoch-wb "] = "0b"
	k.beforeRead = func() {
		k.disks["/dev/disk/by-id/cache-was"] = k.disks[cache]
		k.disks[cache] = k.disks["/dev/disk/by-id/other"]
		k.beforeRead = nil
	}
	code, reason := k.run("start")
	assert.NotEqual(t, 0, code, reason)
	assert.False(t, created(k), "the create ran on a cache the probe did not read")
}
