#!/bin/bash
# Writes the package's machine-readable copyright file (DEP-5) to stdout. The binaries are
# static, so they carry the Go standard library and every module they link: those are read
# from the binaries' own build information (go version -m), each with its licence text from
# the module cache, so the file lists exactly what is inside and cannot go stale.
# usage: packaging/copyright.sh BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

# The SPDX name of each module's licence (read from its LICENSE; a new module must be added).
declare -A spdx=(
  [github.com/beevik/etree]=BSD-2-Clause
  [github.com/eclipse/paho.mqtt.golang]="EPL-2.0 or BSD-3-Clause"
  [github.com/gorilla/websocket]=BSD-2-Clause
  [github.com/urfave/cli/v2]=Expat
  [github.com/xrash/smetrics]=Expat
  [github.com/cpuguy83/go-md2man/v2]=Expat
  [github.com/russross/blackfriday/v2]=BSD-2-Clause
  [golang.org/x/net]=BSD-3-Clause
  [golang.org/x/sync]=BSD-3-Clause
  [golang.org/x/sys]=BSD-3-Clause
)
# The file each licence's text comes from (the first module that has it).
declare -A text=()

# indent formats a text as a DEP-5 continuation: one space, "." for blank lines.
indent() { sed 's/[[:space:]]*$//; s/^$/./; s/^/ /'; }
holders() { grep -iE '^[[:space:]]*copyright[[:space:]]*(\(c\)|©|[0-9])' "$1" | sed 's/^[[:space:]]*//' | sort -u || true; }

cat <<HEAD
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: flock-agents
Source: https://github.com/isard-vdi/flock-agents
Comment: The binaries are statically linked Go programs; the paragraphs after the first
 are the Go standard library and the Go modules compiled into them.

Files: *
Copyright: The flock agents authors (see the git history)
License: GPL-2.0+

Files: go/src/*
Copyright: $(holders "$($GO env GOROOT)/LICENSE" | head -1)
License: BSD-3-Clause
HEAD
text[BSD-3-Clause]="$($GO env GOROOT)/LICENSE"

mods=$($GO version -m "$@" | awk '$1 == "dep" { print $2 "@" $3 }' | sort -u)
for mv in $mods; do
  mod=${mv%@*}
  lic=${spdx[$mod]:-}
  [ -n "$lic" ] || { echo "copyright.sh: no licence recorded for $mod: add it to spdx" >&2; exit 1; }
  dir=$($GO mod download -json "$mv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  files=("$dir"/LICENSE*)
  [ -e "${files[0]}" ] || { echo "copyright.sh: $mv has no LICENSE file" >&2; exit 1; }
  who=$(holders "${files[0]}")
  [ -n "$who" ] || who="The $mod authors"
  printf '\nFiles: vendor/%s/*\nCopyright: %s\nLicense: %s\nComment: Go module %s, compiled into the binaries.\n' \
    "$mod" "$(sed '2,$s/^/ /' <<<"$who")" "$lic" "$mv"
  case $lic in
    "EPL-2.0 or BSD-3-Clause") # paho: EPL-2.0 or the Eclipse Distribution Licence, a BSD-3-Clause
      text[EPL-2.0]=${text[EPL-2.0]:-$dir/epl-v20} ;;
    *) [ -n "${text[$lic]:-}" ] || text[$lic]=${files[0]} ;;
  esac
done

printf '\nLicense: GPL-2.0+\n'
indent <<'GPL'
This program is free software; you can redistribute it and/or modify it under the terms of
the GNU General Public License as published by the Free Software Foundation; either version 2
of the License, or (at your option) any later version.

This program is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY;
without even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See
the GNU General Public License for more details.

On Debian systems, the complete text of the GNU General Public License version 2 can be found
in /usr/share/common-licenses/GPL-2.
GPL
for lic in $(printf '%s\n' "${!text[@]}" | sort); do
  printf '\nLicense: %s\n' "$lic"
  indent < "${text[$lic]}"
done
