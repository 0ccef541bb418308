package sysio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"syscall"
)

// FileInfo is what agents need to know of a path: kind, size and device numbers.
type FileInfo struct {
	Mode  fs.FileMode
	Size  int64
	Major uint32 // for device nodes
	Minor uint32
}

// IsBlockDevice reports a block device node.
func (f FileInfo) IsBlockDevice() bool {
	return f.Mode&fs.ModeDevice != 0 && f.Mode&fs.ModeCharDevice == 0
}

// Files reads and writes files, /proc and /sys entries and device nodes.
type Files interface {
	ReadFile(path string) ([]byte, error)
	// ReadAt reads n bytes at off (a device's first sector, say). A block device is read with
	// O_DIRECT when off and n are multiples of DirectAlign: what the disk holds, not what the
	// page cache kept of it while a kernel driver wrote beside it.
	ReadAt(path string, off int64, n int) ([]byte, error)
	// WriteBlock writes to a block device node (see BlockWrite).
	WriteBlock(w BlockWrite) error
	WriteFile(path string, data []byte, perm fs.FileMode) error
	Stat(path string) (FileInfo, error)
	ReadDir(path string) ([]string, error)
}

type realFiles struct{}

// ReadFile reads a whole file in plain system calls: most of what agents read are /proc and /sys
// files, which os.ReadFile registers with the poller and reads 512 bytes at a time.
func (realFiles) ReadFile(path string) ([]byte, error) {
	fd, err := ignoringEINTR(func() (int, error) { return syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 8<<10)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := ignoringEINTR(func() (int, error) { return syscall.Read(fd, buf[len(buf):cap(buf)]) })
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// ignoringEINTR retries a call a signal interrupted: Go's handlers restart most, but not an open
// of a FIFO or a read over NFS (os retries these the same way).
func ignoringEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// DirectAlign is the alignment O_DIRECT IO uses here: the largest logical block size of
// the disks a cache or backing device can be (4Kn), and the page size.
const DirectAlign = 4096

// BlockWrite is one write to a block device node, with O_DIRECT and O_SYNC so that it is on
// the disk when WriteBlock returns and no cached page of the device goes stale beside it.
type BlockWrite struct {
	Path string
	// Major, Minor are the device the node must be once opened: a path (a udev symlink) can
	// name another device by then, and the write must not land there.
	Major, Minor uint32
	Off          int64  // a multiple of DirectAlign
	Data         []byte // a multiple of DirectAlign bytes
	// Exclusive opens with O_EXCL, which the kernel refuses (EBUSY) while a filesystem,
	// device-mapper or md holds the device.
	Exclusive bool
}

func (realFiles) ReadAt(path string, off int64, n int) ([]byte, error) {
	flags := os.O_RDONLY
	if off%DirectAlign == 0 && n%DirectAlign == 0 && isBlock(path) {
		flags |= syscall.O_DIRECT
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf, free, err := alignedBuf(n)
	if err != nil {
		return nil, err
	}
	defer free()
	got, err := f.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && got > 0) {
		return nil, err
	}
	return append([]byte(nil), buf[:got]...), nil
}

func isBlock(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&fs.ModeDevice != 0 && st.Mode()&fs.ModeCharDevice == 0
}

// alignedBuf is memory O_DIRECT accepts: an anonymous mapping is page-aligned.
func alignedBuf(n int) ([]byte, func(), error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("allocating %d bytes for direct IO: %w", n, err)
	}
	return b, func() { _ = syscall.Munmap(b) }, nil
}

func (realFiles) WriteBlock(w BlockWrite) error {
	if w.Off%DirectAlign != 0 || len(w.Data)%DirectAlign != 0 {
		return fmt.Errorf("write to %s: offset %d and length %d must be multiples of %d", w.Path, w.Off, len(w.Data), DirectAlign)
	}
	flags := os.O_WRONLY | syscall.O_DIRECT | syscall.O_SYNC
	if w.Exclusive {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(w.Path, flags, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fi := fileInfo(st)
	if !fi.IsBlockDevice() || fi.Major != w.Major || fi.Minor != w.Minor {
		return fmt.Errorf("%s is %s %d:%d now, not block device %d:%d: not writing", w.Path, st.Mode().Type(), fi.Major, fi.Minor, w.Major, w.Minor)
	}
	buf, free, err := alignedBuf(len(w.Data))
	if err != nil {
		return err
	}
	defer free()
	copy(buf, w.Data)
	if _, err := f.WriteAt(buf, w.Off); err != nil {
		return err
	}
	return f.Close()
}

func (realFiles) WriteFile(path string, data []byte, perm fs.FileMode) error {
	return os.WriteFile(path, data, perm)
}

func (realFiles) Stat(path string) (FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, err
	}
	return fileInfo(st), nil
}

func fileInfo(st fs.FileInfo) FileInfo {
	fi := FileInfo{Mode: st.Mode(), Size: st.Size()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && fi.Mode&fs.ModeDevice != 0 {
		fi.Major = uint32((sys.Rdev>>8)&0xfff) | uint32((sys.Rdev>>32)&^0xfff)
		fi.Minor = uint32(sys.Rdev&0xff) | uint32((sys.Rdev>>12)&^0xff)
	}
	return fi
}

func (realFiles) ReadDir(path string) ([]string, error) {
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, nil
}
