"""Checks for step 2, know your data: duplicates and missing diagnoses."""

from __future__ import annotations

import pandas as pd

from pecdata.teaching.checks.expectations import Label, Number
from pecdata.teaching.feedback import exercise

#: The columns that identify one visit, apart from its key.
SAME_VISIT = ["resident_id", "unit_id", "start_time"]


def copies(wh) -> pd.Series:
    """True for each encounter that repeats an earlier one (same resident, unit and start)."""
    return wh["encounters"].duplicated(SAME_VISIT, keep="first")


def duplicated_unit(wh) -> str | None:
    """The unit with the most copied encounters (None if there are none)."""
    enc, dup = wh["encounters"], copies(wh)
    if not dup.any():
        return None
    return str(enc.loc[dup, "unit_id"].astype(str).value_counts().idxmax())


def _unit_ids(wh) -> list[str]:
    return wh["units"]["unit_id"].astype(str).tolist()


def _ed_blank_shares(wh) -> pd.Series:
    """Share of visits without a main diagnosis per emergency department, last year."""
    enc, units = wh["encounters"], wh["units"]
    eds = units.loc[units["unit_type"] == "emergency_department", "unit_id"].astype(str)
    last = enc[(enc["year"] == enc["year"].max()) & enc["unit_id"].astype(str).isin(eds)]
    return last["main_diagnosis"].isna().groupby(last["unit_id"].astype(str)).mean()


@exercise("02-core-1", "Count the duplicated encounters")
def duplicate_count(wh):
    enc = wh["encounters"]
    both = int(enc.duplicated(SAME_VISIT, keep=False).sum())
    return Number(
        int(copies(wh).sum()),
        unit="encounters",
        mistakes=[
            (
                both,
                "You counted the originals as well as the copies. Count only the extra rows "
                "(pandas: duplicated(..., keep='first')).",
            ),
            (
                0,
                "encounter_id is unique by construction, so it cannot reveal copies loaded with "
                "new keys. Compare the columns that describe the visit: resident, unit and start "
                "time.",
            ),
        ],
        hint="Look for encounters with the same resident_id, unit_id and start_time.",
        explain="Each copy is a visit that never happened; any count that includes them is too "
        "high.",
    )


@exercise("02-core-2", "Find the unit that was loaded twice")
def duplicate_unit(wh):
    unit = duplicated_unit(wh)
    return Label(
        unit or "none",
        what="unit_id",
        known=_unit_ids(wh) + ["none"],
        hint="Take the duplicated encounters and count them by unit_id.",
        explain="Before you compare this unit with others, its copies must go.",
    )


@exercise("02-extension-1", "Find the emergency department with blank diagnoses")
def blank_diagnosis_unit(wh):
    shares = _ed_blank_shares(wh)
    unit = str(shares.idxmax())
    others = {
        u: (
            "That department's visits have their diagnoses in the last year. Compare the "
            "share of blank main_diagnosis between the emergency departments."
        )
        for u in shares.index
        if u != unit
    }
    return Label(
        unit,
        what="unit_id",
        known=_unit_ids(wh),
        mistakes=others,
        hint="Keep the last year's visits at the emergency departments and compute, per "
        "unit_id, the share whose main_diagnosis is empty.",
        explain="Any diagnosis-based count for this hospital is too low in that year.",
    )


@exercise("02-extension-2", "Share of visits without a main diagnosis")
def blank_diagnosis_share(wh):
    enc = wh["encounters"]
    shares = _ed_blank_shares(wh)
    unit = shares.idxmax()
    last = enc["year"] == enc["year"].max()
    at_unit = enc["unit_id"].astype(str) == unit
    eds = enc["care_level"] == "emergency"
    return Number(
        100 * shares.max(),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                100 * enc.loc[last, "main_diagnosis"].isna().mean(),
                "That is the share among all encounters of the last year. Keep only the visits at "
                "the one emergency department.",
            ),
            (
                100 * enc.loc[last & eds, "main_diagnosis"].isna().mean(),
                "That mixes both emergency departments. Keep only the one with blank diagnoses.",
            ),
            (
                100 * enc.loc[at_unit, "main_diagnosis"].isna().mean(),
                "That covers all years. Keep only the last year.",
            ),
        ],
        hint="Among the last year's visits at that department: empty main_diagnosis / all "
        "visits x 100, to one decimal.",
        explain="A few percent sounds small, but it is concentrated in one hospital and one year, "
        "exactly where a comparison would look.",
    )


@exercise("02-challenge-1", "How much the double load inflates a unit's visits")
def duplicate_inflation(wh):
    enc, dup = wh["encounters"], copies(wh)
    unit = duplicated_unit(wh)
    if unit is None:
        return Number(0.0, unit="%", tolerance=0.05, percent=True)
    year = int(enc.loc[dup & (enc["unit_id"].astype(str) == unit), "year"].mode().iloc[0])
    in_year = (enc["unit_id"].astype(str) == unit) & (enc["year"] == year)
    n_dup, n_all = int((dup & in_year).sum()), int(in_year.sum())
    return Number(
        100 * n_dup / (n_all - n_dup),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                100 * n_dup / n_all,
                "You divided by all the unit's encounters that year, copies "
                "included. Inflation compares the copies with the true number: divide by the "
                "encounters without the copies.",
            )
        ],
        hint="For the unit and the year of the copies: copies / (encounters that year - copies) "
        "x 100, to one decimal.",
        explain="A unit that looks this much busier could be given staff it does not need.",
    )
