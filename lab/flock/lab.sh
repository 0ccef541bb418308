#!/bin/bash
# The flock lab: two node guests and a client guest on the Debian kernel under qemu (TCG), on a
# bridge in their own network namespace, each node powered by an emulated ESPurna plug.
# usage: lab/flock/lab.sh up | down | leftovers | boot GUEST | power NODE on|off | hold|release NODE
#                         | gx GUEST 'commands' [TIMEOUT] | wait-ready GUEST [TIMEOUT]
# Layout under $FLOCK_LAB/flock: root/ (make install DESTDIR=, the guests' /flock), disks/,
# run/GUEST/ (the guest's /lab: log/, cmd/, etc/), host/GUEST/ (qemu pid, consoles), plugs/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
GUESTS=(n1 n2 client)
declare -A ADDR=([n1]=$NET.11 [n2]=$NET.12 [client]=$NET.20)
declare -A MAC=([n1]=52:54:00:99:04:11 [n2]=52:54:00:99:04:12 [client]=52:54:00:99:04:20)
declare -A PLUG=([n1]=$NET.201 [n2]=$NET.202)
HDD=${FLOCK_HDD:-128M} NVME=${FLOCK_NVME:-96M}

known() { [[ " ${GUESTS[*]} " == *" $1 "* ]] || die "no guest $1 (${GUESTS[*]})"; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# boot GUEST: start its qemu (a node over its own HDD and NVMe images), console per boot.
boot() {
  local g=$1 h=$FL/host/$1 n role=node disks=() kver
  known "$g"
  kver=$(guest_kver)
  mkdir -p "$h" "$FL/run/$g/cmd"
  rm -f "$FL/run/$g/cmd/"*
  # The qemu a power cut killed may still be tearing down (about 2 s for a 1 GiB guest) and
  # holds its disk images' locks until it is gone.
  if [ -e "$h/dying.pid" ]; then
    local p end=$(($(ms) + 30000))
    p=$(cat "$h/dying.pid")
    while kill -0 "$p" 2>/dev/null; do
      [ "$(ms)" -lt $end ] || die "$g: the qemu cut off ($p) is still there after 30 s"
      sleep 0.02
    done
    rm -f "$h/dying.pid"
  fi
  n=$(($(cat "$h/boots" 2>/dev/null || echo 0) + 1)); echo $n > "$h/boots"
  if [ "$g" = client ]; then role=client; else
    for d in hdd nvme; do
      disks+=(-drive "file=$FL/disks/$g-$d.img,format=raw,if=none,id=$d,cache=none,aio=threads"
              -device "virtio-blk-pci,drive=$d,serial=$d")
    done
  fi
  # The tap may have been cut (a scenario's network cut): a node boots with its cable in.
  ip -n $NS link set "tap-$g" up
  echo "$(date +%s.%N) boot $n" >> "$h/power.log"
  # Two vCPUs per node on multi-threaded TCG: during a failover the survivor recovers alone
  # while the victim is dead and the client idles, and one vCPU left the second host core idle
  # (scenario 1's stall went from 128 s to 59 s, the tier from 1473 s to 961 s).
  setsid ip netns exec $NS qemu-system-x86_64 -accel tcg,thread=multi -smp "$([ $role = node ] && echo 2 || echo 1)" \
    -m "$([ $role = node ] && echo 1024 || echo 512)" \
    -nographic -no-reboot -monitor none -device virtio-rng-pci \
    -kernel "/boot/vmlinuz-$kver" -initrd "$(cat "$FL/image")" \
    -append "console=ttyS0 quiet panic=-1 fl.name=$g fl.ip=${ADDR[$g]} fl.role=$role fl.disks=$((${#disks[@]} / 4))" \
    -virtfs local,path=/usr,mount_tag=usr,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$FL/run/$g,mount_tag=lab,security_model=none,multidevs=remap" \
    -virtfs "local,path=$FL/root,mount_tag=flock,security_model=none,readonly=on,multidevs=remap" \
    "${disks[@]}" \
    -netdev "tap,id=n0,ifname=tap-$g,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=${MAC[$g]}" \
    -pidfile "$h/qemu.pid" < /dev/null > "$h/console-$n.log" 2>&1 9>&- &
}

# power NODE on|off: what the node's plug does to it. Off is a power cut: SIGKILL, no shutdown
# (a frozen qemu dies too). On boots it over the same disks. Called by the plug (--on-switch).
power() {
  local g=$1 h=$FL/host/$1 p
  known "$g"
  case $2 in
    off) p=$(cat "$h/qemu.pid" 2>/dev/null) || true
         [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
         # a node still in its firmware (held, below) never boots from this power-on
         [ ! -e "$h/post.pid" ] || { kill -KILL "$(cat "$h/post.pid")" 2>/dev/null || true; rm -f "$h/post.pid"; }
         echo "$(date +%s.%N) power off" >> "$h/power.log"
         # The guest stopped with the signal; its teardown is waited for by the next boot, not
         # here: the plug answers the switch only once this hook returns, and a real plug
         # answers at once (waiting here held every fence's switch answer about 2 s).
         [ -z "$p" ] || mv "$h/qemu.pid" "$h/dying.pid";;
    on)  echo "$(date +%s.%N) power on" >> "$h/power.log"
         if [ -e "$h/hold" ]; then
           # The node's firmware. A server takes a minute or more from power to its OS, its
           # survivor seconds to promote DRBD; under TCG the boot takes 27 s and the promote
           # up to 90, and a node back within the promote makes crm-fence-peer wait out its
           # timeout; one back before the address is up delays it past NFS's grace period. The
           # scenarios hold it here (lab.sh hold/release) until the service has moved. The
           # plug's switch hook must return at once: the wait runs apart.
           setsid bash -c 'while [ -e "$1/hold" ]; do sleep 0.2; done; rm -f "$1/post.pid"
             echo "$(date +%s.%N) firmware done" >> "$1/power.log"; exec "$2" boot "$3"' \
             post "$h" "$HERE/lab.sh" "$g" < /dev/null >> "$h/post.log" 2>&1 &
           echo $! > "$h/post.pid"
         else boot "$g"; fi;;
    *)   die "usage: power NODE on|off";;
  esac
}

