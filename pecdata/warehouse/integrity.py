"""Check a warehouse folder's files against its ``metadata.json``, cheaply.

* a Parquet file is compared by size and modification time first; only when
  those changed is it hashed (SHA-256) and compared with the hash written;
* ``warehouse.duckdb`` must open, and each table must be a view over its own
  Parquet file. A warehouse written before views (its tables copied into the
  database) is compared row count by row count and, when the database file
  changed since it was written, value by value (an order-free hash of every
  row against the Parquet file's).

Every problem is one sentence naming the table and the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import duckdb

from pecdata.warehouse.storage import DUCKDB_FILE, METADATA_FILE, _metadata, _q, _sha256, _sql_path

__all__ = ["verify_files", "parquet_problems", "renew"]

_FIX = "write it again (pecdata generate/import --force) or renew it (pecdata validate --renew)"


def parquet_problems(path: Path, meta: dict, tables: Iterable[str] | None = None) -> list[str]:
    """One message per listed Parquet file that is missing or changed since it was written."""
    problems = []
    for name, entry in meta["tables"].items():
        if tables is not None and name not in tables:
            continue
        file = path / entry["file"]
        if not file.is_file():
            problems.append(f"{name}: {file} is missing")
            continue
        st = file.stat()
        if (st.st_size, st.st_mtime_ns) == (entry.get("bytes"), entry.get("mtime_ns")):
            continue  # unchanged: no need to hash it
        if entry.get("bytes") is not None and st.st_size != entry["bytes"]:
            changed = True
        else:
            changed = _sha256(file) != entry.get("sha256")
        if changed:
            problems.append(
                f"{name}: {file} changed since it was written (its SHA-256 is not the one "
                f"in {METADATA_FILE}); write the warehouse again"
            )
    return problems


def verify_files(path: str | os.PathLike, tables: Iterable[str] | None = None) -> list[str]:
    """Compare a warehouse folder with its ``metadata.json``.

    Parameters
    ----------
    path : str or Path
        A folder written by :func:`pecdata.warehouse.save`.
    tables : iterable of str, optional
        Check only these tables (default: every table listed).

    Returns
    -------
    list of str
        One message per Parquet file missing or changed since it was written,
        and per table of ``warehouse.duckdb`` that is missing or no longer
        agrees with its Parquet file, or one message if the database is damaged;
        empty if all agree.

    Raises
    ------
    FileNotFoundError, ValueError
        If the folder has no ``metadata.json`` or it is damaged.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from pecdata.warehouse import save
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"], "beds": [3]})},
    ...               tempfile.mkdtemp() + "/region")
    >>> verify_files(folder)
    []
    """
    path = Path(path)
    meta = _metadata(path)
    tables = None if tables is None else set(tables)
    problems = parquet_problems(path, meta, tables)
    db = path / DUCKDB_FILE
    if not db.is_file():
        return problems + [f"{db} is missing; {_FIX}"]
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        return problems + [f"{db} is damaged or not a DuckDB database ({first}); {_FIX}"]
    try:
        problems += _duckdb_problems(con, path, meta, tables)
    except duckdb.Error as exc:
        problems.append(f"{db} cannot be read ({str(exc).splitlines()[0]}); {_FIX}")
    finally:
        con.close()
    return problems


def _duckdb_problems(con, path: Path, meta: dict, tables) -> list[str]:
    db = path / DUCKDB_FILE
    views = dict(
        con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
    )
    copies = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    stat = meta.get("duckdb_stat")
    st = db.stat()
    touched = stat is None or (st.st_size, st.st_mtime_ns) != (stat["bytes"], stat["mtime_ns"])
    problems = []
    for name, entry in meta["tables"].items():
        if tables is not None and name not in tables:
            continue
        file = path / entry["file"]
        if name in views:
            if _sql_path(file) not in views[name]:
                problems.append(
                    f"{name}: {db} reads another file than {file} (was the folder moved?); "
                    "renew the views with pecdata validate --renew"
                )
            continue
        if name not in copies:
            problems.append(f"{name}: table missing from {db}; {_FIX}")
            continue
        rows = con.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0]
        if rows != entry["rows"]:
            problems.append(
                f"{name}: {db} has {rows:,} rows, {METADATA_FILE} says {entry['rows']:,}; {_FIX}"
            )
        elif (
            touched
            and file.is_file()
            and _fingerprint(con, _q(name))
            != _fingerprint(con, f"read_parquet('{_sql_path(file)}')")
        ):
            problems.append(
                f"{name}: {db} holds other values than {file} (the database is stale); {_FIX}"
            )
    return problems


def _fingerprint(con, source: str):
    """An order-free hash of every row (two tables with the same rows agree)."""
    return con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {source} t").fetchone()


def renew(path: str | os.PathLike) -> Path:
    """Rewrite ``warehouse.duckdb`` as views over the Parquet files (after a move).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from pecdata.warehouse import save
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"]})}, tempfile.mkdtemp() + "/r")
    >>> renew(folder).name
    'warehouse.duckdb'
    """
    from pecdata.warehouse.storage import write_duckdb

    return write_duckdb(path)


def publishable(path: str | os.PathLike) -> str | None:
    """Why the warehouse in ``path`` must not be published (None if it may: synthetic).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from pecdata.warehouse import save
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"]})}, tempfile.mkdtemp() + "/r")
    >>> "a region's own data" in publishable(folder)
    True
    """
    from pecdata.warehouse.storage import is_synthetic

    meta = _metadata(Path(path))
    if is_synthetic(meta):
        return None
    return (
        f"{path} holds a region's own data ({METADATA_FILE}: synthetic false): the handbook "
        "publishes its tables and figures, so it is built only from a synthetic region "
        "(PECDATA_DIR or DATA=... pointing at `pecdata generate` output)"
    )


def main(argv: list[str] | None = None) -> int:
    """``main(["publishable", DIR])`` (``make publishable``): 1 for a region's own data."""
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "publishable":
        print("usage: main(['publishable', DIR])", file=sys.stderr)
        return 2
    try:
        reason = publishable(argv[1])
    except (OSError, ValueError) as exc:
        reason = str(exc)
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 1
    return 0
