"""Checks for step 9, implement and follow up.

The pilot's municipality and start come from the region's pilot register (the answer
key's ``home_team_pilot`` row); a region generated without the planted pilot gets the
placebo pilot the lesson uses (a municipality and date where nothing happened), so every
check works on any region. The subject municipality is the participant's
``focus_municipality`` (:mod:`pecdata.teaching.focus`; step 9 leaves out the pilot's
municipality and the one the lesson charts, see :func:`excluded_municipalities`).
"""

from __future__ import annotations

import pandas as pd

from pecdata.teaching.checks.expectations import Number
from pecdata.teaching.feedback import cached, exercise
from pecdata.teaching.focus import FocusError, step_exclude, step_valid

FOCUS = ("focus_municipality",)
PLACEBO_MUNICIPALITY = "VAL"
MIN_AGE = 75
#: The pilot's reach in 09-challenge-1: the share of the pilot municipality's admissions
#: (residents 75+) that belonged to the patients the team took on.
REACHED_SHARE = 0.6


def pilot(wh) -> tuple[str, pd.Timestamp]:
    """The pilot's municipality and first day (the placebo pilot without a planted one)."""
    key = wh["planted_findings"]
    row = key[key["finding_id"] == "home_team_pilot"]
    if len(row):
        muni, _, start = str(row["location"].iloc[0]).partition(", residents 75+, from ")
        return muni, pd.Timestamp(start)
    years = sorted(wh["resident_years"]["year"].unique().tolist())
    return PLACEBO_MUNICIPALITY, pd.Timestamp(f"{years[0] + max(len(years) // 2, 1)}-07-01")


def lesson_municipality(wh) -> str:
    """The municipality whose XmR chart the lesson shows (the largest, unless it has the pilot)."""
    largest = str(wh["resident_years"].groupby("municipality_code", observed=True).size().idxmax())
    return largest if largest != pilot(wh)[0] else "HAV"


def excluded_municipalities(wh) -> list[str]:
    """Not a focus in step 9: the pilot's municipality and the lesson's worked example."""
    return [pilot(wh)[0], lesson_municipality(wh)]


step_exclude(9, "focus_municipality", excluded_municipalities)


def _monthly(wh):
    from pecdata.followup import admission_rates

    return cached(wh, "followup:monthly-75", lambda: admission_rates(wh, MIN_AGE, "M"))


def _counts(wh, **kw):
    from pecdata.followup import admission_counts

    key = "followup:counts-" + ",".join(f"{k}={v}" for k, v in sorted(kw.items()))
    return cached(wh, key, lambda: admission_counts(wh, min_age=MIN_AGE, freq="M", **kw))


def _xmr(wh, muni, baseline=True):
    from pecdata.followup import xmr_chart

    _, start = pilot(wh)
    m = _monthly(wh)
    rates = m[m["municipality_code"] == muni]
    k = int(m.loc[m["period"] < start, "period"].nunique()) if baseline else None
    return xmr_chart(rates["rate_per_1000"], rates["period"], baseline_periods=k), rates, k


@exercise("09-core-1", "The upper control limit of an admission rate", focus=FOCUS)
def upper_limit(wh, focus_municipality):
    muni = focus_municipality
    chart, rates, k = _xmr(wh, muni)
    ucl = float(chart["ucl"].iloc[0])
    all_months = float(_xmr(wh, muni, baseline=False)[0]["ucl"].iloc[0])
    before = rates["rate_per_1000"].iloc[:k]
    mistakes = [
        (
            all_months,
            "Those limits are set from all months. Set them from the months before "
            "the pilot started (baseline_periods=months_before), so that later months are judged "
            "against the time before.",
        ),
        (
            float(before.mean() + 3 * before.std()),
            "That is the mean plus three standard "
            "deviations. An XmR chart's limits come from the average moving range (2.66 times "
            "it): use pecdata.xmr_chart.",
        ),
        (
            float(chart["centre"].iloc[0]),
            "That is the centre line. The question asks for the upper control limit (ucl).",
        ),
        (
            float(chart["mr_ucl"].iloc[0]),
            "That is the moving-range chart's limit. Give the "
            "upper limit of the individual values (ucl).",
        ),
    ]
    pilot_muni, _ = pilot(wh)
    if pilot_muni != muni:
        mistakes.append(
            (
                float(_xmr(wh, pilot_muni)[0]["ucl"].iloc[0]),
                "That is the pilot's municipality. Chart your focus municipality.",
            )
        )
    return Number(
        ucl,
        unit="per 1,000 residents-years",
        tolerance=0.05,
        mistakes=mistakes,
        hint="Keep your municipality's rows of admission_rates(wh, min_age=75, freq='M') and "
        "pass rate_per_1000, the periods and baseline_periods=months_before to xmr_chart; "
        "give ucl with one decimal.",
        explain="A month above it would be a signal; every month inside it is compatible with "
        "noise.",
    )


@exercise("09-core-2", "The centre line of a p-chart", focus=FOCUS)
def p_centre(wh, focus_municipality):
    from pecdata.followup import p_chart, readmission_shares

    muni = focus_municipality
    _, start = pilot(wh)
    s = readmission_shares(wh, MIN_AGE, "M", muni)
    k = int((s["period"] < start).sum())
    chart = p_chart(s["readmitted"], s["discharges"], s["period"], baseline_periods=k)
    centre = 100 * float(chart["centre"].iloc[0])
    mistakes = [
        (
            100 * float(s["share"].iloc[:k].mean()),
            "That is the mean of the monthly shares, "
            "which gives a month with few discharges as much weight as a large one. A p-chart's "
            "centre is all readmissions divided by all discharges of the baseline months.",
        ),
        (
            100 * float(s["readmitted"].sum() / s["discharges"].sum()),
            "That uses all months. "
            "Set the centre from the months before the pilot started (baseline_periods).",
        ),
    ]
    return Number(
        centre,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=mistakes,
        hint="readmission_shares(wh, min_age=75, freq='M', municipality=...) gives readmitted "
        "and discharges per month; pass them to p_chart with baseline_periods and give the "
        "centre in percent with one decimal.",
        explain="The limits around it widen in months with few discharges.",
    )


