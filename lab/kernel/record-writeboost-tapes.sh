#!/bin/bash
# Re-record simulator/tapes/writeboost/ against a real dm-writeboost in the lab guest, then
# derive the fault tapes from them with flock-sim mutate, and replay the lot.
# usage: lab/kernel/record-writeboost-tapes.sh   (root; installs what the kernel tier needs)
set -euo pipefail
cd "$(dirname "$0")/../.."
. lab/kernel/lib.sh
dest=simulator/tapes/writeboost
work=$LAB_KERNEL/record-writeboost
sim=bin/flock-sim
t0=$(now)
make --no-print-directory build > /dev/null
lab/kernel/deps.sh
rm -rf "$work"; mkdir -p "$work"

# 1. Every scenario of the guest test, each agent run recorded.
lab/kernel/run.sh --work "$work/vm" --out "$work/out" --timeout 900 \
  --disk backing:256M --disk cache:64M lab/kernel/tests/writeboost.sh record > "$work/guest.log" 2>&1 ||
  { tail -40 "$work/guest.log"; die "the guest test failed: $work/guest.log"; }
# 2. The host tests of two boots: the crash (start over a cache a reset left dirty, its own
# log) and the stale log (start over a cache the cluster has moved past).
for t in crash stale; do
  mkdir -p "$work/$t"
  WRITEBOOST_TAPES=$work/out/tapes LAB_KERNEL_RUN=$PWD/lab/kernel/run.sh LAB_WORK=$work/$t \
    lab/kernel/tests/writeboost-$t.host.sh > "$work/$t.log" 2>&1 ||
    { tail -40 "$work/$t.log"; die "the $t test failed: $work/$t.log"; }
done

rm -f "$dest"/*.tape; mkdir -p "$dest"
cp "$work/out/tapes/"*.tape "$dest/"

# 3. Faults derived from real tapes: change one answer, let the agent run on.
# exchange TAPE REGEX [NTH]: the number of the NTH exchange (default 1st) whose question
# has a line matching REGEX.
exchange() {
  awk -v re="$2" -v nth="${3:-1}" '/^exchange / { n = $2 } /^> / && $0 ~ re && ++seen == nth { print n; exit }' "$1"
}
# derive NAME FROM REGEX NTH MUTATION...
derive() {
  local name=$1 from=$dest/$2.tape n; n=$(exchange "$from" "$3" "$4"); shift 4
  [ -n "$n" ] || die "derive $name: no such exchange in $from"
  $sim mutate --bin bin "$from" --exchange "$n" "$@" -o "$dest/$name.tape"
}
nl=$'\n'
# A process opens the device between the last check and the removal: stop resumes it, fails,
# and zeroes nothing.
derive stop-busy-at-remove stop-flush 'remove wb$' 1 --exit 1 \
  --stderr "device-mapper: remove ioctl on wb  failed: Device or resource busy${nl}Command failed.${nl}"
# A signal interrupts drop_caches: stop goes on and finishes the flush.
derive stop-drop-caches-interrupted stop-flush 'drop_caches$' 1 --exit 1 \
  --stderr "device-mapper: message ioctl on wb  failed: Interrupted system call${nl}Command failed.${nl}"
# Writes arrive while flushing (the suspended check finds dirty blocks), and writeback then
# never ends: the dirty count stays until the deadline. The third status is that check.
dirty_status=$(awk '/^> run dmsetup status wb$/ { getline; getline; sub(/^< stdout /, ""); print; exit }' "$dest/stop-flush-short.tape")
derive stop-deadline-derived stop-flush-short 'status wb$' 3 --body "$(printf '%b' "$(sed 's/^"//; s/"$//' <<< "$dirty_status")")${nl}"
# Someone recreated the device over another cache.
derive monitor-mismatched-derived monitor 'table wb$' 1 --body "0 524288 writeboost 254:16 254:48${nl}"
# dmsetup remove exits 0 but the device is still there: stop fails, zeroes nothing.
info="Name:              wb${nl}State:             ACTIVE${nl}Read Ahead:        256${nl}Tables present:    LIVE${nl}"
info+="Open count:        0${nl}Event number:      0${nl}Major, minor:      253, 0${nl}Number of targets: 1${nl}${nl}"
derive stop-remove-still-there stop-flush 'info wb$' 2 --exit 0 --body "$info"
# Another device claims the cache between the remove and the zeroing: it is not zeroed (the
# epoch already moved on, so its clean log is stale anyway).
derive stop-new-holder stop-flush 'holders$' 1 --body dm-7
# The check under suspension finds blocks written while flushing, and then writeback never
# ends: stop fails at its deadline and keeps the device.
dirty_flush=$(awk '/^> run dmsetup status wb$/ { getline; getline; sub(/^< stdout /, ""); print; exit }' "$dest/stop-flush.tape")
derive stop-written-while-flushing stop-flush 'status wb$' 3 --body "$(printf '%b' "$(sed 's/^"//; s/"$//' <<< "$dirty_flush")")${nl}"
# The cache disappears under the running device: an error, so the resource moves.
derive monitor-vanished-cache monitor '/sys/dev/block/254:32/size' 1 --error not-exist
# The CIB cannot be reached: no start, as no epoch can be recorded.
derive start-cluster-down start-format 'crm_attribute' 1 --exit 105 \
  --stderr "crm_attribute: Could not connect to the CIB: Transport endpoint is not connected${nl}"
# The kernel refuses a device as busy at create time.
derive start-create-busy start-format 'create wb' 1 --exit 1 \
  --stderr "device-mapper: reload ioctl on wb  failed: Device or resource busy${nl}Command failed.${nl}"

$sim replay --bin bin "$dest" | tail -1
log "recorded $(ls "$dest"/*.tape | wc -l) tapes in $dest in $(elapsed "$t0")s"
