"""Checks for step 5, segment the population: concentration, segments and persistence.

Every answer is computed from the participant's own warehouse, cleaned as in steps 3
and 4 (:func:`pecdata.clean_region`, step 2's copies removed) and costed with PEC for
every year, so the checks hold for any seed and size; an answer computed from the
uncleaned warehouse gets its own message. Where a planted finding is the point, the
message after a right answer says what it means when the region has the finding, and
something sensible when the region was generated with ``--no-planted``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pecdata.analyses import indicators as ind
from pecdata.analyses import segments as sg
from pecdata.teaching.checks.common import cleaned, subject_mistakes
from pecdata.teaching.checks.expectations import Number
from pecdata.teaching.feedback import cached, exercise

UNCLEANED = (
    "That is what the uncleaned warehouse gives: the copies that step 2 found are still in "
    "it. Work on clean = pecdata.clean_region(wh), as the lesson does."
)


def _differs(uncleaned: float, right: float, tolerance: float) -> list:
    """The uncleaned answer as a mistake, unless the cleaning does not change it."""
    return [] if abs(uncleaned - right) <= tolerance else [(uncleaned, UNCLEANED)]


def first_year(wh) -> int:
    return int(wh["resident_years"]["year"].min())


def encounter_costs(wh, clean: bool = True) -> pd.DataFrame:
    """PEC's cost per encounter for every year, of the cleaned region unless ``clean=False``.

    Costed once per warehouse; the uncleaned costs are the saved ones when the region
    was costed (``pecdata cost``).
    """
    from pecdata.pec import cost_encounters

    if not clean and "encounter_costs" in wh:
        return wh["encounter_costs"]
    source = cleaned(wh) if clean else wh
    return cached(source, "pec:all-years", lambda: cost_encounters(source).encounter_costs)


def year_costs(wh, view: str = "cost_full_sek", clean: bool = True) -> pd.DataFrame:
    """Cost per resident and year, whole population (view b unless ``view`` says otherwise)."""
    source = cleaned(wh) if clean else wh
    return cached(
        wh,
        f"resident-year-costs:{view}:{'clean' if clean else 'uncleaned'}",
        lambda: sg.resident_year_costs(source, encounter_costs(wh, clean), cost_column=view),
    )


def ranked(wh) -> pd.DataFrame:
    """Resident-year costs with the rank of each resident in its year (share, 0-1)."""

    def compute():
        c = year_costs(wh)
        return c.assign(cost_rank=c.groupby("year")["cost_sek"].rank(ascending=False, pct=True))

    return cached(wh, "resident-year-costs:ranked", compute)


def planted(wh, finding_id: str) -> pd.Series | None:
    """The answer key's row of a planted finding, or None when it is not in this region."""
    pf = wh["planted_findings"] if "planted_findings" in wh else None
    if pf is None or pf.empty:
        return None
    rows = pf[pf["finding_id"].astype(str) == finding_id]
    return None if rows.empty else rows.iloc[0]


def top_share(c: pd.DataFrame, year: int, percent: float) -> float:
    """Share (0-1) of the year's cost used by the costliest ``percent`` % of rows."""
    v = np.sort(c.loc[c["year"] == year, "cost_sek"].to_numpy(float))[::-1]
    k = min(len(v), max(1, int(round(len(v) * percent / 100))))
    return float(v[:k].sum() / v.sum()) if v.sum() > 0 else float("nan")


