"""Checks for step 1, frame the strategic question."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pecdata.teaching.checks.common import (
    first_year,
    last_year,
    person_years,
    subject_mistakes,
    year_mistakes,
)
from pecdata.teaching.checks.expectations import Custom, Finding, Label, Number
from pecdata.teaching.feedback import exercise

FRAME_KEYS = ("question", "scope", "stakeholders", "success_measures")
#: Said with every result of 01-core-1: the check sees the form, a person judges the content.
TRAINER_REVIEWS = (
    "The check looks only at the form of your frame; whether the question is a good one "
    "is for you, a colleague and your trainer, who reviews the content."
)


def cost_per_resident(wh, year: int, unit_types=None) -> float:
    """The ledger of region-run units (of ``unit_types``, default all) per person-year."""
    led, units = wh["ledger"], wh["units"].set_index("unit_id")
    keep = units["owner"].astype(str) == "region"
    if unit_types is not None:
        keep &= units["unit_type"].astype(str).isin(unit_types)
    chosen = keep[keep].index.astype(str)
    cost = led.loc[
        (led["year"] == year).to_numpy() & led["unit_id"].astype(str).isin(chosen).to_numpy(),
        "amount_sek",
    ].sum()
    ry = wh["resident_years"]
    return cost / person_years(ry[ry["year"] == year])


def _strings(value) -> list[str]:
    if isinstance(value, str) or not hasattr(value, "__iter__") or isinstance(value, Mapping):
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def assess_frame(answer) -> tuple[str, str]:
    """Is the planning frame complete: a question, a scope, stakeholders, success measures?"""
    if not isinstance(answer, Mapping):
        return "unreadable", (
            "Give the frame as a dict with the keys "
            + ", ".join(map(repr, FRAME_KEYS))
            + ", like the example above."
        )
    missing = [k for k in FRAME_KEYS if k not in answer]
    if missing:
        return "incorrect", f"Your frame has no {', '.join(map(repr, missing))}: add it."
    problems = []
    question = answer["question"]
    if not (
        isinstance(question, str) and question.strip().endswith("?") and len(question.split()) >= 8
    ):
        problems.append(
            "the question should be one sentence of at least 8 words ending with "
            "'?', so that someone could answer it"
        )
    if not answer["scope"]:
        problems.append("the scope is empty: say which population, care and years it covers")
    if len(_strings(answer["stakeholders"])) < 3:
        problems.append(
            "name at least three stakeholders (as a list of texts): who decides, who "
            "delivers the care, who is affected"
        )
    if len(_strings(answer["success_measures"])) < 2:
        problems.append(
            "give at least two success measures (as a list of texts): one for cost "
            "or capacity and one for quality, so that savings cannot hide worse care"
        )
    if problems:
        return "incorrect", "Almost: " + "; ".join(problems) + ". " + TRAINER_REVIEWS
    return "correct", (
        f"Your frame has every part: a question, a scope, "
        f"{len(_strings(answer['stakeholders']))} stakeholders and "
        f"{len(_strings(answer['success_measures']))} success measures. {TRAINER_REVIEWS} "
        "Read it to a colleague: would the measures tell you whether the answer worked?"
    )


EXAMPLE_FRAME = {
    "question": "Which shifts of care from hospital beds to outpatient, primary and home care "
    "would lower the cost per resident by 3 % by 2027 without more readmissions?",
    "scope": "Residents of Region Havsland; somatic and primary care; 2022-2024 as the baseline",
    "stakeholders": [
        "Regional board",
        "Hospital management",
        "Primary care centres",
        "Municipal home health care",
    ],
    "success_measures": ["Region cost per resident (SEK)", "30-day readmissions after discharge"],
}


@exercise("01-core-1", "Write the planning frame")
def frame(wh):
    """A structural check only: the trainer reviews the content."""
    return Custom(
        assess_frame,
        right=EXAMPLE_FRAME,
        wrong=[
            {k: v for k, v in EXAMPLE_FRAME.items() if k != "scope"},
            {**EXAMPLE_FRAME, "question": "Costs"},
            {**EXAMPLE_FRAME, "stakeholders": ["Regional board"], "success_measures": []},
        ],
    )


def _names(wh):
    return wh["municipalities"].set_index("municipality_code")["municipality_name"].astype(str)


@exercise(
    "01-core-2", "Residents of a municipality in the first year", focus=("focus_municipality",)
)
def residents_first_year(wh, focus_municipality):
    ry, year = wh["resident_years"], first_year(wh)
    counts = ry.groupby(["year", ry["municipality_code"].astype(str)]).size()
    here = counts.xs(focus_municipality, level=1)
    first = ry[ry["year"] == year]
    mine = first[first["municipality_code"].astype(str) == focus_municipality]
    names = _names(wh)
    return Number(
        int(here[year]),
        unit="residents",
        rel=0.0,
        mistakes=[
            *year_mistakes(here, year),
            (
                round(person_years(mine)),
                "That is the number of person-years (days lived in the region / 365.25). The "
                "question asks for people: count rows instead.",
            ),
            (len(first), "That counts the whole region. Keep only the rows of your municipality."),
            (
                int((wh["residents"]["municipality_code"].astype(str) == focus_municipality).sum()),
                "That counts the residents table, which has everyone who lived in the region "
                "at any time. Count the rows of resident_years for the first year.",
            ),
            *subject_mistakes(
                counts.xs(year, level=0), focus_municipality, "municipality", names.get
            ),
        ],
        hint="Keep the rows of resident_years for the first year and your municipality, and "
        "count them.",
        explain="Everyone who lived there for at least a day that year counts once.",
    )


def _age_table(wh, year: int) -> pd.DataFrame:
    ry = wh["resident_years"]
    now = ry[ry["year"] == year]
    muni = now["municipality_code"].astype(str)
    return pd.DataFrame(
        {
            "share_90": (now["age"] >= 90).groupby(muni).mean() * 100,
            "share_80": (now["age"] >= 80).groupby(muni).mean() * 100,
            "count_90": (now["age"] >= 90).groupby(muni).sum(),
            "mean_age": now["age"].groupby(muni).mean(),
        }
    )


@exercise("01-extension-1", "The municipality with the largest share aged 90+")
def oldest_municipality(wh):
    year = last_year(wh)
    t, before = _age_table(wh, year), _age_table(wh, first_year(wh))
    code = str(t["share_90"].idxmax())
    names = _names(wh)
    wrong_method = {
        "count_90": "That municipality has the most residents aged 90+, but it is also large. "
        "The question asks for the share: residents aged 90+ divided by all its residents.",
        "mean_age": "That municipality has the highest mean age, which is not the same as the "
        "largest share of the very old. Compute the share aged 90 or over.",
        "share_80": "That municipality has the largest share aged 80+; the question asks for "
        "90 or over.",
    }
    mistakes = {}
    for column, hint in wrong_method.items():
        other = str(t[column].idxmax())
        if other != code:
            mistakes.setdefault(other, hint)
            mistakes.setdefault(str(names.get(other, other)), hint)
    return Finding(
        Label(
            code,
            what="municipality",
            aliases=[str(names.get(code, code))],
            known=list(names.index.astype(str)) + list(names),
            mistakes=mistakes,
            hint="For each municipality, divide its residents aged 90+ by all its residents "
            "in the last year, then take the largest share.",
        ),
        Number(
            float(t.loc[code, "share_90"]),
            unit="%",
            tolerance=0.05,
            percent=True,
            mistakes=[
                (
                    float(t.loc[code, "share_80"]),
                    "That is the share aged 80 or over. The question asks for 90 or over.",
                ),
                (
                    float(before.loc[code, "share_90"]),
                    "That is the share in the first year. The question asks for the last year.",
                ),
                (
                    float(t.loc[code, "count_90"]),
                    "That is the number of residents aged 90+. Give the share in percent.",
                ),
            ],
            hint="The share aged 90+ in percent, with one decimal.",
        ),
        explain="The very old need the most home health care and hospital beds per person.",
    )


@exercise(
    "01-extension-2", "Change in cost per resident for one type of unit", focus=("focus_unit_type",)
)
def cost_change(wh, focus_unit_type):
    first, last = first_year(wh), last_year(wh)

    def change(unit_types=None, per_resident=True):
        if per_resident:
            f = lambda y: cost_per_resident(wh, y, unit_types)  # noqa: E731
        else:
            f = lambda y: (
                cost_per_resident(wh, y, unit_types)
                * person_years(  # noqa: E731
                    wh["resident_years"][wh["resident_years"]["year"] == y]
                )
            )
        return 100 * (f(last) / f(first) - 1)

    right = change([focus_unit_type])
    types = sorted(
        wh["units"].loc[wh["units"]["owner"] == "region", "unit_type"].astype(str).unique()
    )
    return Number(
        right,
        unit="%",
        # a quarter of the change itself when it is small, so that a share given for a
        # percentage (100 times smaller) is never inside the tolerance by coincidence
        tolerance=max(min(0.05, abs(right) / 4), 0.001),
        percent=True,
        mistakes=[
            (
                -right,
                "The sign is the wrong way round: compute (last - first) / first, so that a "
                "fall is negative.",
            ),
            (
                change([focus_unit_type], per_resident=False),
                "That is the change in the cost itself. Divide each year's cost by that "
                "year's person-years first: the population changed meanwhile.",
            ),
            (
                change(None),
                "That is the change for all the region's units. Keep only the units whose "
                "unit_type is yours.",
            ),
            *subject_mistakes({t: change([t]) for t in types}, focus_unit_type, "unit_type"),
        ],
        hint="Per year: the ledger cost of your type of unit / person-years; then "
        "(last / first - 1) x 100, to one decimal.",
        explain="A cost per resident removes the effect of population growth, so it is the "
        "measure a board can set a target for.",
    )


def _home_care_per_older(wh, year: int, min_age: int = 65, denominator: str = "py"):
    led, units = wh["ledger"], wh["units"]
    hhc = units[units["unit_type"] == "home_health_care"]
    muni_of = dict(zip(hhc["unit_id"].astype(str), hhc["municipality_code"].astype(str)))
    rows = led[(led["year"] == year).to_numpy()]
    where = rows["unit_id"].astype(str).map(muni_of)
    cost = rows["amount_sek"].groupby(where).sum()
    ry = wh["resident_years"]
    people = ry[(ry["year"] == year) & (ry["age"] >= min_age)]
    muni = people["municipality_code"].astype(str)
    if denominator == "py":
        den = person_years(people, muni)
    else:
        den = people.groupby(muni).size()
    return cost / den


@exercise(
    "01-challenge-1", "Home health care cost per older resident", focus=("focus_municipality",)
)
def home_care_per_older_resident(wh, focus_municipality):
    year, m = last_year(wh), focus_municipality
    right = _home_care_per_older(wh, year)
    names = _names(wh)
    return Number(
        float(right[m]),
        unit="SEK per person-year",
        tolerance=0.5,
        mistakes=[
            (
                float(_home_care_per_older(wh, year, min_age=0)[m]),
                "You divided by the person-years of all residents. The question asks per "
                "resident aged 65 or over.",
            ),
            (
                float(_home_care_per_older(wh, year, denominator="count")[m]),
                "You divided by the number of residents aged 65+. Use their person-years, "
                "so that someone who lived there half the year counts as half.",
            ),
            (
                float(_home_care_per_older(wh, first_year(wh))[m]),
                "That is the first year. The question asks for the last year.",
            ),
            *subject_mistakes(right, m, "municipality", names.get),
        ],
        hint="Join the ledger to units to find your municipality's home health care unit, "
        "and divide its cost by the person-years of its residents aged 65+ (days_resident "
        "/ 365.25), in whole SEK.",
        explain="A higher cost per older resident is not necessarily less efficient: the "
        "residents may be older and frailer.",
    )
