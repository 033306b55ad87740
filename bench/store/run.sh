#!/bin/bash
# bench/store: events per second into the analyst's store (alone and with
# every event output on), with a JSON parse-only baseline in the same run;
# then the analyst's queries on a big store against a store a hundredth
# its size (store_ingest_bench.cpp, store_query_bench.cpp).
# Usage: bench/store/run.sh BUILD_DIR [EVENTS] [QUERY_EVENTS]
#   QUERY_EVENTS=10000000 builds the 100,000-session store of
#   docs/performance.md (about 3 minutes and 6 GB under /var/tmp).
set -euo pipefail
build="${1:?usage: bench/store/run.sh BUILD_DIR [EVENTS] [QUERY_EVENTS]}"
"$build/bench/oyster_store_bench" "${2:-200000}"
"$build/bench/oyster_store_query_bench" "${3:-1000000}"
