#!/bin/bash
# bench/forensics: one intrusion's forensic analysis on a synthetic guest
# disk, against a SHA-256-only baseline in the same run
# (forensics_bench.cpp). Usage: bench/forensics/run.sh BUILD_DIR
# [BASE_FILES] [ADDED]; works under /var/tmp (about 1 GB, removed after).
set -euo pipefail
build="${1:?usage: bench/forensics/run.sh BUILD_DIR [BASE_FILES] [ADDED]}"
OYSTER_DATA_DIR="${OYSTER_DATA_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}" \
	"$build/bench/oyster_forensics_bench" "${2:-20000}" "${3:-200}"
