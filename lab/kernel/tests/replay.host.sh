#!/bin/bash
# Host test, two boots over the same disks: boot 1 writes through dm-writeboost and resets
# the guest without a flush or a remove (run.sh must say 124); boot 2 (--keep) finds the
# data in the cache, replayed by dm-writeboost, and not yet on the backing disk.
# lab-duration: 25
set -euo pipefail
run=${LAB_KERNEL_RUN:?run by lab/kernel/e2e.sh}
work=${LAB_WORK:?}
cat > "$work/guest.sh" <<'GUEST'
#!/bin/bash
set -euo pipefail
B=/dev/disk/by-lab/backing C=/dev/disk/by-lab/cache
md5() { dd if="$1" bs=1M skip=8 count=4 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
modprobe dm-writeboost
dmsetup create wb --table "0 $(blockdev --getsz $B) writeboost $B $C"
case $1 in
write)
  head -c $((4 << 20)) < <(yes "FLOCK-LAB-REPLAY $2") > /tmp/pattern
  # fsync makes writeboost log the data to the cache disk; nothing writes it back.
  dd if=/tmp/pattern of=/dev/mapper/wb bs=1M seek=8 oflag=direct conv=fsync 2>/dev/null
  echo "written $(md5sum < /tmp/pattern | cut -d' ' -f1)"
  echo b > /proc/sysrq-trigger; sleep 10;;
check)
  echo "via writeboost $(md5 /dev/mapper/wb)"
  dmsetup remove wb
  echo "backing alone after remove $(md5 $B)";;
esac
GUEST
nonce=$(cat /proc/sys/kernel/random/uuid)
want=$(head -c $((4 << 20)) < <(yes "FLOCK-LAB-REPLAY $nonce") | md5sum | cut -d' ' -f1)
rc=0
"$run" --work "$work/vm" --out "$work/boot1" --disk backing:256M --disk cache:64M \
  "$work/guest.sh" write "$nonce" || rc=$?
[ $rc = 124 ] || { echo "boot 1: run.sh exit $rc, want 124 (reset without results)"; exit 1; }
out=$("$run" --work "$work/vm" --out "$work/boot2" --keep --disk backing:256M --disk cache:64M \
  "$work/guest.sh" check)
echo "$out"
grep -qx "via writeboost $want" <<< "$out" || { echo "boot 2: the write did not survive the reset"; exit 1; }
echo "replay: the write survived the reset ($want)"
