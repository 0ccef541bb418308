package dm

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// labStatus is what dm-writeboost 2.2.17 printed in the lab guest after 4 MiB were written and
// drop_caches returned (lab notes C.4).
const labStatus = "0 524288 writeboost 1270 16002 126 11 10 10 0 0 0 0 0 0 1024 0 0 0 1024 0 0 0 0 0 0 1 10 writeback_threshold 0 nr_cur_batched_writeback 10 sync_data_interval 0 update_sb_record_interval 0 read_cache_threshold 0\n"

// toolsStatus is writeboost-cli's sample (data/sample.status.226), from an older kernel module.
const toolsStatus = "0 204800 writeboost 2 762 6 73 73 67 391 12 224 0 0 15 9 1 0 15 6567 0 0 1 0 15 0 11 10 writeback_threshold 0 nr_cur_batched_writeback 1 sync_data_interval 0 update_sb_record_interval 0 read_cache_threshold 0"

func TestParseStatusLab(t *testing.T) {
	s, err := ParseStatus(labStatus)
	require.NoError(t, err)
	assert.Equal(t, uint64(524288), s.Sectors)
	assert.Equal(t, uint64(1270), s.CursorPos)
	assert.Equal(t, uint64(16002), s.NrCacheBlocks)
	assert.Equal(t, uint64(126), s.NrSegments)
	assert.Equal(t, uint64(11), s.CurrentID)
	assert.Equal(t, uint64(10), s.LastFlushedID)
	assert.Equal(t, uint64(10), s.LastWritebackID)
	assert.Zero(t, s.NrDirty)
	assert.Equal(t, uint64(1), s.NrPartialFlushed)
	// 4 MiB by dd oflag=direct bs=1M: 1024 full-size 4 KiB writes, missed, not on the buffer.
	assert.Equal(t, uint64(1024), s.Stats[StatIndex(true, false, false, true)])
	assert.Equal(t, uint64(1024), s.Writes())
	assert.Equal(t, map[string]uint64{"writeback_threshold": 0, "nr_cur_batched_writeback": 10, "sync_data_interval": 0,
		"update_sb_record_interval": 0, "read_cache_threshold": 0}, s.Tunables)
	assert.Zero(t, s.PendingSegments())
	// 126 segments of 127 blocks: the cache device is 64 MiB less the 1 MiB superblock region.
	assert.Equal(t, s.NrSegments*127, s.NrCacheBlocks)
}

func TestParseStatusTools(t *testing.T) {
	s, err := ParseStatus(toolsStatus)
	require.NoError(t, err)
	assert.Equal(t, uint64(391), s.NrDirty)
	assert.Equal(t, uint64(6), s.PendingSegments())
	assert.InDelta(t, 51.3, s.DirtyPercent(), 0.1)
	assert.Equal(t, uint64(11), s.NrPartialFlushed)
}

func TestParseStatusRejects(t *testing.T) {
	for name, out := range map[string]string{
		"empty":         "",
		"linear":        "0 1000 linear 8:0 0",
		"two targets":   labStatus + labStatus,
		"short":         "0 524288 writeboost 1270 16002 126",
		"not a number":  strings.Replace(labStatus, " 16002 ", " x ", 1),
		"count lies":    strings.Replace(labStatus, " 1 10 writeback", " 1 12 writeback", 1),
		"tunable gone":  strings.Replace(labStatus, "read_cache_threshold 0", "other_thing 0", 1),
		"odd tunables":  strings.TrimSpace(labStatus) + " x",
		"negative":      strings.Replace(labStatus, " 16002 ", " -1 ", 1),
		"value missing": strings.Replace(labStatus, "writeback_threshold 0", "writeback_threshold x", 1),
	} {
		_, err := ParseStatus(out)
		assert.Error(t, err, name)
	}
}

func TestTableRoundTrip(t *testing.T) {
	tb := Table{Sectors: 524288, Backing: "/dev/disk/by-id/wwn-0x1", Cache: "/dev/nvme0n1p2",
		Args: map[string]uint64{"writeback_threshold": 50, "nr_max_batched_writeback": 32, "write_around_mode": 0, "nr_read_cache_cells": 1024}}
	// Defaults are left out, the rest in Options order, so equal configurations give equal lines.
	line := tb.String()
	assert.Equal(t, "0 524288 writeboost /dev/disk/by-id/wwn-0x1 /dev/nvme0n1p2 4 writeback_threshold 50 nr_read_cache_cells 1024", line)
	back, err := ParseTable(line)
	require.NoError(t, err)
	assert.Empty(t, tb.Mismatch(back))
	assert.Equal(t, uint64(50), back.Value("writeback_threshold"))
	assert.Equal(t, uint64(32), back.Value("nr_max_batched_writeback"))

	bare := Table{Sectors: 8, Backing: "/dev/vdb", Cache: "/dev/vdc"}
	assert.Equal(t, "0 8 writeboost /dev/vdb /dev/vdc", bare.String())
}

