#!/bin/bash
# Completes the package tree that `make install` staged: man pages compressed as Debian wants
# them (gzip -9n: no name, no time stamp), and the documentation with the copyright file and
# the changelog, both generated (packaging/copyright.sh, packaging/changelog.sh).
# usage: packaging/stage.sh PKGROOT VERSION "MAINTAINER"
set -euo pipefail
root=$1 version=$2 maintainer=$3
here=$(dirname "$0")
doc=$root/usr/share/doc/flock-agents
gzip -9n "$root"/usr/share/man/man*/*
install -d "$doc"
install -m 0644 "$here"/../README.md "$doc"/
install -d "$doc"/docs
install -m 0644 "$here"/../docs/*.md "$doc"/docs/
install -d "$doc"/examples
install -m 0644 "$here"/../docs/mosquitto-fencing.acl "$doc"/examples/
"$here"/copyright.sh "$root"/usr/sbin/fence_espurna "$root"/usr/bin/flock-sim "$root"/usr/lib/ocf/resource.d/flock/* > "$doc"/copyright
"$here"/changelog.sh "$version" "$maintainer" | gzip -9n > "$doc"/changelog.gz
chmod 0644 "$doc"/copyright "$doc"/changelog.gz
