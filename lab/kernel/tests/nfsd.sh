#!/bin/bash
# Guest test of the kernel NFS server, the ground a future ocf:flock:nfs agent stands on:
# an ext4 export on a lab disk, served by nfsd and mounted back over 127.0.0.1 with NFSv3
# (with NLM locks, so lockd and statd too) and NFSv4.2; data checked both ways by md5;
# then stopped and unexported, and the disk must let go. Step times go to $OUT/steps,
# the daemons' syslog to $OUT/messages, the kernel log to $OUT/dmesg.
# lab-disks: export:64M
# lab-timeout: 600
# lab-duration: 30
set -euo pipefail
DEV=/dev/disk/by-lab/export EXP=/srv/export THREADS=8
EXPORT_LINE="$EXP 127.0.0.1(rw,sync,no_root_squash,no_subtree_check,fsid=1)"

up() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "nfsd: FAIL: $*" >&2; exit 1; }
T0=$(up) TL=$T0
# ok WHAT: a step passed; its time (guest uptime, so TCG's own pace) goes to $OUT/steps.
ok() {
  local t; t=$(up)
  awk -v a="$TL" -v b="$t" -v w="$*" 'BEGIN { printf "%6.2fs  %s\n", b - a, w }' | tee -a "$OUT/steps"
  TL=$t
}
# within SECONDS WHAT COMMAND...: poll COMMAND every 0.1 s until it succeeds.
within() {
  local n=$(($1 * 10)) s=$1 what=$2; shift 2
  until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || fail "$what: not within ${s}s"; sleep 0.1; done
}
md5() { md5sum < "$1" | cut -d' ' -f1; }
loaded() { grep -q "^$1 " /proc/modules; }
# registered PROGRAM VERSION: rpcbind knows it. An rpcinfo that fails fails the test, so
# that "registered ... && fail" means rpcbind answered without it, not that nothing answered.
registered() {
  local l
  l=$(rpcinfo -p 127.0.0.1) || fail "rpcinfo -p 127.0.0.1: exit $?, rpcbind does not answer"
  awk -v p="$1" -v v="$2" '$5 == p && $2 == v { f = 1 } END { exit !f }' <<< "$l"
}
# mounted DIR TYPE OPTION: DIR is mounted as TYPE with OPTION among its options.
mounted() {
  awk -v d="$1" -v t="$2" -v o="$3" '$2 == d && $3 == t && index("," $4 ",", "," o ",") { f = 1 }
    END { exit !f }' /proc/mounts
}
# Whatever happens: the logs come back, and no daemon of ours outlives the test.
finish() {
  dmesg > "$OUT/dmesg" 2>&1 || true
  for p in rpc.mountd rpc.statd nfsdcld rpcbind syslogd; do
    for pid in $(pidof "$p"); do kill "$pid" 2>/dev/null || true; done
  done
}
trap finish EXIT
# The daemons only speak to syslog. (No `cmd | grep -q` below: with pipefail, grep's early
# exit can fail the pipeline.)
syslogd -O "$OUT/messages"

# 1. A clean node: nothing of NFS loaded by the harness. Then the export's own ext4.
loaded nfsd && fail "nfsd preloaded by the harness"
# libuuid (mkfs.ext4) waits 1 s per UUID until the kernel's RNG is ready: the harness's
# virtio-rng makes this read return at once.
head -c 1 /dev/random > /dev/null
ok "kernel RNG ready"
mkfs.ext4 -q -F "$DEV" || fail "mkfs.ext4 $DEV"
ok "mkfs.ext4"
mkdir -p "$EXP" && mount -t ext4 "$DEV" "$EXP" || fail "mount ext4 $DEV on $EXP"
ok "ext4 on $DEV mounted on $EXP"

