#!/bin/bash
# Host test, one boot: ocf:flock:writeboost's monitor spawns no process. The Go test
# TestMonitorSpawnsNothing (ocf-writeboost/nofork_test.go) counts, from the kernel's process
# events, what a probe of the stopped device and monitors at depth 0 and 10 of the running one
# spawn; it travels to the guest on a disk of its own.
# lab-duration: 35
set -euo pipefail
run=${LAB_KERNEL_RUN:?run by lab/kernel/e2e.sh}
work=${LAB_WORK:?}
cd "$(dirname "$0")/../../.."
command -v go > /dev/null || export PATH=$PATH:/usr/local/go/bin
mkdir -p "$work/tools" "$work/vm"
CGO_ENABLED=0 go test -c -o "$work/tools/ocf-writeboost.test" ./ocf-writeboost
tar -cf "$work/vm/tools.img" -C "$work/tools" .
size=$(( $(stat -c %s "$work/vm/tools.img") / 1048576 + 1 ))
truncate -s ${size}M "$work/vm/tools.img"
cat > "$work/guest.sh" <<'GUEST'
#!/bin/bash
set -euo pipefail
mkdir -p /tmp/tools && tar -xf /dev/disk/by-lab/tools -C /tmp/tools
cd /tmp/tools
# The cluster a start records its epoch in: a CIB in a file, for the real crm_attribute.
cibadmin --empty > /tmp/cib.xml
export CIB_file=/tmp/cib.xml
FLOCK_WB_NOFORK_BACKING=/dev/disk/by-lab/backing FLOCK_WB_NOFORK_CACHE=/dev/disk/by-lab/cache \
  ./ocf-writeboost.test -test.run '^TestMonitorSpawnsNothing$' -test.v
GUEST
# --keep boots over the tools disk made above; backing and cache are created fresh.
"$run" --work "$work/vm" --out "$work/out" --keep --timeout 600 \
  --disk tools:${size}M --disk backing:256M --disk cache:64M "$work/guest.sh"
grep -E '^(---|ok|PASS|FAIL)|procs|spawned' "$work/out/stdout.log" || true
# Exit 0 is not enough: a -test.run that matches nothing, or a skip, exits 0 too.
grep -q '^--- PASS: TestMonitorSpawnsNothing ' "$work/out/stdout.log" ||
  { echo "TestMonitorSpawnsNothing did not run and pass"; exit 1; }
