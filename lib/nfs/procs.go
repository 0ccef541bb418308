package nfs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Proc is a process as /proc/<pid>/stat shows it. Start (clock ticks since boot) tells a live
// daemon from a new process that got a recycled pid.
type Proc struct {
	PID   int
	Comm  string
	State byte
	Start uint64
}

func (p Proc) String() string { return fmt.Sprintf("%s[%d]", p.Comm, p.PID) }

// ParseStat reads /proc/<pid>/stat. The command name is in parentheses and may itself hold
// spaces and parentheses, so the fields after it are counted from the last ")".
func ParseStat(pid int, data []byte) (Proc, error) {
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return Proc{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	rest := strings.Fields(s[end+1:])
	// state is field 3, starttime field 22: indices 0 and 19 after the name.
	if len(rest) < 20 || len(rest[0]) != 1 {
		return Proc{}, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(rest))
	}
	start, err := strconv.ParseUint(rest[19], 10, 64)
	if err != nil {
		return Proc{}, fmt.Errorf("/proc/%d/stat: start time %q", pid, rest[19])
	}
	return Proc{PID: pid, Comm: s[open+1 : end], State: rest[0][0], Start: start}, nil
}

// ReadProc reads one process; ok is false when it is gone or a zombie.
func ReadProc(files sysio.Files, pid int) (Proc, bool) {
	data, err := files.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, false
	}
	p, err := ParseStat(pid, data)
	if err != nil || p.State == 'Z' || p.State == 'X' {
		return Proc{}, false
	}
	return p, true
}

// FindProcs scans /proc for live processes whose command name is among names. Kernel threads
// (whose parent is kthreadd) are not daemons: nfsd threads are counted through /proc/fs/nfsd.
func FindProcs(files sysio.Files, names ...string) ([]Proc, error) {
	ents, err := files.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e)
		if err != nil || pid <= 2 {
			continue
		}
		if p, ok := ReadProc(files, pid); ok && want[p.Comm] {
			out = append(out, p)
		}
	}
	return out, nil
}
