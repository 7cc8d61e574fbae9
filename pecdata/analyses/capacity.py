"""Capacity and its use: bed occupancy per ward and staff time per unit (step 3).

Both compare what was *used* (the ``activities`` table: bed-days, minutes per
profession) with what was *available* (``capacity``: bed-days; ``staffing``:
practical hours). The gap is unused capacity, which PEC prices in step 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pecdata.analyses.denominators import check_years, table
from pecdata.warehouse.schema import PROFESSIONS

__all__ = ["activity_totals", "ward_occupancy", "staff_utilisation"]


def _activity_year(wh: Mapping, act: pd.DataFrame) -> np.ndarray:
    """Year of each activity row: the year its encounter started (-1 if no encounter)."""
    enc = table(wh, "encounters", ["encounter_id", "year"])
    ids = enc["encounter_id"].to_numpy(np.int64)
    yr = enc["year"].to_numpy(np.int64)
    a_ids = act["encounter_id"].to_numpy(np.int64)
    if len(ids) and ids[0] == 1 and ids[-1] == len(ids) and np.all(np.diff(ids) == 1):
        ok = (a_ids >= 1) & (a_ids <= len(ids))
        return np.where(ok, yr[np.clip(a_ids - 1, 0, max(len(ids) - 1, 0))], -1)
    return pd.Series(yr, index=ids).reindex(a_ids).fillna(-1).to_numpy(np.int64)


def activity_totals(wh: Mapping, resources: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Quantity and rows of ``activities`` per performing unit, year and resource.

    Sums with integer codes (``numpy.bincount``) so that tens of millions of rows
    take a fraction of a second.
    """
    act = table(wh, "activities", ["encounter_id", "unit_id", "resource", "quantity"])
    unit = (
        act["unit_id"].astype("category")
        if not isinstance(act["unit_id"].dtype, pd.CategoricalDtype)
        else act["unit_id"]
    )
    res = (
        act["resource"].astype("category")
        if not isinstance(act["resource"].dtype, pd.CategoricalDtype)
        else act["resource"]
    )
    r_cats = pd.Index(res.cat.categories.astype(str))
    r_keep = r_cats.isin(list(resources))
    r_codes = res.cat.codes.to_numpy()
    keep = r_keep[r_codes] & (r_codes >= 0)
    year = _activity_year(wh, act)
    years = sorted(int(y) for y in years)
    y0, ny = years[0], years[-1] - years[0] + 1
    wanted = np.zeros(ny + 1, bool)  # last slot: out of range
    wanted[np.asarray(years) - y0] = True
    keep &= wanted[np.where((year >= y0) & (year < y0 + ny), year - y0, ny)]
    u_codes = unit.cat.codes.to_numpy()[keep].astype(np.int64)
    nu, nr = len(unit.cat.categories), len(r_cats)
    combined = (u_codes * nr + r_codes[keep]) * ny + (year[keep] - y0)
    size = nu * nr * ny
    qty = np.bincount(combined, weights=act["quantity"].to_numpy()[keep], minlength=size)
    rows = np.bincount(combined, minlength=size)
    nz = np.flatnonzero(rows)
    u, rest = np.divmod(nz, nr * ny)
    r, y = np.divmod(rest, ny)
    return pd.DataFrame(
        {
            "unit_id": np.asarray(unit.cat.categories.astype(str))[u],
            "year": y + y0,
            "resource": np.asarray(r_cats)[r],
            "quantity": qty[nz],
            "rows": rows[nz],
        }
    )


