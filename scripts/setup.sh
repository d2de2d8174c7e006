#!/usr/bin/env bash
# Installs what KetaMap needs on a fresh Debian 12, as root: the C libraries
# (comedilib, HDF5, libsystemd, libcrypto; librsvg for the report pictures' tests) and,
# with --python, the virtualenv `.venv` holding the pinned NWB tools the tests
# check files with and the repository's Python package `ketamap`.
set -euo pipefail
cd "$(dirname "$0")/.."

# systemd and man-db: systemd-analyze, systemd-sysusers, systemd-tmpfiles, systemd-journald (the journal-fields test runs one of its own) and man for the install tests;
# librsvg2-bin: rsvg-convert renders the report's pictures in their tests.
packages=(libcomedi-dev libhdf5-dev libsystemd-dev libssl-dev hdf5-tools pkg-config python3-venv systemd man-db librsvg2-bin)
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
    # uv installs the pins (and the ~100 packages they pull in) in parallel: a
    # fresh .venv takes about 20 s instead of pip's three minutes, most of which
    # were pip's one-at-a-time index requests and downloads.
    stamp=.venv/.requirements
    if ! cmp -s scripts/requirements.txt "$stamp" 2>/dev/null; then
        echo "setup: creating .venv with $(grep -c '==' scripts/requirements.txt) pinned packages"
        rm -rf .venv
        python3 -m venv --without-pip .venv
        python3 -m pip --python .venv/bin/python install -q --disable-pip-version-check "$(grep '^uv==' scripts/requirements.txt)"
        .venv/bin/uv pip install -q --python .venv/bin/python -r scripts/requirements.txt
        cp scripts/requirements.txt "$stamp"
    fi
    # The repository's own Python package (python/), reinstalled whenever one of its files changed.
    package_stamp=.venv/.ketamap-package
    package_hash=$(find python -type f -not -path 'python/build/*' -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -print0 |
        sort -z | xargs -0 sha256sum | sha256sum)
    if [[ "$package_hash" != "$(cat "$package_stamp" 2>/dev/null)" ]]; then
        .venv/bin/uv pip install -q --python .venv/bin/python --no-deps ./python
        echo "$package_hash" >"$package_stamp"
    fi
fi
