#!/usr/bin/env bash
# npm run bench: prepare the machine like the tests do, then run the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
node dist/bench/core.js
node dist/bench/terraform.js
node dist/bench/watch.js
