#!/bin/bash
# The CLI's contract with an operator: --help everywhere, bad configs named by
# file, line and key, clear errors for unknown guests and a missing platform.
set -euo pipefail
OYSTER="$(realpath "$1")"
work="$(mktemp -d /tmp/oyster-cli-XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Every command the CLI lists, found by walking its own --help (so a new
# command is covered without naming it here), the one it hides (run by
# image/build.sh), and the programs installed beside it.
subcommands() {  # words of a command
	"$OYSTER" "$@" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}
checked=0
check_help() {  # words of a command
	local help sub
	help="$("$OYSTER" "$@" --help)" || fail "oyster $* --help exits with an error"
	grep -q "^Usage: oyster" <<<"$help" || fail "oyster $* --help prints no usage"
	checked=$((checked + 1))
	for sub in $(subcommands "$@"); do check_help "$@" "$sub"; done
}
check_help
check_help lived-in
# The walk itself must have found the tree: 28 commands listed today.
[ "$checked" -ge 29 ] || fail "only $checked commands found to check --help on"
for program in oyster-capture-writer oyster-forensics-worker; do
	help="$("$(dirname "$OYSTER")/$program" --help)" || fail "$program --help exits with an error"
	grep -q "^Usage: $program" <<<"$help" || fail "$program --help prints no usage"
done

printf '[guest]\nmemory_mb = 512\n' > "$work/bad.toml"
if out="$("$OYSTER" --config "$work/bad.toml" guest list 2>&1)"; then fail "bad config accepted"; fi
[ "$out" = "oyster: $work/bad.toml:2: guest.memory_mb: unknown key" ] || fail "unclear error: $out"

printf '[network]\nguest_pool = "10.0.0.0/33"\n' > "$work/bad2.toml"
out="$("$OYSTER" --config "$work/bad2.toml" guest list 2>&1)" && fail "bad pool accepted"
grep -q "bad2.toml:2: network.guest_pool" <<<"$out" || fail "unclear error: $out"

out="$("$OYSTER" --config /nonexistent.toml guest list 2>&1)" && fail "missing config accepted"
[ "$out" = "oyster: /nonexistent.toml: cannot read config file" ] || fail "unclear error: $out"

printf '[paths]\nstate_dir = "%s/state"\n' "$work" > "$work/ok.toml"
out="$("$OYSTER" --config "$work/ok.toml" guest start 2>&1)" && fail "start without platform"
grep -q "run \`oyster setup\` first" <<<"$out" || fail "unclear error: $out"
out="$("$OYSTER" --config "$work/ok.toml" guest stop abcdef 2>&1)" && fail "stop of unknown guest"
[ "$out" = "oyster: no such guest 'abcdef'" ] || fail "unclear error: $out"
[ "$("$OYSTER" --config "$work/ok.toml" guest list --json)" = "[]" ] || fail "empty list is not []"
[ "$("$OYSTER" --config "$work/ok.toml" intrusion list --json)" = "[]" ] || fail "empty intrusion list is not []"
out="$("$OYSTER" --config "$work/ok.toml" run 2>&1)" && fail "run without platform"
grep -q "run \`oyster setup\` first" <<<"$out" || fail "unclear error: $out"
printf '[sensor]\nports = ["22"]\n' > "$work/bad3.toml"
out="$("$OYSTER" --config "$work/bad3.toml" run 2>&1)" && fail "bad port mapping accepted"
grep -q 'bad3.toml:2: sensor.ports: "22" is not "public:guest"' <<<"$out" || fail "unclear error: $out"
echo PASS
