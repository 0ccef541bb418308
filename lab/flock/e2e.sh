#!/bin/bash
# make e2e-flock: the whole flock on real kernels (lab/flock/README.md). Builds the lab, sets the
# cluster up with the guide's own commands (docs/isard-flock.md), then runs the scenarios, each
# followed by the checks. usage: lab/flock/e2e.sh [SCENARIO...]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
L=$HERE/lab.sh
[ "$(id -u)" = 0 ] || die "the flock lab needs root (network namespace, qemu taps)"
PASSED=0 FAILED=0
KEY=lab-$RANDOM$RANDOM-key
SECRET=lab-$RANDOM$RANDOM
# The guide's variables, set to the lab's names and addresses: nothing else is substituted.
VARS="NODE1=n1 NODE1_IP=$NET.11 NODE2=n2 NODE2_IP=$NET.12
HDD=/dev/disk/by-id/virtio-hdd NVME=/dev/disk/by-id/virtio-nvme
VIP=$NET.100 CIDR=24 NIC=eth0 CLIENTS=$NET.0/24 PLUG1=$NET.201 PLUG2=$NET.202
APIKEY=$KEY DRBD_SECRET=$SECRET TOKEN=10000"

gx() { "$L" gx "$@"; }
# guide GUEST BLOCK: run the guide's block on the guest, as an administrator would paste it.
# (The block is read first: inside gx's argument a missing block would run as an empty script.)
guide() { local b; b=$(docblock "$2") || return; gx "$1" "set -e; cd /root; $VARS; $b" 1200; }

# admin GUEST BLOCK: a pcs block of the guide, its commands in order as an administrator runs
# them on GUEST, but for one thing: the offline `pcs -f FILE` commands run on the host, on the
# same FILE (the guest's /lab/admin is the host's $FL/run/GUEST/admin), with the same pcs and
# the same agents (the guests' /usr is the host's, /flock laid over it as node-init does). pcs
# is Python, and each start costs 20-25 s of guest CPU under TCG against 1 s on the host; the
# commands that talk to the cluster (`pcs cluster cib`, `cib-push`) run on the node.
admin() {
  local g=$1 dir=$FL/run/$1/admin cmd block
  block=$(docblock "$2") || return
  [[ $block != *"<<"* ]] || { echo "admin: block $2 has a here-document; run it with guide"; return 1; }
  mkdir -p "$dir"
  while IFS= read -r -d '' cmd; do
    echo "+ $cmd"
    if [[ $cmd == "pcs -f "* ]]; then
      unshare -m --propagation private bash -c 'set -e
        for d in usr/sbin usr/bin usr/lib/ocf/resource.d; do
          [ ! -d "$1/$d" ] || mount -t overlay overlay -o "lowerdir=$1/$d:/$d" "/$d"
        done
        cd "$2"; eval "$3"' host-pcs "$FL/root" "$dir" "$VARS; $cmd" || return
    else
      gx "$g" "set -e; cd /lab/admin; $VARS; $cmd" 600 || return
    fi
  done < <(commands <<<"$block")
}
# commands: the shell lines on stdin as commands, continuation lines joined, NUL-terminated.
commands() {
  local line cmd=
  while IFS= read -r line; do
    if [[ $line == *\\ ]]; then cmd+=${line%\\}; continue; fi
    [ -z "$cmd$line" ] || printf '%s\0' "$cmd$line"
    cmd=
  done
}

step() {
  local name=$1 t0 out; shift
  t0=$(ms)
  if out=$("$@" 2>&1); then
    PASSED=$((PASSED + 1)); printf 'ok   %-64s %7s s\n' "$name" "$(secs $(($(ms) - t0)))"
  else
    FAILED=$((FAILED + 1)); printf 'FAIL %-64s %7s s\n' "$name" "$(secs $(($(ms) - t0)))"
    echo "$out" | tail -n 40 | sed 's/^/    /'
    return 1
  fi
}

# both FN ARGS...: FN n1 ARGS..., then FN n2 ARGS...
both() { local f=$1; shift; "$f" n1 "$@" && "$f" n2 "$@"; }
# The node the cluster is asked about: one that is up (the survivor once a scenario has cut
# the other; a frozen node would only answer with a timeout).
ASK=n1
crm() { gx "$ASK" 'crm_mon -1 -r 2>&1' 60; }
online() { crm | grep -q "Online: \[ n1 n2 \]"; }
cache_started() { crm | grep -A3 'cache-clone' | grep -q 'Started: \[ n1 n2 \]'; }
uptodate() { gx "$ASK" 'cat /proc/drbd' | grep -q 'ds:UpToDate/UpToDate'; }

