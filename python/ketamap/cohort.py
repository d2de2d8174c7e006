"""The cohort map: many sessions' dose maps combined across subjects.

Each session is mapped by `ketamapctl report` (on the Dask cluster's workers
when a client is given, so an archive of thousands of sessions is mapped in
parallel by Dask's scheduler); the maps are then combined by
`ketamapctl cohort`, so the numbers are the command line's own."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile

import pandas as pd

from .maps import ketamapctl, report_json


def _map_one(path, options):
    return report_json(path, **options)


def cohort_map(paths, client=None, **options):
    """Combines the dose maps of `paths` into one per region and band across
    subjects: columns region, band, subjects, sessions, mean_db, low_db,
    high_db (95 % t interval over subjects), significant, subjects_significant.

    client: a `dask.distributed.Client`; each session is then mapped on the
    cluster (workers need `ketamapctl` and read access to the files). Without
    one, sessions are mapped here, one after another. Options as
    `ketamapctl report`: baseline, window, dose, at."""
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("cohort_map needs at least one session")
    if client is not None:
        futures = client.map(_map_one, paths, options=options, pure=False)
        reports = client.gather(futures)
    else:
        reports = [_map_one(p, options) for p in paths]
    with tempfile.TemporaryDirectory() as folder:
        saved = []
        for i, text in enumerate(reports):
            saved.append(os.path.join(folder, f"session-{i:06d}.json"))
            with open(saved[-1], "w", encoding="utf-8") as f:
                f.write(text)
        result = subprocess.run([ketamapctl(), "cohort", *saved, "--csv"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ketamapctl cohort: {result.stderr.strip()}")
    return pd.read_csv(io.StringIO(result.stdout))
