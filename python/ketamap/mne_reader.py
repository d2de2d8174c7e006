"""A KetaMap session as an `mne.io.Raw`, read from the file on demand."""

from __future__ import annotations

import h5py
import mne
import numpy as np
from mne.io import BaseRaw

from .session import SessionFile

# BIDS coordinate spaces → MNE coordinate frames (as MNE-BIDS maps them).
_FRAMES = {"acpc": "ras", "scanras": "ras", "other": "unknown", "pixels": "unknown"}


def _frame(space):
    key = space.lower()
    if key.startswith("mni") or key.startswith("fsaverage") or key.startswith("icbm"):
        return "mni_tal"
    return _FRAMES.get(key, "unknown")


class RawKetaMap(BaseRaw):
    """Samples stay in the HDF5 file until asked for (`preload=False`): a
    time range of an hour-long session costs only that range, in float64."""

    def __init__(self, session: SessionFile, kind: str, preload=False, verbose=None):
        series = session.lfp if kind == "lfp" else session.raw
        if series is None:
            raise ValueError(f"{session.path} has no LFP series (processing was off); use kind='raw'")
        rows = [int(r) for r in series.rows]
        names = [session.names[r] for r in rows]
        info = mne.create_info(names, series.rate_hz, ch_types="seeg", verbose=verbose)
        # Volts per stored value: raw counts × conversion × channel_conversion (+ offset); LFP µV × 1e-6.
        scale = series.conversion * series.channel_conversion
        extras = {"path": series.path + "/data", "scale": scale, "offset": series.offset}
        first = int(round(series.start_seconds * series.rate_hz))
        super().__init__(
            info, preload=preload, first_samps=[first], last_samps=[first + series.frames - 1], filenames=[session.path],
            raw_extras=[extras], orig_format="int" if kind == "raw" else "single", verbose=verbose)

    def _read_segment_file(self, data, idx, fi, start, stop, cals, mult):
        extras = self._raw_extras[fi]
        with h5py.File(self.filenames[fi], "r") as f:
            block = f[extras["path"]][start:stop, :]
        volts = block.T.astype(np.float64) * extras["scale"][:, None] + extras["offset"]
        if mult is not None:  # a projector or re-reference MNE asks to be applied on reading
            data[:] = mult @ volts[idx]
        else:
            data[:] = volts[idx] * cals.reshape(-1, 1)


def read_session(path, kind="raw", tmin=None, tmax=None, preload=False, verbose=None):
    """Opens a KetaMap session file as an `mne.io.Raw`.

    kind: "raw" (every recorded contact, the card's samples) or "lfp" (the
    file's decimated LFP of the processed channels: bipolar pairs etc.).
    tmin, tmax: seconds since the session's start; only that range is read.
    Channels are sEEG; bad channels (montage status) are in info["bads"];
    the montage is in the file's coordinate space (MNI → "mni_tal", ACPC and
    scanner RAS → "ras"); doses, marks and acquisition gaps are annotations
    ("dose/…", "mark/…", "BAD_acquisition_gap"); info["highpass"/"lowpass"]
    hold the recorded filter cut-offs.
    """
    session = SessionFile.open(path)
    raw = RawKetaMap(session, kind, preload=False, verbose=verbose)
    series = session.lfp if kind == "lfp" else session.raw
    rows = [int(r) for r in series.rows]
    raw.info["bads"] = [session.names[r] for r in rows if session.status[r] == "bad"]
    _set_filters(raw, session, kind, rows)
    raw.set_meas_date(session.start_time)
    positions = {session.names[r]: session.positions_m[r] for r in rows if np.all(np.isfinite(session.positions_m[r]))}
    if positions:
        montage = mne.channels.make_dig_montage(ch_pos=positions, coord_frame=_frame(session.coordinate_space))
        raw.set_montage(montage, on_missing="ignore", verbose=verbose)
    raw.set_annotations(_annotations(session))
    if tmin is not None or tmax is not None:
        start = raw.first_samp / raw.info["sfreq"]
        raw.crop(tmin=max(0.0, (tmin or start) - start), tmax=None if tmax is None else tmax - start)
    if preload:
        raw.load_data()
    return raw


def _set_filters(raw, session, kind, rows):
    channels = session.channels_tsv()
    processing = session.provenance.get("processing", {})
    lows = [float(channels[n]["low_cutoff"]) for n in (session.names[r] for r in rows) if n in channels and channels[n].get("low_cutoff", "n/a") != "n/a"]
    highs = [float(channels[n]["high_cutoff"]) for n in (session.names[r] for r in rows) if n in channels and channels[n].get("high_cutoff", "n/a") != "n/a"]
    with raw.info._unlock():
        if lows:
            raw.info["highpass"] = max(lows)
        if highs:
            raw.info["lowpass"] = min(highs)
        if kind == "lfp":
            cutoff = 0.4 * raw.info["sfreq"]  # the decimator's anti-alias corner (KetaMapDSP Decimator)
            raw.info["lowpass"] = min(raw.info["lowpass"], float(cutoff))


def _annotations(session):
    onsets, durations, descriptions = [], [], []
    for dose in session.doses:
        onsets.append(float(dose["start_time"]))
        durations.append(float(dose["stop_time"]) - float(dose["start_time"]))
        descriptions.append(f"dose/{dose.get('drug', '')} {dose.get('amount', '')} {dose.get('unit', '')} {dose.get('route', '')}".strip())
    for mark in session.marks:
        onsets.append(float(mark["timestamp"]))
        durations.append(0.0)
        descriptions.append(f"mark/{mark.get('annotation', '')}")
    rate = session.raw.rate_hz
    for gap in session.gaps:
        onsets.append(float(gap["first_sample"]) / rate)
        durations.append(float(gap["sample_count"]) / rate)
        descriptions.append("BAD_acquisition_gap")
    return mne.Annotations(onsets, durations, descriptions, orig_time=session.start_time)
