#!/bin/bash
# Re-record simulator/tapes/fence_espurna/ against emulated plugs (HTTP) and a real mosquitto.
# usage: lab/record-fence-tapes.sh   (after make build; needs mosquitto for the MQTT tapes)
set -euo pipefail
cd "$(dirname "$0")/.."
sim=bin/flock-sim agent=$PWD/bin/fence_espurna out=simulator/tapes/fence_espurna
mkdir -p "$out"
FLOCK_PLUG_APIKEY=$(grep -v '^#' simulator/tapes/recording-secrets | head -1)
export FLOCK_PLUG_APIKEY
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
plug() { $sim plug "$@" > /dev/null & pids+=($!); }
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ready() { for _ in $(seq 100); do (echo > /dev/tcp/${2:-127.0.0.1}/$1) 2>/dev/null && return; sleep 0.05; done; exit 1; }

# record NAME STDIN-LINES...: one tape per scenario, stdin as Pacemaker sends it.
record() { local name=$1; shift; printf '%s\n' "$@" | $sim record -o "$out/$name.tape" -- "$agent" || true; }

common=(nodename=node2 power_wait=0 stonith_status_sleep=0.2 "apikey=$FLOCK_PLUG_APIKEY")
n=0
for d in legacy rest v2; do
  p=$(port); plug --name "plug-$d" --dialect "$d" --listen 127.0.0.1:$p --on --load 80; ready $p
  api=auto; [ $d = legacy ] && api=legacy
  for a in status off status on reboot; do
    record "http-$d-$a-$((++n))" action=$a ip=127.0.0.1 ipport=$p port=0 api_version=$api "${common[@]}"
  done
done
# The command line as gnu_getopt reads it: a stray word is skipped, the action after it stands
# (an early stop of parsing would run the default reboot); seconds that are not numbers.
p=$(port); plug --name argv --dialect v2 --listen 127.0.0.1:$p --on; ready $p
$sim record -o "$out/argv-stray-word-status.tape" -- "$agent" -n 127.0.0.1 -u $p "--apikey=$FLOCK_PLUG_APIKEY" stray -o status || true
record http-delay-inf action=off delay=inf ip=127.0.0.1 ipport=$p port=0 "${common[@]}"
# Faults: a plug that is gone, and a power meter that still sees the node after off.
p=$(port); record http-refused action=off ip=127.0.0.1 ipport=$p port=0 "${common[@]}"
p=$(port); plug --name meter --dialect v2 --listen 127.0.0.1:$p --on --load 80; ready $p
record http-delay-off action=off delay=2 ip=127.0.0.1 ipport=$p port=0 power_off_threshold=5 "${common[@]}"
# A locked relay answers 200 and never moves; a malformed body is never read as a state.
p=$(port); plug --name locked --dialect v2 --listen 127.0.0.1:$p --on --fault locked; ready $p
record http-locked-off action=off ip=127.0.0.1 ipport=$p port=0 power_timeout=1 "${common[@]}"
p=$(port); plug --name garbled --dialect v2 --listen 127.0.0.1:$p --on --fault malformed; ready $p
for a in status off; do record "http-malformed-$a" action=$a ip=127.0.0.1 ipport=$p port=0 power_timeout=1 "${common[@]}"; done
# Two plugs: a dual-PSU node (one plugs= alias) with one supply still on, and two plugs of which
# the second refuses (locked): every plug decides, and the reason names the one that failed.
# The one still on is the middle one: neither the first nor the last plug decides for all.
p=$(port); plug --name psu-a --dialect v2 --listen 127.0.0.1:$p; plug --name psu-b --dialect v2 --listen 127.0.0.2:$p --on
plug --name psu-c --dialect v2 --listen 127.0.0.3:$p; ready $p; ready $p 127.0.0.2; ready $p 127.0.0.3
record http-dual-psu-status action=status plugs="node2=127.0.0.1,127.0.0.2,127.0.0.3" port=node2 ipport=$p "${common[@]}"
p=$(port); plug --name two-a --dialect v2 --listen 127.0.0.1:$p --on; plug --name two-b --dialect v2 --listen 127.0.0.2:$p --on --fault locked
ready $p; ready $p 127.0.0.2
record http-two-one-locked action=off port=127.0.0.1,127.0.0.2 ipport=$p power_timeout=1 "${common[@]}"

if [ -x /usr/sbin/mosquitto ]; then
  bp=$(port); conf=$(mktemp); printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' $bp > "$conf"
  /usr/sbin/mosquitto -c "$conf" > /dev/null 2>&1 & pids+=($!); ready $bp
  mqtt=(transport=mqtt mqtt_broker=tcp://127.0.0.1:$bp shell_timeout=1 power_timeout=2)
  # online: wait until the broker holds plug $1's retained "online".
  online() { mosquitto_sub -p "$bp" -t "$1/status" -C 1 -W 10 | grep -qx 1; }
  # 1.15 answers the heartbeat query: status and an already-off relay are confirmed live.
  plug --name mqttplug --dialect v2 --mqtt-broker tcp://127.0.0.1:$bp --on; online mqttplug
  for a in status off status on reboot; do
    record "mqtt-$a-$((++n))" action=$a port=mqttplug "${mqtt[@]}" "${common[@]}"
  done
  plug --name jsonplug --dialect v2 --mqtt-broker tcp://127.0.0.1:$bp --mqtt-json --mqtt-no-retain; online jsonplug
  record mqtt-json-already-off action=off port=jsonplug "${mqtt[@]}" "${common[@]}"
  # 1.14.1 answers no query: a change is confirmed, an unchanged relay cannot be.
  plug --name oldplug --mqtt-broker tcp://127.0.0.1:$bp --on; online oldplug
  record mqtt-114-off action=off port=oldplug "${mqtt[@]}" "${common[@]}"
  record mqtt-114-already-off action=off port=oldplug "${mqtt[@]}" "${common[@]}"
  # The plug reports after the first wait has ended (relayDelayOff): a later poll confirms.
  plug --name lateplug --dialect v2 --mqtt-broker tcp://127.0.0.1:$bp --on --off-delay 1500ms; online lateplug
  record mqtt-late-report action=off port=lateplug "${mqtt[@]}" "${common[@]}"
  # Retained state with no plug behind it: never evidence.
  mosquitto_pub -p "$bp" -r -t ghost/status -m 1; mosquitto_pub -p "$bp" -r -t ghost/relay/0 -m 0; online ghost
  for a in status off; do record "mqtt-ghost-$a" action=$a port=ghost "${mqtt[@]}" "${common[@]}"; done
  record mqtt-unknown-plug action=off port=nosuchplug "${mqtt[@]}" "${common[@]}"
fi
ls "$out"
