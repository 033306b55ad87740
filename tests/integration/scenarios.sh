#!/bin/bash
# The scenario harness the sensor test is built on (lib.sh `scenario`), on
# its own, without a world: a failing scenario ends alone at its first
# failed command, the next one runs, one built on the failed one is skipped,
# what a scenario keeps reaches the later ones, and the end fails naming
# the failed and the skipped.
OYSTER="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"

finds_something() { found=42; keep found; }
fails_halfway() {
	[ "$found" = 42 ] || fail "the kept variable did not arrive"
	false
	touch "$WORK/after-the-failure"
}
runs_after_a_failure() { echo "$found" >"$WORK/ran"; }
builds_on_the_failed_one() { touch "$WORK/built-on-failure"; }

scenario finds_something
scenario fails_halfway after finds_something
scenario runs_after_a_failure after finds_something
scenario builds_on_the_failed_one after fails_halfway

[ ! -e "$WORK/after-the-failure" ] || fail "a scenario went on past its failed command"
[ "$(cat "$WORK/ran" 2>/dev/null)" = 42 ] || fail "the scenario after a failure did not run with the kept value"
[ ! -e "$WORK/built-on-failure" ] || fail "a scenario built on a failed one ran"
set +e
summary=$( (scenarios_done) 2>&1)
rc=$?
set -e
[ $rc != 0 ] || fail "scenarios_done passed with a failed scenario"
matches -x "FAIL: scenario fails_halfway" <<<"$summary" || fail "the summary does not name the failed scenario: $summary"
matches -x "FAIL: scenario builds_on_the_failed_one (skipped: fails_halfway did not pass)" <<<"$summary" ||
	fail "the summary does not name the skipped scenario: $summary"
matches "runs_after_a_failure" <<<"$summary" && fail "the summary names a scenario that passed: $summary"
SCENARIOS_FAILED=()
scenarios_done
