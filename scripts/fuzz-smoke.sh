#!/bin/bash
# Runs every libFuzzer target in a build directory for a fixed time from a
# copy of its seed corpus, several targets at once (one per core): the smoke
# is wall-clock bound, and running the targets one after another left a core
# idle for a quarter of the CI budget. Each target's output is held until it
# ends, so targets' lines never interleave.
#
# A hang is a failure within a bounded time, never a stalled CI run: one
# input may take at most unit_seconds (libFuzzer's -timeout, default 20
# minutes, reports it with its reproducer), and a target that still has
# not ended a while after its time is killed by `timeout`.
#   scripts/fuzz-smoke.sh BUILD_FUZZ SECONDS JOBS
set -uo pipefail
build=$1 seconds=$2 jobs=$3
unit_seconds=25
corpus_root=$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz/corpus
out=$(mktemp -d)
# Crashing and hanging inputs, kept for their reproduction.
artifacts=$(cd "$build" && pwd)/fuzz-artifacts
mkdir -p "$artifacts"
trap 'rm -rf "$out"' EXIT

run_one() {
  local f=$1 name work rc
  name=$(basename "$f")
  work=$(mktemp -d)
  cp -r "$corpus_root/${name#fuzz_}/." "$work/" 2>/dev/null || true
  timeout -k 10 $((seconds + unit_seconds + 60)) \
    "$f" -max_total_time="$seconds" -timeout="$unit_seconds" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$work" >"$out/$name.log" 2>&1
  rc=$?
  [ "$rc" = 124 ] && echo "fuzz-smoke: $name did not end in time; killed" >>"$out/$name.log"
  rm -rf "$work"
  echo "$rc" >"$out/$name.rc"
  {
    echo "==> $name for $seconds s: exit $rc"
    if [ "$rc" = 0 ]; then
      grep -E '^(stat::number_of_executed_units|INFO: seed corpus)' "$out/$name.log"
    else
      # The crash report and the reproducer's name: everything, since the
      # interesting lines vary by sanitizer.
      tail -n 60 "$out/$name.log"
    fi
  }
}
export -f run_one
export out seconds unit_seconds corpus_root artifacts

targets=("$build"/tests/fuzz/fuzz_*)
if [ ! -x "${targets[0]}" ]; then
  echo "fuzz: no targets under $build/tests/fuzz" >&2
  exit 2
fi
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1"' _ {}

passed=0 failed=()
for f in "${targets[@]}"; do
  name=$(basename "$f")
  if [ "$(cat "$out/$name.rc" 2>/dev/null)" = 0 ]; then
    passed=$((passed + 1))
  else
    failed+=("$name")
  fi
done
echo "fuzz: $passed passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[ ${#failed[@]} = 0 ]
