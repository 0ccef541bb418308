package dm

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// What sysfs and procfs say about block devices, by device number: these work for disks,
// partitions and device-mapper devices alike, and need no dmsetup.

func sysDev(maj, min uint32) string { return fmt.Sprintf("/sys/dev/block/%d:%d", maj, min) }

// Sectors is the size of a block device in 512-byte sectors, as `blockdev --getsz` gives it
// (sysfs reports 512-byte units whatever the logical block size).
func Sectors(files sysio.Files, maj, min uint32) (uint64, error) {
	b, err := files.ReadFile(sysDev(maj, min) + "/size")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s/size: %q is not a number", sysDev(maj, min), strings.TrimSpace(string(b)))
	}
	return n, nil
}

// Holders are the kernel names of the devices stacked on a block device (dm-3, md0, bcache0):
// the ones that registered as holders, as device-mapper and md do.
func Holders(files sysio.Files, maj, min uint32) ([]string, error) {
	return files.ReadDir(sysDev(maj, min) + "/holders")
}

// Mounts are the mount points of filesystems on the block device, from mountinfo.
func Mounts(files sysio.Files, maj, min uint32) ([]string, error) {
	b, err := files.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return ParseMountinfo(string(b), fmt.Sprintf("%d:%d", maj, min)), nil
}

// ParseMountinfo returns the mount points whose device is dev ("MAJ:MIN") in the text of
// /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS …", with spaces and other
// awkward bytes in paths written as octal escapes.
func ParseMountinfo(text, dev string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[2] == dev {
			out = append(out, unescapeOctal(f[4]))
		}
	}
	return out
}

func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FindByName looks through sysfs for the device-mapper device called name and returns its
// kernel name (dm-N), or "" if there is none. It is the kernel's own answer, so it holds
// without dmsetup and without the dm module (then there are no dm-N devices at all).
func FindByName(files sysio.Files, name string) (string, error) {
	ents, err := files.ReadDir("/sys/block")
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if !strings.HasPrefix(e, "dm-") {
			continue
		}
		b, err := files.ReadFile("/sys/block/" + e + "/dm/name")
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed while we looked
		}
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(string(b)) == name {
			return e, nil
		}
	}
	return "", nil
}

// MapperState reads a device's number and suspended state without dmsetup: from its
// /dev/mapper node and sysfs (dm/name must name it, dm/suspended says the state). ok is false
// when they cannot tell — no node, or a stale node of another or no device — and dmsetup info
// must answer. Only Name, Major, Minor and Suspended are filled in: sysfs says nothing of the
// tables or the open count (OpenCount and Targets read -1).
func MapperState(files sysio.Files, name string) (Info, bool) {
	fi, err := files.Stat("/dev/mapper/" + name)
	if err != nil || !fi.IsBlockDevice() {
		return Info{}, false
	}
	dir := sysDev(fi.Major, fi.Minor) + "/dm/"
	b, err := files.ReadFile(dir + "name")
	if err != nil || strings.TrimSpace(string(b)) != name {
		return Info{}, false
	}
	b, err = files.ReadFile(dir + "suspended")
	state := strings.TrimSpace(string(b))
	if err != nil || state != "0" && state != "1" {
		return Info{}, false
	}
	return Info{Name: name, Suspended: state == "1", OpenCount: -1, Targets: -1,
		Major: fi.Major, Minor: fi.Minor}, true
}
