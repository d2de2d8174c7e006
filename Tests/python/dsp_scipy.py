"""scipy reference for KetaMap's DSP tests (run by the Swift tests through $KETAMAP_PYTHON).

Usage:
  dsp_scipy.py butter ORDER KIND F1 [F2] FS FRAMES CHANNELS IN OUT
  dsp_scipy.py chain SPEC FRAMES CHANNELS IN OUT
    SPEC is JSON: a list of stages applied in order, each one of
    {"butter": [order, kind, f1, (f2,) fs]}, {"fir": [taps]},
    {"decimate": factor}
    (decimate keeps rows 0, factor, 2·factor, ...). OUT gets the result only.

IN holds float64 samples [FRAMES, CHANNELS] (row-major, little endian).
OUT receives sosfilt(sos, x, axis=0) as float64 [FRAMES, CHANNELS], then the
sos matrix (float64, [sections, 6]).
"""
import sys

import numpy as np
from scipy import signal


def main(argv):
    what = argv[1]
    if what == "chain":
        import json
        spec = json.loads(argv[2])
        frames, channels, path_in, path_out = int(argv[3]), int(argv[4]), argv[5], argv[6]
        y = np.fromfile(path_in, dtype="<f8").reshape(frames, channels)
        for stage in spec:
            if "butter" in stage:
                order, kind, *edges = stage["butter"]
                fs = edges.pop()
                wn = edges if kind == "bandpass" else edges[0]
                y = signal.sosfilt(signal.butter(order, wn, btype=kind, fs=fs, output="sos"), y, axis=0)
            elif "fir" in stage:
                y = signal.lfilter(np.asarray(stage["fir"], dtype=np.float64), [1.0], y, axis=0)
            elif "decimate" in stage:
                y = y[:: int(stage["decimate"])]
        with open(path_out, "wb") as f:
            f.write(np.ascontiguousarray(y, dtype="<f8").tobytes())
        return
    if what == "butter":
        order, kind = int(argv[2]), argv[3]
        rest = argv[4:]
        if kind == "bandpass":
            wn, rest = [float(rest[0]), float(rest[1])], rest[2:]
        else:
            wn, rest = float(rest[0]), rest[1:]
        fs = float(rest[0])
        sos = signal.butter(order, wn, btype=kind, fs=fs, output="sos")
    else:
        raise SystemExit(f"unknown command {what}")
    frames, channels, path_in, path_out = int(rest[1]), int(rest[2]), rest[3], rest[4]
    x = np.fromfile(path_in, dtype="<f8").reshape(frames, channels)
    y = signal.sosfilt(sos, x, axis=0)
    with open(path_out, "wb") as f:
        f.write(np.ascontiguousarray(y, dtype="<f8").tobytes())
        f.write(np.ascontiguousarray(sos, dtype="<f8").tobytes())


if __name__ == "__main__":
    main(sys.argv)
