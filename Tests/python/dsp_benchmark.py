"""scipy side of Benchmarks/ProcessingThroughput: times scipy on the same data, on request.

Usage: dsp_benchmark.py DATA FRAMES CHANNELS RATE UV_PER_COUNT
DATA holds int16 counts [FRAMES, CHANNELS]. After loading it prints "ready"; then
for each line on stdin it runs one timed pass and prints the seconds it took:
  spike  sosfilt of the spike band (butter(1, [300, 6000], 'band'), KetaMap's
         spikeFilterOrder) on float32 µV [samples, channels], axis 0, whole array in one call
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
BAND_ORDER = 6  # bandFilterOrder
LINE_HZ, LINE_HARMONICS, LINE_BANDWIDTH_HZ = 50.0, 8, 0.05 # lineFrequencyHz, lineHarmonics, lineBandwidthHz


def cancel_line(lfp, rate):
    """KetaMap's LineCanceller in numpy: per row, each harmonic's a·cos + b·sin
    is subtracted and (a, b) follow the residual by LMS (step 1/(n + 2H), then
    π·B/rate), vectorised across channels and harmonics. The frequency
    tracking is left out (per channel and row 4 multiply-adds of demodulation
    against the canceller's 32, and a few operations once a second)."""
    harmonics = [h for h in range(1, LINE_HARMONICS + 1) if h * (LINE_HZ + 0.2) < rate / 2]
    rows, channels = lfp.shape
    theta = 2 * np.pi * LINE_HZ / rate * np.arange(rows)
    basis = np.concatenate([np.cos(np.outer(theta, harmonics)), np.sin(np.outer(theta, harmonics))], axis=1)
    weights = np.zeros((basis.shape[1], channels))
    floor = np.pi * LINE_BANDWIDTH_HZ / rate
    out = np.empty_like(lfp)
    for r in range(rows):
        residual = lfp[r] - basis[r] @ weights
        out[r] = residual
        step = max(floor, 1 / (r + 1 + 2 * len(harmonics)))
        weights += np.outer(2 * step * basis[r], residual)
    return out


def main(argv):
    path, frames, channels, fs, gain = argv[1], int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5])
    raw = np.fromfile(path, dtype="<i2").reshape(frames, channels)
    x32 = raw.astype(np.float32) * np.float32(gain)
    lfp_rate = 1000.0
    spike_sos = signal.butter(1, [300, 6000], btype="bandpass", fs=fs, output="sos").astype(np.float32)
    # LFP decimation as KetaMap does it: a triangular FIR (second-order CIC) taken at every
    # first_factor-th sample, then Butterworth order 6 at 0.4 × the LFP rate, then ÷ the rest.
    factor = int(round(fs / lfp_rate))
    first_factor = max(d for d in range(1, factor + 1) if factor % d == 0 and fs / d >= 4 * lfp_rate)
    triangle = np.convolve(np.ones(first_factor), np.ones(first_factor)).astype(np.float32)
    triangle /= triangle.sum()
    aa_sos = signal.butter(6, 0.4 * lfp_rate, btype="lowpass", fs=fs / first_factor, output="sos").astype(np.float32)
    band_sos = [signal.butter(BAND_ORDER, b, btype="bandpass", fs=lfp_rate, output="sos") for b in BANDS]
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
        # LFP: anti-alias and decimate in two stages, cancel the line (float64), band power per band.
        lfp = signal.upfirdn(triangle, x, down=first_factor, axis=0)[:frames // first_factor]
        lfp = signal.sosfilt(aa_sos, lfp, axis=0)[:: factor // first_factor].astype(np.float64)
        lfp = cancel_line(lfp, lfp_rate)
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
