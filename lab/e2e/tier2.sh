#!/bin/bash
# Tier 2: a 3-node flock whose emulated plugs really power its nodes: a relay switched off kills
# every process of its node, switched on boots the node's corosync and pacemaker again. n2's
# corosync dies; the cluster must fence n2 through fence_espurna, move the service, and take n2
# back after the plug is on again, with no human in the loop. Once over HTTP, once over MQTT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

KEY=lab-$RANDOM-$RANDOM-key
MQTT_PASS=lab-$RANDOM-pass
RESULTS=$BASE/../tier2-times.txt

# located RESOURCE: the node it runs on, per the cluster.
located() { on n1 crm_resource --locate --resource "$1" 2>/dev/null | sed -n 's/.* is running on: \([^ ]*\).*/\1/p' | head -1; }
runs_on() { [ "$(located vdi)" = "$1" ]; }
runs_elsewhere() { local n; n=$(located vdi); [ -n "$n" ] && [ "$n" != n2 ]; }
power_cut() { grep -q 'power relay=0 on=false' <(since "$1"); }

# failover TRANSPORT DEVICE: kill n2's corosync and time what follows.
failover() {
	local t0 t_fence t_move t_back t_home plug=plug-n2 pcmk
	mark $plug
	# (step runs this in an if, where set -e is off: a missing pid must fail here, not pass below.)
	pcmk=$(cat "$BASE/n2/pacemakerd.pid") && [ -n "$pcmk" ] || fail "$1: no pacemakerd pid of n2"
	t0=$(ms)
	kill -9 "$(cat "$BASE/n2/corosync.pid")" || fail "$1: no corosync of n2 to kill"
	until_true 90 power_cut $plug || fail "$1: n2 was not fenced within 90 s"
	t_fence=$(($(ms) - t0))
	# The relay, not the cluster, took n2 down: its pacemakerd died with the power.
	until_true 5 bash -c "! kill -0 $pcmk 2>/dev/null" || fail "$1: n2's pacemakerd $pcmk survived its power cut"
	until_true 90 runs_elsewhere || fail "$1: the group did not move off n2"
	t_move=$(($(ms) - t0))
	until_true 120 "$CL" wait-online n1 n2 n3 || fail "$1: n2 did not come back after its plug was on"
	t_back=$(($(ms) - t0))
	until_true 90 runs_on n2 || fail "$1: the group did not return to n2"
	t_home=$(($(ms) - t0))
	printf '%-5s fenced %6s s  service moved %6s s  n2 back online %6s s  service home %6s s\n' \
		"$1" "$(secs $t_fence)" "$(secs $t_move)" "$(secs $t_back)" "$(secs $t_home)" | tee -a "$RESULTS"
}

: >"$RESULTS"
step "lab up: 3 nodes" "$CL" up 3
step "mosquitto on the switch" "$CL" broker flock "$MQTT_PASS"
for i in 1 2 3; do
	step "plug-n$i powers n$i (HTTP and MQTT)" env FLOCK_PLUG_MQTT_PASSWORD="$MQTT_PASS" \
		"$CL" plug plug-n$i 10.99.0.10$i --apikey "$KEY" --on --load 180 --on-switch "$BASE/n$i/power" \
		--mqtt-broker tcp://10.99.0.254:1883 --mqtt-user flock
done
step "fence device over HTTP for the whole flock" \
	on n1 pcs stonith create fence-http fence_espurna ip=10.99.0.100 plug_addressing=host-offset \
	apikey="$KEY" plugs="n1=1 n2=2 n3=3" pcmk_host_map="n1:1;n2:2;n3:3" pcmk_host_check=static-list \
	power_wait=1 op monitor interval=60s
step "service group vdi (two resources) prefers n2" bash -c "
	'$CL' exec n1 pcs resource create vdi-storage ocf:heartbeat:Dummy op monitor interval=5s --group vdi &&
	'$CL' exec n1 pcs resource create vdi-web ocf:heartbeat:Dummy op monitor interval=5s --group vdi &&
	'$CL' exec n1 pcs constraint location vdi prefers n2=100"
step "vdi runs on n2" until_true 60 runs_on n2

step "HTTP: n2's corosync dies; fenced, failed over, back" failover http
step "  plug-n2 went off, was read back off, then on" rebooted plug-n2
step "  n2 lost power and got it back through its plug" grep -Eq "n2 power off" "$BASE/power.log"
step "  no other plug moved" unmoved plug-n1 plug-n3
# fenced_by DEVICE: some node's pacemaker-fenced rebooted n2 through DEVICE at the controller's
# request (the cluster's own decision, not a stonith_admin of ours).
fenced_by() { grep -qh "'reboot' .* targeting n2 using $1 returned 0 | .* from pacemaker-controld" "$BASE"/n[13]/log-pacemaker/pacemaker.log; }
step "  the cluster itself fenced n2, with fence-http" fenced_by fence-http

for p in plug-n1 plug-n3; do mark $p; done
step "switch to a fence device over MQTT" bash -c "
	'$CL' exec n1 pcs stonith create fence-mqtt fence_espurna transport=mqtt \
	mqtt_broker=tcp://10.99.0.254:1883 username=flock password='$MQTT_PASS' \
	plugs='n1=plug-n1 n2=plug-n2 n3=plug-n3' pcmk_host_map='n1:plug-n1;n2:plug-n2;n3:plug-n3' \
	pcmk_host_check=static-list op monitor interval=60s &&
	'$CL' exec n1 pcs stonith delete fence-http"
step "fence-mqtt started" until_true 30 bash -c "'$CL' exec n1 crm_mon -1 | grep -E 'fence-mqtt.*Started'"
step "MQTT: n2's corosync dies; fenced, failed over, back" failover mqtt
step "  plug-n2 went off, its state was heard off, then on" rebooted plug-n2
step "  the cluster itself fenced n2, with fence-mqtt" fenced_by fence-mqtt
step "  n2 was fenced twice in all" bash -c "[ \$('$CL' exec n1 stonith_admin --history n2 --verbose | grep -c 'reboot of n2 successful') -ge 2 ]"
echo "times (kill of n2's corosync to each event):"
cat "$RESULTS"
