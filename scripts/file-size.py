#!/usr/bin/env python3
"""A session file's size against the int16 bytes of its samples.

Usage: file-size.py SESSION.nwb

Prints the file's bytes, the raw samples' int16 bytes (frames x channels x 2,
every ElectricalSeries), the bytes the feature datasets take on disk (LFP,
band power, threshold crossings) and the ratio
(file - features) / int16 bytes: 1.000 would be samples only, no padding,
no metadata (docs/performance.md, "Session file size").
"""
import os
import sys

import h5py


def main(path):
    raw = features = 0
    with h5py.File(path, "r") as f:
        for name, group in f["acquisition"].items():
            if name.startswith("ElectricalSeries"):
                data = group["data"]
                raw += data.shape[0] * data.shape[1] * data.dtype.itemsize

        def add(name, item):
            nonlocal features
            if isinstance(item, h5py.Dataset):
                features += item.id.get_storage_size()

        if "processing/ecephys" in f:
            f["processing/ecephys"].visititems(add)
        for name, table in f["events"].items():
            if name.startswith("threshold_crossings"):
                table.visititems(add)
    size = os.path.getsize(path)
    print(f"file {size} B; raw int16 {raw} B; features {features} B; "
          f"(file - features) / int16 = {(size - features) / raw:.4f}; file / int16 = {size / raw:.4f}")


if __name__ == "__main__":
    main(sys.argv[1])
