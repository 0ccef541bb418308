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
