#!/usr/bin/env bash
# Sets up a new machine and runs every test: the Swift tests (with the Python
# NWB checks), the ring stress tests under ThreadSanitizer, and the Comedi
# tests against the kernel's comedi_test driver in a VM.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --python
export KETAMAP_PYTHON="$PWD/.venv/bin/python"

echo "== swift test"
swift build --build-tests
# The ground-truth report test records channel-hours of simulated signal: with the
# release builds (GroundTruthReportTests).
swift build -c release --product ketamapd
swift build -c release --product ketamapctl
export KETAMAP_RELEASE_BIN="$(swift build -c release --show-bin-path)"
# One test at a time: several tests start child processes, which would inherit
# (and keep locked) the HDF5 files that concurrently running tests hold open.
swift test --skip-build --no-parallel

echo "== ring stress under ThreadSanitizer"
swift test --sanitize=thread --scratch-path .build-tsan --filter 'SampleRing|FeatureRing'

echo "== Comedi tests in the comedi_test VM"
scripts/comedi-vm-test.sh --no-build
scripts/comedi-vm-session-test.sh
scripts/comedi-vm-streams-test.sh
