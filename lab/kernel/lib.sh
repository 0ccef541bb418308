# Shared by the kernel-tier scripts (sourced, not run).

# FLOCK_LAB holds everything the lab builds and boots; it lives outside the repo
# so caches survive `git clean` and never get committed.
LAB_ROOT=${FLOCK_LAB:-/var/tmp/flock-lab}
LAB_KERNEL=$LAB_ROOT/kernel

# guest_kver prints the kernel the guest boots: the one linux-image-amd64 depends on.
# Never uname -r: the host may run a different (or no Debian) kernel.
guest_kver() {
  local k
  k=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
      sed -n 's/.*linux-image-\([^ ,]*\).*/\1/p')
  if [ -z "$k" ] || [ ! -e "/boot/vmlinuz-$k" ]; then
    # Fallback: newest kernel that has both a vmlinuz and a module tree.
    k=$(for v in /boot/vmlinuz-*; do v=${v#/boot/vmlinuz-}; [ -d "/lib/modules/$v/kernel" ] && echo "$v"; done |
        sort -V | tail -1)
  fi
  [ -n "$k" ] && [ -e "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k" ] || {
    echo "lab: no guest kernel found (run lab/kernel/deps.sh)" >&2; return 1; }
  echo "$k"
}

# now prints a timestamp for elapsed(): seconds with centiseconds.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

log() { echo "lab: $*" >&2; }
die() { echo "lab: $*" >&2; exit 1; }
