"""The ``pool_rates`` and ``unused_capacity`` tables PEC saves, from its resource pools."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.pec.pools import COMPONENTS, MEASURE, Pools
from pecdata.warehouse.schema import RESOURCES

__all__ = ["pool_tables"]


def pool_tables(p: Pools) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``pool_rates`` and ``unused_capacity`` tables, one row per pool and year.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> rates, unused = pool_tables(cost_encounters(example_warehouse(), years=2022).pools)
    >>> sorted(rates.resource.unique())[:3]
    ['allied_health', 'assistant_nurse', 'bed_day']
    >>> charged = (rates.used_quantity * rates.rate_sek.fillna(0)).sum()
    >>> bool(abs(rates.cost_supplied_sek.sum() - charged - unused.cost_sek.sum()) < 0.01)
    True
    """
    yi, ui, ri = np.nonzero(p.exists)
    cap, used = p.capacity[yi, ui, ri], p.used[yi, ui, ri]
    total = p.total_cost[yi, ui, ri]
    has = cap > 0
    unit = p.unit_ids[ui].astype(str)
    resource = np.asarray(RESOURCES, dtype=object)[ri]
    measure = pd.Series(resource).map(MEASURE).to_numpy(object)
    rate = np.where(has, np.divide(total, cap, out=np.zeros_like(total), where=has), np.nan)
    full = np.where(used > 0, rate * has + p.absorbed_rate[yi, ui, ri], np.nan)
    base = pd.DataFrame(
        {
            "pool_id": pd.Series(unit, dtype=object) + ":" + resource,
            "unit_id": unit,
            "unit_type": p.unit_types[ui].astype(str),
            "year": p.years[yi].astype(np.int64),
            "resource": resource,
            "measure": measure,
        }
    )
    for c in ("pool_id", "unit_id", "unit_type", "resource", "measure"):
        base[c] = base[c].astype("str")
    rates = base.assign(
        cost_supplied_sek=total,
        **{f"{c}_sek": p.cost[k, yi, ui, ri] for k, c in enumerate(COMPONENTS)},
        practical_capacity=cap,
        used_quantity=used,
        utilisation=np.where(has, np.divide(used, cap, out=np.zeros_like(used), where=has), np.nan),
        rate_sek=rate,
        full_rate_sek=full,
        over_capacity=has & (used > cap),
        capacity_missing=~has & (total != 0),
    )
    unused_q = np.where(has, cap - used, np.nan)
    unused = base.assign(
        unused_quantity=unused_q,
        minutes=np.where(measure == "minutes", unused_q, np.nan),
        cost_sek=p.unused_cost[yi, ui, ri],
        over_capacity=rates["over_capacity"].to_numpy(),
        capacity_missing=rates["capacity_missing"].to_numpy(),
    )
    return rates, unused