def _did(wh, counts, treated=None, comparison=None):
    from pecdata.followup import difference_in_differences

    muni, start = pilot(wh)
    return difference_in_differences(counts, treated or muni, start, comparison).iloc[0]


@exercise("09-extension-1", "The pilot's effect on bed-days")
def bed_days_effect(wh):
    counts = _counts(wh, acute=False, measure="bed_days")
    d = _did(wh, counts)
    acute = _did(wh, _counts(wh, measure="bed_days"))
    est = float(d["estimate"])
    mistakes = [
        (
            float(d["treated_after"] - d["treated_before"]),
            "That is the naive before/after "
            "change in the pilot's municipality. Subtract the comparison group's change: use "
            "difference_in_differences.",
        ),
        (
            float(d["comparison_after"] - d["comparison_before"]),
            "That is the comparison "
            "group's change, the trend the DiD takes out. Give the DiD estimate.",
        ),
        (-est, "The sign is turned: a fall in bed-days is a negative estimate."),
        (
            float(acute["estimate"]),
            "That counts the bed-days of acute admissions only. Count "
            "all inpatient bed-days: acute=False.",
        ),
        (
            float(_did(wh, _counts(wh))["estimate"]),
            "That is the effect on admissions. Count bed-days: measure='bed_days'.",
        ),
    ]
    return Number(
        est,
        unit="bed-days per 1,000 residents-years",
        tolerance=0.05,
        mistakes=mistakes,
        hint="admission_counts(wh, min_age=75, freq='M', acute=False, measure='bed_days') "
        "counts bed-days per resident and month; pass it to difference_in_differences with "
        "the pilot's municipality and start, and give the estimate with one decimal.",
        explain="Fewer admissions and shorter stays both lower the bed-days: compare it with "
        "the bed-days step 7's model expected.",
    )


@exercise("09-extension-2", "A placebo test", focus=FOCUS)
def placebo_test(wh, focus_municipality):
    muni = focus_municipality
    pilot_muni, _ = pilot(wh)
    if muni == pilot_muni:
        raise FocusError(
            f"focus_municipality = {muni!r} is the pilot's municipality; a placebo test needs "
            "a municipality without the pilot: choose one of "
            f"{', '.join(map(repr, step_valid(wh, 9, 'focus_municipality')))} in the "
            "notebook's parameters cell, or ask your trainer."
        )
    counts = _counts(wh)
    units = sorted(counts["municipality_code"].astype(str).unique())
    others = [u for u in units if u not in (muni, pilot_muni)]
    est = float(_did(wh, counts, muni, others)["estimate"])
    with_pilot = _did(wh, counts, muni)
    mistakes = [
        (
            float(with_pilot["estimate"]),
            "Your comparison group includes the pilot's "
            "municipality, whose admissions the pilot lowered: leave it out "
            "(comparison=[...] without it).",
        ),
        (
            float(with_pilot["treated_after"] - with_pilot["treated_before"]),
            "That is the naive before/after change. Give the difference in differences.",
        ),
    ]
    return Number(
        est,
        unit="admissions per 1,000 residents-years",
        tolerance=0.05,
        mistakes=mistakes,
        hint="difference_in_differences(counts, your municipality, pilot_start, comparison=...) "
        "with every municipality except yours and the pilot's in the comparison.",
        explain="Where nothing happened, the interval should cover zero; if it does not, the "
        "parallel-trends assumption is in doubt.",
    )


@exercise("09-challenge-1", "The measured effect as the new assumption")
def measured_effect(wh):
    from pecdata.followup import evaluated_intervention
    from pecdata.planning.interventions import catalogue

    team = catalogue()["mobile_home_team"]
    d = _did(wh, _counts(wh))
    did = pd.DataFrame([d])
    value = float(evaluated_intervention(team, did, reached_share=REACHED_SHARE).admissions)
    everyone = float(evaluated_intervention(team, did).admissions)
    naive = (d["treated_after"] - d["treated_before"]) / d["treated_before"]
    mistakes = [
        (
            float(naive) / REACHED_SHARE,
            "That starts from the naive before/after change. Use the difference in differences.",
        ),
        (
            everyone,
            "That is the effect on all residents aged 75+ of the municipality. The model's "
            "effects are per patient reached: give the pilot's reach as reached_share.",
        ),
        (
            float(d["relative_effect"]) / team.coverage,
            "That divides by the catalogue's planned coverage at full scale. Use the pilot's "
            "own reach, the share of the admissions its patients had (reached_share).",
        ),
        (
            100 * value,
            "Give the effect as a relative change (-0.25 for 25 % fewer), not in percent.",
        ),
        (
            everyone * REACHED_SHARE,
            "You multiplied by the reach. Divide by it: the effect on everyone is the effect "
            "per reached patient times the reach.",
        ),
    ]
    return Number(
        value,
        unit="(relative change per reached patient)",
        tolerance=0.0005,
        mistakes=mistakes,
        hint="evaluated_intervention(catalogue['mobile_home_team'], did, reached_share=...) "
        "returns the intervention with the measured effect; its .admissions, to three decimals.",
        explain="This number, with its interval as the range, is what step 7 runs in the next "
        "planning cycle.",
    )
