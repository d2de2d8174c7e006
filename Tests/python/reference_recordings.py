"""Writes small recordings exactly as Open Ephys, SpikeGLX and Intan save them,
and checks a KetaMap session file that replayed one against neo's reader of
that format: identical samples, channel names, rate and gains.

usage: reference_recordings.py write LAYOUT FOLDER
       reference_recordings.py compare LAYOUT FOLDER SESSION.nwb

write prints JSON: {"source": "replay:…" (the --source to give ketamapd),
"channels": [...], "rate": Hz}. compare prints JSON {"problems": [...],
"checked": {...}}; an empty list of problems means the session holds the
recording as neo reads it.

LAYOUT is one of: openephys (two streams, neural and ADC channels; the
Rhythm Data stream is replayed), spikeglx-ap, spikeglx-lf, spikeglx-nidq
(one run folder with a Neuropixels 1.0 probe and an NI-DAQ),
spikeglx-np2 (a Neuropixels 2.0 run), intan-one-file (info.rhd +
amplifier.dat + time.dat + analogin.dat), intan-rhd (a traditional .rhd
file of data blocks, version 3.0), intan-rhd-v1 (version 1.3, 60-sample
blocks).

Formats as their documentation gives them:
- Open Ephys binary: https://open-ephys.github.io/gui-docs/User-Manual/Recording-data/Binary-format.html
- SpikeGLX: https://billkarsh.github.io/SpikeGLX/Sgl_help/Metadata_30.html
- Intan: "RHD2000 data file formats" application note (intantech.com)
"""
import json
import os
import struct
import sys

import numpy as np

SEED = 20261203


def samples(frames, channels, seed):
    """Seeded int16 samples over the whole range, extremes included."""
    rng = np.random.default_rng(seed)
    data = rng.integers(-32768, 32768, size=(frames, channels), dtype=np.int64).astype(np.int16)
    data[0, 0] = -32768
    data[1, 0] = 32767
    return data


# ---------------------------------------------------------------- Open Ephys

OE_STREAM = "Acquisition_Board-100.Rhythm Data"


def write_openephys(folder):
    recording = os.path.join(folder, "Record Node 101", "experiment1", "recording1")
    streams = [
        # (folder name, rate, channels as (name, bit_volts, units))
        (OE_STREAM, 30000.0, [(f"CH{i}", 0.195, "uV") for i in range(1, 7)] + [("ADC1", 0.00015, "V"), ("ADC2", 0.00015, "V")]),
        ("NI-DAQmx-102.PXIe-6341", 25000.0, [(f"AI{i}", 0.000305, "V") for i in range(4)]),
    ]
    continuous = []
    for index, (name, rate, channels) in enumerate(streams):
        stream_folder = os.path.join(recording, "continuous", name)
        os.makedirs(stream_folder)
        frames = int(rate * 1.2)
        samples(frames, len(channels), SEED + index).tofile(os.path.join(stream_folder, "continuous.dat"))
        np.save(os.path.join(stream_folder, "sample_numbers.npy"), np.arange(1000, 1000 + frames, dtype=np.int64))
        np.save(os.path.join(stream_folder, "timestamps.npy"), (1000 + np.arange(frames)) / rate)
        source_name, stream_name = name.split(".", 1)
        continuous.append({
            "folder_name": name + "/",
            "sample_rate": rate,
            "source_processor_name": source_name.rsplit("-", 1)[0].replace("_", " "),
            "source_processor_id": int(source_name.rsplit("-", 1)[1]),
            "stream_name": stream_name,
            "recorded_processor": "Record Node",
            "recorded_processor_id": 101,
            "num_channels": len(channels),
            "channels": [
                {"channel_name": c, "description": "headstage data channel" if u == "uV" else "ADC data channel",
                 "identifier": "genericdata.continuous", "history": "Acquisition Board -> Record Node",
                 "bit_volts": b, "units": u, "type": 0 if u == "uV" else 2}
                for c, b, u in channels
            ],
        })
    structure = {"GUI version": "0.6.7", "continuous": continuous, "events": [], "spikes": []}
    with open(os.path.join(recording, "structure.oebin"), "w") as f:
        json.dump(structure, f, indent=4)
    return {"source": f"replay:{recording}?stream={OE_STREAM}", "path": recording}


