#!/bin/bash
# bench/flows: nDPI and the network rules on a guest's tap capture, against
# the capture's own pcap writing in the same run (flow_bench.cpp).
# Usage: bench/flows/run.sh BUILD_DIR [CONVERSATIONS] [RUNS]
set -euo pipefail
build="${1:?usage: bench/flows/run.sh BUILD_DIR [CONVERSATIONS] [RUNS]}"
"$build/bench/oyster_flow_bench" "${2:-2000}" "${3:-5}"
