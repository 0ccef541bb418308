#!/bin/bash
# Guest script (run by lab/kernel/run.sh --disk backing:256M --disk cache:64M): proves the
# kernel tier. dm-writeboost loads by modprobe (the harness preloads nothing), takes a
# pattern through its cache, and after drop_caches + remove the pattern is on the backing
# disk itself. $OUT/checksums lets the host check the raw backing image as well.
# lab-duration: 15
set -euo pipefail
B=/dev/disk/by-lab/backing C=/dev/disk/by-lab/cache
OFF=8 LEN=4   # MiB: somewhere past the start, where the superblock of nothing lives
md5() { dd if="$1" bs=1M skip=$OFF count=$LEN iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1; }
fail() { echo "smoke: $*" >&2; exit 1; }

grep -q '^dm_writeboost ' /proc/modules && fail "dm-writeboost was preloaded by the harness"
modprobe dm-writeboost
grep '^dm_writeboost \|^dm_mod \|^libcrc32c ' /proc/modules

dmsetup create smoke --table "0 $(blockdev --getsz $B) writeboost $B $C"
dmsetup targets | grep writeboost

# A per-run nonce, so stale data on the disk can never pass for this run's pattern.
head -c $((LEN << 20)) < <(yes "FLOCK-LAB-SMOKE $(cat /proc/sys/kernel/random/uuid)") > /tmp/pattern
expected=$(md5sum < /tmp/pattern | cut -d' ' -f1)
dd if=/tmp/pattern of=/dev/mapper/smoke bs=1M seek=$OFF oflag=direct conv=fsync 2>/dev/null
via_device=$(md5 /dev/mapper/smoke)
backing_before_flush=$(md5 $B)   # usually not yet the pattern: it sits in the cache
dmsetup status smoke > "$OUT/status-before-flush"
dmsetup message smoke 0 drop_caches
dmsetup status smoke > "$OUT/status-after-flush"
dmsetup remove smoke
backing_after_remove=$(md5 $B)

cat > "$OUT/checksums" <<EOF
expected $expected
offset_mib $OFF
length_mib $LEN
via_device $via_device
backing_before_flush $backing_before_flush
backing_after_remove $backing_after_remove
EOF
cat "$OUT/checksums"
[ "$via_device" = "$expected" ] || fail "read back through writeboost: $via_device, want $expected"
[ "$backing_after_remove" = "$expected" ] || fail "backing after flush: $backing_after_remove, want $expected"
echo "smoke: pattern written through dm-writeboost is on the backing disk"
