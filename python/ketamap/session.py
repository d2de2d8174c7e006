"""What a KetaMap session file holds, read with h5py without loading samples."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

import h5py
import numpy as np

RAW = "acquisition/ElectricalSeries"
LFP = "processing/ecephys/LFP/LFP"
BAND_POWER = "processing/ecephys/BandPower"
ELECTRODES = "general/extracellular_ephys/electrodes"


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8").rstrip("\x00")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value)


def _column(group, name, default=None):
    if group is None or name not in group:
        return default
    values = group[name][()]
    if values.dtype.kind in ("S", "O"):
        return [_text(v) for v in values]
    return values


@dataclass
class Series:
    """One ElectricalSeries: where it is, its rate and calibration, and its electrodes-table rows."""

    path: str
    rate_hz: float
    start_seconds: float
    frames: int
    rows: np.ndarray
    conversion: float
    offset: float
    channel_conversion: np.ndarray


@dataclass
class SessionFile:
    """The metadata of a session file (`SessionFile.open(path)`); samples stay on disk."""

    path: str
    session_id: str
    subject_id: str
    species: str
    sex: str
    age: str
    start_time: datetime
    coordinate_space: str
    names: list
    regions: list
    kinds: list
    status: list
    positions_m: np.ndarray  # RAS metres per electrodes-table row (NaN when unknown)
    raw: Series
    lfp: Series | None
    doses: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    gaps: list = field(default_factory=list)
    provenance: dict = field(default_factory=dict)

    @classmethod
    def open(cls, path):
        with h5py.File(path, "r") as f:
            e = f[ELECTRODES]
            space = e.attrs.get("coordinate_space")
            xyz = [_column(e, axis) for axis in ("x", "y", "z")]
            rows = len(e["id"])
            if any(c is None for c in xyz):
                positions = np.full((rows, 3), np.nan)
            else:
                x, y, z = (np.asarray(c, dtype=float) for c in xyz)
                if space is None:  # files before the coordinate space was stated held RAS mm
                    positions = np.stack([x, y, z], axis=1) / 1e3
                else:  # NWB µm, +x posterior, +y inferior, +z right
                    positions = np.stack([z, -x, -y], axis=1) / 1e6
            subject = f.get("general/subject")
            provenance = json.loads(_text(f["general/data_collection"][()])) if "general/data_collection" in f else {}
            return cls(
                path=str(path),
                session_id=_text(f["general/session_id"][()]),
                subject_id=_text(subject["subject_id"][()]) if subject is not None else "",
                species=_text(subject["species"][()]) if subject is not None and "species" in subject else "",
                sex=_text(subject["sex"][()]) if subject is not None and "sex" in subject else "",
                age=_text(subject["age"][()]) if subject is not None and "age" in subject else "",
                start_time=datetime.fromisoformat(_text(f["session_start_time"][()]).replace("Z", "+00:00")),
                coordinate_space=_text(space) if space is not None else "Other",
                names=_column(e, "channel_name"),
                regions=_column(e, "location"),
                kinds=_column(e, "contact_type", ["SEEG"] * rows),
                status=_column(e, "status", ["good"] * rows),
                positions_m=positions,
                raw=cls._series(f, RAW),
                lfp=cls._series(f, LFP) if LFP in f else None,
                doses=cls._table(f.get("intervals/dosing")),
                marks=cls._table(f.get("events/marks")),
                gaps=cls._table(f.get("intervals/acquisition_gaps")),
                provenance=provenance,
            )

    @staticmethod
    def _series(f, path):
        group = f[path]
        data = group["data"]
        start = group["starting_time"]
        channels = data.shape[1]
        gains = group["channel_conversion"][()] if "channel_conversion" in group else np.ones(channels)
        return Series(
            path=path, rate_hz=float(start.attrs["rate"]), start_seconds=float(start[()]), frames=int(data.shape[0]),
            rows=group["electrodes"][()], conversion=float(data.attrs.get("conversion", 1.0)),
            offset=float(data.attrs.get("offset", 0.0)), channel_conversion=np.asarray(gains, dtype=float))

    @staticmethod
    def _table(group):
        if group is None:
            return []
        names = [n for n in group.keys() if n != "id" and isinstance(group[n], h5py.Dataset)]
        columns = {n: _column(group, n) for n in names}
        count = len(group["id"])
        return [{n: (columns[n][i].item() if hasattr(columns[n][i], "item") else columns[n][i]) for n in names} for i in range(count)]

    def channels_tsv(self):
        """The montage's channels.tsv rows (as recorded), keyed by channel name."""
        text = self.provenance.get("configuration", {}).get("channels_tsv", "")
        return {row["name"]: row for row in csv.DictReader(io.StringIO(text), delimiter="\t")} if text else {}
