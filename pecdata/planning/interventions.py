"""Interventions as data, the segments they target, and a catalogue of seven (step 7).

An :class:`Intervention` says whom it reaches (a population segment: :data:`SEGMENTS`,
:func:`segment_membership`), what it changes, what it needs and how fast it ramps up;
:func:`catalogue` holds the interventions a Swedish region typically considers when
moving care "to the right level" (nära vård): a fixed care contact for patients with
complex needs, planned follow-ups moved to primary care, digital visits, remote
monitoring of heart failure and COPD, a mobile home-care team for frail elderly,
coordinated discharge and right-sized wards. Every number has a range and a source;
``V`` marks a figure read in the source, ``R`` one recalled from it, ``E`` an estimate
(the reasoning is given). :func:`catalogue_table` lists them for the handbook.

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
    "pecdata.analyses.segments (65+, 2+ chronic conditions, and 2+ acute admissions or "
    "home health care in the year)",
    "heart_failure_copd": "Residents with heart failure (I50) or COPD (J44)",
    "frail_elderly": "Frail elderly (sköra äldre): 75+ with 2+ chronic conditions or municipal "
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
    :func:`pecdata.analyses.segments.assign_segments` (step 5: 65+, two or more chronic
    conditions and two or more acute admissions or home health care; residents in
    their last year of life are a segment of their own there). The others, stated in
    :data:`SEGMENTS`, use the same year's conditions (diagnosed
    by 31 December), acute admissions and home health care.

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
    out["frail_elderly"] = ((d.age >= 75) & ((d.conditions >= 2) | d.home_health_care)).to_numpy()
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


# --- sources ------------------------------------------------------------------------------------
_STOKES = (
    "Stokes J et al. Effectiveness of case management for 'at risk' patients in primary "
    "care: systematic review and meta-analysis. PLoS One 2015;10(7):e0132340 - no "
    "significant effect on secondary care use overall; larger with multidisciplinary "
    "teams (V)"
)
_NORD = (
    "Nord M, Lyth J, Alwin J, Marcusson J. Costs and effects of comprehensive geriatric "
    "assessment in primary care for older adults with high risk for hospitalisation. BMC "
    "Geriatr 2021;21:263 - 75+, top 11 % risk score: hospital episodes -17 %, hospital days "
    "-22 % (95 % CI -35 to -4) (V)"
)
_KUMAR = (
    "Kumar GS, Klein R. Effectiveness of case management strategies in reducing ED visits "
    "in frequent user patient populations: a systematic review. J Emerg Med 2013 - "
    "most of 12 studies show fewer ED visits (V)"
)
_HUDON = (
    "Hudon C et al. Characteristics of case management in primary care associated with "
    "positive outcomes for frequent users. Ann Fam Med 2019;17(5):448 (V)"
)
_KOTB = (
    "Kotb A et al. Comparative effectiveness of different forms of telemedicine for "
    "individuals with heart failure: network meta-analysis. PLoS One 2015 - "
    "telemonitoring: HF hospitalisation OR 0.64 (0.39-0.95) (V)"
)
_INGLIS = (
    "Inglis SC et al. Structured telephone support or non-invasive telemonitoring for "
    "patients with heart failure. Cochrane Database Syst Rev 2015;(10):CD007228 - "
    "HF-related hospitalisation RR about 0.71 with telemonitoring (R)"
)
_EDGAR = (
    "Edgar K et al. Admission avoidance hospital at home. Cochrane Database Syst Rev "
    "2024;CD007491.pub3 - 20 RCTs, 3,100 mostly older participants (V); little or no "
    "difference in readmission (R)"
)
_JONKOPING = (
    "Läkartidningen 2020-01 'Bakslag för mobilt geriatriskt team' - randomised "
    "Jönköping study of 62 multimorbid elderly: no difference in inpatient use (V)"
)
_UPPSALA = (
    "Läkartidningen 2015-02 'Mobila äldreakuten i Uppsala rycker ut och spar pengar' - "
    "physician-nurse team visiting patients aged 80-90 at home (V)"
)
_EVISIT = (
    "Glock H et al. eVisits to primary care and subsequent health care contacts: a "
    "register-based study. BMC Prim Care 2024 (doi 10.1186/s12875-024-02541-y) - 25.8 % "
    "had a face-to-face visit within 14 days (V)"
)
_VGR = (
    "Västra Götalandsregionen, Handlingsplan 2018-2019, omställning av hälso- och "
    "sjukvården (HS 2018-00460): nära vård, digital care meetings, remote monitoring, "
    "coordinated discharge (seed document) (V)"
)
_SEED_KP = (
    "Region Gävleborg on Kaiser Permanente: a fixed care contact (fast vårdkontakt) who "
    "guides the patient to every specialist function (seed document) (V)"
)
_KAPLAN = (
    "Kaplan RS, Anderson SR. Time-Driven Activity-Based Costing. HBS Press 2007 - unused "
    "capacity is a cost only management action removes [S60] (R)"
)
_S20 = (
    "Vårdanalys 2022:1 Besök via nätet - digital care is a minor part of primary care "
    "contacts, about 10 % [S20] (E)"
)
_S15 = "Ward occupancy typically 90-100 %; Halland runs fewest beds per resident [S13][S15] (V/E)"
_LAW = (
    "Lag (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård: the "
    "municipality takes over within 3 days of discharge readiness (R)"
)
_STAFF = "E: caseload assumption stated in the intervention's description"
_COST = "E: order of magnitude from Swedish regional pilots; replace with local quotes"


def catalogue() -> dict[str, Intervention]:
    """The catalogue of interventions, freshly built (safe to modify the copies).

    Returns
    -------
    dict
        Key -> :class:`Intervention`, in the order the handbook presents them.

    Examples
    --------
    >>> cat = catalogue()
    >>> len(cat) >= 6
    True
    >>> cat["remote_monitoring"].segment
    'heart_failure_copd'
    """
    items = [
        Intervention(
            "care_coordinator",
            "Fixed care contact / care coordinator (fast vårdkontakt)",
            "complex_needs",
            "A named nurse coordinator for patients with complex needs: a care plan (SIP), "
            "proactive calls after discharge, one number to ring. Caseload about 80 patients "
            "per nurse (12 FTE per 1,000 reached).",
            coverage=0.6,
            admissions=-0.05,
            readmissions=-0.10,
            ed_visits=-0.15,
            staff_fte_per_1000={"nurse": 12.0, "physician": 1.0},
            cost_per_patient_sek=1_000,
            fixed_cost_per_100k_sek=500_000,
            startup_cost_per_100k_sek=1_000_000,
            ramp=(0.4, 0.8, 1.0),
            feasibility=4,
            ranges={
                "coverage": (0.3, 0.8),
                "admissions": (-0.17, 0.0),
                "readmissions": (-0.20, 0.0),
                "ed_visits": (-0.30, 0.0),
                "staff_fte_per_1000.nurse": (8.0, 16.0),
            },
            sources={
                "admissions": f"{_STOKES}: so 0 at the low end; {_NORD}: -17 % at the "
                f"high end for the highest-risk patients; {_HUDON}; E: -5 % central, as the "
                "coordinator works with a selected group and a shared care plan",
                "ed_visits": _KUMAR,
                "readmissions": "E: between no effect (Stokes 2015) and -20 % in "
                "high-intensity programmes (Hudon 2019)",
                "coverage": "E: share of eligible patients who accept a coordinator",
                "staff_fte_per_1000.nurse": _STAFF,
                "segment": _SEED_KP,
            },
        ),
        Intervention(
            "followups_to_primary_care",
            "Planned follow-ups moved to primary care (nära vård)",
            "chronic_stable",
            "Stable chronic patients' planned specialist follow-ups (diabetes, hypertension, "
            "heart disease, arthritis) are done at the primary care centre with specialist "
            "advice on call.",
            coverage=1.0,
            shifts=(Shift("outpatient", "primary_care", 0.25),),
            fixed_cost_per_100k_sek=300_000,
            startup_cost_per_100k_sek=1_000_000,
            ramp=(0.3, 0.7, 1.0),
            feasibility=3,
            ranges={"shifts.0.share": (0.10, 0.40), "shifts.0.ratio": (0.9, 1.3)},
            sources={
                "shifts.0.share": f"E: a quarter of stable patients' follow-ups; {_VGR}",
                "shifts.0.ratio": "E: primary care may need a few more contacts per patient",
                "segment": "SOU 2020:19 God och nära vård (R)",
            },
        ),
        Intervention(
            "digital_visits",
            "Digital visits (digitala vårdbesök)",
            "all",
            "Video and chat visits at the patient's own primary care centre replace some "
            "physical visits. A quarter of eVisits still lead to a physical visit, so the net "
            "share replaced is about three quarters of the gross share and each replaced visit "
            "takes 1.35 digital contacts.",
            coverage=1.0,
            shifts=(Shift("primary_care", "digital", 0.15, ratio=1.35),),
            fixed_cost_per_100k_sek=1_500_000,
            startup_cost_per_100k_sek=2_000_000,
            ramp=(0.5, 0.8, 1.0),
            feasibility=5,
            ranges={
                "shifts.0.share": (0.07, 0.22),
                "shifts.0.ratio": (1.1, 1.5),
                "fixed_cost_per_100k_sek": (800_000, 2_500_000),
            },
            sources={
                "shifts.0.share": f"{_S20}; E: 10-30 % gross",
                "shifts.0.ratio": _EVISIT,
                "fixed_cost_per_100k_sek": _COST,
                "segment": _VGR,
            },
        ),
        Intervention(
            "remote_monitoring",
            "Remote monitoring, heart failure and COPD (monitorering på distans)",
            "heart_failure_copd",
            "Daily weight, pulse, oxygen saturation and symptoms sent from home; a nurse "
            "team acts on alerts. About 330 patients per nurse (3 FTE per 1,000).",
            coverage=0.4,
            admissions=-0.15,
            ed_visits=-0.05,
            shifts=(Shift("outpatient", "digital", 0.20),),
            staff_fte_per_1000={"nurse": 3.0},
            cost_per_patient_sek=6_000,
            fixed_cost_per_100k_sek=500_000,
            startup_cost_per_100k_sek=2_000_000,
            ramp=(0.3, 0.7, 1.0),
            feasibility=3,
            ranges={
                "coverage": (0.2, 0.6),
                "admissions": (-0.30, -0.03),
                "ed_visits": (-0.15, 0.0),
                "shifts.0.share": (0.0, 0.35),
                "cost_per_patient_sek": (3_000, 10_000),
            },
            sources={
                "admissions": f"{_KOTB}; {_INGLIS}; E: all-cause admissions of a mixed "
                "HF/COPD group fall less than HF admissions",
                "coverage": "E: eligible and willing patients",
                "segment": _VGR,
                "cost_per_patient_sek": _COST,
                "staff_fte_per_1000.nurse": _STAFF,
            },
        ),
        Intervention(
            "mobile_home_team",
            "Mobile home-care team (mobilt närsjukvårdsteam)",
            "frail_elderly",
            "A physician and nurses who assess and treat frail elderly at home when they "
            "deteriorate, instead of an ED visit and admission; they also shorten stays by "
            "taking over early. One physician and four nurses per 1,000 patients reached.",
            coverage=0.7,
            admissions=-0.15,
            length_of_stay=-0.05,
            ed_visits=-0.10,
            staff_fte_per_1000={"physician": 1.0, "nurse": 4.0},
            cost_per_patient_sek=1_500,
            startup_cost_per_100k_sek=1_000_000,
            ramp=(0.5, 1.0),
            feasibility=3,
            ranges={
                "coverage": (0.4, 0.9),
                "admissions": (-0.30, 0.0),
                "length_of_stay": (-0.15, 0.0),
                "ed_visits": (-0.25, 0.0),
            },
            sources={
                "admissions": f"{_UPPSALA}; {_JONKOPING}; {_EDGAR}; E: -15 % central, "
                "0 (Jönköping) to -30 %",
                "length_of_stay": "E",
                "ed_visits": f"E; {_UPPSALA}",
                "coverage": "E: share of frail elderly the team can reach",
                "staff_fte_per_1000.nurse": _STAFF,
            },
        ),
        Intervention(
            "coordinated_discharge",
            "Coordinated discharge (samverkan vid utskrivning)",
            "age_75_plus",
            "Discharge planning with the municipality from day one, follow-up call within 48 "
            "hours; fewer days waiting for municipal care.",
            coverage=1.0,
            length_of_stay=-0.08,
            readmissions=-0.05,
            staff_fte_per_1000={"nurse": 1.0},
            startup_cost_per_100k_sek=500_000,
            ramp=(0.5, 1.0),
            feasibility=4,
            ranges={"length_of_stay": (-0.15, -0.02), "readmissions": (-0.10, 0.05)},
            sources={"length_of_stay": f"E; {_LAW}", "readmissions": "E", "segment": _VGR},
        ),
        Intervention(
            "right_sized_wards",
            "Right-sized wards (vårdplatser efter behov)",
            "all",
            "Wards whose PEC pools show large unused capacity are cut to the beds and staff "
            "needed at 90 % occupancy, and the freed staff fill vacancies elsewhere.",
            coverage=1.0,
            unused_ward_capacity=0.5,
            fixed_cost_per_100k_sek=200_000,
            startup_cost_per_100k_sek=500_000,
            ramp=(0.5, 1.0),
            feasibility=2,
            ranges={"unused_ward_capacity": (0.25, 0.75)},
            sources={"unused_ward_capacity": f"E; {_KAPLAN}; {_S15}"},
        ),
    ]
    return {iv.key: iv for iv in items}


def catalogue_table(interventions=None) -> pd.DataFrame:
    """Every assumption of the catalogue: value, range and source, one row each.

    Parameters
    ----------
    interventions : dict or list of Intervention, optional
        Defaults to :func:`catalogue`.

    Returns
    -------
    DataFrame
        ``key``, ``name``, ``segment``, ``parameter``, ``value``, ``low``, ``high``,
        ``source``.

    Examples
    --------
    >>> t = catalogue_table()
    >>> bool((t.low <= t.value).all() and (t.value <= t.high).all())
    True
    """
    ivs = catalogue() if interventions is None else interventions
    ivs = list(ivs.values()) if isinstance(ivs, dict) else list(ivs)
    rows = []
    for iv in ivs:
        for name, (lo, hi) in iv.ranges.items():
            rows.append(
                (
                    iv.key,
                    iv.name,
                    iv.segment,
                    name,
                    iv.parameter(name),
                    lo,
                    hi,
                    iv.sources.get(name, "E"),
                )
            )
    return pd.DataFrame(
        rows, columns=["key", "name", "segment", "parameter", "value", "low", "high", "source"]
    )
