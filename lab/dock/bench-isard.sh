#!/bin/bash
# Benchmark ocf:flock:isard's monitor against resource-agents' ocf:heartbeat:docker-compose on
# the same running project (lab/dock/stack, started by our agent with compose v1), on a private
# dockerd: wall time, CPU time (user+system, children included) and processes spawned per
# monitor, and the ratios, in one run. Processes are counted in a separate pass under strace
# (forks and clones that are not threads), so its overhead is not in the times.
# usage: lab/dock/bench-isard.sh [MONITORS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20}
NAME=isard-bench
hb=/usr/lib/ocf/resource.d/heartbeat/docker-compose
[ -x $hb ] || { echo "bench-isard: $hb is missing (Debian package resource-agents)" >&2; exit 1; }
command -v strace >/dev/null || lab/deps.sh strace
work=$(mktemp -d)
trap 'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${ours_env[@]}" bin/ocf-isard stop >/dev/null 2>&1 || true
	umount "$work/data" 2>/dev/null || true; lab/dock/dock.sh down $NAME; rm -rf "$work"' EXIT
lab/dock/dock.sh up $NAME >/dev/null
sock=$(lab/dock/dock.sh socket $NAME)
# The project directory is named isard: heartbeat's agent takes its basename as the project.
mkdir -p "$work/isard" "$work/data" "$work/rsc"
cp lab/dock/stack/docker-compose.yml "$work/isard/"
mount -t tmpfs isard-bench "$work/data"
common=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C OCF_ROOT=/usr/lib/ocf HA_logfacility=none OCF_RESOURCE_INSTANCE=bench
	OCF_RESKEY_CRM_meta_timeout=30000 OCF_RESKEY_CRM_meta_interval=30000)
ours_env=("${common[@]}" OCF_RESOURCE_TYPE=isard OCF_RESKEY_project_dir="$work/isard" OCF_RESKEY_project=isard
	OCF_RESKEY_data_mount="$work/data" OCF_RESKEY_docker_socket="$sock" OCF_RESKEY_compose=docker-compose HA_RSCTMP="$work/rsc")
# heartbeat's agent has no socket parameter: DOCKER_HOST tells its docker-compose where dockerd is.
hb_env=("${common[@]}" OCF_RESOURCE_TYPE=docker-compose OCF_RESKEY_dirpath="$work/isard" DOCKER_HOST="unix://$sock")
env -i "${ours_env[@]}" OCF_RESKEY_CRM_meta_timeout=120000 bin/ocf-isard start >/dev/null 2>&1

# measure NAME ENV... -- AGENT: wall, CPU (ms per monitor) and processes per monitor.
measure() {
	local label=$1 t f procs
	shift
	env -i "$@" monitor >/dev/null 2>&1 || { echo "bench-isard: $label monitor failed on the running stack" >&2; exit 1; }
	t=$( { TIMEFORMAT='%R %U %S'; time for _ in $(seq "$n"); do env -i "$@" monitor >/dev/null 2>&1; done; } 2>&1 )
	f=$(mktemp)
	env -i "${@:1:$#-1}" strace -f -qq -o "$f" -e trace=clone,clone3,fork,vfork "${@: -1}" monitor >/dev/null 2>&1 || true
	procs=$(grep -E '^[0-9]+ +(clone|clone3|fork|vfork)\(' "$f" | grep -vc CLONE_THREAD || true)
	rm -f "$f"
	read -r real user sys <<<"$t"
	awk -v l="$label" -v n="$n" -v r="$real" -v u="$user" -v s="$sys" -v p="$procs" \
		'BEGIN { printf "%-28s wall %8.1f ms  cpu %8.1f ms  processes %4d\n", l, r*1000/n, (u+s)*1000/n, p }'
	echo "$real $user $sys $procs" >"$work/$label.m"
}
echo "monitor of the running 5-service stack, $n runs each, one run:"
measure ocf:flock:isard "${ours_env[@]}" bin/ocf-isard
measure ocf:heartbeat:docker-compose "${hb_env[@]}" $hb
read -r owall ou os op <"$work/ocf:flock:isard.m"
read -r hwall hu hs hp <"$work/ocf:heartbeat:docker-compose.m"
awk -v owall="$owall" -v ou="$ou" -v os="$os" -v op="$op" -v hwall="$hwall" -v hu="$hu" -v hs="$hs" -v hp="$hp" 'BEGIN {
	oc = ou + os; hc = hu + hs
	printf "ratio heartbeat/ours: wall %.1fx, cpu %s, processes %d vs %d\n", hwall / owall, (oc > 0 ? sprintf("%.1fx", hc / oc) : "ours below the clock"), hp, op }'
