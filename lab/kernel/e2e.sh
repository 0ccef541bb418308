#!/bin/bash
# make e2e-kernel: the kernel tier end to end. Installs what is missing, builds the image,
# runs the smoke test (and checks its pattern again on the host, in the raw backing image),
# then every executable lab/kernel/tests/*.sh (conventions in lab/kernel/README.md).
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
want() { [ ${#only[@]} -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx "$1"; }
only=("$@")

# result NAME START: one PASS/FAIL line; boot and script times when the guest reported them.
result() {
  local name=$1 start=$2 rc=$3 d=$E2E/$1 extra=
  if [ -f "$d/out/timings" ]; then
    extra=$(awk '$1 == "boot_to_script" { b = $2 } $1 == "script" { s = $2 }
                 END { printf "(boot-to-script %ss, script %ss)", b, s }' "$d/out/timings")
  fi
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); printf 'PASS %-28s %6ss %s\n' "$name" "$(elapsed "$start")" "$extra"
  else
    failed=$((failed + 1)); printf 'FAIL %-28s %6ss %s exit %s\n' "$name" "$(elapsed "$start")" "$extra" "$rc"
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

run() {
  local name=$1 start rc=0; shift
  want "$name" || return 0
  mkdir -p "$E2E/$name"; rm -f "$E2E/$name/out/timings"
  start=$(now)
  "$@" > "$E2E/$name/log" 2>&1 || rc=$?
  result "$name" "$start" "$rc"
}

run smoke smoke
for t in "$HERE"/tests/*.sh; do
  [ -x "$t" ] || continue
  name=$(basename "$t" .sh)
  case $t in
    *.host.sh) run "$name" host_test "$t" "$name";;
    *)         run "$name" guest_test "$t" "$name";;
  esac
done
echo "kernel tier: $(elapsed "$t0")s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
