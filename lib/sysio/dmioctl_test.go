package sysio

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// kernelReply lays out a DM_TABLE_STATUS answer as the kernel's retrieve_status does: the
// header, then per target a dm_target_spec and its NUL-terminated parameters, the next spec
// 8-byte aligned, spec.next counted from data_start.
func kernelReply(targets []DMTarget, dev uint64, flags uint32) []byte {
	buf := make([]byte, 4096)
	le := binary.LittleEndian
	le.PutUint32(buf[12:], uint32(len(buf)))     // data_size
	le.PutUint32(buf[16:], unix.SizeofDmIoctl)   // data_start
	le.PutUint32(buf[20:], uint32(len(targets))) // target_count
	le.PutUint32(buf[24:], 2)                    // open_count
	le.PutUint32(buf[28:], flags)                // flags
	le.PutUint32(buf[32:], 7)                    // event_nr
	le.PutUint64(buf[40:], dev)                  // dev
	copy(buf[48+128:], "uuid-1")                 // uuid
	data := buf[unix.SizeofDmIoctl:]
	off := 0
	for _, t := range targets {
		le.PutUint64(data[off:], t.Start)
		le.PutUint64(data[off+8:], t.Length)
		copy(data[off+24:off+40], t.Type)
		p := off + unix.SizeofDmTargetSpec
		copy(data[p:], t.Params)
		next := (p + len(t.Params) + 1 + 7) &^ 7
		le.PutUint32(data[off+20:], uint32(next))
		off = next
	}
	return buf
}

func TestParseDMReply(t *testing.T) {
	want := []DMTarget{{Start: 0, Length: 2097152, Type: "writeboost", Params: "253:0 253:1 2 writeback_threshold 0"},
		{Start: 2097152, Length: 8, Type: "zero", Params: ""}}
	// 254:300 in the kernel's new_encode_dev: minor's low byte, major, minor's high bits.
	dev := uint64(300&0xff | 254<<8 | (300&^0xff)<<12)
	buf := kernelReply(want, dev, unix.DM_SUSPEND_FLAG|unix.DM_ACTIVE_PRESENT_FLAG)
	r, err := parseDMReply(buf, true)
	require.NoError(t, err)
	assert.Equal(t, DMReply{Major: 254, Minor: 300, OpenCount: 2, Event: 7, Suspended: true, LiveTable: true,
		UUID: "uuid-1", Targets: want}, r)

	r, err = parseDMReply(buf, false)
	require.NoError(t, err)
	assert.Empty(t, r.Targets, "DM_DEV_STATUS has no targets")

	// A spec that points past the buffer is an error, not a panic.
	binary.LittleEndian.PutUint32(buf[unix.SizeofDmIoctl+20:], 1<<20)
	_, err = parseDMReply(buf, true)
	assert.Error(t, err)
}

// FuzzParseDMReply: whatever the kernel's buffer holds (counts, offsets, unterminated strings),
// reading it never panics.
func FuzzParseDMReply(f *testing.F) {
	f.Add(kernelReply([]DMTarget{{Start: 0, Length: 8, Type: "zero", Params: "a b"}}, 1, 0)[:1024])
	f.Fuzz(func(t *testing.T, b []byte) {
		buf := make([]byte, 16<<10)
		copy(buf, b)
		_, _ = parseDMReply(buf, true)
	})
}
