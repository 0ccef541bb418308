package dm

import (
	"fmt"
	"strconv"
	"strings"
)

// Info is what `dmsetup info NAME` says of a device.
type Info struct {
	Name          string
	Suspended     bool
	ReadOnly      bool
	LiveTable     bool
	InactiveTable bool
	OpenCount     int // -1 when dmsetup does not know
	Event         uint32
	Major, Minor  uint32
	Targets       int // -1 when dmsetup does not know
	UUID          string
}

// Dev is the device's number as the kernel and sysfs write it, "MAJ:MIN".
func (i Info) Dev() string { return fmt.Sprintf("%d:%d", i.Major, i.Minor) }

// ParseInfo reads the long form of `dmsetup info` (libdevmapper's _display_info_long), one
// "Key: value" a line. Name, State and "Major, minor" are required; the rest is optional, as
// dmsetup leaves lines out when the kernel does not report them.
func ParseInfo(out string) (Info, error) {
	i := Info{OpenCount: -1, Targets: -1}
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		seen[key] = true
		var err error
		switch key {
		case "Name":
			i.Name = val
		case "State":
			// ACTIVE or SUSPENDED, then (READ-ONLY) and (DEFERRED REMOVE) when they apply.
			f := strings.Fields(val)
			if len(f) == 0 || f[0] != "ACTIVE" && f[0] != "SUSPENDED" {
				return Info{}, fmt.Errorf("dmsetup info: unknown state %q", val)
			}
			i.Suspended = f[0] == "SUSPENDED"
			i.ReadOnly = strings.Contains(val, "READ-ONLY")
		case "Tables present":
			i.LiveTable = strings.Contains(val, "LIVE")
			i.InactiveTable = strings.Contains(val, "INACTIVE")
		case "Open count":
			i.OpenCount, err = strconv.Atoi(val)
		case "Event number":
			var n uint64
			n, err = strconv.ParseUint(val, 10, 32)
			i.Event = uint32(n)
		case "Major, minor":
			i.Major, i.Minor, err = parseMajMin(strings.ReplaceAll(val, " ", ""), ",")
		case "Number of targets":
			i.Targets, err = strconv.Atoi(val)
		case "UUID":
			i.UUID = val
		}
		if err != nil {
			return Info{}, fmt.Errorf("dmsetup info: bad %s %q", key, val)
		}
	}
	for _, k := range []string{"Name", "State", "Major, minor"} {
		if !seen[k] {
			return Info{}, fmt.Errorf("dmsetup info: no %q line in %q", k, firstLine(out))
		}
	}
	return i, nil
}

// parseMajMin reads "MAJ<sep>MIN".
func parseMajMin(s, sep string) (uint32, uint32, error) {
	a, b, ok := strings.Cut(s, sep)
	if !ok {
		return 0, 0, fmt.Errorf("%q is not major%sminor", s, sep)
	}
	maj, err1 := strconv.ParseUint(a, 10, 32)
	mnr, err2 := strconv.ParseUint(b, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not major%sminor", s, sep)
	}
	return uint32(maj), uint32(mnr), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// ValidName checks a device-mapper name before it goes on a dmsetup command line. The kernel
// allows more (anything but "/" up to 127 bytes), but a name that looks like an option, holds
// spaces or needs quoting in udev rules and logs only causes trouble. (No regexp: compiling
// one at init costs every run of an agent more than the rest of its start-up.)
func ValidName(name string) error {
	ok := len(name) >= 1 && len(name) <= 127
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
		ok = alnum || i > 0 && strings.IndexByte(".+:@-", c) >= 0
	}
	if !ok {
		return fmt.Errorf("%q is not a usable device-mapper name (1-127 of A-Z a-z 0-9 _ . + : @ -, not starting with . + : @ -)", name)
	}
	return nil
}
