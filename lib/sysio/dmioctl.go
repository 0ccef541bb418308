package sysio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DeviceMapper asks the kernel's device-mapper driver about a device through the ioctls of
// /dev/mapper/control: what dmsetup info, table and status print, without running dmsetup
// (whose start-up is most of a monitor's cost). Errors: ErrDMNoDevice when the kernel has no
// device of that name, ErrDMNoControl when there is no control node, fs.ErrPermission when the
// kernel refuses (not root).
type DeviceMapper interface {
	Query(ctx context.Context, q DMQuery) (DMReply, error)
}

// DMOp is what a DMQuery asks for.
type DMOp string

const (
	DMInfo   DMOp = "info"   // DM_DEV_STATUS: the device's state only
	DMTable  DMOp = "table"  // DM_TABLE_STATUS with DM_STATUS_TABLE_FLAG: the live table
	DMStatus DMOp = "status" // DM_TABLE_STATUS: each target's status line
)

// DMQuery names the device and what to ask of it.
type DMQuery struct {
	Op   DMOp
	Name string
}

// DMReply is the kernel's answer: the device's state, and for table and status one entry per
// target, in table order.
type DMReply struct {
	Major, Minor  uint32
	OpenCount     int32
	Event         uint32
	Suspended     bool
	ReadOnly      bool
	LiveTable     bool
	InactiveTable bool
	UUID          string
	Targets       []DMTarget
}

// DMTarget is one line of a table or status: Params are the table's parameters or the
// target's status, as dmsetup prints them after the type.
type DMTarget struct {
	Start, Length uint64
	Type, Params  string
}

var (
	ErrDMNoDevice  = errors.New("no such device-mapper device")
	ErrDMNoControl = errors.New("no device-mapper control node (" + dmControl + ")")
)

const dmControl = "/dev/mapper/control"

type realDM struct{}

func (realDM) Query(ctx context.Context, q DMQuery) (DMReply, error) {
	if err := ctx.Err(); err != nil {
		return DMReply{}, err
	}
	req, flags := uint(unix.DM_TABLE_STATUS), uint32(0)
	switch q.Op {
	case DMInfo:
		req = unix.DM_DEV_STATUS
	case DMTable:
		flags = unix.DM_STATUS_TABLE_FLAG
	case DMStatus:
	default:
		return DMReply{}, fmt.Errorf("device-mapper: unknown query %q", q.Op)
	}
	if len(q.Name) == 0 || len(q.Name) >= len(unix.DmIoctl{}.Name) {
		return DMReply{}, fmt.Errorf("device-mapper: bad device name %q", q.Name)
	}
	fd, err := unix.Open(dmControl, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		// No node, or a node without its driver (dm-mod not loaded): no control either way.
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENXIO) {
			return DMReply{}, ErrDMNoControl
		}
		return DMReply{}, &os.PathError{Op: "open", Path: dmControl, Err: err}
	}
	defer unix.Close(fd)
	// A status line is short; a table that does not fit says so and is asked again larger.
	for size := 16 << 10; ; size *= 4 {
		buf := make([]byte, size)
		hdr := (*unix.DmIoctl)(unsafe.Pointer(&buf[0]))
		hdr.Version = [3]uint32{4, 0, 0}
		hdr.Data_size = uint32(size)
		hdr.Data_start = unix.SizeofDmIoctl
		hdr.Flags = flags
		copy(hdr.Name[:], q.Name)
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(&buf[0]))); errno != 0 {
			switch errno {
			case unix.ENXIO:
				return DMReply{}, fmt.Errorf("%s: %w", q.Name, ErrDMNoDevice)
			case unix.EACCES, unix.EPERM:
				return DMReply{}, &os.PathError{Op: "ioctl " + string(q.Op), Path: dmControl, Err: errno}
			}
			return DMReply{}, fmt.Errorf("device-mapper %s %s: %w", q.Op, q.Name, errno)
		}
		if hdr.Flags&unix.DM_BUFFER_FULL_FLAG != 0 && size < 16<<20 {
			continue
		}
		return parseDMReply(buf, req == unix.DM_TABLE_STATUS)
	}
}

// parseDMReply reads the header and, for DM_TABLE_STATUS, the target specs that follow it,
// each followed by its NUL-terminated parameters; a spec's next is relative to data_start.
func parseDMReply(buf []byte, targets bool) (DMReply, error) {
	hdr := (*unix.DmIoctl)(unsafe.Pointer(&buf[0]))
	r := DMReply{Major: unix.Major(hdr.Dev), Minor: unix.Minor(hdr.Dev), OpenCount: hdr.Open_count, Event: hdr.Event_nr,
		Suspended: hdr.Flags&unix.DM_SUSPEND_FLAG != 0, ReadOnly: hdr.Flags&unix.DM_READONLY_FLAG != 0,
		LiveTable: hdr.Flags&unix.DM_ACTIVE_PRESENT_FLAG != 0, InactiveTable: hdr.Flags&unix.DM_INACTIVE_PRESENT_FLAG != 0,
		UUID: cString(hdr.Uuid[:])}
	if !targets {
		return r, nil
	}
	start := min(int(hdr.Data_start), len(buf))
	data := buf[start:max(start, min(int(hdr.Data_size), len(buf)))]
	off := 0
	for i := range hdr.Target_count {
		if off+unix.SizeofDmTargetSpec > len(data) {
			return DMReply{}, errors.New("device-mapper: truncated target list")
		}
		spec := (*unix.DmTargetSpec)(unsafe.Pointer(&data[off]))
		r.Targets = append(r.Targets, DMTarget{Start: spec.Sector_start, Length: spec.Length,
			Type: cString(spec.Target_type[:]), Params: cString(data[off+unix.SizeofDmTargetSpec:])})
		if next := int(spec.Next); next > off || i+1 == hdr.Target_count {
			off = next
		} else {
			return DMReply{}, errors.New("device-mapper: target list goes backwards")
		}
	}
	return r, nil
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
