"""Read KetaMap session files (NWB 2.x, written by ketamapd) into MNE-Python
and pandas, and map the dose response of a session or of a cohort."""

from .session import SessionFile
from .mne_reader import read_session
from .maps import band_power, dose_map
from .cohort import cohort_map

__all__ = ["SessionFile", "read_session", "band_power", "dose_map", "cohort_map"]
__version__ = "0.1.0"
