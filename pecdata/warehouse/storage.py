"""The warehouse on disk: one folder of Parquet files plus one DuckDB database.

A warehouse folder holds

* ``<table>.parquet`` for every table (pyarrow, zstd, no index, columns in
  schema order; categorical columns stay categorical when read back);
* ``warehouse.duckdb``: one DuckDB **view** per table over its Parquet file
  (text columns as VARCHAR), for SQL from any DuckDB client. Views, not copies:
  writing them takes milliseconds where copying the full region took 20 s, and
  they can never disagree with the Parquet files. They name the files by their
  absolute path: after moving the folder, :func:`write_duckdb` renews them;
* ``metadata.json``: the warehouse's ``meta`` (generator arguments or the import's
  mapping), whether it is ``synthetic``, and per table its rows, columns, size,
  modification time and SHA-256 (so that checks are cheap: a file whose size and
  time are unchanged is not hashed again), plus other files the warehouse wrote
  (``files``, e.g. ``answer_key.md``).

Nothing is lost: :func:`save` refuses a folder that already holds a warehouse
unless ``overwrite=True``, never writes into a folder with Parquet files but no
``metadata.json`` (not a pecdata warehouse), and replaces only the files the old
warehouse listed; :func:`add_tables` refuses to replace a table unless
``replace=True`` (never a base table). Both write to a temporary place first and
swap at the end, putting the old files back if anything fails.
:func:`pecdata.warehouse.load` (in :mod:`pecdata.warehouse.core`) reads a folder back
into a :class:`~pecdata.warehouse.Warehouse`; :mod:`pecdata.warehouse.integrity`
checks a folder against its metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pecdata.warehouse import schema as S
from pecdata.warehouse.folder import (
    DUCKDB_FILE,
    FORMAT,
    FORMAT_VERSION,
    METADATA_FILE,
    _default_path,  # noqa: F401 (re-exported for core)
    _listed,
    _metadata,
    check_target,
    is_synthetic,
    read_metadata,  # noqa: F401 (re-exported)
)

__all__ = [
    "save",
    "add_tables",
    "check_target",
    "write_duckdb",
    "is_synthetic",
    "read_metadata",
    "DUCKDB_FILE",
    "METADATA_FILE",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Threads writing Parquet files at once (pyarrow releases the GIL while encoding).
WRITERS = 2


# --- helpers ------------------------------------------------------------------------------------
def _check_name(name) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"table name {name!r} is not allowed: use letters, digits and _ only "
            "(it becomes a file name and an SQL name)"
        )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema_tables() -> dict:
    """Base and derived tables of the schema."""
    return getattr(S, "ALL_TABLES", S.TABLES)


def _ordered(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Schema columns first (in schema order), then any other columns as they come."""
    if name not in _schema_tables():
        return df
    first = [c for c in _schema_tables()[name].column_names if c in df.columns]
    order = first + [c for c in df.columns if c not in first]
    return df if list(df.columns) == order else df[order]