# 2. The kernel server and its filesystems, as nfs-server.service's units mount them.
modprobe nfsd || fail "modprobe nfsd"
for m in nfsd sunrpc lockd grace auth_rpcgss nfs_acl; do loaded "$m" || fail "modprobe nfsd did not load $m"; done
mount -t nfsd nfsd /proc/fs/nfsd || fail "mount nfsd on /proc/fs/nfsd"
# lockd holds every lock, NLM and NFSv4 alike, for its grace period after nfsd starts: 50 s
# by default (5 x nlm_timeout), for clients to reclaim after a reboot or failover, and a
# client denied in grace retries only every 5 s. This test has no clients to wait for: 3 s,
# lockd's shortest (it rounds the period up to nlm_timeout, whose minimum is 3).
echo 3 > /proc/sys/fs/nfs/nlm_timeout && echo 3 > /proc/sys/fs/nfs/nlm_grace_period ||
  fail "setting lockd's grace period"
mkdir -p /run/rpc_pipefs && mount -t rpc_pipefs sunrpc /run/rpc_pipefs || fail "mount rpc_pipefs"
ok "modprobe nfsd (sunrpc, lockd, grace, auth_rpcgss, nfs_acl), nfsd and rpc_pipefs mounted"

# 3. Userspace, in systemd's order: rpcbind, statd, nfsdcld, exports, mountd, nfsd.
# /run/rpcbind is what rpcbind's tmpfiles.d makes on a node; statd drops to the owner of
# its state directory, as Debian's package chowns it.
mkdir -p /run/rpcbind && chown _rpc /run/rpcbind && rpcbind -w || fail "rpcbind"
registered portmapper 4 || fail "rpcbind does not answer: $(rpcinfo -p 127.0.0.1 2>&1)"
chown statd /var/lib/nfs/sm /var/lib/nfs/sm.bak /var/lib/nfs/state
rpc.statd || fail "rpc.statd"
registered status 1 || fail "statd not registered"
# Without nfsdcld the server holds every NFSv4 OPEN for a 90 s grace period after start;
# with it, nfsd knows there are no clients to reclaim and skips grace. But nfsd waits only
# 1 s for nfsdcld to open its pipe, and nfsdcld daemonizes before it opens its database
# and watches rpc_pipefs (about 1 s under TCG): it is ready once it holds that inotify fd.
nfsdcld || fail "nfsdcld"
cld_ready() { ls -l "/proc/$(pidof nfsdcld)/fd" 2>/dev/null | grep -q inotify; }
within 20 "nfsdcld watching rpc_pipefs" cld_ready
ok "rpcbind, rpc.statd, nfsdcld running"

echo "$EXPORT_LINE" > /etc/exports
exportfs -ra || fail "exportfs -ra"
grep -q "^$EXP" <<< "$(exportfs -v)" || fail "exportfs -v does not list $EXP: $(exportfs -v)"
grep -q "^$EXP" /var/lib/nfs/etab || fail "$EXP not in /var/lib/nfs/etab"
rpc.mountd || fail "rpc.mountd"
rpc.nfsd "$THREADS" || fail "rpc.nfsd $THREADS"
threads=$(cat /proc/fs/nfsd/threads) versions=$(cat /proc/fs/nfsd/versions)
grep -q 'NFSD: no clients to reclaim, skipping NFSv4 grace period' <<< "$(dmesg)" ||
  fail "nfsd did not skip its grace period: $(dmesg | grep NFSD)"
[ "$threads" = "$THREADS" ] || fail "/proc/fs/nfsd/threads is $threads, want $THREADS"
for v in +3 +4 +4.2; do [[ " $versions " == *" $v "* ]] || fail "versions '$versions' lack $v"; done
for pv in "nfs 3" "nfs 4" "mountd 3" "nlockmgr 4"; do registered $pv || fail "$pv not registered with rpcbind"; done
grep -q "^$EXP " <<< "$(showmount -e 127.0.0.1)" || fail "showmount -e: $(showmount -e 127.0.0.1 2>&1)"
ok "exported, rpc.mountd and rpc.nfsd $threads: threads=$threads versions='$versions'"

