"""The warehouse: the schema, storage (Parquet + DuckDB), the in-memory
:class:`Warehouse`, validation, file checks, the data dictionary and the
boundary for a region's own data (mapping, type coercion, pseudonyms).

The bottom room of the house: it imports nothing else of pecdata.
"""

from pecdata.warehouse.core import MissingTableError, Warehouse, load
from pecdata.warehouse.integrity import renew, verify_files
from pecdata.warehouse.storage import (
    DUCKDB_FILE,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    add_tables,
    check_target,
    is_synthetic,
    read_metadata,
    save,
    write_duckdb,
)

__all__ = [
    "Warehouse",
    "MissingTableError",
    "load",
    "save",
    "add_tables",
    "verify_files",
    "renew",
    "write_duckdb",
    "check_target",
    "is_synthetic",
    "read_metadata",
    "DUCKDB_FILE",
    "METADATA_FILE",
    "FORMAT",
    "FORMAT_VERSION",
]
