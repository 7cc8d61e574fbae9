"""Checks for step 6, find the problem areas: indicators, funnel limits and pathways.

The right answers come from the participant's warehouse, cleaned as in steps 3-5
(:func:`pecdata.clean_region`), with the same library functions the lesson teaches,
so they hold for any seed; the messages after a right
answer say what the planted truth means when the region has it, and something
sensible for a region generated with ``--no-planted``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pecdata.analyses import conformance as cf
from pecdata.analyses import indicators as ind
from pecdata.teaching.checks.common import cleaned, subject_mistakes
from pecdata.teaching.checks.expectations import Custom, Number, Unreadable, _items, _text
from pecdata.teaching.checks.step01 import last_year
from pecdata.teaching.checks.step05 import first_year, planted
from pecdata.teaching.feedback import cached, exercise


def _avoidable(wh, min_age=0, by="listed_unit_id") -> pd.DataFrame:
    return cached(
        wh,
        f"avoidable:{by}:{min_age}",
        lambda: ind.avoidable_admissions(cleaned(wh), by=by, min_age=min_age),
    ).set_index(by)


def _centre_expectation(wh, centre: str) -> Number:
    old, everyone = _avoidable(wh, 65), _avoidable(wh, 0)
    row = old.loc[centre]
    return Number(
        float(row["ratio"]),
        unit="(observed / expected)",
        tolerance=0.005,
        mistakes=[
            (
                float(everyone.loc[centre, "ratio"]) if centre in everyone.index else -1.0,
                "That is the ratio for residents of all ages. The exercise asks for residents "
                "aged 65 and over (min_age=65).",
            ),
            (
                float(row["expected"] / row["admissions"]) if row["admissions"] else -1.0,
                "That is expected / observed. The ratio is observed / expected: above 1 means "
                "more admissions than the residents' age and sex predict.",
            ),
            (
                float(row["crude_per_1000"]),
                "That is the crude rate per 1,000 person-years. The exercise asks for the "
                "standardised ratio.",
            ),
            (
                float(row["standardised_per_1000"]),
                "That is the standardised rate per 1,000. Give the ratio observed / expected.",
            ),
        ],
        hint="avoidable_admissions(clean, min_age=65) has one row per centre with the ratio.",
        explain="Where does it lie on a funnel plot of the centres at 65+: inside or outside "
        "the limits?",
    )


@exercise("06-core-1", "Avoidable admissions at 65+ for one centre", focus=("focus_centre",))
def centre_ratio(wh, focus_centre):
    n = _centre_expectation(wh, focus_centre)
    others = _avoidable(wh, 65)["ratio"]
    others = {str(k): v for k, v in others.items()}
    return dataclasses.replace(
        n, mistakes=[*n.mistakes, *subject_mistakes(others, focus_centre, "primary care centre")]
    )


def _attenders(wh, year, min_visits=4, adults=True, visits=True) -> int:
    f = cached(
        wh,
        f"ed-attenders:{min_visits}",
        lambda: ind.frequent_ed_attenders(cleaned(wh), min_visits=min_visits),
    )
    f = f[f["year"] == year]
    if adults:
        f = f[f["age"].between(20, 64)]
    return int(f["ed_visits"].sum()) if visits else int(len(f))


@exercise("06-core-2", "ED visits of frequent attenders of working age in the first year")
def working_age_attenders(wh):
    year = first_year(wh)
    ed = planted(wh, "frequent_ed_attenders")
    explain = (
        "Look at how few of these visits end in an admission: some of the attenders come back "
        "year after year, a group for a fixed care contact."
        if ed is not None
        else "In this region, generated without planted findings, the attenders are scattered: "
        "no group returns year after year."
    )
    return Number(
        _attenders(wh, year),
        unit="visits",
        rel=0.0,
        mistakes=[
            (
                _attenders(wh, year, visits=False),
                "That is the number of attenders. The exercise asks for their visits.",
            ),
            (
                _attenders(wh, year, adults=False),
                "That counts the attenders of every age. Keep the residents aged 20 to 64 that "
                "year.",
            ),
            (
                _attenders(wh, year, min_visits=6),
                "That is the attenders with six or more visits. The exercise asks for four or "
                "more.",
            ),
            (
                _attenders(wh, last_year(wh)),
                "That is the last year. The exercise asks for the first year.",
            ),
        ],
        hint="frequent_ed_attenders(clean, min_visits=4, years=...) has one row per resident "
        "and year, with the age that year and ed_visits.",
        explain=explain,
    )


def _copd_share(wh, year=None, count_unfollowable=False) -> float:
    c = cached(wh, "copd-conformance", lambda: cf.copd_conformance(cleaned(wh)))
    if year is not None:
        c = c[c["year"] == year]
    met = c["within_6_weeks"]
    if count_unfollowable:
        return float(100 * met.fillna(False).astype(bool).mean())
    met = met.dropna().astype(bool)
    return float(100 * met.mean()) if len(met) else float("nan")


@exercise("06-extension-1", "COPD follow-up within six weeks in the last year")
def copd_follow_up(wh):
    year = last_year(wh)
    return Number(
        _copd_share(wh, year),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (_copd_share(wh), "That is all years together. The exercise asks for the last year."),
            (
                _copd_share(wh, year, count_unfollowable=True),
                "You counted the discharges that cannot be followed for six weeks (too close "
                "to the data end, or the patient died) as missed. Leave them out of the "
                "denominator.",
            ),
        ],
        hint="conformance_summary(clean, by='year') has the share met per indicator and year.",
        explain="Six weeks is the vårdförlopp's target: step 9 would follow this share month "
        "by month.",
    )


def _wards_outside(wh, year=None, level="95", pooled_target=False) -> set:
    flags = cached(wh, "readmission-flags", lambda: ind.readmission_flags(cleaned(wh)))
    if pooled_target:
        r = ind.readmissions_30d(cleaned(wh), by=["year", "unit_id"], min_age=65, flags=flags)
        r = r[r["year"] == year]
    else:
        f = flags if year is None else flags[flags["year"] == year]
        r = ind.readmissions_30d(cleaned(wh), by="unit_id", min_age=65, flags=f)
    out = r["flag"] != "within limits" if level == "95" else r["flag"].str.contains("99.8")
    return {str(u) for u in r.loc[out, "unit_id"]}


@exercise("06-extension-2", "Wards outside the limits in the last year")
def wards_outside(wh):
    year = last_year(wh)
    right = _wards_outside(wh, year)
    mistakes = [
        (_wards_outside(wh), "That is all years together. Keep the discharges of the last year."),
        (
            _wards_outside(wh, year, pooled_target=True),
            "Those limits are drawn around the rate of all years. Select the last year's "
            "discharges first (flags=...), so the limits centre on that year's rate.",
        ),
        (
            _wards_outside(wh, year, level="998"),
            "Those are the wards outside the 99.8 % limits. The exercise asks for the 95 % "
            "limits, above or below.",
        ),
    ]
    n_wards = int(wh["units"]["unit_type"].astype(str).eq("ward").sum())
    expected = 0.05 * n_wards

    def assess(answer):
        got = {_text(x) for x in _items(answer)}
        want = {_text(x) for x in right}
        if got == want and not want:
            return "correct", (
                "Right: no ward lies outside the 95 % limits in the last year, no more than "
                f"chance would give ({expected:.1f} of {n_wards} expected)."
            )
        if got == want:
            return "correct", (
                f"All {len(want)} wards are right. Chance alone would put about "
                f"{expected:.1f} of {n_wards} wards outside the 95 % limits: compare."
            )
        for wrong, message in mistakes:
            if got == {_text(x) for x in wrong} and got != want:
                return "incorrect", message
        n_ok = len(got & want)
        return "incorrect", (
            f"{n_ok} of your {len(got)} wards are outside the limits, and the list should "
            f"have {'more' if len(want) > n_ok else 'fewer'}. Filter readmission_flags to the "
            "last year, then readmissions_30d(clean, by='unit_id', min_age=65, flags=...)."
        )

    wrong = [sorted(w) for w, _ in mistakes if w != right] + [sorted(right) + ["NO-SUCH"]]
    return Custom(assess, right=sorted(right), wrong=wrong)


@exercise("06-challenge-1", "Avoidable admissions by municipality")
def municipality_excess(wh):
    by_muni = _avoidable(wh, 0, by="municipality_code")
    n_years = int(wh["resident_years"]["year"].nunique())
    best = str(by_muni["ratio"].idxmax())
    row = by_muni.loc[best]
    excess = float(row["admissions"] - row["expected"])
    crude = str(by_muni["crude_per_1000"].idxmax())
    pcc = planted(wh, "pcc_avoidable_admissions")
    if pcc is not None:
        explain = (
            "Now compare it with the centres of that municipality: most of the excess may come "
            "from one of them, which a municipality's figure hides."
        )
    else:
        explain = (
            "In this region, generated without planted findings, check on a funnel plot "
            "whether it lies outside the limits at all: the highest of six is often chance."
        )
    number = Number(
        excess / n_years,
        unit="admissions a year",
        tolerance=0.05,
        mistakes=[
            (excess, "That is the excess over all years. Divide by the number of years."),
            (
                float(row["ratio"]),
                "That is the ratio. Give the excess: observed minus expected admissions, a year.",
            ),
            (
                float(row["admissions"]) / n_years,
                "That is all its avoidable admissions a year. Subtract the expected ones.",
            ),
        ],
        hint="avoidable_admissions(clean, by='municipality_code') has admissions and expected.",
        explain=explain,
    )
    known = {_text(m): str(m) for m in by_muni.index}

    def assess(answer):
        if isinstance(answer, pd.Series):
            answer = answer.to_dict()
        if not isinstance(answer, dict) or len(answer) != 1:
            raise Unreadable("Give your answer as {municipality_code: excess}, e.g. {'XYZ': 12.3}.")
        ((label, value),) = answer.items()
        if _text(label) not in known:
            return "incorrect", (
                f"{label!r} is not a municipality code in this warehouse. Copy it from a table."
            )
        if _text(label) != _text(best):
            if _text(label) == _text(crude):
                return "incorrect", (
                    "That municipality has the highest crude rate. Rank the municipalities by "
                    "the standardised ratio (observed / expected)."
                )
            return "incorrect", "That municipality does not have the highest ratio."
        return number.assess(value)

    right = excess / n_years
    return Custom(
        assess,
        right={best: right},
        wrong=[{best: excess}, {best: right * 1.5 + 1}, {"no such": 1.0}, 5.0]
        + ([{crude: right}] if crude != best else []),
    )
