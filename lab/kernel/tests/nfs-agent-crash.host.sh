#!/bin/bash
# Host test, two boots over the same disk: ocf:flock:nfs after a crash. Boot 1 starts the
# agent exporting /srv/shared/a and resets the guest (run.sh must say 124), leaving an etab that
# lists it in the state directory. Boot 2 (--keep), with the resource now configured to export
# /srv/shared/b only: the probe says 7, start serves b and nothing stale (not a from the old
# etab, not /etc/exports' line), stop, and the shared filesystem unmounts.
# With NFS_TAPES=DIR, boot 2's agent runs are recorded as DIR/*.tape.
# lab-duration: 45
set -euo pipefail
run=${LAB_KERNEL_RUN:?run by lab/kernel/e2e.sh}
work=${LAB_WORK:?}
cat > "$work/guest.sh" <<'GUEST'
#!/bin/bash
set -euo pipefail
RA=/usr/lib/ocf/resource.d/flock/nfs FS=/srv/shared
export OCF_ROOT=/usr/lib/ocf OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
  OCF_RESOURCE_INSTANCE=nfs1 OCF_RESOURCE_TYPE=nfs OCF_RESOURCE_PROVIDER=flock \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: HA_logfacility=none \
  OCF_RESKEY_crm_feature_set=3.16.2 OCF_RESKEY_CRM_meta_timeout=60000 \
  OCF_RESKEY_state_dir=$FS/nfs-state OCF_RESKEY_ip=127.0.0.1 OCF_RESKEY_daemons=direct \
  OCF_RESKEY_grace_time=10 OCF_RESKEY_lease_time=10
ra() {
  local name=$1 want=$2 rc=0; shift 2
  local tape=()
  [ "${RECORD:-}" = record ] && mkdir -p "$OUT/tapes" && tape=("FLOCK_TAPE_RECORD=$OUT/tapes/$name.tape")
  env "${tape[@]}" "$RA" "$@" 2> "$OUT/$name.stderr" || rc=$?
  cat "$OUT/$name.stderr"
  [ "$rc" = "$want" ] || { echo "$name: $* exited $rc, want $want"; exit 1; }
}
exported() { grep -q "^$1[[:space:]]" /var/lib/nfs/etab 2>/dev/null; }
RECORD=${2:-}
mkdir -p $FS
case $1 in
serve)
  head -c 1 /dev/random > /dev/null
  mkfs.ext4 -q -F /dev/disk/by-lab/shared && mount -t ext4 /dev/disk/by-lab/shared $FS
  mkdir -p $FS/nfs-state $FS/a $FS/b
  OCF_RESKEY_exports="$FS/a 127.0.0.1(rw,sync,no_subtree_check,fsid=1)" ra start 0 start
  exported $FS/a || { echo "boot 1: a is not exported"; exit 1; }
  sync
  echo b > /proc/sysrq-trigger; sleep 10;;
again)
  echo "$FS/a 127.0.0.1(rw,fsid=1)" > /etc/exports   # as a node's own config might still say
  export OCF_RESKEY_exports="$FS/b 127.0.0.1(rw,sync,no_subtree_check,fsid=2)"
  ra probe-after-crash 7 monitor
  mount -t ext4 /dev/disk/by-lab/shared $FS
  grep -q "^$FS/a" $FS/nfs-state/etab || { echo "the crash left no etab to be stale: the test proves nothing"; exit 1; }
  ra probe-after-crash-mounted 7 monitor
  ra start-after-crash 0 start
  exported $FS/b || { echo "b is not exported: $(cat /var/lib/nfs/etab)"; exit 1; }
  exported $FS/a && { echo "stale export of a survived the crash: $(cat /var/lib/nfs/etab)"; exit 1; }
  [ "$(exportfs | awk '{ print $1 }' | sort -u)" = "$FS/b" ] || { echo "exportfs lists: $(exportfs)"; exit 1; }
  ra monitor-after-crash 0 monitor
  ra stop-after-crash 0 stop
  umount $FS || { echo "umount of the shared filesystem after stop: busy"; exit 1; }
  echo "no stale export after the crash";;
esac
GUEST
chmod +x "$work/guest.sh"
record=; [ -n "${NFS_TAPES:-}" ] && record=record
rc=0
"$run" --work "$work/vm" --out "$work/boot1" --disk shared:64M "$work/guest.sh" serve || rc=$?
[ $rc = 124 ] || { echo "boot 1: run.sh exit $rc, want 124 (reset without results)"; exit 1; }
"$run" --work "$work/vm" --out "$work/boot2" --keep --disk shared:64M "$work/guest.sh" again $record
if [ -n "$record" ]; then cp "$work/boot2/tapes/"*.tape "$NFS_TAPES/"; fi
