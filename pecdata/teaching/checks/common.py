"""What the checks of every step share: years, person-years, the cleaned region, PEC.

Later steps work on the cleaned region (:func:`pecdata.clean_region`, step 2's
data-quality log applied), so their checks compute the right answer from
:func:`cleaned` and can name "you used the uncleaned data" as a mistake of its own.
:func:`subject_mistakes` and :func:`year_mistakes` turn the answer for another
subject or another year into a wrong answer with its own message.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pecdata.analyses.cleaning import clean_region
from pecdata.teaching.feedback import cached

__all__ = [
    "first_year",
    "last_year",
    "person_years",
    "cleaned",
    "pec_of",
    "subject_mistakes",
    "year_mistakes",
]


def first_year(wh) -> int:
    return int(wh["resident_years"]["year"].min())


def last_year(wh) -> int:
    return int(wh["resident_years"]["year"].max())


def person_years(ry: pd.DataFrame, by=None):
    """Person-years: days lived in the region / 365.25 (total, or a Series by ``by``)."""
    days = ry["days_resident"].sum() if by is None else ry.groupby(by)["days_resident"].sum()
    return days / 365.25


def cleaned(wh):
    """The region without copied encounters (computed once per warehouse)."""
    return cached(wh, "clean_region", lambda: clean_region(wh))


def pec_of(wh, year: int, clean: bool = True):
    """The PEC costing of one year, of the cleaned region unless ``clean=False``.

    The uncleaned costing (only needed to recognise answers computed without the
    cleaning) is read from the warehouse's saved PEC tables when it has them
    (``pecdata cost``), which saves costing the region a second time.
    """
    from pecdata.pec import cost_encounters

    if not clean and all(t in wh for t in _SAVED):
        return cached(wh, f"pec-saved:{year}", lambda: _saved_pec(wh, year))
    source = cleaned(wh) if clean else wh
    return cached(source, f"pec:{year}", lambda: cost_encounters(source, years=year))


_SAVED = ("encounter_costs", "pool_rates", "unused_capacity")


def _saved_pec(wh, year: int) -> SimpleNamespace:
    return SimpleNamespace(
        **{t: wh[t][wh[t]["year"] == year].reset_index(drop=True) for t in _SAVED}
    )


def subject_mistakes(values, right, what: str, label=str) -> list:
    """``(value, hint)`` for each other subject's answer: "that is the figure for X".

    ``values`` maps each subject (a municipality, a unit, a profession) to its answer.
    """
    return [
        (
            float(v),
            f"That is the figure for {label(k)}, not for {label(right)}: check the {what} "
            "you selected.",
        )
        for k, v in dict(values).items()
        if k != right and pd.notna(v)
    ]


def year_mistakes(values, right_year: int) -> list:
    """``(value, hint)`` for the answer in each other year: "that is year Y"."""
    return [
        (
            float(v),
            f"That is the figure for {y}; the exercise asks for {right_year}. Check the "
            "year you kept.",
        )
        for y, v in dict(values).items()
        if int(y) != int(right_year) and pd.notna(v)
    ]
