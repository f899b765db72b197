#!/usr/bin/env bash
# The test command of the README and of CI (`npm test`): prepares the machine, runs the engine-free
# suites once and every other jest suite against each engine of the matrix, and prints "N passed,
# N failed, N skipped" per run and, last, for the whole run.
#
#   npm test                                          both engines: bookworm's Docker 20.10 on this
#                                                     machine's socket, then sid's Docker 28.5 in the
#                                                     network namespace d28 (scripts/engine-d28.sh)
#   DOCKER_HOST=unix:///var/run/docker.sock npm test  that engine only
#   DOCKER_HOST=unix:///run/d28/docker.sock npm test  the 28.5 engine only (run inside its namespace,
#                                                     so the firewall the tests read is that engine's)
#   npm test -- dist/test/integration/routes.test.js  jest arguments pass through
#
# The tests in test/remote/ make their own engines (network namespaces dnremote-*, dnswarm-*, with
# scripts/remote-engine.sh) and never read DOCKER_HOST: they run once per run, after the matrix, from
# this machine's namespace.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST_ENGINE=unix:///var/run/docker.sock
D28_ENGINE=unix:///run/d28/docker.sock

if [ -n "${DOCKER_HOST:-}" ]; then
  engines=("$DOCKER_HOST")
else
  engines=("$HOST_ENGINE" "$D28_ENGINE")
fi

bash scripts/ensure-engine.sh
for engine in "${engines[@]}"; do
  [ "$engine" = "$D28_ENGINE" ] && bash scripts/engine-d28.sh ensure
done
# The remote tests run sid's 28.5 in some of their own engines: its packages, not its daemon.
bash scripts/engine-d28.sh fetch >/dev/null

# docker compose 2.40 (Debian sid's), the peer of the compose interop tests.
bash scripts/compose.sh ensure

# The real peers, built from their Go modules into a cache outside the repository (minutes the first
# time, instant afterwards). Terraform: /usr/local/bin/terraform when it is 1.11, else a build.
TERRAFORM_BINARY=$(bash scripts/peers.sh terraform) || { echo "docknet: no Terraform 1.11 (see above)" >&2; exit 1; }
# First on PATH too: cdktf (through the wrapper docknet terraform install writes) finds it there.
export TERRAFORM_BINARY PATH="$(dirname "$TERRAFORM_BINARY"):$PATH"
# The Terraform Docker provider users compare docknet with, for the mixed-configuration test and the bench.
if kw=$(bash scripts/peers.sh kreuzwerker 2>/tmp/docknet-peers-kreuzwerker.log); then
  while read -r assignment; do export "${assignment?}"; done <<<"$kw"
else
  KREUZWERKER_UNAVAILABLE=$(grep -h 'peers: error:' /tmp/docknet-peers-kreuzwerker.log | tail -1)
  export KREUZWERKER_UNAVAILABLE=${KREUZWERKER_UNAVAILABLE:-building kreuzwerker/terraform-provider-docker failed (see /tmp/docknet-peers-kreuzwerker.log)}
  echo "docknet: $KREUZWERKER_UNAVAILABLE" >&2
fi
# The Pulumi CLI. Its Node.js language host of the same release is not on the module proxy; the
# newest one that is (an older release's) is used instead, and said so. When even that cannot be
# built, the CLI tests report a skip with the build's own error.
if pulumi_bin=$(DOCKNET_PULUMI_HOST_FALLBACK=1 bash scripts/peers.sh pulumi 2>/tmp/docknet-peers-pulumi.log); then
  export DOCKNET_PULUMI_BIN=$pulumi_bin
  grep -h 'warning:' /tmp/docknet-peers-pulumi.log >&2 || true
else
  DOCKNET_PULUMI_UNAVAILABLE=$(grep -h 'peers: error:' /tmp/docknet-peers-pulumi.log | tail -1)
  export DOCKNET_PULUMI_UNAVAILABLE=${DOCKNET_PULUMI_UNAVAILABLE:-building the Pulumi CLI failed (see /tmp/docknet-peers-pulumi.log)}
  echo "docknet: $DOCKNET_PULUMI_UNAVAILABLE" >&2
fi

# Runs jest for one run — "unit" (no engine), "remote" (tests that make their own engines, never
# reading DOCKER_HOST) or an engine of the matrix (everything else); the report goes to $2.
run_suite() {
  local run=$1 report=$2
  shift 2
  local jest=(npx jest --json --outputFile="$report" --passWithNoTests)
  # Array options last: jest would take the arguments after them for more of their values.
  local matrix=(--testPathIgnorePatterns /dist/test/unit/ /dist/test/remote/)
  [ $# -eq 0 ] || matrix=()  # files named on the command line run as asked
  case $run in
    unit) "${jest[@]}" "$@" --roots "$PWD/dist/test/unit" ;;
    remote) env -u DOCKER_HOST -u DOCKER_CONTEXT "${jest[@]}" "$@" --roots "$PWD/dist/test/remote" ;;
    "$D28_ENGINE") bash scripts/engine-d28.sh run "${jest[@]}" "$@" "${matrix[@]}" ;;
    *) DOCKER_HOST=$run "${jest[@]}" "$@" "${matrix[@]}" ;;
  esac
}

summary() {
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} ${r.numFailedTests} ${r.numPendingTests + r.numTodoTests}`);
  ' "$1"
}

# What runs where. Without arguments: the unit tests once, everything that needs an engine against
# each engine of the matrix, then the remote-engine tests once. With jest arguments: those, against
# each engine.
runs=()
if [ $# -eq 0 ]; then
  runs=(unit "${engines[@]}" remote)
else
  runs=("${engines[@]}")
fi

status=0
total=(0 0 0)
lines=()
for run in "${runs[@]}"; do
  report=$(mktemp)
  started=$SECONDS
  echo "== docknet tests: $run" >&2
  run_suite "$run" "$report" "$@" || status=$?
  if [ -s "$report" ]; then
    read -r passed failed skipped < <(summary "$report")
  else
    passed=0 failed=1 skipped=0
  fi
  rm -f "$report"
  total=($((total[0] + passed)) $((total[1] + failed)) $((total[2] + skipped)))
  case $run in
    unit) name="unit (no engine)" ;;
    remote) name="remote (engines of their own: ssh, context, tcp, fleet, swarm)" ;;
    *) name=$run ;;
  esac
  lines+=("$name: $passed passed, $failed failed, $skipped skipped ($((SECONDS - started))s)")
done
printf '%s\n' "${lines[@]}"
echo "${total[0]} passed, ${total[1]} failed, ${total[2]} skipped"
exit $status
