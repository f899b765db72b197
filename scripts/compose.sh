#!/usr/bin/env bash
# docker compose 2.40.3 (Debian sid's docker-compose) as a peer for docknet's tests and benchmarks,
# without installing anything with dpkg.
#
#   scripts/compose.sh ensure   fetch sid's docker-compose into
#                               ${DOCKNET_CACHE:-/var/cache/docknet}/compose/<version>/ if missing, and
#                               make it the Docker CLI plugin `docker compose` (silent when already so)
#
# The plugin is a symlink in /usr/local/lib/docker/cli-plugins/, a directory that every docker client on
# these machines searches (bookworm's 20.10 /usr/bin/docker, the 28.2 /usr/local/bin/docker, and sid's
# 28.5.2 client used by scripts/engine-d28.sh). Debian's own plugin directories under /usr/lib and
# /usr/libexec are left to Debian packages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=2.40.3
plugin_dir=/usr/local/lib/docker/cli-plugins

cmd_ensure() {
  local prefix target
  prefix=$(bash "$here/sid-packages.sh" compose "$version" docker-compose)
  target=$prefix/usr/libexec/docker/cli-plugins/docker-compose
  [ -x "$target" ] || { echo "docknet: $target missing from sid's docker-compose" >&2; exit 1; }
  [ "$(readlink "$plugin_dir/docker-compose" 2>/dev/null || true)" = "$target" ] && return 0
  if [ -e "$plugin_dir/docker-compose" ] && [ ! -L "$plugin_dir/docker-compose" ]; then
    echo "docknet: $plugin_dir/docker-compose exists and is not our symlink; leaving it" >&2
    exit 1
  fi
  mkdir -p "$plugin_dir"
  ln -sfn "$target" "$plugin_dir/docker-compose"
  echo "docknet: docker compose $version is the CLI plugin $plugin_dir/docker-compose -> $target" >&2
}

case ${1:-} in
  ensure) cmd_ensure ;;
  *) echo "usage: $0 ensure" >&2; exit 2 ;;
esac
