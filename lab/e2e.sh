#!/bin/bash
# make e2e: install our binaries, then run the lab's tiers against them. Each tier starts its own
# lab and takes it down, leaving nothing behind; a failing scenario prints the logs that explain it.
set -uo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "e2e: the lab needs root (network namespaces, bind mounts)" >&2; exit 1; }
lab/cluster.sh down >/dev/null 2>&1 # a lab left over by an interrupted run
make -s install || exit 1
failed=0
for tier in lab/e2e/tier1.sh lab/e2e/tier2.sh lab/e2e/tier2-isard.sh; do
	echo "=== $tier"
	t0=$(date +%s)
	"$tier" || failed=$((failed + 1))
	echo "=== $tier took $(($(date +%s) - t0)) s"
done
[ $failed = 0 ] || { echo "e2e: $failed tier(s) failed" >&2; exit 1; }
