#!/usr/bin/env bash
# The test command of the README and of CI: prepares the machine, then runs every jest suite against
# the real Docker engine and firewall, and prints "N passed, N failed, N skipped" last.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
report=$(mktemp)
status=0
npx jest --json --outputFile="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report"
exit $status
