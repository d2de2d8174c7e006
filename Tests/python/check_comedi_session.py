#!/usr/bin/env python3
"""Checks what ketamapd recorded from the kernel's comedi_test driver in the VM
(Tests/comedi-vm/guest-session.sh): sample counts at the card's reported rate,
channel 0's ±1 V sawtooth and channel 1's ±1 V square wave (period 0.1 s,
within 1 %), 0 V on channels 2–7, the device listing, and an overrun recorded
as a gap after which recording resumed; the steady session's log shows
SCHED_FIFO granted and memory locked.

usage: check_comedi_session.py OUT_DIR   (prints one line per check; exit 0 when all pass)
"""
import sys

import h5py
import numpy as np

AMPLITUDE_V = 1.0
PERIOD_S = 0.1
results = []


def check(ok, what):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + what)


def volts(path):
    with h5py.File(path, "r") as f:
        series = f["acquisition/ElectricalSeries"]
        data = series["data"][()].astype(np.float64)
        scale = series["data"].attrs["conversion"] * (series["channel_conversion"][()] if "channel_conversion" in series else 1.0)
        rate = float(series["starting_time"].attrs["rate"])
        gaps = f.get("intervals/acquisition_gaps")
        gap_rows = []
        if gaps is not None:
            causes = [c.decode() if isinstance(c, bytes) else str(c) for c in gaps["cause"][()]]
            gap_rows = list(zip(gaps["first_sample"][()].tolist(), gaps["sample_count"][()].tolist(), causes))
        return data * scale + series["data"].attrs["offset"], rate, gap_rows


def period_of_drops(signal, rate, threshold):
    """Median spacing (s) of the sample indices where the signal falls by more than `threshold`."""
    drops = np.flatnonzero(np.diff(signal) < -threshold)
    return np.median(np.diff(drops)) / rate if len(drops) > 2 else float("nan")


def check_waveforms(v, rate, label):
    saw, square = v[:, 0], v[:, 1]
    check(abs(saw.max() - AMPLITUDE_V) < 0.01 * AMPLITUDE_V and abs(saw.min() + AMPLITUDE_V) < 0.01 * AMPLITUDE_V,
          f"{label}: channel 0 sawtooth spans ±1 V within 1 % ({saw.min():.4f} … {saw.max():.4f} V)")
    saw_period = period_of_drops(saw, rate, AMPLITUDE_V)
    check(abs(saw_period - PERIOD_S) < 0.01 * PERIOD_S, f"{label}: sawtooth period {saw_period:.5f} s (0.1 s within 1 %)")
    high, low = square[square > 0], square[square <= 0]
    check(len(high) and len(low) and abs(high.mean() - AMPLITUDE_V) < 0.01 and abs(low.mean() + AMPLITUDE_V) < 0.01,
          f"{label}: channel 1 square wave at ±1 V within 1 % ({low.mean():.4f} / {high.mean():.4f} V)")
    square_period = period_of_drops(square, rate, AMPLITUDE_V)
    check(abs(square_period - PERIOD_S) < 0.01 * PERIOD_S, f"{label}: square wave period {square_period:.5f} s (0.1 s within 1 %)")
    others = v[:, 2:]
    check(np.abs(others).max() < 0.01, f"{label}: channels 2–7 at 0 V (largest |v| {np.abs(others).max():.5f} V)")


def main():
    out = sys.argv[1]
    devices = open(f"{out}/devices.txt").read()
    check("comedi_test" in devices, "ketamapctl devices names the comedi_test board")

    v, rate, gaps = volts(f"{out}/steady.nwb")
    check(v.shape == (round(4 * rate), 8), f"steady: {v.shape[0]} frames × {v.shape[1]} channels = 4 s at the card's {rate} Hz")
    check(not gaps, f"steady: no gaps ({gaps})")
    check_waveforms(v, rate, "steady")

    log = open(f"{out}/steady.log").read()
    check("acquisition thread at real-time priority" in log, "steady: the acquisition thread runs at SCHED_FIFO")
    check("memory locked" in log and "memory not locked" not in log, "steady: memory locked under an unlimited RLIMIT_MEMLOCK")
    v, rate, gaps = volts(f"{out}/overrun.nwb")
    check(v.shape == (round(8 * rate), 8), f"overrun: {v.shape[0]} frames = 8 s at {rate} Hz, gap included")
    overruns = [g for g in gaps if g[2] == "device-overrun"]
    check(len(overruns) >= 1, f"overrun: recorded as a device-overrun gap ({gaps})")
    if overruns:
        first, count, _ = overruns[0]
        check(0.5 * rate < count < 2.0 * rate, f"overrun: the gap covers the 1 s pause ({count} frames = {count / rate:.3f} s)")
        gap_values = v[first:first + count]
        check(np.abs(gap_values).max() < 1e-3, "overrun: the gap is stored as zeros (0 V)")
        last_end = max(g[0] + g[1] for g in gaps)
        check_waveforms(v[last_end:], rate, "overrun, after the gap")
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
