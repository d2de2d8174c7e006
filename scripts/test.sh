#!/usr/bin/env bash
# Sets up a new machine and runs every test: the Swift tests (with the Python
# NWB checks), the ring stress tests under ThreadSanitizer, and the Comedi
# tests against the kernel's comedi_test driver in a VM. The phases and what
# each costs: docs/getting-started.md, "What scripts/test.sh runs".
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase ends with its wall and CPU time, so that a slow one shows in the log.
phase() {
    local TIMEFORMAT="== $1: %R s wall, %U s user + %S s sys"
    shift
    echo "== $*"
    time "$@"
}

phase setup scripts/setup.sh --python
export KETAMAP_PYTHON="$PWD/.venv/bin/python"

phase "debug build" swift build --build-tests
# The ground-truth report test records channel-hours of simulated signal: with the
# release builds (GroundTruthReportTests).
phase "release ketamapd" swift build -c release --product ketamapd
phase "release ketamapctl" swift build -c release --product ketamapctl
export KETAMAP_RELEASE_BIN="$(swift build -c release --show-bin-path)"
# One test at a time. The tests run the release ketamapd and ketamapctl built
# above (KETAMAP_RELEASE_BIN, see ProcessRunner.binary). A parallel run
# (`swift test --skip-build`) starts every test at once: on two cores that made
# a load of 30 and 40 missed deadlines (READY=1, dose confirmations); a width
# of 3 (SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH) is not yet shown green
# under load. A child can still inherit a socket of the test process.
phase "swift test" swift test --skip-build --no-parallel

# Tests/ThreadSanitizer is a package of its own holding the ring tests (a link to
# Tests/KetaMapCoreTests/Ring): TSan rebuilds KetaMapCore and these tests only.
phase "ring stress under ThreadSanitizer" \
    swift test --package-path Tests/ThreadSanitizer --scratch-path .build-tsan --sanitize=thread

# The comedi_test VM: the ComediVMTests, the steady/overrun sessions, the two-board session.
phase "Comedi VM tests" scripts/comedi-vm-test.sh --no-build
phase "Comedi VM sessions" scripts/comedi-vm-session-test.sh
phase "Comedi VM streams" scripts/comedi-vm-streams-test.sh
