"""Data-quality findings planted after generation, and the answer key's measured truth.

The answer key records, for each planted finding, what was planted and the value a
participant should find in the data (measured on the generated tables, so trainers
can compare a participant's number with it directly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.generation import assumptions as A
from pecdata.generation import planted as pl


def plant_data_quality(rng, t: dict, plan) -> None:
    """Blank main diagnoses at one ED in the last year.

    (The other data-quality finding, one centre's month loaded twice, is written while
    the tables are built: see ``encounters._duplicate_load``.)
    """
    enc = t["encounters"]
    if plan.on("missing_diagnoses"):
        sel = np.flatnonzero(
            ((enc.unit_id == plan.missing_dx_unit) & (enc.year == plan.missing_dx_year)).to_numpy()
        )
        blank = sel[rng.random(len(sel)) < 0.06]
        enc.loc[blank, "main_diagnosis"] = np.nan
        plan.truth["missing"] = (len(blank), len(sel))


def readmitted_30d(ip: pd.DataFrame) -> pd.Series:
    """For each inpatient episode: is it followed by an acute admission within 30 days?"""
    ip = ip.sort_values(["resident_id", "start_time"])
    nxt = ip.groupby("resident_id").start_time.shift(-1)
    nxt_acute = ip.groupby("resident_id").acute.shift(-1).fillna(False).astype(bool)
    flag = nxt_acute & ((nxt - ip.end_time) <= pd.Timedelta(days=30))
    return flag.reindex(ip.index)


def findings_tables(t, plan, start_year, years, resident_id) -> dict[str, pd.DataFrame]:
    rows, members = [], []
    enc, ry = t["encounters"], t["resident_years"]
    ip = enc[enc.care_level == "inpatient"]

    def add(fid, location, measure, true, comp, unit, text):
        step, title = pl.FINDINGS[fid]
        rows.append(
            (
                fid,
                step,
                title,
                location,
                measure,
                float(true),
                np.nan if comp is None else float(comp),
                unit,
                text,
            )
        )

    if plan.on("underused_ward"):
        cap = t["capacity"]
        cap0 = cap[(cap.resource == "bed_day") & (cap.year == start_year)].set_index("unit_id")
        used = (
            ip[ip.year == start_year]
            .groupby("unit_id", observed=True)
            .length_of_stay_days.apply(lambda s: np.maximum(s, 1).sum())
        )
        occ = (used.reindex(cap0.index).fillna(0) / cap0.practical_quantity) * 100
        w = plan.underused_ward
        add(
            "underused_ward",
            w,
            f"bed occupancy {start_year} (bed-days used / available)",
            round(occ[w], 1),
            round(occ.drop(w).median(), 1),
            "%",
            f"Ward {w} was given beds and staff for about {pl.UNDERUSED_OCCUPANCY:.0%} "
            "occupancy instead of the ~90 % the other wards are sized for, so its bed-day and "
            "staff pools carry a large cost of unused capacity (steps 3, 4 and 6).",
        )
    if plan.on("pcc_avoidable_admissions"):
        pcc = t["units"].query("unit_type == 'primary_care_centre'").unit_id.tolist()[plan.pcc]
        acsc = ip[ip.acute & pl.is_acsc(ip.main_diagnosis.astype(str).to_numpy())]
        listed = acsc.merge(
            ry[["resident_id", "year", "listed_unit_id"]], on=["resident_id", "year"], how="left"
        )
        n_at = (listed.listed_unit_id == pcc).sum()
        py_at = ry.loc[ry.listed_unit_id == pcc, "days_resident"].sum() / 365.25
        py_rest = ry.loc[ry.listed_unit_id != pcc, "days_resident"].sum() / 365.25
        add(
            "pcc_avoidable_admissions",
            pcc,
            "avoidable (ACSC) acute admissions per 1,000 listed residents and year",
            round(1000 * n_at / py_at, 2),
            round(1000 * (len(listed) - n_at) / py_rest, 2),
            "per 1,000 residents",
            f"Residents listed at {pcc} have {pl.ACSC_MULTIPLIER:.0f} times the avoidable "
            "admissions (heart failure, COPD, diabetes, hypertension, angina, anaemia, "
            "pyelonephritis, dehydration, ENT infections) that their age and conditions "
            "would predict. Compare centres with an age-standardised rate or a funnel plot.",
        )
    if plan.on("frail_readmissions") and len(plan.frail_members):
        ids = resident_id[plan.frail_members]
        members += [("frail_readmissions", int(i)) for i in ids]
        flag = readmitted_30d(ip)
        alive = ip.discharge_destination != "deceased"
        age = ip.merge(
            ry[["resident_id", "year", "age"]], on=["resident_id", "year"], how="left"
        ).age.to_numpy()
        cohort = ip.resident_id.isin(ids).to_numpy()
        old = age >= 80
        add(
            "frail_readmissions",
            f"{len(ids)} residents aged 80+ in {plan.truth['frail_municipality']}",
            "30-day readmission rate after discharge",
            round(100 * flag[alive & cohort].mean(), 1),
            round(100 * flag[alive & ~cohort & old].mean(), 1),
            "%",
            f"Frail elderly residents with {pl.FRAIL_MIN_CONDITIONS} or more chronic conditions "
            "are admitted often "
            f"and readmitted within 30 days after about {pl.FRAIL_READMISSION:.0%} of their "
            "discharges, and all have municipal home health care. They appear among the "
            "costliest residents and in the complex-needs segment year after year (steps 5, 6). "
            "Being a fixed group of very old people, fewer of them are alive each year.",
        )
    if plan.on("home_team_pilot"):
        muni = t["municipalities"].municipality_code.tolist()[plan.pilot_muni]
        start = pd.Timestamp(np.datetime64(plan.pilot_start_day, "D"))
        old = ry[(ry.municipality_code == muni) & (ry.age >= pl.PILOT_MIN_AGE)]
        frac_post = np.clip(
            (pd.Timestamp(year=start.year + 1, month=1, day=1) - start).days / 365.25, 0, 1
        )
        py_post = (
            old.loc[old.year > start.year, "days_resident"].sum()
            + old.loc[old.year == start.year, "days_resident"].sum() * frac_post
        ) / 365.25
        removed = plan.truth.get("pilot_removed", 0)
        at_risk = plan.truth.get("pilot_at_risk", 0)
        add(
            "home_team_pilot",
            f"{muni}, residents {pl.PILOT_MIN_AGE}+, from {start.date()}",
            "change in acute admissions per 1,000 residents and year (difference in differences)",
            round(-1000 * removed / max(py_post, 1e-9), 2),
            round(1000 * at_risk / max(py_post, 1e-9), 2),
            "per 1,000 residents",
            f"A mobile home-care team (mobilt närsjukvårdsteam) started on {start.date()} and "
            f"prevented {-pl.PILOT_EFFECT:.0%} of acute admissions among residents aged "
            f"{pl.PILOT_MIN_AGE}+ in {muni}, one of the three largest municipalities, where a "
            "difference in differences at teaching size can find an effect of this size. The "
            "true value is the admissions it removed per 1,000 residents-years; the comparison "
            "value is the rate without the pilot. "
            f"Admissions fall {-A.DEFAULT_ADMISSION_TREND:.1%} a year everywhere as well: a "
            "before/after comparison in the pilot municipality alone overstates the effect.",
        )
    if plan.on("frequent_ed_attenders") and len(plan.ed_attenders):
        ids = resident_id[plan.ed_attenders]
        members += [("frequent_ed_attenders", int(i)) for i in ids]
        edv = enc[enc.care_level == "emergency"]
        years_in = ry.groupby("resident_id").days_resident.sum() / 365.25
        n_m = edv.resident_id.isin(ids).sum()
        adults = ry[(ry.age >= 20) & (ry.age < 65)]
        n_a = edv[edv.resident_id.isin(adults.resident_id.unique())].shape[0] - n_m
        add(
            "frequent_ed_attenders",
            f"{len(ids)} adults aged 20-64",
            "emergency department visits per person and year",
            round(n_m / years_in.reindex(ids).sum(), 1),
            round(n_a / (adults.days_resident.sum() / 365.25), 2),
            "visits per year",
            f"About {pl.ED_ATTENDER_VISITS:.0f} extra ED visits a year each, rarely admitted: a "
            "group for a fixed care contact (fast vårdkontakt) rather than more ED capacity.",
        )
    if plan.on("stroke_door_to_needle"):
        ev = t["pathway_events"]
        st = ev[ev.pathway == "stroke_tia"].pivot_table(
            index="pathway_instance",
            columns="milestone",
            values="event_time",
            aggfunc="first",
            observed=True,
        )
        arr_unit = (
            ev[(ev.pathway == "stroke_tia") & (ev.milestone == "ed_arrival")]
            .set_index("pathway_instance")
            .unit_id
        )
        if "reperfusion_start" in st:
            dtn = ((st.reperfusion_start - st.ed_arrival).dt.total_seconds() / 60).dropna()
            site = arr_unit.reindex(dtn.index).str[:3]
            slow = plan.slow_stroke_site
            add(
                "stroke_door_to_needle",
                f"{slow} Hospital",
                "median door-to-needle time for thrombolysis",
                round(dtn[site == slow].median(), 1),
                round(dtn[site != slow].median(), 1),
                "minutes",
                f"Stroke patients at the {slow} hospital wait a median of about "
                f"{pl.STROKE_DTN_MEDIAN['slow']:.0f} minutes from arrival to thrombolysis; the "
                "vårdförlopp target is 30 minutes or less.",
            )
    if plan.on("duplicate_load"):
        y, m = plan.duplicate_month
        add(
            "duplicate_load",
            f"{plan.duplicate_unit}, {y}-{m:02d}",
            "encounters that are exact copies of another (same resident, unit and time)",
            plan.truth.get("duplicates", 0),
            0,
            "encounters",
            "A month of one centre's visits was loaded twice with new encounter keys. Look "
            "for encounters with the same resident, unit and start time (step 2).",
        )
    if plan.on("missing_diagnoses"):
        n_blank, n_all = plan.truth.get("missing", (0, 1))
        add(
            "missing_diagnoses",
            f"{plan.missing_dx_unit}, {plan.missing_dx_year}",
            "share of visits without a main diagnosis",
            round(100 * n_blank / max(n_all, 1), 1),
            0,
            "%",
            "About 6 % of the visits at one emergency department in the last year have "
            "no main diagnosis, so diagnosis-based counts for that hospital are too low (step 2).",
        )
    cols = [
        "finding_id",
        "step",
        "title",
        "location",
        "measure",
        "true_value",
        "comparison_value",
        "unit",
        "description",
    ]
    return {
        "planted_findings": pd.DataFrame(rows, columns=cols),
        "planted_residents": pd.DataFrame(members, columns=["finding_id", "resident_id"]).astype(
            {"resident_id": np.int64}
        ),
    }


def region_trends_markdown() -> list[str]:
    """The answer key's section on changes that are true of the whole region (not planted)."""
    t = A.DEFAULT_TRENDS
    return [
        "## Region-wide trends (not planted: true of every municipality)",
        "",
        f"- **Admissions fall {-A.DEFAULT_ADMISSION_TREND:.1%} a year** per 1,000 residents "
        "of the same age and health (acute and planned; the Swedish trend 2015-22, "
        "`DEFAULT_ADMISSION_TREND`). Crude rates also move with the population's ageing. "
        "A before/after comparison in one municipality, or a control chart started before a "
        "pilot, shows this fall as an 'effect': compare with the other municipalities "
        "(difference in differences) or with the region's own trend.",
        "- **Beds follow demand**: each year every ward has beds for that year's bed-days at "
        f"about {A.TARGET_OCCUPANCY:.0%} occupancy (the planted underused ward excepted), so "
        "occupancy is steady while the number of beds falls with admissions; staff follow "
        "the workload of each year.",
        f"- **Digital contacts grow {t['digital']:.0%} a year** and specialist outpatient "
        f"physician visits {t['outpatient_physician']:.0%} a year.",
        "- **Health by age is steady**: chronic conditions arise with age (incidence) and "
        "replace the chronically ill who die, so prevalence and multimorbidity by age band "
        "stay the same from year to year.",
        "",
    ]


