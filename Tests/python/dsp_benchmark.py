"""scipy side of Benchmarks/ProcessingThroughput: times scipy on the same data, on request.

Usage: dsp_benchmark.py DATA FRAMES CHANNELS RATE UV_PER_COUNT
DATA holds int16 counts [FRAMES, CHANNELS]. After loading it prints "ready"; then
for each line on stdin it runs one timed pass and prints the seconds it took:
  spike  sosfilt of the spike band (butter(2, [300, 6000], 'band')) on float32
         µV [samples, channels], axis 0, whole array in one call
  chain  the numpy/scipy equivalent of KetaMap's processing chain (below)
  quit
One thread (BLAS/OpenMP pinned to 1; sosfilt itself is single-threaded).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import sys
import time

import numpy as np
from scipy import signal

BANDS = [(1, 4), (4, 8), (8, 13), (13, 30), (30, 80), (80, 150)]


def main(argv):
    path, frames, channels, fs, gain = argv[1], int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5])
    raw = np.fromfile(path, dtype="<i2").reshape(frames, channels)
    x32 = raw.astype(np.float32) * np.float32(gain)
    lfp_rate = 1000.0
    factor = int(round(fs / lfp_rate))
    spike_sos = signal.butter(2, [300, 6000], btype="bandpass", fs=fs, output="sos").astype(np.float32)
    aa_sos = signal.butter(6, 0.4 * lfp_rate, btype="lowpass", fs=fs, output="sos").astype(np.float32)
    notch_sos = np.vstack([signal.tf2sos(*signal.iirnotch(f, 30, fs=lfp_rate)) for f in (50, 100, 150)])
    band_sos = [signal.butter(2, b, btype="bandpass", fs=lfp_rate, output="sos") for b in BANDS]
    alphas = [1 - np.exp(-1 / (max(1, 3 / lo) / 4 * lfp_rate)) for lo, _ in BANDS]

    def chain():
        x = raw.astype(np.float32) * np.float32(gain)  # counts -> µV
        # Spike band, MAD noise (once per pass), negative threshold crossings, peaks, snippets.
        s = signal.sosfilt(spike_sos, x, axis=0)
        noise = np.median(np.abs(s), axis=0) / 0.6745
        below = s < -5 * noise
        f, c = np.nonzero(below[1:] & ~below[:-1])
        f = f + 1
        keep = (f > 15) & (f < frames - 60)
        f, c = f[keep], c[keep]
        window = f[:, None] + np.arange(30)[None, :]
        peaks = f + np.argmin(s[window, c[:, None]], axis=1)
        snippets = s[peaks[:, None] + np.arange(-15, 30)[None, :], c[:, None]]
        # LFP: anti-alias, decimate, notch (float64), band power per band.
        lfp = signal.sosfilt(aa_sos, x, axis=0)[::factor].astype(np.float64)
        lfp = signal.sosfilt(notch_sos, lfp, axis=0)
        powers = []
        for sos, a in zip(band_sos, alphas):
            y = signal.sosfilt(sos, lfp, axis=0)
            p = signal.lfilter([a], [1, a - 1], y * y, axis=0)
            p = signal.lfilter([a], [1, a - 1], p, axis=0)
            powers.append(p[::100])
        return snippets, powers

    print("ready", flush=True)
    for line in sys.stdin:
        what = line.strip()
        if what == "quit":
            break
        start = time.thread_time()
        if what == "spike":
            signal.sosfilt(spike_sos, x32, axis=0)
        elif what == "chain":
            chain()
        else:
            print(f"unknown request {what}", file=sys.stderr)
        print(f"{time.thread_time() - start:.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv)
