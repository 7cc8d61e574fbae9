"""The cleaning that step 2's data-quality log asks for, applied before any count.

Step 2 of the method finds encounters that were loaded twice under new keys:
rows with the same resident, unit and start time as an earlier row. Counting
them would inflate the visits of step 3 and the costs of step 4, so every later
step works on the warehouse that :func:`clean_region` returns. The blank main
diagnoses that step 2 also finds stay in the data as a reservation: nothing can
fill them in, and only counts by diagnosis are affected.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pecdata.pec.engine import PEC_TABLES as _PEC_TABLES

__all__ = ["SAME_VISIT", "copied_encounters", "clean_region"]

#: The columns that describe one visit, apart from its key: a row that repeats an
#: earlier row in all of them is a copy.
SAME_VISIT = ("resident_id", "unit_id", "start_time")


def copied_encounters(encounters: pd.DataFrame) -> pd.Series:
    """True for each encounter that repeats an earlier one (same resident, unit and start).

    The first of a set of identical rows is the original and is not marked, so
    the number of True values is the number of extra rows.

    Parameters
    ----------
    encounters : DataFrame
        The ``encounters`` table (needs the columns of :data:`SAME_VISIT`).

    Returns
    -------
    Series of bool
        Aligned with ``encounters``.

    Examples
    --------
    >>> enc = pd.DataFrame({"resident_id": [1, 1, 2], "unit_id": ["A", "A", "A"],
    ...                     "start_time": pd.to_datetime(["2024-01-02"] * 3)})
    >>> copied_encounters(enc).tolist()
    [False, True, False]
    """
    return encounters.duplicated(list(SAME_VISIT), keep="first")


def clean_region(wh: Mapping):
    """The warehouse without copied encounters (and without the activities of the copies).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
        Needs ``encounters``; ``activities`` is cleaned too when present. Every
        other table (and the saved costs, if any) is passed on unchanged, except
        PEC's tables, which were computed from the uncleaned encounters and are
        dropped: cost the cleaned warehouse again with ``cost_encounters``.

    Returns
    -------
    Warehouse
        A new warehouse with the same metadata plus ``meta["cleaning"]``, the
        number of copies removed. ``wh`` itself is not changed.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> wh = example_warehouse()
    >>> clean = clean_region(wh)
    >>> len(clean["encounters"]) == len(wh["encounters"]) - int(
    ...     copied_encounters(wh["encounters"]).sum())
    True
    >>> clean_region(clean).meta["cleaning"]["copies_removed"]
    0
    """
    from pecdata.warehouse import Warehouse

    enc = wh["encounters"]
    copies = copied_encounters(enc)
    tables = {k: v for k, v in wh.items() if k not in _PEC_TABLES}
    tables["encounters"] = enc[~copies.to_numpy()].reset_index(drop=True)
    if "activities" in wh:
        act = wh["activities"]
        gone = act["encounter_id"].isin(enc.loc[copies.to_numpy(), "encounter_id"])
        tables["activities"] = act[~gone.to_numpy()].reset_index(drop=True)
    meta = dict(getattr(wh, "meta", {}) or {})
    meta["cleaning"] = {"copies_removed": int(copies.sum()), "same_visit": list(SAME_VISIT)}
    return Warehouse(tables, meta=meta)
