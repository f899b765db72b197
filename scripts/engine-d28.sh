#!/usr/bin/env bash
# A second Docker engine for docknet's tests: Debian sid's Docker 28.5.2 running beside bookworm's 20.10
# (which stays on /var/run/docker.sock), in its own network namespace `d28` so that its iptables rules,
# bridges and loopback never meet the host's. See /work/shared/notes/engines.md for why it is built so.
#
#   scripts/engine-d28.sh ensure         fetch sid's docker.io/docker-cli/tini-static into the cache if
#                                        missing, start the daemon if it does not answer, make the test
#                                        image docknet/busybox:latest in it (idempotent)
#   scripts/engine-d28.sh fetch          only fetch the packages into the cache (what remote-engine.sh
#                                        --engine 28 runs from); prints the prefix
#   scripts/engine-d28.sh run CMD [ARG…] run CMD inside the namespace against this engine
#                                        (DOCKER_HOST set, sid's 28.5.2 `docker` first on PATH)
#   scripts/engine-d28.sh stop           stop the daemon (SIGTERM, wait); the namespace stays
#   scripts/engine-d28.sh status         whether it answers, and its version (exit 0 up, 3 down)
#
# Nothing is installed with dpkg: the packages are extracted into
# ${DOCKNET_CACHE:-/var/cache/docknet}/engine-d28/<version>/, and the daemon uses bookworm's containerd
# and runc (sid's runc needs glibc 2.38). Environment: DOCKNET_CACHE, D28_WAIT (seconds, default 60).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
# shellcheck source=netns-daemon.sh
. "$here/netns-daemon.sh"

version=28.5.2
packages=(docker.io docker-cli tini-static)
ns=d28
run_dir=/run/d28
sock=unix://$run_dir/docker.sock
pidfile=$run_dir/docker.pid
data_root=/var/lib/d28
log=/var/log/docknet-d28.log
prefix=${DOCKNET_CACHE:-/var/cache/docknet}/engine-d28/$version

