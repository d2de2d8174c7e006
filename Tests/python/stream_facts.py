"""Prints, as JSON, what a KetaMap session file of several streams holds, read
with h5py: per stream its series (frames, channels, rate, electrodes rows,
first samples of chosen columns), its clock table, LFP, band power and
threshold crossings; the gaps with their stream; the doses; the electrodes
table's names, locations, contact types, groups and references. The daemon's
stream tests (simulator and Comedi VM) assert on these facts.

usage: stream_facts.py SESSION.nwb [--inspect] [--columns N]

--inspect also reads the file with pynwb (every ElectricalSeries and the
electrodes table its region refers to), opens each series with
SpikeInterface and runs nwbinspector, listing every CRITICAL,
BEST_PRACTICE_VIOLATION or error message under "problems".
--columns N adds the first N columns of every series in full ("samples"),
for waveform checks.
"""
import json
import sys

import h5py
import numpy as np


def column(table, name):
    if table is None or name not in table:
        return []
    values = table[name][()]
    values = [v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v) for v in values]
    return [None if isinstance(v, float) and v != v else v for v in values]  # NaN is not JSON


def main():
    path = sys.argv[1]
    columns = int(sys.argv[sys.argv.index("--columns") + 1]) if "--columns" in sys.argv else 0
    facts = {"streams": {}}
    with h5py.File(path, "r") as f:
        for name, series in f["acquisition"].items():
            if not name.startswith("ElectricalSeries_"):
                continue
            stream = name[len("ElectricalSeries_"):]
            data = series["data"]
            clock = f.get(f"events/sample_clock_{stream}")
            crossings = f.get(f"events/threshold_crossings_{stream}")
            lfp = f.get(f"processing/ecephys/LFP/LFP_{stream}/data")
            power = f.get(f"processing/ecephys/BandPower_{stream}/data")
            entry = {
                "frames": int(data.shape[0]),
                "channels": int(data.shape[1]),
                "dtype": str(data.dtype),
                "rate": float(series["starting_time"].attrs["rate"]),
                "conversion": float(data.attrs["conversion"]),
                "electrodes": [int(x) for x in series["electrodes"][()]],
                "clock": {key: column(clock, key) for key in ("timestamp", "sample_index", "offset_seconds", "drift_ppm")},
                "lfp_rows": int(lfp.shape[0]) if lfp is not None else 0,
                "band_power_rows": int(power.shape[0]) if power is not None else 0,
                "crossings": len(column(crossings, "timestamp")),
            }
            if columns:
                entry["samples"] = [[int(v) for v in data[:, c]] for c in range(min(columns, data.shape[1]))]
            facts["streams"][stream] = entry
        gaps = f.get("intervals/acquisition_gaps")
        facts["gaps"] = {key: column(gaps, key) for key in (gaps.keys() if gaps is not None else []) if key != "id"}
        dosing = f.get("intervals/dosing")
        facts["doses"] = {key: column(dosing, key) for key in (dosing.keys() if dosing is not None else []) if key != "id"}
        electrodes = f["general/extracellular_ephys/electrodes"]
        facts["electrodes"] = column(electrodes, "channel_name")
        facts["electrode_columns"] = {key: column(electrodes, key) for key in ("location", "contact_type", "group_name", "reference")}
        facts["notes"] = f["general/notes"][()].decode() if "general/notes" in f else None
    if "--inspect" in sys.argv:
        facts["problems"] = inspect(path, list(facts["streams"]))
    print(json.dumps(facts))


def inspect(path, streams):
    from nwbinspector import Importance, inspect_nwbfile
    from pynwb import NWBHDF5IO
    import spikeinterface.extractors as se

    problems = []
    with NWBHDF5IO(path, "r") as io:
        nwbfile = io.read()
        for stream in streams:
            series = nwbfile.acquisition[f"ElectricalSeries_{stream}"]
            if series.electrodes.table is not nwbfile.electrodes:
                problems.append(f"pynwb: ElectricalSeries_{stream} does not refer to the electrodes table")
            if len(series.electrodes.data[:]) != series.data.shape[1]:
                problems.append(f"pynwb: ElectricalSeries_{stream} has {series.data.shape[1]} columns but {len(series.electrodes.data[:])} electrodes")
    for message in inspect_nwbfile(nwbfile_path=path):
        if message.importance in (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION, Importance.PYNWB_VALIDATION, Importance.ERROR):
            problems.append(f"nwbinspector {message.importance.name}: {message.check_function_name} at {message.location}: {message.message}")
    for stream in streams:
        recording = se.read_nwb_recording(path, electrical_series_path=f"acquisition/ElectricalSeries_{stream}")
        if recording.get_num_channels() == 0 or recording.get_channel_gains() is None:
            problems.append(f"spikeinterface: ElectricalSeries_{stream} has no channels or gains")
    return problems


if __name__ == "__main__":
    main()
