#!/usr/bin/env bash
# The main job on a new machine: installs what is missing, builds, records a
# one-minute simulated session (default config: sEEG montage + microwires, a
# scheduled ketamine dose), then prints where the file is, the session summary
# and the dose-aligned report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "demo: building (release)…"
swift build -c release --product ketamapd -q
swift build -c release --product ketamapctl -q
bin=$(swift build -c release --show-bin-path)
mkdir -p sessions
session="demo-$(date -u +%Y%m%dT%H%M%SZ)"
"$bin/ketamapd" --session "$session" --output-dir sessions --control-socket "sessions/$session.sock" --duration "${KETAMAP_DEMO_SECONDS:-60}"
echo
"$bin/ketamapctl" report "sessions/$session.nwb"
