"""What PEC's result is used for: the cost per resident, and the tables saved with a warehouse.

:func:`resident_costs` turns the encounter costs into one row per resident and
year (every resident of the year, those without care at 0 SEK), which the step 5
segmentation and cost concentration need; :func:`add_cost_tables` is what
``pecdata cost DIR`` does: validate, cost, check that both views reconcile to the
ledger, and only then add the tables to the folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from pecdata.pec.engine import _NEEDS, PecResult, cost_encounters
from pecdata.warehouse.schema import CARE_LEVELS

__all__ = ["resident_costs", "add_cost_tables"]


def _encounter_costs_of(data) -> tuple[pd.DataFrame, Mapping | None]:
    if isinstance(data, PecResult):
        return data.encounter_costs, data.warehouse
    if isinstance(data, pd.DataFrame):
        return data, None
    if isinstance(data, Mapping):
        if "encounter_costs" in data:
            return data["encounter_costs"], data
        return cost_encounters(data).encounter_costs, data
    raise TypeError(
        f"expected a warehouse, a PecResult or the encounter_costs table, got {type(data).__name__}"
    )


def resident_costs(
    data, view: str = "full", years: Iterable[int] | int | None = None
) -> pd.DataFrame:
    """PEC cost per resident and year, with the cost of each level of care.

    Parameters
    ----------
    data : Warehouse, PecResult or DataFrame
        A warehouse (its ``encounter_costs`` table, or PEC is run on it), a
        :class:`PecResult`, or an ``encounter_costs`` table.
    view : {"full", "rate"}
        ``"full"`` (view b, ``cost_full_sek``: all cost, unused capacity
        included -- use it for totals and shares) or ``"rate"`` (view a,
        ``cost_sek``: only the capacity the resident used).
    years : int or iterable of int, optional
        Only these years.

    Returns
    -------
    DataFrame
        ``resident_id``, ``year``, ``cost_sek`` (in the view chosen),
        ``encounters`` and one ``<care_level>_sek`` column per level of care.
        With a warehouse that has ``resident_years``, every resident of the
        year is listed, those without care at 0 SEK (needed for cost
        concentration over the whole population).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> wh = example_warehouse()
    >>> pec = cost_encounters(wh, years=2022)
    >>> per_resident = resident_costs(pec)
    >>> bool(abs(per_resident.cost_sek.sum() - pec.encounter_costs.cost_full_sek.sum()) < 0.01)
    True
    >>> bool(len(per_resident) == (wh["resident_years"].year == 2022).sum())  # non-users too
    True
    """
    columns = {"full": "cost_full_sek", "b": "cost_full_sek", "rate": "cost_sek", "a": "cost_sek"}
    if view not in columns:
        raise ValueError(f"view must be 'full' or 'rate', got {view!r}")
    ec, wh = _encounter_costs_of(data)
    if years is not None:
        ec = ec[ec["year"].isin(np.atleast_1d(np.asarray(years)))]
    cost = ec[columns[view]].to_numpy()
    levels = ec["care_level"].astype(str).to_numpy()
    key = pd.MultiIndex.from_arrays(
        [ec["resident_id"].to_numpy(np.int64), ec["year"].to_numpy(np.int64)],
        names=["resident_id", "year"],
    )
    frame = pd.DataFrame({"cost_sek": cost, "encounters": 1, "level": levels}, index=key)
    out = frame.groupby(level=[0, 1])[["cost_sek", "encounters"]].sum()
    by_level = frame.pivot_table(
        index=["resident_id", "year"],
        columns="level",
        values="cost_sek",
        aggfunc="sum",
        fill_value=0.0,
    )
    by_level = by_level.reindex(columns=[c for c in CARE_LEVELS if c in by_level.columns])
    out = out.join(by_level.add_suffix("_sek"))
    if wh is not None and "resident_years" in wh:
        ry = wh["resident_years"]
        yrs = np.unique(ec["year"].to_numpy()) if len(ec) else np.array([], dtype=np.int64)
        ry = ry[ry["year"].isin(yrs)]
        everyone = pd.MultiIndex.from_arrays(
            [ry["resident_id"].to_numpy(np.int64), ry["year"].to_numpy(np.int64)],
            names=["resident_id", "year"],
        )
        out = out.reindex(everyone.union(out.index), fill_value=0)
    out["encounters"] = out["encounters"].astype(np.int64)
    return out.sort_index().reset_index()


def add_cost_tables(
    path, years: Iterable[int] | int | None = None, replace: bool = False
) -> PecResult:
    """Cost a saved warehouse with PEC and add the result tables to its folder.

    The tables (:data:`PEC_TABLES`) are written as Parquet, added to
    ``warehouse.duckdb`` and listed in ``metadata.json`` (what ``pecdata cost
    DIR`` does). The warehouse is validated first (its files and the tables PEC
    uses, :data:`pecdata.warehouse.schema.CORE_TABLES`), and the tables are added
    only if both views reconcile to the ledger; otherwise the folder is left as it was.

    Parameters
    ----------
    path : str or Path
        A folder written by :func:`pecdata.warehouse.save`.
    years : int or iterable of int, optional
        Years to cost (default: every year of the ledger).
    replace : bool, default False
        Replace PEC tables already in the folder.

    Returns
    -------
    PecResult

    Raises
    ------
    pecdata.warehouse.validation.ValidationError
        If the warehouse is not valid.
    ValueError
        If PEC does not reconcile to the ledger (nothing is written).

    Examples
    --------
    >>> import tempfile
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.warehouse import load, save
    >>> folder = save(example_warehouse(), tempfile.mkdtemp() + "/region")
    >>> pec = add_cost_tables(folder)
    >>> load(folder).sql("SELECT count(*) AS n FROM encounter_costs").n[0] == len(
    ...     example_warehouse()["encounters"])
    np.True_
    """
    from pecdata.warehouse import add_tables, load, verify_files
    from pecdata.warehouse.validation import Problem, ValidationError

    stale = verify_files(path, tables=list(_NEEDS))  # files first, then the tables PEC uses
    if stale:
        raise ValidationError(Problem(m.split(":")[0], None, m.split(": ", 1)[1]) for m in stale)
    wh = load(path, tables=list(_NEEDS), validate=True)
    result = cost_encounters(wh, years)
    if not result.balanced:
        raise ValueError(
            f"PEC does not reconcile to the ledger; nothing was added to {path}.\n{result}"
        )
    add_tables(path, result.tables(), replace=replace)  # all or nothing: a swap at the end
    return result
