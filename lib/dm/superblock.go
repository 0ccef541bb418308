package dm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

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
	// Epoch is the epoch record beside a writeboost superblock (see EpochRecord); zero if none.
	Epoch Epoch
	// Foreign names another signature found where no writeboost magic is: creating a device
	// formats the cache and would destroy it. Empty when the start of the device looks unused.
	Foreign string
}

// probeRegions are the parts of a cache device read to classify it, each a multiple of
// sysio.DirectAlign: the first 8 KiB (partition tables, most filesystems, LVM, LUKS, swap,
// mdadm 1.1 and 1.2, bcache, and the epoch record), the start of ZFS's first label's
// name-value list, and Btrfs's superblock at 64 KiB. mdadm 0.90 and 1.0 keep theirs at the
// end of the device, which a format does not reach.
var probeRegions = []struct {
	off int64
	n   int
}{{0, 8192}, {16384, 4096}, {65536, 4096}}

// probeSpan is how much of the device ParseCacheStart looks at: past the last region.
const probeSpan = 65536 + 4096

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
	{"an mdadm 1.1 RAID member", 0, []byte{0xfc, 0x4e, 0x2b, 0xa9}},
	{"an ext2/3/4 filesystem", 0x438, []byte{0x53, 0xef}},
	{"an LVM physical volume", 0x200, []byte("LABELONE")},
	{"an LVM physical volume", 0x400, []byte("LABELONE")},
	{"a GPT partition table", 0x200, []byte("EFI PART")},
	{"swap space", 4096 - 10, []byte("SWAPSPACE2")},
	{"swap space", 4096 - 10, []byte("SWAP-SPACE")},
	{"an mdadm 1.2 RAID member", 4096, []byte{0xfc, 0x4e, 0x2b, 0xa9}},
	{"a bcache device", 4096 + 24, []byte{0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca, 0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba, 0x6d, 0x81}},
	// The label's XDR name-value list begins with the pair "version" (spa_config_generate).
	{"a ZFS label", 16384 + 20, []byte("\x00\x00\x00\x07version")},
	{"a Btrfs filesystem", 65536 + 64, []byte("_BHRfS_M")},
	{"a partition table or boot sector", 0x1fe, []byte{0x55, 0xaa}},
}

// ProbeCache reads the start of a cache device and says what creating a writeboost device over
// it will do. It reads with O_DIRECT: what the disk holds, whatever pages of it are cached.
func ProbeCache(files sysio.Files, path string) (Content, error) {
	b := make([]byte, probeSpan)
	for i, r := range probeRegions {
		got, err := files.ReadAt(path, r.off, r.n)
		if err != nil {
			return Content{}, err
		}
		if i == 0 && len(got) < 512 {
			return Content{}, fmt.Errorf("read %d bytes of the first sector, want 512", len(got))
		}
		copy(b[r.off:], got) // short past the end: the rest stays zero
	}
	return ParseCacheStart(b)
}

// ParseCacheStart classifies the first bytes of a cache device (see ProbeCache); what was not
// read is zeros.
func ParseCacheStart(b []byte) (Content, error) {
	if len(b) < 512 {
		return Content{}, fmt.Errorf("read %d bytes of the first sector, want 512", len(b))
	}
	if binary.LittleEndian.Uint32(b) == Magic {
		c := Content{Writeboost: true}
		if len(b) >= epochOff+epochSize {
			c.Epoch, _ = ParseEpochRecord(b[epochOff : epochOff+epochSize])
		}
		return c, nil
	}
	for _, s := range signatures {
		if s.off+len(s.sig) <= len(b) && bytes.Equal(b[s.off:s.off+len(s.sig)], s.sig) {
			return Content{Foreign: s.name}, nil
		}
	}
	return Content{}, nil
}

// The epoch record: which start of the resource the log on a cache belongs to. It lives in
// the cache's superblock region (the first MiB), where the kernel writes only sector 0 (the
// header, at format) and the last sector (the superblock record): at 4 KiB, one O_DIRECT
// block. A format zeroes the region, record included, so it is written after the create.
const (
	epochOff   = 4096
	epochSize  = sysio.DirectAlign
	epochMagic = "flock-writeboost-epoch "
)

// Epoch is an epoch record: the start it names, and the one before (empty for the first).
type Epoch struct{ Current, Prev string }

// EpochRecord is the record's block.
func EpochRecord(e Epoch) []byte {
	prev := e.Prev
	if prev == "" {
		prev = "-"
	}
	b := make([]byte, epochSize)
	copy(b, epochMagic+e.Current+" "+prev+"\n")
	return b
}

// ParseEpochRecord reads a record block; ok is false when it holds no record.
func ParseEpochRecord(b []byte) (Epoch, bool) {
	s, ok := strings.CutPrefix(string(b), epochMagic)
	if !ok {
		return Epoch{}, false
	}
	line, rest, ok := strings.Cut(s, "\n")
	cur, prev, two := strings.Cut(line, " ")
	if prev == "-" {
		prev = ""
	}
	if !ok || !two || !ValidEpoch(cur) || prev != "" && !ValidEpoch(prev) || strings.Trim(rest, "\x00") != "" {
		return Epoch{}, false
	}
	return Epoch{Current: cur, Prev: prev}, true
}

// ValidEpoch accepts what epochs are made of: 1 to 64 hex digits and dashes.
func ValidEpoch(e string) bool {
	if len(e) == 0 || len(e) > 64 {
		return false
	}
	for _, c := range e {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

// WriteEpoch writes the epoch record to the cache device maj:min at path: exclusively before
// the create, or beside the running writeboost device, since the kernel never touches the
// record's block.
func WriteEpoch(files sysio.Files, path string, maj, min uint32, epoch Epoch, exclusive bool) error {
	return files.WriteBlock(sysio.BlockWrite{Path: path, Major: maj, Minor: min, Off: epochOff, Data: EpochRecord(epoch), Exclusive: exclusive})
}

// ZeroSuperblock overwrites the first block of the cache device maj:min at path, magic
// included: the next create formats the cache instead of replaying a log. It opens the device
// exclusively, so the kernel refuses while anything holds it. Only ever call it for a cache
// whose device was removed with no dirty block left, or whose log is to be discarded.
func ZeroSuperblock(files sysio.Files, path string, maj, min uint32) error {
	return files.WriteBlock(sysio.BlockWrite{Path: path, Major: maj, Minor: min, Data: make([]byte, sysio.DirectAlign), Exclusive: true})
}