def ward_occupancy(wh: Mapping, years=None) -> pd.DataFrame:
    """Bed occupancy (beläggningsgrad) per ward and year: bed-days used / available.

    Bed-days used are the ``bed_day`` activities of the ward (one per night, a
    same-day stay counts as one), charged to the year the stay began, as in the
    costing. Bed-days available come from ``capacity`` (staffed beds × days).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    years : int or list of int, optional
        Years to include (default: all).

    Returns
    -------
    DataFrame
        ``unit_id``, ``unit_name``, ``site``, ``specialty``, ``year``, ``beds``,
        ``bed_days_available``, ``bed_days_used``, ``admissions``, ``occupancy``
        (share, 0-1; NaN for a ward without available bed-days),
        ``average_beds_used`` and ``empty_beds`` (beds standing empty on an
        average day: the size of the unused capacity, which a small ward's
        occupancy alone hides). Wards without any stay appear with 0.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> occ = ward_occupancy(example_warehouse(), years=2022)
    >>> bool(occ.occupancy.between(0, 2).all())
    True
    """
    years = check_years(wh, years)
    units = table(wh, "units", ["unit_id", "unit_name", "unit_type", "site", "specialty", "beds"])
    cap = table(wh, "capacity", ["unit_id", "year", "resource", "practical_quantity"])
    wards = units[units["unit_type"] == "ward"]
    used = activity_totals(wh, ["bed_day"], years).rename(
        columns={"quantity": "bed_days_used", "rows": "admissions"}
    )
    used = used.set_index(["unit_id", "year"])[["bed_days_used", "admissions"]]
    avail = cap[cap["resource"] == "bed_day"].assign(unit_id=lambda d: d["unit_id"].astype(str))
    avail = (
        avail.groupby(["unit_id", "year"])["practical_quantity"].sum().rename("bed_days_available")
    )
    grid = pd.MultiIndex.from_product(
        [wards["unit_id"].astype(str), years], names=["unit_id", "year"]
    )
    out = pd.concat([avail.reindex(grid), used.reindex(grid)], axis=1).fillna(0).reset_index()
    out = out.merge(
        wards[["unit_id", "unit_name", "site", "specialty", "beds"]].assign(
            unit_id=lambda d: d["unit_id"].astype(str)
        ),
        on="unit_id",
    )
    out["admissions"] = out["admissions"].astype("int64")
    out["occupancy"] = out["bed_days_used"] / out["bed_days_available"].where(
        out["bed_days_available"] > 0
    )
    ndays = np.where(
        [pd.Timestamp(year=int(y), month=1, day=1).is_leap_year for y in out["year"]], 366, 365
    )
    out["average_beds_used"] = out["bed_days_used"] / ndays
    out["empty_beds"] = (out["bed_days_available"] - out["bed_days_used"]) / ndays
    cols = [
        "unit_id",
        "unit_name",
        "site",
        "specialty",
        "year",
        "beds",
        "bed_days_available",
        "bed_days_used",
        "admissions",
        "occupancy",
        "average_beds_used",
        "empty_beds",
    ]
    return out[cols].sort_values(["year", "unit_id"]).reset_index(drop=True)


def staff_utilisation(
    wh: Mapping, unit_types=("primary_care_centre",), years=None, by_profession: bool = False
) -> pd.DataFrame:
    """Staff time used per unit: minutes recorded on encounters / practical minutes.

    Practical minutes are the HR system's practical hours (paid hours less
    absence, training and breaks) × 60; recorded minutes are the ``activities``
    in minutes that the unit performed, charged to the year the encounter began.
    The gap is unused staff capacity (or time spent on work not recorded on
    patients), which PEC prices in step 4.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    unit_types : str or sequence of str, optional
        Unit types to include (default: primary care centres); ``None`` for all.
    years : int or list of int, optional
    by_profession : bool
        One row per profession as well as per unit.

    Returns
    -------
    DataFrame
        ``unit_id``, ``unit_name``, ``unit_type``, ``year``, [``profession``],
        ``fte``, ``practical_minutes``, ``recorded_minutes``, ``utilisation``
        (share; NaN where no practical time). A unit with staff but no encounters
        has ``recorded_minutes`` 0 and ``utilisation`` 0.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = staff_utilisation(example_warehouse(), years=2022)
    >>> bool(s.utilisation.between(0, 1.5).all())
    True
    """
    years = check_years(wh, years)
    units = table(wh, "units", ["unit_id", "unit_name", "unit_type"])
    staff = table(wh, "staffing", ["unit_id", "year", "profession", "fte", "practical_hours"])
    if unit_types is not None:
        unit_types = [unit_types] if isinstance(unit_types, str) else list(unit_types)
        units = units[units["unit_type"].isin(unit_types)]
    keep = set(units["unit_id"].astype(str))
    st = staff[staff["year"].isin(years)].assign(unit_id=lambda d: d["unit_id"].astype(str))
    st = st[st["unit_id"].isin(keep)]
    keys = ["unit_id", "year"] + (["profession"] if by_profession else [])
    supply = (
        st.assign(profession=st["profession"].astype(str))
        .groupby(keys)
        .agg(fte=("fte", "sum"), practical_minutes=("practical_hours", "sum"))
    )
    supply["practical_minutes"] *= 60
    used = activity_totals(wh, PROFESSIONS, years).rename(
        columns={"resource": "profession", "quantity": "recorded_minutes"}
    )
    used = used[used["unit_id"].isin(keep)].groupby(keys)["recorded_minutes"].sum()
    out = (
        supply.join(used, how="outer")
        .fillna({"recorded_minutes": 0.0, "fte": 0.0, "practical_minutes": 0.0})
        .reset_index()
    )
    out["utilisation"] = out["recorded_minutes"] / out["practical_minutes"].where(
        out["practical_minutes"] > 0
    )
    info = units[["unit_id", "unit_name", "unit_type"]].assign(
        unit_id=lambda d: d["unit_id"].astype(str), unit_type=lambda d: d["unit_type"].astype(str)
    )
    out = out.merge(info, on="unit_id", how="left")
    cols = ["unit_id", "unit_name", "unit_type", "year"] + (["profession"] if by_profession else [])
    cols += ["fte", "practical_minutes", "recorded_minutes", "utilisation"]
    return out[cols].sort_values(keys).reset_index(drop=True)
