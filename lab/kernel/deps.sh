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
      nfs-kernel-server nfs-common rpcbind)   # nfsd's userspace, copied into the guest
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or install them)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Nothing may start on install: services are started by the lab scripts, not by dpkg
  # (rpcbind, nfs-kernel-server would start on the host, whose kernel has no nfsd).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.flock && chmod +x /usr/sbin/policy-rc.d.flock
  [ -e /usr/sbin/policy-rc.d ] || cp /usr/sbin/policy-rc.d.flock /usr/sbin/policy-rc.d
  # An existing policy that allows starts is set aside for the install, then put back.
  rc=0; /usr/sbin/policy-rc.d rpcbind start >/dev/null 2>&1 || rc=$?
  if [ "$rc" != 101 ]; then
    mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.flock-saved
    cp /usr/sbin/policy-rc.d.flock /usr/sbin/policy-rc.d
    trap 'mv -f /usr/sbin/policy-rc.d.flock-saved /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "installed in $(elapsed "$t0")s"
fi

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
