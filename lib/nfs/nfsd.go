package nfs

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// The kernel server's control files (the nfsd filesystem, mounted on /proc/fs/nfsd) and lockd's.
const (
	NFSDDir        = "/proc/fs/nfsd"
	Threads        = NFSDDir + "/threads"
	Versions       = NFSDDir + "/versions"
	GraceTime      = NFSDDir + "/nfsv4gracetime"
	LeaseTime      = NFSDDir + "/nfsv4leasetime"
	UnlockFS       = NFSDDir + "/unlock_filesystem"
	UnlockIP       = NFSDDir + "/unlock_ip"
	NLMGracePeriod = "/proc/sys/fs/nfs/nlm_grace_period"
	NLMTimeout     = "/proc/sys/fs/nfs/nlm_timeout"
	StateDir       = "/var/lib/nfs"
	KernelExports  = "/proc/fs/nfs/exports"
	DefaultPipefs  = "/run/rpc_pipefs"
	NFSDFSType     = "nfsd"
	PipefsFSType   = "rpc_pipefs"
	DefaultNFSPort = 2049
	nfsdNotMounted = "the nfsd filesystem is not mounted on " + NFSDDir
)

// ErrNFSDNotMounted: /proc/fs/nfsd holds no nfsd filesystem (the module is not loaded, or
// nothing mounted it yet).
var ErrNFSDNotMounted = errors.New(nfsdNotMounted)

// ThreadCount reads how many nfsd threads run; an unmounted nfsd filesystem is
// ErrNFSDNotMounted.
func ThreadCount(files sysio.Files) (int, error) {
	data, err := files.ReadFile(Threads)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, ErrNFSDNotMounted
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// VersionsLine is what /proc/fs/nfsd/versions takes: every version the kernel knows, each
// enabled (+) or not (-). Minor versions of 4 are only listed when 4 is on.
func VersionsLine(enabled []string) string {
	on := map[string]bool{}
	for _, v := range enabled {
		on[v] = true
	}
	sign := func(v string) string {
		if on[v] {
			return "+" + v
		}
		return "-" + v
	}
	parts := []string{sign("3")}
	if on["4.0"] || on["4.1"] || on["4.2"] {
		parts = append(parts, "+4", sign("4.0"), sign("4.1"), sign("4.2"))
	} else {
		parts = append(parts, "-4")
	}
	return strings.Join(parts, " ") + "\n"
}

// Enabled reads /proc/fs/nfsd/versions ("+3 -4 +4.1 ...") into the set of enabled versions.
// The kernel writes 4.0 as "4.0" and lists "+4" for the major version.
func Enabled(line string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "+"); ok {
			out[v] = true
		}
	}
	return out
}
