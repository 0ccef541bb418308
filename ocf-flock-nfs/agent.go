package main

import (
	"time"

	"github.com/isard-vdi/flock-agents/agents/ocf"
	"github.com/isard-vdi/flock-agents/agents/param"
)

var agent = &ocf.Agent{
	Name: "nfs",
	// The agent's own version, not the build's (the golden meta-data must not change with
	// every commit). Bump it when behaviour an operator relies on changes.
	Version: "1.0",
	Short:   "Kernel NFS server with its state and exports, failing over together",
	Long: `Manages the kernel NFS server of this node as one resource: its state directory on the replicated filesystem, bound over /var/lib/nfs; the daemons (rpcbind, rpc.statd for NFSv3, nfsdcld for NFSv4, rpc.mountd, nfsd); and the exports, which come from the parameters alone. Order it after the Filesystem that holds state_dir and the exports, and before the floating IP (IPaddr2).

Start refuses a state_dir that is not on a mounted filesystem of its own, binds it over /var/lib/nfs, writes the NFSv4 grace and lease times (and lockd's grace period) before nfsd starts, starts the daemons in order and checks each, withdraws any export left from before (etab, the kernel's cache) and applies the configured ones, starts nfsd with the server scope (by default the first ip, so NFSv4 clients can reclaim their state on whichever node serves them), and notifies NFSv3 clients (sm-notify) from the floating IP. With the nfsdcld database in state_dir, clients that held state reclaim it within grace_time after a move; with no client to reclaim, nfsd skips grace.

Stop stops nfsd (clients wait and retry, they do not fail), releases the locks held on the exported filesystems, withdraws the exports, stops rpc.statd, nfsdcld, rpc.mountd, rpc.idmapd, fsidd and sm-notify, and unbinds /var/lib/nfs. Afterwards nothing of the NFS server holds the replicated filesystem; a stop that cannot get there says which process holds what. rpcbind is left running: it holds no state and other RPC users on the node need it.

Monitor at depth 0 reads /proc and forks nothing: nfsd threads, the bound state directory, each daemon by its process, the enabled versions, and every configured export with its options in etab. Depth 10 adds RPC NULL calls to nfsd (100003) and, with NFSv3, rpc.mountd (100005) over 127.0.0.1. Depth 20 adds a read through the server, as a client makes it: each export mounted read-only over NFS (the highest version served, soft, without locks) from the first ip, or from 127.0.0.1 while that is not bound here, on a mount point in HA_RSCTMP, the first entry of its directory read, and unmounted. nfsd sees the mount come from the address it goes to, so the exports must admit the first ip (the clients' network usually holds it) and 127.0.0.1. A mount a killed read left behind is removed by the next monitor or the stop.

daemons=systemd drives Debian's units (rpcbind, rpc-statd, nfsdcld, nfs-server with a runtime drop-in that replaces its exportfs -r and rpc.nfsd lines); daemons=direct runs the programs itself, for nodes without systemd. Disable nfs-server.service at boot: a node must never serve NFS outside the cluster's control.`,
	Params: params,
	Actions: ocf.Actions{
		Start: start, Stop: stop, Monitor: monitor, Validate: validate, Reload: reload,
		Unconfigured: unconfigured,
	},
	Timeouts: map[string]time.Duration{
		"start":        90 * time.Second,
		"stop":         60 * time.Second,
		"monitor":      20 * time.Second,
		"reload-agent": 30 * time.Second,
		"validate-all": 30 * time.Second,
	},
	Monitors: []ocf.Monitor{
		{Interval: 10 * time.Second, Timeout: 20 * time.Second},
		{Interval: 60 * time.Second, Depth: 10, Timeout: 30 * time.Second},
		{Interval: 300 * time.Second, Depth: 20, Timeout: 60 * time.Second},
	},
}

