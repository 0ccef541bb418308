#!/bin/bash
# Boot the Debian kernel under qemu (TCG) with the lab image and our binaries installed as
# on a node, run one guest script, bring its results back. See lab/kernel/README.md.
set -Eeuo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
# Any failure of ours is 125 too ("no results"): never mistaken for the script's own code.
die() { log "$*"; exit 125; }
trap 'log "run.sh failed at line $LINENO"; exit 125' ERR

usage() {
  cat >&2 <<'EOF'
usage: lab/kernel/run.sh [--disk NAME:SIZE]... [--keep] [--out DIR] [--work DIR]
                         [--mem MB] [--timeout SECONDS] GUEST_SCRIPT [ARGS...]
  --disk NAME:SIZE  sparse raw disk WORK/NAME.img, /dev/vdb, /dev/vdc… in order,
                    /dev/disk/by-lab/NAME in the guest (repeatable)
  --keep            reuse existing disk images (boot again over the same disks)
  --out DIR         results: the script's $OUT files, exit-code, stdout.log,
                    stderr.log, console.log, timings (default WORK/out)
  --work DIR        disks and scratch (default ${FLOCK_LAB:-/var/tmp/flock-lab}/kernel/run)
  --mem MB          guest memory (default 1024)
  --timeout SECONDS kill the guest after this long (default 300)
exit: the script's exit code; 124 guest reset without results (e.g. echo b >
/proc/sysrq-trigger); 125 no results otherwise (panic, timeout, qemu or run.sh error)
EOF
  exit "${1:-125}"
}

disks=(); keep=0; out=; work=$LAB_KERNEL/run; mem=1024; timeout=300
while [ $# -gt 0 ]; do
  case $1 in
    --disk)    [ $# -ge 2 ] || usage; disks+=("$2"); shift 2;;
    --keep)    keep=1; shift;;
    --out)     [ $# -ge 2 ] || usage; out=$2; shift 2;;
    --work)    [ $# -ge 2 ] || usage; work=$2; shift 2;;
    --mem)     [ $# -ge 2 ] || usage; mem=$2; shift 2;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2;;
    -h|--help) usage 0;;
    --)        shift; break;;
    -*)        log "unknown option $1"; usage;;
    *)         break;;
  esac