@exercise("05-core-1", "The cost share of the costliest 2 % in the first year")
def top_two_percent(wh):
    year = first_year(wh)
    c = year_costs(wh)
    users = c[c["cost_sek"] > 0]
    last = int(c["year"].max())
    right = 100 * top_share(c, year, 2)
    return Number(
        right,
        unit="% of the cost",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                100 * top_share(c, last, 2),
                "That is the share in the last year. The exercise asks for the first year.",
            ),
            (
                100 * top_share(year_costs(wh, "cost_sek"), year, 2),
                "That is view a (cost_sek), without the cost of unused capacity. Shares of "
                "the region's cost need view b (cost_full_sek).",
            ),
            (
                100 * top_share(users, year, 2),
                "You ranked only the residents who had care. The costliest 2 % is 2 % of "
                "every resident, also those with a cost of 0.",
            ),
            (
                100 * top_share(c, year, 1),
                "That is the costliest 1 %. Take twice as many residents.",
            ),
            *_differs(100 * top_share(year_costs(wh, clean=False), year, 2), right, 0.05),
        ],
        hint="cost_concentration takes a list of percentages (top_percents=...); keep the "
        "first year.",
        explain="Compare it with the 1 % and 5 % of the lesson: the curve is steepest at the "
        "very top.",
    )


def _segment_cost(
    wh, segment: str, year: int, view="cost_full_sek", stat="mean", clean=True
) -> float:
    seg = cached(wh, "segments:all", lambda: sg.assign_segments(cleaned(wh)))
    c = year_costs(wh, view, clean)
    m = seg[(seg["year"] == year) & (seg["segment"] == segment)][["resident_id", "year"]]
    v = m.merge(c, on=["resident_id", "year"])["cost_sek"]
    if v.empty:
        return float("nan")
    return float(v.mean() if stat == "mean" else v.median())


def _segment_expectation(wh, segment: str) -> Number:
    year, last = first_year(wh), int(wh["resident_years"]["year"].max())
    value = _segment_cost(wh, segment, year)
    return Number(
        value,
        unit="SEK per resident",
        tolerance=0.5,
        mistakes=[
            (
                _segment_cost(wh, segment, last),
                "That is the last year. The exercise asks for the first year.",
            ),
            (
                _segment_cost(wh, segment, year, view="cost_sek"),
                "That is view a (cost_sek). Use view b (cost_full_sek), as the lesson does.",
            ),
            (
                _segment_cost(wh, segment, year, stat="median"),
                "That is the median. The exercise asks for the mean cost per resident.",
            ),
            *_differs(_segment_cost(wh, segment, year, clean=False), value, 0.5),
        ],
        hint="segment_profiles(clean, segments, costs) has cost_per_resident for every year and "
        "segment; or join the segments to the resident-year costs and take the mean.",
        explain="Set it beside the cost per resident without any chronic condition: the ratio "
        "is what a shift between segments is worth.",
    )


@exercise(
    "05-core-2", "The cost per resident of one segment in the first year", focus=("focus_segment",)
)
def segment_cost(wh, focus_segment):
    year = first_year(wh)
    others = {s: _segment_cost(wh, s, year) for s in sg.SEGMENTS}
    n = _segment_expectation(wh, focus_segment)
    return dataclasses.replace(
        n, mistakes=[*n.mistakes, *subject_mistakes(others, focus_segment, "segment")]
    )


def _stay_share(wh, percent: float, from_year: int, present_only: bool = False) -> float:
    c = year_costs(wh)
    p = sg.high_cost_persistence(c, top_percent=percent)
    row = p[p["from_year"] == from_year].iloc[0]
    if present_only:
        return float(row["still_high_cost"] / (1 - row["left_region"]))
    return float(row["still_high_cost"])


@exercise("05-extension-1", "How many of the costliest 10 % stay there")
def stay_in_top_ten(wh):
    year = first_year(wh)
    return Number(
        100 * _stay_share(wh, 10, year),
        unit="%",
        tolerance=0.15,
        percent=True,
        mistakes=[
            (
                100 * _stay_share(wh, 10, year + 1),
                "That is from the second to the third year. Start in the first year.",
            ),
            (
                100 * _stay_share(wh, 10, year, present_only=True),
                "You divided by the residents who still lived in the region the next year. "
                "Those who died or moved count in the denominator too: they did not stay.",
            ),
            (
                100 * _stay_share(wh, 5, year),
                "That is the costliest 5 %. The exercise asks about the costliest 10 %.",
            ),
        ],
        hint="high_cost_persistence takes top_percent; or rank each year's residents and "
        "compare the two years' top groups.",
        explain="Compare it with what chance would give (10 %): persistent, but far from "
        "everyone stays.",
    )