def neo_openephys(folder):
    from neo.rawio import OpenEphysBinaryRawIO
    reader = OpenEphysBinaryRawIO(dirname=folder)
    reader.parse_header()
    return reader, next(i for i, s in enumerate(reader.header["signal_streams"]) if s["name"].endswith("#" + OE_STREAM))


# ---------------------------------------------------------------- SpikeGLX

def spikeglx_meta(fields):
    return "".join(f"{k}={v}\n" for k, v in fields.items())


def write_spikeglx_stream(folder, name, fields, data):
    path = os.path.join(folder, name)
    data.tofile(path + ".bin")
    fields = dict(fields)
    fields["fileName"] = path + ".bin"
    fields["fileSizeBytes"] = str(data.nbytes)
    fields["nSavedChans"] = str(data.shape[1])
    fields["fileTimeSecs"] = f"{data.shape[0] / float(fields.get('imSampRate', fields.get('niSampRate'))):.6f}"
    fields["firstSample"] = "0"
    with open(path + ".meta", "w") as f:
        f.write(spikeglx_meta(fields))


def write_spikeglx(folder):
    run = os.path.join(folder, "run_g0")
    os.makedirs(run)
    probe = os.path.join(run, "run_g0_imec0")
    os.makedirs(probe)
    saved = 8
    # Neuropixels 1.0: 384 imroTbl entries (channel bank reference apGain lfGain highPass), a few gains changed.
    ap_gains = [500] * 384
    ap_gains[3], ap_gains[5] = 250, 1000
    lf_gains = [250] * 384
    lf_gains[2] = 125
    imro = "(0,384)" + "".join(f"({c} 0 0 {ap_gains[c]} {lf_gains[c]} 1)" for c in range(384))
    common = {
        "typeThis": "imec", "imDatPrb_pn": "NP1000", "imDatPrb_type": "0", "imAiRangeMax": "0.6", "imAiRangeMin": "-0.6", "imMaxInt": "512",
        "~imroTbl": imro, "snsSaveChanSubset": f"0:{saved - 1},768",
        "~snsShankMap": "(1,2,480)" + "".join(f"(0:{c % 2}:{c // 2}:1)" for c in range(saved)),
    }
    for kind, rate, gains_note, seed in (("ap", 30000.0, "ap", 1), ("lf", 2500.0, "lf", 2)):
        fields = dict(common)
        fields["imSampRate"] = str(rate)
        fields["snsApLfSy"] = f"{saved},0,1" if kind == "ap" else f"0,{saved},1"
        prefix = "AP" if kind == "ap" else "LF"
        offset = 0 if kind == "ap" else 384
        fields["~snsChanMap"] = f"(384,384,1)" + "".join(f"({prefix}{c};{c + offset}:{c + offset})" for c in range(saved)) + "(SY0;768:768)"
        write_spikeglx_stream(probe, f"run_g0_t0.imec0.{kind}", fields, samples(int(rate * 1.2), saved + 1, SEED + 10 + seed))
    # NI-DAQ: 2 MN, 2 MA, 2 XA channels and one digital word.
    nidq = {
        "typeThis": "nidq", "niSampRate": "25000", "niAiRangeMax": "5", "niAiRangeMin": "-5", "niMaxInt": "32768",
        "niMNGain": "200", "niMAGain": "2", "snsMnMaXaDw": "2,2,2,1", "niMNChans1": "0:1", "niMAChans1": "2:3", "niXAChans1": "4:5", "niXDChans1": "0:7",
        "~snsChanMap": "(2,2,0,2,1)(MN0;0:0)(MN1;1:1)(MA0;2:2)(MA1;3:3)(XA0;4:4)(XA1;5:5)(XD0;6:6)",
    }
    write_spikeglx_stream(run, "run_g0_t0.nidq", nidq, samples(30000, 7, SEED + 20))
    return {"path": run}


