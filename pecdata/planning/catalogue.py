"""The catalogue of interventions a Swedish region typically considers (step 7), as data.

Seven :class:`~pecdata.planning.interventions.Intervention` objects, each number with
its range and its source (``V`` read in the source, ``R`` recalled, ``E`` an estimate
with the reasoning): a fixed care contact for patients with complex needs, planned
follow-ups moved to primary care, digital visits, remote monitoring of heart failure and
COPD, a mobile home-care team for frail elderly, coordinated discharge and right-sized
wards. :func:`catalogue_table` lists every assumption for the handbook.
"""

from __future__ import annotations

import pandas as pd

from pecdata.planning.interventions import Intervention, Shift

__all__ = ["catalogue", "catalogue_table"]


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
