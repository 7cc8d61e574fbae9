"""Problems PEC lists about its resource pools, one warning row each (never dropped).

:class:`Warnings` collects the rows (year, unit, pool, problem, amount,
message) while :func:`pecdata.pec.pools.build_pools` places the ledger;
:func:`pool_warnings` adds what the finished pools show: over capacity,
capacity missing, use without cost. :attr:`pecdata.pec.PecResult.warnings`
is the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pecdata.warehouse.schema import POOL_RESOURCES, RESOURCES

if TYPE_CHECKING:
    from pecdata.pec.pools import Pools

__all__ = ["Warnings", "pool_warnings"]

N_POOL = len(POOL_RESOURCES)


class Warnings(list):
    """Warning rows for the years and units of one PEC run."""

    def __init__(self, years, unit_ids):
        super().__init__()
        self.years, self.unit_ids = years, unit_ids

    def add(self, problem, yi, ui, resource, amount, message):
        unit = str(self.unit_ids[ui])
        self.append(
            {
                "year": int(self.years[yi]),
                "unit_id": unit,
                "pool_id": f"{unit}:{resource}" if resource else None,
                "problem": problem,
                "amount_sek": float(amount),
                "message": message,
            }
        )

    def each(self, mask, problem, amounts, text, resource=None):
        """One warning per True cell of a (Y, U) or (Y, U, R) mask."""
        for idx in zip(*np.nonzero(mask)):
            yi, ui = int(idx[0]), int(idx[1])
            res = RESOURCES[idx[2]] if len(idx) == 3 else resource
            self.add(
                problem,
                yi,
                ui,
                res,
                amounts[idx],
                text.format(
                    unit=self.unit_ids[ui], year=self.years[yi], res=res, amount=amounts[idx]
                ),
            )


def pool_warnings(p: Pools, warn: Warnings) -> None:
    """Over capacity, capacity missing and use without cost, pool by pool."""
    cap, used, cost = p.capacity, p.used.copy(), p.total_cost
    used[..., N_POOL:] = 0.0
    warn.each(
        (cap > 0) & (used > cap),
        "over_capacity",
        used - cap,
        "pool {unit}:{res} {year} is over capacity: {amount:,.1f} more used than its "
        "practical capacity (unused capacity is negative)",
    )
    warn.each(
        (cap <= 0) & (cost != 0),
        "capacity_missing",
        cost,
        "pool {unit}:{res} {year} has {amount:,.2f} SEK of cost but no practical "
        "capacity (staffing/capacity row missing or 0): no rate; view a reports its "
        "cost as unused capacity, view b spreads it over its users",
    )
    warn.each(
        (cost == 0) & (used > 0),
        "no_cost",
        used,
        "pool {unit}:{res} {year}: {amount:,.1f} used but the pool has no cost in the "
        "ledger; this use is charged 0 SEK",
    )
