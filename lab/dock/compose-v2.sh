#!/bin/bash
# Build the docker compose v2 plugin from its Go module (no registry of images or binaries is
# reachable here, the Go module proxy is). `go install …/cmd@VERSION` is refused because the
# module's go.mod has exclude directives, so the module is downloaded and built in place. The
# binary is cached under $FLOCK_LAB, the module and build caches under GOPATH: cold about 4 min
# on 2 cores, a cached binary at once. Prints the binary's path.
# usage: lab/dock/compose-v2.sh   (COMPOSE_V2_VERSION=v2.40.3)
set -euo pipefail
VERSION=${COMPOSE_V2_VERSION:-v2.40.3}
OUT=${FLOCK_LAB:-/var/tmp/flock-lab}/compose-$VERSION/docker-compose
if [ -x "$OUT" ] && "$OUT" version --short >/dev/null 2>&1; then
	echo "$OUT"
	exit 0
fi
export PATH=/usr/local/go/bin:$PATH
mkdir -p "$(dirname "$OUT")"
# Exit 3: the proxy did not serve the module (the caller may go on without v2); any other
# failure is a failure.
dir=$(cd / && go mod download -json "github.com/docker/compose/v2@$VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || true
[ -d "$dir" ] || { echo "compose-v2: the module proxy did not serve github.com/docker/compose/v2@$VERSION" >&2; exit 3; }
t0=$(date +%s)
(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$OUT.tmp" \
	-ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$VERSION" ./cmd) >&2
mv "$OUT.tmp" "$OUT"
echo "compose-v2: built $VERSION in $(($(date +%s) - t0)) s" >&2
echo "$OUT"
