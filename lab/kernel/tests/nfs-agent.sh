#!/bin/bash
# Guest test of ocf:flock:nfs against the real kernel server: probes on a clean node, a state
# directory that is not on a mounted filesystem, start with stale exports around (etab in the
# state directory, /etc/exports), NFSv3 and NFSv4.2 mounts back over 127.0.0.1 with an NLM lock
# and a held NFSv4 lock, a stop while a client writes (its IO waits), start again from the same
# state: the NFSv4 client reclaims its lock, the write completes, data checked by md5 on both
# sides; then the final stop, after which the shared filesystem unmounts; then ocf-tester.
# With the argument "record" each agent run leaves its tape in $OUT/tapes/NAME.tape
# (lab/kernel/record-nfs-tapes.sh turns them into simulator/tapes/nfs/).
# lab-disks: shared:64M
# lab-timeout: 900
# lab-duration: 58
set -euo pipefail
RA=/usr/lib/ocf/resource.d/flock/nfs
DEV=/dev/disk/by-lab/shared FS=/srv/shared STATE=/srv/shared/nfs-state EXP=/srv/shared/export
RECORD=${1:-}
mkdir -p "$OUT/logs" "$OUT/tapes"
export OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
  OCF_RESOURCE_INSTANCE=nfs1 OCF_RESOURCE_TYPE=nfs OCF_RESOURCE_PROVIDER=flock \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: HA_logfacility=none \
  OCF_RESKEY_crm_feature_set=3.16.2 OCF_RESKEY_CRM_meta_timeout=60000 \
  OCF_RESKEY_exports="$EXP 127.0.0.1(rw,sync,no_root_squash,no_subtree_check,fsid=1)" \
  OCF_RESKEY_state_dir=$STATE OCF_RESKEY_ip=127.0.0.1 OCF_RESKEY_daemons=direct \
  OCF_RESKEY_grace_time=10 OCF_RESKEY_lease_time=10
EVERY=OCF_RESKEY_CRM_meta_interval=10000
PROBE=/run/resource-agents/nfs-nfs1.probe   # the depth-20 mount point (no HA_RSCTMP here)