func TestParseTableKernel(t *testing.T) {
	// writeboost-cli's sample (two spaces after the target name), and the kernel's echo of a
	// constructor line with options, keys in any case.
	tb, err := ParseTable("0 204800 writeboost  251:0 251:3\n")
	require.NoError(t, err)
	assert.Equal(t, Table{Sectors: 204800, Backing: "251:0", Cache: "251:3", Args: map[string]uint64{}}, tb)

	tb, err = ParseTable("0 524288 writeboost 254:16 254:32 4 Write_Around_Mode 1 nr_read_cache_cells 16\n")
	require.NoError(t, err)
	assert.Equal(t, uint64(1), tb.Value("write_around_mode"))
	want := Table{Sectors: 524288, Backing: "254:16", Cache: "254:32"}
	assert.Equal(t, []string{"write_around_mode is 1, configured 0", "nr_read_cache_cells is 16, configured 2048"}, want.Mismatch(tb))

	want = Table{Backing: "254:16", Cache: "254:48", Args: map[string]uint64{"write_around_mode": 1, "nr_read_cache_cells": 16, "writeback_threshold": 70}}
	assert.Equal(t, []string{"cache device is 254:32, configured 254:48"}, want.Mismatch(tb), "tunables and an unknown length are not compared")
}

func TestParseTableRejects(t *testing.T) {
	for name, out := range map[string]string{
		"empty":         "",
		"linear":        "0 1000 linear 8:0 0",
		"two targets":   "0 10 writeboost 1:1 1:2\n10 10 writeboost 1:1 1:2\n",
		"not at zero":   "8 1000 writeboost 1:1 1:2",
		"no cache":      "0 1000 writeboost 1:1",
		"zero length":   "0 0 writeboost 1:1 1:2",
		"odd count":     "0 10 writeboost 1:1 1:2 1 writeback_threshold",
		"count lies":    "0 10 writeboost 1:1 1:2 4 writeback_threshold 1",
		"unknown key":   "0 10 writeboost 1:1 1:2 2 frobnicate 1",
		"out of range":  "0 10 writeboost 1:1 1:2 2 writeback_threshold 101",
		"below min":     "0 10 writeboost 1:1 1:2 2 nr_max_batched_writeback 0",
		"not a number":  "0 10 writeboost 1:1 1:2 2 writeback_threshold ten",
		"too many args": "0 10 writeboost 1:1 1:2 16 " + strings.Repeat("writeback_threshold 1 ", 8),
	} {
		_, err := ParseTable(out)
		assert.Error(t, err, name)
	}
}

func TestOptionsMatchTheKernel(t *testing.T) {
	// The constructor takes at most 14 optional words: all seven options once.
	assert.Len(t, Options, 7)
	static := 0
	for _, o := range Options {
		assert.NoError(t, o.Check(o.Default), o.Key)
		assert.Error(t, o.Check(o.Max+1), o.Key)
		if o.Static {
			static++
		}
	}
	assert.Equal(t, 2, static, "write_around_mode and nr_read_cache_cells")
	_, ok := LookupOption("NR_READ_CACHE_CELLS")
	assert.True(t, ok)
}

