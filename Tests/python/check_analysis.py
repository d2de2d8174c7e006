"""Checks what an analyst gets from session files with the `ketamap` package
and the BIDS export; then runs the analyst guide's code, and checks what its
DANDI block (`dandi organize`, `dandi validate`) left.

usage: check_analysis.py --work DIR --guide docs/analyst-guide.md FULL.nwb LEFT.nwb RIGHT.nwb

FULL has the default montage, a dose and a mark; LEFT and RIGHT are other
subjects implanted in one hemisphere. `ketamapctl` is $KETAMAPCTL. Prints
every failure and exits 1 if there is one.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import warnings

import h5py
import numpy as np

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def check_read_session(path):
    import ketamap

    raw = ketamap.read_session(path)
    with h5py.File(path, "r") as f:
        data = f["acquisition/ElectricalSeries/data"]
        gains = f["acquisition/ElectricalSeries/channel_conversion"][:]
        conversion = data.attrs["conversion"]
        rate = f["acquisition/ElectricalSeries/starting_time"].attrs["rate"]
        want = data[4000:4100, :].T * conversion * gains[:, None]
        frames = data.shape[0]
    check(not raw.preload, "read_session must not load the samples")
    check(set(raw.get_channel_types()) == {"seeg"}, f"channel types {set(raw.get_channel_types())}")
    check(raw.info["bads"] == ["RIN8"], f"bads {raw.info['bads']}")
    check(raw.info["sfreq"] == rate and raw.n_times == frames, "rate or length differ")
    check(abs(raw.info["highpass"] - 0.1) < 1e-9 and abs(raw.info["lowpass"] - 7500) < 1e-6 or raw.info["lowpass"] == rate / 2,
          f"filter cut-offs {raw.info['highpass']}–{raw.info['lowpass']}")
    got = raw.get_data(start=4000, stop=4100)
    check(np.allclose(got, want), "read_session volts differ from raw × conversion × channel_conversion")
    descriptions = list(raw.annotations.description)
    check(any(d.startswith("dose/ketamine 0.5 mg/kg iv-infusion") for d in descriptions), f"dose annotation missing: {descriptions}")
    check("mark/eyes closed" in descriptions, f"mark annotation missing: {descriptions}")
    positions = raw.get_montage().get_positions()
    check(positions["coord_frame"] == "mni_tal", f"montage frame {positions['coord_frame']}")
    with h5py.File(path, "r") as f:
        electrodes = json.loads(f["general/data_collection"][()])["configuration"]["electrodes_tsv"].splitlines()
    header = electrodes[0].split("\t")
    for line in electrodes[1:4]:
        cells = dict(zip(header, line.split("\t")))
        want_m = np.array([float(cells[a]) for a in "xyz"]) / 1000
        got_m = positions["ch_pos"][cells["name"]]
        check(np.allclose(got_m, want_m, atol=1e-9), f"{cells['name']} at {got_m} m, the montage says {want_m} m (RAS)")
    part = ketamap.read_session(path, tmin=5, tmax=7)
    check(abs(part.times[-1] - 2) < 1e-3 and part.first_samp == int(5 * rate), "tmin/tmax crop")
    check(np.allclose(part.get_data(start=0, stop=10), ketamap.read_session(path).get_data(start=int(5 * rate), stop=int(5 * rate) + 10)),
          "a cropped range reads the same samples")
    lfp = ketamap.read_session(path, kind="lfp")
    check(lfp.info["sfreq"] == 1000 and "LOF1-LOF2" in lfp.ch_names, f"LFP {lfp.info['sfreq']} Hz, {lfp.ch_names[:2]}")
    check(lfp.info["lowpass"] <= 400, f"LFP low-pass {lfp.info['lowpass']}")


def check_band_power(path):
    import ketamap

    table = ketamap.band_power(path)
    with h5py.File(path, "r") as f:
        shape = f["processing/ecephys/BandPower/data"].shape
        value = float(f["processing/ecephys/BandPower/data"][50, 3, 4])
    check(len(table) == shape[0] * shape[1] * shape[2], f"band_power rows {len(table)} for {shape}")
    check(list(table.columns) == ["time", "channel", "region", "band", "low_hz", "high_hz", "power_uv2"], f"columns {list(table.columns)}")
    row = table.iloc[(50 * shape[1] + 3) * shape[2] + 4]
    check(abs(row["power_uv2"] - value) <= 1e-6 * abs(value) and row["band"] == "gamma", f"band_power row {row.to_dict()} vs {value}")


def check_dose_map(path):
    import ketamap

    options = {"baseline": "10", "window": "5..15"}
    table = ketamap.dose_map(path, **options)
    report = json.loads(subprocess.run([os.environ["KETAMAPCTL"], "report", path, "--json", "--baseline", "10", "--window", "5..15"],
                                       capture_output=True, text=True, check=True).stdout)
    amygdala = next(r for r in report["regions"] if r["region"] == "right amygdala")
    row = table[(table.region == "right amygdala") & (table.measure == "gamma")].iloc[0]
    gamma = report["bands"].index("gamma")
    check(abs(row["change"] - amygdala["bandChangeDecibels"][gamma]) < 1e-12, "dose_map differs from the report")
    check(row["low"] <= row["change"] <= row["high"], "dose_map interval does not hold its change")
    check(set(table.measure) >= set(report["bands"]) | {"spike_rate"}, f"measures {set(table.measure)}")


def check_cohort(paths, work):
    import ketamap
    from dask.distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, local_directory=work) as cluster, Client(cluster) as client:
            table = ketamap.cohort_map(paths, client=client, baseline="10", window="5..15")
    serial = ketamap.cohort_map(paths, baseline="10", window="5..15")
    check(table.equals(serial), "the cohort map on the Dask cluster differs from the one made here")
    left = table[(table.region == "left amygdala") & (table.band == "gamma")].iloc[0]
    right = table[(table.region == "right amygdala") & (table.band == "gamma")].iloc[0]
    check(left["subjects"] == 2 and right["subjects"] == 2, f"subjects per region: left {left['subjects']}, right {right['subjects']}")
    check(left["low_db"] <= left["mean_db"] <= left["high_db"], "cohort interval does not hold its mean")
    check(set(table.columns) >= {"region", "band", "subjects", "sessions", "mean_db", "low_db", "high_db", "significant"}, f"{table.columns}")


def check_bids(path, shifted_path, work):
    root = os.path.join(work, "bids")
    ctl = os.environ["KETAMAPCTL"]
    for session, extra in ((path, []), (shifted_path, ["--shift-days", "1000", "--session-label", "shifted"])):
        result = subprocess.run([ctl, "export-bids", session, "--root", root, *extra], capture_output=True, text=True)
        check(result.returncode == 0, f"export-bids {session}: {result.stderr}")
    again = subprocess.run([ctl, "export-bids", path, "--root", root], capture_output=True, text=True)
    check(again.returncode != 0 and "exists" in again.stderr, "a second export of the same session must be refused")
    validator = os.path.join(os.path.dirname(sys.executable), "bids-validator-deno")
    result = subprocess.run([validator, root, "--json"], capture_output=True, text=True)
    try:
        issues = json.loads(result.stdout)["issues"]["issues"]
    except (ValueError, KeyError):
        failures.append(f"bids-validator output unreadable: {result.stdout[:500]} {result.stderr[:500]}")
        return
    errors = [i for i in issues if i.get("severity") == "error"]
    check(not errors, "bids-validator errors: " + "; ".join(f"{i.get('code')} {i.get('location', '')}" for i in errors[:10]))
    ieeg = os.path.join(root, "sub-sim01", f"ses-{session_label(path)}", "ieeg")
    channels = open(os.path.join(ieeg, f"sub-sim01_ses-{session_label(path)}_task-ketamine_channels.tsv")).read().splitlines()
    check(channels[1].split("\t")[3:5] == ["0.1", "7500"], f"channels.tsv cut-offs {channels[1]}")
    events = open(os.path.join(ieeg, f"sub-sim01_ses-{session_label(path)}_task-ketamine_events.tsv")).read()
    check("\tdose\t" in events and "\tmark\t" in events, "events.tsv lacks the dose or the mark")
    space = json.load(open(os.path.join(ieeg, f"sub-sim01_ses-{session_label(path)}_space-MNI152NLin2009cAsym_coordsystem.json")))
    check(space["iEEGCoordinateSystem"] == "MNI152NLin2009cAsym" and space["iEEGCoordinateUnits"] == "mm", f"coordsystem {space}")
    copy = os.path.join(root, "sub-sim02", "ses-shifted", "ieeg", "sub-sim02_ses-shifted_task-ketamine_ieeg.nwb")
    from datetime import datetime
    with h5py.File(shifted_path, "r") as a, h5py.File(copy, "r") as b:
        before = datetime.fromisoformat(a["session_start_time"][()].decode())
        after = datetime.fromisoformat(b["session_start_time"][()].decode())
        check((before - after).days == 1000, f"dates shifted by {(before - after).days} days, not 1000")
        check(np.array_equal(a["acquisition/ElectricalSeries/data"][:100], b["acquisition/ElectricalSeries/data"][:100]), "shifting dates changed samples")


def session_label(path):
    with h5py.File(path, "r") as f:
        return re.sub(r"[^A-Za-z0-9]", "", f["general/session_id"][()].decode())


def check_dandi(work, shell_results):
    """DANDI's own tools on what the guide's DANDI block (`dandi organize`, then
    `dandi validate`) left in WORK/guide-dandiset and printed."""
    dandiset = os.path.join(work, "guide-dandiset")
    organized = [os.path.join(d, n) for d, _, names in os.walk(dandiset) for n in names if n.endswith(".nwb")]
    check(len(organized) == 1 and os.path.basename(organized[0]).startswith("sub-sim01_"), f"DANDI names {organized}")
    validated = [r for block, r in shell_results if "dandi validate" in block]
    check(len(validated) == 1, f"the analyst guide has {len(validated)} shell blocks running dandi validate")
    for result in validated:
        output = result.stdout + result.stderr
        check(result.returncode == 0 and "No errors found" in output, f"dandi validate: {output[-1500:]}")


def run_guide(guide, paths, work):
    """Runs every ```python and ```sh block of the guide whose first line names its inputs
    (`# SESSION …`), with SESSION, LEFT, RIGHT and WORK set to files the tests wrote.
    Python blocks run here, each in a namespace of its own (so a block that leaves out an
    import fails), to start the interpreter and import MNE and pandas once; shell blocks
    run in bash. Returns each shell block with its completed process."""
    import contextlib
    import io
    import traceback

    text = open(guide, encoding="utf-8").read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if b.startswith("# SESSION")]
    check(len(blocks) >= 3, f"the analyst guide has {len(blocks)} runnable Python blocks")
    here = os.getcwd()
    for i, block in enumerate(blocks):
        namespace = {"__name__": f"guide_block_{i + 1}", "SESSION": paths[0], "LEFT": paths[1], "RIGHT": paths[2], "WORK": work}
        output = io.StringIO()
        try:
            os.chdir(work)
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                exec(compile(block, f"analyst guide block {i + 1}", "exec"), namespace)
        except BaseException as error:  # SystemExit too: a block that exits has failed
            failures.append(f"analyst guide block {i + 1} failed:\n{block}\n{output.getvalue()[-500:]}{''.join(traceback.format_exception(error))[-1500:]}")
        finally:
            os.chdir(here)
    shells = [b for b in re.findall(r"```sh\n(.*?)```", text, re.S) if b.startswith("# SESSION")]
    check(len(shells) >= 3, f"the analyst guide has {len(shells)} runnable shell blocks")
    results = []
    for i, block in enumerate(shells):
        env = dict(os.environ, SESSION=paths[0], LEFT=paths[1], RIGHT=paths[2], WORK=work, PATH=os.path.dirname(os.environ["KETAMAPCTL"]) + ":" + os.environ["PATH"])
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], capture_output=True, text=True, cwd=work, env=env)
        check(result.returncode == 0, f"analyst guide shell block {i + 1} failed:\n{block}\n{result.stderr[-1500:]}")
        results.append((block, result))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--guide", required=True)
    parser.add_argument("sessions", nargs=3)
    args = parser.parse_args()
    full, left, right = args.sessions
    shell_results = []
    for step in (
        lambda: check_read_session(full), lambda: check_band_power(full), lambda: check_dose_map(full),
        lambda: check_cohort(args.sessions, args.work), lambda: check_bids(full, left, args.work),
        lambda: shell_results.extend(run_guide(args.guide, args.sessions, args.work)), lambda: check_dandi(args.work, shell_results),
    ):
        try:
            step()
        except Exception as error:  # a step that raises is a failure; the others still run
            import traceback
            failures.append("".join(traceback.format_exception(error))[-2000:])
    for line in failures:
        print("FAIL:", line)
    print(f"{'no' if not failures else len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
