#!/usr/bin/env python3
"""Writes an interleaved int16 recording (the layout of Open Ephys .dat and
SpikeGLX .bin files) for scale runs: band-limited noise of about 10 µV RMS
plus 50 Hz line noise and sparse spikes of −80 µV on every channel.

usage: make-replay-recording.py OUT.dat --channels 4096 --rate 30000 --seconds 2 [--uv-per-bit 0.195]
"""
import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--channels", type=int, default=4096)
    parser.add_argument("--rate", type=float, default=30000)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--uv-per-bit", type=float, default=0.195)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    frames = int(round(args.seconds * args.rate))
    t = np.arange(frames) / args.rate
    template = -80 * np.exp(-(((np.arange(45) - 15) / 4.0) ** 2))
    with open(args.out, "wb") as out:
        step = 1024  # channels at a time, to bound memory
        block = np.empty((frames, args.channels), dtype=np.int16)
        for first in range(0, args.channels, step):
            n = min(step, args.channels - first)
            x = rng.normal(0, 10, size=(frames, n)) + 8 * np.sin(2 * np.pi * 50 * t)[:, None]
            for c in range(n):
                for s in rng.integers(0, frames - 45, size=int(args.seconds * 5)):
                    x[s:s + 45, c] += template
            block[:, first:first + n] = np.clip(np.round(x / args.uv_per_bit), -32768, 32767)
        out.write(block.tobytes())
    print(f"{args.out}: {frames} frames x {args.channels} channels, {frames * args.channels * 2 / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