def _sha256(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _stat(file: Path) -> dict:
    st = file.stat()
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def parquet_options(schema: pa.Schema) -> dict:
    """How each column is encoded (zstd throughout), chosen for speed at the same size.

    * categorical and text columns: dictionary encoding (pyarrow's default), no
      statistics (min/max of codes help no reader; they cost a third of the time);
    * integer and timestamp columns: ``DELTA_BINARY_PACKED`` (ids and times are
      sorted or nearly so: half the time of trying a dictionary first, and smaller);
    * floating-point columns: ``BYTE_STREAM_SPLIT`` (zstd then compresses each byte
      plane; 40 % less time for the activities' quantities);
    * everything else (booleans) as pyarrow's default. Numbers keep their statistics.

    Every reader of Parquet 2 (pyarrow, DuckDB, Spark, polars) reads these encodings.
    The choice depends only on the column types, so the same tables give the same bytes.
    """
    dictionary, encoding = [], {}
    for field in schema:
        t = field.type
        if pa.types.is_dictionary(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
            dictionary.append(field.name)
        elif pa.types.is_integer(t) or pa.types.is_timestamp(t):
            encoding[field.name] = "DELTA_BINARY_PACKED"
        elif pa.types.is_floating(t):
            encoding[field.name] = "BYTE_STREAM_SPLIT"
    return dict(
        compression="zstd",
        use_dictionary=dictionary,
        write_statistics=[f.name for f in schema if f.name not in dictionary],
        column_encoding=encoding or None,
    )


def _write_parquet(name: str, df: pd.DataFrame, file: Path) -> dict:
    df = _ordered(name, df)
    if not all(isinstance(c, str) for c in df.columns) or not df.columns.is_unique:
        raise ValueError(f"table {name!r}: column names must be unique strings")
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, file, **parquet_options(table.schema))
    return {
        "file": file.name,
        "rows": len(df),
        "columns": list(df.columns),
        "kind": "base" if name in S.TABLES else "derived",
        "sha256": _sha256(file),
    }


def _write_all(tables: Mapping[str, pd.DataFrame], folder: Path, prefix: str = "") -> dict:
    """Write every table to ``folder/<prefix><name>.parquet``, the largest first, in parallel."""
    order = sorted(tables, key=lambda n: -tables[n].size)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        done = dict(
            zip(
                order,
                pool.map(
                    lambda n: _write_parquet(n, tables[n], folder / f"{prefix}{n}.parquet"), order
                ),
            )
        )
    return {n: done[n] for n in tables}


def _sql_path(file: Path) -> str:
    return str(file.resolve()).replace("'", "''")


def view_sql(name: str, file: Path) -> str:
    """The statement that makes table ``name`` a view over its Parquet ``file``."""
    return f"CREATE OR REPLACE VIEW {_q(name)} AS SELECT * FROM read_parquet('{_sql_path(file)}')"


def write_duckdb(path: str | os.PathLike) -> Path:
    """(Re)write ``warehouse.duckdb``: one view per table over its Parquet file.

    Built in a temporary file and moved into place, so a failure leaves the old
    database. Call it after moving a warehouse folder (the views name the files
    by their absolute path). Returns the database file.

    Examples
    --------
    >>> import pandas as pd, tempfile, duckdb
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"], "beds": [3]})},
    ...               tempfile.mkdtemp() + "/region")
    >>> con = duckdb.connect(str(write_duckdb(folder)), read_only=True)
    >>> con.execute("SELECT beds FROM units").fetchall()
    [(3,)]
    >>> con.close()
    """
    path = Path(path)
    meta = _metadata(path)
    db = _views(path, {n: path / e["file"] for n, e in meta["tables"].items()})
    meta["duckdb_stat"] = _stat(db)
    _write_json(meta, path / METADATA_FILE)
    return db


def _views(path: Path, files: Mapping[str, Path]) -> Path:
    tmp = path / f".{DUCKDB_FILE}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            for name, file in files.items():
                con.execute(view_sql(name, file))
        finally:
            con.close()
        os.replace(tmp, path / DUCKDB_FILE)
        (path / f"{DUCKDB_FILE}.wal").unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    return path / DUCKDB_FILE


def _write_json(data: dict, file: Path) -> None:
    tmp = file.with_name(f".{file.name}.tmp")
    tmp.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n", encoding="utf-8"
    )
    os.replace(tmp, file)


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("pecdata")
    except PackageNotFoundError:
        own = "unknown"
    return {
        "pecdata": own,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "duckdb": duckdb.__version__,
    }


def save(
    warehouse: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    overwrite: bool = False,
    files: Mapping[str, str] | None = None,
    synthetic: bool | None = None,
    check=None,
) -> Path:
    """Write a warehouse to a folder: Parquet files, ``warehouse.duckdb`` and ``metadata.json``.

    Everything is written to a temporary folder beside ``path`` first and
    swapped in at the end; if that fails the old warehouse is put back.

    Parameters
    ----------
    warehouse : Warehouse or Mapping of str to DataFrame
        The tables (``warehouse.meta`` is saved too, if there is one).
    path : str or Path
        The folder; it is created if needed.
    overwrite : bool, default False
        Replace a warehouse already in the folder: the files its
        ``metadata.json`` lists (derived tables included) are removed; other
        files are left alone. See :func:`check_target` for what is refused.
    files : Mapping of str to str, optional
        Other text files to write beside the tables (e.g. ``answer_key.md``),
        listed in ``metadata.json`` as written by the warehouse.
    synthetic : bool, optional
        Whether the data are synthetic (default: ``meta["synthetic"]``, else
        True only for the generator's warehouses, whose meta has ``generator``).
    check : callable, optional
        ``check(warehouse)``, e.g. :func:`pecdata.warehouse.validation.validate`,
        run while the Parquet files are written (on two cores the two overlap);
        if it raises, nothing is written to ``path``.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    FileExistsError
        If the folder may not be written (see :func:`check_target`).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"], "beds": [3]})},
    ...               tempfile.mkdtemp() + "/region")
    >>> sorted(p.name for p in folder.iterdir())
    ['metadata.json', 'units.parquet', 'warehouse.duckdb']
    """
    files = dict(files or {})
    tables = dict(warehouse)
    for name in tables:
        _check_name(name)
    for name in files:
        if Path(name).name != name or name.endswith(".parquet") or name in _listed({"tables": {}}):
            raise ValueError(f"{name!r} cannot be written as another file of a warehouse")
    path = check_target(path, overwrite, tables, files)
    meta = dict(getattr(warehouse, "meta", {}) or {})
    if synthetic is None:
        synthetic = bool(meta["synthetic"]) if "synthetic" in meta else is_synthetic({"meta": meta})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        if check is None:
            entries = _write_all(tables, tmp)
        else:
            with ThreadPoolExecutor(max_workers=1) as pool:
                writing = pool.submit(_write_all, tables, tmp)
                try:
                    check(warehouse)
                finally:
                    entries = writing.result()
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        path.mkdir(exist_ok=True)
        check_target(path, overwrite, tables, files)  # again: something may have appeared
        old = _metadata(path) if (path / METADATA_FILE).is_file() else None
        gone = sorted((_listed(old) if old else set()) | set(files))
        new = [p.name for p in sorted(tmp.iterdir())]

        def finish():
            for name, entry in entries.items():
                entry.update(_stat(path / entry["file"]))
            db = _views(path, {n: path / e["file"] for n, e in entries.items()})
            _write_json(
                {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "synthetic": bool(synthetic),
                    "meta": meta,
                    "versions": _versions(),
                    "duckdb": DUCKDB_FILE,
                    "duckdb_stat": _stat(db),
                    "tables": entries,
                    "files": {n: {"sha256": _sha256(path / n)} for n in files},
                },
                path / METADATA_FILE,
            )

        _swap(path, tmp, gone, new, finish)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _swap(path: Path, tmp: Path, gone, new, finish) -> None:
    """Move the old files ``gone`` aside, the ``new`` ones from ``tmp`` in, then ``finish()``;
    on any failure put everything back as it was."""
    backup = tmp / ".old"
    backup.mkdir()
    moved_old, moved_new = [], []
    try:
        for name in gone:
            if (path / name).exists():
                os.replace(path / name, backup / name)
                moved_old.append(name)
        for name in new:
            os.replace(tmp / name, path / name)
            moved_new.append(name)
        finish()
    except BaseException:
        for name in set(moved_new) | {METADATA_FILE, DUCKDB_FILE}:
            (path / name).unlink(missing_ok=True)
        for name in moved_old:
            os.replace(backup / name, path / name)
        raise


