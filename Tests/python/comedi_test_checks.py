"""The checks both Comedi VM scripts make: one line per check on standard
output, and what comedi_test's first two channels must hold (channel 0 a
sawtooth, channel 1 a square wave, at the board's amplitude and period).
"""
import numpy as np

results = []


def check(ok, what):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + what)


def summary():
    """Prints the tally and returns the exit status: 0 when every check passed."""
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def period_of_drops(signal, rate, threshold):
    """Median spacing (s) of the sample indices where the signal falls by more than `threshold`."""
    drops = np.flatnonzero(np.diff(signal) < -threshold)
    return np.median(np.diff(drops)) / rate if len(drops) > 2 else float("nan")


def check_sawtooth_and_square(v, rate, label, amplitude, period):
    """Channel 0 spans ±amplitude with the sawtooth's period (its extreme samples
    within 1 % and one sample's step of the peaks), channel 1 sits at ±amplitude
    within 1 %."""
    saw, square = v[:, 0], v[:, 1]
    step = 2 * amplitude / (rate * period)  # the sawtooth's rise per sample: its samples may miss a peak by that
    check(abs(saw.max() - amplitude) < 0.01 * amplitude + step and abs(saw.min() + amplitude) < 0.01 * amplitude + step,
          f"{label}: channel 0 sawtooth spans ±{amplitude} V within 1 % and a {step * 1000:.0f} mV step ({saw.min():.4f} … {saw.max():.4f} V)")
    saw_period = period_of_drops(saw, rate, amplitude)
    check(abs(saw_period - period) < 0.01 * period, f"{label}: sawtooth period {saw_period:.5f} s ({period} s within 1 %)")
    high, low = square[square > 0], square[square <= 0]
    check(len(high) and len(low) and abs(high.mean() - amplitude) < 0.01 * amplitude and abs(low.mean() + amplitude) < 0.01 * amplitude,
          f"{label}: channel 1 square wave at ±{amplitude} V within 1 % ({low.mean():.4f} / {high.mean():.4f} V)")
