// Package nfs knows the kernel NFS server's files and the nfs-utils tools around it: exports as
// /etc/exports writes them and as /var/lib/nfs/etab holds them, the exportfs argv that applies
// one, /proc/fs/nfsd, the daemons (rpcbind, rpc.statd, rpc.mountd, nfsdcld, rpc.idmapd, fsidd)
// found by /proc/<pid>/stat, and /proc/self/mountinfo. It reads and runs nothing itself but
// through sysio, and knows nothing of Pacemaker.
package nfs
