"""Checks for step 2, know your data: duplicates, missing diagnoses and plausibility."""

from __future__ import annotations

import pandas as pd

from pecdata.analyses.cleaning import SAME_VISIT, copied_encounters
from pecdata.teaching.checks.common import first_year, last_year, subject_mistakes
from pecdata.teaching.checks.expectations import Finding, Label, Number
from pecdata.teaching.feedback import exercise


def copies(wh) -> pd.Series:
    """True for each encounter that repeats an earlier one (same resident, unit and start)."""
    return copied_encounters(wh["encounters"])


def duplicated_unit(wh) -> str | None:
    """The unit with the most copied encounters (None if there are none)."""
    enc, dup = wh["encounters"], copies(wh)
    if not dup.any():
        return None
    return str(enc.loc[dup, "unit_id"].astype(str).value_counts().idxmax())


def _unit_ids(wh) -> list[str]:
    return wh["units"]["unit_id"].astype(str).tolist()


def _ed_blank_shares(wh, years=None) -> pd.Series:
    """Share of visits without a main diagnosis per emergency department (last year)."""
    enc, units = wh["encounters"], wh["units"]
    eds = units.loc[units["unit_type"] == "emergency_department", "unit_id"].astype(str)
    years = [last_year(wh)] if years is None else years
    rows = enc[enc["year"].isin(years) & enc["unit_id"].astype(str).isin(eds)]
    return rows["main_diagnosis"].isna().groupby(rows["unit_id"].astype(str)).mean()


@exercise("02-core-1", "Count the duplicated encounters")
def duplicate_count(wh):
    enc = wh["encounters"]
    both = int(enc.duplicated(list(SAME_VISIT), keep=False).sum())
    no_unit = int(enc.duplicated(["resident_id", "start_time"], keep="first").sum())
    mistakes = [
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
    ]
    if no_unit != int(copies(wh).sum()):
        mistakes.append(
            (
                no_unit,
                "You compared the resident and the start time only. Two units can see the "
                "same resident at the same minute; compare the unit as well.",
            )
        )
    return Number(
        int(copies(wh).sum()),
        unit="encounters",
        rel=0.0,
        mistakes=mistakes,
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


@exercise("02-extension-1", "The emergency department with blank diagnoses, and its gap")
def blank_diagnosis(wh):
    enc = wh["encounters"]
    shares = _ed_blank_shares(wh)
    unit = str(shares.idxmax())
    last = enc["year"] == last_year(wh)
    eds = enc["care_level"] == "emergency"
    others = {
        u: "That department's visits have their diagnoses in the last year. Compare the "
        "share of blank main_diagnosis between the emergency departments."
        for u in shares.index
        if u != unit
    }
    all_years = _ed_blank_shares(wh, sorted(enc["year"].unique()))
    return Finding(
        Label(
            unit,
            what="unit_id",
            known=_unit_ids(wh),
            mistakes=others,
            hint="Keep the last year's emergency visits and compute, per unit_id, the share "
            "whose main_diagnosis is empty.",
        ),
        Number(
            100 * float(shares.max()),
            unit="%",
            tolerance=0.05,
            percent=True,
            mistakes=[
                (
                    100 * enc.loc[last, "main_diagnosis"].isna().mean(),
                    "That is the share among all encounters of the last year. Keep only the "
                    "visits at the one emergency department.",
                ),
                (
                    100 * enc.loc[last & eds, "main_diagnosis"].isna().mean(),
                    "That mixes both emergency departments. Keep only the one with blank "
                    "diagnoses.",
                ),
                (100 * float(all_years[unit]), "That covers all years. Keep only the last year."),
            ],
            hint="Among the last year's visits at that department: empty main_diagnosis / "
            "all visits x 100, to one decimal.",
        ),
        explain="A few percent sounds small, but it sits in one hospital and one year, exactly "
        "where a comparison would look: diagnosis-based counts there are too low.",
    )


def _minutes(enc: pd.DataFrame) -> pd.Series:
    return (enc["end_time"] - enc["start_time"]).dt.total_seconds() / 60


@exercise("02-extension-2", "Plausibility: how long encounters last", focus=("focus_care_level",))
def mean_duration(wh, focus_care_level):
    enc = wh["encounters"]
    level = enc["care_level"].astype(str)
    year = last_year(wh)
    minutes = _minutes(enc)
    in_year = enc["year"] == year
    by_level = minutes[in_year].groupby(level[in_year]).mean()
    mine = in_year & (level == focus_care_level)
    right = float(by_level[focus_care_level])
    return Number(
        right,
        unit="minutes",
        tolerance=0.05,
        mistakes=[
            (right / 60, "That is in hours. Give the mean in minutes."),
            (float(minutes[mine].median()), "That is the median. The question asks for the mean."),
            (
                float(minutes[level == focus_care_level].mean()),
                "That covers all years. Keep only the last year.",
            ),
            (
                float(
                    minutes[(enc["year"] == first_year(wh)) & (level == focus_care_level)].mean()
                ),
                "That is the first year. Keep only the last year.",
            ),
            (
                float(minutes[in_year].mean()),
                "That is the mean over every level of care. Keep only your level of care.",
            ),
            *subject_mistakes(by_level, focus_care_level, "level of care"),
        ],
        hint="end_time - start_time gives a duration; .dt.total_seconds() / 60 turns it into "
        "minutes. Take the mean over the last year's encounters at your level, to one decimal.",
        explain="Compare it with what you would expect for that kind of contact: an implausible "
        "mean is a question for the data owner.",
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
    month = enc.loc[dup & in_year, "start_time"].dt.month.mode().iloc[0]
    in_month = in_year & (enc["start_time"].dt.month == month)
    n_month = int(in_month.sum())
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
            ),
            (
                100 * n_dup / (n_month - n_dup),
                "That is the inflation of the one month. The question asks for the whole year.",
            ),
        ],
        hint="For the unit and the year of the copies: copies / (encounters that year - copies) "
        "x 100, to one decimal.",
        explain="A unit that looks this much busier could be given staff it does not need.",
    )
