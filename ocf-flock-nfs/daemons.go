package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/nfs"
)

// daemon is one user-space helper of the NFS server: its process name in /proc/<pid>/stat, its
// Debian unit and, for direct management, how to start it (nil: the agent only stops it).
type daemon struct {
	comm, unit string
	argv       []string
}

var (
	rpcbind = daemon{comm: "rpcbind", unit: "rpcbind.service", argv: []string{"rpcbind", "-w"}}
	// statd is started without notifying: start runs sm-notify itself, from the floating IP, once
	// nfsd serves.
	statd    = daemon{comm: "rpc.statd", unit: "rpc-statd.service", argv: []string{"rpc.statd", "--no-notify"}}
	nfsdcld  = daemon{comm: "nfsdcld", unit: "nfsdcld.service", argv: []string{"nfsdcld"}}
	mountd   = daemon{comm: "rpc.mountd", unit: "nfs-mountd.service", argv: []string{"rpc.mountd"}}
	idmapd   = daemon{comm: "rpc.idmapd", unit: "nfs-idmapd.service"}
	fsidd    = daemon{comm: "fsidd", unit: "fsidd.service"}
	smNotify = daemon{comm: "sm-notify", unit: "rpc-statd-notify.service"}
)

// running are the daemons that must run while the resource does, in start order.
func (c config) running() []daemon {
	var ds []daemon
	if c.v3() {
		ds = append(ds, rpcbind, statd)
	}
	if c.v4() {
		ds = append(ds, nfsdcld)
	}
	return append(ds, mountd)
}

// holders are the daemons stop ends, in stop order: everything that may hold /var/lib/nfs
// (statd's sm, nfsdcld's database, mountd's etab and rmtab, fsidd's socket and database).
var holders = []daemon{mountd, idmapd, smNotify, statd, nfsdcld, fsidd}

func comms(ds []daemon) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.comm
	}
	return out
}

// nfsdArgv starts the kernel server: rpc.nfsd in a UTS namespace named after the server scope,
// since nfsd takes its scope from the host name of the process that starts its threads. The
// versions, grace and lease go on the command line too, so nothing in nfs.conf overrides them.
func (c config) nfsdArgv(sh, unshare, rpcNFSD string) []string {
	argv := []string{unshare, "-u", sh, "-c", `hostname "$0" && exec "$@"`, c.scope, rpcNFSD,
		"--grace-time", strconv.Itoa(c.grace), "--lease-time", strconv.Itoa(c.lease)}
	on := map[string]bool{}
	for _, v := range c.versions {
		on[v] = true
	}
	if !on["3"] {
		argv = append(argv, "-N", "3")
	} else {
		argv = append(argv, "-V", "3")
	}
	if !c.v4() {
		argv = append(argv, "-N", "4")
	} else {
		for _, v := range knownVersions[1:] {
			if on[v] {
				argv = append(argv, "-V", v)
			} else {
				argv = append(argv, "-N", v)
			}
		}
	}
	return append(argv, strconv.Itoa(c.threads))
}

// dropIn is the runtime drop-in for nfs-server.service: no exportfs -r (it would apply
// /etc/exports) and our rpc.nfsd line. systemd expands $ in Exec lines, so the shell's are
// doubled.
func (c config) dropIn() string {
	argv := c.nfsdArgv("/bin/sh", "/usr/bin/unshare", "/usr/sbin/rpc.nfsd")
	for i, a := range argv {
		a = strings.ReplaceAll(a, "$", "$$")
		if strings.ContainsAny(a, " \"") {
			a = "'" + a + "'"
		}
		argv[i] = a
	}
	return fmt.Sprintf(`# Written by ocf:flock:nfs at start, removed at stop: exports come from the resource.
[Service]
ExecStartPre=
ExecStart=
ExecStart=%s
ExecStopPost=
ExecReload=
`, strings.Join(argv, " "))
}

const (
	dropInDir  = "/run/systemd/system/nfs-server.service.d"
	dropInFile = dropInDir + "/50-flock-nfs.conf"
	nfsServer  = "nfs-server.service"
)

// procsCache is where start leaves the daemons it saw come up, so a depth-0 monitor reads a
// few /proc/<pid>/stat files instead of every process's. It is in HA_RSCTMP, emptied at boot;
// an entry counts only while its pid still has the same name and start time.
func procsCache(rsctmp, instance string) string { return rscTmpFile(rsctmp, instance, ".procs") }

// rscTmpFile is the instance's file of that suffix in HA_RSCTMP (Pacemaker's default when unset).
func rscTmpFile(rsctmp, instance, suffix string) string {
	if rsctmp == "" {
		rsctmp = "/run/resource-agents"
	}
	return rsctmp + "/nfs-" + strings.ReplaceAll(instance, "/", "_") + suffix
}

func formatProcs(ps []nfs.Proc) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s %d %d\n", p.Comm, p.PID, p.Start)
	}
	return b.String()
}

func parseProcs(data []byte) []nfs.Proc {
	var out []nfs.Proc
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		pid, err1 := strconv.Atoi(f[1])
		start, err2 := strconv.ParseUint(f[2], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, nfs.Proc{Comm: f[0], PID: pid, Start: start})
		}
	}
	return out
}