def write_spikeglx_np2(folder):
    run = os.path.join(folder, "np2_g0")
    os.makedirs(run)
    saved = 6
    fields = {
        "typeThis": "imec", "imDatPrb_pn": "NP2000", "imDatPrb_type": "21", "imAiRangeMax": "0.5", "imAiRangeMin": "-0.5", "imMaxInt": "8192",
        "imChan0apGain": "80", "imSampRate": "30000", "snsApLfSy": f"{saved},0,1",
        "~imroTbl": "(21,384)" + "".join(f"({c} 1 0 {c})" for c in range(384)),
        "~snsChanMap": "(384,0,1)" + "".join(f"(AP{c};{c}:{c})" for c in range(saved)) + f"(SY0;{saved}:{saved})",
    }
    write_spikeglx_stream(run, "np2_g0_t0.imec0.ap", fields, samples(36000, saved + 1, SEED + 30))
    return {"path": run, "source": f"replay:{run}/np2_g0_t0.imec0.ap.bin"}


def neo_spikeglx(folder, stream):
    from neo.rawio import SpikeGLXRawIO
    reader = SpikeGLXRawIO(dirname=folder)
    reader.parse_header()
    return reader, next(i for i, s in enumerate(reader.header["signal_streams"]) if s["name"] == stream)


# ---------------------------------------------------------------- Intan

def qstring(text):
    if text is None:
        return struct.pack("<I", 0xFFFFFFFF)
    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded)) + encoded


# (native name, custom name, signal type, enabled)
INTAN_GROUPS = [
    ("Port A", "A", 1, [("A-000", "LA1", 0, 1), ("A-001", "LA2", 0, 1), ("A-002", "LA3", 0, 0), ("A-003", "LA4", 0, 1), ("A-004", "LH1", 0, 1),
                        ("A-AUX1", "A-AUX1", 1, 1), ("A-AUX2", "A-AUX2", 1, 1), ("A-AUX3", "A-AUX3", 1, 1), ("A-VDD1", "A-VDD1", 2, 1)]),
    ("Port B", "B", 0, [("B-000", "B-000", 0, 1)]),  # a disabled port: its channels are not saved
    ("Board ADC Inputs", "ANALOG-IN", 1, [("ANALOG-IN-1", "ANALOG-IN-1", 3, 1)]),
    ("Board Digital Inputs", "DIGITAL-IN", 1, [("DIGITAL-IN-01", "DIGITAL-IN-01", 4, 1)]),
]


def rhd_header(major, minor, rate, groups, temperature_sensors):
    out = struct.pack("<Ihh", 0xC6912702, major, minor)
    out += struct.pack("<f", rate)
    out += struct.pack("<hffffff", 1, 1.0, 0.1, 7500.0, 1.0, 0.1, 7500.0)  # DSP on, cutoffs and bandwidths
    out += struct.pack("<hff", 0, 1000.0, 1000.0)  # notch off, impedance test frequencies
    out += qstring("ketamap reference recording") + qstring("") + qstring(None)
    if (major, minor) >= (1, 1):
        out += struct.pack("<h", temperature_sensors)
    if (major, minor) >= (1, 3):
        out += struct.pack("<h", 0)  # eval board mode
    if major >= 2:
        out += qstring("Hardware")  # reference channel
    out += struct.pack("<h", len(groups))
    for name, prefix, enabled, channels in groups:
        out += qstring(name) + qstring(prefix)
        out += struct.pack("<hhh", enabled, len(channels), sum(1 for c in channels if c[2] == 0))
        if not enabled:
            continue
        for order, (native, custom, kind, channel_enabled) in enumerate(channels):
            out += qstring(native) + qstring(custom)
            out += struct.pack("<hhhhhhhhhh", order, order, kind, channel_enabled, order, 0, 0, 0, 0, 0)
            out += struct.pack("<ff", 150000.0, -30.0)
    return out


