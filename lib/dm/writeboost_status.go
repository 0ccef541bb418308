package dm

import (
	"fmt"
	"strconv"
	"strings"
)

// Status is a dm-writeboost device's status (writeboost_status, STATUSTYPE_INFO), every field
// by name.
type Status struct {
	Sectors         uint64 // the target's length
	CursorPos       uint64 // next cache block to write
	NrCacheBlocks   uint64 // 4 KiB blocks the cache holds: 127 per segment
	NrSegments      uint64 // 512 KiB segments on the cache device
	CurrentID       uint64 // the segment being filled in the RAM buffer
	LastFlushedID   uint64 // the newest segment written to the cache device
	LastWritebackID uint64 // the newest segment written back to the backing device
	NrDirty         uint64 // blocks not yet on the backing device, RAM buffer included
	// Stats counts IOs by kind: index write<<3 | hit<<2 | on_buffer<<1 | fullsize
	// (enum STATFLAG). StatIndex builds the index.
	Stats            [16]uint64
	NrPartialFlushed uint64 // segments flushed before they were full
	// Tunables are the current values the status reports: writeback_threshold,
	// nr_cur_batched_writeback (the batch in progress, not nr_max_batched_writeback),
	// sync_data_interval, update_sb_record_interval and read_cache_threshold.
	Tunables map[string]uint64
}

// StatIndex is the index into Status.Stats of one kind of IO.
func StatIndex(write, hit, onBuffer, fullsize bool) int {
	i := 0
	for bit, on := range []bool{fullsize, onBuffer, hit, write} {
		if on {
			i |= 1 << bit
		}
	}
	return i
}

// Writes is the number of writes the device has served since it was created or its counters
// cleared.
func (s Status) Writes() uint64 {
	var n uint64
	for i := 8; i < 16; i++ {
		n += s.Stats[i]
	}
	return n
}

// PendingSegments are segments on the cache device that are not yet written back.
func (s Status) PendingSegments() uint64 {
	if s.LastFlushedID < s.LastWritebackID {
		return 0
	}
	return s.LastFlushedID - s.LastWritebackID
}

// DirtyPercent is the share of the cache's blocks that are dirty.
func (s Status) DirtyPercent() float64 {
	if s.NrCacheBlocks == 0 {
		return 0
	}
	return 100 * float64(s.NrDirty) / float64(s.NrCacheBlocks)
}

// StatusTunables are the keys the status line reports, in its order.
var StatusTunables = []string{"writeback_threshold", "nr_cur_batched_writeback", "sync_data_interval",
	"update_sb_record_interval", "read_cache_threshold"}

// ParseStatus reads the output of `dmsetup status NAME` for a dm-writeboost device:
//
//	0 LEN writeboost cursor_pos nr_cache_blocks nr_segments current_id last_flushed_id
//	  last_writeback_id nr_dirty_cache_blocks stat×16 nr_partial_flushed 10
//	  writeback_threshold N nr_cur_batched_writeback N sync_data_interval N
//	  update_sb_record_interval N read_cache_threshold N
//
// The 10 counts the words after it; those are read as key/value pairs, so a target that adds
// a tunable still parses, but the five above must be there.
func ParseStatus(out string) (Status, error) {
	lines := nonEmptyLines(out)
	if len(lines) != 1 {
		return Status{}, fmt.Errorf("status has %d lines, want one %s target: %q", len(lines), Target, firstLine(out))
	}
	f := strings.Fields(lines[0])
	if len(f) < 3 || f[2] != Target {
		return Status{}, fmt.Errorf("not a %s status: %q", Target, firstLine(out))
	}
	const fixed = 7 + 16 + 1 + 1 // counters, stats, partial flushes, the word count
	if len(f) < 3+fixed {
		return Status{}, fmt.Errorf("%s status has %d fields, want at least %d: %q", Target, len(f)-3, fixed, firstLine(out))
	}
	nums := make([]uint64, 0, fixed+1)
	for _, w := range append([]string{f[1]}, f[3:3+fixed]...) {
		n, err := strconv.ParseUint(w, 10, 64)
		if err != nil {
			return Status{}, fmt.Errorf("%s status: %q is not a number", Target, w)
		}
		nums = append(nums, n)
	}
	s := Status{Sectors: nums[0], CursorPos: nums[1], NrCacheBlocks: nums[2], NrSegments: nums[3], CurrentID: nums[4],
		LastFlushedID: nums[5], LastWritebackID: nums[6], NrDirty: nums[7], NrPartialFlushed: nums[24],
		Tunables: map[string]uint64{}}
	copy(s.Stats[:], nums[8:24])
	words := f[3+fixed:]
	if nums[25] != uint64(len(words)) || len(words)%2 != 0 {
		return Status{}, fmt.Errorf("%s status announces %d tunable words and has %d", Target, nums[25], len(words))
	}
	for i := 0; i < len(words); i += 2 {
		v, err := strconv.ParseUint(words[i+1], 10, 64)
		if err != nil {
			return Status{}, fmt.Errorf("%s status: %s %q is not a number", Target, words[i], words[i+1])
		}
		s.Tunables[words[i]] = v
	}
	for _, k := range StatusTunables {
		if _, ok := s.Tunables[k]; !ok {
			return Status{}, fmt.Errorf("%s status does not report %s", Target, k)
		}
	}
	return s, nil
}
