#!/bin/bash
# Install the Debian packages the kernel tier needs, only those missing, and make sure
# dm-writeboost is built for the guest kernel (DKMS builds it on install, but not if the
# headers arrived after the kernel or the build failed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
t0=$(now)
want=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 dkms dm-writeboost-dkms dmsetup
      busybox-static cpio kmod util-linux bash
      resource-agents libxml2-utils   # ocf-tester and xmllint are copied into the guest
      nfs-kernel-server nfs-common rpcbind   # nfsd's userspace, copied into the guest
      psmisc)   # fuser: ocf:flock:nfs names what holds /var/lib/nfs
"$(dirname "$0")/../deps.sh" "${want[@]}"
log "packages ready in $(elapsed "$t0")s"

kver=$(guest_kver)
wb() { find "/lib/modules/$kver/updates" -name 'dm-writeboost.ko*' 2>/dev/null | grep -q .; }
if ! wb; then
  [ "$(id -u)" = 0 ] || die "dm-writeboost is not built for $kver (run as root)"
  log "building dm-writeboost for $kver"
  dkms autoinstall -k "$kver" >/dev/null || true
  if ! wb; then   # autoinstall skips modules DKMS thinks are done; force this one
    v=$(dpkg-query -W -f='${Version}' dm-writeboost-dkms | sed 's/-[^-]*$//')
    dkms install -m dm-writeboost -v "$v" -k "$kver" --force >/dev/null
  fi
  wb || die "dm-writeboost did not build for $kver (see /var/lib/dkms/dm-writeboost)"
fi
log "deps ok: guest kernel $kver, dm-writeboost built ($(elapsed "$t0")s)"
