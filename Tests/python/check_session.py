#!/usr/bin/env python3
"""Checks a KetaMap session file with the NWB ecosystem's own tools.

Run by the Swift tests (KetaMapStorageTests) through $KETAMAP_PYTHON:

  check_session.py full  FILE EXPECTED.json   pynwb read-back, volts, nwbinspector, SpikeInterface, cached specs
  check_session.py swmr  FILE SECONDS         opens FILE with h5py swmr=True while it is written; prints the
                                              raw row counts seen (JSON) and fails unless they grew
  check_session.py crash FILE EXPECTED.json   after `h5clear -s`: h5py and pynwb open FILE; it holds at least
                                              the flushed samples and doses listed in EXPECTED.json

EXPECTED.json is written by the Swift test: the synthetic signal's parameters and the rows it wrote.
Pinned versions: pynwb 4.2.0, hdmf 6.2.0, nwbinspector 0.7.2, h5py 3.16.0, spikeinterface 0.105.3.
Exit status 0 when every check passes; failures are printed one per line.
"""
import json, sys, time, warnings
import numpy as np

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def text(value):
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def raw_pattern(first, count, channels):
    """The Swift tests' synthetic raw signal: sample (frame f, channel c)."""
    f = np.arange(first, first + count, dtype=np.int64)[:, None]
    c = np.arange(channels, dtype=np.int64)[None, :]
    return (((f * 7 + c * 13) % 4001) - 2000).astype(np.int16)


def band_pattern(rows, channels, bands):
    r = np.arange(rows, dtype=np.float64)[:, None, None]
    c = np.arange(channels, dtype=np.float64)[None, :, None]
    b = np.arange(bands, dtype=np.float64)[None, None, :]
    return (1.0 + r * 0.5 + c * 3.0 + b * 100.0).astype(np.float32)


def lfp_pattern(rows, channels):
    r = np.arange(rows, dtype=np.float64)[:, None]
    c = np.arange(channels, dtype=np.float64)[None, :]
    return (np.sin(r * 0.01 + c) * 100.0).astype(np.float32)


def check_doses(nwb, expected):
    doses = expected["doses"]
    if not doses:
        return
    if not check("dosing" in nwb.intervals, "no /intervals/dosing table"):
        return
    table = nwb.intervals["dosing"]
    check(len(table) == len(doses), f"dosing has {len(table)} rows, expected {len(doses)}")
    for i, dose in enumerate(doses[: len(table)]):
        for key in ["drug", "unit", "route", "operator", "operator_note", "note", "wall_clock"]:
            check(isinstance(table[key][i], str), f"dose {i} {key} is {type(table[key][i]).__name__}, not str (text columns are variable-length after a clean close)")
            check(text(table[key][i]) == dose[key], f"dose {i} {key}: {text(table[key][i])!r} != {dose[key]!r}")
        check(abs(float(table["amount"][i]) - dose["amount"]) < 1e-12, f"dose {i} amount")
        for key in ["amount_mg", "amount_mg_per_kg", "weight_kg", "duration_s", "rate_mg_per_kg_per_h"]:
            value = float(table[key][i])
            if key in dose:
                check(abs(value - dose[key]) < 1e-9, f"dose {i} {key}: {value} != {dose[key]}")
            else:
                check(np.isnan(value), f"dose {i} {key}: {value}, not NaN for a bolus")
        check(int(table["operator_uid"][i]) == dose["operator_uid"], f"dose {i} operator_uid")
        check(int(table["voided_by"][i]) == -1, f"dose {i} voided_by: {table['voided_by'][i]} for a standing dose")
        check(int(table["sample_index"][i]) == dose["sample_index"], f"dose {i} sample_index")
        check(abs(float(table["start_time"][i]) - dose["start_time"]) < 1e-9, f"dose {i} start_time")
        check(abs(float(table["stop_time"][i]) - dose["stop_time"]) < 1e-9, f"dose {i} stop_time")


