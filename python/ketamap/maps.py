"""Band power as a tidy table, and the report's dose map."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd

from .session import BAND_POWER, SessionFile, _column


def band_power(path, tmin=None, tmax=None, db=False):
    """Band power of every processed channel as a tidy table: one row per
    time, channel and band, with columns time (s since the session's start),
    channel, region, band, low_hz, high_hz and power_uv2 (or power_db with db=True:
    10·log10(P / 1 µV²)). tmin/tmax (s) read only that range."""
    session = SessionFile.open(path)
    with h5py.File(path, "r") as f:
        group = f[BAND_POWER]
        rate = float(group["starting_time"].attrs["rate"])
        start = float(group["starting_time"][()])
        rows = group["data"].shape[0]
        first = 0 if tmin is None else max(0, int(np.ceil((tmin - start) * rate)))
        last = rows if tmax is None else min(rows, int(np.ceil((tmax - start) * rate)))
        data = group["data"][first:last]
        channels = group["source_channels"][()]
        bands = group["bands"]
        names = _column(bands, "band_name")
        limits = bands["band_limits"][()]
    times = start + (first + np.arange(data.shape[0])) / rate
    t, c, b = np.meshgrid(np.arange(data.shape[0]), np.arange(data.shape[1]), np.arange(data.shape[2]), indexing="ij")
    values = data.reshape(-1).astype(np.float64)
    table = pd.DataFrame({
        "time": times[t.reshape(-1)],
        "channel": pd.Categorical(np.array([session.names[int(r)] for r in channels])[c.reshape(-1)]),
        "region": pd.Categorical(np.array([session.regions[int(r)] for r in channels])[c.reshape(-1)]),
        "band": pd.Categorical(np.array(names)[b.reshape(-1)], categories=names),
        "low_hz": limits[b.reshape(-1), 0],
        "high_hz": limits[b.reshape(-1), 1],
    })
    if db:
        with np.errstate(divide="ignore", invalid="ignore"):
            table["power_db"] = 10 * np.log10(values)
    else:
        table["power_uv2"] = values
    return table


def ketamapctl():
    """The `ketamapctl` the maps are made with: $KETAMAPCTL, else the one on PATH."""
    found = os.environ.get("KETAMAPCTL") or shutil.which("ketamapctl")
    if not found:
        raise FileNotFoundError("ketamapctl not found: install KetaMap or set KETAMAPCTL to its path")
    return found


def report_options(baseline=None, window=None, dose=None, at=None):
    """`ketamapctl report` options: baseline "10m", window "5m..30m", dose 1…, at (seconds or "10m")."""
    options = []
    for flag, value in (("--baseline", baseline), ("--window", window), ("--dose", dose), ("--at", at)):
        if value is not None:
            options += [flag, str(value)]
    return options


def report_json(path, **options):
    """The report of one session, as `ketamapctl report --json` prints it."""
    result = subprocess.run(
        [ketamapctl(), "report", str(path), "--json", *report_options(**options)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ketamapctl report {path}: {result.stderr.strip()}")
    return result.stdout


def dose_map(path, **options):
    """The report's dose map of one session as a tidy table: one row per region
    (its macro contacts, its microwires ("contacts" SEEG or MICRO) and each
    boundary between two regions ("boundary") apart) and measure (each band in
    dB, the spike rate in %), with the change (NaN where none could be computed), its 95 %
    interval (low, high), significant (the interval excludes 0), the effective
    rows of baseline and window, and rates before/after for spikes. Options as
    `ketamapctl report`: baseline, window, dose, at. The report's JSON is in
    `table.attrs["report"]`."""
    text = report_json(path, **options)
    report = json.loads(text)
    rows = []
    for region in report["regions"]:
        for i, band in enumerate(report["bands"]):
            interval = region["bandIntervals"][i]
            rows.append({
                "region": region["region"], "contacts": region["contacts"], "boundary": region["isBoundary"],
                "channels": region["channelCount"], "measure": band, "unit": "dB",
                "change": _number(region["bandChangeDecibels"][i]), "low": _number(interval["low"]), "high": _number(interval["high"]),
                "significant": interval["excludesZero"],
                "effective_rows_baseline": region["effectiveSamples"][i]["baseline"],
                "effective_rows_window": region["effectiveSamples"][i]["window"],
            })
        if region.get("spikeRateBaseline") is not None:
            interval = region.get("spikeRateChangeInterval") or {"low": None, "high": None, "excludesZero": False}
            before, after = region["spikeRateBaseline"], region["spikeRateWindow"]
            rows.append({
                "region": region["region"], "contacts": region["contacts"], "boundary": region["isBoundary"],
                "channels": region["channelCount"], "measure": "spike_rate", "unit": "%",
                "change": 100 * (after - before) / before if before > 0 else np.nan,
                "low": _number(interval["low"]), "high": _number(interval["high"]), "significant": interval["excludesZero"],
                "before": before, "after": after,
            })
    table = pd.DataFrame(rows)
    table.attrs["report"] = report
    return table


def _number(value):
    return np.nan if value is None else float(value)
