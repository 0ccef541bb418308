package main

import (
	"strconv"
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
	"github.com/isard-vdi/flock-agents/lib/dm"
)

var agent = &ocf.Agent{
	Name: "writeboost",
	// The agent's own version, not the build's: the golden meta-data must not change with
	// every commit. Bump it when behaviour an operator relies on changes.
	Version: "1.1",
	Short:   "dm-writeboost write cache (an SSD or NVMe log in front of a slow disk)",
	Long: `Manages one dm-writeboost device: /dev/mapper/NAME, which writes to a log on cache_dev and writes the data back to backing_dev later. The agent checks the devices and the kernel module, creates the device from its parameters, and removes it without ever losing a dirty block.

Start reads the start of cache_dev. If the writeboost superblock is there, creating the device replays the cache's log and recovers any data not yet written back. Otherwise creating it formats cache_dev. Start refuses to format a cache that holds a writeboost log (write_around_mode=1 makes the kernel format one) or any other known signature (a filesystem, LVM, a partition table, an mdadm, bcache, Btrfs or ZFS member), unless allow_format is set.

A log is replayed only if it belongs to now. Every start draws a new epoch and records it in the cluster, with crm_attribute, before the device can take a write, and beside the superblock on cache_dev. A log whose epoch is not the cluster's is stale: the resource has started since with another cache, and backing_dev may hold newer data than the log. Replaying it would write old blocks over that data, so start refuses it (see stale_log). For a primitive the epoch is cluster-wide (a property in the flock-writeboost set of crm_config): with stop_mode=flush and a cache on each node over a replicated backing_dev, a node that was fenced and comes back finds its log stale, and its dirty blocks were lost at the fence either way. For a clone the epoch is a permanent attribute of the node: each node's backing_dev is its own (a node-local cache below DRBD, stop_mode=keep), nothing else starts over it, and a node that was fenced replays its own log, after which DRBD above resyncs. Without crm_attribute (no Pacemaker on the node) the record on the cache is the only evidence; if crm_attribute cannot reach the cluster, start fails. The replay reads the whole cache device, so it can take minutes: several for a 1 TB NVMe. The start timeout must cover it, and the default of 15 minutes is deliberately large.

Stop removes the device. It refuses while the device is open (a filesystem, DRBD or LVM on top), so order this resource before its users. With stop_mode=flush (the default) the backing device is self-contained afterwards: the RAM buffer is pushed to the cache (suspend and resume), every dirty block is written back (drop_caches), and only then is the device removed. This takes as long as writing the dirty data to backing_dev. Then the cluster's epoch moves on and the superblock is zeroed, so the clean log cannot be replayed; stop fails only if neither can be done. Use it when the backing device is replicated and the resource can move; but know that a flush only happens on a clean stop: a node that dies or is fenced takes the dirty blocks in its cache with it, and the node that takes over starts on a backing device without them. Keep the dirty share small there (writeback_threshold, and dirty_limit to be warned), or put the cache below the replication instead. The stop timeout must cover it: dirty data divided by the backing device's write speed. Progress is logged. If the timeout comes first, stop fails with the number of dirty blocks left and leaves the device running. It never removes a device that still holds dirty blocks. With stop_mode=keep the device is removed without writing back, and the dirty data stays in the cache log for the next start on this node. Use it for a node-local cache below DRBD: keep is only safe when this cache_dev is always used together with this backing_dev.

Monitor compares the live table with the configured devices and create-time options, and the status with the tunables. A cache or backing device that has vanished is an error. A probe or stop with a name start would refuse, or that finds a device of that name that is not writeboost, says the resource is stopped and touches nothing. At depth 10 it also reports degraded (190) when the dirty share of the cache exceeds dirty_limit, or when writeback is enabled but has not progressed since the previous depth-10 monitor.

Tunables (writeback_threshold, nr_max_batched_writeback, update_sb_record_interval, sync_data_interval, read_cache_threshold) change at run time with reload-agent. The create-only options write_around_mode and nr_read_cache_cells take a restart. Device paths should be stable names such as /dev/disk/by-id/…, since the kernel compares devices by major:minor.`,
	Params: params,
	Actions: ocf.Actions{
		Start: start, Stop: stop, Monitor: monitor, Validate: validate, Reload: reload,
		Unconfigured: unconfigured,
	},
	Timeouts: map[string]time.Duration{
		"start":        15 * time.Minute, // the replay reads the whole cache device
		"stop":         30 * time.Minute, // a flush writes every dirty block to the backing device
		"reload-agent": 30 * time.Second,
		"validate-all": 30 * time.Second,
	},
	Monitors: []ocf.Monitor{
		{Interval: 30 * time.Second, Timeout: 30 * time.Second},
		{Interval: 5 * time.Minute, Depth: 10, Timeout: 60 * time.Second},
	},
}

// option declares a dm-writeboost optional argument as a parameter, with the kernel's range
// and default, so what pcs shows and what the constructor accepts cannot disagree.
func option(key, short, long string) param.Param {
	o, ok := dm.LookupOption(key)
	if !ok {
		panic("unknown writeboost option " + key)
	}
	lo, hi := param.Bounds(int64(o.Min), int64(o.Max))
	return param.Param{Name: key, Kind: param.Integer, Default: strconv.FormatUint(o.Default, 10), Min: lo, Max: hi,
		Reloadable: !o.Static, Short: short, Long: long}
}

