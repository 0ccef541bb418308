package dm

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Magic is dm-writeboost's superblock magic WB_MAGIC, "WBst", a little-endian 32-bit word at
// byte 0 of the cache device (struct superblock_header_device).
const Magic = 0x57427374

// Content is what the start of a would-be cache device holds.
type Content struct {
	// Writeboost: the superblock magic is there. Creating a device replays the log on the cache
	// (audit_cache_device) — recovering any dirty data — unless write_around_mode is set, in
	// which case the constructor formats the cache and the log is lost.
	Writeboost bool
	// Foreign names another signature found where no writeboost magic is: creating a device
	// formats the cache and would destroy it. Empty when the start of the device looks unused.
	Foreign string
}

// probeSize covers the signatures checked: all lie in the first 4 KiB.
const probeSize = 4096

// signatures are what other users of a block device write near its start (offsets as
// util-linux's libblkid probes them). Looking for them keeps a cache_dev that names the wrong
// disk from being formatted.
var signatures = []struct {
	name string
	off  int
	sig  []byte
}{
	{"an XFS filesystem", 0, []byte("XFSB")},
	{"a LUKS header", 0, []byte("LUKS\xba\xbe")},
	{"an ext2/3/4 filesystem", 0x438, []byte{0x53, 0xef}},
	{"an LVM physical volume", 0x200, []byte("LABELONE")},
	{"an LVM physical volume", 0x400, []byte("LABELONE")},
	{"a GPT partition table", 0x200, []byte("EFI PART")},
	{"swap space", probeSize - 10, []byte("SWAPSPACE2")},
	{"swap space", probeSize - 10, []byte("SWAP-SPACE")},
	{"a partition table or boot sector", 0x1fe, []byte{0x55, 0xaa}},
}

// ProbeCache reads the start of a cache device and says what creating a writeboost device over
// it will do. It reads through the page cache: that is coherent with what the kernel wrote
// straight to the disk because nothing holds the device open at this point (callers check
// that first), and the last close of a block device drops its cached pages.
func ProbeCache(files sysio.Files, path string) (Content, error) {
	b, err := files.ReadAt(path, 0, probeSize)
	if err != nil {
		return Content{}, err
	}
	return ParseCacheStart(b)
}

// ParseCacheStart classifies the first bytes of a cache device (see ProbeCache).
func ParseCacheStart(b []byte) (Content, error) {
	if len(b) < 512 {
		return Content{}, fmt.Errorf("read %d bytes of the first sector, want 512", len(b))
	}
	if binary.LittleEndian.Uint32(b) == Magic {
		return Content{Writeboost: true}, nil
	}
	for _, s := range signatures {
		if s.off+len(s.sig) <= len(b) && bytes.Equal(b[s.off:s.off+len(s.sig)], s.sig) {
			return Content{Foreign: s.name}, nil
		}
	}
	return Content{}, nil
}

// ZeroSuperblock overwrites the first sector of a cache device, magic included, and syncs it:
// the next create formats the cache instead of replaying a log. Only ever call it for a cache
// whose device was removed with no dirty block left.
func ZeroSuperblock(files sysio.Files, path string) error {
	return files.WriteAt(path, 0, make([]byte, 512))
}
