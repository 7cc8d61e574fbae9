"""Step 6, find the problem areas: indicators and the variation between units.

* :func:`avoidable_admissions`: avoidable hospitalisations (undvikbar slutenvård)
  per primary care centre or municipality, age- and sex-standardised, with funnel
  plot limits (in :mod:`pecdata.analyses.avoidable`, re-exported here).
* :func:`funnel_limits` and :func:`funnel_data` (from :mod:`pecdata.analyses.funnel`):
  control limits (95 % and 99.8 %) for proportions, rates and standardised ratios.
* :func:`readmission_flags`, :func:`readmissions_30d` and :func:`repeat_readmitters`:
  unplanned readmissions within 30 days (återinskrivning).
* :func:`frequent_ed_attenders` and :func:`ed_attender_summary`: residents who
  visit the emergency department 4+ (or 6+) times a year.
* :func:`unused_capacity_hotspots`: where PEC finds the most cost of unused capacity.

Care-pathway (vårdförlopp) conformance is in :mod:`pecdata.analyses.conformance`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pecdata.analyses.avoidable import ACSC_GROUPS, ACSC_SOURCE, acsc_group, avoidable_admissions
from pecdata.analyses.denominators import check_years, population, resident_year_rows, table
from pecdata.analyses.funnel import funnel_data, funnel_limits

__all__ = [
    "ACSC_GROUPS",
    "ACSC_SOURCE",
    "acsc_group",
    "avoidable_admissions",
    "funnel_limits",
    "funnel_data",
    "readmission_flags",
    "readmissions_30d",
    "repeat_readmitters",
    "frequent_ed_attenders",
    "ed_attender_summary",
    "unused_capacity_hotspots",
]


# --- readmissions ------------------------------------------------------------------------------
def readmission_flags(wh: Mapping, days: int = 30) -> pd.DataFrame:
    """Every inpatient episode, with whether an unplanned readmission followed within ``days``.

    A readmission is the resident's next inpatient episode when it is acute and
    begins within ``days`` days of this episode's discharge (the definition of the
    answer key and of Socialstyrelsen's "oplanerade återinskrivningar inom 30
    dagar", without its diagnosis exclusions). An episode is ``eligible`` as an
    index discharge when the patient left alive and the discharge is at least
    ``days`` days before the data end (later ones cannot be followed up in full).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    days : int
        Follow-up window after discharge.

    Returns
    -------
    DataFrame
        ``encounter_id``, ``resident_id``, ``unit_id`` (discharging ward),
        ``year``, ``discharge_time``, ``acute``, ``discharge_destination``,
        ``age``, ``eligible``, ``readmitted`` (bool), ``days_to_readmission``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> f = readmission_flags(example_warehouse())
    >>> bool(f[f.eligible].readmitted.mean() < 0.5)
    True
    """
    enc = table(
        wh,
        "encounters",
        [
            "encounter_id",
            "resident_id",
            "unit_id",
            "year",
            "care_level",
            "start_time",
            "end_time",
            "acute",
            "discharge_destination",
        ],
    )
    ip = enc[enc["care_level"] == "inpatient"].sort_values(["resident_id", "start_time"])
    same = ip["resident_id"].to_numpy()[1:] == ip["resident_id"].to_numpy()[:-1]
    gap = (ip["start_time"].to_numpy()[1:] - ip["end_time"].to_numpy()[:-1]) / np.timedelta64(
        1, "D"
    )
    nxt_acute = ip["acute"].to_numpy()[1:]
    readm = np.r_[same & nxt_acute & (gap <= days), False]
    days_to = np.r_[np.where(same & nxt_acute, gap, np.nan), np.nan]
    pop = population(wh)
    rows = resident_year_rows(pop, ip["resident_id"], ip["year"])
    age = np.where(rows >= 0, pop["age"].to_numpy()[np.maximum(rows, 0)], -1)
    ry = table(wh, "resident_years", ["year"])
    data_end = pd.Timestamp(year=int(ry["year"].max()) + 1, month=1, day=1)
    alive = (ip["discharge_destination"].astype("object") != "deceased").to_numpy()
    eligible = alive & (ip["end_time"] <= data_end - pd.Timedelta(days=days)).to_numpy()
    out = pd.DataFrame(
        {
            "encounter_id": ip["encounter_id"].to_numpy(),
            "resident_id": ip["resident_id"].to_numpy(),
            "unit_id": ip["unit_id"].astype(str).to_numpy(),
            "year": ip["year"].to_numpy(),
            "discharge_time": ip["end_time"].to_numpy(),
            "acute": ip["acute"].to_numpy(),
            "discharge_destination": ip["discharge_destination"].to_numpy(),
            "age": age,
            "eligible": eligible,
            "readmitted": readm & alive,
            "days_to_readmission": np.where(readm & alive, days_to, np.nan),
        }
    )
    return out


def readmissions_30d(
    wh: Mapping, by=("year",), min_age: int = 0, days: int = 30, flags: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of discharges followed by an unplanned readmission within 30 days, by group.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : str or sequence of str
        Any of ``year``, ``unit_id`` (discharging ward), ``site``,
        ``municipality_code``, ``listed_unit_id``, ``age_band``; empty for one row.
    min_age : int
        Only discharges of patients this old or older (65 in the national indicator).
    days : int
        Follow-up window.
    flags : DataFrame, optional
        From :func:`readmission_flags` (computed if not given).

    Returns
    -------
    DataFrame
        ``by`` columns, ``discharges`` (eligible index discharges),
        ``readmissions``, ``rate`` (0-1) and funnel limits for the rate with
        ``flag`` (binomial, around the overall rate).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = readmissions_30d(example_warehouse(), by=[], min_age=65)
    >>> bool(0.02 < r.rate.iloc[0] < 0.3)
    True
    """
    by = [by] if isinstance(by, str) else list(by)
    allowed = ("year", "unit_id", "site", "municipality_code", "listed_unit_id", "age_band")
    bad = [b for b in by if b not in allowed]
    if bad:
        raise ValueError(f"cannot group readmissions by {bad}; choose from {allowed}")
    f = readmission_flags(wh, days) if flags is None else flags
    f = f[f["eligible"] & (f["age"] >= min_age)]
    if {"municipality_code", "listed_unit_id", "age_band"} & set(by):
        pop = population(wh)
        rows = resident_year_rows(pop, f["resident_id"], f["year"])
        f = f[rows >= 0].assign(
            **{
                c: pop[c].array.take(rows[rows >= 0])
                for c in ("municipality_code", "listed_unit_id", "age_band")
            }
        )
    if "site" in by:
        site = table(wh, "units", ["unit_id", "site"]).set_index("unit_id")["site"]
        f = f.assign(site=site.reindex(f["unit_id"]).to_numpy())
    keys = by or ["_all"]
    f = f.assign(_all="all")
    g = f.groupby(keys, observed=True)["readmitted"].agg(["size", "sum"])
    g.columns = ["discharges", "readmissions"]
    fun = funnel_data(g["readmissions"], g["discharges"], kind="proportion", labels=g.index)
    out = g.assign(
        rate=fun["value"],
        lower_95=fun["lower_95"],
        upper_95=fun["upper_95"],
        lower_998=fun["lower_998"],
        upper_998=fun["upper_998"],
        flag=fun["flag"],
    )
    return out.reset_index().drop(columns="_all", errors="ignore")


