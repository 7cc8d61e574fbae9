"""Step 5, persistence: how many of this year's costliest residents are among the
costliest next year (a transition matrix of cost bands), and what that means for a pilot
that enrols "high-cost patients" (regression to the mean, step 9).

Works on costs per resident and year for the whole population (non-users with 0), as
made by :func:`pecdata.analyses.segments.resident_year_costs`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COST_BANDS", "LEFT", "persistence_matrix", "high_cost_persistence"]

#: Bands of the cost ranking for the persistence matrix: (label, upper percentile).
COST_BANDS = (
    ("top 1 %", 1),
    ("top 2-5 %", 5),
    ("top 6-20 %", 20),
    ("21-50 %", 50),
    ("bottom 50 %", 100),
)
LEFT = "not in the region (died or moved)"


def _check_costs(costs: pd.DataFrame) -> None:
    if not isinstance(costs, pd.DataFrame):
        raise ValueError(
            "costs must be a DataFrame with resident_id, year and cost_sek "
            "(see resident_year_costs)"
        )
    missing = [c for c in ("resident_id", "year", "cost_sek") if c not in costs]
    if missing:
        raise ValueError(
            f"costs lacks column(s) {missing}; make it with "
            "pecdata.analyses.segments.resident_year_costs(wh, encounter_costs)"
        )


def _bands(costs: pd.DataFrame, groups) -> pd.Series:
    """Band of the cost ranking for each resident-year (ties broken by resident_id)."""
    out = pd.Series(index=costs.index, dtype=object)
    for _, g in costs.groupby("year"):
        order = np.lexsort((g["resident_id"].to_numpy(), -g["cost_sek"].to_numpy(float)))
        pct = np.empty(len(g))
        pct[order] = 100 * (np.arange(len(g)) + 1) / len(g)  # 0-100, costliest first
        if groups == "deciles":
            names = np.array([f"decile {d}" for d in range(10, 0, -1)])
            label = names[np.ceil(pct / 10 - 1e-9).astype(int) - 1]
        else:
            names = np.array([lab for lab, _ in COST_BANDS])
            label = names[np.searchsorted([p for _, p in COST_BANDS], pct - 1e-9)]
        out.loc[g.index] = label
    return out


def persistence_matrix(
    costs: pd.DataFrame,
    from_year: int | None = None,
    to_year: int | None = None,
    groups: str = "bands",
    normalize: bool = True,
) -> pd.DataFrame:
    """Where this year's residents are in next year's cost ranking (a transition matrix).

    Parameters
    ----------
    costs : DataFrame
        ``resident_id``, ``year``, ``cost_sek`` for the whole population.
    from_year, to_year : int, optional
        Default: the first year and the year after it.
    groups : {"bands", "deciles"}
        ``bands``: top 1 %, top 2-5 %, top 6-20 %, 21-50 % and bottom 50 %
        (:data:`COST_BANDS`); ``deciles``: decile 10 is the costliest tenth.
        Residents with equal cost (e.g. the many with no cost) are ranked by
        ``resident_id``, so they are spread over the lowest groups arbitrarily.
    normalize : bool
        Shares of each row (the from-year group) if True, else counts.

    Returns
    -------
    DataFrame
        Rows: groups in ``from_year``; columns: groups in ``to_year`` plus
        ``not in the region (died or moved)``. With ``normalize``, the counts
        behind the shares are in ``attrs["counts"]`` (a list of rows).

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"resident_id": list(range(1, 11)) * 2,
    ...                       "year": [2023] * 10 + [2024] * 10,
    ...                       "cost_sek": [float(c) for c in range(10)] * 2})
    >>> m = persistence_matrix(costs, groups="deciles", normalize=False)
    >>> int(m.loc["decile 10", "decile 10"]), int(m.loc["decile 10"].sum())
    (1, 1)
    """
    _check_costs(costs)
    if groups not in ("bands", "deciles"):
        raise ValueError(f"groups must be 'bands' or 'deciles', got {groups!r}")
    have = sorted(int(y) for y in pd.unique(costs["year"]))
    from_year = have[0] if from_year is None else int(from_year)
    to_year = from_year + 1 if to_year is None else int(to_year)
    for y in (from_year, to_year):
        if y not in have:
            raise ValueError(f"costs has no residents in {y}; years: {have}")
    sub = costs[costs["year"].isin([from_year, to_year])].reset_index(drop=True)
    sub = sub.assign(group=_bands(sub, groups))
    a = sub[sub["year"] == from_year].set_index("resident_id")["group"]
    b = sub[sub["year"] == to_year].set_index("resident_id")["group"]
    to = b.reindex(a.index).fillna(LEFT)
    labels = (
        [f"decile {d}" for d in range(10, 0, -1)]
        if groups == "deciles"
        else [lab for lab, _ in COST_BANDS]
    )
    m = pd.crosstab(a, to).reindex(index=labels, columns=labels + [LEFT], fill_value=0)
    m.index.name, m.columns.name = f"group in {from_year}", f"group in {to_year}"
    if normalize:
        counts = m.to_numpy().tolist()  # a list, so that attrs compare (pandas concat)
        m = m.div(m.sum(axis=1).where(lambda s: s > 0), axis=0)
        m.attrs["counts"] = counts  # what each share rests on (small counts in figures)
    return m


def high_cost_persistence(costs: pd.DataFrame, top_percent: float = 5) -> pd.DataFrame:
    """How many of one year's costliest ``top_percent`` % are among them the next year.

    Parameters
    ----------
    costs : DataFrame
        ``resident_id``, ``year``, ``cost_sek`` for the whole population.
    top_percent : float
        Size of the high-cost group in percent of the population.

    Returns
    -------
    DataFrame
        One row per pair of consecutive years: ``from_year``, ``to_year``,
        ``high_cost_residents``, ``still_high_cost`` (share), ``left_region``
        (share died or moved) and ``expected_by_chance`` (``top_percent`` / 100).

    Examples
    --------
    >>> import pandas as pd
    >>> costs = pd.DataFrame({"resident_id": [1, 2, 1, 2], "year": [2023, 2023, 2024, 2024],
    ...                       "cost_sek": [100.0, 0.0, 50.0, 0.0]})
    >>> high_cost_persistence(costs, top_percent=50).still_high_cost.tolist()
    [1.0]
    """
    _check_costs(costs)
    years = sorted(int(y) for y in pd.unique(costs["year"]))
    rows = []
    top = {}
    for y, g in costs.groupby("year"):
        k = max(1, int(round(len(g) * top_percent / 100)))
        order = np.lexsort((g["resident_id"].to_numpy(), -g["cost_sek"].to_numpy(float)))
        top[int(y)] = set(g["resident_id"].to_numpy()[order[:k]])
    present = {int(y): set(g["resident_id"]) for y, g in costs.groupby("year")}
    for y0, y1 in zip(years[:-1], years[1:]):
        t0 = top[y0]
        rows.append(
            (
                y0,
                y1,
                len(t0),
                len(t0 & top[y1]) / len(t0),
                len(t0 - present[y1]) / len(t0),
                top_percent / 100,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "from_year",
            "to_year",
            "high_cost_residents",
            "still_high_cost",
            "left_region",
            "expected_by_chance",
        ],
    )
