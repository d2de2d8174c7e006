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
# One test at a time. Child processes inherit no open file (Foundation's Process
# closes every descriptor but 0-2, and libhdf5's files are close-on-exec), and
# tests wait asynchronously, so a parallel run (`swift test --skip-build`) no
# longer stalls; but on two cores the daemon tests, run together, miss their
# timing checks (status figures, --duration deadlines). Serial is the default.
swift test --skip-build --no-parallel

echo "== ring stress under ThreadSanitizer"
# Tests/ThreadSanitizer is a package of its own holding the ring tests (a link to
# Tests/KetaMapCoreTests/Ring): TSan rebuilds KetaMapCore and these tests only.
swift test --package-path Tests/ThreadSanitizer --scratch-path .build-tsan --sanitize=thread

echo "== Comedi tests in the comedi_test VM"
scripts/comedi-vm-test.sh --no-build
scripts/comedi-vm-session-test.sh
scripts/comedi-vm-streams-test.sh
