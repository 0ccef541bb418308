#!/bin/bash
# Build (or reuse) the guest's base initramfs for the Debian kernel and print its path.
# The cache key is the kernel version plus a hash of everything that goes in (these
# scripts, the Debian package versions, the DKMS module), so a change rebuilds it.
# usage: lab/kernel/image.sh [KVER]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
KVER=${1:-$(guest_kver)}
M=/lib/modules/$KVER

# What the guest needs. Extend these lists when a test needs more; the hash picks it up.
MODULES=(virtio_pci virtio_blk virtio_rng dm-mod dm-bufio libcrc32c crc32c_generic dm-writeboost
         dm-delay    # a slow backing disk for writeboost's stop-deadline test
         nfsd nfsv3 nfsv4 ext4    # an NFS server, its own client over loopback, ext4 exports
         md-mod raid1)            # an mdadm RAID member for writeboost's signature probe
BINS=(/usr/bin/bash /usr/sbin/dmsetup /usr/sbin/blockdev /usr/bin/xmllint /usr/bin/kmod
      /usr/bin/flock /usr/sbin/mke2fs
      /usr/sbin/{rpcbind,rpcinfo,rpc.nfsd,rpc.mountd,exportfs,rpc.statd,sm-notify,nfsdcld}
      /usr/sbin/{showmount,nfsstat,mount.nfs,start-statd}
      /usr/sbin/{crm_attribute,cibadmin} /usr/sbin/mdadm /usr/bin/fuser)
KMOD_LINKS=(modprobe lsmod insmod rmmod modinfo depmod)
# Debian's own links: mount.nfs acts as mount.nfs4/umount.nfs* by the name it is run as.
SBIN_LINKS=(mount.nfs4:mount.nfs umount.nfs:mount.nfs umount.nfs4:mount.nfs
            mkfs.ext4:mke2fs)
PKGS=(busybox-static dmsetup kmod bash util-linux libxml2-utils resource-agents libc6
      dm-writeboost-dkms nfs-kernel-server nfs-common rpcbind libtirpc3 netbase e2fsprogs
      pacemaker-cli-utils pacemaker-common mdadm psmisc)

wbko=$(find "$M/updates" -name 'dm-writeboost.ko*' 2>/dev/null | head -1)
[ -n "$wbko" ] || die "dm-writeboost is not built for $KVER (run lab/kernel/deps.sh)"
key=$( { cat "$HERE/image.sh" "$HERE/guest-init" "$HERE/lib.sh"; echo "$KVER";
         dpkg-query -W "${PKGS[@]}" "linux-image-$KVER"; md5sum < "$wbko"; } | md5sum | cut -c1-12)
out=$LAB_KERNEL/image-$KVER-$key.cpio
# One build at a time: parallel boots (e2e.sh) would each build it and remove the others'.
mkdir -p "$LAB_KERNEL"
exec 8> "$LAB_KERNEL/.image.lock"
flock 8
if [ -s "$out" ]; then echo "$out"; exit 0; fi

t0=$(now)
R=$(mktemp -d "$LAB_KERNEL/.image.XXXXXX")
trap 'rm -rf "$R"' EXIT

# Merged /usr like Debian 12, so host paths (/lib/x86_64-linux-gnu, /sbin/…) resolve.
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{dev,proc,sys,tmp,run,root,etc,mnt,lab} \
         "$R"/var/{tmp,lib,log}
for d in bin sbin lib lib64; do ln -s usr/$d "$R/$d"; done
ln -s ../run "$R/var/run"; ln -s ../run/lock "$R/var/lock"

# busybox applets. --list-full includes bin/busybox itself (and a bare "linuxrc"): a link
# named busybox would replace the binary with a symlink to itself.
cp /bin/busybox "$R/usr/bin/busybox"
busybox --list-full | while read -r a; do
  [[ $a == */* ]] || continue
  [ "${a##*/}" = busybox ] && continue
  case $a in *sbin/*) ln -sf ../bin/busybox "$R/usr/sbin/${a##*/}";;
             *)       ln -sf busybox "$R/usr/bin/${a##*/}";; esac
done

