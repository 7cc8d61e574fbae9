"""Which tables each part of the course needs (the handbook page "Your own data").

``pecdata validate`` and ``pecdata import`` say, with :func:`missing_for`, what a
warehouse is not enough for, one sentence per part.
"""

from __future__ import annotations

from pecdata.warehouse.schema import CORE_TABLES, TABLES

__all__ = ["PARTS", "missing_for"]

#: Which tables each part of the course needs (the handbook page "Your own data").
PARTS = {
    "PEC (pecdata cost)": CORE_TABLES,
    "step 1, frame the question": (
        "municipalities",
        "units",
        "residents",
        "resident_years",
        "encounters",
        "ledger",
    ),
    "step 2, know your data": (
        "municipalities",
        "units",
        "residents",
        "resident_years",
        "conditions",
        "encounters",
        "activities",
    ),
    "step 3, describe the current state": (
        "units",
        "residents",
        "resident_years",
        "encounters",
        "activities",
        "staffing",
        "capacity",
    ),
    "step 4, cost the care": CORE_TABLES + ("residents", "resident_years"),
    "steps 5-9 (segments, cohorts, pathways, scenarios, follow-up)": tuple(
        t for t in TABLES if t not in ("planted_findings", "planted_residents")
    ),
}


def missing_for(tables) -> dict[str, list[str]]:
    """The parts of the course whose tables are missing, with the missing tables.

    Examples
    --------
    >>> missing_for(CORE_TABLES)["step 1, frame the question"]
    ['municipalities', 'residents', 'resident_years']
    >>> "PEC (pecdata cost)" in missing_for(CORE_TABLES)
    False
    """
    have = set(tables)
    out = {}
    for part, needs in PARTS.items():
        gone = [t for t in needs if t not in have]
        if gone:
            out[part] = gone
    return out
