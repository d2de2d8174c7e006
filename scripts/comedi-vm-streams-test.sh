#!/usr/bin/env bash
# Records one session of two streams at two rates with ketamapd from two
# comedi_test boards (independent kernel timers, as two cards without a shared
# clock) inside the test VM, then checks the file on the host with h5py, pynwb
# and nwbinspector (Tests/python/check_comedi_streams.py).
# usage: scripts/comedi-vm-streams-test.sh   (after `swift build`, or the release build with
#   KETAMAP_CONFIGURATION=release; needs .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c "${KETAMAP_CONFIGURATION:-debug}" --show-bin-path)
out=$(mktemp -d)
tools=$(mktemp -d)
trap 'rm -rf "$out" "$tools"' EXIT
# The guest's way to stall one thread and to detach a board under it (see the file).
"${CC:-cc}" -O2 -static -o "$tools/stall-thread" Tests/comedi-vm/stall-thread.c
# Board 0 keeps the script's ±1 V / 0.1 s; board 1 is ±2 V / 0.25 s.
scripts/comedi-vm-test.sh --timeout 600 --devices 2 --wave 1=2000000,250000 --data Tests/comedi-vm --out "$out" \
    --add "$bin/ketamapd:/bin/ketamapd" --add "$tools/stall-thread:/bin/stall-thread" -- \
    "$PWD/Tests/comedi-vm/guest-streams.sh" /bin/ketamapd /bin/stall-thread
.venv/bin/python Tests/python/check_comedi_streams.py "$out"
