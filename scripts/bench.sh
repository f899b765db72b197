#!/usr/bin/env bash
# npm run bench: prepare the machine like the tests do, then run the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-engine.sh
bash scripts/compose.sh ensure   # docker compose 2.40 (Debian sid's), the peer of the core bench
# The peers, as the tests find or build them (scripts/peers.sh; cached outside the repository).
TERRAFORM_BINARY=$(bash scripts/peers.sh terraform)
export TERRAFORM_BINARY
if kw=$(bash scripts/peers.sh kreuzwerker); then
  while read -r assignment; do export "${assignment?}"; done <<<"$kw"
else
  export KREUZWERKER_UNAVAILABLE="building kreuzwerker/terraform-provider-docker failed (see above)"
fi
node dist/bench/core.js
node dist/bench/terraform.js
node dist/bench/watch.js
