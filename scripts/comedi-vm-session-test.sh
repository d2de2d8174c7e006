#!/usr/bin/env bash
# Records sessions with ketamapd from the kernel's comedi_test driver inside the
# test VM (a steady one, and one overrun by pausing the daemon), then checks the
# files on the host with h5py (Tests/python/check_comedi_session.py).
# usage: scripts/comedi-vm-session-test.sh   (after `swift build`, or the release build with
#   KETAMAP_CONFIGURATION=release; needs .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c "${KETAMAP_CONFIGURATION:-debug}" --show-bin-path)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/comedi-vm-test.sh --timeout 600 --data Tests/comedi-vm --out "$out" \
    --add "$bin/ketamapd:/bin/ketamapd" --add "$bin/ketamapctl:/bin/ketamapctl" -- \
    "$PWD/Tests/comedi-vm/guest-session.sh" /bin/ketamapd /bin/ketamapctl
.venv/bin/python Tests/python/check_comedi_session.py "$out"
