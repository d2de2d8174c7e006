#!/usr/bin/env bash
# comedi-vm-test.sh: tests KetaMap's Comedi acquisition against the Linux kernel's
# real comedi_test driver, in a throwaway QEMU VM (run-in-comedi-vm).
#
#   scripts/comedi-vm-test.sh                      # build the tests, run the Comedi VM tests
#   scripts/comedi-vm-test.sh --no-build           # use the test bundle already built
#   scripts/comedi-vm-test.sh [VM OPTIONS] -- PROGRAM [ARGS...]
#                                                  # run any program in the same VM instead
#                                                  # (e.g. the daemon; see docs/hardware.md)
#
# VM OPTIONS are passed to run-in-comedi-vm (--data DIR, --out DIR, --add SRC[:DEST],
# --env NAME=VALUE, --timeout SEC, --buf-kb KB, -v, ...). The waveform is fixed here
# (--amplitude 1000000 µV, --period 100000 µs) and passed to the tests as
# COMEDI_VM_AMPLITUDE_UV / COMEDI_VM_PERIOD_US; inside the VM COMEDI_VM=1 and
# COMEDI_DEVICE=/dev/comedi0 are set, which is what enables the tests.
#
# Environment: COMEDI_VM_TOOL (path of run-in-comedi-vm; default: ../shared/tools/
# comedi-vm next to the repository, or PATH),
# SWIFT (default swift), COMEDI_VM_TEST_FILTER (default ComediVMTests),
# KETAMAP_CONFIGURATION (debug or release, default debug: the build whose test bundle
# runs; scripts/test.sh builds and tests release).
# Needs: Debian, root for its one-time apt installs (qemu-system-x86, cpio), network
# on first use (the Debian kernel package), libcomedi-dev to build.
# Exit status: 0 when every test passed, non-zero otherwise (the program's own status
# with -- PROGRAM).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SWIFT=${SWIFT:-swift}
FILTER=${COMEDI_VM_TEST_FILTER:-ComediVMTests}
CONFIGURATION=${KETAMAP_CONFIGURATION:-debug}
AMPLITUDE_UV=1000000
PERIOD_US=100000

find_tool() {
	if [ -n "${COMEDI_VM_TOOL:-}" ]; then echo "$COMEDI_VM_TOOL"; return; fi
	for candidate in "$REPO/../shared/tools/comedi-vm/run-in-comedi-vm"; do
		if [ -x "$candidate" ]; then echo "$candidate"; return; fi
	done
	command -v run-in-comedi-vm || true
}
TOOL=$(find_tool)
if [ -z "$TOOL" ] || [ ! -x "$TOOL" ]; then
	echo "comedi-vm-test: run-in-comedi-vm not found; set COMEDI_VM_TOOL to its path" >&2
	exit 2
fi

BUILD=1
VM_OPTS=()
PROGRAM=()
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) BUILD=0; shift ;;
	--) shift; PROGRAM=("$@"); break ;;
	*) VM_OPTS+=("$1"); shift ;;
	esac
done
VM_OPTS+=(--amplitude "$AMPLITUDE_UV" --period "$PERIOD_US"
	--env "COMEDI_VM_AMPLITUDE_UV=$AMPLITUDE_UV" --env "COMEDI_VM_PERIOD_US=$PERIOD_US")

cd "$REPO"
if [ ${#PROGRAM[@]} -gt 0 ]; then
	exec "$TOOL" "${VM_OPTS[@]}" -- "${PROGRAM[@]}"
fi

if [ $BUILD = 1 ]; then
	# A release build keeps internal symbols visible to the tests' @testable imports.
	testing=()
	[ "$CONFIGURATION" = release ] && testing=(-Xswiftc -enable-testing)
	"$SWIFT" build -c "$CONFIGURATION" --build-tests "${testing[@]}"
fi
BIN=$("$SWIFT" build -c "$CONFIGURATION" --show-bin-path)
BUNDLE=$(ls -d "$BIN"/*PackageTests.xctest 2>/dev/null | head -n 1)
if [ -z "$BUNDLE" ]; then
	echo "comedi-vm-test: no test bundle in $BIN; run without --no-build" >&2
	exit 2
fi

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
set +e
"$TOOL" "${VM_OPTS[@]}" -- "$BUNDLE" --testing-library swift-testing --filter "$FILTER" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
# A filter that matched nothing, or tests that were skipped (not in the VM), is a failure here.
if ! grep -Eq 'Test run with [1-9][0-9]* tests?( in [0-9]+ suites?)? passed' "$LOG"; then
	echo "comedi-vm-test: FAILED (status $status; no passing test run in the output)" >&2
	exit $(( status == 0 ? 1 : status ))
fi
if grep -Eq '(skipped|Skipped)' "$LOG"; then
	echo "comedi-vm-test: FAILED (tests were skipped inside the VM)" >&2
	exit 1
fi
echo "comedi-vm-test: passed"
exit "$status"