def enabled(kind):
    return [c for _, _, group_enabled, channels in INTAN_GROUPS if group_enabled for c in channels if c[2] == kind and c[3]]


def write_intan_one_file(folder):
    recording = os.path.join(folder, "intan_one_file")
    os.makedirs(recording)
    with open(os.path.join(recording, "info.rhd"), "wb") as f:
        f.write(rhd_header(3, 0, 20000.0, INTAN_GROUPS, 0))
    frames = 24000
    samples(frames, len(enabled(0)), SEED + 40).tofile(os.path.join(recording, "amplifier.dat"))
    np.arange(frames, dtype=np.int32).tofile(os.path.join(recording, "time.dat"))
    samples(frames, len(enabled(1)), SEED + 41).view(np.uint16).tofile(os.path.join(recording, "auxiliary.dat"))
    samples(frames, len(enabled(2)), SEED + 42).view(np.uint16).tofile(os.path.join(recording, "supply.dat"))
    samples(frames, len(enabled(3)), SEED + 43).view(np.uint16).tofile(os.path.join(recording, "analogin.dat"))
    np.zeros(frames, dtype=np.uint16).tofile(os.path.join(recording, "digitalin.dat"))
    return {"path": recording, "source": f"replay:{recording}"}


def write_intan_rhd(folder, major=3, minor=0, name="traditional.rhd"):
    path = os.path.join(folder, name)
    block = 60 if major == 1 else 128
    blocks = 180 if major == 1 else 90
    temperature_sensors = 0  # neo 0.14.6 cannot name temperature channels
    rng = np.random.default_rng(SEED + 50 + major)
    amplifier = len(enabled(0))
    with open(path, "wb") as f:
        f.write(rhd_header(major, minor, 20000.0, INTAN_GROUPS, temperature_sensors))
        for b in range(blocks):
            f.write(np.arange(b * block, (b + 1) * block, dtype=np.int32).tobytes())
            data = rng.integers(0, 65536, size=(amplifier, block), dtype=np.int64).astype(np.uint16)
            if b == 0:
                data[0, 0], data[0, 1] = 0, 65535
            f.write(data.tobytes())  # channel after channel, each `block` samples
            f.write(rng.integers(0, 65536, size=(len(enabled(1)), block // 4)).astype(np.uint16).tobytes())
            f.write(rng.integers(0, 65536, size=len(enabled(2))).astype(np.uint16).tobytes())
            f.write(rng.integers(0, 4000, size=temperature_sensors).astype(np.int16).tobytes())
            f.write(rng.integers(0, 65536, size=(len(enabled(3)), block)).astype(np.uint16).tobytes())
            f.write(rng.integers(0, 2, size=block).astype(np.uint16).tobytes())  # digital inputs, one word per sample
    return {"path": path, "source": f"replay:{path}"}


def neo_intan(path):
    from neo.rawio import IntanRawIO
    reader = IntanRawIO(filename=path)
    reader.parse_header()
    return reader, next(i for i, s in enumerate(reader.header["signal_streams"]) if s["name"] == "RHD2000 amplifier channel")


# ---------------------------------------------------------------- layouts

LAYOUTS = {
    # layout: (writer, source from the written facts, neo reader, names KetaMap leaves out)
    "openephys": (write_openephys, lambda w: w["source"], lambda w: neo_openephys(w["path"]), ()),
    "spikeglx-ap": (write_spikeglx, lambda w: f"replay:{w['path']}?stream=imec0.ap", lambda w: neo_spikeglx(w["path"], "imec0.ap"), ()),
    "spikeglx-lf": (write_spikeglx, lambda w: f"replay:{w['path']}/run_g0_imec0/run_g0_t0.imec0.lf.meta", lambda w: neo_spikeglx(w["path"], "imec0.lf"), ()),
    "spikeglx-nidq": (write_spikeglx, lambda w: f"replay:{w['path']}/run_g0_t0.nidq.bin", lambda w: neo_spikeglx(w["path"], "nidq"), ("XD",)),
    "spikeglx-np2": (write_spikeglx_np2, lambda w: w["source"], lambda w: neo_spikeglx(w["path"], "imec0.ap"), ()),
    "intan-one-file": (write_intan_one_file, lambda w: w["source"], lambda w: neo_intan(os.path.join(w["path"], "info.rhd")), ()),
    "intan-rhd": (write_intan_rhd, lambda w: w["source"], lambda w: neo_intan(w["path"]), ()),
    "intan-rhd-v1": (lambda f: write_intan_rhd(f, 1, 3, "v13.rhd"), lambda w: w["source"], lambda w: neo_intan(w["path"]), ()),
}


def compare(layout, written, session):
    import h5py

    _, _, open_neo, left_out = LAYOUTS[layout]
    reader, stream_index = open_neo(written)
    stream_id = reader.header["signal_streams"][stream_index]["id"]
    channels = reader.header["signal_channels"]
    channels = channels[channels["stream_id"] == stream_id]
    keep = [i for i, c in enumerate(channels) if not any(c["name"].startswith(p) for p in left_out)]
    names = [str(channels[i]["name"]) for i in keep]
    unit_scale = {"uV": 1.0, "V": 1e6, "mV": 1e3}
    neo_gains = [float(channels[i]["gain"]) * unit_scale[str(channels[i]["units"])] for i in keep]
    neo_offsets = [float(channels[i]["offset"]) / float(channels[i]["gain"]) for i in keep]  # in counts
    rate = float(channels[0]["sampling_rate"])
    frames = reader.get_signal_size(0, 0, stream_index)
    raw = reader.get_analogsignal_chunk(0, 0, 0, frames, stream_index=stream_index, channel_indexes=keep).astype(np.int64)

    problems = []
    with h5py.File(session, "r") as f:
        series = f["acquisition/ElectricalSeries"]
        data = series["data"][()]
        session_rate = float(series["starting_time"].attrs["rate"])
        gains = series["data"].attrs["conversion"] * series["channel_conversion"][()] * 1e6
        electrodes = f["general/extracellular_ephys/electrodes"]
        stored = [n.decode() if isinstance(n, bytes) else str(n) for n in electrodes["channel_name"][: data.shape[1]]]
        gain_column = electrodes["gain"][: data.shape[1]]
    if stored != names:
        problems.append(f"channel names: session {stored}, neo {names}")
    if session_rate != rate:
        problems.append(f"rate: session {session_rate}, neo {rate}")
    if data.dtype != np.int16:
        problems.append(f"dtype {data.dtype}")
    if not np.allclose(gains, neo_gains, rtol=1e-12, atol=0):
        problems.append(f"gains (µV per count): session {list(gains)}, neo {neo_gains}")
    if not np.allclose(gain_column, neo_gains, rtol=1e-12, atol=0):
        problems.append(f"electrodes gain column: session {list(gain_column)}, neo {neo_gains}")
    expected = raw + np.round(np.array(neo_offsets)).astype(np.int64)  # Intan's offset binary re-centred
    if data.shape != expected.shape:
        problems.append(f"shape: session {data.shape}, neo {expected.shape}")
    elif not np.array_equal(data.astype(np.int64), expected):
        bad = np.argwhere(data.astype(np.int64) != expected)
        problems.append(f"{len(bad)} samples differ, first at frame {bad[0][0]} channel {bad[0][1]}")
    return {"problems": problems, "checked": {"frames": int(frames), "channels": names, "rate": rate, "gains": neo_gains}}


def main():
    command, layout, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    writer, source, _, _ = LAYOUTS[layout]
    facts_path = os.path.join(folder, f"{layout}.written.json")
    if command == "write":
        written = writer(folder)
        written["source"] = source(written)
        with open(facts_path, "w") as f:
            json.dump(written, f)
        print(json.dumps(written))
    elif command == "compare":
        with open(facts_path) as f:
            written = json.load(f)
        print(json.dumps(compare(layout, written, sys.argv[4])))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
