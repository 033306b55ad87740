#!/bin/bash
# bench/detection: live Sigma detection's cost, the engine alone (events/s
# with RULES rules, against the shipped rules) and on the sensor's live
# path (the capture follower with and without it) (detection_bench.cpp).
# Usage: bench/detection/run.sh BUILD_DIR [RULES] [COMMANDS] [RATE] [RUNS]
set -euo pipefail
build="${1:?usage: bench/detection/run.sh BUILD_DIR [RULES] [COMMANDS] [RATE] [RUNS]}"
"$build/bench/oyster_detection_bench" "${2:-300}" "${3:-20000}" "${4:-1500}" "${5:-5}"