def answer_key_markdown(findings: pd.DataFrame, meta: dict | None = None) -> str:
    """The trainers' answer key as Markdown: the planted findings, then the region-wide trends.

    Examples
    --------
    >>> key = answer_key_markdown(pd.DataFrame())
    >>> "Region-wide trends" in key and "No findings were planted" in key
    True
    """
    lines = ["# Answer key: planted findings", ""]
    if meta:
        lines += [
            f"Region generated with seed {meta.get('seed')}, {meta.get('residents'):,} "
            f"residents, {meta.get('years')} years from {meta.get('start_year')}. "
            "For trainers only.",
            "",
        ]
    if findings.empty:
        lines += ["No findings were planted in this region.", ""]
        return "\n".join(lines + region_trends_markdown())
    for r in findings.itertuples():
        comp = "" if pd.isna(r.comparison_value) else f" (peers: {r.comparison_value:g})"
        lines += [
            f"## Step {r.step}: {r.title}",
            "",
            f"- **Where:** {r.location}",
            f"- **Measure:** {r.measure}",
            f"- **True value:** {r.true_value:g} {r.unit}{comp}",
            "",
            r.description,
            "",
        ]
    return "\n".join(lines + region_trends_markdown())


__all__ = [
    "plant_data_quality",
    "findings_tables",
    "answer_key_markdown",
    "readmitted_30d",
    "region_trends_markdown",
]
