#!/usr/bin/env bash
# Makes sure this machine can run docknet for real: Debian's docker.io, iptables, busybox-static,
# openssh-client and -server (the remote-engine tests) and librsvg2-bin (PNG pictures) installed, a
# Docker daemon answering, node dependencies installed, the TypeScript built, and the local test image
# docknet/busybox:latest (built with `docker import`: no registry is needed).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v iptables >/dev/null || need+=(iptables)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v ip >/dev/null || need+=(iproute2)
command -v git >/dev/null || need+=(git)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
# The remote-engine tests start their own sshd inside each test engine's namespace (remote-engine.sh sshd).
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v openssl >/dev/null || need+=(openssl)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)  # docknet graph -o x.png
if [ ${#need[@]} -gt 0 ]; then
  echo "docknet: installing ${need[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  echo "docknet: starting dockerd (log: /var/log/docknet-dockerd.log)" >&2
  setsid nohup dockerd >/var/log/docknet-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 1
  done
  docker version >/dev/null 2>&1 || { echo "docknet: dockerd did not answer within 60s; see /var/log/docknet-dockerd.log" >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "docknet: installing node dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
# The repository's own Pulumi program is a project using docknet as a package: Pulumi's provider host
# resolves require('docknet/…') from the project folder, as in a user's project where npm installed it.
ln -sfn .. node_modules/docknet
echo "docknet: building (tsc)" >&2
npm run --silent build

bash scripts/test-image.sh
