#!/usr/bin/env bash
# The quick start: converge the bundled lab stack on the local Docker engine and show the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
spec=stacks/lab.yaml
echo "== docknet apply $spec"
bin/docknet apply "$spec" --yes
echo
echo "== docknet plan $spec --detailed-exitcode (a converged host has nothing to do)"
bin/docknet plan "$spec" --detailed-exitcode
echo
echo "== what docknet owns on this host"
docker network ls --filter label=io.docknet.stack=lab
docker ps --filter label=io.docknet.stack=lab --format 'table {{.Names}}\t{{.Status}}\t{{.Ports}}'
iptables -w -S DOCKER-USER | grep 'docknet:lab:' || true
echo
echo "== traffic: lab-client (lab-a) pings lab-web (lab-b) across the route: ttl=63 is one routed hop"
docker exec lab-client ping -c 2 -W 2 10.102.0.10
echo
echo "== traffic: the publish 127.0.0.1:18080 → lab-web:80"
for _ in $(seq 1 20); do
  out=$( (exec 3<>/dev/tcp/127.0.0.1/18080 && printf 'GET /index.html HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null || true)
  [ -n "$out" ] && break
  sleep 0.25
done
printf '%s\n' "$out" | tail -1
echo
echo "Remove it all again with: bin/docknet destroy $spec --yes"
