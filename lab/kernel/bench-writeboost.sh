#!/bin/bash
# Benchmark ocf:flock:writeboost's monitor of a live dm-writeboost device against
# ocf:heartbeat:Dummy's monitor, in the lab guest (the only place with dm-writeboost):
# wall time, CPU time and processes spawned per monitor, and their ratios, in one run.
# The Go benchmark (ocf-writeboost/bench_test.go) and the host's Dummy travel to the guest on a
# disk of their own. usage: lab/kernel/bench-writeboost.sh [MONITORS]   (default 40)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
cd "$HERE/../.."
n=${1:-40}
work=$LAB_KERNEL/bench-writeboost
command -v go > /dev/null || export PATH=$PATH:/usr/local/go/bin
"$HERE/deps.sh" > /dev/null
dummy=/usr/lib/ocf/resource.d/heartbeat/Dummy
[ -x $dummy ] || die "$dummy is missing (Debian package resource-agents)"

rm -rf "$work"; mkdir -p "$work/vm" "$work/tools"
CGO_ENABLED=0 go test -c -o "$work/tools/ocf-writeboost.test" ./ocf-writeboost
cp $dummy "$work/tools/Dummy"
# The process floor in the guest: the host bench's trivial static Go binary.
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/tools/floor" ./simulator/bench/floor
tar -cf "$work/vm/tools.img" -C "$work/tools" .
truncate -s $(( ($(stat -c %s "$work/vm/tools.img") / 1048576 + 1) * 1048576 )) "$work/vm/tools.img"
cat > "$work/guest.sh" <<GUEST
#!/bin/bash
set -euo pipefail
mkdir -p /tmp/tools && tar -xf /dev/disk/by-lab/tools -C /tmp/tools
mkdir -p /usr/lib/ocf/resource.d/heartbeat && cp /tmp/tools/Dummy /usr/lib/ocf/resource.d/heartbeat/Dummy
cd /tmp/tools
# The cluster a start records its epoch in: a CIB in a file, for the real crm_attribute.
cibadmin --empty > /tmp/cib.xml
export CIB_file=/tmp/cib.xml
FLOCK_WB_BENCH_BACKING=/dev/disk/by-lab/backing FLOCK_WB_BENCH_CACHE=/dev/disk/by-lab/cache \\
  ./ocf-writeboost.test -test.run=XXX -test.bench=Monitor -test.benchtime=${n}x | tee "\$OUT/bench.txt"
t0=\${EPOCHREALTIME/./}; for i in \$(seq $n); do ./floor > /dev/null; done; t1=\${EPOCHREALTIME/./}
us=\$(( (t1 - t0) / $n ))
printf 'floor (trivial static Go binary): %d.%d ms wall per run, %d runs\\n' \$((us / 1000)) \$((us % 1000 / 100)) $n | tee -a "\$OUT/bench.txt"
GUEST
# --keep boots over the tools disk made above; backing and cache are created fresh.
"$HERE/run.sh" --work "$work/vm" --out "$work/out" --keep --timeout 900 \
  --disk tools:$(( $(stat -c %s "$work/vm/tools.img") >> 20 ))M --disk backing:256M --disk cache:64M "$work/guest.sh" \
  > "$work/run.log" 2>&1 || { tail -30 "$work/run.log"; die "the benchmark failed: $work/run.log"; }
grep -E '^(Benchmark|goos|goarch|cpu|PASS|ok|floor)' "$work/out/bench.txt"