def add_tables(
    path: str | os.PathLike, tables: Mapping[str, pd.DataFrame], replace: bool = False
) -> None:
    """Add derived tables (such as the PEC results) to a saved warehouse.

    Each table is written as Parquet, added to ``warehouse.duckdb`` (a view) and
    listed in ``metadata.json``. The new files are written to a temporary folder
    first and swapped in; if anything fails, the warehouse is left as it was.

    Parameters
    ----------
    path : str or Path
        A folder written by :func:`save`.
    tables : Mapping of str to DataFrame
        The new tables.
    replace : bool, default False
        Replace derived tables of the same name. Base tables
        (:data:`pecdata.warehouse.schema.WAREHOUSE_TABLES`) can never be replaced.

    Raises
    ------
    ValueError
        For a base table's name or an invalid name.
    FileExistsError
        If a table exists and ``replace`` is False.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"], "beds": [3]})},
    ...               tempfile.mkdtemp() + "/region")
    >>> add_tables(folder, {"my_rates": pd.DataFrame({"pool": ["A"], "sek_per_minute": [9.5]})})
    >>> from pecdata.warehouse import load
    >>> load(folder, validate=False).sql("SELECT * FROM my_rates")
      pool  sek_per_minute
    0    A             9.5
    """
    path = Path(path)
    meta = _metadata(path)
    present = {p.name for p in path.iterdir() if p.is_file()}
    for name, df in tables.items():
        _check_name(name)
        if name in S.WAREHOUSE_TABLES:
            raise ValueError(
                f"{name!r} is a base table of the warehouse and cannot be added or "
                "replaced; regenerate the warehouse instead "
                "(pecdata generate --force)"
            )
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"table {name!r} is a {type(df).__name__}, not a DataFrame")
        if name not in meta["tables"] and f"{name}.parquet" in present:
            raise FileExistsError(
                f"{path} holds {name}.parquet, which its warehouse did not write; pecdata "
                "will not replace it: move it first"
            )
        if not replace and name in meta["tables"]:
            raise FileExistsError(
                f"{path} already has a table {name!r}; pass replace=True to replace it"
            )
    tmp = Path(tempfile.mkdtemp(prefix=".add.", suffix=".tmp", dir=path))
    try:
        entries = _write_all(tables, tmp)
        gone = [meta["tables"][n]["file"] for n in tables if n in meta["tables"]]

        def finish():
            for entry in entries.values():
                entry.update(_stat(path / entry["file"]))
            meta["tables"].update(entries)
            db = _views(path, {n: path / e["file"] for n, e in meta["tables"].items()})
            meta["duckdb_stat"] = _stat(db)
            _write_json(meta, path / METADATA_FILE)

        _swap(
            path,
            tmp,
            gone + [DUCKDB_FILE, METADATA_FILE],
            [e["file"] for e in entries.values()],
            finish,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
