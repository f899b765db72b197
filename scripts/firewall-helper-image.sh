#!/usr/bin/env bash
# Builds an image for docknet's tcp:// firewall helper (--firewall-helper IMAGE) from this machine's
# own binaries, with `docker import` (no registry): iptables and ip6tables (whatever backend this
# machine's alternatives point at, with their extensions and libraries), ip, nsenter, and busybox for
# sh and sleep. The helper runs the engine host's own iptables through nsenter when it may enter PID 1's
# mount namespace, and these copies otherwise — so build it on a machine whose iptables backend (nft or
# legacy) is the engine host's.
#
#   scripts/firewall-helper-image.sh [IMAGE]    default docknet/firewall-helper:latest, into the engine
#                                               DOCKER_HOST names (default the local socket)
set -euo pipefail

image=${1:-docknet/firewall-helper:latest}
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
for tool in iptables ip6tables ip nsenter; do command -v "$tool" >/dev/null || { echo "firewall-helper-image.sh: $tool is not installed here" >&2; exit 1; }; done
[ -x /bin/busybox ] || { echo "firewall-helper-image.sh: /bin/busybox is missing (Debian: apt-get install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/run"

# A file and the shared libraries it needs, at the same paths.
copy() {
  local f=$1 lib
  [ -e "$root$f" ] && return 0
  mkdir -p "$root$(dirname "$f")"
  cp -L "$f" "$root$f"
  for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
    [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
  done
}

for tool in iptables ip6tables ip nsenter; do
  link=$(command -v "$tool")
  target=$(readlink -f "$link")
  copy "$target"
  # Multi-call binaries (xtables-nft-multi) choose by the name they are called with.
  if [ "$link" != "$target" ]; then mkdir -p "$root$(dirname "$link")"; ln -sf "$target" "$root$link"; fi
done
# iptables loads its matches and targets (comment, conntrack, …) as shared objects.
for dir in /usr/lib/x86_64-linux-gnu/xtables /usr/lib/xtables /lib/xtables; do
  [ -d "$dir" ] || continue
  for so in "$dir"/*.so; do copy "$so"; done
done
for f in /etc/protocols /etc/services /etc/ethertypes; do [ -f "$f" ] && cp "$f" "$root$f"; done
cp /bin/busybox "$root/bin/busybox"
for tool in sh sleep true cat ls; do [ -e "$root/bin/$tool" ] || ln -s busybox "$root/bin/$tool"; done
echo "firewall-helper-image.sh: importing $image from this machine's iptables ($(iptables -V)), ip and nsenter${DOCKER_HOST:+ into $DOCKER_HOST}" >&2
tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sleep", "2147483647"]' - "$image" >/dev/null
