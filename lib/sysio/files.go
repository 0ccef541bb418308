package sysio

import (
	"errors"
	"io"
	"io/fs"
	"os"
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
	// ReadAt reads n bytes at off (a device's first sector, say) with O_DIRECT-free buffered IO.
	ReadAt(path string, off int64, n int) ([]byte, error)
	// WriteAt writes data at off and syncs it to stable storage before returning.
	WriteAt(path string, off int64, data []byte) error
	WriteFile(path string, data []byte, perm fs.FileMode) error
	Stat(path string) (FileInfo, error)
	ReadDir(path string) ([]string, error)
}

type realFiles struct{}

func (realFiles) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (realFiles) ReadAt(path string, off int64, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && got > 0) {
		return nil, err
	}
	return buf[:got], nil
}

func (realFiles) WriteAt(path string, off int64, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(data, off); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
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
	fi := FileInfo{Mode: st.Mode(), Size: st.Size()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && fi.Mode&fs.ModeDevice != 0 {
		fi.Major = uint32((sys.Rdev>>8)&0xfff) | uint32((sys.Rdev>>32)&^0xfff)
		fi.Minor = uint32(sys.Rdev&0xff) | uint32((sys.Rdev>>12)&^0xff)
	}
	return fi, nil
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
