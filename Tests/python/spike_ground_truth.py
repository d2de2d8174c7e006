"""Spike-detection ground truth from SpikeInterface's generator, and the
offline detector KetaMap is compared with (run by the Swift tests through
$KETAMAP_PYTHON).

Usage:
  spike_ground_truth.py SEED CHANNELS UNITS SECONDS RATE_HZ UV_PER_COUNT OUTDIR

Writes into OUTDIR:
  samples.i16   the recording as int16 counts [frames][channels] (little endian)
  truth.json    {"frames", "channels", "noise_uv",
                 "units": [{"spikes": [sample...], "peak_channel", "snr": [per channel]}],
                 "offline": [[sample...] per channel]}

The units are `generate_ground_truth_recording`'s own (realistic templates from
`generate_templates`, positions on a two-column probe), each scaled to a peak
SNR spread geometrically from 5 to 40. SNR is DESIGN's: the template's peak in
the spike band (SpikeInterface's `bandpass_filter`, 300-6000 Hz, zero phase)
over the spike band's noise sigma. "offline" is SpikeInterface's
`detect_peaks(method="by_channel")` at 5 x MAD, negative peaks, on the
band-passed int16 recording: what an analyst would run afterwards.
"""
import json
import os
import sys

import numpy as np
import probeinterface
import spikeinterface
import spikeinterface.core as si
from scipy import signal
from spikeinterface.core.generate import generate_templates, generate_unit_locations
from spikeinterface.preprocessing import bandpass_filter
from spikeinterface.sortingcomponents.peak_detection import detect_peaks

BAND_HZ = (300.0, 6000.0)
NOISE_UV = 5.0  # the generator's default noise level (white, per channel)
THRESHOLD_K = 5.0


def main(argv):
    seed, channels, units = int(argv[1]), int(argv[2]), int(argv[3])
    seconds, rate, uv_per_count, out = float(argv[4]), float(argv[5]), float(argv[6]), argv[7]
    spikeinterface.set_global_job_kwargs(progress_bar=False, n_jobs=1)
    rng = np.random.default_rng(seed)

    probe = probeinterface.generate_multi_columns_probe(
        num_columns=2, num_contact_per_column=[channels // 2, channels - channels // 2], xpitch=20, ypitch=20,
        contact_shapes="circle", contact_shape_params={"radius": 6})
    probe.set_device_channel_indices(np.arange(channels))
    locations = generate_unit_locations(
        units, probe.contact_positions, seed=seed, margin_um=10.0, minimum_z=5.0, maximum_z=50.0, minimum_distance=20)
    templates = generate_templates(probe.contact_positions, locations, rate, 1.0, 3.0, seed=seed, dtype="float32")

    # Scale each unit to its target peak SNR in the spike band.
    sos = signal.butter(5, BAND_HZ, "bandpass", fs=rate, output="sos")
    band_sigma = NOISE_UV * np.sqrt((BAND_HZ[1] - BAND_HZ[0]) / (rate / 2))
    targets = np.geomspace(5, 40, units)
    rng.shuffle(targets)
    snr = np.zeros((units, channels))
    for u in range(units):
        band = signal.sosfiltfilt(sos, np.pad(templates[u], ((100, 100), (0, 0))), axis=0)
        templates[u] *= targets[u] * band_sigma / np.abs(band).max()
        snr[u] = np.abs(band).max(axis=0) / np.abs(band).max() * targets[u]

    recording, sorting = si.generate_ground_truth_recording(
        durations=[seconds], sampling_frequency=rate, probe=probe, templates=templates, num_units=units, seed=seed,
        generate_sorting_kwargs=dict(firing_rates=15, refractory_period_ms=4.0),
        noise_kwargs=dict(noise_levels=NOISE_UV, strategy="on_the_fly"))
    counts = np.clip(np.round(recording.get_traces() / uv_per_count), -32768, 32767).astype("<i2")
    os.makedirs(out, exist_ok=True)
    counts.tofile(os.path.join(out, "samples.i16"))

    # The offline detector on exactly the samples KetaMap gets.
    stored = si.NumpyRecording(counts.astype(np.float32) * uv_per_count, sampling_frequency=rate)
    filtered = bandpass_filter(stored, freq_min=BAND_HZ[0], freq_max=BAND_HZ[1], dtype="float32")
    noise = si.get_noise_levels(filtered, return_in_uV=False, random_slices_kwargs=dict(seed=seed))
    peaks = detect_peaks(
        filtered, method="by_channel",
        method_kwargs=dict(peak_sign="neg", detect_threshold=THRESHOLD_K, noise_levels=noise))
    offline = [peaks["sample_index"][peaks["channel_index"] == c].tolist() for c in range(channels)]

    truth = {
        "frames": int(counts.shape[0]),
        "channels": channels,
        "noise_uv": NOISE_UV,
        "units": [
            {"spikes": sorting.get_unit_spike_train(unit_id).tolist(), "peak_channel": int(np.argmax(snr[u])),
             "snr": snr[u].tolist()}
            for u, unit_id in enumerate(sorting.unit_ids)],
        "offline": offline,
    }
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main(sys.argv)
