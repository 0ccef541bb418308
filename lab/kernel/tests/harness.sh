#!/bin/bash
# Guest test of the harness itself: what lab/kernel/README.md promises a test is there.
# lab-disks: first:1M second:3M
# lab-duration: 12
set -euo pipefail
fail() { echo "harness: $*" >&2; exit 1; }
check() { echo "ok: $*"; }

[ "$PWD" = /lab ] && [ "$OUT" = /lab/out ] && [ -d "$OUT" ] || fail "cwd $PWD, OUT=${OUT:-unset}"
[ "$(readlink /dev/disk/by-lab/first)" = ../../vdb ] && [ "$(readlink /dev/disk/by-lab/second)" = ../../vdc ] ||
  fail "by-lab links: $(ls -l /dev/disk/by-lab)"
[ "$(blockdev --getsize64 /dev/disk/by-lab/second)" = $((3 << 20)) ] || fail "second is not 3M"
check "disks in order, named"
# Before dmsetup: libdevmapper itself runs `modprobe dm-mod` when the control node is missing.
grep -q '^dm_mod ' /proc/modules && fail "dm-mod preloaded"
modprobe -n -v dm-writeboost | grep -q dm-writeboost.ko || fail "modprobe cannot resolve dm-writeboost"
[ "$DM_DISABLE_UDEV" = 1 ] && dmsetup version >/dev/null || fail "dmsetup"
check "dmsetup runs, modprobe resolves dm-writeboost, nothing preloaded"

# Our binaries, where a node has them; meta-data as nobody, as ocf-tester does it.
[ -x /usr/sbin/fence_espurna ] && [ -x /usr/bin/flock-sim ] || fail "binaries not installed"
su nobody -s /bin/sh -c '/usr/sbin/fence_espurna -o metadata' | xmllint --noout - || fail "fence_espurna metadata"
# Well-formed only: our OCF 1.1 meta-data does not claim ra-api-1.dtd (see agents/ocf).
for a in /usr/lib/ocf/resource.d/flock/*; do
  [ -x "$a" ] || continue
  su nobody -s /bin/sh -c "$a meta-data" | xmllint --noout - || fail "$a meta-data as nobody"
  check "$a meta-data as nobody"
done
check "fence_espurna and flock-sim installed"

# ocf-tester end to end on a minimal agent: proves su, xmllint + DTD, expr and friends.
mkdir -p /usr/lib/ocf/resource.d/lab
cat > /usr/lib/ocf/resource.d/lab/dummy <<'AGENT'
#!/bin/sh
state=${HA_RSCTMP:-/run/resource-agents}/dummy-$OCF_RESOURCE_INSTANCE
case $1 in
meta-data) cat <<'XML'
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="dummy" version="1.0">
<version>1.0</version>
<longdesc lang="en">Harness check.</longdesc><shortdesc lang="en">dummy</shortdesc>
<parameters/>
<actions>
<action name="start" timeout="20s"/><action name="stop" timeout="20s"/>
<action name="monitor" timeout="20s" interval="10s"/>
<action name="validate-all" timeout="20s"/><action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
XML
  exit 0;;
start) touch "$state";; stop) rm -f "$state";;
monitor) [ -e "$state" ] || exit 7;;
validate-all) ;; *) exit 3;;
esac
AGENT
chmod 755 /usr/lib/ocf/resource.d/lab/dummy
ocf-tester -n h1 /usr/lib/ocf/resource.d/lab/dummy > "$OUT/ocf-tester.log" 2>&1 ||
  { cat "$OUT/ocf-tester.log"; fail "ocf-tester"; }
check "ocf-tester runs an agent: $(tail -1 "$OUT/ocf-tester.log")"
