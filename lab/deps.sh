#!/bin/bash
# Install Debian packages, only those missing, without the install starting any service: the
# lab starts what it needs itself, in its own namespaces.
# usage: lab/deps.sh [PACKAGE...]   (default: the peers the tests and the lab talk to; docker.io
# brings dockerd and Debian's docker CLI, docker-compose is compose v1, busybox-static the
# offline image of lab/dock)
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(pacemaker corosync pcs fence-agents resource-agents pacemaker-cli-utils
  libxml2-utils iproute2 util-linux mosquitto mosquitto-clients man-db lintian rpm
  docker.io docker-compose busybox-static)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d that refuses every start, for the install only; whatever was there comes back.
policy=/usr/sbin/policy-rc.d
restore() {
  rm -f "$policy"
  if [ -e "$policy.flock-saved" ]; then mv "$policy.flock-saved" "$policy"; fi
}
if [ -e "$policy" ]; then mv "$policy" "$policy.flock-saved"; fi
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod +x "$policy"
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
