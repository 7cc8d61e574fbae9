"""Checks for step 1, frame the strategic question."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pecdata.teaching.checks.expectations import Custom, Label, Number, Values
from pecdata.teaching.feedback import exercise

FRAME_KEYS = ("question", "scope", "stakeholders", "success_measures")


def last_year(wh) -> int:
    return int(wh["resident_years"]["year"].max())


def person_years(ry: pd.DataFrame, by=None):
    """Person-years: days lived in the region / 365.25 (total, or a Series by ``by``)."""
    days = ry["days_resident"].sum() if by is None else ry.groupby(by)["days_resident"].sum()
    return days / 365.25


def region_cost_per_resident(wh, year: int, owners=("region",)) -> float:
    """The ledger of units run by ``owners`` in ``year`` per person-year."""
    led, units = wh["ledger"], wh["units"].set_index("unit_id")
    owner = units["owner"].astype(str).reindex(led["unit_id"]).to_numpy()
    cost = led.loc[
        (led["year"] == year).to_numpy() & pd.Series(owner).isin(owners).to_numpy(), "amount_sek"
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
        return "incorrect", "Almost: " + "; ".join(problems) + "."
    return "correct", (
        f"Your frame has a question, a scope, "
        f"{len(_strings(answer['stakeholders']))} stakeholders and "
        f"{len(_strings(answer['success_measures']))} success measures. Read it to "
        "a colleague: would the measures tell you whether the answer worked?"
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
    return Custom(
        assess_frame,
        right=EXAMPLE_FRAME,
        wrong=[
            {k: v for k, v in EXAMPLE_FRAME.items() if k != "scope"},
            {**EXAMPLE_FRAME, "question": "Costs"},
            {**EXAMPLE_FRAME, "stakeholders": ["Regional board"], "success_measures": []},
        ],
    )


@exercise("01-core-2", "Residents in the last year")
def residents_last_year(wh):
    ry, year = wh["resident_years"], last_year(wh)
    now = ry[ry["year"] == year]
    first = ry[ry["year"] == ry["year"].min()]
    return Number(
        len(now),
        unit="residents",
        mistakes=[
            (
                len(wh["residents"]),
                "That counts everyone who lived in the region at any time in "
                "all the years (the residents table). Count the rows of resident_years for the "
                "last year only.",
            ),
            (
                round(person_years(now)),
                "That is the number of person-years (days lived in the "
                "region / 365.25). The question asks for people: count rows instead.",
            ),
            (len(first), "That is the first year. The question asks for the last year."),
        ],
        hint="Keep the rows of resident_years whose year is the last year and count them.",
        explain="Everyone who lived in the region for at least a day that year counts once.",
    )


@exercise("01-extension-1", "Municipality with the oldest population")
def oldest_municipality(wh):
    ry = wh["resident_years"]
    now = ry[ry["year"] == last_year(wh)]
    old = now["age"] >= 80
    share = old.groupby(now["municipality_code"]).mean()
    count = old.groupby(now["municipality_code"]).sum()
    code = str(share.idxmax())
    names = wh["municipalities"].set_index("municipality_code")["municipality_name"]
    mistakes = {}
    if str(count.idxmax()) != code:
        mistakes[str(count.idxmax())] = (
            "That municipality has the most residents aged 80+, but it is also large. The "
            "question asks for the share: residents aged 80+ divided by all residents."
        )
        mistakes[str(names.get(count.idxmax(), ""))] = mistakes[str(count.idxmax())]
    return Label(
        code,
        what="municipality",
        aliases=[str(names.get(code, code))],
        known=list(names.index.astype(str)) + list(names.astype(str)),
        mistakes=mistakes,
        hint="For each municipality, divide the residents aged 80+ by all its residents "
        "in the last year, then take the largest share.",
        explain="An older population means more home health care and more admissions "
        "per resident, which matters for where to put capacity.",
    )


@exercise("01-extension-2", "Change in cost per resident")
def cost_change(wh):
    ry = wh["resident_years"]
    first, last = int(ry["year"].min()), last_year(wh)
    change = lambda f: 100 * (f(last) / f(first) - 1)  # noqa: E731
    per_resident = change(lambda y: region_cost_per_resident(wh, y))
    led = wh["ledger"]
    total = change(lambda y: led.loc[led["year"] == y, "amount_sek"].sum())
    both = change(lambda y: region_cost_per_resident(wh, y, owners=("region", "municipality")))
    return Number(
        per_resident,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                -per_resident,
                "The sign is the wrong way round: compute (last - first) / first, "
                "so that a fall is negative.",
            ),
            (
                total,
                "That is the change in the whole ledger. Divide each year's cost by that "
                "year's person-years first, and keep only units run by the region.",
            ),
            (
                both,
                "That includes the municipal home health care units. Keep only the units whose "
                "owner is the region.",
            ),
        ],
        hint="Per year: region-owned ledger cost / person-years; then (last - first) / first x "
        "100, to one decimal.",
        explain="A cost per resident removes the effect of population growth, so it is the "
        "measure a board can set a target for.",
    )


@exercise("01-challenge-1", "Home health care cost per resident aged 65+")
def home_care_per_older_resident(wh):
    year = last_year(wh)
    led, units = wh["ledger"], wh["units"]
    hhc = units.loc[units["unit_type"] == "home_health_care", ["unit_id", "municipality_code"]]
    cost = (
        led[led["year"] == year]
        .merge(hhc, on="unit_id")
        .groupby("municipality_code")["amount_sek"]
        .sum()
    )
    ry = wh["resident_years"]
    older = ry[(ry["year"] == year) & (ry["age"] >= 65)]
    per = cost / person_years(older, "municipality_code")
    return Values(
        per.dropna().to_dict(),
        what="municipalities",
        rel=0.005,
        hint="Join the ledger to units to find each municipality's home health care "
        "unit, and divide its cost by the person-years of residents aged 65+ in "
        "that municipality (days_resident / 365.25).",
        explain="Municipalities with a higher cost per older resident are not "
        "necessarily less efficient: their residents may be older and frailer.",
    )
