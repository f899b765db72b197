#!/usr/bin/env bash
# Fetches Debian sid packages into a private prefix, without touching this machine's apt sources or
# installed packages, for the peers docknet is tested against (scripts/engine-d28.sh, scripts/compose.sh).
#
#   scripts/sid-packages.sh NAME VERSION PACKAGE…
#
# Extracts every PACKAGE (dpkg-deb -x, never dpkg -i) into
#   ${DOCKNET_CACHE:-/var/cache/docknet}/NAME/VERSION/
# and prints that prefix on stdout. VERSION is the upstream version the caller expects of the FIRST
# package (e.g. 28.5.2 for docker.io 28.5.2+dfsg3-1): if sid has moved on, this fails rather than
# caching a different version under the wrong name. When the prefix is already complete, nothing is
# downloaded. The exact Debian versions taken are listed in PREFIX/.packages.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 NAME VERSION PACKAGE…" >&2; exit 2; }
name=$1 version=$2
shift 2
cache=${DOCKNET_CACHE:-/var/cache/docknet}
prefix=$cache/$name/$version

# Complete means: the prefix lists exactly the packages asked for (a caller that adds a package
# refetches the lot).
complete() {
  [ -f "$prefix/.packages" ] &&
    [ "$(sed 's/=.*//' "$prefix/.packages" | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}
if complete "$@"; then
  echo "$prefix"
  exit 0
fi

# Scratch apt state lives in the cache (kept between runs so a second update is cheap); the lock keeps
# two scripts running at once from sharing a half-written lists directory.
apt_dir=$cache/sid-apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$cache/$name"
exec 9>"$apt_dir/lock"
flock 9
if complete "$@"; then  # another run finished it while we waited for the lock
  echo "$prefix"
  exit 0
fi

# The machine's own Debian mirror (the first deb822 URIs that is not the security archive), with sid.
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$apt_dir/sources.list"

apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o Dir::State::status=/var/lib/dpkg/status
  # the machine's preferences.d may pin other origins; they mean nothing for this scratch list
  -o Dir::Etc::PreferencesParts=/dev/null
)
# apt drops root to _apt for downloads: let it write the scratch directories and the download folder.
work=$(mktemp -d "$cache/$name/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
if getent passwd _apt >/dev/null; then
  chown -R _apt "$apt_dir/lists" "$apt_dir/cache" "$work"
fi

echo "docknet: fetching sid package lists from $mirror (scratch apt state: $apt_dir)" >&2
apt-get "${apt_opts[@]}" -qq update >&2

# Resolve the exact versions first, so a moved-on sid fails here with a clear message.
pins=()
for pkg in "$@"; do
  candidate=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    echo "docknet: sid has no package $pkg" >&2
    exit 1
  fi
  pins+=("$pkg=$candidate")
done
first=${pins[0]#*=}
first=${first#*:}  # drop an epoch
case $first in
  "$version"|"$version"[+~-]*) ;;
  *) echo "docknet: sid's $1 is $first now, not $version; update the version in the calling script" >&2; exit 1 ;;
esac

echo "docknet: downloading ${pins[*]} from sid" >&2
(cd "$work" && apt-get "${apt_opts[@]}" -qq download "${pins[@]}" >&2)

mkdir -p "$work/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
printf '%s\n' "${pins[@]}" >"$work/root/.packages"
chown -R root:root "$work/root"
# Rename into place only when complete: an interrupted run leaves no half prefix behind.
rm -rf "$prefix"
mv "$work/root" "$prefix"
echo "$prefix"
