#!/bin/bash
# Re-record simulator/tapes/nfs/ against the real kernel NFS server in the lab guest, then
# derive the fault tapes from them with flock-sim mutate, and replay the lot.
# usage: lab/kernel/record-nfs-tapes.sh   (root; installs what the kernel tier needs)
set -euo pipefail
cd "$(dirname "$0")/../.."
. lab/kernel/lib.sh
dest=simulator/tapes/nfs
work=$LAB_KERNEL/record-nfs
sim=bin/flock-sim
t0=$(now)
make --no-print-directory build > /dev/null
lab/kernel/deps.sh
rm -rf "$work"; mkdir -p "$work/crash"

# 1. Every scenario of the guest test, each agent run recorded; 2. the crash and second boot.
lab/kernel/run.sh --work "$work/vm" --out "$work/out" --timeout 900 --disk shared:64M \
  lab/kernel/tests/nfs-agent.sh record > "$work/guest.log" 2>&1 ||
  { tail -40 "$work/guest.log"; die "the guest test failed: $work/guest.log"; }
NFS_TAPES=$work/out/tapes LAB_KERNEL_RUN=$PWD/lab/kernel/run.sh LAB_WORK=$work/crash \
  lab/kernel/tests/nfs-agent-crash.host.sh > "$work/crash.log" 2>&1 ||
  { tail -40 "$work/crash.log"; die "the crash test failed: $work/crash.log"; }

rm -f "$dest"/*.tape; mkdir -p "$dest"
cp "$work/out/tapes/"*.tape "$dest/"

# 3. Faults derived from real tapes: change one answer, let the agent run on.
# exchange TAPE REGEX: the number of the first exchange whose channel or question matches REGEX.
exchange() {
  awk -v re="$2" '/^exchange / { n = $2 } (/^exchange / || /^> /) && $0 ~ re { print n; exit }' "$1"
}
# derive NAME FROM REGEX MUTATION...
derive() {
  local name=$1 from=$dest/$2.tape n; n=$(exchange "$from" "$3"); shift 3
  [ -n "$n" ] || die "derive $name: no such exchange in $from"
  $sim mutate --bin bin "$from" --exchange "$n" "$@" -o "$dest/$name.tape"
}
# rpc.mountd is not installed on this node.
derive start-mountd-missing start '^> run rpc.mountd$' --error not-found
# exportfs refuses an export (its directory is gone).
derive start-export-fails start '^> run exportfs -i -o' --exit 1 \
  --stderr $'exportfs: Failed to stat /srv/shared/export: No such file or directory\n'
# nfsd answers no RPC NULL call: the depth-10 monitor fails, naming it.
derive monitor-depth10-rpc-timeout monitor-depth10 ' dial tcp 127.0.0.1:2049$' --error timeout

# Another filesystem is on /var/lib/nfs (start refuses to bind over it): stop says 0, touches
# nothing.
mi=$(awk '/^< data <<EOF/ { d = 1; next } d && /^EOF/ { exit } d' "$dest/stop-stopped.tape")
derive stop-foreign-mount stop-stopped 'read /proc/self/mountinfo$' \
  --body "$mi"$'\n40 1 254:32 / /var/lib/nfs rw,relatime - ext4 /dev/vdc rw\n'

# An nfsd serves here without our bind (started by hand, or at boot): start refuses to adopt it.
mi=$(awk '/^< data <<EOF/ { d = 1; next } d && /^EOF/ { exit } d && !/ \/var\/lib\/nfs /' "$dest/start-running.tape")
derive start-foreign-nfsd start-running 'read /proc/self/mountinfo$' --body "$mi"$'\n'
# An rpc.statd ran before start bound state_dir: start undoes its bind and refuses. By hand, as
# the umount is an answer no start tape holds: the start tape up to the end of its /proc scan,
# one stat line made rpc.statd's, then the umount and the outcome.
from=$dest/start.tape
scan=$(exchange "$from" '^> read /proc/[0-9]+/stat$') after=$(awk -v s="$(exchange "$from" '^> readdir /proc$')" \
  '/^exchange / { n = $2 } /^> / && n > s && !/ \/proc\/[0-9]+\/stat$/ { print n; exit }' "$from")
pid=$(awk -v s="$scan" '$1 == "exchange" && $2 == s { f = 1 } f && /^> read/ { split($3, p, "/"); print p[3]; exit }' "$from")
awk -v s="$scan" -v a="$after" -v pid="$pid" '
  /^exchange / { n = $2; if (n == a) exit }
  /^start / { print; print "note \"derived from start.tape by hand: an rpc.statd (pid " pid ") runs before the bind\""; next }
  n == s && /^< data / { print "< data \"" pid " (rpc.statd) S 1 " pid " " pid " 0 -1 4194624 0 0 0 0 0 0 0 0 20 0 1 0 54 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\\n\""; next }
  { print }
  END {
    print "exchange " a " +9.000s exec\n> run umount /var/lib/nfs\n< exit 0\n< took 0.100s\n"
    print "outcome +9.100s\nexit 1\nreason \"rpc.statd[" pid "] ran before state_dir was bound (its state stays on this node): stop it first\""
  }' "$from" > "$dest/start-statd-before-bind.tape"

$sim replay --bin bin "$dest" | tail -1
log "recorded $(ls "$dest"/*.tape | wc -l) tapes in $dest in $(elapsed "$t0")s"
