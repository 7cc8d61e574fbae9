"""Integer codes for the generator's text values (kinds, professions, units, diagnoses).

Millions of contacts are simulated; carrying their kind, unit, diagnosis and
profession as Python strings costs gigabytes and most of the run time. The
stages therefore pass small integer codes into the vocabularies below, and
:func:`categorical` turns a code array into the pandas ``Categorical`` the
tables hold (categories: the values that occur, sorted, as
``pd.Categorical(strings)`` would give).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.generation import assumptions as A
from pecdata.generation import diagnoses as dx
from pecdata.generation.organisation import HOSPITALS, LOCAL_HOSPITAL, SHORT, units_skeleton
from pecdata.warehouse.schema import CARE_LEVELS, DISCHARGE_DESTINATIONS, PROFESSIONS, SPECIALTIES

# --- kinds of contact and their level of care ---------------------------------------------------
KIND_NAMES = (
    "pc_physician",
    "pc_nurse",
    "pc_allied",
    "digital",
    "outpatient_physician",
    "outpatient_nurse",
    "emergency",
    "day_surgery",
    "inpatient",
    "home_health_care",
)
KIND = {k: i for i, k in enumerate(KIND_NAMES)}
_LEVEL_OF_KIND = {
    "pc_physician": "primary_care",
    "pc_nurse": "primary_care",
    "pc_allied": "primary_care",
    "digital": "digital",
    "outpatient_physician": "outpatient",
    "outpatient_nurse": "outpatient",
    "emergency": "emergency",
    "day_surgery": "day_surgery",
    "inpatient": "inpatient",
    "home_health_care": "home_health_care",
}
#: kind code -> index into :data:`pecdata.warehouse.schema.CARE_LEVELS`
LEVEL_OF_KIND = np.array([CARE_LEVELS.index(_LEVEL_OF_KIND[k]) for k in KIND_NAMES], np.int8)
PROF = {p: i for i, p in enumerate(PROFESSIONS)}
SPEC = {s: i for i, s in enumerate(SPECIALTIES)}
DEST = {d: i for i, d in enumerate(DISCHARGE_DESTINATIONS)}
DECEASED = DEST["deceased"]
NO_DEST = -1

# --- sites (municipality codes double as hospital site codes) and units -------------------------
SITE_NAMES = tuple(m[0] for m in A.DEFAULT_MUNICIPALITIES)
SITE = {s: i for i, s in enumerate(SITE_NAMES)}
UNIT_IDS = tuple(units_skeleton().unit_id)
UNIT = {u: i for i, u in enumerate(UNIT_IDS)}
#: Hospital site (index into SITE_NAMES) of each municipality's acute hospital.
HOSPITAL_OF_MUNI = np.array([SITE[HOSPITALS[m[4]]] for m in A.DEFAULT_MUNICIPALITIES], np.int8)
LOCAL_SITE = SITE[LOCAL_HOSPITAL]


# Lookup tables by site have one extra last entry, -1, so that site -1 (no site) gives unit -1
# (no such unit) instead of wrapping around; unit -1 is reported as an error.
def _unit_table(fmt: str) -> np.ndarray:
    """(site, specialty) -> unit code for ids like ``HAV-W-CAR``; -1 where no such unit."""
    out = np.full((len(SITE_NAMES) + 1, len(SPECIALTIES)), -1, np.int16)
    for i, site in enumerate(SITE_NAMES):
        for j, spec in enumerate(SPECIALTIES):
            if spec in SHORT:
                out[i, j] = UNIT.get(fmt.format(site=site, short=SHORT[spec]), -1)
    return out


def _site_units(fmt: str) -> np.ndarray:
    return np.array([UNIT.get(fmt.format(site=s), -1) for s in SITE_NAMES] + [-1], np.int16)


WARD = _unit_table("{site}-W-{short}")
CLINIC = _unit_table("{site}-O-{short}")
ED_UNIT = _site_units("{site}-ED")
IMAGING_UNIT = _site_units("{site}-IMG")
HHC_UNIT = _site_units("HHC-{site}")
#: Site code (index into SITE_NAMES) of each unit's prefix; -1 for PC-, REG- and HHC- units.
SITE_OF_UNIT = np.array([SITE.get(u.split("-")[0], -1) for u in UNIT_IDS], np.int8)

# --- diagnoses (vocabulary defined in .diagnoses) ---------------------------------------------
DX_NAMES, DX = dx.DX_NAMES, dx.DX


def categorical(codes: np.ndarray, names) -> pd.Categorical:
    """A Categorical of ``names[codes]`` (code -1 is missing) with the values present as
    categories, sorted: the same as ``pd.Categorical`` of the strings, without the strings."""
    names = list(names)
    codes = np.asarray(codes)
    present = np.bincount(codes[codes >= 0], minlength=len(names)) > 0
    cats = sorted((names[i], i) for i in np.flatnonzero(present))
    remap = np.full(len(names) + 1, -1, np.int8 if len(cats) < 127 else np.int32)
    # (the last slot maps code -1, missing, to -1)
    remap[[i for _, i in cats]] = np.arange(len(cats))
    return pd.Categorical.from_codes(remap[codes], categories=[c for c, _ in cats])


__all__ = [
    "KIND",
    "KIND_NAMES",
    "LEVEL_OF_KIND",
    "PROF",
    "SPEC",
    "DEST",
    "DECEASED",
    "UNIT",
    "UNIT_IDS",
    "SITE",
    "SITE_NAMES",
    "DX",
    "DX_NAMES",
    "categorical",
]
