"""How often noise alone passes the line canceller's steering test.

`LineCanceller` lets a channel steer the mains frequency only when, in two
2 s triangular windows in a row, the power at the nominal frequency exceeds
`steeringRatio` (20) times 2/3 of the noise beside the line: the power 3 Hz
below and above it in 1 s sums, averaged over 16 s but never below the
current second's. This replays that test on white noise (the test is
relative, so the noise's level does not matter) and counts how often it
passes. Usage: python3 false_alarms.py [channels] [seconds] (default 2000 x 500,
10^6 channel-seconds; about a minute).
"""
import sys

import numpy as np

channels = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 500
rate, nominal, beside_hz, ratio, noise_seconds = 1000, 50.0, 3.0, 20.0, 16

t = np.arange(rate) / rate
place = (np.arange(rate) + 0.5) / rate
def phasor(hz):
    return np.cos(2 * np.pi * hz * t), np.sin(2 * np.pi * hz * t)
line_cos, line_sin = phasor(nominal)
below, above = phasor(nominal - beside_hz), phasor(nominal + beside_hz)

rng = np.random.default_rng(3)
passed_one = passed_both = tested = 0
for first in range(0, channels, 200):
    x = rng.standard_normal((min(200, channels - first), seconds, rate))
    plain = np.stack([x @ line_cos, x @ line_sin], -1)
    placed = np.stack([x @ (line_cos * place), x @ (line_sin * place)], -1)
    side = 0.5 * sum((x @ w) ** 2 for w in (*below, *above))
    # The triangular window ending with second k: rising over k-1, falling over k.
    window = (placed[:, :-1] + plain[:, 1:] - placed[:, 1:]) ** 2
    power = window.sum(-1)
    mean = np.zeros(x.shape[0])
    for k in range(1, seconds):
        mean += (side[:, k] - mean) / min(k + 1, noise_seconds)
        floor = np.maximum(mean, side[:, k]) * ratio * 2 / 3
        if k >= 3:
            now, before = power[:, k - 1] > floor, power[:, k - 2] > floor
            passed_one += now.sum()
            passed_both += (now & before).sum()
            tested += x.shape[0]
    print(f"{tested} channel-seconds: one window passed {passed_one}, two in a row {passed_both}", flush=True)
print(f"rate per channel-second: one window {passed_one / tested:.2e}, two in a row (the test) {passed_both / tested:.2e}")