var params = []param.Param{
	{Name: "exports", Required: true, Reloadable: true, Short: "The exports, in /etc/exports syntax, one per line or separated by ;",
		Long: "PATH CLIENT(OPTIONS) [CLIENT(OPTIONS)...] for each export, e.g. \"/srv/isard 10.0.0.0/24(rw,sync,no_subtree_check,fsid=11)\". Every client needs fsid= and the same one for a path, unique across paths: file handles carry it, so clients keep using theirs after a move. Only these exports are served: /etc/exports is never read. Reloadable: clients, options and paths change without a restart."},
	{Name: "state_dir", Required: true, Unique: true, Short: "The NFS state directory on the replicated filesystem, bound over /var/lib/nfs",
		Long: "A directory on the filesystem that fails over with this resource. It is bound over /var/lib/nfs at start and holds what clients' state needs on the next node: rpc.statd's sm, sm.bak and state (NFSv3 clients to notify), nfsdcld's database and v4recovery (NFSv4 clients that may reclaim), etab and rmtab. Start refuses it when it is not on a mounted filesystem of its own."},
	{Name: "ip", Required: true, Short: "The floating IP address(es) clients mount from, comma-separated",
		Long: "The address(es) of the IPaddr2 resource(s) that float with this one. The first is the source of NFSv3 reboot notifications (sm-notify -v) and the default server scope; the unlocks at stop cover them all."},
	{Name: "server_scope", Short: "NFSv4 server scope (default: the first ip)",
		Long: "The server scope nfsd announces (RFC 8881): clients reclaim their state only from a server of the same scope, so it must be the same on every node that can run this resource. nfsd takes it from the host name of whoever starts it, so start runs rpc.nfsd in a UTS namespace of its own named so."},
	{Name: "nfs_versions", Default: "3,4.1,4.2", Short: "NFS versions served, comma-separated, of 3, 4.0, 4.1, 4.2",
		Long: "Which NFS versions nfsd offers. 4.0 has no RECLAIM_COMPLETE and is best left off. Without 3, rpc.statd is not started and no reboot notification is sent."},
	{Name: "threads", Kind: param.Integer, Default: "8", Min: ptr(1), Max: ptr(4096), Reloadable: true,
		Short: "Number of nfsd threads", Long: "How many kernel nfsd threads serve requests. Reloadable."},
	{Name: "grace_time", Kind: param.Integer, Default: "20", Min: ptr(10), Max: ptr(3600),
		Short: "Seconds after start in which clients reclaim their locks and state",
		Long:  "Written to /proc/fs/nfsd/nfsv4gracetime and lockd's nlm_grace_period (at most 240 s, its kernel maximum) before nfsd starts (the kernel's default is 90 s). New opens and locks wait for it only when a client is entitled to reclaim. At least lease_time."},
	{Name: "lease_time", Kind: param.Integer, Default: "20", Min: ptr(10), Max: ptr(3600),
		Short: "NFSv4 lease time in seconds", Long: "Written to /proc/fs/nfsd/nfsv4leasetime before nfsd starts: how often clients renew their lease. At most grace_time."},
	{Name: "notify", Kind: param.Boolean, Default: "true", Short: "Notify NFSv3 clients after start (sm-notify from the first ip)",
		Long: "After start, tell the NFSv3 clients recorded in state_dir that the server rebooted, so they reclaim their locks: sm-notify -f -v with the first ip. Only with NFSv3."},
	{Name: "daemons", Kind: param.Select, Choices: []string{"auto", "systemd", "direct"}, Default: "auto",
		Short: "How the daemons are run: systemd units, directly, or auto (systemd when it runs)",
		Long:  "systemd: start and stop Debian's units (rpcbind, rpc-statd, nfsdcld, nfs-server with a runtime drop-in). direct: run rpcbind, rpc.statd, nfsdcld, rpc.mountd and rpc.nfsd and stop them by their processes. auto: systemd when /run/systemd/system exists."},
}

func ptr(n int64) *int64 { return &n }