# FLOCK_KEEP=1 leaves the lab up after the run, for a look inside (lab.sh gx, lab.sh down).
# The EXIT trap: it must exit, since a trap's return status is not the script's. Any failed step
# fails the run, wherever it was and whatever its caller did with it.
cleanup() {
  local rc=$?
  [ "$FAILED" = 0 ] || rc=1
  if [ "${FLOCK_KEEP:-0}" = 1 ]; then echo "$PASSED passed, $FAILED failed (lab kept up)"; exit $rc; fi
  "$L" down > /dev/null 2>&1 || true
  until_true 10 "$L" leftovers > /dev/null || { echo "FAIL: the flock lab left something behind"; "$L" leftovers; rc=1; }
  echo "$PASSED passed, $FAILED failed"
  exit $rc
}

setup() {
  step "lab up: network, disks, our binaries as the guests' /flock" "$L" up || return
  step "plugs on the bridge, powering n1 and n2" bash -c "'$L' plug n1 '$KEY' && '$L' plug n2 '$KEY'" || return
  step "boot n1, n2 and the client" bash -c "'$L' boot n1 && '$L' boot n2 && '$L' boot client &&
    '$L' wait-ready n1 && '$L' wait-ready n2 && '$L' wait-ready client" || return
  step "guide: corosync.conf on both nodes" both guide corosync || return
  step "corosync and pacemaker start on both nodes" both gx /run/ha-start || return
  step "both nodes online" until_true 240 online || return
  step "guide: stonith through the plugs, the cache clone" admin n1 pcs-cache || return
  step "cache started on both nodes" until_true 240 cache_started || return
  step "guide: DRBD r0 on both nodes" both guide drbd || return
  step "guide: initial sync from n1, ext4" guide n1 drbd-first || return
  step "initial sync done" until_true 300 uptodate || return
  step "mount point on n2" gx n2 'mkdir -p /srv/flock' || return
  step "guide: DRBD, filesystem, nfs, address" admin n1 pcs-service || return
}

EXPORT=/srv/flock/export
VIP=$NET.100
OUTDIR=$FL/results

# where: "RSC NODE" for each node each of the service's resources runs on, in one question.
where() {
  gx "$ASK" 'for r in fs nfs ip; do crm_resource --locate --resource $r 2>/dev/null |
    sed -n "s/^resource \([^ ]*\) is running on: \([^ ]*\).*/\1 \2/p"; done' 30 2>/dev/null
}
# service_node: the node the whole service runs on; fails unless each resource runs on one
# node only, the same for all.
service_node() {
  where | awk '{ n[$1]++; at[$1] = $2 }
    END { if (n["fs"] != 1 || n["nfs"] != 1 || n["ip"] != 1 || at["fs"] != at["nfs"] || at["fs"] != at["ip"]) exit 1
          print at["fs"] }'
}
runs_on() { [ "$(service_node)" = "$1" ]; }
promoted_on() { crm | grep -q "Promoted: \[ $1 \]"; }
service_up() { service_node > /dev/null; }
acked() { local n; n=$(grep -c '^[0-9]' "$FL/run/client/acks-$1" 2>/dev/null) || true; echo "${n:-0}"; }

# writer NAME PAUSE: the client mounts the export from the floating IP and writes records.
writer() {
  cp "$HERE/writer.py" "$FL/run/client/writer.py"
  gx client "mountpoint -q /mnt/flock || { mkdir -p /mnt/flock &&
      mount.nfs4 -o vers=4.2,hard $VIP:$EXPORT /mnt/flock; } &&
    rm -f /lab/stop-$1 && (setsid python3 /lab/writer.py /mnt/flock/records-$1 /lab/acks-$1 /lab/stop-$1 $2 \
      > /lab/log/writer-$1.log 2>&1 < /dev/null &)" 120
}
writes_more() { local n=$1 want=$2; [ "$(acked "$n")" -ge "$want" ]; }
# (An error after the scenario's last records check is a failed write all the same.)
stop_writer() {
  touch "$FL/run/client/stop-$1"
  until_true 120 grep -q '^stopped\|^error' "$FL/run/client/acks-$1" && ! grep '^error' "$FL/run/client/acks-$1"
}

