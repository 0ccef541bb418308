# Shared by the lab's scenario scripts (sourced). A scenario is a list of `step NAME CMD...`; the
# first failing step prints the Pacemaker, corosync and plug evidence and ends the scenario.
LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CL=$LAB/cluster.sh
BASE=${FLOCK_LAB:-/var/tmp/flock-lab}/cluster
PASSED=0

ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
on() { "$CL" exec "$@"; }

fail() {
	echo "FAIL: $*" >&2
	"$CL" logs >&2 || true
	exit 1
}

# step NAME CMD...: run one check, print its time; a failure ends the scenario with the logs.
step() {
	local name=$1 t0 out
	shift
	t0=$(ms)
	if out=$("$@" 2>&1); then
		PASSED=$((PASSED + 1))
		printf 'ok   %-62s %6s s\n' "$name" "$(secs $(($(ms) - t0)))"
	else
		echo "$out" | tail -n 30 >&2
		fail "$name"
	fi
}

# until_true SECONDS CMD...: poll CMD until it succeeds; fail with its last output at the deadline.
until_true() {
	local deadline=$(($(ms) + $1 * 1000)) out
	shift
	until out=$("$@" 2>&1); do
		if [ "$(ms)" -ge "$deadline" ]; then
			echo "$out"
			return 1
		fi
		sleep 0.3
	done
}

# mark PLUG: remember where the plug's timeline ends now; since PLUG prints what came after.
mark() { wc -l <"$BASE/plugs/$1.timeline" >"$BASE/plugs/$1.mark"; }
since() { tail -n +$(($(cat "$BASE/plugs/$1.mark") + 1)) "$BASE/plugs/$1.timeline"; }

# switches PLUG: the relay changes since the mark, e.g. "off on".
switches() { since "$1" | awk '$2 == "switch" { sub("on=", "", $4); printf "%s%s", sep, ($4 == "true" ? "on" : "off"); sep = " " }'; }

# confirmed_before_on PLUG: after the relay went off, the agent read it back (an HTTP request
# without a value that the plug answered, or a live MQTT state message it waits for) before it
# asked for on (a request with a value, or a set command).
confirmed_before_on() {
	since "$1" | awk '
		$2 == "switch" && $4 == "on=false" { off = 1; next }
		!off { next }
		$2 == "http" && !/ value=/ && / -> 200$/ { confirmed = 1 }
		$2 == "mqtt-publish" && $3 ~ /\/relay\/0$/ && $4 == "\"0\"" { confirmed = 1 }
		($2 == "http" && / value=/) || ($2 == "mqtt-command" && $3 ~ /\/set$/) { if (!confirmed) exit 1 }
		END { exit !(off && confirmed) }'
}

# expect_switches PLUG WANT: the relay did exactly WANT since the mark.
expect_switches() {
	local got
	got=$(switches "$1")
	[ "$got" = "$2" ] || { echo "plug $1 switched [$got], want [$2]"; since "$1"; return 1; }
}

# rebooted PLUG: since the mark the relay went off, was confirmed off, then went on.
rebooted() { expect_switches "$1" "off on" && confirmed_before_on "$1"; }

# unmoved PLUG...: none of these relays changed since the mark.
unmoved() { local p; for p; do expect_switches "$p" "" || return; done; }

# never_retained PLUG: no set command reached the plug as a retained message.
never_retained() { ! grep -E 'mqtt-command .*/set .*retained=true' <<<"$(since "$1")"; }

# fence NODE ACTION: stonith_admin from n1. Never the local node of a single-node lab: a cluster
# that fences itself shuts down ("We were allegedly just fenced").
fence() {
	[ "$1" != n1 ] || { echo "refusing to fence the lab's own node"; return 1; }
	on n1 stonith_admin "--$2" "$1" --timeout 60
}

# history_says NODE REGEX: Pacemaker's own record of fencing NODE matches.
# (grep -q must not end a pipe: under pipefail the writer's SIGPIPE would fail the check.)
history_says() { grep -Eq "$2" <<<"$(on n1 stonith_admin --history "$1" --verbose)"; }

# cleanup [RC]: the EXIT trap, or the end of one (RC: the script's status, taken before the
# trap ran anything else, whose status would stand for it).
cleanup() {
	local rc=${1:-$?}
	"$CL" down >/dev/null 2>&1 || true
	# Killed daemons take a moment to be reaped.
	if ! until_true 10 "$CL" leftovers >&2; then
		echo "FAIL: the lab left something behind" >&2
		rc=1
	fi
	echo "$PASSED passed, $([ $rc = 0 ] && echo 0 || echo 1) failed"
	exit $rc
}