# copy_file SRC [DST]: the real content (not a symlink) at the path the guest expects;
# rm first so we never write through a busybox applet link.
copy_file() {
  local dst=$R${2:-$1}
  mkdir -p "$(dirname "$dst")"; rm -f "$dst"; cp -L "$1" "$dst"
}
# Host binaries override busybox applets of the same name; ldd gives their libraries.
for b in "${BINS[@]}"; do
  copy_file "$b"
  # start-statd is a shell script: ldd fails on it and there is nothing to copy.
  for lib in $(ldd "$b" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
    [ -e "$R$lib" ] || copy_file "$lib"
  done
done
for l in "${KMOD_LINKS[@]}"; do rm -f "$R/usr/sbin/$l"; ln -s ../bin/kmod "$R/usr/sbin/$l"; done
for l in "${SBIN_LINKS[@]}"; do rm -f "$R/usr/sbin/${l%%:*}"; ln -s "${l#*:}" "$R/usr/sbin/${l%%:*}"; done

# What the NFS tools read: libtirpc's /etc/netconfig (without it nothing binds), netbase's
# services/protocols/rpc, nfs-utils' nfs.conf, mke2fs.conf. /var/lib/nfs as Debian ships it,
# fresh (never the host's state); v4recovery also makes nfsd track NFSv4 clients there
# when no nfsdcld runs. The exports are the test's to write.
for f in /etc/netconfig /etc/services /etc/protocols /etc/rpc /etc/nfs.conf /etc/mke2fs.conf; do
  copy_file "$f"
done
mkdir -p "$R/etc/nfs.conf.d" "$R/etc/exports.d" "$R"/var/lib/nfs/{sm,sm.bak,v4recovery}
touch "$R/etc/exports" "$R"/var/lib/nfs/{etab,rmtab,state}

# ocf-tester (a /bin/sh script) and what it reads: the OCF shell library, the DTD it
# validates meta-data against, and the users it switches to (busybox su as root).
copy_file /usr/sbin/ocf-tester
mkdir -p "$R/usr/lib/ocf/lib/heartbeat" "$R/usr/lib/ocf/resource.d" "$R/usr/share/resource-agents"
find /usr/lib/ocf/lib/heartbeat -maxdepth 1 -type f -exec cp {} "$R/usr/lib/ocf/lib/heartbeat/" \;
cp /usr/share/resource-agents/ra-api-1.dtd /usr/share/resource-agents/metadata.rng \
   "$R/usr/share/resource-agents/"

# Pacemaker's CIB schemas: crm_attribute validates a CIB file (CIB_file=) against them.
mkdir -p "$R/usr/share/pacemaker"
cp -r /usr/share/pacemaker/. "$R/usr/share/pacemaker/"

# Kernel modules with everything modprobe would load first (softdeps included), then a
# real depmod so `modprobe dm-writeboost` works in the guest.
for m in "${MODULES[@]}"; do
  modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do copy_file "$ko"; done
for f in modules.order modules.builtin modules.builtin.modinfo; do
  [ -e "$M/$f" ] && copy_file "$M/$f"
done
depmod -b "$R" "$KVER"

cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
hacluster:x:189:189:cluster user:/var/lib/pacemaker:/usr/sbin/nologin
_rpc:x:104:65534::/run/rpcbind:/usr/sbin/nologin
statd:x:105:65534::/var/lib/nfs:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$R/etc/group" <<'EOF'
root:x:0:
haclient:x:189:hacluster
nogroup:x:65534:
EOF
printf '/bin/sh\n/bin/bash\n' > "$R/etc/shells"
printf '%s: files\n' passwd group hosts services protocols rpc networks > "$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost lab-guest\n::1 localhost\n' > "$R/etc/hosts"
echo lab-guest > "$R/etc/hostname"
ln -s ../proc/self/mounts "$R/etc/mtab"

install -m 0755 "$HERE/guest-init" "$R/init"

# Owned by root whoever builds it. Uncompressed: under TCG the guest unpacks it faster
# than it gunzips it, and run.sh can append its per-run cpio without alignment worries.
# Older images are stale (the key changed): remove them.
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$R.cpio"
rm -f "$LAB_KERNEL"/image-*.cpio
mv "$R.cpio" "$out"
log "image $(basename "$out") built in $(elapsed "$t0")s ($(du -h "$out" | cut -f1))"
echo "$out"