def full(path, expected_path):
    from pynwb import NWBHDF5IO
    expected = json.load(open(expected_path))
    channels = expected["channel_names"]
    n = len(channels)
    frames = expected["frames"]
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        es = nwb.acquisition["ElectricalSeries"]
        data = es.data[:]
        check(data.shape == (frames, n), f"raw shape {data.shape} != {(frames, n)}")
        check(data.dtype == np.int16, f"raw dtype {data.dtype}")
        check(np.array_equal(data, raw_pattern(0, frames, n)), "raw samples differ from what was written")
        check(abs(es.rate - expected["rate_hz"]) < 1e-9, f"rate {es.rate}")
        volts = es.get_data_in_units()[:100]
        want = data[:100].astype(np.float64) * np.array(expected["gains_uv"])[None, :] * 1e-6
        check(np.allclose(volts, want, rtol=1e-9, atol=1e-15), "get_data_in_units() does not give volts = raw × µV/count × 1e-6")
        electrodes = nwb.electrodes.to_dataframe()
        check(list(electrodes["channel_name"][:n]) == channels, "electrodes channel_name differ")
        check(list(electrodes["location"][:n]) == expected["locations"], "electrodes location differ")
        check(np.allclose(electrodes["gain"][:n], expected["gains_uv"]), "electrodes gain differ")
        check(list(electrodes["group_name"][:n]) == expected["groups"], "electrodes group_name differ")
        if "nwb_xyz" in expected:
            xyz = electrodes[["x", "y", "z"]].to_numpy()[:n]
            check(np.allclose(xyz, expected["nwb_xyz"]), "electrodes x/y/z are not NWB's µm and axes (+x posterior, +y inferior, +z right)")
            import h5py
            with h5py.File(path, "r") as raw_file:
                space = raw_file["general/extracellular_ephys/electrodes"].attrs.get("coordinate_space")
            space = space.decode() if isinstance(space, bytes) else space
            check(space == expected["coordinate_space"], f"electrodes coordinate_space {space!r}")
        check(all(electrodes["group"][i].name == expected["groups"][i] for i in range(n)), "electrodes group references differ")
        check(nwb.subject.subject_id == expected["subject_id"], "subject id")
        ecephys = nwb.processing["ecephys"]
        bp = ecephys["BandPower"]
        names = list(bp.bands["band_name"][:])
        check(names == expected["band_names"], f"bands {names}")
        check(np.allclose(np.array(bp.bands["band_limits"][:]), np.array(expected["band_limits"])), "band limits differ")
        rows = expected["band_power_rows"]
        p = len(expected["processed_names"])
        check(np.array_equal(bp.data[:], band_pattern(rows, p, len(names))), "band power data differ")
        check(abs(bp.rate - expected["band_power_rate_hz"]) < 1e-9, "band power rate")
        regions = bp.source_channels.data[:]
        check(list(electrodes["channel_name"].iloc[regions]) == expected["processed_names"], "band power source_channels do not name the processed channels")
        lfp = ecephys["LFP"]["LFP"]
        check(np.array_equal(lfp.data[:], lfp_pattern(expected["lfp_rows"], p)), "LFP data differ")
        check(np.allclose(lfp.get_data_in_units()[:5], lfp.data[:5].astype(np.float64) * 1e-6), "LFP volts")
        check_doses(nwb, expected)
        if expected["crossings"]:
            tc = nwb.events["threshold_crossings"]
            check(len(tc) == len(expected["crossings"]), f"{len(tc)} crossings != {len(expected['crossings'])}")
            for i, c in enumerate(expected["crossings"][: len(tc)]):
                check(int(tc["sample_index"][i]) == c["sample_index"], f"crossing {i} sample")
                check(tc["electrode"].data[i] == c["electrode_row"], f"crossing {i} electrode row")
                check(abs(float(tc["amplitude"][i]) - c["amplitude"]) < 1e-4, f"crossing {i} amplitude")
        if expected["marks"]:
            check(text(nwb.events["marks"]["annotation"][0]) == expected["marks"][0], "mark text")
        if expected["gaps"]:
            g = nwb.intervals["acquisition_gaps"]
            check(int(g["first_sample"][0]) == expected["gaps"][0]["first_sample"], "gap first sample")
            check(bool(g["is_exact"][0]) == expected["gaps"][0]["is_exact"], "gap is_exact")
    # nwbinspector: no CRITICAL, no BEST_PRACTICE_VIOLATION.
    from nwbinspector import inspect_nwbfile, Importance
    serious = 0
    for message in inspect_nwbfile(nwbfile_path=path):
        line = f"nwbinspector {message.importance.name}: {message.check_function_name} at {message.location}: {message.message}"
        print(line)
        if message.importance in (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION, Importance.PYNWB_VALIDATION, Importance.ERROR):
            serious += 1
            failures.append(line)
    # SpikeInterface's NWB reader: gains in µV, channel ids, locations.
    import spikeinterface.extractors as se
    rec = se.read_nwb_recording(path, electrical_series_path="acquisition/ElectricalSeries")
    check(list(map(str, rec.get_channel_ids())) == channels, f"SpikeInterface channel ids {list(rec.get_channel_ids())[:4]}...")
    check(np.allclose(rec.get_channel_gains(), expected["gains_uv"]), f"SpikeInterface gains {rec.get_channel_gains()[:4]}")
    check(np.allclose(rec.get_channel_offsets(), 0), "SpikeInterface offsets")
    locations = rec.get_channel_locations()
    check(np.allclose(locations[:, 1], expected["rel_y"]), "SpikeInterface locations (rel_y) differ")
    distinct = len({tuple(p) for p in np.round(locations, 3)})
    check(distinct == len(locations), f"SpikeInterface puts {len(locations) - distinct} channels on another's location")
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(locations) for b in locations[i + 1:]]
    check(min(gaps) >= 50, f"SpikeInterface channels {min(gaps)} µm apart: locations must be in µm")
    check(abs(rec.get_sampling_frequency() - expected["rate_hz"]) < 1e-6, "SpikeInterface rate")
    check(rec.get_num_samples() == frames, "SpikeInterface sample count")
    traces = rec.get_traces(start_frame=0, end_frame=50, return_in_uV=True)
    check(np.allclose(traces, raw_pattern(0, 50, n) * np.array(expected["gains_uv"])[None, :], rtol=1e-5), "SpikeInterface µV traces")
    check_specifications(path)


