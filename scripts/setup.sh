#!/usr/bin/env bash
# Installs what KetaMap needs on a fresh Debian 12, as root: the C libraries
# (comedilib, HDF5, libsystemd; librsvg for the report pictures' tests) and,
# with --python, the virtualenv `.venv` holding the pinned NWB tools the tests
# check files with and the repository's Python package `ketamap`.
set -euo pipefail
cd "$(dirname "$0")/.."

# systemd and man-db: systemd-analyze, systemd-sysusers, systemd-tmpfiles, systemd-journald (the journal-fields test runs one of its own) and man for the install tests;
# librsvg2-bin: rsvg-convert renders the report's pictures in their tests.
packages=(libcomedi-dev libhdf5-dev libsystemd-dev hdf5-tools pkg-config python3-venv systemd man-db librsvg2-bin)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--python" ]]; then
    stamp=.venv/.requirements
    if ! cmp -s scripts/requirements.txt "$stamp" 2>/dev/null; then
        echo "setup: creating .venv with $(grep -c '==' scripts/requirements.txt) pinned packages"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements.txt
        cp scripts/requirements.txt "$stamp"
    fi
    # The repository's own Python package (python/), reinstalled every time: it changes with the code.
    .venv/bin/pip install -q --disable-pip-version-check --no-deps ./python
fi
