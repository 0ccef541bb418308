#!/bin/bash
# Host test, two boots over the same disks: ocf:flock:writeboost after a crash.
# Boot 1 starts the agent, writes a pattern through the cache and resets the guest with no
# flush and no remove (run.sh must say 124). Boot 2 (--keep) probes (not running), starts the
# agent over the dirty cache — it must replay the log and recover the data —, reads the
# pattern back through the device, stops with a flush, and reads it from the backing disk
# directly. The host then finds it in the raw backing image too.
# The resource is a clone instance, as a node-local cache below DRBD is: its epoch is this
# node's attribute in the CIB (a file on a disk of its own, through CIB_file, kept across the
# reset), so the node's own log belongs to now after the fence and replays.
# With WRITEBOOST_TAPES=DIR, boot 2's agent runs are recorded as DIR/*.tape.
# lab-duration: 52
set -euo pipefail
run=${LAB_KERNEL_RUN:?run by lab/kernel/e2e.sh}
work=${LAB_WORK:?}
cat > "$work/guest.sh" <<'GUEST'
#!/bin/bash
set -euo pipefail
RA=/usr/lib/ocf/resource.d/flock/writeboost
B=/dev/disk/by-lab/backing
mkdir -p /cib
if [ "$1" = write ]; then
  mkfs.ext4 -q /dev/disk/by-lab/cib; mount -t ext4 /dev/disk/by-lab/cib /cib
  cibadmin --empty > /cib/cib.xml
  CIB_file=/cib/cib.xml cibadmin --create -o nodes --xml-text '<node id="1" uname="lab-guest"/>'
else
  mount -t ext4 /dev/disk/by-lab/cib /cib
fi
export CIB_file=/cib/cib.xml OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_CRM_meta_on_node=lab-guest \
  OCF_RESKEY_CRM_meta_clone_max=2 OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
  OCF_RESOURCE_INSTANCE=wb1 OCF_RESOURCE_TYPE=writeboost OCF_RESOURCE_PROVIDER=flock \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: HA_logfacility=none \
  OCF_RESKEY_crm_feature_set=3.16.2 OCF_RESKEY_CRM_meta_timeout=120000 \
  OCF_RESKEY_name=wb OCF_RESKEY_backing_dev=$B OCF_RESKEY_cache_dev=/dev/disk/by-lab/cache
# md5at DEV: the md5 of the pattern's place, or a failure when dd fails or reads short (the
# md5 of what little it read would pass the host's "not on the backing disk yet" check).
md5at() {
  dd if="$1" of=/tmp/region bs=1M skip=8 count=4 iflag=direct 2>/dev/null &&
    [ "$(wc -c < /tmp/region)" = $((4 << 20)) ] || { echo "md5at $1: dd failed or read short" >&2; return 1; }
  md5sum < /tmp/region | cut -d' ' -f1
}
ra() {
  local name=$1 want=$2 rc=0; shift 2
  local tape=()
  [ "${RECORD:-}" = record ] && mkdir -p "$OUT/tapes" && tape=("FLOCK_TAPE_RECORD=$OUT/tapes/$name.tape")
  env "${tape[@]}" "$RA" "$@" 2> "$OUT/$name.stderr" || rc=$?
  cat "$OUT/$name.stderr"
  [ "$rc" = "$want" ] || { echo "$name: $* exited $rc, want $want"; exit 1; }
}
RECORD=${3:-}
case $1 in
write)
  ra start 0 start
  head -c $((4 << 20)) < <(yes "FLOCK-WB-CRASH $2") > /tmp/pattern
  # fsync: the data is in the cache log on disk; with writeback_threshold 0 nothing writes
  # it back, and the reset below leaves no chance to.
  dd if=/tmp/pattern of=/dev/mapper/wb bs=1M seek=8 oflag=direct conv=fsync 2>/dev/null
  echo "dirty before the crash: $(dmsetup status wb | awk '{ print $10 }')"
  echo "written $(md5sum < /tmp/pattern | cut -d' ' -f1)"
  umount /cib
  echo b > /proc/sysrq-trigger; sleep 10;;
check)
  ra probe-after-crash 7 monitor
  before=$(md5at $B)   # not inside the echo, where a failure would stop nothing
  echo "backing alone before the replay $before"
  ra start-replay-after-crash 0 start
  grep -q 'replayed the log' "$OUT/start-replay-after-crash.stderr" || { echo "start did not replay"; exit 1; }
  echo "dirty after the replay: $(dmsetup status wb | awk '{ print $10 }')"
  echo "via writeboost $(md5at /dev/mapper/wb)"
  ra stop-flush-after-crash 0 stop
  echo "backing alone after stop $(md5at $B)";;
esac
GUEST
nonce=$(cat /proc/sys/kernel/random/uuid)
want=$(head -c $((4 << 20)) < <(yes "FLOCK-WB-CRASH $nonce") | md5sum | cut -d' ' -f1)
record=; [ -n "${WRITEBOOST_TAPES:-}" ] && record=record
disks=(--disk backing:256M --disk cache:64M --disk cib:16M)
rc=0
"$run" --work "$work/vm" --out "$work/boot1" "${disks[@]}" "$work/guest.sh" write "$nonce" || rc=$?
[ $rc = 124 ] || { echo "boot 1: run.sh exit $rc, want 124 (reset without results)"; exit 1; }
out=$("$run" --work "$work/vm" --out "$work/boot2" --keep "${disks[@]}" "$work/guest.sh" check "$nonce" $record)
echo "$out"
grep -qx "backing alone before the replay $want" <<< "$out" && { echo "boot 2: the data was on the backing disk already"; exit 1; }
grep -qx "via writeboost $want" <<< "$out" || { echo "boot 2: the write did not survive the crash"; exit 1; }
grep -qx "backing alone after stop $want" <<< "$out" || { echo "boot 2: the flushing stop did not write it back"; exit 1; }
got=$(dd if="$work/vm/backing.img" bs=1M skip=8 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "host: backing.img holds $got, want $want"; exit 1; }
echo "crash: replayed by the agent's start, written back by its stop, on the raw backing image ($want)"
if [ -n "$record" ]; then mkdir -p "$WRITEBOOST_TAPES"; cp "$work/boot2/tapes/"*.tape "$WRITEBOOST_TAPES/"; fi
