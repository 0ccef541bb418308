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
ready() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done; exit 1; }

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
# Faults: a plug that is gone, and a power meter that still sees the node after off.
p=$(port); record http-refused action=off ip=127.0.0.1 ipport=$p port=0 "${common[@]}"
p=$(port); plug --name meter --dialect v2 --listen 127.0.0.1:$p --on --load 80; ready $p
record http-delay-off action=off delay=2 ip=127.0.0.1 ipport=$p port=0 power_off_threshold=5 "${common[@]}"

if [ -x /usr/sbin/mosquitto ]; then
  bp=$(port); conf=$(mktemp); printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' $bp > "$conf"
  /usr/sbin/mosquitto -c "$conf" > /dev/null 2>&1 & pids+=($!); ready $bp
  plug --name mqttplug --mqtt-broker tcp://127.0.0.1:$bp --on
  # The plug is ready when the broker holds its retained "online".
  mosquitto_sub -p "$bp" -t mqttplug/status -C 1 -W 10 | grep -qx 1
  for a in status off on reboot; do
    record "mqtt-$a" action=$a transport=mqtt mqtt_broker=tcp://127.0.0.1:$bp port=mqttplug "${common[@]}"
  done
  record mqtt-unknown-plug action=off transport=mqtt mqtt_broker=tcp://127.0.0.1:$bp port=nosuchplug shell_timeout=1 "${common[@]}"
fi
ls "$out"
