#!/usr/bin/env bash
# Whole pipeline at scale: ketamapd fed at CHANNELS × 30 kHz in real time by
# replaying a prepared recording in a loop, processing on, for SECONDS. Prints
# lost samples, ring high-water marks, CPU per thread and MB/s written.
#
# usage: [RING_SECONDS=4] scripts/scale-run.sh [CHANNELS=4096] [SECONDS=180] [DIR=/var/tmp/ketamap-scale]
# Needs free disk of CHANNELS × 65 kB × SECONDS (4096 ch: 267 MB/s), and
# CHANNELS × 60 kB × RING_SECONDS of memory for the sample ring.
set -euo pipefail
cd "$(dirname "$0")/.."
channels=${1:-4096}
seconds=${2:-180}
dir=${3:-/var/tmp/ketamap-scale}
scripts/setup.sh --python
swift build -c release --product ketamapd -q
swift build -c release --product ketamapctl -q
bin=$(swift build -c release --show-bin-path)
mkdir -p "$dir"
recording="$dir/replay-$channels.dat"
[[ -s $recording ]] || .venv/bin/python scripts/make-replay-recording.py "$recording" --channels "$channels" --seconds 2
# The default configuration, with the ring length asked for.
sed "s/^ring_seconds = .*/ring_seconds = ${RING_SECONDS:-4}/" config/ketamapd.toml > "$dir/scale.toml"
cp config/channels.tsv config/electrodes.tsv "$dir/"
session="scale-$channels-$(date -u +%H%M%S)"
rm -f "$dir"/scale-*.nwb "$dir"/scale-*.events.jsonl
"$bin/ketamapd" --config "$dir/scale.toml" --session "$session" --output-dir "$dir" --control-socket "$dir/$session.sock" --duration "$seconds" \
    --source "replay:$recording?channels=$channels&rate=30000&uv_per_bit=0.195&loop" --log-level warning &
pid=$!
sleep $((seconds / 2))
# CPU seconds per thread so far (utime + stime, in clock ticks).
ticks=$(getconf CLK_TCK)
echo "CPU per thread at $((seconds / 2)) s:"
for task in /proc/$pid/task/*; do
    read -r name < "$task/comm"
    awk -v n="$name" -v t="$ticks" -v s="$((seconds / 2))" '{ printf "  %-16s %6.1f %% of a core\n", n, 100 * ($14 + $15) / t / s }' "$task/stat"
done | sort -k2 -nr | head -8
sleep $((seconds - seconds / 2 - 3))
"$bin/ketamapctl" status --socket "$dir/$session.sock" --json > "$dir/$session.status.json"
wait $pid
.venv/bin/python - "$dir/$session.status.json" "$dir/$session.nwb" "$seconds" <<'PY'
import json, os, sys
status = json.load(open(sys.argv[1]))
size = os.path.getsize(sys.argv[2])
seconds = float(sys.argv[3])
print(f"lost frames: {status['lostFrames']} in {status['gapCount']} gaps; dropped feature rows: {status['droppedFeatureRows']}")
for b in status["buffers"]:
    print(f"ring {b['consumer']}: high-water {b['highWaterFrames']} of {b['capacityFrames']} frames ({100 * b['highWaterFrames'] / b['capacityFrames']:.1f} %)")
print(f"file: {size / 1e9:.1f} GB, {size / 1e6 / seconds:.0f} MB/s over {seconds:.0f} s")
PY
