#!/bin/bash
# The package as an administrator meets it, on this machine (root): lintian passes (or each
# override says why, packaging/lintian-overrides); dpkg -i installs it; pcs describes every agent
# it ships, man reads every page, the installed agents print the golden meta-data; dpkg -r and
# then dpkg -P leave none of its files behind. The RPM built from the same declaration is read
# with rpm and must hold the same files.
#
# The host tiers `make install` into the same /usr paths, so run this under the host lab lock
# (make deb-check does): files found there before are set aside and put back afterwards, so
# the check neither keeps nor destroys what it found.
# usage: packaging/deb-check.sh BINDIR
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=$1
pkg=flock-agents
debs=("$bindir"/${pkg}_*.deb) rpms=("$bindir"/${pkg}-*.rpm)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "deb-check: want one $pkg .deb in $bindir (make deb)" >&2; exit 1; }
[ ${#rpms[@]} -eq 1 ] && [ -f "${rpms[0]}" ] || { echo "deb-check: want one $pkg .rpm in $bindir (make rpm)" >&2; exit 1; }
deb=${debs[0]} rpm=${rpms[0]}
fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }
step() { echo "deb-check: $*"; }
[ "$(id -u)" = 0 ] || fail "run as root (dpkg -i)"
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q installed; then
  fail "$pkg is installed on this machine; the check would remove it (dpkg -P $pkg first)"
fi
work=$(mktemp -d)

step "lintian $(basename "$deb")"
lint=0; out=$(lintian --fail-on error,warning "$deb" 2>&1) || lint=$?
grep -v 'running with root privileges' <<<"$out" || true
[ $lint -eq 0 ] || fail "lintian (see above; packaging/lintian-overrides explains the tags we accept)"

# What the package will put down, and what is at those paths now (a make install, say).
dpkg-deb -c "$deb" | awk '{ print substr($6, 2) }' | sed 's#/$##' | grep . > "$work/contents"
saved=$work/saved
mkdir -p "$saved"
: > "$work/predirs"
while read -r f; do
  if [ -f "$f" ] || [ -L "$f" ]; then mkdir -p "$saved${f%/*}" && cp -a "$f" "$saved$f"
  elif [ -d "$f" ]; then echo "$f" >> "$work/predirs"; fi
done < "$work/contents"
# make install's man pages are not compressed, and one of the same name would shadow the
# package's for man -w: moved away for the check, put back with the rest.
while read -r f; do
  case $f in /usr/share/man/*.gz)
    u=${f%.gz}
    if [ -f "$u" ]; then mkdir -p "$saved${u%/*}" && mv "$u" "$saved$u"; fi ;;
  esac
done < "$work/contents"
restore() {
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q installed; then dpkg -P "$pkg" >/dev/null || true; fi
  (cd "$saved" && find . -type f -o -type l) | while read -r f; do
    mkdir -p "${f#.}" && rmdir "${f#.}" && cp -a "$saved${f#.}" "${f#.}"
  done
  rm -rf "$work"
}
trap restore EXIT
[ -z "$(find "$saved" -type f -print -quit)" ] || step "set aside until the end: $(cd "$saved" && find . -type f | sed 's#^\.##' | tr '\n' ' ')"

step "dpkg -i"
dpkg -i "$deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
dpkg -L "$pkg" | grep -v '^/\.$' > "$work/listed"

step "pcs stonith describe fence_espurna"
out=$(pcs stonith describe fence_espurna) || fail "pcs stonith describe fence_espurna"
grep -q 'apikey' <<<"$out" || fail "pcs does not show fence_espurna's parameters: $out"
agents=$(grep '^/usr/lib/ocf/resource.d/flock/.' "$work/listed" | xargs -n1 basename)
[ -n "$agents" ] || fail "the package ships no OCF agent"
for t in $agents; do
  step "pcs resource describe ocf:flock:$t"
  out=$(pcs resource describe "ocf:flock:$t") || fail "pcs resource describe ocf:flock:$t"
  grep -q "Resource options:" <<<"$out" || fail "pcs shows no options of ocf:flock:$t: $out"
  /usr/lib/ocf/resource.d/flock/"$t" meta-data | diff -u "metadata/$t.xml" - || fail "installed ocf:flock:$t meta-data differs from metadata/$t.xml"
done
step "fence_espurna -o metadata"
fence_espurna -o metadata | diff -u metadata/fence_espurna.xml - || fail "installed fence_espurna meta-data differs from metadata/fence_espurna.xml"

pages=$(grep '^/usr/share/man/man[0-9]/' "$work/listed" | grep '\.gz$' || true)
[ "$(wc -w <<<"$pages")" -eq $((2 + $(wc -w <<<"$agents"))) ] || fail "want a man page per binary and agent, got: $pages"
for p in $pages; do
  name=$(basename "$p" | sed 's/\.[0-9]\.gz$//')
  step "man -l $p; man -w $name"
  errs=$(MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$p" 2>&1 >/dev/null) || fail "man -l $p"
  [ -z "$errs" ] || fail "man warns on $p: $errs"
  [ "$(man -w "$name")" = "$p" ] || fail "man does not find $name at $p"
done

# dpkg -r removes everything but conffiles (there are none), dpkg -P the rest: afterwards no
# listed file remains, and no listed directory unless another package owns it too or it was
# there before (a make install's, with files of its own).
step "dpkg -r, dpkg -P"
dpkg -r "$pkg" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -r"; }
dpkg -P "$pkg" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -P"; }
left=()
while read -r f; do
  if [ -d "$f" ] && [ ! -L "$f" ]; then
    dpkg-query -S "$f" >/dev/null 2>&1 || grep -qxF "$f" "$work/predirs" || left+=("$f")
  elif [ -e "$f" ] || [ -L "$f" ]; then
    left+=("$f")
  fi
done < "$work/listed"
[ ${#left[@]} -eq 0 ] || fail "left behind after dpkg -P: ${left[*]}"

# The RPM: its own digests, the dependency on pacemaker, and the deb's files.
step "rpm -qip $(basename "$rpm")"
rpm -qip "$rpm" | grep -q "^Name *: $pkg$" || fail "rpm -qip"
rpm -Kv --nosignature "$rpm" | grep -q 'Payload SHA256 digest: OK' || fail "rpm digests"
rpm -qp --requires "$rpm" 2>/dev/null | grep -q '^pacemaker >= ' || fail "the RPM does not require pacemaker"
grep -v '^/usr/share/lintian' "$work/contents" | while read -r f; do [ -d "$bindir/pkgroot$f" ] || echo "$f"; done | sort > "$work/deb-files"
rpm -qlp "$rpm" | while read -r f; do [ -d "$bindir/pkgroot$f" ] || echo "$f"; done | sort > "$work/rpm-files"
diff -u "$work/deb-files" "$work/rpm-files" || fail "the RPM and the deb hold different files"

# Install it into a scratch root (rpm --nodeps: this machine's rpm database has no pacemaker):
# the agents run from there, and rpm -e takes every file and directory of its own away.
step "rpm -i, rpm -e in a scratch root"
root=$work/rpmroot
# rpm_root ARGS...: rpm in the scratch root, without the warnings it gives on Debian; its status
# is rpm's (grep -v's would only say whether anything else was printed).
rpm_root() {
  local rc=0 out
  out=$(rpm --root="$root" "$@" 2>&1) || rc=$?
  grep -v -e 'use Alien instead' -e 'know what you are doing' <<<"$out" || true
  return $rc
}
rpm --root="$root" --initdb 2>/dev/null
rpm_root --nodeps -i "$rpm" || fail "rpm -i $(basename "$rpm") (see above)"
"$root"/usr/sbin/fence_espurna -o metadata | diff -u metadata/fence_espurna.xml - || fail "fence_espurna from the RPM: meta-data differs"
for t in $agents; do
  "$root"/usr/lib/ocf/resource.d/flock/"$t" meta-data | diff -u "metadata/$t.xml" - || fail "ocf:flock:$t from the RPM: meta-data differs"
done
rpm_root -e flock-agents || fail "rpm -e flock-agents (see above)"
left=$(find "$root"/usr -mindepth 1 \( -type f -o -path '*/flock*' \) -print)
[ -z "$left" ] || fail "left behind after rpm -e: $left"

echo "deb-check: $(wc -l < "$work/listed") paths installed and removed, $(wc -w <<<"$agents") OCF agent(s), $(wc -w <<<"$pages") man pages: ok"
