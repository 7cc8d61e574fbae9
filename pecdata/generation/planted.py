"""Findings planted in the region on purpose, with their known truth.

Participants discover these with the method's analyses; trainers' checks and the
answer key know the truth. Which ward, centre or municipality is chosen depends on
the seed; each finding can be switched off (``generate(planted=False)`` or a list
of the findings to keep).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pecdata.generation import assumptions as A

FINDINGS = {
    "underused_ward": (3, "A ward runs far below its practical capacity"),
    "pcc_avoidable_admissions": (
        6,
        "A primary care centre's listed patients have twice the avoidable admissions of its peers",
    ),
    "frail_readmissions": (5, "A group of frail elderly patients with repeated readmissions"),
    "home_team_pilot": (
        9,
        "A mobile home-care team pilot cut acute admissions among older "
        "residents of one municipality",
    ),
    "frequent_ed_attenders": (
        6,
        "A small group of adults visits the emergency department again and again",
    ),
    "stroke_door_to_needle": (6, "One hospital is slow from arrival to stroke thrombolysis"),
    "duplicate_load": (2, "One centre's encounters for one month were loaded twice"),
    "missing_diagnoses": (2, "One emergency department left main diagnoses blank in the last year"),
}
#: Diagnoses the planted centre's excess admissions are drawn from: ambulatory-care-sensitive
#: conditions on Socialstyrelsen's list of avoidable hospitalisations (undvikbar slutenvård),
#: asthma (J45-J46) among them since the warehouse records it (the analyses' list has it too).
ACSC_PREFIXES = (
    "I50",
    "I11.0",
    "I10",
    "I20",
    "J44",
    "J45",
    "J46",
    "E11",
    "D50",
    "N10",
    "E86",
    "K52",
    "J03",
)
UNDERUSED_OCCUPANCY = 0.55
ACSC_MULTIPLIER = 2.0
FRAIL_READMISSION = 0.45  # used by inpatient.FRAIL_P
#: The planted frail cohort is drawn from residents 80+ with this many chronic conditions or more:
#: about 36 % of those 80+, as many as three or more of the warehouse's first eleven conditions
#: gave before it recorded twenty (E, measured on generated regions).
FRAIL_MIN_CONDITIONS = 5
#: Share of the acute admissions of the pilot municipality's residents 75+ that the mobile
#: team prevents (E). Larger than the -17 % hospital episodes of proactive geriatric
#: assessment for the highest-risk 11 % of people 75+ (Nord et al., BMC Geriatr 2021;21:263;
#: calibration.md "Further sources" section 8), a teaching choice: at -20 % a careful
#: difference in differences at teaching size (50,000 residents) excluded 0 in about half
#: of 15 seeds; at -30 %, in one of the three largest municipalities
#: (:data:`PILOT_MUNICIPALITIES`) and with the placebos' dispersion in the interval, in 29 of
#: seeds 1-30, covering the truth in 29 (issue 11).
PILOT_EFFECT = -0.30
PILOT_MIN_AGE = 75
#: Municipalities the pilot can be given (indices into DEFAULT_MUNICIPALITIES): the three
#: largest, HAV, NOR and VAL. A pilot is placed where it can be evaluated: at teaching size
#: Falkhamra has about 1,100 residents 75+ and a 30 % cut there was found (95 % interval
#: below 0) in about 3 of 4 simulated regions, in the three largest in about 9 of 10 (E,
#: simulated on 30 unplanted seeds; issue 11).
PILOT_MUNICIPALITIES = (0, 1, 2)
ED_ATTENDER_VISITS = 10.0
STROKE_DTN_MEDIAN = {"fast": 27.0, "slow": 48.0}  # minutes; target <= 30 (calibration.md §6)


@dataclass
class Plan:
    """Which findings are planted, and where."""

    enabled: set = field(default_factory=set)
    underused_ward: str | None = None
    pcc: int | None = None
    frail_members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pilot_muni: int | None = None
    pilot_start_day: int | None = None
    ed_attenders: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slow_stroke_site: str | None = None
    duplicate_unit: str | None = None
    duplicate_month: tuple | None = None
    missing_dx_unit: str | None = None
    missing_dx_year: int | None = None
    truth: dict = field(default_factory=dict)

    def on(self, name: str) -> bool:
        return name in self.enabled

    def ward_occupancy(self, unit_id: str) -> float:
        if self.on("underused_ward") and unit_id == self.underused_ward:
            return UNDERUSED_OCCUPANCY
        return A.TARGET_OCCUPANCY


def resolve(planted) -> set:
    if planted is True or planted is None:
        return set(FINDINGS)
    if planted is False:
        return set()
    unknown = set(planted) - set(FINDINGS)
    if unknown:
        raise ValueError(
            f"unknown planted finding(s) {sorted(unknown)}; choose from {sorted(FINDINGS)}"
        )
    return set(planted)


def choose(rng, enabled, people, start_year, years, units, pcc_ids, muni_codes, year0_rows):
    """Pick the targets of each enabled finding for this seed."""
    from pecdata.generation.population import day_of

    plan = Plan(enabled=set(enabled))
    wards = units[
        (units.unit_type == "ward") & (units.site != "Norrmarka Local Hospital (närsjukhus)")
    ].unit_id.tolist()
    plan.underused_ward = str(
        rng.choice(sorted(w for w in wards if w.split("-")[-1] in ("SUR", "ORT", "GER", "INF")))
    )
    big = [i for i, u in enumerate(pcc_ids) if not u.startswith("PC-SKO")]
    plan.pcc = int(rng.choice(big))
    plan.pilot_muni = int(rng.choice(PILOT_MUNICIPALITIES))
    frail_candidates = [m for m in range(len(muni_codes)) if m != plan.pilot_muni]
    frail_muni = int(rng.choice(frail_candidates))
    mid = max(years // 2, 1)
    plan.pilot_start_day = day_of(start_year + mid, 7, 1) if years > 1 else day_of(start_year, 7)
    age0, ncond0, muni0, pid0 = year0_rows
    cand = pid0[(age0 >= 80) & (ncond0 >= FRAIL_MIN_CONDITIONS) & (muni0 == frail_muni)]
    n_frail = max(5, int(round(len(people.birth) * 0.0012)))
    plan.frail_members = np.sort(rng.choice(cand, min(n_frail, len(cand)), replace=False))
    adults = pid0[(age0 >= 20) & (age0 < 65)]
    n_ed = max(3, int(round(len(people.birth) * 0.00025)))
    plan.ed_attenders = np.sort(rng.choice(adults, min(n_ed, len(adults)), replace=False))
    plan.slow_stroke_site = str(rng.choice(["HAV", "VAL"]))
    plan.duplicate_unit = str(rng.choice(pcc_ids))
    plan.duplicate_month = (start_year + min(1, years - 1), int(rng.integers(2, 12)))
    plan.missing_dx_unit = str(rng.choice(["HAV-ED", "VAL-ED"]))
    plan.missing_dx_year = start_year + years - 1
    plan.truth["frail_municipality"] = muni_codes[frail_muni]
    if "frail_readmissions" not in plan.enabled:
        plan.frail_members = plan.frail_members[:0]
    if "frequent_ed_attenders" not in plan.enabled:
        plan.ed_attenders = plan.ed_attenders[:0]
    return plan


def is_acsc(codes: np.ndarray) -> np.ndarray:
    """Is each diagnosis an ambulatory-care-sensitive condition? ``codes`` holds ICD-10 strings
    or integer codes into :data:`.diagnoses.DX_NAMES`."""
    codes = np.asarray(codes)
    if codes.dtype.kind in "iu":
        from pecdata.generation.diagnoses import dx_prefix

        return dx_prefix(*ACSC_PREFIXES)[codes]
    s = codes.astype(str)
    out = np.zeros(len(s), bool)
    for p in ACSC_PREFIXES:
        out |= np.char.startswith(s, p)
    return out
