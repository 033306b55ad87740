#!/bin/bash
# bench/fleet: a fleet's central store on a real PostgreSQL 15 started for
# the run: 4 simulated sensors shipping at once, and the analyst's pages on
# the result, each beside SQLite in the same run (fleet_bench.cpp).
# Usage: bench/fleet/run.sh BUILD_DIR [EVENTS_PER_SENSOR]
set -euo pipefail
build="${1:?usage: bench/fleet/run.sh BUILD_DIR [EVENTS_PER_SENSOR]}"
"$build/bench/oyster_fleet_bench" "${2:-50000}"