done
[ $# -ge 1 ] || usage
script=$1; shift
[ -f "$script" ] || die "no such guest script: $script"
[[ $mem =~ ^[0-9]+$ && $timeout =~ ^[0-9]+$ ]] || die "--mem and --timeout take numbers"
[ ${#disks[@]} -le 24 ] || die "at most 24 disks"
for d in "${disks[@]}"; do
  [[ $d =~ ^[A-Za-z0-9_.-]+:[0-9]+[KMGT]?$ ]] || die "bad --disk $d (want NAME:SIZE, e.g. cache:64M)"
  [ "${d%%:*}" != results ] || die "disk name 'results' is reserved"
done
[ "$(printf '%s\n' "${disks[@]%%:*}" | sort | uniq -d)" = "" ] || die "duplicate disk names"

t0=$(now)
mkdir -p "$work"
work=$(cd "$work" && pwd)
out=${out:-$work/out}
# One guest per work directory: the disks and the scratch tree are not shareable.
# Children get 9>&-: a lingering one (go's telemetry helper) would hold the lock.
exec 9> "$work/.lock"
flock -n 9 || { log "waiting for another run in $work"; flock 9; }
# --out is wiped each run, so only ever wipe a directory we made.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -e "$out/.flock-lab-out" ]; then
  die "--out $out is not empty and not a lab results directory"
fi

# 1. The cached base image (kernel modules, busybox, host tools, /init).
t=$(now)
kver=$(guest_kver)
base=$("$HERE/image.sh" "$kver" 9>&-)
t_image=$(elapsed "$t")

# 2. Our binaries, installed exactly as on a node, plus the test: a second cpio
#    appended to the cached one (the kernel unpacks concatenated archives in order).
t=$(now)
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
stage=$work/stage
rm -rf "$stage"; mkdir -p "$stage/lab"
# One make install at a time per checkout: guests run in parallel (e2e.sh), and each install
# rebuilds bin/ and renders bin/man with the binaries it just wrote.
mkdir -p "$REPO/bin"
{ flock 8
  make --no-print-directory -C "$REPO" install DESTDIR="$stage" > "$work/build.log" 2>&1 8>&- 9>&- ||
    { cat "$work/build.log" >&2; die "make install failed"; }
} 8> "$REPO/bin/.lab-install.lock"
install -m 0755 "$script" "$stage/lab/test"
{ echo '#!/bin/bash'; printf 'exec /lab/test'; printf ' %q' "$@"; echo; } > "$stage/lab/run"
chmod 0755 "$stage/lab/run"
# Disks: results first (vda), then the test's disks in order; the guest finds them by serial.
drives=() ; names=(results)
rm -f "$work/results.img"; truncate -s 1G "$work/results.img"
drives+=(-drive "file=$work/results.img,format=raw,if=none,id=results"
         -device "virtio-blk-pci,drive=results,serial=results")
for d in "${disks[@]}"; do
  name=${d%%:*}; img=$work/$name.img
  if [ $keep = 0 ] || [ ! -e "$img" ]; then rm -f "$img"; truncate -s "${d#*:}" "$img"; fi
  drives+=(-drive "file=$img,format=raw,if=none,id=$name,cache=none"
           -device "virtio-blk-pci,drive=$name,serial=$name")
  names+=("$name")
done
printf '%s\n' "${names[@]}" > "$stage/lab/disks"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$work/run.cpio"
cat "$base" "$work/run.cpio" > "$work/initrd.img"
t_build=$(elapsed "$t")

# 3. Boot. timeout(1) kills qemu at the deadline; the trap kills it if we are interrupted.
qpid=; tailpid=
cleanup() {
  [ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
    kill -TERM "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
  fi
  rm -rf "$stage" "$work/run.cpio" "$work/initrd.img"   # ~100 MB, rebuilt every run
  return 0
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP
console=$work/console.log
t=$(now)
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its
# ticks and panic ("IO-APIC + timer doesn't work"); the check proves nothing about an emulated
# timer.
timeout --kill-after=10 "$timeout" qemu-system-x86_64 -accel tcg -smp 2 -m "$mem" \
  -nographic -no-reboot -nic none -device virtio-rng-pci \
  -kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.img" \
  -append "console=ttyS0 quiet panic=-1 no_timer_check" \
  "${drives[@]}" < /dev/null > "$console" 2>&1 9>&- &
qpid=$!
# FLOCK_LAB_CONSOLE=1 shows the serial console live.
if [ "${FLOCK_LAB_CONSOLE:-0}" = 1 ]; then tail -n +1 -f "$console" >&2 9>&- & tailpid=$!; fi
qrc=0; wait "$qpid" || qrc=$?
qpid=
t_qemu=$(elapsed "$t")
[ -n "$tailpid" ] && { kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null || true; tailpid=; }

# 4. Results: a raw tar the guest wrote on vda (all zeros if it never got there).
rm -rf "$out"; mkdir -p "$out"; touch "$out/.flock-lab-out"
tar -xf "$work/results.img" -C "$out" 2>/dev/null || true
cp "$console" "$out/console.log"
tail_console() { log "last 60 lines of $out/console.log:"; tail -n 60 "$console" >&2; }
if [ -f "$out/exit-code" ]; then
  rc=$(cat "$out/exit-code")
  cat "$out/stdout.log"; cat "$out/stderr.log" >&2
  read -r _ t_boot < <(grep ^boot_to_script "$out/guest-times")
  read -r _ t_script < <(grep ^script "$out/guest-times")
  log "guest script exited $rc"
elif [ $qrc = 124 ] || [ $qrc = 137 ]; then
  rc=125; tail_console; log "timeout: guest killed after ${timeout}s, no results"
elif grep -q 'Kernel panic' "$console"; then
  rc=125; tail_console; log "guest kernel panicked, no results"
elif grep -q 'sysrq: Resetting' "$console"; then
  rc=124; tail_console; log "guest reset without results (deliberate crash)"
else
  rc=125; tail_console; log "guest stopped without results (qemu exit $qrc)"
fi
printf 'image %s\nbuild %s\nboot_to_script %s\nscript %s\nqemu %s\ntotal %s\n' \
  "$t_image" "$t_build" "${t_boot:--}" "${t_script:--}" "$t_qemu" "$(elapsed "$t0")" > "$out/timings"
log "times: image ${t_image}s, build ${t_build}s, boot-to-script ${t_boot:--}s," \
    "script ${t_script:--}s, qemu ${t_qemu}s, total $(elapsed "$t0")s"
exit "$rc"
