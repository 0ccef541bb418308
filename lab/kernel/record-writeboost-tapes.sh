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
# 2. The crash: start over a cache a reset left dirty.
mkdir -p "$work/crash"
WRITEBOOST_TAPES=$work/out/tapes LAB_KERNEL_RUN=$PWD/lab/kernel/run.sh LAB_WORK=$work/crash \
  lab/kernel/tests/writeboost-crash.host.sh > "$work/crash.log" 2>&1 ||
  { tail -40 "$work/crash.log"; die "the crash test failed: $work/crash.log"; }

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
# The kernel refuses a device as busy at create time.
derive start-create-busy start-format 'create wb' 1 --exit 1 \
  --stderr "device-mapper: reload ioctl on wb  failed: Device or resource busy${nl}Command failed.${nl}"

$sim replay --bin bin "$dest" | tail -1
log "recorded $(ls "$dest"/*.tape | wc -l) tapes in $dest in $(elapsed "$t0")s"
