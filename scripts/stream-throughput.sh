#!/usr/bin/env bash
# Records the hybrid example (config/examples/hybrid-two-cards: 64 sEEG contacts
# at 2 kHz and 8 microwires at 30 kHz, two streams) simulated in real time with
# processing on, then the same 72 channels as one stream at 30 kHz; prints, for
# each, CPU per thread (utime + stime over the run) and the bytes the session
# file takes, per second and per hour.
# usage: scripts/stream-throughput.sh [SECONDS] [DIR]   (default 60 s; after `swift build -c release`,
#        or CONFIGURATION=debug after `swift build`)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
dir=${2:-$(mktemp -d)}
bin=$(swift build -c "${CONFIGURATION:-release}" --show-bin-path)  # CONFIGURATION=debug measures the debug build
example=config/examples/hybrid-two-cards
ticks=$(getconf CLK_TCK)
cp "$example"/*.tsv "$dir/"
sed -e 's/kind = "comedi"/kind = "sim"/' "$example/ketamapd.toml" > "$dir/hybrid.toml"
# One rate for all: the same contacts and wires as one [source] at 30 kHz.
{
    sed -n '/^\[session\]/,/^age/p' "$example/ketamapd.toml"
    printf '\n[source]\nkind = "sim"\nsample_rate_hz = 30000\n\n[montage]\nchannels = "one-rate-channels.tsv"\nelectrodes = "electrodes.tsv"\n\n'
    sed -n '/^\[processing\]/,$p' "$example/ketamapd.toml"
} > "$dir/one-rate.toml"
{
    cat "$example/seeg-channels.tsv"
    tail -n +2 "$example/micro-channels.tsv" | awk -F'\t' 'BEGIN { OFS = "\t" } { $11 = $11 + 64; print }'
} | sed 's/\t2000\t/\t30000\t/' > "$dir/one-rate-channels.tsv"

run() {
    local session=$1 config=$2
    "$bin/ketamapd" --config "$config" --session "$session" --output-dir "$dir" --control-socket "$dir/$session.sock" \
        --duration "$seconds" 2> "$dir/$session.log" &
    local pid=$!
    sleep $((seconds - 2))
    echo "== $session: CPU per thread over $((seconds - 2)) s"
    for task in /proc/$pid/task/*; do
        read -r name < "$task/comm"
        awk -v n="$name" -v t="$ticks" -v s="$((seconds - 2))" '$14 + $15 > 0 { printf "  %-16s %6.1f %% of a core\n", n, 100 * ($14 + $15) / t / s }' "$task/stat"
    done
    wait "$pid"
    local bytes
    bytes=$(stat -c %s "$dir/$session.nwb")
    awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "  file: %.1f MB in %d s = %.3f MB/s = %.2f GB an hour\n", b / 1e6, s, b / 1e6 / s, b / 1e9 / s * 3600 }'
}
run hybrid "$dir/hybrid.toml"
run one-rate "$dir/one-rate.toml"
