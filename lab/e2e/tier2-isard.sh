#!/bin/bash
# Tier 2, isard: a 3-node flock whose nodes each run their own dockerd (lab/dock/dock.sh --node);
# a group of a floating IP and ocf:flock:isard runs on n2. n2's corosync dies; the cluster fences
# n2 through fence_espurna, whose plug's power cut kills n2's daemons and containers, and the
# stack comes up healthy on another node. Throughout, a watcher asks every node's dockerd which
# nodes run the stack: never two at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DOCK=$LAB/dock/dock.sh
ROOT=${FLOCK_LAB:-/var/tmp/flock-lab}
PROJECT=$ROOT/isard-project/src # on the host's filesystem: every node sees it, as the replicated one
WATCH=$ROOT/isard-watch.log
KEY=lab-$RANDOM-$RANDOM-key
watcher=

done_isard() {
	local rc=$?
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
	for n in n1 n2 n3; do "$DOCK" down $n >/dev/null 2>&1 || true; done
	cleanup $rc
}
trap done_isard EXIT

dsock() { echo "$ROOT/dock/$1/sock/docker.sock"; }
# running N: how many containers of the stack run on node N, as its dockerd says (0 if it is dead).
running() { timeout 3 docker -H "unix://$(dsock "$1")" ps -q --filter label=com.docker.compose.project=isard --filter status=running 2>/dev/null | wc -l; }
located() { on n1 crm_resource --locate --resource isard 2>/dev/null | sed -n 's/.* is running on: \([^ ]*\).*/\1/p' | head -1; }
# healthy_on N: the cluster has isard on N, and N's dockerd runs all five, none unhealthy or starting.
# (The statuses are read first: a docker that failed would read as none unhealthy.)
healthy_on() {
	local st
	[ "$(located)" = "$1" ] && [ "$(running "$1")" = 5 ] &&
		st=$(timeout 3 docker -H "unix://$(dsock "$1")" ps --filter label=com.docker.compose.project=isard --format '{{.Status}}') &&
		! grep -q 'health: starting\|unhealthy' <<<"$st"
}
none_on() { local n; for n in "$@"; do [ "$(running "$n")" = 0 ] || return 1; done; }
located_ip() { on n1 crm_resource --locate --resource isard-ip 2>/dev/null | sed -n 's/.* is running on: \([^ ]*\).*/\1/p' | head -1; }
ip_follows() {
	local ip stack
	ip=$(located_ip) stack=$(located)
	echo "isard-ip on ${ip:-nowhere}, isard on ${stack:-nowhere}"
	[ -n "$ip" ] && [ "$ip" = "$stack" ]
}
healthy_elsewhere() { local n; n=$(located); [ -n "$n" ] && [ "$n" != n2 ] && healthy_on "$n"; }
power_cut() { grep -q 'power relay=0 on=false' <(since plug-n2); }
# never_twice: no sample of the watcher saw the stack on more than one node.
never_twice() { [ -s "$WATCH" ] && ! awk '{ k = 0; for (i = 2; i <= 4; i++) if ($i > 0) k++; if (k > 1) { print; bad = 1 } } END { exit !bad }' "$WATCH"; }
# n2_containers_dead: no process left in n2's containers; else each is named, with its state
# (D: frozen).
n2_containers_dead() {
	local p procs left=
	procs=$("$DOCK" procs n2) || return
	for p in $procs; do left+=" $p($(cut -d' ' -f2,3 /proc/$p/stat 2>/dev/null))"; done
	[ -z "$left" ] || { echo "alive in n2's containers:$left"; return 1; }
}
# freeze_one N: one of N's containers frozen, as runc leaves it when it dies in the middle of
# signalling them all (it freezes, kills, thaws); a power cut must kill it all the same.
freeze_one() {
	local f
	for f in /sys/fs/cgroup/freezer/dock-"$1"/*/freezer.state; do # cgroup v1
		[ -e "$f" ] && echo FROZEN >"$f" && until_true 5 grep -qx FROZEN "$f" && return
	done
	for f in /sys/fs/cgroup/dock-"$1"/*/cgroup.freeze; do # v2
		[ -e "$f" ] && echo 1 >"$f" && until_true 5 grep -qx "frozen 1" "${f%.freeze}.events" && return
	done
	echo "no container cgroup of $1 to freeze"
	return 1
}

