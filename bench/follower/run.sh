#!/bin/bash
# bench/follower: a busy guest's capture through the sensor's live path
# (follower -> event log -> store), CPU per 1,000 records, with the offline
# decode of the same capture as the baseline (follower_bench.cpp).
# Usage: bench/follower/run.sh BUILD_DIR [COMMANDS] [RATE]
set -euo pipefail
build="${1:?usage: bench/follower/run.sh BUILD_DIR [COMMANDS] [RATE]}"
"$build/bench/oyster_follower_bench" "${2:-20000}" "${3:-1500}"
