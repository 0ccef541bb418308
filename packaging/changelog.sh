#!/bin/bash
# Writes the package's changelog in Debian's format to stdout: one entry for this version, whose
# items are the subjects of the commits since the last release tag (the newest 30), dated and
# signed as the commit is, so the same commit always makes the same changelog.
# usage: packaging/changelog.sh VERSION "NAME <EMAIL>"
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1 maintainer=$2
range=HEAD
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then range="$tag..HEAD"; fi
echo "flock-agents ($version) unstable; urgency=medium"
echo
git log -30 --no-merges --format=%s "$range" | while IFS= read -r subject; do
  fold -s -w 74 <<<"$subject" | sed '1s/^/  * /; 2,$s/^/    /; s/ *$//'
done
echo
echo " -- $maintainer  $(git log -1 --format=%cD)"