def check_specifications(path):
    """The cached /specifications equal those the pinned pynwb writes."""
    import datetime, os, tempfile, h5py
    from pynwb import NWBFile, NWBHDF5IO
    with tempfile.TemporaryDirectory() as folder:
        ref = os.path.join(folder, "ref.nwb")
        with NWBHDF5IO(ref, "w") as io:
            io.write(NWBFile(session_description="r", identifier="r", session_start_time=datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)))
        with h5py.File(ref, "r") as a, h5py.File(path, "r") as b:
            def listing(f):
                out = {}
                f["specifications"].visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
                return out
            want, got = listing(a), listing(b)
            check(sorted(want) == sorted(got), f"cached specification names differ: {sorted(set(want) ^ set(got))}")
            for name in want:
                check(got.get(name) == want[name], f"cached specification {name} differs from pynwb's")


def swmr(path, seconds):
    import h5py
    deadline = time.time() + float(seconds)
    while True:
        try:
            f = h5py.File(path, "r", libver="latest", swmr=True)
            break
        except OSError:
            if time.time() > deadline:
                failures.append("could not open the file with swmr=True")
                return
            time.sleep(0.05)
    d = f["acquisition/ElectricalSeries/data"]
    counts = []
    while time.time() < deadline:
        d.refresh()
        counts.append(int(d.shape[0]))
        if counts[-1] > 0:
            last = d[counts[-1] - 1]
            check(np.array_equal(last, raw_pattern(counts[-1] - 1, 1, d.shape[1])[0]), f"row {counts[-1] - 1} read while writing is wrong")
        time.sleep(0.1)
    # pynwb reads the same growing file through the SWMR handle.
    from pynwb import NWBHDF5IO
    with NWBHDF5IO(file=f, mode="r") as io:
        nwb = io.read()
        rows = nwb.acquisition["ElectricalSeries"].data.shape[0]
        check(rows >= counts[-1], f"pynwb on the SWMR handle sees {rows} rows, h5py saw {counts[-1]}")
        check(nwb.subject.subject_id != "", "pynwb on the SWMR handle: no subject")
    f.close()
    distinct = sorted(set(counts))
    print(json.dumps({"counts": distinct}))
    check(len(distinct) >= 3 and distinct[-1] > distinct[0], f"sample count did not grow while reading: {distinct}")


def crash(path, expected_path):
    import h5py
    from pynwb import NWBHDF5IO
    expected = json.load(open(expected_path))
    with h5py.File(path, "r") as f:
        d = f["acquisition/ElectricalSeries/data"]
        rows = d.shape[0]
        check(rows >= expected["flushed_frames"], f"{rows} rows < {expected['flushed_frames']} flushed frames")
        flushed = min(rows, expected["flushed_frames"])
        if flushed:
            # Rows past the last flush may exist but hold fill values: only flushed rows are promised.
            check(np.array_equal(d[:flushed], raw_pattern(0, flushed, d.shape[1])), "flushed raw rows after the crash differ from what was written")
    with NWBHDF5IO(path, "r") as io:
        nwb = io.read()
        check(nwb.acquisition["ElectricalSeries"].data.shape[0] == rows, "pynwb sees another row count")
        table = nwb.intervals["dosing"]
        got = [int(v) for v in table["sample_index"][:]]
        want = [d["sample_index"] for d in expected["doses"]]
        check(got[: len(want)] == want, f"flushed doses {want} missing: file has {got}")
    print(json.dumps({"rows": rows, "doses": len(got)}))


def main():
    warnings.simplefilter("ignore")
    mode = sys.argv[1]
    if mode == "full":
        full(sys.argv[2], sys.argv[3])
    elif mode == "swmr":
        swmr(sys.argv[2], sys.argv[3])
    elif mode == "crash":
        crash(sys.argv[2], sys.argv[3])
    else:
        failures.append(f"unknown mode {mode}")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
