"""Denominators for rates: the population register as person-years, and shared helpers.

A rate per 1,000 residents needs the right denominator. The warehouse's
``resident_years`` says who lived in the region each year and for how many days,
so a resident who moved in on 1 July counts as half a person-year. The helpers
here (also used by :mod:`pecdata.analyses.current_state`, :mod:`pecdata.analyses.segments` and
:mod:`pecdata.analyses.indicators`) read tables with clear errors, add age bands and sex,
and find each encounter's resident-year fast enough for the full region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "AGE_EDGES",
    "DAYS_PER_YEAR",
    "POPULATION_COLUMNS",
    "table",
    "check_years",
    "age_band",
    "population",
    "person_years",
    "resident_year_rows",
    "group_codes",
]

#: Lower edges of the default age bands: 0-19, 20-44, 45-64, 65-74, 75-84, 85+.
AGE_EDGES = (0, 20, 45, 65, 75, 85)
DAYS_PER_YEAR = 365.25
#: Columns that describe a resident in a year (the dimensions of a denominator).
POPULATION_COLUMNS = ("year", "age_band", "sex", "municipality_code", "listed_unit_id")


def table(wh: Mapping, name: str, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Table ``name`` of the warehouse, checked to have ``columns`` (clear errors if not)."""
    if name not in wh:
        raise ValueError(f"the warehouse has no table {name!r}; it has {', '.join(wh)}")
    df = wh[name]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"table {name!r} has no column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(str, df.columns))}"
        )
    return df


def check_years(wh: Mapping, years) -> list[int]:
    """The years to analyse: all years of ``resident_years`` or the ones asked for.

    A year that is not in the population register cannot have a denominator, so
    asking for it raises a ValueError that names the years there are.
    """
    have = sorted(int(y) for y in pd.unique(table(wh, "resident_years", ["year"])["year"]))
    if years is None:
        return have
    asked = [int(years)] if np.ndim(years) == 0 else [int(y) for y in years]
    missing = [y for y in asked if y not in have]
    if missing:
        raise ValueError(
            f"no residents in year(s) {missing} (table 'resident_years', column "
            f"'year' has {have}); choose from those years"
        )
    return asked


def age_band(age, edges: Sequence[int] = AGE_EDGES) -> pd.Categorical:
    """Age bands such as ``'65-74'`` and ``'85+'`` (an ordered categorical).

    Examples
    --------
    >>> list(age_band([3, 44, 45, 90]))
    ['0-19', '20-44', '45-64', '85+']
    """
    edges = list(edges)
    if edges != sorted(edges) or edges[0] != 0:
        raise ValueError(f"age edges must be increasing and start at 0, got {edges}")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])] + [f"{edges[-1]}+"]
    codes = np.searchsorted(edges, np.asarray(age), side="right") - 1
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def population(wh: Mapping, years=None, age_edges: Sequence[int] = AGE_EDGES) -> pd.DataFrame:
    """The resident-years of ``years`` with age band, sex and person-years added."""
    ry = table(
        wh,
        "resident_years",
        ["resident_id", "year", "age", "municipality_code", "listed_unit_id", "days_resident"],
    )
    res = table(wh, "residents", ["resident_id", "sex"])
    years = check_years(wh, years)
    pop = ry[ry["year"].isin(years)].reset_index(drop=True)
    sex = res.set_index("resident_id")["sex"]
    pop = pop.assign(
        age_band=age_band(pop["age"].to_numpy(), age_edges),
        sex=pd.Categorical(sex.reindex(pop["resident_id"]).to_numpy(), categories=["F", "M"]),
        municipality_code=pop["municipality_code"].astype("category"),
        listed_unit_id=pop["listed_unit_id"].astype("category"),
        person_years=pop["days_resident"] / DAYS_PER_YEAR,
    )
    return pop