step "lab up: 3 nodes" "$CL" up 3
for i in 1 2 3; do
	step "plug-n$i powers n$i" "$CL" plug plug-n$i 10.99.0.10$i --apikey "$KEY" --on --load 180 --on-switch "$BASE/n$i/power"
	step "dockerd on n$i, in its network namespace" "$DOCK" up n$i --node "$(cat "$BASE/n$i/holder.pid")"
	# The data mount: a filesystem mounted in the node's own mount namespace.
	step "  n$i mounts its /run/isard-data" on n$i sh -c "mkdir -p /run/isard-data && mount -t tmpfs isard-data /run/isard-data"
done
step "the IsardVDI-shaped project on the shared filesystem" bash -c "rm -rf '$PROJECT' && mkdir -p '$PROJECT' && cp '$LAB/dock/stack/docker-compose.yml' '$PROJECT/'"
step "fence device over HTTP for the whole flock" \
	on n1 pcs stonith create fence-http fence_espurna ip=10.99.0.100 plug_addressing=host-offset \
	apikey="$KEY" plugs="n1=1 n2=2 n3=3" pcmk_host_map="n1:1;n2:2;n3:3" pcmk_host_check=static-list \
	power_wait=1 op monitor interval=60s
# Stickiness over the preference: once moved, the stack stays where it is when n2 comes back.
step "group isard-grp: floating IP + ocf:flock:isard, prefers n2" bash -c "
	'$CL' exec n1 pcs resource defaults update resource-stickiness=200 &&
	'$CL' exec n1 pcs resource create isard-ip ocf:heartbeat:IPaddr2 ip=10.99.0.200 cidr_netmask=24 nic=eth0 \
		op monitor interval=10s --group isard-grp &&
	'$CL' exec n1 pcs resource create isard ocf:flock:isard project_dir='$PROJECT' data_mount=/run/isard-data \
		docker_socket=/run/dock/docker.sock compose=docker-compose optional_services=isard-stats \
		op start timeout=120s op stop timeout=60s op monitor interval=10s timeout=30s --group isard-grp &&
	'$CL' exec n1 pcs constraint location isard-grp prefers n2=100"
step "the stack runs healthy on n2 (its dockerd says so)" until_true 150 healthy_on n2
step "  and on no other node" none_on n1 n3

# The watcher: every node's dockerd, about five times a second, until the end.
(
	while :; do
		echo "$(date +%s.%N) $(running n1) $(running n2) $(running n3)"
		sleep 0.2
	done
) >"$WATCH" 2>/dev/null &
watcher=$!
mark plug-n2
step "  one of n2's containers frozen (runc killed mid-signal)" freeze_one n2
t0=$(ms)
step "n2's corosync dies" kill -9 "$(cat "$BASE/n2/corosync.pid")"
step "n2 fenced through fence_espurna (its plug cut the power)" until_true 90 power_cut
t_fence=$(($(ms) - t0))
step "  n2's containers died with it" until_true 10 n2_containers_dead
step "the stack comes up healthy on another node" until_true 150 healthy_elsewhere
t_move=$(($(ms) - t0))
step "  the floating IP moved with it" until_true 20 ip_follows
kill "$watcher"
watcher=
step "no node ever ran it twice ($(wc -l <"$WATCH") samples of every node's dockerd)" never_twice
printf 'isard: fenced %s s, stack healthy elsewhere %s s after n2 died\n' "$(secs $t_fence)" "$(secs $t_move)"
