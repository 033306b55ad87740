#!/bin/bash
# Builds the web UI (web/dist) from the npm packages package-lock.json
# pins: run by `oyster setup`. Nothing is fetched at run time and no page
# loads anything from elsewhere. Reinstalls node_modules only when the
# lockfile changed.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.oyster-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "==> web UI: installing npm packages (package-lock.json)" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2
	echo "$want" >"$stamp"
fi
echo "==> web UI: building web/dist" >&2
node build.mjs >&2
