#!/bin/bash
# Guest test of ocf:flock:nfs against what is not its own, and exports as users write them:
# fsid=root, an alias option (mp), an IPv6 client, a short host name, two exports of one
# filesystem; another filesystem on /var/lib/nfs (start refuses, stop says 0 and kills
# nothing); an nfsd started by hand (start refuses to adopt it, stop leaves it serving); an
# rpc.statd that ran before the bind (start undoes its bind and refuses); a grace_time over
# lockd's maximum.
# lab-disks: shared:64M other:16M
# lab-timeout: 600
# lab-duration: 45
set -euo pipefail
RA=/usr/lib/ocf/resource.d/flock/nfs
DEV=/dev/disk/by-lab/shared FS=/srv/shared STATE=/srv/shared/nfs-state
mkdir -p "$OUT/logs"
export OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
  OCF_RESOURCE_INSTANCE=nfs1 OCF_RESOURCE_TYPE=nfs OCF_RESOURCE_PROVIDER=flock \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: HA_logfacility=none \
  OCF_RESKEY_crm_feature_set=3.16.2 OCF_RESKEY_CRM_meta_timeout=60000 \
  OCF_RESKEY_exports="$FS/root 127.0.0.1(rw,fsid=root,crossmnt,no_subtree_check) ::1(rw,fsid=0,no_subtree_check) nfsclient(ro,fsid=0); $FS/root/a 127.0.0.1(rw,mp,fsid=01,no_subtree_check)" \
  OCF_RESKEY_state_dir=$STATE OCF_RESKEY_ip=127.0.0.1 OCF_RESKEY_daemons=direct \
  OCF_RESKEY_grace_time=10 OCF_RESKEY_lease_time=10
EVERY=OCF_RESKEY_CRM_meta_interval=10000
fail() { echo "FAIL: $*"; exit 1; }
ra() {
  local name=$1 want=$2 action=$3 rc=0; shift 3
  env "$@" "$RA" "$action" > "$OUT/logs/$name.stdout" 2> "$OUT/logs/$name.stderr" || rc=$?
  REASON=$(sed -n 's/.*ocf-exit-reason://p' "$OUT/logs/$name.stderr" | tail -1)
  [ "$rc" = "$want" ] || { sed 's/^/    /' "$OUT/logs/$name.stderr"; fail "$name: $action exited $rc, want $want${REASON:+ ($REASON)}"; }
  echo "ok $name: $action -> $rc${REASON:+ ($REASON)}"
}
bound() { awk '$5 == "/var/lib/nfs" { f = 1 } END { exit !f }' /proc/self/mountinfo; }
threads() { cat /proc/fs/nfsd/threads 2>/dev/null || echo 0; }
finish() { for p in rpc.mountd rpc.statd nfsdcld rpcbind; do for pid in $(pidof $p); do kill $pid || true; done; done; }
trap finish EXIT
head -c 1 /dev/random > /dev/null
echo "10.0.0.5 nfsclient.example.org nfsclient" >> /etc/hosts   # exportfs records the canonical name
mkdir -p $FS && mkfs.ext4 -q -F $DEV && mount -t ext4 $DEV $FS && mkdir -p $STATE $FS/root/a

# 1. Exports as exports(5) has them: served, and the monitor finds each as configured.
ra start 0 start
grep -q "^$FS/root	::1(.*fsid=0," /var/lib/nfs/etab || fail "::1 not exported: $(cat /var/lib/nfs/etab)"
ra monitor 0 monitor $EVERY
ra monitor-depth10 0 monitor $EVERY OCF_CHECK_LEVEL=10
ra validate-same-fsid 6 validate-all OCF_RESKEY_exports="$FS/root 127.0.0.1(rw,fsid=1); $FS/root/a 127.0.0.1(rw,fsid=001)"
ra stop 0 stop
bound && fail "stop left /var/lib/nfs bound"

# 2. Another filesystem on /var/lib/nfs, an rpc.mountd of its own: start refuses (1), the
# stop Pacemaker sends next says 0 and leaves that mount and its daemon alone.
mkfs.ext4 -q -F /dev/disk/by-lab/other && mount -t ext4 /dev/disk/by-lab/other /var/lib/nfs
: > /var/lib/nfs/etab; pidof rpcbind > /dev/null || rpcbind -w   # stop leaves rpcbind
rpc.mountd
ra start-foreign-mount 1 start
[[ $REASON == *"another mount"* ]] || fail "start-foreign-mount: reason '$REASON'"
ra stop-foreign-mount 0 stop
pidof rpc.mountd > /dev/null || fail "stop-foreign-mount killed the other rpc.mountd"
ra probe-foreign-mount 7 monitor
kill $(pidof rpc.mountd); while pidof rpc.mountd > /dev/null; do sleep 0.1; done
umount /var/lib/nfs

# 3. An nfsd started by hand: start does not adopt it, stop leaves it serving.
mkdir -p /proc/fs/nfsd; mount -t nfsd nfsd /proc/fs/nfsd 2>/dev/null || true
rpc.nfsd 2
[ "$(threads)" = 2 ] || fail "rpc.nfsd by hand: $(threads) threads"
ra start-foreign-nfsd 1 start
[[ $REASON == *"another NFS server"* ]] || fail "start-foreign-nfsd: reason '$REASON'"
bound && fail "start-foreign-nfsd bound /var/lib/nfs"
ra stop-foreign-nfsd 0 stop
[ "$(threads)" = 2 ] || fail "stop-foreign-nfsd stopped the other nfsd"
rpc.nfsd 0

# 4. An rpc.statd that ran before the bind (the node's NFS client, say): start refuses and
# leaves nothing bound.
rpc.statd --no-notify
ra start-statd-before-bind 1 start
[[ $REASON == *rpc.statd* ]] || fail "start-statd-before-bind: reason '$REASON'"
bound && fail "start-statd-before-bind left /var/lib/nfs bound"
kill $(pidof rpc.statd); while pidof rpc.statd > /dev/null; do sleep 0.1; done
# grace_time above lockd's maximum (240 s) starts: lockd gets its maximum.
ra start-after 0 start OCF_RESKEY_grace_time=300
[ "$(cat /proc/sys/fs/nfs/nlm_grace_period)" = 240 ] || fail "nlm_grace_period $(cat /proc/sys/fs/nfs/nlm_grace_period)"
ra stop-after 0 stop OCF_RESKEY_grace_time=300
