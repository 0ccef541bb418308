package main

import (
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// mountedAt reports the filesystem type mounted at path, per this process's mount table, or ""
// when path is no mount point (a bare directory of a filesystem that is not mounted).
func mountedAt(files sysio.Files, path string) (string, error) {
	b, err := files.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	fstype := ""
	for _, line := range strings.Split(string(b), "\n") {
		// id parent major:minor root mountpoint options [optional...] - fstype source super
		f := strings.Fields(line)
		if len(f) < 10 || unescape(f[4]) != path {
			continue
		}
		for i := 6; i < len(f)-1; i++ {
			if f[i] == "-" {
				fstype = f[i+1] // the last mount on a path is the one seen
				break
			}
		}
	}
	return fstype, nil
}

// unescape undoes the kernel's octal escapes of space, tab, newline and backslash.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
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
