#!/usr/bin/env python3
"""Checks what ketamapd recorded from two comedi_test boards at two rates in the
VM (Tests/comedi-vm/guest-streams.sh, run-in-comedi-vm --devices 2): each
stream's sample count at its card's rate, each board's own waveform (board 0:
±1 V sawtooth and square wave, period 0.1 s; board 1: ±2 V, period 0.25 s),
each series' rows of the one electrodes table, both streams' clock tables on
the one session clock (offsets agreeing, drift measured), and that pynwb,
nwbinspector and SpikeInterface accept the file.

Mid-session the guest froze only the micro stream's acquisition thread for
about 1 s: micro must hold one device-overrun gap of its own, where and as long
as the stall (less what its kernel buffer held), stored as zeros in its series;
seeg, read on by its own thread, no gap; the session ran to its end and exited 0.

usage: check_comedi_streams.py OUT_DIR   (prints one line per check; exit 0 when all pass)
"""
import re
import sys

import h5py
import numpy as np

from comedi_test_checks import check, check_sawtooth_and_square, summary
from stream_facts import inspect

SECONDS = 11
BOARDS = {"seeg": (1.0, 0.1, 4, [0, 1, 2, 3]), "micro": (2.0, 0.25, 2, [4, 5])}
# streams.toml's buffer_seconds, in frames, rounded up to whole 4 KiB pages as the kernel does.
BUFFER_FRAMES = {"seeg": 8192 // (4 * 2), "micro": 20480 // (2 * 2)}
STALLED = "micro"


def gap_rows(f):
    gaps = f.get("intervals/acquisition_gaps")
    if gaps is None:
        return []
    text = lambda name: [c.decode() if isinstance(c, bytes) else str(c) for c in gaps[name][()]]
    return list(zip(text("stream"), gaps["first_sample"][()].tolist(), gaps["sample_count"][()].tolist(), text("cause")))


def check_stall(stream, v, rate, gaps, clock, stall):
    """The stalled stream's one overrun gap: placed in the stall, as long as the
    stall less the buffer the thread drained after it, zeros in the series."""
    check(stall["policy"] == 1, f"{stream}: the frozen thread ran SCHED_FIFO (policy {stall['policy']:.0f})")
    check(len(gaps) == 1 and gaps[0][3] == "device-overrun", f"{stream}: one device-overrun gap of its own ({gaps})")
    if len(gaps) != 1:
        return
    _, first, count, _ = gaps[0]
    stalled = stall["thawed_at"] - stall["frozen_at"]
    buffered = BUFFER_FRAMES[stream] / rate
    check(abs(count / rate - (stalled - buffered)) < 0.2,
          f"{stream}: the gap ({count} frames = {count / rate:.3f} s) is the {stalled:.2f} s stall less the {buffered:.3f} s its kernel buffer held (within 0.2 s)")
    # The gap's first sample on the monotonic clock, through the clock row before it.
    t, n, o, mono = (clock[k][()] for k in ("timestamp", "sample_index", "offset_seconds", "monotonic_seconds"))
    row = max(np.searchsorted(n, first, side="right") - 1, 0)
    gap_start = first / rate + o[row] + (mono[row] - t[row])
    check(stall["frozen_at"] - 0.1 < gap_start < stall["thawed_at"],
          f"{stream}: the gap starts {gap_start - stall['frozen_at']:.3f} s into the {stalled:.2f} s stall (monotonic clock)")
    check(np.abs(v[first:first + count]).max() < 1e-3, f"{stream}: the gap is stored as zeros (0 V) in ElectricalSeries_{stream}")
    return first + count


def main():
    out = sys.argv[1]
    path = f"{out}/streams.nwb"
    stall = {k: float(x) for k, x in re.findall(r"(\w+)=(\S+)", open(f"{out}/stall.txt").read())}
    status = open(f"{out}/streams.status").read().strip()
    check(status == "0", f"the session ran on to its end and ketamapd exited {status} (on_fault = continue)")
    offsets = {}
    with h5py.File(path, "r") as f:
        gaps = gap_rows(f)
        for stream, (amplitude, period, channels, rows) in BOARDS.items():
            series = f[f"acquisition/ElectricalSeries_{stream}"]
            data = series["data"][()].astype(np.float64)
            rate = float(series["starting_time"].attrs["rate"])
            v = data * series["data"].attrs["conversion"] * series["channel_conversion"][()] + series["data"].attrs["offset"]
            check(v.shape == (round(SECONDS * rate), channels), f"{stream}: {v.shape[0]} frames × {v.shape[1]} channels = {SECONDS} s at the card's {rate} Hz")
            check(list(series["electrodes"][()]) == rows, f"{stream}: electrodes rows {list(series['electrodes'][()])} of the one table")
            clock = f[f"events/sample_clock_{stream}"]
            own = [g for g in gaps if g[0] == stream]
            if stream == STALLED:
                after = check_stall(stream, v, rate, own, clock, stall)
                if after is not None:
                    check_sawtooth_and_square(v[after:], rate, f"{stream}, after the gap", amplitude, period)
            else:
                check(not own, f"{stream}: no gap while its own thread read on through the other's stall ({own})")
                check_sawtooth_and_square(v, rate, stream, amplitude, period)
            t, n, o, d = (clock[k][()] for k in ("timestamp", "sample_index", "offset_seconds", "drift_ppm"))
            check(len(t) >= 2 and np.all(np.diff(t) > 0), f"{stream}: {len(t)} clock rows on the session clock at {np.round(t, 3).tolist()} s")
            check(np.allclose(o, t - n / rate, atol=1e-9), f"{stream}: offset = session time − sample index / rate on every row")
            # Under TCG emulation on a busy host the guest's clocks jitter by tens of ms:
            # the bounds say "placed on the session clock", not the ppm a real card achieves.
            check(abs(o[0]) < 0.5, f"{stream}: its samples sit {o[0] * 1000:.1f} ms off the session clock at the first row (< 500 ms)")
            check(np.all(np.isfinite(d[1:])) and abs(d[-1]) < 50_000,
                  f"{stream}: drift against the session clock measured: {np.round(d[1:], 1).tolist()} ppm (the last < 5 %)")
            offsets[stream] = o
    # Independent boards start apart (their commands start one after the other) and run on
    # their own timers: through the clock tables both stay placed on the session clock,
    # their difference steady to within a few blocks over the session (the overrun gap's
    # estimated length included).
    a, b = offsets["seeg"], offsets["micro"]
    k = min(len(a), len(b))
    between = a[:k] - b[:k]
    wander = (between.max() - between.min()) if k else float("nan")
    check(k >= 2 and wander < 0.25,
          f"the boards start {between[0] * 1000:.1f} ms apart; on the session clock their difference wanders by {wander * 1000:.1f} ms (< 250 ms under emulation)")
    summary_text = open(f"{out}/streams.summary").read()
    lost = dict(re.findall(r"lost\s+(\w+): (\d+) frames", summary_text))
    expected = {s: str(sum(g[2] for g in gaps if g[0] == s)) for s in BOARDS}
    check(lost == expected, f"the end-of-session summary counts each stream's loss as the file does ({lost})")
    problems = inspect(path, list(BOARDS))
    check(not problems, f"pynwb, nwbinspector and SpikeInterface accept the file {problems}")
    sys.exit(summary())


if __name__ == "__main__":
    main()
