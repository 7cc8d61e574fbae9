"""Patient Encounter Cost (PEC): resource pools, the costing engine, reconciliation to
the ledger, traditional average costing and the same allocation in SQL.

Depends on :mod:`pecdata.warehouse` only. :mod:`pecdata.pec.engine` holds the
method's description; :mod:`pecdata.pec.results` the cost per resident and the
saved tables.
"""

from pecdata.pec.engine import BREAKDOWN, PEC_TABLES, PecResult, cost_encounters
from pecdata.pec.reconcile import TOLERANCE_SEK, format_reconciliation, reconcile
from pecdata.pec.results import add_cost_tables, resident_costs

__all__ = [
    "PecResult",
    "cost_encounters",
    "resident_costs",
    "add_cost_tables",
    "PEC_TABLES",
    "BREAKDOWN",
    "TOLERANCE_SEK",
    "reconcile",
    "format_reconciliation",
]