func TestParseCacheStart(t *testing.T) {
	sector := func(off int, b ...byte) []byte { s := make([]byte, 4096); copy(s[off:], b); return s }
	big := func(off int, b ...byte) []byte { s := make([]byte, probeSpan); copy(s[off:], b); return s }
	wb := make([]byte, 512)
	binary.LittleEndian.PutUint32(wb, Magic)
	withEpoch := func() []byte {
		s := big(0, wb[:4]...)
		copy(s[epochOff:], EpochRecord(Epoch{Current: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", Prev: "00aa"}))
		return s
	}
	withBadEpoch := func() []byte { // a torn or foreign block: no epoch, so the log is stale
		s := withEpoch()
		s[epochOff+30] = 'X'
		return s
	}
	first := EpochRecord(Epoch{Current: "01"})
	got, ok := ParseEpochRecord(first)
	assert.True(t, ok)
	assert.Equal(t, Epoch{Current: "01"}, got, "the first start has no previous epoch")
	_, ok = ParseEpochRecord(append(first[:len(first)-1:len(first)-1], 'x'))
	assert.False(t, ok, "bytes after the record")
	assert.Equal(t, []byte("tsBW"), wb[:4], "WBst as a little-endian word")

	for name, c := range map[string]struct {
		b    []byte
		want Content
	}{
		"formatted":  {wb, Content{Writeboost: true}},
		"zeroed":     {make([]byte, 4096), Content{}},
		"xfs":        {sector(0, 'X', 'F', 'S', 'B'), Content{Foreign: "an XFS filesystem"}},
		"ext4":       {sector(0x438, 0x53, 0xef), Content{Foreign: "an ext2/3/4 filesystem"}},
		"lvm":        {sector(0x200, []byte("LABELONE")...), Content{Foreign: "an LVM physical volume"}},
		"mbr":        {sector(0x1fe, 0x55, 0xaa), Content{Foreign: "a partition table or boot sector"}},
		"swap":       {sector(4086, []byte("SWAPSPACE2")...), Content{Foreign: "swap space"}},
		"one sector": {sector(0)[:512], Content{}},
		"mdadm 1.2":  {big(4096, 0xfc, 0x4e, 0x2b, 0xa9), Content{Foreign: "an mdadm 1.2 RAID member"}},
		"bcache":     {big(4096+24, 0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca, 0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba, 0x6d, 0x81), Content{Foreign: "a bcache device"}},
		"btrfs":      {big(65536+64, []byte("_BHRfS_M")...), Content{Foreign: "a Btrfs filesystem"}},
		"zfs":        {big(16384+20, []byte("\x00\x00\x00\x07version")...), Content{Foreign: "a ZFS label"}},
		"epoch":      {withEpoch(), Content{Writeboost: true, Epoch: Epoch{Current: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", Prev: "00aa"}}},
		"bad epoch":  {withBadEpoch(), Content{Writeboost: true}},
	} {
		got, err := ParseCacheStart(c.b)
		require.NoError(t, err, name)
		assert.Equal(t, c.want, got, name)
	}
	_, err := ParseCacheStart(make([]byte, 100))
	assert.Error(t, err)
}

func TestParseInfo(t *testing.T) {
	out := `Name:              wb
State:             SUSPENDED
Read Ahead:        256
Tables present:    LIVE & INACTIVE
Open count:        2
Event number:      7
Major, minor:      254, 3
Number of targets: 1
UUID: FLOCK-wb
`
	i, err := ParseInfo(out)
	require.NoError(t, err)
	assert.Equal(t, Info{Name: "wb", Suspended: true, LiveTable: true, InactiveTable: true, OpenCount: 2, Event: 7,
		Major: 254, Minor: 3, Targets: 1, UUID: "FLOCK-wb"}, i)
	assert.Equal(t, "254:3", i.Dev())

	i, err = ParseInfo("Name: x\nState: ACTIVE (READ-ONLY)\nTables present: None\nMajor, minor: 254, 0\n")
	require.NoError(t, err)
	assert.True(t, i.ReadOnly)
	assert.False(t, i.LiveTable)
	assert.Equal(t, -1, i.OpenCount, "unknown, not zero")

	for name, bad := range map[string]string{
		"empty":     "",
		"no state":  "Name: x\nMajor, minor: 1, 2\n",
		"odd state": "Name: x\nState: WEIRD\nMajor, minor: 1, 2\n",
		"bad dev":   "Name: x\nState: ACTIVE\nMajor, minor: 1\n",
		"bad open":  "Name: x\nState: ACTIVE\nMajor, minor: 1, 2\nOpen count: many\n",
	} {
		_, err := ParseInfo(bad)
		assert.Error(t, err, name)
	}
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"wb", "wb0", "isard_cache", "vg-lv", "a.b+c:d@e", strings.Repeat("a", 127)} {
		assert.NoError(t, ValidName(ok), ok)
	}
	for _, bad := range []string{"", "-wb", ".", "..", "a/b", "a b", "wb\n", strings.Repeat("a", 128), "wb;rm", "ñ"} {
		assert.Error(t, ValidName(bad), bad)
	}
}

func TestParseMountinfo(t *testing.T) {
	text := `22 1 0:21 / /proc rw,nosuid - proc proc rw
36 22 254:0 / /srv/my\040data rw,relatime shared:1 - ext4 /dev/mapper/wb rw
37 22 254:0 /sub /mnt rw - ext4 /dev/mapper/wb rw
38 22 254:10 / /other rw - ext4 /dev/dm-10 rw
`
	assert.Equal(t, []string{"/srv/my data", "/mnt"}, ParseMountinfo(text, "254:0"))
	assert.Empty(t, ParseMountinfo(text, "254:1"))
}

func TestCmdError(t *testing.T) {
	e := &CmdError{Args: []string{"table", "wb"}, Code: 1,
		Stderr: oneLine([]byte("device-mapper: table ioctl on wb  failed: No such device or address\nCommand failed.\n"))}
	assert.Equal(t, "dmsetup table wb: device-mapper: table ioctl on wb failed: No such device or address", e.Error())
	assert.ErrorIs(t, e, ErrNoDevice)
	assert.False(t, e.Busy())

	e = &CmdError{Args: []string{"remove", "wb"}, Code: 1, Stderr: "device-mapper: remove ioctl on wb failed: Device or resource busy"}
	assert.True(t, e.Busy())
	assert.NotErrorIs(t, e, ErrNoDevice)
}