def resident_year_rows(pop: pd.DataFrame, resident_id, year) -> np.ndarray:
    """Row position in ``pop`` of each (resident, year); -1 where there is none."""
    rid = pop["resident_id"].to_numpy(np.int64)
    yr = pop["year"].to_numpy(np.int64)
    q_rid = np.asarray(resident_id, np.int64)
    q_yr = np.asarray(year, np.int64)
    out = np.full(len(q_rid), -1, np.int64)
    if len(rid) == 0 or len(q_rid) == 0:
        return out
    y0, ny, top = yr.min(), yr.max() - yr.min() + 1, rid.max()
    if rid.min() >= 0 and (top + 1) * ny <= 20 * len(rid) + 1_000_000:
        lookup = np.full((top + 1) * ny, -1, np.int64)  # keys are dense: a lookup table
        lookup[rid * ny + (yr - y0)] = np.arange(len(rid))
        ok = (q_rid >= 0) & (q_rid <= top) & (q_yr >= y0) & (q_yr < y0 + ny)
        out[ok] = lookup[q_rid[ok] * ny + (q_yr[ok] - y0)]
        return out
    key = rid * 4096 + (yr - 1900)  # sparse keys: binary search
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    want = q_rid * 4096 + (q_yr - 1900)
    pos = np.minimum(np.searchsorted(sorted_key, want), len(sorted_key) - 1)
    return np.where(sorted_key[pos] == want, order[pos], -1)


def person_years(
    wh: Mapping, by=("year",), years=None, age_edges: Sequence[int] = AGE_EDGES
) -> pd.DataFrame:
    """Residents and person-years (the denominator of every rate) by group.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : str or sequence of str
        Any of ``year``, ``age_band``, ``sex``, ``municipality_code``, ``listed_unit_id``.
    years : int or list of int, optional
        Years to include (default: all).
    age_edges : sequence of int
        Lower edges of the age bands.

    Returns
    -------
    DataFrame
        ``by`` columns, ``residents`` (distinct people) and ``person_years``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> py = person_years(example_warehouse(), by="year")
    >>> py.columns.tolist()
    ['year', 'residents', 'person_years']
    """
    by = [by] if isinstance(by, str) else list(by)
    bad = [b for b in by if b not in POPULATION_COLUMNS]
    if bad:
        raise ValueError(
            f"person-years cannot be split by {bad}; group by {', '.join(POPULATION_COLUMNS)}"
        )
    pop = population(wh, years, age_edges)
    if not by:
        return pd.DataFrame(
            {
                "residents": [pop["resident_id"].nunique()],
                "person_years": [pop["person_years"].sum()],
            }
        )
    pop_dims = by
    return (
        pop.groupby(pop_dims, observed=True)
        .agg(residents=("resident_id", "nunique"), person_years=("person_years", "sum"))
        .reset_index()
    )


def group_codes(
    df: pd.DataFrame, columns: Sequence[str], observed: bool
) -> tuple[np.ndarray, pd.DataFrame]:
    """An integer code per row for the combination of ``columns``, and the combinations.

    Categorical columns keep their category order; with ``observed=False`` every
    combination of categories is listed (so a level of care nobody used still
    gets a row), with ``observed=True`` only those present.
    """
    if not columns:
        return np.zeros(len(df), np.int64), pd.DataFrame({"_all": ["all"]})
    codes, labels = [], []
    for c in columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes.append(col.cat.codes.to_numpy().astype(np.int64))
            labels.append(col.cat.categories)
        else:
            k, u = pd.factorize(col, sort=True)
            codes.append(k.astype(np.int64))
            labels.append(pd.Index(u))
    sizes = [max(len(u), 1) for u in labels]
    combined = np.zeros(len(df), np.int64)
    for k, n in zip(codes, sizes):
        combined = combined * n + k
    if observed:
        present, combined = np.unique(combined, return_inverse=True)
    else:
        present = np.arange(int(np.prod(sizes)))
    parts, rest = {}, present
    for c, u, n in zip(reversed(columns), reversed(labels), reversed(sizes)):
        rest, k = np.divmod(rest, n)
        values = u.take(k)
        parts[c] = (
            pd.Categorical(values, categories=u, ordered=getattr(df[c].dtype, "ordered", False))
            if isinstance(df[c].dtype, pd.CategoricalDtype)
            else values
        )
    groups = pd.DataFrame({c: parts[c] for c in columns})
    return combined.astype(np.int64), groups
