#!/usr/bin/env python3
"""Checks what ketamapd recorded from two comedi_test boards at two rates in the
VM (Tests/comedi-vm/guest-streams.sh, run-in-comedi-vm --devices 2): each
stream's sample count at its card's rate, each board's own waveform (board 0:
±1 V sawtooth and square wave, period 0.1 s; board 1: ±2 V, period 0.25 s),
each series' rows of the one electrodes table, both streams' clock tables on
the one session clock (offsets agreeing, drift measured), and that pynwb,
nwbinspector and SpikeInterface accept the file.

Mid-session the guest stalled only the micro stream's acquisition thread for
about 1 s: micro must hold one device-overrun gap of its own, where and as long
as the stall (less what its kernel buffer held), stored as zeros in its series.
Later board 1 was detached under micro's next overrun: micro stopped there as a
vanished device (on_fault = continue), one stream-stopped gap from its last
sample to the session's end. seeg, read on by its own thread, has no gap and
all its samples; the session ran to its end and exited 0.

usage: check_comedi_streams.py OUT_DIR   (prints one line per check; exit 0 when all pass)
"""
import re
import sys

import h5py
import numpy as np

from comedi_test_checks import check, check_sawtooth_and_square, summary
from stream_facts import inspect

SECONDS = 14
BOARDS = {"seeg": (1.0, 0.1, 4, [0, 1, 2, 3]), "micro": (2.0, 0.25, 2, [4, 5])}
STALLED = "micro"
# streams.toml's buffer_seconds of the stalled stream, in frames, rounded up to whole 4 KiB pages as the kernel does.
BUFFER_FRAMES = 20480 // (2 * 2)


def gap_rows(f):
    gaps = f.get("intervals/acquisition_gaps")
    if gaps is None:
        return []
    text = lambda name: [c.decode() if isinstance(c, bytes) else str(c) for c in gaps[name][()]]
    return list(zip(text("stream"), gaps["first_sample"][()].tolist(), gaps["sample_count"][()].tolist(), text("cause")))


def monotonic(sample, rate, clock):
    """Stream sample index → CLOCK_MONOTONIC seconds, through the clock row before it."""
    t, n, o, mono = (clock[k][()] for k in ("timestamp", "sample_index", "offset_seconds", "monotonic_seconds"))
    row = max(np.searchsorted(n, sample, side="right") - 1, 0)
    return sample / rate + o[row] + (mono[row] - t[row])


def check_stall(stream, v, rate, gaps, clock, stall):
    """The stalled stream's overrun gap: placed in the stall, as long as the
    stall less the buffer the thread drained after it, zeros in the series."""
    check(stall["policy"] == 1, f"{stream}: the stalled thread ran SCHED_FIFO (policy {stall['policy']:.0f})")
    # A host too busy to run the emulated guest for a quarter second overruns the small buffer
    # too (such gaps are listed, not failed): the stall's gap is the one that starts in it.
    overruns = [g for g in gaps if g[3] == "device-overrun"]
    in_stall = [g for g in overruns if stall["stalled_at"] - 0.1 < monotonic(g[1], rate, clock) < stall["resumed_at"]]
    check(len(in_stall) == 1, f"{stream}: one device-overrun gap of its own in the stall (all its gaps: {gaps})")
    if len(in_stall) != 1:
        return
    _, first, count, _ = in_stall[0]
    stalled = stall["resumed_at"] - stall["stalled_at"]
    buffered = BUFFER_FRAMES / rate
    check(abs(count / rate - (stalled - buffered)) < 0.2,
          f"{stream}: the gap ({count} frames = {count / rate:.3f} s) is the {stalled:.2f} s stall less the {buffered:.3f} s its kernel buffer held (within 0.2 s)")
    gap_start = monotonic(first, rate, clock)
    check(stall["stalled_at"] - 0.1 < gap_start < stall["resumed_at"],
          f"{stream}: the gap starts {gap_start - stall['stalled_at']:.3f} s into the {stalled:.2f} s stall (monotonic clock)")
    check(np.abs(v[first:first + count]).max() < 1e-3, f"{stream}: the gap is stored as zeros (0 V) in ElectricalSeries_{stream}")
    return first + count


