"""The warehouse: the schema, storage (Parquet + DuckDB), the in-memory
:class:`Warehouse`, validation and the data dictionary.

The bottom room of the house: it imports nothing else of pecdata.
"""

from pecdata.warehouse.core import Warehouse, load
from pecdata.warehouse.storage import (
    DUCKDB_FILE,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    add_tables,
    check_target,
    save,
    verify_files,
)

__all__ = [
    "Warehouse",
    "load",
    "save",
    "add_tables",
    "verify_files",
    "check_target",
    "DUCKDB_FILE",
    "METADATA_FILE",
    "FORMAT",
    "FORMAT_VERSION",
]
