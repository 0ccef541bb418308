#!/bin/bash
# Build (or reuse) the flock guests' initramfs and print its path: static busybox, the modules
# that mount the host's /usr over virtio-9p, a whitelist of /etc, and the two init stages.
# Everything else a node runs (bash, corosync, pacemaker, pcs, drbd-utils, nfs-utils,
# resource-agents, the kernel's modules) is the host's Debian packages, read-only over 9p;
# our own binaries come from a separate share (node-init). Cache key: a hash of the inputs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
KVER=$(guest_kver)
ETC=(passwd group nsswitch.conf host.conf ld.so.cache ld.so.conf services protocols rpc netconfig
     mke2fs.conf nfs.conf drbd.conf shells inputrc)
key=$( { cat "$HERE/image.sh" "$HERE/init" "$HERE/node-init" "$HERE/lib.sh"; echo "$KVER"
         for f in "${ETC[@]}"; do [ -e "/etc/$f" ] && md5sum "/etc/$f"; done
         dpkg-query -W busybox-static "linux-image-$KVER"; } | md5sum | cut -c1-12)
out=$FL/image-$key.cpio
if [ -s "$out" ]; then echo "$out"; exit 0; fi
mkdir -p "$FL"
R=$(mktemp -d "$FL/.image.XXXXXX")
trap 'rm -rf "$R"' EXIT
# mktemp -d is 0700: the root would be unreadable for hacluster and every Pacemaker daemon
# would fail to load its libraries.
chmod 755 "$R"
mkdir -p "$R"/{initbin,initmod,usr,etc,dev,proc,sys,tmp,run,var,root,lab,flock,mnt}
cp /bin/busybox "$R/initbin/busybox"
for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$R/initbin/$a"; done
# The 9p modules in load order (the rest of /lib/modules comes over 9p itself).
for m in virtio_pci 9pnet_virtio 9p; do
  modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  cp "$ko" "$R/initmod/"; basename "$ko" >> "$R/initmod/order"
done
# /etc: a whitelist (users, resolver and RPC tables, tool defaults), never shadow or keys.
for f in "${ETC[@]}"; do [ -e "/etc/$f" ] && cp -L "/etc/$f" "$R/etc/"; done
cp -a /etc/alternatives /etc/ld.so.conf.d "$R/etc/"
mkdir -p "$R"/etc/{corosync,drbd.d,pacemaker,exports.d,nfs.conf.d}
cp /etc/drbd.d/global_common.conf "$R/etc/drbd.d/"
touch "$R/etc/exports"
install -m 0755 "$HERE/init" "$R/init"
install -m 0755 "$HERE/node-init" "$R/node-init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$R.cpio"
rm -f "$FL"/image-*.cpio
mv "$R.cpio" "$out"
echo "$out"