# 4. The same export mounted back through the kernel client, both protocols; the kernel
# loads the client modules itself (through modprobe, as on a node).
mkdir -p /mnt/v3 /mnt/v4
mount.nfs 127.0.0.1:$EXP /mnt/v3 -o vers=3 || fail "NFSv3 mount"
mounted /mnt/v3 nfs vers=3 || fail "no NFSv3 mount: $(grep nfs /proc/mounts)"
loaded nfsv3 || fail "nfsv3 not loaded by the mount"
ok "NFSv3 mount over 127.0.0.1"
mount.nfs4 127.0.0.1:$EXP /mnt/v4 -o vers=4.2 || fail "NFSv4.2 mount"
mounted /mnt/v4 nfs4 vers=4.2 || fail "no NFSv4.2 mount: $(grep nfs /proc/mounts)"
loaded nfsv4 || fail "nfsv4 not loaded by the mount"
ok "NFSv4.2 mount over 127.0.0.1"

# 5. Data both ways. 4 MiB of random per file; the client's caches are dropped before it
# reads, so what it reads came over NFS.
for f in server v3 v4; do head -c $((4 << 20)) /dev/urandom > "/tmp/$f"; done
put() { dd if="$1" of="$2" bs=1M conv=fsync 2>/dev/null; }   # fsync: NFS WRITE + COMMIT
put /tmp/server "$EXP/from-server" && put /tmp/v3 /mnt/v3/from-v3 && put /tmp/v4 /mnt/v4/from-v4 ||
  fail "writing the files"
echo 3 > /proc/sys/vm/drop_caches
for f in server v3 v4; do
  want=$(md5 "/tmp/$f")
  [ "$(md5 "$EXP/from-$f")" = "$want" ] || fail "server side: from-$f differs"
  [ "$(md5 "/mnt/v3/from-$f")" = "$want" ] || fail "NFSv3 client: from-$f differs"
  [ "$(md5 "/mnt/v4/from-$f")" = "$want" ] || fail "NFSv4.2 client: from-$f differs"
done
ok "written on server, v3, v4; every side reads the same md5"

# 6. Locks: NLM over v3 (lockd + statd), and one client shut out while the other holds it.
flock -n /mnt/v3/lock true || fail "NFSv3 lock (NLM)"
ok "v3 lock"
flock -n /mnt/v4/lock true || fail "NFSv4 lock"
ok "v4 lock"
# While v4 holds it, v3 must meet a conflict (exit 42), not just any error.
rc=0; flock -n /mnt/v4/lock flock -n -E 42 /mnt/v3/lock true || rc=$?
[ $rc = 42 ] || fail "v3 locking a file v4 holds: exit $rc, want 42 (conflict)"
ok "NLM and NFSv4 locks, exclusive across the two"

# 7. Stop: clients off, nfsd threads to 0, unexported; then ext4 must unmount (nothing of
# nfsd holds it) and the data must be on the disk itself.
umount /mnt/v3 /mnt/v4 || fail "umount NFS"
grep -Eq ' nfs4? ' /proc/mounts && fail "NFS still mounted: $(grep nfs /proc/mounts)"
ok "NFS unmounted"
rpc.nfsd 0 || fail "rpc.nfsd 0"
[ "$(cat /proc/fs/nfsd/threads)" = 0 ] || fail "threads $(cat /proc/fs/nfsd/threads) after rpc.nfsd 0"
registered nfs 3 && fail "nfs still registered with rpcbind after rpc.nfsd 0"
exportfs -ua || fail "exportfs -ua"
[ -z "$(exportfs)" ] && [ ! -s /var/lib/nfs/etab ] || fail "still exported: $(exportfs -v)"
ok "rpc.nfsd 0 (threads 0, unregistered), exportfs -ua"
umount "$EXP" || fail "umount $EXP after unexport: busy"
mount -t ext4 -o ro "$DEV" "$EXP" || fail "mount $DEV again"
for f in server v3 v4; do [ "$(md5 "$EXP/from-$f")" = "$(md5 "/tmp/$f")" ] || fail "on disk: from-$f differs"; done
umount "$EXP"
ok "ext4 released, data on disk after remount"
awk -v a="$T0" -v b="$(up)" 'BEGIN { printf "%6.2fs  total\n", b - a }' | tee -a "$OUT/steps"
