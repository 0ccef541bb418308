#!/bin/bash
# The package version, from git: a tag vX.Y.Z gives X.Y.Z, commits after it X.Y.Z+gitN.HASH;
# with no tag, 0~gitDATE.HASH (the commit's date, so versions still sort by age). A dirty tree
# adds +dirty. Debian and RPM both read these as they sort.
set -euo pipefail
cd "$(dirname "$0")/.."
hash=$(git rev-parse --short=8 HEAD)
dirty=$(git diff --quiet HEAD 2>/dev/null || echo +dirty)
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
  n=$(git rev-list --count "$tag"..HEAD)
  v=${tag#v}
  [ "$n" = 0 ] || v+="+git$n.$hash"
else
  v="0~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S).$hash"
fi
echo "$v$dirty"
