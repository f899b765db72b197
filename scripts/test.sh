#!/usr/bin/env bash
# The test command of the README and of CI (`npm test`): prepares the machine, then runs every jest
# suite against each engine of the matrix, and prints "N passed, N failed, N skipped" per engine and,
# last, for the whole run.
#
#   npm test                                          both engines: bookworm's Docker 20.10 on this
#                                                     machine's socket, then sid's Docker 28.5 in the
#                                                     network namespace d28 (scripts/engine-d28.sh)
#   DOCKER_HOST=unix:///var/run/docker.sock npm test  that engine only
#   DOCKER_HOST=unix:///run/d28/docker.sock npm test  the 28.5 engine only (run inside its namespace,
#                                                     so the firewall the tests read is that engine's)
#   npm test -- dist/test/integration/routes.test.js  jest arguments pass through
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

# Runs jest against one engine; the report goes to $2.
run_suite() {
  local engine=$1 report=$2
  shift 2
  if [ "$engine" = "$D28_ENGINE" ]; then
    bash scripts/engine-d28.sh run npx jest --json --outputFile="$report" "$@"
  else
    DOCKER_HOST=$engine npx jest --json --outputFile="$report" "$@"
  fi
}

summary() {
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} ${r.numFailedTests} ${r.numPendingTests + r.numTodoTests}`);
  ' "$1"
}

status=0
total=(0 0 0)
lines=()
for engine in "${engines[@]}"; do
  report=$(mktemp)
  started=$SECONDS
  echo "== docknet tests against $engine" >&2
  run_suite "$engine" "$report" "$@" || status=$?
  if [ -s "$report" ]; then
    read -r passed failed skipped < <(summary "$report")
  else
    passed=0 failed=1 skipped=0
  fi
  rm -f "$report"
  total=($((total[0] + passed)) $((total[1] + failed)) $((total[2] + skipped)))
  lines+=("$engine: $passed passed, $failed failed, $skipped skipped ($((SECONDS - started))s)")
done
printf '%s\n' "${lines[@]}"
echo "${total[0]} passed, ${total[1]} failed, ${total[2]} skipped"
exit $status
