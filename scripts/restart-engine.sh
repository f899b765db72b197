#!/usr/bin/env bash
# Restarts the Docker engine DOCKER_HOST names, as an operator (or a package upgrade) would, and waits
# until it answers again. For the tests that prove docknet survives an engine restart.
#
#   DOCKER_HOST=unix:///var/run/docker.sock scripts/restart-engine.sh   bookworm's 20.10 on this machine
#                                                                       (also when DOCKER_HOST is unset)
#   DOCKER_HOST=unix:///run/d28/docker.sock scripts/restart-engine.sh   sid's 28.5 in the namespace d28
#
# The host engine: SIGTERM to the running dockerd, wait for it to exit, start it again the way
# scripts/ensure-engine.sh does, wait until it answers. The d28 engine: scripts/engine-d28.sh stop, then
# ensure (also from inside d28, as the tests against 28.5 run: the cgroup mounts recorded at its first
# start are used again).
# Environment: RESTART_WAIT (seconds to wait for each of stop and start, default 60).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
HOST_ENGINE=unix:///var/run/docker.sock
D28_ENGINE=unix:///run/d28/docker.sock
engine=${DOCKER_HOST:-$HOST_ENGINE}
wait_s=${RESTART_WAIT:-60}

case $engine in
  "$HOST_ENGINE" | "$D28_ENGINE") ;;
  *) echo "restart-engine: DOCKER_HOST=$engine is neither $HOST_ENGINE nor $D28_ENGINE" >&2; exit 2 ;;
esac

# The host's engine belongs to the machine's network namespace: restarting it from inside d28 would
# start it there.
in_d28() { [ -e /run/netns/d28 ] && [ "$(stat -L -c %i /proc/self/ns/net)" = "$(stat -L -c %i /run/netns/d28)" ]; }
if [ "$engine" = "$HOST_ENGINE" ] && in_d28; then
  echo "restart-engine: run this from the machine's own network namespace to restart $HOST_ENGINE (this shell is in d28)" >&2
  exit 2
fi

if [ "$engine" = "$D28_ENGINE" ]; then
  bash "$here/engine-d28.sh" stop
  D28_WAIT=$wait_s bash "$here/engine-d28.sh" ensure
  exit 0
fi

answers() { DOCKER_HOST=$HOST_ENGINE docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

pid=$(cat /var/run/docker.pid 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  echo "restart-engine: stopping dockerd (pid $pid)" >&2
  kill -TERM "$pid"
  waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$wait_s" ]; then
      echo "restart-engine: dockerd (pid $pid) still running after ${wait_s}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
else
  echo "restart-engine: no dockerd running (no live pid in /var/run/docker.pid)" >&2
fi

echo "restart-engine: starting dockerd (log: /var/log/docknet-dockerd.log)" >&2
# As scripts/ensure-engine.sh starts it; its own session, so it outlives whoever called this script.
setsid nohup dockerd >>/var/log/docknet-dockerd.log 2>&1 </dev/null &
waited=0
until answers; do
  if [ "$waited" -ge "$wait_s" ]; then
    echo "restart-engine: dockerd did not answer within ${wait_s}s; see /var/log/docknet-dockerd.log" >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
echo "restart-engine: Docker $(DOCKER_HOST=$HOST_ENGINE docker version --format '{{.Server.Version}}') answers on $HOST_ENGINE" >&2
