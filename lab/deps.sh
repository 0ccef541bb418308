#!/bin/bash
# Install the Debian packages the tests and the lab need, only those missing.
# usage: lab/deps.sh check|lab   (check: test peers; lab: + qemu kernel tier later)
set -euo pipefail
want=(pacemaker corosync pcs fence-agents resource-agents pacemaker-cli-utils libxml2-utils iproute2 util-linux
      mosquitto mosquitto-clients man-db)
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
apt-get update -qq
# Nothing may start on install: services are started by the lab scripts, not by dpkg.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.flock && chmod +x /usr/sbin/policy-rc.d.flock
[ -e /usr/sbin/policy-rc.d ] || cp /usr/sbin/policy-rc.d.flock /usr/sbin/policy-rc.d
# An existing policy that allows starts is set aside for the install, then put back.
rc=0; /usr/sbin/policy-rc.d mosquitto start >/dev/null 2>&1 || rc=$?
if [ "$rc" != 101 ]; then
  mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.flock-saved
  cp /usr/sbin/policy-rc.d.flock /usr/sbin/policy-rc.d
  trap 'mv -f /usr/sbin/policy-rc.d.flock-saved /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
