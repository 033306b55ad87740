#!/bin/bash
# bench/store: events per second into the analyst's store, with a JSON
# parse-only baseline in the same run (see store_ingest_bench.cpp).
# Usage: bench/store/run.sh BUILD_DIR [EVENTS]
set -euo pipefail
build="${1:?usage: bench/store/run.sh BUILD_DIR [EVENTS]}"
"$build/bench/oyster_store_bench" "${2:-200000}"
