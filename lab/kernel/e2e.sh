#!/bin/bash
# make e2e-kernel: the kernel tier end to end. Installs what is missing, builds the image,
# runs the smoke test (and checks its pattern again on the host, in the raw backing image),
# then every lab/kernel/tests/*.sh, each executable (conventions in lab/kernel/README.md),
# KERNEL_JOBS at a time (default: the number of CPUs; 1 runs them one by one in order).
# usage: lab/kernel/e2e.sh [NAME...]   NAME: smoke, or a tests/ file name without .sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
E2E=$LAB_KERNEL/e2e
cd "$HERE/../.."

t0=$(now)
"$HERE/deps.sh"
t=$(now); "$HERE/image.sh" > /dev/null; log "image ready in $(elapsed "$t")s"

passed=0; failed=0
want() { local n; [ ${#only[@]} -eq 0 ] && return; for n in "${only[@]}"; do [ "$n" = "$1" ] && return; done; return 1; }
only=("$@")

# result NAME SECONDS RC: one PASS/FAIL line; boot and script times when the guest reported them.
result() {
  local name=$1 secs=$2 rc=$3 d=$E2E/$1 extra=
  if [ -f "$d/out/timings" ]; then
    extra=$(awk '$1 == "boot_to_script" { b = $2 } $1 == "script" { s = $2 }
                 END { printf "(boot-to-script %ss, script %ss)", b, s }' "$d/out/timings")
  fi
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); printf 'PASS %-28s %6ss %s\n' "$name" "$secs" "$extra"
  else
    failed=$((failed + 1)); printf 'FAIL %-28s %6ss %s exit %s\n' "$name" "$secs" "$extra" "$rc"
    sed 's/^/    /' "$d/log" | tail -n 40
    echo "    full log: $d/log"
  fi
}

# The smoke test: the guest's word is not enough, so read the pattern back on the host.
smoke() {
  local d=$E2E/smoke exp off len got
  "$HERE/run.sh" --work "$d/work" --out "$d/out" --disk backing:256M --disk cache:64M \
    "$HERE/smoke.sh" || return
  read -r exp off len < <(awk '{ v[$1] = $2 }
    END { print v["expected"], v["offset_mib"], v["length_mib"] }' "$d/out/checksums")
  got=$(dd if="$d/work/backing.img" bs=1M skip="$off" count="$len" 2>/dev/null | md5sum | cut -d' ' -f1)
  [ -n "$exp" ] && [ "$got" = "$exp" ] ||
    { echo "host: backing.img holds $got at ${off}MiB, want ${exp:-?}"; return 1; }
  echo "host: backing.img holds the pattern ($got)"
}

# header FILE KEY: the value of a "# lab-KEY: value" line.
header() { sed -n "s/^# lab-$2: *//p" "$1" | head -1; }

guest_test() {
  local t=$1 name=$2 d=$E2E/$2 opts=() v
  for v in $(header "$t" disks); do opts+=(--disk "$v"); done
  v=$(header "$t" timeout); [ -z "$v" ] || opts+=(--timeout "$v")
  v=$(header "$t" mem); [ -z "$v" ] || opts+=(--mem "$v")
  "$HERE/run.sh" --work "$d/work" --out "$d/out" "${opts[@]}" "$t"
}

host_test() {
  local t=$1 d=$E2E/$2
  rm -rf "$d/host"; mkdir -p "$d/host"
  LAB_KERNEL_RUN=$HERE/run.sh LAB_WORK=$d/host "$t"
}

# The tests in their order, which is the order of the report.
names=(); declare -A kind=() path=()
add() { want "$1" || return 0; names+=("$1"); kind[$1]=$2; path[$1]=$3; }
add smoke smoke "$HERE/smoke.sh"
# A test is an executable file (lab/kernel/README.md): one that lost its x bit is an error,
# not a test quietly left out of the run, named or not.
for t in "$HERE"/tests/*.sh; do
  n=$(basename "$t" .sh)
  want "$n" || continue
  [ -x "$t" ] || die "$t is not executable: chmod +x it, every tests/*.sh is a test"
  case $t in *.host.sh) add "$n" host "$t";;
             *)         add "$n" guest "$t";; esac
done
# A name that is no test is a mistake too, not a run without it.
for n in "${only[@]}"; do [ -n "${kind[$n]:-}" ] || die "no such test: $n"; done

jobs=${KERNEL_JOBS:-$(nproc)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "KERNEL_JOBS must be a positive number, not $jobs"
# In parallel the longest start first ("# lab-duration: SECONDS", serial, on 2 cores), so
# the last ones to finish are short; ties and tests without the header keep their order.
order=("${names[@]}")
if [ "$jobs" -gt 1 ]; then
  mapfile -t order < <(for n in "${names[@]}"; do echo "$(header "${path[$n]}" duration) $n"; done |
                       sort -s -k1,1nr | cut -d' ' -f2)
fi

# Each test is a job of its own (set -m: its own process group, so an interrupt can end
# its qemu too); its lines are printed once it and every test before it are done.
set -m
declare -A pid_of=() rc_of=() secs_of=() start_of=()
reported=0
report() {
  while [ "$reported" -lt ${#names[@]} ] && [ -n "${rc_of[${names[$reported]}]:-}" ]; do
    local n=${names[$reported]}
    result "$n" "${secs_of[$n]}" "${rc_of[$n]}"
    reported=$((reported + 1))
  done
}
trap 'for p in "${pid_of[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done; exit 130' INT TERM
# reap: wait for one test to end (wait -n may also return a process substitution of ours).
reap() {
  local p rc k n=''
  while [ -z "$n" ]; do
    rc=0; wait -n -p p || rc=$?
    for k in "${!pid_of[@]}"; do [ "${pid_of[$k]}" != "$p" ] || n=$k; done
  done
  rc_of[$n]=$rc; secs_of[$n]=$(elapsed "${start_of[$n]}"); unset "pid_of[$n]"
}
log "${#names[@]} tests, $jobs at a time"
for n in "${order[@]}"; do
  while [ ${#pid_of[@]} -ge "$jobs" ]; do reap; report; done
  mkdir -p "$E2E/$n"; rm -f "$E2E/$n/out/timings"
  case ${kind[$n]} in
    smoke) set -- smoke;;
    host)  set -- host_test "${path[$n]}" "$n";;
    guest) set -- guest_test "${path[$n]}" "$n";;
  esac
  start_of[$n]=$(now)
  # "|| exit": the test runs outside set -e, as a command before || does.
  { "$@" || exit; } > "$E2E/$n/log" 2>&1 < /dev/null &
  pid_of[$n]=$!
done
while [ ${#pid_of[@]} -gt 0 ]; do reap; report; done
set +m
echo "kernel tier: $(elapsed "$t0")s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