# The checks after a scenario.
# records_ok NAME DIR SERVER: every acknowledged record in the file once, in order. The acks
# are read first, the file on the server (not through the client's cache), from its disk.
records_ok() {
  cp "$FL/run/client/acks-$1" "$OUTDIR/$2/acks"
  gx "$3" "echo 3 > /proc/sys/vm/drop_caches; cp $EXPORT/records-$1 /lab/records-$1.copy" 120 &&
    mv "$FL/run/$3/records-$1.copy" "$OUTDIR/$2/records" &&
    "$HERE/check.py" records "$OUTDIR/$2/records" "$OUTDIR/$2/acks"
}
# lock_reclaimed NAME SERVER: the server holds the lock and the client lost none (a reclaim
# that failed, by the grace period's end or otherwise, is in its kernel log; its next I/O on
# the file fails, which the records check sees too).
lock_reclaimed() {
  local m
  lock_held "$1" "$2" || return
  m=$(gx client 'dmesg') || return
  ! grep -Ei "lock reclaim failed|lost [0-9]+ locks" <<<"$m"
}
# lock_held NAME SERVER: the server holds the writer's POSIX lock, reclaimed after the
# failover: a local locker on the server, on the exported file, is refused.
lock_held() {
  gx "$2" "python3 -c 'import errno, fcntl, os, sys
fd = os.open(\"$EXPORT/records-$1\", os.O_WRONLY)
try: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError as e:
    print(\"refused:\", e); sys.exit(0 if e.errno in (errno.EAGAIN, errno.EACCES) else 2)
print(\"a second locker got the lock: the server lost the writer lock\"); sys.exit(1)'" 120
}
# drbd_identical PRIMARY: both nodes' copies of DRBD's data area hash the same, read while the
# Primary's filesystem is frozen (every write it acknowledged is then on both nodes: protocol C),
# and DRBD knows of no block out of sync. Checksums, not `drbdadm verify`: DRBD's verify reads
# the cache device in small requests, 4 MB/s under TCG (50-110 s a check), a streaming read 20.
drbd_identical() {
  local p=$1 q size rc=0 d=$FL/results/sums; [ "$p" = n1 ] && q=n2 || q=n1
  gx "$p" 'cat /proc/drbd' | grep -Eq 'ds:UpToDate/UpToDate.*' || { echo "DRBD not UpToDate on both"; return 1; }
  gx "$p" 'grep -q " oos:0$" /proc/drbd' || { echo "DRBD counts blocks out of sync"; return 1; }
  size=$(gx "$p" 'blockdev --getsize64 /dev/drbd0') || return
  [[ $size =~ ^[0-9]+$ ]] && [ "$size" -gt 0 ] || { echo "no size for /dev/drbd0: $size"; return 1; }
  # The guest's own timeout ends the freeze before gx gives up, so the thaw never overtakes it.
  gx "$p" 'timeout -s KILL 50 fsfreeze -f /srv/flock' 60 || { gx "$p" 'fsfreeze -u /srv/flock' 60; return 1; }
  mkdir -p "$d"
  datasum "$p" "$size" > "$d/$p" & datasum "$q" "$size" > "$d/$q" || rc=1
  wait $! || rc=1
  gx "$p" 'fsfreeze -u /srv/flock' 60 || rc=1
  [ $rc = 0 ] || { echo "could not read both copies: $(cat "$d/$p" "$d/$q")"; return 1; }
  paste "$d/$p" "$d/$q"
  cmp -s "$d/$p" "$d/$q" || { echo "the nodes' DRBD data differ"; return 1; }
}
# datasum NODE BYTES: "BYTES MD5" of the first BYTES of the node's DRBD backing device (the
# cache); fails unless dd read all BYTES.
datasum() {
  gx "$1" "set -o pipefail; sync; echo 3 > /proc/sys/vm/drop_caches
    sum=\$(dd if=/dev/mapper/wb0 bs=4M count=$2 iflag=count_bytes 2> /tmp/dd.err | md5sum) || { cat /tmp/dd.err; exit 1; }
    n=\$(sed -n 's/^\([0-9]*\) bytes.*/\1/p' /tmp/dd.err)
    [ \"\$n\" = $2 ] || { echo \"read \${n:-nothing} of $2 bytes\"; exit 1; }
    echo \"\$n \${sum%% *}\"" 600
}
# What a scenario counts from: each node's log size and the victim's reboots
# in Pacemaker's history, taken just before the fault, so evidence of an earlier scenario (or
# of a fence before this one) never passes for this one's.
declare -A LOGPOS
REBOOTS=0
reboots() {   # NODE ASKED: successful reboots of NODE in the fencing history, asking ASKED
  local out n
  out=$(gx "$2" "stonith_admin --history $1 --verbose" 60) || return
  n=$(grep -c "reboot of $1 successful" <<<"$out") || true
  echo "${n:-0}"
}
mark() {
  local g
  for g in n1 n2; do LOGPOS[$g]=$(stat -c %s "$FL/run/$g/log/pacemaker/pacemaker.log") || return; done
  REBOOTS=$(reboots "$1" "$2") && [[ $REBOOTS =~ ^[0-9]+$ ]] || { echo "no fencing history of $1: $REBOOTS"; return 1; }
}
# log_since NODE: the node's pacemaker.log (agents' lines too) written since the mark. Read it
# with grep FILE <(log_since NODE): in a pipe, grep -q's early exit fails tail under pipefail.
log_since() { tail -c +$((${LOGPOS[$1]} + 1)) "$FL/run/$1/log/pacemaker/pacemaker.log"; }
# fenced_by_plug VICTIM SURVIVOR SINCE_MS: since the mark, Pacemaker's history has one more
# reboot of the victim and the survivor's fencer says fence-plugs did it; since SINCE_MS the
# victim's plug switched off and cut its power once, the survivor's never, in order: the fence
# asked, the plug off, the power gone, the fence done, only then the survivor's takeover
# (check.py fences).
fenced_by_plug() {
  local v=$1 s=$2 n
  n=$(reboots "$v" "$s") || return
  [ "$n" = $((REBOOTS + 1)) ] || { echo "the history has $n successful reboots of $v, $REBOOTS before: want one more"; return 1; }
  grep -q "'reboot' .* targeting $v using fence-plugs returned 0" <(log_since "$s") ||
    { echo "$s's fencer log does not say fence-plugs rebooted $v"; return 1; }
  "$HERE/check.py" fences "$FL" "$v" "$s" "$3"
}
plug_offs() { local n; n=$(grep -c "switch relay=0 on=false" "$FL/plugs/plug-$1.timeline" 2>/dev/null) || true; echo "${n:-0}"; }
more_offs() { [ "$(plug_offs "$1")" -gt "$2" ]; }
exclusive() { "$HERE/check.py" exclusive "$FL" 0; }
replayed() {  # the returning node's cache replayed its own log after this scenario's cut
  grep "started wb0 .*replayed the log" <(log_since "$1")
}
rejoined() {
  local c
  online && cache_started && gx "$ASK" 'cat /proc/drbd' | grep -q 'ds:UpToDate/UpToDate' &&
    c=$(gx "$ASK" 'cibadmin -Q -o constraints') && ! grep -q drbd-fence-by-handler <<<"$c"
}
# settled: what a scenario starts from, whatever came before (a fence no scenario asked for, a
# node still probing after its return): both nodes in, DRBD Promoted on one and Unpromoted on
# the other, the service up, and no action of the scheduler's still pending.
settled() {
  rejoined && service_up && crm | grep -q 'Unpromoted: \[ n[12] \]' &&
    gx "$ASK" 'crm_resource --wait --timeout=60' 90
}

# fail_primary KIND NAME: KIND hang (SIGSTOP of its qemu) or netcut (its tap down), while the
# client writes (NAME's writer); then the checks, the timeline, and the node's return (scenario
# 2): the fence is a reboot; the node's firmware holds its boot until the service has moved.
fail_primary() {
  local kind=$1 name=$2 v s since d=$OUTDIR/$2 n0 offs bad=0
  mkdir -p "$d"
  step "$name: the flock is settled" until_true 600 settled || return 1
  v=$(service_node) || return 1; [ "$v" = n1 ] && s=n2 || s=n1
  step "$name: the client writes through $v" until_true 120 writes_more "$WRITER" $(($(acked "$WRITER") + 10)) || return 1
  mark "$v" "$s" || return 1
  n0=$(acked "$WRITER")
  offs=$(plug_offs "$v")
  "$L" hold "$v"
  since=$(ms) LASTV=$v LASTS=$s LASTSINCE=$since
  case $kind in
    hang) kill -STOP "$(cat "$FL/host/$v/qemu.pid")";;
    netcut) ip -n $NS link set "tap-$v" down;;
  esac
  ASK=$s
  echo "$since $kind $v" >> "$OUTDIR/events"
  step "$name: $v ${kind}s; its plug cuts its power" until_true 300 more_offs "$v" "$offs" || return 1
  step "$name: DRBD Promoted on $s" until_true 900 promoted_on "$s" || { "$L" release "$v"; return 1; }
  step "$name: the service runs on $s" until_true 900 runs_on "$s" || { "$L" release "$v"; return 1; }
  "$L" release "$v"
  step "$name: the client's writes resume" until_true 300 writes_more "$WRITER" $((n0 + 10)) || return 1
  step "$name: $s holds the client's lock, reclaimed" lock_reclaimed "$WRITER" "$s" || bad=1
  step "$name: $v comes back: online, cache, DRBD in sync" until_true 600 rejoined || return 1
  step "$name: $v's cache replayed its own log" replayed "$v" || bad=1
  step "$name: the service stayed on $s" runs_on "$s" || bad=1
  step "$name: every acknowledged record once, in order" records_ok "$WRITER" "$name" "$s" || bad=1
  step "$name: both nodes' DRBD data identical (checksums)" drbd_identical "$s" || bad=1
  step "$name: fenced once, by fence_espurna through plug-$v" fenced_by_plug "$v" "$s" "$since" || bad=1
  step "$name: no resource on both nodes at once" exclusive || bad=1
  step "$name: timeline" "$HERE/check.py" timeline "$FL" "$name" "$since" "$s" "$v" \
    "$FL/run/client/acks-$WRITER" "$d/timeline.txt" "$d/timeline.svg" || bad=1
  sed 's/^/    /' "$d/timeline.txt"
  return $bad
}

# example NAME: what check.py timeline reads for scenario NAME, trimmed to the lines it uses, so
# docs/flock-timeline/ can be refreshed from a run (make timeline-example redraws the picture).
example() {
  local d=$OUTDIR/$1/example g
  for g in n1 n2; do
    mkdir -p "$d/run/$g/log/pacemaker"
    grep -E "state is now lost|wants to fence|targeting .* returned|Result of (start|stop|promote|demote) operation" \
      "$FL/run/$g/log/pacemaker/pacemaker.log" > "$d/run/$g/log/pacemaker/pacemaker.log" || true
    mkdir -p "$d/host/$g" "$d/plugs"; cp "$FL/host/$g/power.log" "$d/host/$g/"
    cp "$FL/plugs/plug-$g.timeline" "$d/plugs/"
  done
  mkdir -p "$d/run/client"; cp "$FL/run/client/acks-steady" "$d/run/client/"
  # since, survivor, victim: the first fault's
  awk '$2 == "hang" || $2 == "netcut" { print $1, ($3 == "n1" ? "n2" : "n1"), $3; exit }' "$OUTDIR/events" > "$d/since"
}

# Each check must be able to fail: the same checks on the run's own evidence, changed the way
# a broken flock would have left it, must say no.
# must_fail REASON CMD...: CMD fails, and says REASON (failing for another reason is no catch).
must_fail() {
  local why=$1 out; shift
  if out=$("$@" 2>&1); then echo "the check passed: $*"; return 1; fi
  [[ $out == *"$why"* ]] || { echo "the check failed, but not for \"$why\": $out"; return 1; }
  echo "caught: $(tail -n 1 <<<"$out")"
}
drop_record() {   # an acknowledged record lost by the server
  local d=$OUTDIR/negative; mkdir -p "$d"
  sed '5d' "$OUTDIR/$1/records" > "$d/records"; must_fail "the file jumps from record 4 to 6" "$HERE/check.py" records "$d/records" "$OUTDIR/$1/acks"
}
dup_record() {    # a record written twice (a replayed write)
  local d=$OUTDIR/negative; mkdir -p "$d"
  sed '5p' "$OUTDIR/$1/records" > "$d/records"; must_fail "record 5 is in the file twice" "$HERE/check.py" records "$d/records" "$OUTDIR/$1/acks"
}
unfenced_logs() { # the same logs without the power cuts: as if no fence had stopped the victim
  local d=$OUTDIR/negative/run g
  rm -rf "$d"
  for g in n1 n2; do
    mkdir -p "$d/run/$g/log/pacemaker" "$d/host/$g"
    cp "$FL/run/$g/log/pacemaker/pacemaker.log" "$d/run/$g/log/pacemaker/"
    grep -v "power off" "$FL/host/$g/power.log" > "$d/host/$g/power.log" || true
  done
  "$HERE/check.py" exclusive "$FL" 0 > /dev/null && must_fail "at once" "$HERE/check.py" exclusive "$d" 0
}
lock_free() {     # its writer is gone: noticed
  local n; n=$(service_node) || { echo "the service runs nowhere"; return 1; }
  must_fail "a second locker got the lock" lock_held steady "$n"
}
# stale_fence: the last scenario's fence passes from its own mark, and each of the three parts
# of the check refuses it counted from after it (the history, the fencer's log, the plug).
stale_fence() {
  local v=$LASTV s=$LASTS since=$LASTSINCE r0=$REBOOTS p1=${LOGPOS[n1]} p2=${LOGPOS[n2]}
  fenced_by_plug "$v" "$s" "$since" > /dev/null || { echo "the scenario's own fence no longer passes"; return 1; }
  mark "$v" "$s" || return
  must_fail "want one more" fenced_by_plug "$v" "$s" "$since" || return
  REBOOTS=$r0
  must_fail "does not say fence-plugs" fenced_by_plug "$v" "$s" "$since" || return
  LOGPOS[n1]=$p1 LOGPOS[n2]=$p2
  must_fail "plug-$v switched off 0" fenced_by_plug "$v" "$s" "$(ms)"
}
# diverged PRIMARY: one block changed under DRBD on the Secondary: the checksums must differ.
# The Secondary is then resynced from the Primary, so a lab kept up (FLOCK_KEEP) is whole.
diverged() {
  local p=$1 q out rc=0; [ "$p" = n1 ] && q=n2 || q=n1
  gx "$q" 'dd if=/dev/urandom of=/dev/mapper/wb0 bs=4k seek=25600 count=1 oflag=direct status=none' || return
  out=$(drbd_identical "$p" 2>&1); [[ $out == *"data differ"* ]] || { echo "not caught: $out"; rc=1; }
  gx "$q" 'drbdadm invalidate r0' && until_true 300 uptodate || { echo "$q did not resync"; rc=1; }
  return $rc
}
negatives() {
  step "caught: an acknowledged record missing" drop_record 4-burst-during-crash
  step "caught: a record in the file twice" dup_record 4-burst-during-crash
  step "caught: the victim's resources not ended by a fence" unfenced_logs
  step "caught: a fence from before the scenario's start" stale_fence
  step "caught: the writer's lock not held" lock_free
  step "caught: the nodes' DRBD data differing" diverged "$(service_node)"
}

scenarios() {
  step "the service is up" until_true 600 service_up || return 1
  WRITER=steady
  step "the client mounts NFSv4.2 from $VIP and writes, locked" writer steady 0.1 || return 1
  # A failed scenario leaves the flock in no state to test the next one on.
  fail_primary hang 1-hung-primary || return 1   # scenario 2 (the fenced node returns) is its end
  example 1-hung-primary
  fail_primary netcut 3-network-cut || return 1
  step "steady writer stops" stop_writer steady || return 1
  WRITER=burst
  step "the client writes as fast as it can" writer burst 0 || return 1
  fail_primary hang 4-burst-during-crash || return 1
  step "burst writer stops" stop_writer burst
}

trap cleanup EXIT
rm -rf "$OUTDIR"; mkdir -p "$OUTDIR"
t0=$(ms)
# FLOCK_REUSE=1: the scenarios on a lab left up by FLOCK_KEEP=1, set up already.
if [ "${FLOCK_REUSE:-0}" != 1 ]; then
  setup || exit 1
  echo "setup took $(secs $(($(ms) - t0))) s"
fi
scenarios || exit 1
negatives || exit 1
# Three failovers, three power cuts; any more is a fence no scenario asked for (a guest starved
# of CPU for longer than the token): the scenarios started settled, so it is told, not failed.
extra=$(($(plug_offs n1) + $(plug_offs n2) - 3))
[ $extra -le 0 ] || echo "note: $extra fence(s) no scenario asked for: $FL/plugs/*.timeline"
echo "flock tier took $(secs $(($(ms) - t0))) s"
