#!/bin/bash
# Tier 1: one real Pacemaker node drives the installed fence_espurna against emulated plugs on
# the lab's bridge, over HTTP (isard-flock's own configuration) and over MQTT through mosquitto.
# The fenced nodes are names outside the cluster: Pacemaker fences them all the same, and the
# lab's only node is never a target.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

KEY=lab-$RANDOM-$RANDOM-key
MQTT_PASS=lab-$RANDOM-pass

step "lab up: 1 node, corosync + pacemaker without systemd" "$CL" up 1
# isard-flock numbers its plugs from a base address: node N is plug .100+N.
step "plugs for node2 (1.15-dev API) and node3 (1.14 API) on the bridge" \
	bash -c "'$CL' plug node2-plug 10.99.0.102 --dialect v2 --apikey $KEY --on &&
	         '$CL' plug node3-plug 10.99.0.103 --dialect rest --apikey $KEY --on"
step "mosquitto with a password, plugs node5/node6 over MQTT" \
	bash -c "'$CL' broker flock $MQTT_PASS &&
	         FLOCK_PLUG_MQTT_PASSWORD=$MQTT_PASS '$CL' plug node5-plug 10.99.0.105 --mqtt-broker tcp://10.99.0.254:1883 --mqtt-user flock --on &&
	         FLOCK_PLUG_MQTT_PASSWORD=$MQTT_PASS '$CL' plug node6-plug 10.99.0.106 --mqtt-broker tcp://10.99.0.254:1883 --mqtt-user flock --on"

# The configuration isard-flock's installer writes (ipaddr, passwd=acme, numeric plugs in
# pcmk_host_map), plus the one setting it needs with this agent: plugs are base address + N.
# node4's plug does not exist.
step "pcs stonith create, isard-flock style, no --force" \
	on n1 pcs stonith create flock-http fence_espurna ipaddr=10.99.0.100 apikey=$KEY passwd=acme \
	plug_addressing=host-offset pcmk_host_list="node2,node3,node4" \
	pcmk_host_map="node2:2;node3:3;node4:4" pcmk_host_check=static-list power_wait=1 \
	op monitor interval=60s
step "pcs stonith create over MQTT, no --force" \
	on n1 pcs stonith create flock-mqtt fence_espurna transport=mqtt \
	mqtt_broker=tcp://10.99.0.254:1883 username=flock password=$MQTT_PASS \
	plugs="node5=node5-plug node6=node6-plug" pcmk_host_map="node5:node5-plug;node6:node6-plug" \
	pcmk_host_check=static-list op monitor interval=60s
step "both devices started (their monitor ran against plugs and broker)" \
	until_true 30 bash -c "'$CL' exec n1 crm_mon -1 | grep -E 'flock-http.*Started n1' &&
	                       '$CL' exec n1 crm_mon -1 | grep -E 'flock-mqtt.*Started n1'"

for p in node2-plug node3-plug node5-plug; do mark $p; done
step "stonith_admin --reboot node2 (HTTP, 1.15-dev API)" fence node2 reboot
step "  node2's plug: off, read back as off, then on" rebooted node2-plug
step "  no other plug moved" unmoved node3-plug
step "  Pacemaker's history: node2 rebooted" history_says node2 "reboot of node2 successful"

mark node3-plug
step "stonith_admin --fence node3 (off only, 1.14 API)" fence node3 fence
step "  node3's plug: off and nothing else" expect_switches node3-plug "off"
mark node3-plug
step "stonith_admin --unfence node3 (on)" fence node3 unfence
step "  node3's plug: on" expect_switches node3-plug "on"

step "stonith_admin --reboot node5 (MQTT through mosquitto)" fence node5 reboot
step "  node5's plug: off, state heard as off, then on" rebooted node5-plug
step "  the set commands were never retained" never_retained node5-plug

step "stonith_admin --reboot node4 fails: its plug is dead" bash -c "! '$CL' exec n1 stonith_admin --reboot node4 --timeout 60"
step "  and logged the agent's reason" grep -q "10.99.0.104:0: no route to the plug (host unreachable)" "$BASE/n1/log-pacemaker/pacemaker.log"
step "  Pacemaker reports the failed fencing of node4" \
	bash -c "'$CL' exec n1 stonith_admin --history node4 --verbose | grep -E 'reboot of node4 failed' &&
	         '$CL' exec n1 crm_mon -1 | grep -A3 'Failed Fencing Actions' | grep node4"

mark node6-plug
step "node6's plug loses power: mosquitto publishes its will" \
	bash -c "'$CL' plug-kill node6-plug && ip netns exec flock-sw mosquitto_sub -h 10.99.0.254 -u flock -P $MQTT_PASS -t node6-plug/status -C 1 -W 5 | grep -x 0"
step "stonith_admin --fence node6 fails fast: its plug is offline" bash -c "! '$CL' exec n1 stonith_admin --fence node6 --timeout 60"
step "  Pacemaker reports the failed fencing of node6" history_says node6 "off of node6 failed"
step "  and logged the agent's reason" \
	grep -q "node6-plug:0: the plug is offline (its last will" "$BASE/n1/log-pacemaker/pacemaker.log"
