#!/usr/bin/env python3
"""Checks what ketamapd recorded from two comedi_test boards at two rates in the
VM (Tests/comedi-vm/guest-streams.sh, run-in-comedi-vm --devices 2): each
stream's sample count at its card's rate, each board's own waveform (board 0:
±1 V sawtooth and square wave, period 0.1 s; board 1: ±2 V, period 0.25 s),
each series' rows of the one electrodes table, no gaps, both streams' clock
tables on the one session clock (offsets agreeing, drift measured), and that
pynwb, nwbinspector and SpikeInterface accept the file.

usage: check_comedi_streams.py OUT_DIR   (prints one line per check; exit 0 when all pass)
"""
import sys

import h5py
import numpy as np

from comedi_test_checks import check, check_sawtooth_and_square, summary
from stream_facts import inspect

SECONDS = 11
BOARDS = {"seeg": (1.0, 0.1, 4, [0, 1, 2, 3]), "micro": (2.0, 0.25, 2, [4, 5])}


def main():
    path = f"{sys.argv[1]}/streams.nwb"
    offsets = {}
    with h5py.File(path, "r") as f:
        for stream, (amplitude, period, channels, rows) in BOARDS.items():
            series = f[f"acquisition/ElectricalSeries_{stream}"]
            data = series["data"][()].astype(np.float64)
            rate = float(series["starting_time"].attrs["rate"])
            v = data * series["data"].attrs["conversion"] * series["channel_conversion"][()] + series["data"].attrs["offset"]
            check(v.shape == (round(SECONDS * rate), channels), f"{stream}: {v.shape[0]} frames × {v.shape[1]} channels = {SECONDS} s at the card's {rate} Hz")
            check(list(series["electrodes"][()]) == rows, f"{stream}: electrodes rows {list(series['electrodes'][()])} of the one table")
            check_sawtooth_and_square(v, rate, stream, amplitude, period)
            clock = f[f"events/sample_clock_{stream}"]
            t, n, o, d = (clock[k][()] for k in ("timestamp", "sample_index", "offset_seconds", "drift_ppm"))
            check(len(t) >= 2 and np.all(np.diff(t) > 0), f"{stream}: {len(t)} clock rows on the session clock at {np.round(t, 3).tolist()} s")
            check(np.allclose(o, t - n / rate, atol=1e-9), f"{stream}: offset = session time − sample index / rate on every row")
            # Under TCG emulation on a busy host the guest's clocks jitter by tens of ms:
            # the bounds say "placed on the session clock", not the ppm a real card achieves.
            check(abs(o[0]) < 0.5, f"{stream}: its samples sit {o[0] * 1000:.1f} ms off the session clock at the first row (< 500 ms)")
            check(np.all(np.isfinite(d[1:])) and abs(d[-1]) < 50_000,
                  f"{stream}: drift against the session clock measured: {np.round(d[1:], 1).tolist()} ppm (the last < 5 %)")
            offsets[stream] = o
        gaps = f.get("intervals/acquisition_gaps")
        check(gaps is None, "no gaps")
    # Independent boards start apart (their commands start one after the other) and run on
    # their own timers: through the clock tables both stay placed on the session clock,
    # their difference steady to within a few blocks over the session.
    a, b = offsets["seeg"], offsets["micro"]
    k = min(len(a), len(b))
    between = a[:k] - b[:k]
    wander = (between.max() - between.min()) if k else float("nan")
    check(k >= 2 and wander < 0.25,
          f"the boards start {between[0] * 1000:.1f} ms apart; on the session clock their difference wanders by {wander * 1000:.1f} ms (< 250 ms under emulation)")
    problems = inspect(path, list(BOARDS))
    check(not problems, f"pynwb, nwbinspector and SpikeInterface accept the file {problems}")
    sys.exit(summary())


if __name__ == "__main__":
    main()
