"""The warehouse's tables and columns, defined once.

Everything else is derived from this module: the pandera validation schemas
(:mod:`pecdata.warehouse.validation`), the data dictionary in the handbook
(:mod:`pecdata.warehouse.dictionary`) and the column order of the Parquet files.

The warehouse has three kinds of data, as in a real regional data warehouse:

* **care**: residents, their chronic conditions, encounters at every level of
  care (vårdnivå) and care-pathway (vårdförlopp) milestones;
* **resources**: organisational units, staffing (FTE, paid and practical hours)
  and non-staff capacity (beds, theatres, imaging, laboratory);
* **finance**: the general ledger (huvudbok) by unit, account and year.

Plus reference tables (municipalities, accounts) and the trainers' answer key
(``planted_findings``).

The declarations live in four modules, all re-exported here: the vocabularies
(:mod:`~pecdata.warehouse.schema.vocabulary`), what a column and a table declare
(:mod:`~pecdata.warehouse.schema.model`), the warehouse's own tables
(:mod:`~pecdata.warehouse.schema.base`) and PEC's derived tables
(:mod:`~pecdata.warehouse.schema.derived`).
"""

from __future__ import annotations

from pecdata.warehouse.schema.base import (
    CORE_TABLES,
    GENERATOR_ONLY,
    NONEMPTY_TABLES,
    RESOURCE_MEASURE,
    SMALLEST_QUANTITY,
    TABLES,
    WAREHOUSE_TABLES,
)
from pecdata.warehouse.schema.derived import DERIVED_TABLES, PEC_PROBLEMS, POOL_RESOURCES
from pecdata.warehouse.schema.model import YEAR, C, Column, Table
from pecdata.warehouse.schema.vocabulary import (
    CARE_LEVELS,
    CONDITIONS,
    DISCHARGE_DESTINATIONS,
    EARLIEST_DATE,
    LATEST_DATE,
    MEASURES,
    MILESTONES,
    OWNERS,
    PATHWAYS,
    PROFESSIONS,
    RESOURCES,
    SPECIALTIES,
    UNIT_TYPES,
)

#: Every table the schema declares: the warehouse's own and PEC's derived ones.
ALL_TABLES: dict[str, Table] = {**TABLES, **DERIVED_TABLES}

__all__ = [
    "TABLES",
    "WAREHOUSE_TABLES",
    "RESOURCE_MEASURE",
    "SMALLEST_QUANTITY",
    "CORE_TABLES",
    "GENERATOR_ONLY",
    "NONEMPTY_TABLES",
    "POOL_RESOURCES",
    "PEC_PROBLEMS",
    "DERIVED_TABLES",
    "YEAR",
    "C",
    "Column",
    "Table",
    "CARE_LEVELS",
    "PROFESSIONS",
    "RESOURCES",
    "MEASURES",
    "UNIT_TYPES",
    "SPECIALTIES",
    "CONDITIONS",
    "DISCHARGE_DESTINATIONS",
    "PATHWAYS",
    "MILESTONES",
    "OWNERS",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "ALL_TABLES",
]
