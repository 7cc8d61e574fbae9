"""Interventions as data, the segments they target, and a catalogue of seven (step 7).

An :class:`Intervention` says whom it reaches (a population segment: :data:`SEGMENTS`,
:func:`segment_membership`), what it changes, what it needs and how fast it ramps up;
:func:`catalogue` holds the interventions a Swedish region typically considers when
moving care "to the right level" (nära vård): a fixed care contact for patients with
complex needs, planned follow-ups moved to primary care, digital visits, remote
monitoring of heart failure and COPD, a mobile home-care team for frail elderly,
coordinated discharge and right-sized wards. Every number has a range and a source;
``V`` marks a figure read in the source, ``R`` one recalled from it, ``E`` an estimate
(the reasoning is given). :func:`catalogue_table` lists them for the handbook. The
catalogue itself is data in :mod:`pecdata.planning.catalogue` (re-exported here).

Effects are *relative changes for the patients reached*: ``admissions=-0.15`` means
15 % fewer acute admissions among reached patients, so a coverage of 40 % gives 6 %
fewer in the whole segment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pecdata.warehouse.schema import CARE_LEVELS as LEVELS
from pecdata.warehouse.schema import PROFESSIONS

__all__ = [
    "SEGMENTS",
    "segment_membership",
    "AGE_BAND_LABELS",
    "Shift",
    "Intervention",
    "catalogue",
    "catalogue_table",
]

#: Population segments an intervention can target (the rules: :func:`segment_membership`).
SEGMENTS = {
    "all": "Everyone living in the region",
    "complex_needs": "Patients with complex care needs (komplexa vårdbehov): the segment of "
    "pecdata.analyses.segments (65+, 2+ acute admissions and 26+ home health care visits in "
    "the year)",
    "heart_failure_copd": "Residents with heart failure (I50) or COPD (J44)",
    "frail_elderly": "Frail elderly (sköra äldre): 75+ with 3+ chronic conditions or municipal "
    "home health care in the year",
    "chronic_stable": "Residents with a chronic condition and no acute admission in the year",
    "age_75_plus": "Residents aged 75 and over",
}
#: Age bands of the baseline cells and the projection (75+ split, as pilots target it).
AGE_EDGES = (20, 45, 65, 75, 85)
AGE_BAND_LABELS = ("0-19", "20-44", "45-64", "65-74", "75-84", "85+")


def age_band(age) -> np.ndarray:
    """Index into :data:`AGE_BAND_LABELS` for each age.

    Examples
    --------
    >>> [AGE_BAND_LABELS[i] for i in age_band([3, 74, 75, 90])]
    ['0-19', '65-74', '75-84', '85+']
    """
    return np.searchsorted(np.array(AGE_EDGES), np.asarray(age), side="right")


def segment_membership(wh, years=None) -> pd.DataFrame:
    """Which target groups each resident belongs to in each year (they overlap).

    ``complex_needs`` is the segment of that name from
    :func:`pecdata.analyses.segments.assign_segments` (step 5: 65+, two or more acute
    admissions and 26 or more home health care visits in the year; residents in their
    last year of life are a segment of their own there). The others, stated in
    :data:`SEGMENTS`, use the same year's conditions (diagnosed by 31 December), acute
    admissions and home health care. The frail elderly need three or more of the
    warehouse's twenty chronic conditions (or home health care): about 56 % of people
    75+, as many as two or more of its first eleven conditions gave (Socialstyrelsen's
    "multisjuka äldre" indicator asked for diagnoses from three or more ICD chapters, R).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    years : list of int, optional
        Years to classify (default: all).

    Returns
    -------
    DataFrame
        ``resident_id``, ``year``, ``age``, ``age_band`` (index into
        :data:`AGE_BAND_LABELS`), ``person_years`` and one boolean column per segment.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> seg = segment_membership(example_warehouse(), years=[2024])
    >>> bool(seg.age_75_plus.eq(seg.age >= 75).all())
    True
    """
    from pecdata.analyses.segments import assign_segments

    d = assign_segments(wh, years)
    key = ["resident_id", "year"]
    cond = wh["conditions"]
    c = cond[cond.condition.astype(str).isin(["heart_failure", "copd"])][
        ["resident_id", "onset_date"]
    ].merge(d[key], on="resident_id")
    hf_copd = c[c.onset_date.dt.year <= c.year].groupby(key).size()
    ry = wh["resident_years"].set_index(key).days_resident
    out = d[key + ["age"]].copy()
    idx = pd.MultiIndex.from_frame(d[key])
    out["age_band"] = age_band(d.age.to_numpy())
    out["person_years"] = ry.reindex(idx).to_numpy() / 365.25
    out["complex_needs"] = (d.segment == "complex_needs").to_numpy()
    out["heart_failure_copd"] = hf_copd.reindex(idx).fillna(0).to_numpy() > 0
    out["frail_elderly"] = ((d.age >= 75) & ((d.conditions >= 3) | d.home_health_care)).to_numpy()
    out["chronic_stable"] = ((d.conditions >= 1) & (d.acute_admissions == 0)).to_numpy()
    out["age_75_plus"] = (d.age >= 75).to_numpy()
    return out


_NUMERIC = (
    "coverage",
    "admissions",
    "readmissions",
    "length_of_stay",
    "ed_visits",
    "unused_ward_capacity",
    "cost_per_patient_sek",
    "fixed_cost_per_100k_sek",
    "startup_cost_per_100k_sek",
)
_SHARES = ("coverage", "unused_ward_capacity")
_RELATIVE = ("admissions", "readmissions", "length_of_stay", "ed_visits")


def _check_share(name: str, value: float, where: str) -> None:
    if not np.isfinite(value) or value < 0 or value > 1:
        raise ValueError(
            f"{where}: {name} must be a share between 0 and 1 (0-100 %), got {value!r}"
        )


@dataclass(frozen=True)
class Shift:
    """Contacts moved from one level of care to another (e.g. follow-ups to primary care).

    ``share`` of the segment's *planned* contacts at ``from_level`` are replaced by
    ``ratio`` contacts each at ``to_level``, costed at the destination's average PEC
    cost and staff time for the same patients.

    Examples
    --------
    >>> Shift("outpatient", "primary_care", 0.25).share
    0.25
    >>> Shift("outpatient", "primary_care", 1.25)
    Traceback (most recent call last):
    ...
    ValueError: Shift: share must be a share between 0 and 1 (0-100 %), got 1.25
    """

    from_level: str
    to_level: str
    share: float
    ratio: float = 1.0

    def __post_init__(self):
        for name in ("from_level", "to_level"):
            if getattr(self, name) not in LEVELS:
                raise ValueError(
                    f"Shift.{name}: unknown level of care "
                    f"{getattr(self, name)!r}; choose from {list(LEVELS)}"
                )
        if self.from_level == self.to_level:
            raise ValueError(f"Shift: from_level and to_level are both {self.from_level!r}")
        _check_share("share", self.share, "Shift")
        if not np.isfinite(self.ratio) or self.ratio < 0:
            raise ValueError(f"Shift: ratio must be 0 or more, got {self.ratio!r}")


@dataclass(frozen=True)
class Intervention:
    """An intervention as data: whom it reaches, what it changes, what it needs.

    Parameters
    ----------
    key, name : str
        Short identifier and readable name (English with the Swedish term).
    segment : str
        Target group, one of :data:`SEGMENTS` (``"all"`` for everyone).
    coverage : float
        Share of the segment reached at full scale (0-1).
    admissions, readmissions, length_of_stay, ed_visits : float
        Relative change for reached patients (``-0.15`` = 15 % fewer) in acute
        admissions, 30-day readmissions (on top of fewer admissions), bed-days per
        acute admission and ED visits. At least -1.
    shifts : tuple of Shift
        Contacts moved between levels of care.
    unused_ward_capacity : float
        Share of the wards' removable unused capacity removed by right-sizing (0-1): the
        capacity above what the use needs at target occupancy
        (:attr:`Baseline.removable_ward_sek`), not capacity the wards need.
    staff_fte_per_1000 : dict
        Staff added per 1,000 reached patients, by profession.
    cost_per_patient_sek : float
        Other running cost per reached patient and year (devices, licences, travel).
    fixed_cost_per_100k_sek, startup_cost_per_100k_sek : float
        Fixed running cost per year and one-off start-up cost, per 100,000 residents
        (so that one intervention costs the same per resident at any size of region).
    ramp : tuple of float
        Share of full scale in the first, second, ... year after the start; the last
        value holds for later years.
    start : int
        Planning year in which it starts (0 = the first).
    feasibility : int
        1 (hard) to 5 (easy): staff, IT, agreements, acceptance (for pilot scoring).
    ranges : dict
        Parameter -> (low, high) for sensitivity and uncertainty analysis. Parameters
        are field names or ``"shifts.0.share"``.
    sources : dict
        Parameter -> source and confidence (V verified, R recalled, E estimate).

    Examples
    --------
    >>> team = Intervention("team", "Mobile team", "frail_elderly", coverage=0.5,
    ...                     admissions=-0.2, ranges={"admissions": (-0.3, -0.05)})
    >>> team.with_parameter("admissions", -0.1).admissions
    -0.1
    >>> Intervention("bad", "Bad", "frail_elderly", coverage=1.4)
    Traceback (most recent call last):
    ...
    ValueError: Intervention 'bad': coverage must be a share between 0 and 1 (0-100 %), got 1.4
    """

    key: str
    name: str
    segment: str
    description: str = ""
    coverage: float = 1.0
    admissions: float = 0.0
    readmissions: float = 0.0
    length_of_stay: float = 0.0
    ed_visits: float = 0.0
    shifts: tuple = ()
    unused_ward_capacity: float = 0.0
    staff_fte_per_1000: dict = field(default_factory=dict)
    cost_per_patient_sek: float = 0.0
    fixed_cost_per_100k_sek: float = 0.0
    startup_cost_per_100k_sek: float = 0.0
    ramp: tuple = (0.5, 1.0)
    start: int = 0
    feasibility: int = 3
    ranges: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def __post_init__(self):
        where = f"Intervention {self.key!r}"
        if self.segment not in SEGMENTS:
            raise ValueError(
                f"{where}: unknown segment {self.segment!r}; choose from {list(SEGMENTS)}"
            )
        for name in _SHARES:
            _check_share(name, getattr(self, name), where)
        for name in _RELATIVE:
            v = getattr(self, name)
            if not np.isfinite(v) or v < -1:
                raise ValueError(
                    f"{where}: {name} is a relative change and must be -1 "
                    f"(-100 %) or more, got {v!r}"
                )
        for name in (
            "cost_per_patient_sek",
            "fixed_cost_per_100k_sek",
            "startup_cost_per_100k_sek",
        ):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{where}: {name} must be 0 or more, got {getattr(self, name)!r}")
        object.__setattr__(self, "shifts", tuple(self.shifts))
        for s in self.shifts:
            if not isinstance(s, Shift):
                raise ValueError(f"{where}: shifts must be Shift objects, got {s!r}")
        total = {}
        for s in self.shifts:
            total[s.from_level] = total.get(s.from_level, 0.0) + s.share
        for lv, share in total.items():
            if share > 1 + 1e-9:
                raise ValueError(
                    f"{where}: shifts move {share:.0%} of {lv} contacts, more than 100 %"
                )
        for p, fte in self.staff_fte_per_1000.items():
            if p not in PROFESSIONS:
                raise ValueError(
                    f"{where}: staff_fte_per_1000 has unknown profession {p!r}; "
                    f"choose from {list(PROFESSIONS)}"
                )
            if not np.isfinite(fte) or fte < 0:
                raise ValueError(
                    f"{where}: staff_fte_per_1000[{p!r}] must be 0 or more, got {fte!r}"
                )
        ramp = tuple(float(r) for r in self.ramp)
        if not ramp:
            raise ValueError(f"{where}: ramp needs at least one year")
        for r in ramp:
            _check_share("ramp", r, where)
        object.__setattr__(self, "ramp", ramp)
        if int(self.start) != self.start or self.start < 0:
            raise ValueError(
                f"{where}: start must be a planning year 0, 1, 2, ..., got {self.start!r}"
            )
        if self.feasibility not in (1, 2, 3, 4, 5):
            raise ValueError(f"{where}: feasibility must be 1-5, got {self.feasibility!r}")
        for name, rng in self.ranges.items():
            self.parameter(name)
            lo, hi = rng
            if not lo <= hi:
                raise ValueError(f"{where}: range of {name} has low {lo!r} above high {hi!r}")

    def parameter(self, name: str) -> float:
        """The value of a parameter: a field, ``"shifts.<i>.share"`` (or ``.ratio``) or
        ``"staff_fte_per_1000.<profession>"``.

        Examples
        --------
        >>> catalogue()["digital_visits"].parameter("shifts.0.share")
        0.15
        """
        if name.startswith("shifts."):
            parts = name.split(".")
            try:
                return float(getattr(self.shifts[int(parts[1])], parts[2]))
            except (IndexError, ValueError, AttributeError):
                raise ValueError(
                    f"Intervention {self.key!r}: no parameter {name!r} (it has "
                    f"{len(self.shifts)} shifts)"
                ) from None
        if name.startswith("staff_fte_per_1000."):
            return float(self.staff_fte_per_1000.get(name.split(".", 1)[1], 0.0))
        if name not in _NUMERIC:
            raise ValueError(
                f"Intervention {self.key!r}: unknown parameter {name!r}; choose "
                f"from {list(_NUMERIC)} or 'shifts.<i>.share'"
            )
        return float(getattr(self, name))

    def with_parameter(self, name: str, value: float) -> Intervention:
        """A copy with one parameter changed (validated like a new intervention).

        Examples
        --------
        >>> iv = catalogue()["remote_monitoring"].with_parameter("staff_fte_per_1000.nurse", 5)
        >>> iv.staff_fte_per_1000["nurse"]
        5.0
        """
        self.parameter(name)
        if name.startswith("shifts."):
            _, i, attr = name.split(".")
            shifts = list(self.shifts)
            shifts[int(i)] = dataclasses.replace(shifts[int(i)], **{attr: float(value)})
            return dataclasses.replace(self, shifts=tuple(shifts))
        if name.startswith("staff_fte_per_1000."):
            staff = dict(self.staff_fte_per_1000)
            staff[name.split(".", 1)[1]] = float(value)
            return dataclasses.replace(self, staff_fte_per_1000=staff)
        return dataclasses.replace(self, **{name: float(value)})

    def time_to_effect(self, threshold: float = 0.9) -> int:
        """Years from the start until the ramp reaches ``threshold`` of full scale.

        Examples
        --------
        >>> Intervention("x", "X", "all", ramp=(0.3, 0.7, 1.0)).time_to_effect()
        3
        """
        for i, r in enumerate(self.ramp):
            if r >= threshold * max(self.ramp):
                return i + 1
        return len(self.ramp)


# The catalogue is data: it lives in its own module and is re-exported here.
from pecdata.planning.catalogue import catalogue, catalogue_table  # noqa: E402
