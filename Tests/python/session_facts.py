"""Prints, as JSON, what a KetaMap session file holds, read with h5py (SWMR
when the file is still being written): shapes, rate, doses, gaps, marks and
feature counts. The daemon's end-to-end tests assert on these facts.

usage: session_facts.py SESSION.nwb [--swmr] [--inspect]

--inspect also opens the file with pynwb and SpikeInterface and runs
nwbinspector, listing every CRITICAL, BEST_PRACTICE_VIOLATION or error
message under "problems".
"""
import json
import sys

import h5py


def column(table, name):
    if table is None or name not in table:
        return []
    values = table[name][()]
    return [v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v) for v in values]


def main():
    path = sys.argv[1]
    swmr = "--swmr" in sys.argv
    with h5py.File(path, "r", swmr=swmr) as f:
        series = f["acquisition/ElectricalSeries"]
        data = series["data"]
        dosing = f.get("intervals/dosing")
        gaps = f.get("intervals/acquisition_gaps")
        marks = f.get("events/marks")
        crossings = f.get("events/threshold_crossings")
        facts = {
            "frames": int(data.shape[0]),
            "channels": int(data.shape[1]),
            "dtype": str(data.dtype),
            "rate": float(series["starting_time"].attrs["rate"]),
            "first_frame": [int(x) for x in data[0, :]] if data.shape[0] else [],
            "doses": [
                {"drug": d, "sample_index": int(s), "start_time": float(t), "route": r}
                for d, s, t, r in zip(column(dosing, "drug"), column(dosing, "sample_index"), column(dosing, "start_time"), column(dosing, "route"))
            ],
            "gaps": {name: column(gaps, name) for name in (gaps.keys() if gaps is not None else []) if name != "id"},
            "marks": len(column(marks, "timestamp")) if marks is not None else 0,
            "lfp_rows": int(f["processing/ecephys/LFP/LFP/data"].shape[0]) if "processing/ecephys/LFP/LFP/data" in f else 0,
            "band_power_rows": int(f["processing/ecephys/BandPower/data"].shape[0]) if "processing/ecephys/BandPower/data" in f else 0,
            "crossings": len(column(crossings, "timestamp")) if crossings is not None else 0,
        }
    if "--inspect" in sys.argv:
        facts["problems"] = inspect(path)
    print(json.dumps(facts))


def inspect(path):
    from nwbinspector import Importance, inspect_nwbfile
    from pynwb import NWBHDF5IO
    import spikeinterface.extractors as se

    problems = []
    with NWBHDF5IO(path, "r") as io:
        nwbfile = io.read()
        if len(nwbfile.electrodes) == 0:
            problems.append("pynwb: no electrodes")
    for message in inspect_nwbfile(nwbfile_path=path):
        if message.importance in (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION, Importance.PYNWB_VALIDATION, Importance.ERROR):
            problems.append(f"nwbinspector {message.importance.name}: {message.check_function_name} at {message.location}: {message.message}")
    recording = se.read_nwb_recording(path, electrical_series_path="acquisition/ElectricalSeries")
    if recording.get_num_channels() == 0 or recording.get_channel_gains() is None:
        problems.append("spikeinterface: no channels or gains")
    return problems


if __name__ == "__main__":
    main()