def repeat_readmitters(
    wh: Mapping, min_readmissions: int = 2, days: int = 30, flags: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Residents readmitted within ``days`` again and again over the whole period.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    min_readmissions : int
        Fewest readmissions to be listed.
    days : int
        Follow-up window.
    flags : DataFrame, optional
        From :func:`readmission_flags`.

    Returns
    -------
    DataFrame
        One row per resident: ``resident_id``, ``discharges`` (alive),
        ``readmissions``, ``rate``, ``age`` (at the last discharge),
        ``municipality_code`` (latest), most readmissions first.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = repeat_readmitters(example_warehouse())
    >>> bool((r.readmissions >= 2).all())
    True
    """
    f = readmission_flags(wh, days) if flags is None else flags
    f = f[f["discharge_destination"].astype("object") != "deceased"]
    g = f.groupby("resident_id").agg(
        discharges=("readmitted", "size"), readmissions=("readmitted", "sum"), age=("age", "last")
    )
    g = g[g["readmissions"] >= min_readmissions].copy()
    g["rate"] = g["readmissions"] / g["discharges"]
    res = table(wh, "residents", ["resident_id", "municipality_code"])
    g["municipality_code"] = res.set_index("resident_id")["municipality_code"].reindex(g.index)
    return g.sort_values(["readmissions", "rate"], ascending=False).reset_index()


# --- frequent ED attenders ---------------------------------------------------------------------
def _ed_visits(wh: Mapping, years) -> pd.DataFrame:
    enc = table(
        wh,
        "encounters",
        ["encounter_id", "resident_id", "year", "care_level", "origin_encounter_id"],
    )
    ed = enc[(enc["care_level"] == "emergency") & enc["year"].isin(years)]
    origin = enc["origin_encounter_id"].dropna()
    return ed[["encounter_id", "resident_id", "year"]].assign(
        admitted=ed["encounter_id"].isin(origin).to_numpy()
    )


def frequent_ed_attenders(wh: Mapping, min_visits: int = 4, years=None) -> pd.DataFrame:
    """Residents with ``min_visits`` or more emergency department visits in a year.

    Four or more visits a year is the common definition of a frequent attender
    (mångbesökare); an Uppsala study used more than six (calibration.md §4).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    min_visits : int
        Fewest ED visits in the year.
    years : int or list of int, optional

    Returns
    -------
    DataFrame
        One row per resident and year: ``resident_id``, ``year``, ``ed_visits``,
        ``admitted`` (visits that led to admission), ``share_admitted``, ``age``,
        ``sex``, ``municipality_code``, ``listed_unit_id``; most visits first.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> f = frequent_ed_attenders(example_warehouse())
    >>> bool((f.ed_visits >= 4).all())
    True
    """
    years = check_years(wh, years)
    ed = _ed_visits(wh, years)
    g = ed.groupby(["resident_id", "year"]).agg(
        ed_visits=("admitted", "size"), admitted=("admitted", "sum")
    )
    g = g[g["ed_visits"] >= min_visits].reset_index()
    g["share_admitted"] = g["admitted"] / g["ed_visits"]
    pop = population(wh, years)
    rows = resident_year_rows(pop, g["resident_id"], g["year"])
    for c in ("age", "sex", "municipality_code", "listed_unit_id"):
        g[c] = pop[c].to_numpy()[np.maximum(rows, 0)]
        g.loc[rows < 0, c] = None
    return g.sort_values(["ed_visits", "year"], ascending=[False, True]).reset_index(drop=True)


def ed_attender_summary(
    wh: Mapping, thresholds: Sequence[int] = (4, 6), years=None
) -> pd.DataFrame:
    """How much of the ED's work frequent attenders make, per year and threshold.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    thresholds : sequence of int
        Visits a year that make a frequent attender.
    years : int or list of int, optional

    Returns
    -------
    DataFrame
        ``year``, ``min_visits``, ``ed_patients``, ``attenders``,
        ``share_of_patients``, ``visits``, ``share_of_visits`` and
        ``share_admitted`` (of the attenders' visits). A year without ED visits
        has 0 patients and NaN shares.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = ed_attender_summary(example_warehouse())
    >>> s.columns.tolist()[:3]
    ['year', 'min_visits', 'ed_patients']
    """
    years = check_years(wh, years)
    ed = _ed_visits(wh, years)
    per = (
        ed.groupby(["resident_id", "year"])
        .agg(n=("admitted", "size"), adm=("admitted", "sum"))
        .reset_index()
    )
    rows = []
    for y in years:
        p = per[per["year"] == y]
        for t in thresholds:
            a = p[p["n"] >= t]
            n_vis = a["n"].sum()
            rows.append(
                (
                    y,
                    t,
                    len(p),
                    len(a),
                    len(a) / len(p) if len(p) else np.nan,
                    n_vis,
                    n_vis / p["n"].sum() if len(p) else np.nan,
                    a["adm"].sum() / n_vis if n_vis else np.nan,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "year",
            "min_visits",
            "ed_patients",
            "attenders",
            "share_of_patients",
            "visits",
            "share_of_visits",
            "share_admitted",
        ],
    )


# --- unused capacity ---------------------------------------------------------------------------
def unused_capacity_hotspots(
    unused_capacity: pd.DataFrame,
    units: pd.DataFrame | None = None,
    pool_rates: pd.DataFrame | None = None,
    top: int | None = 10,
    by: str = "unit",
) -> pd.DataFrame:
    """The units (or resource pools) with the largest cost of unused capacity.

    Parameters
    ----------
    unused_capacity : DataFrame
        PEC's ``unused_capacity`` table: ``unit_id``, ``year``, ``resource`` and
        ``cost_sek`` (the cost of capacity supplied but not used), optionally
        ``over_capacity`` (bool: more used than practical capacity).
    units : DataFrame, optional
        The warehouse's ``units`` table, for names and unit types.
    pool_rates : DataFrame, optional
        PEC's ``pool_rates`` (``unit_id``, ``year``, ``resource``,
        ``cost_supplied_sek``), to add the unused share of the cost supplied.
    top : int or None
        Rows to keep per year (None: all).
    by : {"unit", "pool"}
        One row per unit and year, or per unit, resource and year.

    Returns
    -------
    DataFrame
        ``year``, ``unit_id`` [, ``resource``], ``unused_cost_sek``,
        [``cost_supplied_sek``, ``unused_share``], ``pools_over_capacity``,
        ``rank`` (1 = largest in the year) [, ``unit_name``, ``unit_type``].

    Examples
    --------
    >>> import pandas as pd
    >>> uc = pd.DataFrame({"unit_id": ["A", "A", "B"], "year": 2024,
    ...                    "resource": ["nurse", "bed_day", "nurse"],
    ...                    "cost_sek": [100.0, 900.0, 300.0]})
    >>> unused_capacity_hotspots(uc)[["unit_id", "unused_cost_sek", "rank"]].values.tolist()
    [['A', 1000.0, 1], ['B', 300.0, 2]]
    """
    need = ["unit_id", "year", "resource", "cost_sek"]
    missing = [c for c in need if c not in unused_capacity]
    if missing:
        raise ValueError(
            f"unused_capacity lacks {missing}; pass PEC's table "
            "cost_encounters(wh).tables()['unused_capacity']"
        )
    if by not in ("unit", "pool"):
        raise ValueError(f"by must be 'unit' or 'pool', got {by!r}")
    uc = unused_capacity.assign(
        unit_id=unused_capacity["unit_id"].astype(str),
        resource=unused_capacity["resource"].astype(str),
    )
    over = (
        uc["over_capacity"].astype(bool)
        if "over_capacity" in uc
        else pd.Series(False, index=uc.index)
    )
    keys = ["year", "unit_id"] + (["resource"] if by == "pool" else [])
    out = (
        uc.assign(unused=uc["cost_sek"].clip(lower=0), over=over)
        .groupby(keys)
        .agg(unused_cost_sek=("unused", "sum"), pools_over_capacity=("over", "sum"))
    )
    if pool_rates is not None:
        pr = pool_rates.assign(
            unit_id=pool_rates["unit_id"].astype(str), resource=pool_rates["resource"].astype(str)
        )
        out["cost_supplied_sek"] = pr.groupby(keys)["cost_supplied_sek"].sum()
        out["unused_share"] = out["unused_cost_sek"] / out["cost_supplied_sek"].where(
            out["cost_supplied_sek"] > 0
        )
    out = out.reset_index()
    out["rank"] = (
        out.groupby("year")["unused_cost_sek"].rank(ascending=False, method="first").astype(int)
    )
    out = out.sort_values(["year", "rank"])
    if top is not None:
        out = out[out["rank"] <= top]
    if units is not None:
        info = units[["unit_id", "unit_name", "unit_type"]].assign(
            unit_id=lambda d: d["unit_id"].astype(str)
        )
        out = out.merge(info, on="unit_id", how="left")
    return out.reset_index(drop=True)
