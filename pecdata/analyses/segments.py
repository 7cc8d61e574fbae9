"""Step 5, segment the population: cost concentration, segments and persistence.

Everything here works on **costs per resident and year for the whole population**,
non-users included with a cost of 0: a table as made by
:func:`resident_year_costs` from any cost per encounter (PEC's
``encounter_costs``, or average costing). Leaving the non-users out would make
the cost look far less concentrated than it is.

* :func:`cost_concentration` and :func:`lorenz_curve`: the share of cost used by
  the costliest 1, 5, 10 ... % of residents, and the curve behind it.
* :func:`assign_segments` and :func:`segment_profiles`: five segments, from
  healthy to complex care needs and the last year of life, and what they use.
* :func:`~pecdata.analyses.persistence.persistence_matrix` and
  :func:`~pecdata.analyses.persistence.high_cost_persistence` (in
  :mod:`pecdata.analyses.persistence`, re-exported here): how many of this year's
  costliest residents are among the costliest next year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pecdata.analyses.denominators import AGE_EDGES, population, resident_year_rows, table
from pecdata.analyses.persistence import (
    COST_BANDS,
    LEFT,
    _check_costs,
    high_cost_persistence,
    persistence_matrix,
)
from pecdata.warehouse.schema import CARE_LEVELS

__all__ = [
    "SEGMENTS",
    "SEGMENT_LABELS",
    "COST_BANDS",
    "LEFT",
    "resident_year_costs",
    "cost_concentration",
    "lorenz_curve",
    "assign_segments",
    "complex_needs_share",
    "segment_profiles",
    "persistence_matrix",
    "high_cost_persistence",
]

#: Segments in order of priority (a resident-year belongs to the first that fits, read
#: from the end: last year of life first).
SEGMENTS = ("healthy", "one_chronic_condition", "multimorbid", "complex_needs", "last_year_of_life")
SEGMENT_LABELS = {
    "healthy": "No chronic condition (frisk)",
    "one_chronic_condition": "One chronic condition (en kronisk sjukdom)",
    "multimorbid": "Two or more chronic conditions (multisjuk)",
    "complex_needs": "Complex care needs, 65+ (mest sjuka äldre)",
    "last_year_of_life": "Last year of life (sista levnadsåret)",
}


def resident_year_costs(
    wh: Mapping,
    encounter_costs,
    cost_column: str | None = None,
    years=None,
    age_edges: Sequence[int] = AGE_EDGES,
) -> pd.DataFrame:
    """Cost per resident and year for the whole population, non-users with 0.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    encounter_costs : DataFrame or Series
        Cost per encounter: PEC's ``encounter_costs`` table (``encounter_id`` and a
        cost column), a Series indexed by ``encounter_id`` (e.g.
        :func:`pecdata.pec.average.simple_encounter_costs`), or a table that is
        already per resident and year (``resident_id``, ``year``, ``cost_sek``,
        e.g. PEC's ``resident_costs``).
    cost_column : str, optional
        Column of ``encounter_costs`` to use; default ``cost_full_sek`` (PEC's full
        absorption: all of the region's cost) if present, else ``cost_sek``.
    years : int or list of int, optional
        Years to include (default: all).
    age_edges : sequence of int
        Lower edges of the age bands.

    Returns
    -------
    DataFrame
        One row per resident-year: ``resident_id``, ``year``, ``age``, ``age_band``,
        ``sex``, ``municipality_code``, ``listed_unit_id``, ``days_resident`` and
        ``cost_sek``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec.average import simple_encounter_costs
    >>> wh = example_warehouse()
    >>> costs = resident_year_costs(wh, simple_encounter_costs(wh))
    >>> len(costs) == len(wh["resident_years"])
    True
    >>> bool((costs.cost_sek == 0).any())    # non-users are in, with 0
    True
    """
    pop = population(wh, years, age_edges)
    out = pop[
        [
            "resident_id",
            "year",
            "age",
            "age_band",
            "sex",
            "municipality_code",
            "listed_unit_id",
            "days_resident",
        ]
    ].copy()
    if isinstance(encounter_costs, pd.DataFrame) and "encounter_id" not in encounter_costs:
        need = ["resident_id", "year", cost_column or "cost_sek"]
        missing = [c for c in need if c not in encounter_costs]
        if missing:
            raise ValueError(
                f"encounter_costs needs 'encounter_id' and a cost column, or "
                f"resident_id, year and cost_sek; it lacks {missing}"
            )
        rows = resident_year_rows(pop, encounter_costs["resident_id"], encounter_costs["year"])
        values = encounter_costs[need[2]].to_numpy(float)
    else:
        per_enc = _cost_series(encounter_costs, cost_column)
        enc = table(wh, "encounters", ["encounter_id", "resident_id", "year"])
        enc = enc[enc["year"].isin(pd.unique(pop["year"]))]
        values = per_enc.reindex(enc["encounter_id"].to_numpy()).to_numpy(float)
        rows = resident_year_rows(pop, enc["resident_id"], enc["year"])
    ok = (rows >= 0) & ~np.isnan(values)
    out["cost_sek"] = np.bincount(rows[ok], weights=values[ok], minlength=len(pop))
    return out


def _cost_series(encounter_costs, cost_column) -> pd.Series:
    if isinstance(encounter_costs, pd.Series):
        return encounter_costs
    if not isinstance(encounter_costs, pd.DataFrame):
        raise ValueError(
            "encounter_costs must be a DataFrame with encounter_id and a cost "
            f"column, or a Series indexed by encounter_id, not "
            f"{type(encounter_costs).__name__}"
        )
    col = cost_column or ("cost_full_sek" if "cost_full_sek" in encounter_costs else "cost_sek")
    if col not in encounter_costs:
        raise ValueError(
            f"encounter_costs has no column {col!r}; it has "
            f"{', '.join(map(str, encounter_costs.columns))}"
        )
    return encounter_costs.set_index("encounter_id")[col]


def cost_concentration(
    costs: pd.DataFrame, top_percents: Sequence[float] = (1, 5, 10, 20, 50)
) -> pd.DataFrame:
    """Share of the year's cost used by the costliest ``p`` % of residents.

    Parameters
    ----------
    costs : DataFrame
        ``resident_id``, ``year``, ``cost_sek`` for the whole population (see
        :func:`resident_year_costs`).
    top_percents : sequence of float
        Percentages of residents, costliest first.

    Returns
    -------
    DataFrame
        One row per year and percentage: ``year``, ``top_percent``, ``residents``
        (in the top group), ``cost_sek`` (their cost), ``cost_share`` (0-1),
        ``threshold_sek`` (the lowest cost in the group) and ``gini`` (the year's
        Gini coefficient, 0 = equal, 1 = one resident uses everything).
        A year without any cost has NaN shares.

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"resident_id": range(1, 11), "year": 2024,
    ...                       "cost_sek": [91, 1, 1, 1, 1, 1, 1, 1, 1, 1]})
    >>> cost_concentration(costs, [10, 50])[["top_percent", "residents", "cost_share"]]
       top_percent  residents  cost_share
    0           10          1        0.91
    1           50          5        0.95
    """
    _check_costs(costs)
    rows = []
    for year, g in costs.groupby("year"):
        c = np.sort(g["cost_sek"].to_numpy(float))[::-1]
        total = c.sum()
        gini = _gini(c[::-1])
        for p in top_percents:
            k = min(len(c), max(1, int(round(len(c) * p / 100))))
            share = c[:k].sum() / total if total > 0 else np.nan
            rows.append((int(year), p, k, c[:k].sum(), share, c[k - 1], gini))
    return pd.DataFrame(
        rows,
        columns=[
            "year",
            "top_percent",
            "residents",
            "cost_sek",
            "cost_share",
            "threshold_sek",
            "gini",
        ],
    )


def _gini(ascending: np.ndarray) -> float:
    n, total = len(ascending), ascending.sum()
    if n == 0 or total <= 0:
        return np.nan
    cum = np.cumsum(ascending)
    return float((n + 1 - 2 * (cum.sum() / total)) / n)


def lorenz_curve(costs: pd.DataFrame, year: int | None = None, points: int = 201) -> pd.DataFrame:
    """The concentration (Pareto) curve: cost share against population share, costliest first.

    Parameters
    ----------
    costs : DataFrame
        ``resident_id``, ``year``, ``cost_sek`` for the whole population.
    year : int, optional
        Year to draw (default: the latest).
    points : int
        Number of points on the curve (the population is resampled evenly).

    Returns
    -------
    DataFrame
        ``population_share`` (0-1, costliest residents first) and ``cost_share``
        (0-1, cumulative). The classic Lorenz curve (poorest first) is
        ``1 - cost_share`` against ``1 - population_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"resident_id": [1, 2, 3, 4], "year": 2024,
    ...                       "cost_sek": [70, 20, 10, 0]})
    >>> lorenz_curve(costs, points=5).round(2).values.tolist()
    [[0.0, 0.0], [0.25, 0.7], [0.5, 0.9], [0.75, 1.0], [1.0, 1.0]]
    """
    _check_costs(costs)
    year = int(costs["year"].max()) if year is None else int(year)
    c = np.sort(costs.loc[costs["year"] == year, "cost_sek"].to_numpy(float))[::-1]
    if len(c) == 0:
        raise ValueError(
            f"costs has no residents in {year}; years: {sorted(pd.unique(costs['year']).tolist())}"
        )
    total = c.sum()
    cum = np.r_[0.0, np.cumsum(c)] / (total if total > 0 else 1.0)
    pop = np.arange(len(c) + 1) / len(c)
    grid = np.linspace(0, 1, points)
    return pd.DataFrame({"population_share": grid, "cost_share": np.interp(grid, pop, cum)})


# --- segments ----------------------------------------------------------------------------------
#: Socialstyrelsen's core group of "de mest sjuka äldre": about 2 % of people 65+ (2008), with
#: extensive health care *and* extensive care services (calibration.md, "Further sources" §5).
COMPLEX_NEEDS_SOURCE_SHARE = 0.02
COMPLEX_NEEDS_SOURCE = (
    "Socialstyrelsen, De mest sjuka äldre - avgränsning av gruppen (2011): core group 2 % of 65+"
)


def assign_segments(
    wh: Mapping,
    years=None,
    complex_min_age: int = 65,
    complex_min_conditions: int = 0,
    complex_min_admissions: int = 2,
    complex_min_home_care_visits: int = 26,
) -> pd.DataFrame:
    """Put every resident-year in one of five segments (:data:`SEGMENTS`).

    The segments, checked in this order (the first that fits wins):

    1. **last_year_of_life** (sista levnadsåret): died during the year.
    2. **complex_needs** (patients with complex care needs), after Socialstyrelsen's
       core group of "mest sjuka äldre": people 65+ with extensive health care *and*
       extensive care services. Here: aged ``complex_min_age`` or more, with
       ``complex_min_admissions`` or more acute inpatient episodes in the year
       (extensive health care) **and** ``complex_min_home_care_visits`` or more
       visits of municipal home health care (hemsjukvård) in the year, about fortnightly
       (extensive care services: the warehouse has no hemtjänst or special housing,
       so frequent municipal home health care stands in for them). Optionally
       ``complex_min_conditions`` chronic conditions as well (default 0: the source
       has no such rule). The source's group is about 2 % of people 65+
       (:data:`COMPLEX_NEEDS_SOURCE_SHARE`).
    3. **multimorbid** (multisjuk): two or more chronic conditions.
    4. **one_chronic_condition**.
    5. **healthy**: no chronic condition (some still use care, e.g. for injuries).

    A chronic condition counts from its onset date (``conditions.onset_date`` on or
    before 31 December of the year).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    years : int or list of int, optional
    complex_min_age, complex_min_conditions, complex_min_admissions : int
        Thresholds of the complex-needs segment.
    complex_min_home_care_visits : int
        Home health care visits in the year that count as extensive care services.

    Returns
    -------
    DataFrame
        One row per resident-year: ``resident_id``, ``year``, ``age``, ``sex``,
        ``conditions`` (number), ``acute_admissions``, ``home_health_care`` (bool:
        any visit), ``home_care_visits``, ``died`` (bool) and ``segment`` (ordered
        categorical).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> seg = assign_segments(example_warehouse(), years=2024)
    >>> seg.segment.cat.categories.tolist()[-1]
    'last_year_of_life'
    """
    pop = population(wh, years)
    cond = table(wh, "conditions", ["resident_id", "onset_date"])
    res = table(wh, "residents", ["resident_id", "death_date"])
    enc = table(wh, "encounters", ["resident_id", "year", "care_level", "acute"])
    out = pop[["resident_id", "year", "age", "sex"]].copy()
    n_cond = np.zeros(len(pop), np.int64)
    onset_year = cond["onset_date"].dt.year.to_numpy()
    for y in pd.unique(pop["year"]):
        c = cond[onset_year <= y]
        rows = resident_year_rows(pop, c["resident_id"], np.full(len(c), y))
        n_cond += np.bincount(rows[rows >= 0], minlength=len(pop))
    out["conditions"] = n_cond
    sel = enc[enc["year"].isin(pd.unique(pop["year"]))]
    adm = sel[(sel["care_level"] == "inpatient") & sel["acute"]]
    rows = resident_year_rows(pop, adm["resident_id"], adm["year"])
    out["acute_admissions"] = np.bincount(rows[rows >= 0], minlength=len(pop))
    hhc = sel[sel["care_level"] == "home_health_care"]
    rows = resident_year_rows(pop, hhc["resident_id"], hhc["year"])
    visits = np.bincount(rows[rows >= 0], minlength=len(pop))
    out["home_health_care"] = visits > 0
    out["home_care_visits"] = visits
    death = res.set_index("resident_id")["death_date"].reindex(pop["resident_id"])
    out["died"] = death.dt.year.to_numpy() == pop["year"].to_numpy()
    complex_ = (
        (out["age"] >= complex_min_age)
        & (out["conditions"] >= complex_min_conditions)
        & (out["acute_admissions"] >= complex_min_admissions)
        & (out["home_care_visits"] >= complex_min_home_care_visits)
    )
    seg = np.select(
        [out["died"], complex_, out["conditions"] >= 2, out["conditions"] == 1],
        ["last_year_of_life", "complex_needs", "multimorbid", "one_chronic_condition"],
        "healthy",
    )
    out["segment"] = pd.Categorical(seg, categories=list(SEGMENTS), ordered=True)
    return out


def complex_needs_share(segments: pd.DataFrame, min_age: int = 65) -> pd.DataFrame:
    """Share of residents aged ``min_age``+ in the complex-needs segment, beside the source's.

    Parameters
    ----------
    segments : DataFrame
        From :func:`assign_segments`.
    min_age : int

    Returns
    -------
    DataFrame
        One row per year: ``year``, ``residents`` (aged ``min_age``+), ``complex_needs``,
        ``share`` and ``source_share`` (:data:`COMPLEX_NEEDS_SOURCE_SHARE`).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = complex_needs_share(assign_segments(example_warehouse()))
    >>> bool((s.share <= 1).all()), float(s.source_share.iloc[0])
    (True, 0.02)
    """
    old = segments[segments["age"] >= min_age]
    g = old.assign(c=(old["segment"] == "complex_needs").to_numpy()).groupby("year")
    out = g.agg(residents=("c", "size"), complex_needs=("c", "sum")).reset_index()
    out["share"] = out["complex_needs"] / out["residents"].where(out["residents"] > 0)
    out["source_share"] = COMPLEX_NEEDS_SOURCE_SHARE
    return out


def segment_profiles(
    wh: Mapping, segments: pd.DataFrame, costs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What each segment is like and what it uses, per year.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    segments : DataFrame
        From :func:`assign_segments`.
    costs : DataFrame, optional
        From :func:`resident_year_costs`; adds the cost columns.

    Returns
    -------
    DataFrame
        One row per year and segment (empty segments included, with 0 residents and
        NaN averages): ``residents``, ``population_share``, ``mean_age``,
        ``share_female``, ``mean_conditions``, ``share_admitted`` (any acute
        admission), one ``<level>_per_resident`` column per level of care and, with
        costs, ``cost_sek``, ``cost_share``, ``cost_per_resident`` and
        ``median_cost_sek``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> wh = example_warehouse()
    >>> prof = segment_profiles(wh, assign_segments(wh, years=2024))
    >>> prof.segment.tolist()[:2]
    ['healthy', 'one_chronic_condition']
    """
    need = ["resident_id", "year", "segment", "age", "sex", "conditions", "acute_admissions"]
    missing = [c for c in need if c not in segments]
    if missing:
        raise ValueError(f"segments lacks {missing}; make it with assign_segments(wh)")
    seg = segments.reset_index(drop=True)
    enc = table(wh, "encounters", ["resident_id", "year", "care_level"])
    enc = enc[enc["year"].isin(pd.unique(seg["year"]))]
    rows = resident_year_rows(seg, enc["resident_id"], enc["year"])
    level = enc["care_level"].astype("category").cat.set_categories(list(CARE_LEVELS))
    lvl = level.cat.codes.to_numpy()
    ok = (rows >= 0) & (lvl >= 0)
    nlev = len(CARE_LEVELS)
    counts = np.bincount(rows[ok] * nlev + lvl[ok], minlength=len(seg) * nlev).reshape(
        len(seg), nlev
    )
    frame = seg[["year", "segment", "age", "conditions"]].assign(
        female=(seg["sex"] == "F").to_numpy(float),
        admitted=(seg["acute_admissions"] > 0).to_numpy(float),
    )
    for i, lv in enumerate(CARE_LEVELS):
        frame[f"{lv}_per_resident"] = counts[:, i]
    if costs is not None:
        _check_costs(costs)
        crow = resident_year_rows(costs, seg["resident_id"], seg["year"])
        frame["cost_sek"] = np.where(
            crow >= 0, costs["cost_sek"].to_numpy(float)[np.maximum(crow, 0)], np.nan
        )
    g = frame.groupby(["year", "segment"], observed=False)
    out = g.agg(
        residents=("age", "size"),
        mean_age=("age", "mean"),
        share_female=("female", "mean"),
        mean_conditions=("conditions", "mean"),
        share_admitted=("admitted", "mean"),
    )
    out = out.join(g[[f"{lv}_per_resident" for lv in CARE_LEVELS]].mean())
    out["population_share"] = out["residents"] / out.groupby(level="year")["residents"].transform(
        "sum"
    )
    if costs is not None:
        out["cost_sek"] = g["cost_sek"].sum()
        out["cost_share"] = out["cost_sek"] / out.groupby(level="year")["cost_sek"].transform("sum")
        out["cost_per_resident"] = out["cost_sek"] / out["residents"].where(out["residents"] > 0)
        out["median_cost_sek"] = g["cost_sek"].median()
    first = [
        "residents",
        "population_share",
        "mean_age",
        "share_female",
        "mean_conditions",
        "share_admitted",
    ]
    return out[first + [c for c in out.columns if c not in first]].reset_index()
