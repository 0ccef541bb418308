#!/bin/bash
# Host test, two boots: a stale cache log is never replayed over newer data (the flush
# setup: backing_dev replicated, a cache local to each node, the resource moves).
# Boot 1 is node A: it starts the agent over cache "a", writes a pattern (dirty: nothing
# writes it back) and is "fenced": a reset, no stop. Boot 2 is the rest of the story on the
# same disks: node B starts the resource over cache "b" and writes a second pattern, which
# its flushing stop puts on the backing disk. Then the resource comes back to A's cache: start
# must refuse (2, naming stale_log), the backing disk must keep B's data byte for byte; with
# stale_log=discard start formats A's cache and serves B's data. The cluster is a CIB file on
# its own disk (the real crm_attribute through CIB_file), kept across the reset as the
# surviving nodes would keep it.
# With WRITEBOOST_TAPES=DIR, boot 2's agent runs are recorded as DIR/*.tape.
# lab-duration: 58
set -euo pipefail
run=${LAB_KERNEL_RUN:?run by lab/kernel/e2e.sh}
work=${LAB_WORK:?}
cat > "$work/guest.sh" <<'GUEST'
#!/bin/bash
set -euo pipefail
RA=/usr/lib/ocf/resource.d/flock/writeboost
B=/dev/disk/by-lab/backing A=/dev/disk/by-lab/a K=/dev/disk/by-lab/b
mkdir -p /cib
[ "$1" = fence ] && mkfs.ext4 -q /dev/disk/by-lab/cib
mount -t ext4 /dev/disk/by-lab/cib /cib
[ "$1" = fence ] && cibadmin --empty > /cib/cib.xml
export CIB_file=/cib/cib.xml OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
  OCF_RESOURCE_INSTANCE=wb1 OCF_RESOURCE_TYPE=writeboost OCF_RESOURCE_PROVIDER=flock \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: HA_logfacility=none \
  OCF_RESKEY_crm_feature_set=3.16.2 OCF_RESKEY_CRM_meta_timeout=120000 \
  OCF_RESKEY_name=wb OCF_RESKEY_backing_dev=$B
OFF=8 LEN=4   # MiB
pattern() { head -c $((LEN << 20)) < <(yes "FLOCK-WB-STALE $1"); }
# same DEV NONCE: DEV holds the pattern there, byte for byte. A read that fails or comes up
# short fails the test: it differs from every pattern, and "same ... && fail" would pass.
same() {
  dd if="$1" of=/tmp/region bs=1M skip=$OFF count=$LEN iflag=direct 2>/dev/null &&
    [ "$(wc -c < /tmp/region)" = $((LEN << 20)) ] || fail "reading $1: dd failed or read short"
  pattern "$2" | cmp -s - /tmp/region
}
magic() { od -A n -t x1 -N 4 "$1" | tr -d ' '; }
fail() { echo "FAIL: $*"; exit 1; }
ra() {
  local name=$1 want=$2 rc=0; shift 2
  local tape=()
  [ "${RECORD:-}" = record ] && mkdir -p "$OUT/tapes" && tape=("FLOCK_TAPE_RECORD=$OUT/tapes/$name.tape")
  env "${tape[@]}" "$@" 2> "$OUT/$name.stderr" || rc=$?
  REASON=$(sed -n 's/.*ocf-exit-reason://p' "$OUT/$name.stderr" | tail -1)
  [ "$rc" = "$want" ] || { cat "$OUT/$name.stderr"; fail "$name: exited $rc, want $want"; }
  echo "ok $name: $rc${REASON:+ ($REASON)}"
}
case $1 in
fence)
  ra start-node-a 0 OCF_RESKEY_cache_dev=$A "$RA" start
  pattern "$2" | dd of=/dev/mapper/wb bs=1M seek=$OFF oflag=direct conv=fsync 2>/dev/null
  echo "dirty on A before the fence: $(dmsetup status wb | awk '{ print $10 }')"
  same "$B" "$2" && fail "A's data reached the backing disk before the fence"
  umount /cib   # the CIB lives on in the other nodes
  echo b > /proc/sysrq-trigger; sleep 10;;
check)
  RECORD=${4:-}
  [ "$(magic $A)" = 74734257 ] || fail "A's cache has no log after the fence"
  ra probe-stale-node 7 OCF_RESKEY_cache_dev=$A "$RA" monitor
  ra start-node-b 0 OCF_RESKEY_cache_dev=$K "$RA" start
  pattern "$3" | dd of=/dev/mapper/wb bs=1M seek=$OFF oflag=direct conv=fsync 2>/dev/null
  ra stop-node-b 0 OCF_RESKEY_cache_dev=$K "$RA" stop
  same "$B" "$3" || fail "B's flushing stop did not put B's data on the backing disk"
  ra start-stale-refused 2 OCF_RESKEY_cache_dev=$A "$RA" start
  case $REASON in *stale_log=discard*stale_log=replay*) ;; *) fail "start-stale-refused: reason $REASON";; esac
  dmsetup info wb > /dev/null 2>&1 && fail "start-stale-refused created the device"
  [ "$(magic $A)" = 74734257 ] || fail "start-stale-refused touched A's cache"
  same "$B" "$3" || fail "after the refused start the backing disk does not hold B's data byte for byte"
  ra start-stale-discard 0 OCF_RESKEY_cache_dev=$A OCF_RESKEY_stale_log=discard "$RA" start
  grep -q 'formatted the cache' "$OUT/start-stale-discard.stderr" || fail "start-stale-discard did not format"
  same /dev/mapper/wb "$3" || fail "after discarding A's log the device does not serve B's data"
  ra stop-after-discard 0 OCF_RESKEY_cache_dev=$A "$RA" stop
  same "$B" "$3" || fail "after the discard the backing disk does not hold B's data byte for byte"
  echo "stale: refused, then discarded; the backing disk holds B's data";;
esac
GUEST
n1=$(cat /proc/sys/kernel/random/uuid) n2=$(cat /proc/sys/kernel/random/uuid)
record=; [ -n "${WRITEBOOST_TAPES:-}" ] && record=record
disks=(--disk backing:256M --disk a:64M --disk b:64M --disk cib:16M)
rc=0
"$run" --work "$work/vm" --out "$work/boot1" "${disks[@]}" "$work/guest.sh" fence "$n1" || rc=$?
[ $rc = 124 ] || { echo "boot 1: run.sh exit $rc, want 124 (reset without results)"; exit 1; }
"$run" --work "$work/vm" --out "$work/boot2" --keep "${disks[@]}" "$work/guest.sh" check "$n1" "$n2" $record
want=$(head -c $((4 << 20)) < <(yes "FLOCK-WB-STALE $n2") | md5sum | cut -d' ' -f1)
got=$(dd if="$work/vm/backing.img" bs=1M skip=8 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "host: backing.img holds $got, want B's data $want"; exit 1; }
echo "stale: the raw backing image holds B's data ($want)"
if [ -n "$record" ]; then mkdir -p "$WRITEBOOST_TAPES"; cp "$work/boot2/tapes/"*.tape "$WRITEBOOST_TAPES/"; fi
