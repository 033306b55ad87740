#!/bin/bash
# Installs the Debian packages Oyster needs to build, run and test, skipping
# those already present. Idempotent; run by `make run` and `make test`.
# Usage: scripts/install-deps.sh [run|test]
set -euo pipefail

mode="${1:-test}"
run_pkgs=(
	# build
	build-essential cmake ninja-build pkg-config
	libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev libssl-dev
	# guest kernel and image
	linux-source-6.12 bc flex bison xz-utils debootstrap e2fsprogs fdisk jq libpam0g-dev
	# image task 17 reads the Debian kernel package's modules (ELF sizes)
	python3
	# host networking
	iproute2 nftables libnftables-dev libpcap-dev libseccomp-dev
	# the analyst's store: SQLite on a sensor, PostgreSQL (libpq) for a fleet
	libsqlite3-dev sqlite3 libpq-dev
	# evidence export (tar); reading guests' filesystems without mounting them
	libarchive-dev libext2fs-dev libmagic-dev libyara-dev
	# the web UI and its API
	libcpp-httplib-dev
	# live detection: Sigma rules (YAML read by libyaml; patterns run by RE2)
	libyaml-dev libre2-dev
	# live detection: protocols of guests' flows
	libndpi-dev
	# `oyster selftest stealth`: root's shell in a guest, the stock sshd it unpacks,
	# and the public fingerprinting tools it holds both against
	openssh-client sshpass libwrap0 ssh-audit nmap
)
test_pkgs=(
	libgtest-dev libgmock-dev clang clang-format clang-tidy libclang-rt-14-dev
	openssh-client sshpass jq netcat-openbsd asciinema tshark curl
	# the SMBIOS table builder is checked by a stock dmidecode (--from-dump)
	dmidecode
	# the syslog output is checked against a real collector
	rsyslog
	# the web UI is tested in Debian's Chromium, driven by playwright-core
	chromium
	# the sensor meets brute force as the internet sends it
	hydra
	# the outside scan (tests/integration/outside_scan.sh) is real Nmap
	nmap
	# an integration scenario that hangs shows the sensor's threads
	gdb
	# the central store's tests start a real PostgreSQL 15 of their own
	postgresql-15
)
pkgs=("${run_pkgs[@]}")
# The web UI is built with Node.js and npm at setup: the machine's own when
# it has them (the distribution's nodejs package otherwise).
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${missing[*]}) and not root: run as root" >&2
	exit 1
fi
echo "==> installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
