"""How close is the synthetic region to published Swedish figures?

:func:`calibration_table` measures the generated region the way an analyst would
(rates per 1,000 residents, mean length of stay, prevalence, cost per resident,
cost concentration) and sets each measure beside its published target from
``calibration.md``. The project's test fails when a measure is more than 15 %
off its target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.analyses.fidelity import fidelity_table
from pecdata.pec.average import simple_encounter_costs

__all__ = [
    "TARGETS",
    "PEC_TARGETS",
    "TOLERANCE",
    "AGE_BANDS",
    "person_years",
    "readmission_rate_65",
    "pec_measures",
    "calibration_table",
    "fidelity_table",
]

TOLERANCE = 0.15

#: measure -> (target, source). Targets are published figures or stated derivations.
TARGETS = {
    "share aged 0-19 (%)": (23.8, "[S3] 2022: 81,022 of ~342,700"),
    "share aged 20-44 (%)": (28.7, "[S3] 2022: 98,136 of ~342,700"),
    "share aged 45-64 (%)": (25.1, "E: ~86,000 of ~342,700 [S3]"),
    "share aged 65-79 (%)": (16.1, "E: ~55,000 of ~342,700 [S3][S6]"),
    "share aged 80+ (%)": (6.3, "E: ~21,500 of ~342,700 [S3][S6]"),
    "inpatient episodes per 1,000": (131.0, "[S9] 1,379,000 episodes / 10.52 M, 2022"),
    "residents hospitalised in the year (%)": (7.9, "[S9] 827,000 persons, 2022"),
    "specialist outpatient physician visits per 1,000": (1290.0, "[S9] 13.6 M visits, 2022"),
    "emergency department visits per 1,000": (173.0, "[S10] 1.82 M visits, 2023"),
    "primary care physician visits per 1,000": (1480.0, "[S12] 14.6 M visits, 2015"),
    "primary care visits to other professions per 1,000": (2250.0, "E: 2,000-2,500"),
    "home health care patients per 1,000": (39.0, "[S18] 412,000 persons, 2022"),
    "mean length of stay (days)": (5.2, "E: somatic care, OECD 5.9 for all [S14]"),
    "30-day readmission after discharge, 65+ (%)": (10.0, "[S16] ~10 %, 2021"),
    "ED visits leading to admission (%)": (33.3, "[S10] 1 in 3"),
    "prevalence: heart failure (%)": (2.0, "[S35] 2.2 % nationally; Halland 1.9 % [S24]"),
    "prevalence: atrial fibrillation (%)": (2.89, "[S36]"),
    "prevalence: type 2 diabetes (%)": (5.0, "R: ~500,000 people"),
    "prevalence: COPD, diagnosed (%)": (1.5, "E: a third of 7-10 % of those 40+ [S38]"),
    "prevalence: stroke survivors (%)": (1.94, "[S39] 1,942 per 100,000"),
    "prevalence: dementia among 65+ (%)": (8.0, "R: ~8 % of those 65+"),
    "prevalence: rheumatoid arthritis among adults (%)": (0.65, "[S40] 0.6-0.7 %"),
    "region's health-care cost per resident (SEK)": (
        21_473.0,
        "[S23] 27,250 x (19.8 % + 59.0 %): primary and somatic specialised care",
    ),
    "primary care share of cost (%)": (25.1, "[S23] 19.8 / (19.8 + 59.0)"),
    "specialised somatic care share of cost (%)": (74.9, "[S23] 59.0 / (19.8 + 59.0)"),
    "cost share of top 1 % of residents (%)": (22.5, "E: 20-25 % [S29][S31]"),
    "cost share of top 5 % of residents (%)": (47.5, "E: 45-50 % [S29]"),
    "cost share of top 10 % of residents (%)": (62.5, "E: 60-65 % [S31][S32]"),
}
#: Measured with Patient Encounter Cost (:mod:`pecdata.pec`), full-absorption view (view b:
#: all cost, unused capacity included, as in KPP), when ``calibration_table(pec=True)``.
PEC_TARGETS = {
    "PEC cost per inpatient episode (SEK)": (
        67_938.0,
        "[S21] KPP 2022, average per hospital episode (DRG weight 1.0)",
    ),
    "PEC cost per bed-day (SEK)": (12_250.0, "E: 67,938 / 5.2-5.9 days = 11,500-13,000"),
    "PEC cost per specialist outpatient physician visit (SEK)": (
        3_500.0,
        "E/R: 3,000-4,000 (KPP, somatic)",
    ),
    "PEC cost per ED visit not admitted (SEK)": (5_000.0, "E/R: 4,000-6,000"),
    "PEC cost per primary care physician visit (SEK)": (
        1_900.0,
        "E/R: 1,600-2,200 per physical visit [S20]",
    ),
    "PEC cost per resident, region's care (SEK)": (
        21_473.0,
        "[S23] 27,250 x (19.8 % + 59.0 %): primary and somatic specialised care",
    ),
    "PEC primary care share of cost (%)": (25.1, "[S23] 19.8 / (19.8 + 59.0)"),
    "PEC inpatient share of specialised somatic cost (%)": (
        57.5,
        "E: inpatient about 55-60 % of specialised somatic care",
    ),
    "PEC cost share of the costliest 5 % of inpatient episodes (%)": (
        20.0,
        "[S22] KPP 'ytterfall': about 20 %",
    ),
}
TARGETS.update(PEC_TARGETS)
PRIMARY_UNIT_TYPES = ("primary_care_centre", "digital_care")
PRIMARY_LEVELS = ("primary_care", "digital")
SPECIALISED_LEVELS = ("outpatient", "emergency", "inpatient", "day_surgery")
AGE_BANDS = [(0, 19), (20, 44), (45, 64), (65, 79), (80, 200)]


def person_years(wh, year: int) -> float:
    """Person-years lived in the region in ``year`` (the denominator of the rates)."""
    from pecdata.analyses.denominators import person_years as by_group

    return float(by_group(wh, by="year", years=[year]).person_years.iloc[0])


def _rate(wh, mask, year) -> float:
    enc = wh["encounters"]
    return 1000 * (mask & (enc.year == year)).sum() / person_years(wh, year)


def readmission_rate_65(wh) -> float:
    """Share (%) of living discharges of patients 65+ followed by an acute admission in 30 days.

    All years pooled; discharges in the last 30 days of the data are left out
    (see :func:`pecdata.analyses.indicators.readmissions_30d`, the step 6 indicator).
    """
    from pecdata.analyses.indicators import readmissions_30d

    return 100 * float(readmissions_30d(wh, by=[], min_age=65).rate.iloc[0])


def pec_measures(wh, year: int, ec: pd.DataFrame) -> dict[str, float]:
    """The PEC rows of the calibration table from ``encounter_costs`` (view b) of one year.

    Unit costs are means per encounter: inpatient episodes (the whole hospital episode:
    ward, theatre, imaging, laboratory), specialist outpatient and primary care (physical)
    physician visits, and ED visits that did not lead to an admission. Cost per resident and
    the shares count encounters at the region's own units (municipal home health care is
    left out, as in [S23]).
    """
    enc = wh["encounters"]
    e = enc[enc.year == year]
    ec = ec[ec.year == year].set_index("encounter_id")
    cost = ec.cost_full_sek.reindex(e.encounter_id).to_numpy()
    lvl, prof = e.care_level.astype(str).to_numpy(), e.main_profession.astype(str).to_numpy()
    owner = wh["units"].set_index(wh["units"].unit_id.astype(str)).owner.astype(str)
    region = e.unit_id.astype(str).map(owner).to_numpy() == "region"
    ip = lvl == "inpatient"
    admitted = e.encounter_id.isin(enc.origin_encounter_id.dropna().astype("int64")).to_numpy()
    g = {
        "PEC cost per inpatient episode (SEK)": cost[ip].mean(),
        "PEC cost per bed-day (SEK)": cost[ip].sum()
        / np.maximum(e.length_of_stay_days.to_numpy()[ip], 1).sum(),
        "PEC cost per specialist outpatient physician visit (SEK)": cost[
            (lvl == "outpatient") & (prof == "physician")
        ].mean(),
        "PEC cost per ED visit not admitted (SEK)": cost[(lvl == "emergency") & ~admitted].mean(),
        "PEC cost per primary care physician visit (SEK)": cost[
            (lvl == "primary_care") & (prof == "physician")
        ].mean(),
    }
    g["PEC cost per resident, region's care (SEK)"] = cost[region].sum() / person_years(wh, year)
    primary = cost[region & np.isin(lvl, PRIMARY_LEVELS)].sum()
    specialised = cost[region & np.isin(lvl, SPECIALISED_LEVELS)].sum()
    g["PEC primary care share of cost (%)"] = 100 * primary / (primary + specialised)
    g["PEC inpatient share of specialised somatic cost (%)"] = (
        100 * cost[region & ip].sum() / specialised
    )
    episodes = np.sort(cost[ip])[::-1]
    top = max(1, int(round(0.05 * len(episodes))))
    g["PEC cost share of the costliest 5 % of inpatient episodes (%)"] = (
        100 * episodes[:top].sum() / episodes.sum()
    )
    return g


def calibration_table(
    wh, year: int | None = None, encounter_costs: pd.Series | None = None, pec: bool = True
) -> pd.DataFrame:
    """Measures of the generated region beside their published targets.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    year : int, optional
        Year to measure (default: the first year).
    encounter_costs : Series, optional
        Cost per encounter (indexed by ``encounter_id``) for the cost-concentration
        measures; defaults to PEC's full-absorption cost (``cost_full_sek``).
    pec : bool, default True
        Cost the year with PEC (or read the warehouse's ``encounter_costs``)
        and add the rows of :data:`PEC_TARGETS`: unit costs, cost per
        resident, cost shares and inpatient outliers. With False, the PEC rows
        are left out and cost concentration uses :func:`pecdata.pec.average.simple_encounter_costs`.

    Returns
    -------
    DataFrame
        One row per measure: ``measure``, ``target``, ``generated``, ``ratio``,
        ``within_tolerance`` and ``source``.
    """
    enc, ry, cond, res = wh["encounters"], wh["resident_years"], wh["conditions"], wh["residents"]
    year = int(ry.year.min()) if year is None else year
    g = {}
    ry_y = ry[ry.year == year]
    for lo, hi in AGE_BANDS:
        label = f"share aged {lo}-{hi} (%)" if hi < 200 else f"share aged {lo}+ (%)"
        g[label] = 100 * ry_y.age.between(lo, hi).mean()
    lvl, prof = enc.care_level, enc.main_profession
    g["inpatient episodes per 1,000"] = _rate(wh, lvl == "inpatient", year)
    g["residents hospitalised in the year (%)"] = (
        100
        * enc.loc[(lvl == "inpatient") & (enc.year == year), "resident_id"].nunique()
        / ry_y.shape[0]
    )
    g["specialist outpatient physician visits per 1,000"] = _rate(
        wh, (lvl == "outpatient") & (prof == "physician"), year
    )
    g["emergency department visits per 1,000"] = _rate(wh, lvl == "emergency", year)
    g["primary care physician visits per 1,000"] = _rate(
        wh, lvl.isin(["primary_care", "digital"]) & (prof == "physician"), year
    )
    g["primary care visits to other professions per 1,000"] = _rate(
        wh, lvl.isin(["primary_care", "digital"]) & (prof != "physician"), year
    )
    hhc = enc[(lvl == "home_health_care") & (enc.year == year)].resident_id.nunique()
    g["home health care patients per 1,000"] = 1000 * hhc / person_years(wh, year)
    ip_y = enc[(lvl == "inpatient") & (enc.year == year)]
    g["mean length of stay (days)"] = ip_y.length_of_stay_days.mean()
    g["30-day readmission after discharge, 65+ (%)"] = readmission_rate_65(wh)
    ed_y = enc[(lvl == "emergency") & (enc.year == year)]
    g["ED visits leading to admission (%)"] = (
        100 * ip_y.origin_encounter_id.notna().sum() / len(ed_y)
    )
    # prevalence on 31 December among residents that day
    dec31 = pd.Timestamp(year=year, month=12, day=31)
    alive = res[
        ((res.in_date.isna()) | (res.in_date <= dec31))
        & ((res.out_date.isna()) | (res.out_date > dec31))
        & ((res.death_date.isna()) | (res.death_date > dec31))
    ]
    age = (dec31 - alive.set_index("resident_id").birth_date).dt.days / 365.25
    c = cond[(cond.onset_date <= dec31) & cond.resident_id.isin(alive.resident_id)]
    n = len(alive)
    has = c.groupby("condition", observed=False).size()
    g["prevalence: heart failure (%)"] = 100 * has["heart_failure"] / n
    g["prevalence: atrial fibrillation (%)"] = 100 * has["atrial_fibrillation"] / n
    g["prevalence: type 2 diabetes (%)"] = 100 * has["diabetes_t2"] / n
    g["prevalence: COPD, diagnosed (%)"] = 100 * has["copd"] / n
    g["prevalence: stroke survivors (%)"] = 100 * has["stroke"] / n
    old = age[age >= 65].index
    g["prevalence: dementia among 65+ (%)"] = (
        100 * c[(c.condition == "dementia") & c.resident_id.isin(old)].shape[0] / len(old)
    )
    adults = age[age >= 18].index
    g["prevalence: rheumatoid arthritis among adults (%)"] = (
        100
        * c[(c.condition == "rheumatoid_arthritis") & c.resident_id.isin(adults)].shape[0]
        / len(adults)
    )
    # costs
    units = wh["units"].set_index("unit_id")
    led = wh["ledger"]
    led_y = led[led.year == year].assign(
        owner=lambda d: units.owner.reindex(d.unit_id).to_numpy(),
        utype=lambda d: units.unit_type.reindex(d.unit_id).to_numpy(),
    )
    region = led_y[led_y.owner == "region"]
    g["region's health-care cost per resident (SEK)"] = region.amount_sek.sum() / person_years(
        wh, year
    )
    primary = region[region.utype.isin(PRIMARY_UNIT_TYPES)].amount_sek.sum()
    g["primary care share of cost (%)"] = 100 * primary / region.amount_sek.sum()
    g["specialised somatic care share of cost (%)"] = 100 - g["primary care share of cost (%)"]
    if pec:
        if "encounter_costs" in wh and (wh["encounter_costs"].year == year).any():
            ec = wh["encounter_costs"]
        else:
            from pecdata.pec import cost_encounters

            ec = cost_encounters(wh, years=[year]).encounter_costs
        g.update(pec_measures(wh, year, ec))
        if encounter_costs is None:
            encounter_costs = ec.set_index("encounter_id")["cost_full_sek"]
    elif encounter_costs is None:
        encounter_costs = simple_encounter_costs(wh)
    from pecdata.analyses.segments import cost_concentration, resident_year_costs

    conc = (
        cost_concentration(
            resident_year_costs(wh, encounter_costs, years=[year]), top_percents=(1, 5, 10)
        )
        .set_index("top_percent")
        .cost_share
    )
    for p in (1, 5, 10):
        g[f"cost share of top {p} % of residents (%)"] = 100 * conc[p]
    rows = []
    for measure, (target, source) in TARGETS.items():
        if measure not in g:
            continue
        v = float(g[measure])
        ratio = v / target
        rows.append(
            (measure, target, round(v, 3), round(ratio, 3), abs(ratio - 1) <= TOLERANCE, source)
        )
    return pd.DataFrame(
        rows, columns=["measure", "target", "generated", "ratio", "within_tolerance", "source"]
    )
