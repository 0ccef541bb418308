#!/bin/bash
# A private dockerd for the isard agent's tests: its own network namespace (dock-NAME, not
# flock-*, so the cluster lab's leftovers check does not count it), its own data root, exec
# root, pidfile and socket, containers under the cgroup dock-NAME, no iptables rules, no DNS
# forwarding to the host, and an offline image imported from busybox-static (no registry is
# reachable). Nothing of the host's own docker (/var/run/docker.sock, /var/lib/docker,
# /etc/docker) is touched.
#
# usage: lab/dock/dock.sh up NAME [--node PID] | down NAME | socket NAME | kill NAME | procs NAME
#   --node PID: the daemon joins the network namespace of PID (a lab node's holder) instead,
#   and its socket appears inside that node's mount namespace as /run/dock/docker.sock, the
#   same path on every node. (dockerd itself stays in the host's mount namespace: the node's was
#   made by `ip netns exec`, whose /sys hides the cgroup hierarchy dockerd needs.)
set -euo pipefail
BASE=${FLOCK_LAB:-/var/tmp/flock-lab}/dock
IMAGE=dock/busybox:1

die() { echo "dock: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 up NAME [--node PID] | down NAME | socket NAME | kill NAME | procs NAME"
cmd=$1 name=$2
shift 2
run=/run/dock-$name
d=$BASE/$name
node=$(cat "$d/node.pid" 2>/dev/null || true)
sock=$run/docker.sock
[ -n "$node" ] && sock=$d/sock/docker.sock
docker_() { docker -H "unix://$sock" "$@"; }

up() {
	[ "${1:-}" = --node ] && node=$2
	mkdir -p "$d/data" "$run"
	if [ -n "$node" ]; then
		echo "$node" >"$d/node.pid"
		sock=$d/sock/docker.sock
		mkdir -p "$d/sock"
	elif ! ip netns list | grep -qx "dock-$name\( .*\)\?"; then
		ip netns add "dock-$name"
		ip -n "dock-$name" link set lo up
	fi
	# deprecated-key-path: without it dockerd 20.10 writes /etc/docker/key.json on the host.
	printf '{"deprecated-key-path": "%s/key.json"}\n' "$run" >"$run/daemon.json"
	local netns=(nsenter "--net=/run/netns/dock-$name")
	[ -n "$node" ] && netns=(nsenter -t "$node" -n)
	# The daemon must not inherit our file descriptors (a caller's lock fd would be held for
	# the daemon's whole life): close all but 0-2, then detach with setsid.
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
		done
		exec setsid "${netns[@]}" dockerd --config-file "$run/daemon.json" --data-root "$d/data" \
			--exec-root "$run/exec" --pidfile "$run/dockerd.pid" -H "unix://$sock" \
			--cgroup-parent "dock-$name" --iptables=false --ip-masq=false --dns 127.0.0.1
	) </dev/null >"$d/dockerd.log" 2>&1 &
	local i
	for i in $(seq 300); do
		docker_ version >/dev/null 2>&1 && break
		sleep 0.1
	done
	docker_ version >/dev/null 2>&1 || { tail -20 "$d/dockerd.log" >&2; die "dockerd $name did not come up"; }
	if [ -n "$node" ]; then
		nsenter -t "$node" -m sh -c "mkdir -p /run/dock && mount --bind '$d/sock' /run/dock"
	fi
	image
}

# image: the offline image, a busybox rootfs, imported once per data root.
image() {
	docker_ image inspect "$IMAGE" >/dev/null 2>&1 && return
	local root
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/tmp" "$root/www" "$root/etc"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	tar -C "$root" -c . | docker_ import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
	rm -rf "$root"
}

# kill: the power is gone: every process of the daemon's containers, SIGKILL (lab nodes).
# A container's process may fork between the read of cgroup.procs and the kill (a shell loop,
# a healthcheck), so kill rounds go on until the cgroups are empty, as after a power cut. A
# container runc froze (cgroup v1 freezer: it freezes to signal them all) stays frozen if runc
# was killed first, and a frozen task takes no SIGKILL until thawed, so every round thaws.
# The cgroups must be the host's: in a mount namespace of `ip netns exec` /sys has none, and
# the globs would find nothing to kill.
# procs: the pids in the daemon's containers, one a line: cgroup v1 (pids) or v2 (one tree),
# under dock-NAME in either.
container_procs() {
	local f
	[ -e /sys/fs/cgroup/pids/cgroup.procs ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
		die "$name: no cgroup hierarchy in this /sys (a mount namespace of ip netns exec?): nothing to find the containers by"
	for f in /sys/fs/cgroup/pids/dock-"$name"/*/cgroup.procs /sys/fs/cgroup/dock-"$name"/*/cgroup.procs; do
		[ ! -e "$f" ] || cat "$f" 2>/dev/null || true
	done
}
kill_containers() {
	local f left deadline=$((SECONDS + 30))
	while :; do
		left=$(container_procs) || exit 1
		[ -z "$left" ] || kill -9 $left 2>/dev/null || true
		for f in /sys/fs/cgroup/freezer/dock-"$name"/*/freezer.state; do
			[ ! -e "$f" ] || echo THAWED >"$f" 2>/dev/null || true
		done
		[ -n "$left" ] || return 0
		[ $SECONDS -lt $deadline ] || die "processes of $name's containers outlived 30 s of SIGKILL:" $left
		sleep 0.05
	done
}

down() {
	local pid i
	pid=$(cat "$run/dockerd.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		# Containers first, so the daemon's own stop is quick and leaves no shim behind.
		docker_ ps -aq | xargs -r timeout 60 docker -H "unix://$sock" rm -f >/dev/null 2>&1 || true
		kill -TERM "$pid"
		for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	kill_containers
	# What a daemon leaves in the mount table, under /run and in the cgroup tree.
	awk -v run="$run" -v data="$d/data" 'index($2 "/", run "/") == 1 || index($2 "/", data "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$run"
	rmdir /sys/fs/cgroup/*/dock-"$name"/* /sys/fs/cgroup/*/dock-"$name" 2>/dev/null || true
	if [ -n "$node" ]; then
		rm -f "$d/node.pid"
	elif ip netns list | grep -qx "dock-$name\( .*\)\?"; then
		ip netns del "dock-$name"
	fi
	rmdir /run/docker/plugins /run/docker 2>/dev/null || true
}

case $cmd in
up) up "$@" ;;
down) down ;;
kill) kill_containers ;;
procs) container_procs ;;
socket) echo "$sock" ;;
*) die "unknown command $cmd" ;;
esac