# hold NODE | release NODE: from now on its power-on waits in "firmware" | it boots now.
hold() { known "$1"; mkdir -p "$FL/host/$1"; touch "$FL/host/$1/hold"; }
release() { known "$1"; rm -f "$FL/host/$1/hold"; }

# gx GUEST 'commands' [TIMEOUT]: run commands in the guest as root, print their output, return
# their exit code (124 when they did not finish in TIMEOUT seconds, default 120).
gx() {
  local d=$FL/run/$1/cmd id end
  known "$1"
  id=$(date +%s%N)-$$-$RANDOM
  printf 'export PATH=/usr/sbin:/usr/bin HOME=/root LANG=C DM_DISABLE_UDEV=1\n%s\n' "$2" > "$d/$id.tmp"
  mv "$d/$id.tmp" "$d/$id.sh"
  end=$(($(ms) + ${3:-120} * 1000))
  until [ -e "$d/$id.rc" ]; do
    if [ "$(ms)" -ge $end ]; then
      # withdrawn if the guest has not taken it yet: a late run would act behind our back
      if mv "$d/$id.sh" "$d/$id.withdrawn" 2>/dev/null; then
        echo "gx: no answer from $1 in ${3:-120} s (command withdrawn, never run)" >&2
      else
        echo "gx: no answer from $1 in ${3:-120} s (the command may still be running there)" >&2
      fi
      cat "$d/$id.out" 2>/dev/null; return 124
    fi
    sleep 0.1
  done
  cat "$d/$id.out"
  local rc; rc=$(cat "$d/$id.rc"); rm -f "$d/$id".*; return "$rc"
}

# wait-ready GUEST [TIMEOUT]: until this boot's console says the guest serves commands.
wait_ready() {
  local h=$FL/host/$1 end=$(($(ms) + ${2:-180} * 1000))
  until grep -qs "FLOCK: $1 ready" "$h/console-$(cat "$h/boots").log"; do
    [ "$(ms)" -lt $end ] || { echo "$1 not ready in ${2:-180} s"; tail -20 "$h/console-$(cat "$h/boots").log"; return 1; }
    sleep 0.2
  done
}

