#!/bin/bash
# The flock lab on one host: N Pacemaker nodes, each in its own network, mount and UTS namespace,
# on a bridge that lives in a switch namespace with the emulated ESPurna plugs and a mosquitto
# broker. Nothing runs in the host's own network namespace and no host file is changed: every
# node sees its own /etc/corosync, /var/lib/pacemaker, logs, /run and /dev/shm through private
# bind mounts. No systemd: the daemons are started by hand, as on the lab's reference runs.
#
# usage: lab/cluster.sh up N | down | exec NODE CMD... | power NODE on|off | node-up NODE
#        | plug NAME IP [flock-sim plug flags...] | plug-stop NAME | plug-kill NAME | broker USER PASS
#        | wait-online NODE... | logs [NODE...] | leftovers | status
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
BASE=${FLOCK_LAB:-/var/tmp/flock-lab}/cluster
NET=10.99.0            # nodes are .1-.N, plugs .101-, the switch (broker) .254
SW=flock-sw
BROKER_IP=$NET.254
CLEANENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)   # about what systemd passes

die() { echo "cluster: $*" >&2; exit 1; }
holder() { cat "$BASE/$1/holder.pid" 2>/dev/null || die "no node $1 (is the lab up?)"; }
# nx NODE CMD...: run CMD inside the node, as its daemons and tools see the world.
nx() { local n=$1; shift; nsenter -t "$(holder "$n")" -m -u -n -- "$@"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
nodes() { local d; for d in "$BASE"/n*/; do [ -f "$d/holder.pid" ] && basename "$d"; done; }

corosync_conf() {
	local n=$1 i
	cat <<EOF
totem {
    version: 2
    cluster_name: flock
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 3000
}
logging {
    to_stderr: no
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: no
    timestamp: on
}
quorum {
    provider: corosync_votequorum
$([ "$n" = 2 ] && echo "    two_node: 1")
}
nodelist {
EOF
	for i in $(seq 1 "$n"); do
		printf '    node {\n        name: n%d\n        nodeid: %d\n        ring0_addr: %s.%d\n    }\n' "$i" "$i" "$NET" "$i"
	done
	echo "}"
}

# A short dc-deadtime: the default 20 s election wait is most of a lab's start-up time.
seed_cib() {
	cat <<'EOF'
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
EOF
}

# make_node N I: the node's private directories, network and holder process (which owns the
# node's mount and UTS namespaces; the daemons join them with nsenter).
make_node() {
	local total=$1 i=$2 n=n$2 d=$BASE/n$2
	rm -rf "$d"
	mkdir -p "$d"/{etc-corosync,lib-corosync,log-corosync,log-pacemaker} "$d"/lib-pacemaker/{cib,pengine,blackbox,cores}
	corosync_conf "$total" >"$d/etc-corosync/corosync.conf"
	seed_cib >"$d/lib-pacemaker/cib/cib.xml"
	chmod 600 "$d/lib-pacemaker/cib/cib.xml"
	chown -R hacluster:haclient "$d/lib-pacemaker" "$d/log-pacemaker"
	chmod 750 "$d"/lib-pacemaker/*
	# The plug's relay "powers" the node through this program (flock-sim plug --on-switch).
	printf '#!/bin/sh\nexec %q power %s "$1"\n' "$LAB/cluster.sh" "$n" >"$d/power"
	chmod +x "$d/power"
	ip netns add "flock-$n"
	ip link add eth0 netns "flock-$n" type veth peer name "p$n" netns $SW
	ip -n $SW link set "p$n" master br0 up
	ip -n "flock-$n" addr add "$NET.$i/24" dev eth0
	ip -n "flock-$n" link set eth0 up
	ip -n "flock-$n" link set lo up
	# setsid: the holder must outlive this script's process group.
	setsid ip netns exec "flock-$n" unshare --mount --uts --propagation private -- /bin/sh -c "
		hostname $n
		mount --bind $d/etc-corosync /etc/corosync
		mount --bind $d/lib-corosync /var/lib/corosync
		mount --bind $d/lib-pacemaker /var/lib/pacemaker
		mount --bind $d/log-pacemaker /var/log/pacemaker
		mount --bind $d/log-corosync /var/log/corosync
		mount -t tmpfs -o mode=755 tmpfs /run
		mkdir -p /run/crm /run/resource-agents /run/lock
		chown hacluster:haclient /run/crm && chmod 750 /run/crm
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm
		touch $d/ready
		exec sleep infinity" </dev/null >"$d/holder.log" 2>&1 &
	echo $! >"$d/holder.pid"
}

# boot NODE: what the node does at power-on: corosync, then pacemakerd once corosync answers.
# It returns at once; the caller waits with wait-online when it cares.
boot() {
	local n=$1 d=$BASE/$1
	nx "$n" "${CLEANENV[@]}" setsid /bin/sh -c "
		cd /
		corosync -f >>/var/log/corosync/stdout 2>&1 </dev/null & echo \$! >$d/corosync.pid
		until corosync-cfgtool -s >/dev/null 2>&1; do sleep 0.1; done
		PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd >>/var/log/pacemaker/stdout 2>&1 </dev/null &
		echo \$! >$d/pacemakerd.pid" </dev/null >>"$d/boot.log" 2>&1 &
}

# netns_pids NETNS: every process in that network namespace.
netns_pids() { ip netns pids "$1" 2>/dev/null || true; }

# kill_node NODE: the power is gone. SIGKILL, no goodbye: every process of the node but its holder.
kill_node() {
	local n=$1 h p
	h=$(holder "$n")
	for p in $(netns_pids "flock-$n"); do
		[ "$p" = "$h" ] || kill -9 "$p" 2>/dev/null || true
	done
	# The node's containers (lab/dock/dock.sh --node) have network namespaces of their own.
	"$LAB/dock/dock.sh" kill "$n"
	rm -f "$BASE/$n/corosync.pid" "$BASE/$n/pacemakerd.pid"
}

wait_online() {
	local n want=("$@") deadline=$(($(ms) + 90000)) online
	while :; do
		online=$(nx "${want[0]}" crm_mon -1 2>/dev/null | sed -n 's/^ *\* Online: \[ \(.*\) \]/\1/p; s/^Online: \[ \(.*\) \]/\1/p' || true)
		local ok=1
		for n in "${want[@]}"; do [[ " $online " == *" $n "* ]] || ok=0; done
		[ $ok = 1 ] && return 0
		[ "$(ms)" -lt "$deadline" ] || die "nodes ${want[*]} not online after 90 s (online: ${online:-none})"
		sleep 0.3
	done
}

up() {
	local total=${1:-1} t0 i
	t0=$(ms)
	[ ! -e /run/netns/$SW ] || die "the lab is already up (lab/cluster.sh down first)"
	for b in corosync pacemakerd crm_mon nsenter unshare flock-sim; do
		command -v $b >/dev/null || die "$b is not installed (make deps install)"
	done
	mkdir -p "$BASE/plugs"
	ip netns add $SW
	ip -n $SW link add br0 type bridge
	ip -n $SW addr add "$BROKER_IP/24" dev br0
	ip -n $SW link set br0 up
	ip -n $SW link set lo up
	for i in $(seq 1 "$total"); do make_node "$total" "$i"; done
	for i in $(seq 1 "$total"); do
		until [ -e "$BASE/n$i/ready" ]; do sleep 0.05; done
		boot "n$i"
	done
	wait_online $(seq -f 'n%g' 1 "$total")
	echo "lab: $total node(s) online in $(($(ms) - t0)) ms"
}

# plug NAME IP FLAGS...: an emulated ESPurna plug on the lab's bridge.
plug() {
	local name=$1 ip=$2 log=$BASE/plugs/$1
	shift 2
	ip -n $SW addr add "$ip/24" dev br0
	# nsenter, not `ip netns exec`: that one remounts /sys, and the on-switch hook must see the
	# host's cgroups to cut a node's containers (lab/dock/dock.sh kill).
	setsid nsenter --net=/run/netns/$SW flock-sim plug --name "$name" --listen "$ip:80" --timeline "$log.timeline" "$@" \
		</dev/null >"$log.log" 2>&1 &
	echo $! >"$log.pid"
	local deadline=$(($(ms) + 10000))
	until grep -q "ready" "$log.log" 2>/dev/null; do
		kill -0 "$(cat "$log.pid")" 2>/dev/null || die "plug $name did not start: $(tail -3 "$log.log")"
		[ "$(ms)" -lt "$deadline" ] || die "plug $name not ready after 10 s"
		sleep 0.05
	done
}

# plug_stop NAME [SIGNAL]: TERM is an orderly stop that prints the timeline; KILL is the plug
# losing power: its connections drop without goodbye and the broker publishes its will.
plug_stop() {
	local pidf=$BASE/plugs/$1.pid p
	[ -f "$pidf" ] || return 0
	p=$(cat "$pidf")
	kill "-${2:-TERM}" "$p" 2>/dev/null || true
	while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	rm -f "$pidf"
}

# broker USER PASS: mosquitto on the switch, with a password file (no anonymous clients).
broker() {
	local d=$BASE/broker
	mkdir -p "$d"
	: >"$d/passwd"
	mosquitto_passwd -b "$d/passwd" "$1" "$2"
	chmod 644 "$d/passwd"
	printf 'listener 1883 %s\nallow_anonymous false\npassword_file %s\npersistence false\nlog_dest file %s\n' \
		"$BROKER_IP" "$d/passwd" "$d/mosquitto.log" >"$d/mosquitto.conf"
	setsid ip netns exec $SW mosquitto -c "$d/mosquitto.conf" </dev/null >"$d/stdout" 2>&1 &
	echo $! >"$d/pid"
	local deadline=$(($(ms) + 10000))
	until ip netns exec $SW bash -c "exec 3<>/dev/tcp/$BROKER_IP/1883" 2>/dev/null; do
		[ "$(ms)" -lt "$deadline" ] || die "mosquitto not listening after 10 s: $(cat "$d/stdout")"
		sleep 0.05
	done
}

down() {
	local t0 n f p
	t0=$(ms)
	for f in "$BASE"/plugs/*.pid; do [ -f "$f" ] && plug_stop "$(basename "$f" .pid)"; done
	# Orderly first, so the nodes do not fence each other on the way out.
	for n in $(nodes); do
		p=$(cat "$BASE/$n/pacemakerd.pid" 2>/dev/null || true)
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	local deadline=$(($(ms) + 60000))
	for n in $(nodes); do
		p=$(cat "$BASE/$n/pacemakerd.pid" 2>/dev/null || true)
		while [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(ms)" -lt "$deadline" ]; do sleep 0.2; done
	done
	for n in $(nodes); do
		kill_node "$n"
		kill -TERM "$(holder "$n")" 2>/dev/null || true
		rm -f "$BASE/$n/holder.pid"
		ip netns del "flock-$n" 2>/dev/null || true
	done
	for p in $(netns_pids $SW); do kill -9 "$p" 2>/dev/null || true; done
	ip netns del $SW 2>/dev/null || true
	rm -f "$BASE/broker/pid"
	echo "lab: down in $(($(ms) - t0)) ms"
}

# leftovers: anything of the lab still alive; silent and 0 when there is nothing.
leftovers() {
	local found=0 ns p d procs
	for ns in $(ip netns list | awk '{print $1}' | grep '^flock-' || true); do
		echo "leftover network namespace $ns"
		found=1
		for p in $(netns_pids "$ns"); do echo "leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"; done
	done
	while read -r _ mnt _; do
		case $mnt in /run/netns/flock-* | "$BASE"/*) echo "leftover mount $mnt"; found=1 ;; esac
	done </proc/mounts
	# (pgrep matches names of at most 15 characters: one name per call.)
	for p in $(for n in corosync pacemakerd mosquitto; do pgrep -x "$n"; done || true); do
		echo "leftover process $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
		found=1
	done
	# A process of a node's containers (lab/dock/dock.sh --node): a frozen one outlives SIGKILL.
	for d in "$BASE"/n*/; do
		[ -d "$d" ] || continue
		procs=$("$LAB/dock/dock.sh" procs "$(basename "$d")") || { found=1; continue; }
		for p in $procs; do echo "leftover process $p of $(basename "$d")'s containers"; found=1; done
	done
	# A guest of this lab root's (another root's guests, e.g. a parallel run's, are not ours).
	for p in $(pgrep -x qemu-system-x86 || true); do
		case "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
		*"${FLOCK_LAB:-/var/tmp/flock-lab}/"*) echo "leftover guest $p"; found=1 ;;
		esac
	done
	return $found
}

logs() {
	local n list=("$@")
	[ $# -gt 0 ] || mapfile -t list < <(nodes)
	for n in "${list[@]}"; do
		echo "===== $n: pacemaker.log (last 60 lines)"
		tail -n 60 "$BASE/$n/log-pacemaker/pacemaker.log" 2>/dev/null || true
		echo "===== $n: corosync.log (last 15 lines)"
		tail -n 15 "$BASE/$n/log-corosync/corosync.log" 2>/dev/null || true
	done
	for f in "$BASE"/plugs/*.timeline; do
		[ -f "$f" ] && { echo "===== plug $(basename "$f" .timeline) timeline"; cat "$f"; }
	done
	return 0
}

cmd=${1:-}
shift || true
case "$cmd" in
up) up "$@" ;;
down) down ;;
exec) nx "$@" ;;
power)
	case "${2:-}" in
	off) kill_node "$1" ;;
	on) boot "$1" ;;
	*) die "usage: power NODE on|off" ;;
	esac
	echo "$(date +%T.%N) $1 power ${2}" >>"$BASE/power.log"
	;;
node-up) boot "$1" ;;
wait-online) wait_online "$@" ;;
plug) plug "$@" ;;
plug-stop) plug_stop "$1" ;;
plug-kill) plug_stop "$1" KILL ;;
broker) broker "$@" ;;
logs) logs "$@" ;;
leftovers) leftovers ;;
status) for n in $(nodes); do echo "$n: $(nx "$n" crm_mon -1 2>&1 | grep -E 'Online|OFFLINE' | head -2 | tr -s ' ')"; done ;;
*) sed -n 's/^# \{0,1\}//; 8,10p' "$0" >&2; exit 2 ;;
esac