# The prefix's binaries first (dockerd, docker-proxy, docker-init, the 28.5.2 client), then the
# machine's own: bookworm's containerd, containerd-shim-runc-v2 and runc come from there.
engine_path() {
  echo "$prefix/usr/sbin:$prefix/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

# The client for health checks: sid's own when extracted (same API version as the daemon). A unix
# socket is reached through the file system, so this works from outside the namespace too.
client() {
  local docker=docker
  [ -x "$prefix/usr/bin/docker" ] && docker=$prefix/usr/bin/docker
  DOCKER_HOST=$sock "$docker" "$@"
}

answers() { client version --format '{{.Server.Version}}' >/dev/null 2>&1; }

daemon_pid() { pid_from "$pidfile"; }

ensure_netns() {
  [ -e "/run/netns/$ns" ] && return 0
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  # Starting from 0 makes dockerd enable forwarding itself and set FORWARD's policy to DROP, as on a
  # fresh host.
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
}

start_daemon() {
  mkdir -p "$run_dir"
  # `ip netns exec` remounts /sys, which hides the cgroup mounts: record the host's here, outside, so
  # that `_daemon` can mount the same hierarchies again inside. Started from inside the namespace (a
  # test restarting this engine), they are hidden here too: the list recorded outside stays.
  local mounts
  mounts=$(awk '$2 == "/sys/fs/cgroup" || $2 ~ "^/sys/fs/cgroup/"' /proc/self/mounts)
  if [ -n "$mounts" ]; then
    echo "$mounts" >"$run_dir/cgroup.mounts"
  elif [ ! -s "$run_dir/cgroup.mounts" ]; then
    echo "docknet: no cgroup mounts are visible here and none were recorded: start this engine from the machine's own namespaces first" >&2
    exit 1
  fi
  # Our own (empty) daemon.json: a host /etc/docker/daemon.json is meant for the host's engine.
  [ -f "$run_dir/daemon.json" ] || echo '{}' >"$run_dir/daemon.json"
  echo "=== $(date -Is) engine-d28.sh: starting dockerd $version in netns $ns" >>"$log"
  # 8>&-: the daemon must not inherit (and hold forever) ensure's lock.
  setsid nohup ip netns exec "$ns" bash "$self" _daemon >>"$log" 2>&1 </dev/null 8>&- &
  local started=$! waited=0 limit=${D28_WAIT:-60}
  until answers; do
    if ! kill -0 "$started" 2>/dev/null && ! daemon_pid >/dev/null; then
      echo "docknet: dockerd $version exited during start-up; end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    if [ "$waited" -ge "$limit" ]; then
      echo "docknet: dockerd $version did not answer on $sock within ${limit}s; end of $log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Runs inside `ip netns exec` (its own mount namespace, fresh /sys): mount the cgroup hierarchies the
# host has, exactly as listed in /proc/self/mounts (same type, source and options give the same
# hierarchy), then become dockerd.
cmd_daemon() {
  mount_cgroups "$run_dir/cgroup.mounts"
  exec env PATH="$(engine_path)" dockerd \
    --host "$sock" \
    --data-root "$data_root" \
    --exec-root "$run_dir/exec" \
    --pidfile "$pidfile" \
    --cgroup-parent /d28 \
    --config-file "$run_dir/daemon.json"
}

cmd_fetch() {
  local p
  p=$(bash "$here/sid-packages.sh" engine-d28 "$version" "${packages[@]}")
  [ "$p" = "$prefix" ] || { echo "docknet: unexpected prefix $p" >&2; exit 1; }
  echo "$p"
}

cmd_ensure() {
  cmd_fetch >/dev/null
  mkdir -p "$run_dir"
  # Two `ensure` at once must not start two daemons.
  exec 8>"$run_dir/ensure.lock"
  flock 8
  if ! answers; then
    ensure_netns
    if daemon_pid >/dev/null; then
      echo "docknet: dockerd $version is starting (pid $(daemon_pid)); waiting" >&2
      local waited=0
      until answers || [ "$waited" -ge "${D28_WAIT:-60}" ]; do sleep 1; waited=$((waited + 1)); done
      answers || { echo "docknet: dockerd $version (pid $(daemon_pid)) does not answer; end of $log:" >&2; tail -n 30 "$log" >&2; exit 1; }
    else
      echo "docknet: starting dockerd $version in network namespace $ns (log: $log)" >&2
      start_daemon
    fi
  fi
  (cmd_run bash "$here/test-image.sh")
  echo "docknet: Docker $(client version --format '{{.Server.Version}}') answers in network namespace $ns: DOCKER_HOST=$sock (run commands with: scripts/engine-d28.sh run CMD…)" >&2
}

cmd_run() {
  [ $# -gt 0 ] || { echo "usage: $0 run CMD [ARG…]" >&2; exit 2; }
  [ -e "/run/netns/$ns" ] && [ -x "$prefix/usr/bin/docker" ] ||
    { echo "docknet: engine d28 is not set up; run: $0 ensure" >&2; exit 1; }
  # Inside the namespace, iptables calls land in its tables and 127.0.0.1 is its loopback.
  exec ip netns exec "$ns" env DOCKER_HOST="$sock" PATH="$(engine_path)" "$@"
}

cmd_stop() {
  local pid
  if ! pid=$(daemon_pid); then
    echo "docknet: dockerd $version is not running" >&2
    return 0
  fi
  stop_pid "$pid" "docknet: dockerd $version"
  echo "docknet: dockerd $version stopped (network namespace $ns kept)" >&2
}

cmd_status() {
  if answers; then
    echo "d28: running, Docker $(client version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') on $sock, network namespace $ns, pid $(daemon_pid || echo '?')"
  else
    echo "d28: not answering on $sock"
    return 3
  fi
}

case ${1:-} in
  ensure) cmd_ensure ;;
  fetch) cmd_fetch ;;
  run) shift; cmd_run "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  _daemon) cmd_daemon ;;
  *) echo "usage: $0 ensure | fetch | run CMD [ARG…] | stop | status" >&2; exit 2 ;;
esac
