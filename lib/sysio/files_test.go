package sysio

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WriteBlock writes only whole aligned blocks, and only to the block device it was told of;
// a regular file (what a udev link might point at by mistake) is refused after the open.
func TestWriteBlockRefuses(t *testing.T) {
	f := filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.WriteFile(f, make([]byte, 2*DirectAlign), 0o600))
	var files realFiles
	assert.ErrorContains(t, files.WriteBlock(BlockWrite{Path: f, Off: 1, Data: make([]byte, DirectAlign)}), "multiples of 4096")
	assert.ErrorContains(t, files.WriteBlock(BlockWrite{Path: f, Data: make([]byte, 512)}), "multiples of 4096")
	err := files.WriteBlock(BlockWrite{Path: f, Data: []byte(string(make([]byte, DirectAlign)))})
	assert.Error(t, err, "a regular file is no block device (or takes no O_DIRECT)")

	// ReadAt of a regular file reads through the page cache, whatever the alignment.
	require.NoError(t, os.WriteFile(f, []byte("0123456789"), 0o600))
	b, err := files.ReadAt(f, 2, 3)
	require.NoError(t, err)
	assert.Equal(t, "234", string(b))
}

// ReadFile reads what os.ReadFile reads, /proc files past its first 512 bytes included, and
// fails as it does: agents test errors.Is(err, fs.ErrNotExist) and tapes keep the message.
func TestReadFileIsOsReadFile(t *testing.T) {
	var files realFiles
	big := filepath.Join(t.TempDir(), "big")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), 3000), 0o644))
	for _, p := range []string{"/proc/self/mountinfo", big, "/dev/null"} {
		got, err := files.ReadFile(p)
		require.NoError(t, err, p)
		want, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Equal(t, want, got, p)
	}
	for _, p := range []string{"/nonexistent/file", t.TempDir()} {
		_, err := files.ReadFile(p)
		_, want := os.ReadFile(p)
		require.Error(t, err, p)
		require.Equal(t, want.Error(), err.Error())
		require.Equal(t, errors.Is(want, fs.ErrNotExist), errors.Is(err, fs.ErrNotExist))
	}
}
