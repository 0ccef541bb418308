#!/bin/bash
# make e2e-isard: ocf:flock:isard against a real dockerd in its own network namespace, with
# compose v1 (Debian) and compose v2 (built from its Go module, cached; skipped with a note if
# the module proxy does not serve it). Runs the agent's Go tests that need the daemon, then takes
# the daemon down. FLOCK_ISARD_TAPES=DIR also records their tapes (lab/dock/record-isard-tapes.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "e2e-isard: needs root (network namespace, mounts, dockerd)" >&2; exit 1; }
NAME=isard-e2e
t0=$(date +%s)
trap 'lab/dock/dock.sh down $NAME' EXIT
lab/dock/dock.sh down $NAME >/dev/null 2>&1 || true # left by an interrupted run
lab/dock/dock.sh up $NAME
echo "e2e-isard: dockerd up in $(($(date +%s) - t0)) s"
v2=""
t1=$(date +%s)
if v2=$(lab/dock/compose-v2.sh); then
	echo "e2e-isard: compose v2 $("$v2" version --short) ready in $(($(date +%s) - t1)) s"
elif [ $? = 3 ]; then
	echo "e2e-isard: NOTE: no compose v2 (the module proxy did not serve it): testing v1 only"
	v2=""
else
	echo "e2e-isard: building compose v2 failed" >&2
	exit 1
fi
export PATH=/usr/local/go/bin:$PATH
log=$(mktemp)
set +e
FLOCK_DOCK_SOCKET=$(lab/dock/dock.sh socket $NAME) FLOCK_DOCK_NETNS=dock-$NAME FLOCK_COMPOSE_V2=$v2 \
	go test -count=1 -v -run 'Dock' ./ocf-isard >"$log" 2>&1
res=$?
set -e
grep -E '^ *(--- |ok|FAIL|PASS)' "$log" || true
[ "$res" = 0 ] || grep -vE '^ *(=== (RUN|PAUSE|CONT)|--- PASS)' "$log" | tail -100
rm -f "$log"
echo "e2e-isard: took $(($(date +%s) - t0)) s"
exit "$res"