def _regression(wh, from_year: int, leavers_as_zero: bool = False) -> float:
    r = ranked(wh)
    high = r[(r["year"] == from_year) & (r["cost_rank"] <= 0.05)]
    nxt = r[(r["year"] == from_year + 1) & r["resident_id"].isin(high["resident_id"])]
    if leavers_as_zero:
        before, after = high["cost_sek"].mean(), nxt["cost_sek"].sum() / len(high)
    else:
        before = high[high["resident_id"].isin(nxt["resident_id"])]["cost_sek"].mean()
        after = nxt["cost_sek"].mean()
    return float(100 * (after / before - 1))


@exercise("05-extension-2", "Regression to the mean between the last two years")
def regression_to_the_mean(wh):
    last = int(wh["resident_years"]["year"].max())
    value = _regression(wh, last - 1)
    return Number(
        value,
        unit="%",
        tolerance=0.5,
        percent=True,
        mistakes=[
            (
                _regression(wh, last - 2),
                "That is from the first to the second year, as in the lesson. Start in the "
                "second year.",
            ),
            (
                _regression(wh, last - 1, leavers_as_zero=True),
                "You counted the residents who died or moved as costing 0 next year. Compare "
                "only those who still lived in the region.",
            ),
            (-value, "The sign is the wrong way round: a fall in cost is a negative change."),
        ],
        hint="Take the costliest 5 % of the second year, keep those still in the third year, "
        "and compare their mean cost in the two years: (after / before - 1) × 100.",
        explain="A pilot that enrolled them would have 'cut' their cost this much without "
        "doing anything: that is why step 9 needs a comparison group.",
    )


def _persistent_readmitted(wh, min_readmissions: int, every_year: bool = True, share=True):
    r = ranked(wh)
    top = r.assign(top=r["cost_rank"] <= 0.05).groupby("resident_id")["top"].sum()
    n_years = r["year"].nunique()
    persistent = top[top == n_years].index if every_year else top[top >= 1].index
    flags = cached(wh, "readmission-flags", lambda: ind.readmission_flags(cleaned(wh)))
    readm = flags.groupby("resident_id")["readmitted"].sum()
    hit = readm.reindex(persistent).fillna(0) >= min_readmissions
    if not share:
        return float(hit.sum())
    return float(100 * hit.mean()) if len(hit) else float("nan")


@exercise("05-challenge-1", "The persistently costly with repeated readmissions")
def persistent_readmitted(wh):
    value = _persistent_readmitted(wh, 3)
    frail = planted(wh, "frail_readmissions")
    if frail is not None:
        explain = (
            "Look at where they live and how old they are: many belong to one group of frail "
            "elderly residents, whose readmission rate step 6 measures against their peers."
        )
    else:
        explain = (
            "This region was generated without planted findings, so they are spread over the "
            "municipalities much as the elderly are: no single group stands out."
        )
    return Number(
        value,
        unit="% of the persistently costly",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                _persistent_readmitted(wh, 3, share=False),
                "That is the number of residents. Give it as a percentage of the persistently "
                "costly.",
            ),
            (
                _persistent_readmitted(wh, 2),
                "You counted residents with two or more readmissions. The exercise asks for "
                "three or more.",
            ),
            (
                _persistent_readmitted(wh, 3, every_year=False),
                "You took residents in the costliest 5 % in any year. The persistently "
                "costly are in the costliest 5 % in every year.",
            ),
        ],
        hint="Rank the residents in each year, keep those in the costliest 5 % every year, "
        "and count their 30-day readmissions over the whole period with readmission_flags.",
        explain=explain,
    )