up() { cut -d' ' -f1 /proc/uptime; }
T0=$(up)
fail() { echo "FAIL: $*"; exit 1; }
step() { awk -v a="$T0" -v b="$(up)" -v w="$*" 'BEGIN { printf "%7.2fs  %s\n", b - a, w }' | tee -a "$OUT/steps"; }
# ra NAME WANT ACTION [VAR=VALUE...]: run the agent as Pacemaker would and check its exit code.
ra() {
  local name=$1 want=$2 action=$3 rc=0; shift 3
  local tape=() log=$OUT/logs/$name
  [ "$RECORD" = record ] && tape=("FLOCK_TAPE_RECORD=$OUT/tapes/$name.tape")
  env "$@" "${tape[@]}" "$RA" "$action" > "$log.stdout" 2> "$log.stderr" || rc=$?
  REASON=$(sed -n 's/.*ocf-exit-reason://p' "$log.stderr" | tail -1)
  if [ "$rc" != "$want" ]; then
    sed 's/^/    /' "$log.stderr"
    fail "$name: $action exited $rc, want $want${REASON:+ ($REASON)}"
  fi
  step "ok $name: $action -> $rc${REASON:+ ($REASON)}"
}
# within SECONDS WHAT COMMAND...: poll COMMAND every 0.1 s until it succeeds.
within() {
  local n=$(($1 * 10)) s=$1 what=$2; shift 2
  until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || fail "$what: not within ${s}s"; sleep 0.1; done
}
md5() { md5sum < "$1" | cut -d' ' -f1; }
running() { pidof "$1" > /dev/null; }
probe_mounted() { awk -v p=$PROBE '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo; }
bound() { awk '$5 == "/var/lib/nfs" { f = 1 } END { exit !f }' /proc/self/mountinfo; }
exported() { grep -q "^$1[[:space:]]" /var/lib/nfs/etab 2>/dev/null; }
kernel_said() { grep -q "$1" <<< "$(dmesg)"; }
v4lock() { cat /proc/fs/nfsd/clients/*/states 2>/dev/null | grep -q 'type: lock'; }
finish() {
  dmesg > "$OUT/dmesg" 2>&1 || true
  for p in flock dd rpc.mountd rpc.statd nfsdcld rpcbind syslogd; do
    for pid in $(pidof "$p"); do kill "$pid" 2>/dev/null || true; done
  done
}
trap finish EXIT
syslogd -O "$OUT/messages"
head -c 1 /dev/random > /dev/null   # the kernel RNG is up (mkfs wants UUIDs)
mkdir -p $FS /mnt/v3 /mnt/v4

# 1. A clean node: probes say 7; validate-all at depth 0 needs nothing; a state directory
# on the root filesystem (the shared one is not mounted yet) is refused, and leaves nothing.
ra probe-clean-node 7 monitor
ra validate-depth0 0 validate-all
ra validate-bad-exports 6 validate-all OCF_RESKEY_exports="$EXP 127.0.0.1(rw)"
ra probe-unconfigured 7 monitor OCF_RESKEY_exports="$EXP 127.0.0.1(rw)"
ra stop-unconfigured 0 stop OCF_RESKEY_exports=
mkdir -p $STATE
ra start-state-not-mounted 1 start
[[ $REASON == *"root filesystem"* ]] || fail "start-state-not-mounted: reason '$REASON'"
bound && fail "start-state-not-mounted bound /var/lib/nfs"
rmdir $STATE

# 2. The shared filesystem, as the Filesystem resource would mount it, with stale exports
# around: an /etc/exports line and an etab in the state directory (an earlier run, a crash).
mkfs.ext4 -q -F $DEV && mount -t ext4 $DEV $FS
mkdir -p $STATE $EXP /srv/stale
printf '/srv/stale\t127.0.0.1(rw,sync,wdelay,hide,fsid=99)\n' > $STATE/etab
echo '/srv/stale 127.0.0.1(rw,fsid=98)' > /etc/exports
ra validate-depth10 0 validate-all OCF_CHECK_LEVEL=10
ra start 0 start
exported $EXP || fail "start: $EXP not in etab: $(cat /var/lib/nfs/etab)"
exported /srv/stale && fail "start: the stale export survived: $(cat /var/lib/nfs/etab)"
[ "$(cat /proc/fs/nfsd/nfsv4gracetime)" = 10 ] && [ "$(cat /proc/fs/nfsd/nfsv4leasetime)" = 10 ] ||
  fail "grace/lease not set: $(cat /proc/fs/nfsd/nfsv4gracetime)/$(cat /proc/fs/nfsd/nfsv4leasetime)"
grep -q 'NFSD: no clients to reclaim, skipping NFSv4 grace period' <<< "$(dmesg)" ||
  fail "nfsd did not skip grace on a first start (nfsdcld not ready?): $(dmesg | grep NFSD)"
ra start-running 0 start
ra monitor 0 monitor $EVERY
ra monitor-depth10 0 monitor $EVERY OCF_CHECK_LEVEL=10
ra monitor-depth20 0 monitor $EVERY OCF_CHECK_LEVEL=20
probe_mounted && fail "monitor-depth20 left its mount: $(grep $PROBE /proc/self/mountinfo)"
# The export's directory moved away under it: etab, the daemons and the RPC services are
# fine, so depths 0 and 10 pass; the read through the server fails, names the export and
# leaves no mount behind.
mv $EXP $EXP.away
ra monitor-depth10-gone 0 monitor $EVERY OCF_CHECK_LEVEL=10
ra monitor-depth20-gone 1 monitor $EVERY OCF_CHECK_LEVEL=20
[[ $REASON == *"export $EXP:"* ]] || fail "monitor-depth20-gone: reason '$REASON'"
probe_mounted && fail "monitor-depth20-gone left its mount: $(grep $PROBE /proc/self/mountinfo)"
mv $EXP.away $EXP
# A read killed at its deadline leaves its mount: the next one removes it first.
mount.nfs 127.0.0.1:$EXP $PROBE -o ro,vers=4.2 || fail "the leftover probe mount"
ra monitor-depth20-leftover 0 monitor $EVERY OCF_CHECK_LEVEL=20
probe_mounted && fail "monitor-depth20-leftover left a mount: $(grep $PROBE /proc/self/mountinfo)"
ra probe-running 0 monitor

# 3. Clients: NFSv3 with an NLM lock, NFSv4.2 holding a POSIX lock (flock over NFS is one).
mount.nfs 127.0.0.1:$EXP /mnt/v3 -o vers=3 || fail "NFSv3 mount"
mount.nfs4 127.0.0.1:$EXP /mnt/v4 -o vers=4.2 || fail "NFSv4.2 mount"
flock -n /mnt/v3/nlm true || fail "NLM lock over NFSv3"
touch /mnt/v4/held
# The subshell becomes the sleep, so the holder is one process with the locked fd.
( exec 9> /mnt/v4/held; flock -n 9; exec sleep 100000 ) &
HOLDER=$!
within 20 "the NFSv4 lock" v4lock
rc=0; flock -n -E 42 /mnt/v3/held true || rc=$?
[ $rc = 42 ] || fail "v3 locking what v4 holds: exit $rc, want 42"
for f in a b; do head -c $((2 << 20)) /dev/urandom > /tmp/$f; done
dd if=/tmp/a of=/mnt/v4/a bs=1M conv=fsync 2>/dev/null || fail "write over NFSv4"
step "clients mounted, locks held, written"

# 4. rpc.mountd dies: the monitor says so. Stop while clients hold state: nothing of the
# server remains, the state directory is released; a client writing meanwhile waits instead
# of failing.
kill "$(pidof rpc.mountd)"
within 20 "rpc.mountd gone" eval '! running rpc.mountd'
ra monitor-mountd-dead 1 monitor $EVERY
[[ $REASON == *rpc.mountd* ]] || fail "monitor-mountd-dead: reason '$REASON'"
ra stop 0 stop
bound && fail "stop left /var/lib/nfs bound"
for d in rpc.mountd rpc.statd nfsdcld; do running $d && fail "stop left $d running"; done
[ "$(cat /proc/fs/nfsd/threads)" = 0 ] || fail "stop left nfsd threads"
ra monitor-stopped 7 monitor $EVERY
dd if=/tmp/b of=/mnt/v3/b bs=1M conv=fsync 2>/dev/null &
WRITER=$!
ra stop-stopped 0 stop
kill -0 $WRITER 2>/dev/null || fail "the NFSv3 write finished while the server was down"

# 5. Start again from the same state: the NFSv4 client reclaims its lock in grace, the write
# goes through, both sides read the same data.
ra start-again 0 start
within 60 "the NFSv4 lock reclaimed" v4lock
# nfsd knew the client from nfsdcld's database in the state directory: it kept grace open
# for it, and the client's reclaim ended grace early.
grep -q 'NFSD: starting 10-second grace period' <<< "$(dmesg)" || fail "no grace period after the restart: $(dmesg | grep NFSD)"
within 20 "grace ended by the reclaim" kernel_said 'NFSD: all clients done reclaiming'
step "NFSv4 lock reclaimed"
rc=0; flock -n -E 42 /mnt/v3/held true || rc=$?
[ $rc = 42 ] || fail "after the restart v3 got the lock v4 held (exit $rc): not reclaimed"
kill -0 $HOLDER || fail "the NFSv4 lock holder died: its lock was lost"
wait $WRITER || fail "the NFSv3 write failed across the restart"
echo 3 > /proc/sys/vm/drop_caches
for f in a b; do
  [ "$(md5 $EXP/$f)" = "$(md5 /tmp/$f)" ] || fail "server side: $f differs"
  [ "$(md5 /mnt/v3/$f)" = "$(md5 /tmp/$f)" ] && [ "$(md5 /mnt/v4/$f)" = "$(md5 /tmp/$f)" ] || fail "client side: $f differs"
done
step "data intact on both sides"
ra monitor-after-restart 0 monitor $EVERY OCF_CHECK_LEVEL=10

# 6. Clients leave; the final stop; the shared filesystem must unmount.
kill $HOLDER; wait $HOLDER 2>/dev/null || true
umount /mnt/v3 /mnt/v4 || fail "umount NFS"
# A depth-20 mount left by a killed monitor: stop removes it too.
mount.nfs 127.0.0.1:$EXP $PROBE -o ro,vers=4.2 || fail "the leftover probe mount"
# Something else on the node works in the state directory: stop cannot unbind it, says who,
# and kills nothing it does not own; once that process is gone the stop completes.
( cd /var/lib/nfs && exec sleep 100000 ) &
BUSY=$!
ra stop-busy 1 stop
probe_mounted && fail "stop left the depth-20 probe mount: $(grep $PROBE /proc/self/mountinfo)"
[[ $REASON == *"sleep[$BUSY]"* ]] || fail "stop-busy: reason '$REASON' does not name sleep[$BUSY]"
kill -0 $BUSY || fail "stop-busy killed a process it does not own"
kill $BUSY; wait $BUSY 2>/dev/null || true
ra stop-final 0 stop
umount $FS || fail "umount of the shared filesystem after stop: busy"
step "shared filesystem unmounted"

# 7. ocf-tester, as resource-agents ships it: our OCF 1.1 meta-data cannot pass its
# ra-api-1.dtd lint (agents/ocf doc), which must be the one failure; with the lint reduced to
# well-formedness (the 1.1 schemas are checked on the host) it must pass outright.
mount -t ext4 $DEV $FS
tester() {
  env -i PATH=/usr/sbin:/usr/bin OCF_ROOT=/usr/lib/ocf HA_logfacility=none "$1" -v -n nfst \
    -o "exports=$OCF_RESKEY_exports" -o state_dir=$STATE -o ip=127.0.0.1 -o daemons=direct \
    -o grace_time=10 -o lease_time=10 "$RA"
}
rc=0; tester /usr/sbin/ocf-tester > "$OUT/logs/ocf-tester.log" 2>&1 || rc=$?
failures=$(grep -c '^\* rc=' "$OUT/logs/ocf-tester.log" || true)
grep -q 'does not conform to ra-api-1.dtd' "$OUT/logs/ocf-tester.log" && [ "$failures" = 1 ] && [ $rc != 0 ] ||
  { cat "$OUT/logs/ocf-tester.log"; fail "ocf-tester: want exactly the DTD failure, got $failures"; }
sed 's/^METADATA_LINT=.*/METADATA_LINT="xmllint --noout -"/' /usr/sbin/ocf-tester > /tmp/ocf-tester-1.1
chmod +x /tmp/ocf-tester-1.1
grep -q '^METADATA_LINT="xmllint --noout -"' /tmp/ocf-tester-1.1 || fail "ocf-tester changed: revisit this test"
tester /tmp/ocf-tester-1.1 > "$OUT/logs/ocf-tester-1.1.log" 2>&1 ||
  { cat "$OUT/logs/ocf-tester-1.1.log"; fail "ocf-tester with a 1.1 lint"; }
grep "passed all tests" "$OUT/logs/ocf-tester-1.1.log"
bound && fail "ocf-tester left /var/lib/nfs bound"
umount $FS || fail "umount of the shared filesystem after ocf-tester: busy"
step "ocf-tester passed"
echo "all nfs agent scenarios passed"
