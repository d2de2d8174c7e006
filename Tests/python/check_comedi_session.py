#!/usr/bin/env python3
"""Checks what ketamapd recorded from the kernel's comedi_test driver in the VM
(Tests/comedi-vm/guest-session.sh): sample counts at the card's reported rate,
channel 0's ±1 V sawtooth and channel 1's ±1 V square wave (period 0.1 s,
within 1 %), 0 V on channels 2–7, the device listing (also of a node with no
board attached), and an overrun recorded as a gap after which recording
resumed; the steady session's log shows SCHED_FIFO granted and memory locked.

usage: check_comedi_session.py OUT_DIR   (prints one line per check; exit 0 when all pass)
"""
import sys

import h5py
import numpy as np

from comedi_test_checks import check, check_sawtooth_and_square, period_of_drops, summary

AMPLITUDE_V = 1.0
PERIOD_S = 0.1


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


def check_waveforms(v, rate, label):
    check_sawtooth_and_square(v, rate, label, AMPLITUDE_V, PERIOD_S)
    square_period = period_of_drops(v[:, 1], rate, AMPLITUDE_V)
    check(abs(square_period - PERIOD_S) < 0.01 * PERIOD_S, f"{label}: square wave period {square_period:.5f} s (0.1 s within 1 %)")
    others = v[:, 2:]
    check(np.abs(others).max() < 0.01, f"{label}: channels 2–7 at 0 V (largest |v| {np.abs(others).max():.5f} V)")


def main():
    out = sys.argv[1]
    devices = open(f"{out}/devices.txt").read()
    check("comedi_test" in devices, "ketamapctl devices names the comedi_test board")
    unattached = open(f"{out}/devices-unattached.txt").read()
    lists_board = unattached.startswith("/tmp/nodes/comedi0: board comedi_test")
    says_no_board = ("/tmp/nodes/comedi1: comedi_open failed: No such device (errno 19): no board is attached to this device node. "
                     "Attach one with comedi_config /tmp/nodes/comedi1 DRIVER [OPTIONS]") in unattached and "went away" not in unattached
    check(lists_board, "ketamapctl devices lists the board beside a node without one")
    check(says_no_board, "ketamapctl devices says a node has no board attached and how to attach one, not that a board went away")
    if not (lists_board and says_no_board):
        print(unattached)

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
    sys.exit(summary())


if __name__ == "__main__":
    main()
