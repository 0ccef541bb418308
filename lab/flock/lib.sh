# Shared by the flock tier's host scripts (sourced).
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
FL=$LAB_ROOT/flock       # images, disks, runs
NS=fl4-sw                # the lab's network namespace (not flock-*: tier 2's leftovers check)
NET=10.99.4              # its /24: bridge .1, nodes .11 .12, client .20, service .100, plugs .201 .202

ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# docblock NAME [PAGE]: the shell of the guide's block marked `<!-- flock-lab: NAME -->`.
docblock() {
  awk -v want="$1" '
    $0 == "<!-- flock-lab: " want " -->" { on = 1; next }
    on && $0 == "<!-- /flock-lab -->" { found = 1; exit }
    on && !/^```/ { print }
    END { exit !found }' "${2:-$(dirname "${BASH_SOURCE[0]}")/../../docs/isard-flock.md}" ||
    { echo "lab: the guide has no block flock-lab: $1" >&2; return 1; }
}

# until_true SECONDS CMD...: poll CMD until it succeeds; at the deadline print its last output
# and fail. Waits are bounds on an event, never a measurement.
until_true() {
  local deadline=$(($(ms) + $1 * 1000)) out
  shift
  until out=$("$@" 2>&1); do
    if [ "$(ms)" -ge "$deadline" ]; then echo "$out"; return 1; fi
    sleep 0.5
  done
}