def check_vanished(stream, frames, rate, gaps, clock, stall, log):
    """The detached board: the stream ends where the guest held its thread at the
    overrun's read, one stream-stopped gap from there to the session's end."""
    stops = [g for g in gaps if g[3] == "stream-stopped"]
    check(len(stops) == 1 and gaps[-1] == stops[0], f"{stream}: then one stream-stopped gap, its last ({gaps})")
    if len(stops) != 1:
        return
    _, first, count, _ = stops[0]
    end = monotonic(first, rate, clock)
    check(first == frames, f"{stream}: the gap starts where its series ends (sample {first})")
    check(stall["held_at"] < end < stall["detached_at"] + 0.1,
          f"{stream}: its last sample is {end - stall['held_at']:.3f} s into the {stall['detached_at'] - stall['held_at']:.2f} s the thread was held before the board was detached")
    # Counted from its last delivery, the drain of its buffer after the stall: the samples its
    # card never produced once that buffer was full (the stall less the buffer) are not in it.
    total = round(SECONDS * rate)
    check(total - 1.5 * rate < first + count <= total,
          f"{stream}: the gap runs to the session's end from its last delivery ({first} + {count} frames of {total}, estimated from the session clock)")
    vanished = [line for line in log.splitlines() if "stream stopped; the session records on without it" in line and f"stream={stream}" in line]
    check(len(vanished) == 1 and "the device went away" in vanished[0] and "on_fault=continue" in vanished[0],
          f"{stream}: the log says the device went away and the session records on without it")


def main():
    out = sys.argv[1]
    path = f"{out}/streams.nwb"
    stall = {k: float(x) for k, x in re.findall(r"(\w+)=(\S+)", open(f"{out}/stall.txt").read())}
    status = open(f"{out}/streams.status").read().strip()
    check(status == "0", f"the session ran on to its end and ketamapd exited {status} (micro's on_fault = continue)")
    offsets = {}
    with h5py.File(path, "r") as f:
        gaps = gap_rows(f)
        for stream, (amplitude, period, channels, rows) in BOARDS.items():
            series = f[f"acquisition/ElectricalSeries_{stream}"]
            data = series["data"][()].astype(np.float64)
            rate = float(series["starting_time"].attrs["rate"])
            v = data * series["data"].attrs["conversion"] * series["channel_conversion"][()] + series["data"].attrs["offset"]
            if stream != STALLED:
                check(v.shape == (round(SECONDS * rate), channels), f"{stream}: {v.shape[0]} frames × {v.shape[1]} channels = {SECONDS} s at the card's {rate} Hz")
            check(list(series["electrodes"][()]) == rows, f"{stream}: electrodes rows {list(series['electrodes'][()])} of the one table")
            clock = f[f"events/sample_clock_{stream}"]
            own = [g for g in gaps if g[0] == stream]
            if stream == STALLED:
                check(v.shape[1] == channels, f"{stream}: {v.shape[0]} frames × {v.shape[1]} channels at the card's {rate} Hz")
                after = check_stall(stream, v, rate, own, clock, stall)
                if after is not None:
                    check_sawtooth_and_square(v[after:], rate, f"{stream}, between the gaps", amplitude, period)
                check_vanished(stream, v.shape[0], rate, own, clock, stall, open(f"{out}/streams.log").read())
            else:
                check(not own, f"{stream}: no gap while its own thread read on through the other's stall ({own})")
                check(stall["seeg_wakeups"] > 10, f"{stream}: its thread woke {stall['seeg_wakeups']:.0f} times to read during the other's {stall['resumed_at'] - stall['stalled_at']:.2f} s stall")
                check_sawtooth_and_square(v, rate, stream, amplitude, period)
            t, n, o, d = (clock[k][()] for k in ("timestamp", "sample_index", "offset_seconds", "drift_ppm"))
            if stream == STALLED:
                # A row places the stream's delivered samples: one taken while its thread was
                # stopped (or draining its buffer, milliseconds, after it) lags by the stall. The drift is that
                # of the rows taken while it ran.
                mono = clock["monotonic_seconds"][()]
                ran = (mono < stall["held_at"]) & ~((mono > stall["stalled_at"]) & (mono < stall["resumed_at"] + 0.1))
                t, n, o, d = t[ran], n[ran], o[ran], d[ran]
            check(len(t) >= 2 and np.all(np.diff(t) > 0), f"{stream}: {len(t)} clock rows on the session clock at {np.round(t, 3).tolist()} s while it ran")
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
