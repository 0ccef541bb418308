#!/bin/bash
# Benchmark ocf:flock:nfs's monitor of a live kernel NFS server against resource-agents'
# nfsserver + exportfs monitors of the same server and export, in the lab guest (the only place
# with nfsd): wall time, CPU time and processes spawned per monitor, and their ratios, in one
# run. The Go benchmark (ocf-flock-nfs/bench_test.go), the two shell agents and what nfsserver
# needs without systemd (Debian's init script, LSB functions, sysvinit's pidof, procps' pgrep)
# travel on a disk of their own.
# usage: lab/kernel/bench-nfs.sh [MONITORS]   (default 20)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
cd "$HERE/../.."
n=${1:-20}
work=$LAB_KERNEL/bench-nfs
command -v go > /dev/null || export PATH=$PATH:/usr/local/go/bin
"$HERE/deps.sh" > /dev/null
ra=/usr/lib/ocf/resource.d/heartbeat
for f in $ra/nfsserver $ra/exportfs /etc/init.d/nfs-kernel-server /lib/lsb/init-functions; do
  [ -e $f ] || die "$f is missing (Debian packages resource-agents, nfs-kernel-server, lsb-base)"
done

rm -rf "$work"; mkdir -p "$work/vm" "$work/tools"
CGO_ENABLED=0 go test -c -o "$work/tools/ocf-flock-nfs.test" ./ocf-flock-nfs
# nfsserver's status checks use procps' pgrep and sysvinit's pidof (-c, -x): not busybox's.
tar -chf "$work/tools/root.tar" $ra/nfsserver $ra/exportfs /etc/init.d/nfs-kernel-server \
  /etc/default/nfs-kernel-server /lib/lsb /sbin/killall5 /usr/bin/pgrep \
  $(ldd /usr/bin/pgrep | awk '/=>/ { print $3 }') 2> /dev/null
tar -cf "$work/vm/tools.img" -C "$work/tools" .
truncate -s $(( ($(stat -c %s "$work/vm/tools.img") / 1048576 + 1) * 1048576 )) "$work/vm/tools.img"
cat > "$work/guest.sh" <<GUEST
#!/bin/bash
set -euo pipefail
mkdir -p /tmp/tools && tar -xf /dev/disk/by-lab/tools -C /tmp/tools
tar -xf /tmp/tools/root.tar -C /
ln -sf /sbin/killall5 /bin/pidof
head -c 1 /dev/random > /dev/null
mkfs.ext4 -q -F /dev/disk/by-lab/shared && mkdir -p /srv/bench && mount -t ext4 /dev/disk/by-lab/shared /srv/bench
cd /tmp/tools
FLOCK_NFS_BENCH_DIR=/srv/bench ./ocf-flock-nfs.test -test.run=XXX -test.bench=Monitor -test.benchtime=${n}x | tee "\$OUT/bench.txt"
GUEST
# --keep boots over the tools disk made above; the shared disk is created fresh.
"$HERE/run.sh" --work "$work/vm" --out "$work/out" --keep --timeout 900 \
  --disk tools:$(( $(stat -c %s "$work/vm/tools.img") >> 20 ))M --disk shared:64M "$work/guest.sh" \
  > "$work/run.log" 2>&1 || { tail -30 "$work/run.log"; die "the benchmark failed: $work/run.log"; }
grep -E '^(Benchmark|goos|goarch|cpu|PASS|ok)' "$work/out/bench.txt"