var params = []param.Param{
	{Name: "name", Required: true, Unique: true, Short: "Device-mapper name: the device is /dev/mapper/NAME",
		Long: "Name of the dm-writeboost device. 1 to 127 of A-Z a-z 0-9 _ . + : @ -, starting with a letter, digit or _."},
	{Name: "backing_dev", Required: true, Unique: true, Short: "The slow device the data lives on",
		Long: "Block device that holds the data, such as a RAID of hard disks or a DRBD device. Use a stable path (/dev/disk/by-id/…, /dev/drbd/by-res/…). The mapped device has exactly its size."},
	{Name: "cache_dev", Required: true, Unique: true, Short: "The fast device that holds the write log",
		Long: "Block device (SSD or NVMe, at least 9 MiB) that holds the cache's log. Use a stable path (/dev/disk/by-id/…). A cache without a writeboost superblock is formatted at start."},
	{Name: "stop_mode", Kind: param.Select, Choices: []string{"flush", "keep"}, Default: "flush",
		Short: "What stop does with dirty data: flush (write it back) or keep (leave it in the cache)",
		Long:  "flush: write every dirty block back before removing the device, so backing_dev is complete on its own. Use it when backing_dev is replicated and the resource can move. keep: remove the device at once and leave dirty data in the cache for the next start here. Use it for a node-local cache below DRBD."},
	{Name: "zero_superblock", Kind: param.Boolean, Default: "true",
		Short: "After a complete flush, zero the cache's superblock",
		Long:  "With stop_mode=flush, once the device is removed with no dirty block left, overwrite the cache's first sector. The next start then formats the cache instead of replaying an old log, which could otherwise serve blocks older than backing_dev if backing_dev is written without the cache in between. Not allowed with stop_mode=keep."},
	{Name: "allow_format", Kind: param.Boolean, Default: "false",
		Short: "Let start format a cache that holds a writeboost log or other data",
		Long:  "Normally start refuses to create the device when that would format a cache holding something. That happens when the cache holds a writeboost log and write_around_mode=1 is set, because the log may hold dirty data. It also happens when the cache holds another known signature (a filesystem, LVM, a partition table). Set this once to accept the loss. A write-around cache never holds dirty data, so a setup that only ever runs write-around may leave it set."},
	{Name: "stale_log", Kind: param.Select, Choices: []string{"refuse", "discard", "replay"}, Default: "refuse", Reloadable: true,
		Short: "What start does with a cache log that does not belong to now: refuse, discard or replay",
		Long:  "A log is stale when its epoch record is not the cluster's: the resource has started since with another cache (the backing device may hold newer data than the log), or a stop could not zero it, or it has no record. refuse: start fails (exit 2) saying so. discard: format the cache; its dirty blocks are lost, as they already are for the backing device of the start that superseded them. replay: replay it anyway, writing its blocks over backing_dev. Set discard or replay once, for the start that needs it."},
	{Name: "dirty_limit", Kind: param.Integer, Default: "50", Min: ptr(1), Max: ptr(100),
		Short: "Dirty share of the cache (%) above which a depth-10 monitor reports degraded",
		Long:  "A depth-10 monitor reports degraded (190) when more than this percentage of the cache's blocks are dirty. That much data is not yet on backing_dev, and a flushing stop takes that much longer. 100 disables the check."},
	option("writeback_threshold", "Write back while the backing device is less busy than this (%); 0 disables background writeback",
		"Background writeback runs only while the backing device's utilisation is below this percentage. With 0 (the kernel's default), dirty data is written back only when the cache runs out of space or at a flushing stop, so the cache can fill with dirty data. Reloadable."),
	option("nr_max_batched_writeback", "Segments written back per batch",
		"The most 512 KiB segments written back in one batch, sorted by address. Reloadable."),
	option("update_sb_record_interval", "Seconds between records of the writeback position in the superblock (0: never)",
		"Periodically record the last written-back segment in the superblock, so a replay does not write back segments again. 0 (the kernel's default) disables it. Reloadable."),
	option("sync_data_interval", "Seconds between forced flushes of the RAM buffer (0: never)",
		"Periodically write the RAM buffer to the cache device even when no flush was requested. 0 (the kernel's default) disables it. Reloadable."),
	option("read_cache_threshold", "Cache reads of up to this many consecutive 4 KiB blocks (0: no read caching)",
		"Reads of more than this many consecutive 4 KiB blocks are not staged into the cache. 0 disables read caching. Reloadable."),
	{Name: "write_around_mode", Kind: param.Boolean, Default: "false",
		Short: "Write around the cache: writes go to the backing device, only reads are cached",
		Long:  "Create-only: changing it restarts the resource. The kernel formats the cache at every create in this mode. A cache holding a writeboost log is refused unless allow_format is set (see there). It cannot be combined with stop_mode=keep."},
	option("nr_read_cache_cells", "Read-cache staging cells (4 KiB each)",
		"Size of the staging area for read caching, in 4 KiB cells. Create-only: changing it restarts the resource."),
}

func ptr(n int64) *int64 { return &n }
