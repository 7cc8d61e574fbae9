"""A warehouse folder's contract: its metadata, and what may be written or replaced in it.

``metadata.json`` says which files the warehouse wrote (its tables' Parquet files,
``warehouse.duckdb`` and other files such as ``answer_key.md``) and whether its
data are synthetic. :func:`check_target` decides, from it, whether a new
warehouse may be written into a folder: nothing pecdata did not write is ever
replaced (see :func:`pecdata.warehouse.save`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from pecdata.warehouse import schema as S

__all__ = ["check_target", "is_synthetic", "read_metadata", "DUCKDB_FILE", "METADATA_FILE"]

DUCKDB_FILE = "warehouse.duckdb"
METADATA_FILE = "metadata.json"
FORMAT = "pecdata-warehouse"
FORMAT_VERSION = 2


def is_synthetic(meta: Mapping) -> bool:
    """Whether a warehouse's ``metadata.json`` (as a dict) describes a synthetic region.

    An explicit ``synthetic`` wins; warehouses written before it existed count as
    synthetic when the generator wrote them (``meta.generator``).

    Examples
    --------
    >>> is_synthetic({"synthetic": False}), is_synthetic({"meta": {"generator": "x"}})
    (False, True)
    >>> is_synthetic({"meta": {}})
    False
    """
    if "synthetic" in meta:
        return bool(meta["synthetic"])
    inner = meta.get("meta")
    return isinstance(inner, Mapping) and "generator" in inner


def _listed(meta: Mapping) -> set[str]:
    """The files a warehouse wrote, by name."""
    names = {METADATA_FILE, DUCKDB_FILE, DUCKDB_FILE + ".wal"}
    names |= {e["file"] for e in meta["tables"].values()}
    names |= set(meta.get("files", {}))
    return names


def check_target(path: str | os.PathLike, overwrite: bool = False, tables=None, files=()) -> Path:
    """Raise :class:`FileExistsError` unless a warehouse may be written to ``path``.

    A folder may take a new warehouse if it is missing or empty of warehouse
    files; with ``overwrite``, also if it holds a pecdata warehouse
    (``metadata.json``), whose listed files are then replaced. Never: a folder
    with Parquet files or a DuckDB database but no ``metadata.json`` (pecdata
    did not write them), or a warehouse folder holding a Parquet file of the
    same name that the warehouse did not list. Other files (``files``, e.g.
    ``answer_key.md``) that exist and were not written by the warehouse are
    replaced only with ``overwrite``.

    Parameters
    ----------
    path : str or Path
        The folder to write.
    overwrite : bool
        Whether an existing warehouse there may be replaced.
    tables : iterable of str, optional
        The tables to be written (default: the base tables of the schema).
    files : iterable of str
        Other files to be written.

    Returns
    -------
    Path
        ``path`` as a Path.

    Examples
    --------
    >>> import tempfile
    >>> check_target(tempfile.mkdtemp()).is_dir()
    True
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder")
    if not path.is_dir():
        return path
    tables = S.WAREHOUSE_TABLES if tables is None else tuple(tables)
    present = {p.name for p in path.iterdir() if p.is_file()}
    if METADATA_FILE not in present:
        foreign = sorted(n for n in present if n.endswith(".parquet") or n == DUCKDB_FILE)
        if foreign:
            raise FileExistsError(
                f"{path} holds {len(foreign)} file(s) pecdata did not write (such as "
                f"{foreign[0]}) and no {METADATA_FILE}: it is not a pecdata warehouse, so "
                "nothing in it is replaced, not even with --force; choose another folder"
            )
        mine = sorted(set(files) & present)
        if mine and not overwrite:
            raise FileExistsError(
                f"{path} already has {mine[0]}, which pecdata did not write; pass "
                "overwrite=True (or --force on the command line) to replace it"
            )
        return path
    meta = _metadata(path)  # a clear error if it is damaged
    if not overwrite:
        raise FileExistsError(
            f"{path} already holds a warehouse ({len(meta['tables'])} tables, {METADATA_FILE}); "
            "pass overwrite=True (or --force on the command line) to replace it"
        )
    listed = _listed(meta)
    clash = sorted(f"{t}.parquet" for t in tables if f"{t}.parquet" in present - listed)
    if clash:
        raise FileExistsError(
            f"{path} holds {clash[0]}, which its warehouse did not write (it is not in "
            f"{METADATA_FILE}); pecdata will not replace it, not even with --force: move it first"
        )
    return path


# --- public functions ---------------------------------------------------------------------------


def _metadata(path: Path) -> dict:
    if not path.is_dir():
        raise FileNotFoundError(
            f"no warehouse folder {path}; create one with `pecdata generate --out {path}` "
            "or `pecdata import`"
        )
    file = path / METADATA_FILE
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a pecdata warehouse: it has no {METADATA_FILE}")
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{file} is damaged: it is not valid JSON ({exc}); restore it or write the "
            "warehouse again (pecdata generate/import --force)"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{file} is not the metadata of a pecdata warehouse (no format {FORMAT})")
    tables = meta.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("file"), str) and isinstance(e.get("rows"), int)
        for e in tables.values()
    ):
        raise ValueError(
            f"{file} is damaged: 'tables' must map each table to its file and rows; restore it "
            "or write the warehouse again (pecdata generate/import --force)"
        )
    if not isinstance(meta.get("files", {}), dict) or not isinstance(meta.get("meta", {}), dict):
        raise ValueError(f"{file} is damaged: 'files' and 'meta' must be objects")
    return meta


def _default_path(path) -> Path:
    if path is None:
        path = os.environ.get("PECDATA_DIR")
        if not path:
            raise FileNotFoundError("no warehouse folder given and PECDATA_DIR is not set")
    return Path(path)


def read_metadata(path: str | os.PathLike) -> dict:
    """A warehouse folder's ``metadata.json`` as a dict, with a clear error if it is damaged.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from pecdata.warehouse import save
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"]})}, tempfile.mkdtemp() + "/r")
    >>> read_metadata(folder)["synthetic"]
    False
    """
    return _metadata(Path(path))
