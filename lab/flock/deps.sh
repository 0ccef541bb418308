#!/bin/bash
# Install what the flock tier needs (only what is missing): the kernel tier's packages (qemu,
# the Debian kernel, dm-writeboost, nfs-utils), plus what the guests run from the host's /usr
# over 9p: the cluster stack, pcs, DRBD's tools, resource-agents, hwclock, python3.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/../kernel/deps.sh"
"$HERE/../deps.sh" corosync pacemaker pacemaker-cli-utils pcs resource-agents drbd-utils \
  nfs-common util-linux-extra python3 iproute2 busybox-static cpio kmod
