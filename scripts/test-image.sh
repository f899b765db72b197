#!/usr/bin/env bash
# Makes sure the local test image docknet/busybox:latest exists in the Docker engine that `docker`
# reaches (DOCKER_HOST, default the local socket). Built with `docker import` of a root filesystem
# holding the machine's static /bin/busybox and its links: no registry is needed.
# Called by scripts/ensure-engine.sh (host engine) and scripts/engine-d28.sh (the second engine).
set -euo pipefail

image=docknet/busybox:latest
docker image inspect "$image" >/dev/null 2>&1 && exit 0

echo "docknet: building the local image $image from /bin/busybox${DOCKER_HOST:+ on $DOCKER_HOST}" >&2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for tool in sh ping ping6 ip nc httpd wget sleep cat echo ls hostname nslookup ifconfig true; do
  ln -s busybox "$root/bin/$tool"
done
tar -C "$root" -c . | docker import -c 'CMD ["sh"]' - "$image" >/dev/null
