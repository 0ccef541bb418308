#!/bin/bash
# Re-record simulator/tapes/isard: the dockerd tier's scenarios (lab/dock/e2e.sh) with compose v1,
# each named run saved as a tape, then the fault tapes derived from them with flock-sim mutate,
# then the whole directory replayed.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAPES=$PWD/simulator/tapes/isard
export PATH=/usr/local/go/bin:$PATH
make -s build
find "$TAPES" -name '*.tape' -delete 2>/dev/null || true
mkdir -p "$TAPES"
FLOCK_ISARD_TAPES=$TAPES lab/dock/e2e.sh

# derive NEW FROM EXCHANGE FLAGS...: one answer of FROM changed, the agent run on against the rest.
derive() {
	local new=$1 from=$2 n=$3
	shift 3
	bin/flock-sim mutate --bin bin --exchange "$n" "$@" -o "$TAPES/$new.tape" "$TAPES/$from.tape"
}
# last_http TAPE: the number of the tape's last HTTP exchange (the final check of a stop).
last_http() { bin/flock-sim show "$TAPES/$1.tape" | sed -n 's/^ *\([0-9]*\) .* http unix:.*/\1/p' | tail -1; }
first_http() { bin/flock-sim show "$TAPES/$1.tape" | sed -n 's/^ *\([0-9]*\) .* http unix:.*/\1/p' | head -1; }
left='[{"Id":"0123456789ab","Names":["/isard-db"],"Image":"dock/busybox:1","Created":1764644000,"State":"running","Status":"Up 2 minutes (healthy)","Labels":{"com.docker.compose.project":"isard","com.docker.compose.service":"isard-db","com.docker.compose.oneoff":"False"}}]'
derive stop-leaves-container-derived stop "$(last_http stop)" --body "$left"
derive monitor-daemon-gone-derived monitor "$(first_http monitor)" --error refused
derive probe-daemon-gone-derived probe-running "$(first_http probe-running)" --error refused
bin/flock-sim replay --bin bin "$TAPES"