# up: install our binaries as the guests' /flock, fresh disks and logs, the network, the
# plugs (relay on, powering their node), then boot everything and wait for the guests.
up() {
  [ ! -e /run/netns/$NS ] || die "the flock lab is up already (lab/flock/lab.sh down first)"
  command -v go > /dev/null || export PATH=$PATH:/usr/local/go/bin
  rm -rf "$FL/root" "$FL/run" "$FL/host" "$FL/disks" "$FL/plugs"
  mkdir -p "$FL/root" "$FL/disks" "$FL/plugs"
  make --no-print-directory -s -C "$REPO" install DESTDIR="$FL/root" > "$FL/install.log" 2>&1 9>&- ||
    { cat "$FL/install.log" >&2; die "make install failed"; }
  "$HERE/image.sh" > "$FL/image"
  for g in n1 n2; do
    truncate -s "$HDD" "$FL/disks/$g-hdd.img"; truncate -s "$NVME" "$FL/disks/$g-nvme.img"
  done
  for g in "${GUESTS[@]}"; do
    mkdir -p "$FL/run/$g/etc" "$FL/run/$g/log" "$FL/host/$g"
    { echo "127.0.0.1 localhost"; for x in "${GUESTS[@]}"; do echo "${ADDR[$x]} $x"; done
      echo "$NET.1 lab"; } > "$FL/run/$g/etc/hosts"
  done
  ip netns add $NS
  ip -n $NS link set lo up
  ip -n $NS link add br0 type bridge
  ip -n $NS link set br0 type bridge stp_state 0 forward_delay 0
  for g in "${GUESTS[@]}"; do
    ip -n $NS tuntap add dev "tap-$g" mode tap
    ip -n $NS link set "tap-$g" master br0
    ip -n $NS link set "tap-$g" up
  done
  ip -n $NS addr add "$NET.1/24" dev br0
  ip -n $NS link set br0 up
}

# plug NODE KEY: the node's emulated plug on the bridge, relay on; switching it powers the node.
plug() {
  local g=$1 p=$FL/plugs/plug-$1
  known "$g"
  printf '#!/bin/sh\nexec %q power %s "$1"\n' "$HERE/lab.sh" "$g" > "$p.power"; chmod +x "$p.power"
  ip -n $NS addr add "${PLUG[$g]}/24" dev br0
  FLOCK_PLUG_APIKEY=$2 setsid ip netns exec $NS "$FL/root/usr/bin/flock-sim" plug --name "plug-$g" \
    --listen "${PLUG[$g]}:80" --on --load 120 --on-switch "$p.power" --timeline "$p.timeline" \
    < /dev/null > "$p.log" 2>&1 9>&- &
  echo $! > "$p.pid"
  local end=$(($(ms) + 10000))
  until grep -qs ready "$p.log"; do
    kill -0 "$(cat "$p.pid")" 2>/dev/null || die "plug-$g did not start: $(tail -3 "$p.log")"
    [ "$(ms)" -lt $end ] || die "plug-$g not ready after 10 s"
    sleep 0.05
  done
}

down() {
  local f p
  for f in "$FL"/plugs/*.pid "$FL"/host/*/post.pid "$FL"/host/*/qemu.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f"); kill -KILL "$p" 2>/dev/null || true; rm -f "$f"
  done
  rm -f "$FL"/host/*/dying.pid # killed already, and its number may be another's by now
  [ ! -e /run/netns/$NS ] || ip netns del $NS
}

# leftovers: fails naming anything of the lab still there.
leftovers() {
  local bad=0 p
  [ ! -e /run/netns/$NS ] || { echo "network namespace $NS"; bad=1; }
  for p in $(pgrep -f "fl.name=" || true) $(pgrep -f "$FL/plugs/" || true) $(pgrep -f " post $FL/host/" || true); do
    echo "process $p: $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-120)"; bad=1
  done
  return $bad
}

[ $# -ge 1 ] || die "usage: lab/flock/lab.sh up|down|leftovers|boot|power|gx|wait-ready|plug ..."
cmd=$1; shift
case $cmd in
  up) up;; down) down;; leftovers) leftovers;;
  boot) boot "$@";; power) power "$@";; plug) plug "$@";; hold) hold "$@";; release) release "$@";;
  gx) gx "$@";; wait-ready) wait_ready "$@";;
  *) die "unknown command $cmd";;
esac
