"""Import a region's own data: CSV, Excel, Parquet or SQL, through a mapping file.

The mapping (TOML, or YAML with the same keys) says where each table comes
from, which local column is which schema column, what the local codes mean and
which unit a time is in. See the handbook page "Your own data" for a full
example; in short::

    synthetic = false            # real data (the default for imports)
    decimal = "."                # or "," for a decimal comma in text files

    [source]
    kind = "csv"                 # csv | excel | parquet | sql
    path = "export"              # folder of <table>.csv/.parquet, or the .xlsx workbook
    # url = "postgresql+psycopg://user@127.0.0.1:5432/region"   (kind = "sql")
    # url_env = "REGION_DB_URL"  # or take the URL from an environment variable

    [privacy]                    # columns holding personnummer, stored as keyed pseudonyms
    personnummer = ["residents.resident_id", "encounters.resident_id"]

    [codes.care_level]           # local code = schema code, for this column in every table
    VC = "primary_care"

    [tables.units]
    source = "enheter"           # file stem, sheet or SQL table (default: the table's name)
    columns = { unit_id = "enhet", unit_type = "typ" }    # schema column = local column
    constants = { owner = "region" }                      # columns the export lacks
    [tables.units.codes.unit_type]                        # codes for one table only
    VC = "primary_care_centre"
    [tables.activities.units]
    quantity = "hours"           # staff minutes given in hours
    [tables.accounts.options.patient_related]
    true = ["J"]                 # extra words for True/False
    false = ["N"]

Local columns that are neither mapped nor named as in the schema are left out
(so that names or addresses in an export never reach the warehouse). Missing
columns that may be empty are added empty. ``staffing`` or ``capacity``, if not
in the mapping, are added as empty tables (PEC needs one of them).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pecdata.warehouse import schema as S
from pecdata.warehouse.coerce import coerce_table, convert_units
from pecdata.warehouse.core import Warehouse
from pecdata.warehouse.privacy import looks_like_personnummer, pseudonymise, read_key
from pecdata.warehouse.problems import Problem, ValidationError
from pecdata.warehouse.storage import save
from pecdata.warehouse.validation import validate

__all__ = ["read_mapping", "read_tables", "build", "import_warehouse", "KINDS"]

KINDS = ("csv", "excel", "parquet", "sql")
_TABLE_KEYS = {"source", "columns", "codes", "constants", "units", "options", "query"}
_TOP_KEYS = {"synthetic", "decimal", "source", "privacy", "codes", "tables", "encoding", "sep"}


def read_mapping(file: str | os.PathLike) -> dict:
    """Read and check a mapping file (``.toml``, ``.yaml`` or ``.yml``).

    Raises ``ValueError`` naming the key that is wrong.
    """
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(f"no mapping file {file}")
    text = file.read_text(encoding="utf-8")
    try:
        if file.suffix.lower() in (".yaml", ".yml"):
            import yaml

            mapping = yaml.safe_load(text) or {}
        else:
            mapping = tomllib.loads(text)
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError
        raise ValueError(f"{file} is not a valid mapping file: {exc}") from None
    _check_mapping(mapping, file)
    return mapping


def _check_mapping(m: Mapping, file: Path) -> None:
    def fail(message):
        raise ValueError(f"{file}: {message}")

    if not isinstance(m, Mapping):
        fail("the mapping must be a table of keys")
    unknown = set(m) - _TOP_KEYS
    if unknown:
        fail(
            f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    source = m.get("source")
    if not isinstance(source, Mapping) or source.get("kind") not in KINDS:
        fail(f"[source] kind must be one of {', '.join(KINDS)}")
    if source["kind"] == "sql" and not (source.get("url") or source.get("url_env")):
        fail("[source] kind = 'sql' needs url or url_env")
    if source["kind"] != "sql" and not source.get("path"):
        fail(f"[source] kind = {source['kind']!r} needs path")
    tables = m.get("tables")
    if not isinstance(tables, Mapping) or not tables:
        fail("[tables] must name at least one table")
    for name, spec in tables.items():
        if name not in S.TABLES:
            fail(f"[tables.{name}] is not a table of the schema ({', '.join(S.TABLES)})")
        if not isinstance(spec, Mapping):
            fail(f"[tables.{name}] must be a table of keys")
        bad = set(spec) - _TABLE_KEYS
        if bad:
            fail(f"[tables.{name}] has unknown key(s) {', '.join(sorted(bad))}")
        known = set(S.TABLES[name].column_names)
        for key in ("columns", "codes", "constants", "units", "options"):
            for column in spec.get(key, {}) or {}:
                if column not in known:
                    fail(
                        f"[tables.{name}.{key}] names {column!r}, which is not a column of "
                        f"{name} ({', '.join(sorted(known))})"
                    )
    for entry in (m.get("privacy") or {}).get("personnummer", []):
        table, _, column = str(entry).partition(".")
        if table not in S.TABLES or column not in S.TABLES[table].column_names:
            fail(f"[privacy] personnummer: {entry!r} is not table.column of the schema")


def _url(source: Mapping) -> str:
    if source.get("url"):
        return source["url"]
    value = os.environ.get(source["url_env"])
    if not value:
        raise ValueError(
            f"the environment variable {source['url_env']} (the database URL) is not set"
        )
    return value


def read_tables(mapping: Mapping, base: str | os.PathLike = ".") -> dict[str, pd.DataFrame]:
    """The source's raw tables, by schema table name, as read (no renaming yet)."""
    source = mapping["source"]
    kind = source["kind"]
    where = Path(base) / source["path"] if kind != "sql" else None
    frames = {}
    if kind == "sql":
        import sqlalchemy

        engine = sqlalchemy.create_engine(_url(source))
        try:
            with engine.connect() as con:
                for name, spec in mapping["tables"].items():
                    if spec.get("query"):
                        frames[name] = pd.read_sql_query(sqlalchemy.text(spec["query"]), con)
                    else:
                        frames[name] = pd.read_sql_table(spec.get("source", name), con)
        except sqlalchemy.exc.SQLAlchemyError as exc:
            raise ValueError(f"cannot read the database: {str(exc).splitlines()[0]}") from None
        finally:
            engine.dispose()
        return frames
    for name, spec in mapping["tables"].items():
        local = spec.get("source", name)
        if kind == "excel":
            if not where.is_file():
                raise FileNotFoundError(f"no Excel workbook {where}")
            try:
                frames[name] = pd.read_excel(where, sheet_name=local, dtype=object)
            except ValueError as exc:
                raise ValueError(f"{where}: no sheet {local!r} for table {name} ({exc})") from None
            continue
        file = where / f"{local}.{'csv' if kind == 'csv' else 'parquet'}"
        if not file.is_file():
            raise FileNotFoundError(f"no file {file} for table {name}")
        if kind == "csv":
            frames[name] = pd.read_csv(
                file,
                dtype=str,
                keep_default_na=False,
                encoding=mapping.get("encoding", "utf-8"),
                sep=mapping.get("sep", ","),
            )
        else:
            frames[name] = pd.read_parquet(file)
    return frames


def _shape(name: str, raw: pd.DataFrame, spec: Mapping, mapping: Mapping) -> pd.DataFrame:
    """Rename, add constants and empty columns, keep only the schema's columns."""
    table = S.TABLES[name]
    columns = dict(spec.get("columns") or {})
    missing = [local for local in columns.values() if local not in raw.columns]
    if missing:
        raise ValidationError(
            [
                Problem(
                    name,
                    schema_col,
                    f"the mapping takes it from the column {local!r}, which the source lacks "
                    f"(it has {', '.join(map(str, raw.columns))})",
                )
                for schema_col, local in columns.items()
                if local in missing
            ]
        )
    out = {}
    for col in table.columns:
        if col.name in columns:
            out[col.name] = raw[columns[col.name]]
        elif col.name in (spec.get("constants") or {}):
            out[col.name] = pd.Series([spec["constants"][col.name]] * len(raw), dtype=object)
        elif col.name in raw.columns:
            out[col.name] = raw[col.name]
        elif col.nullable:
            out[col.name] = pd.Series([None] * len(raw), dtype=object)
    if not out:
        return pd.DataFrame(index=range(len(raw)))
    return pd.DataFrame(out, index=range(len(raw)), copy=False)  # no copy into 2-D blocks


def build(
    mapping: Mapping,
    base: str | os.PathLike = ".",
    key: bytes | None = None,
    frames=None,
    validated: bool = True,
) -> Warehouse:
    """The warehouse a mapping describes, coerced, pseudonymised and validated.

    Raises
    ------
    ValidationError
        If a value is refused or the result breaks the contract.
    """
    frames = read_tables(mapping, base) if frames is None else frames
    private = {
        tuple(str(e).split(".", 1)) for e in (mapping.get("privacy") or {}).get("personnummer", [])
    }
    if private and key is None:
        raise ValueError(
            "the mapping lists personnummer columns: give the pseudonym key (--key-file)"
        )
    tables, keyed = {}, {}
    for name, spec in mapping["tables"].items():
        df = _shape(name, frames[name], spec, mapping)
        for c in df.columns:  # before any conversion: never store them
            if (name, c) not in private and looks_like_personnummer(df[c]):
                raise ValidationError(
                    [
                        Problem(
                            name,
                            c,
                            "holds what look like personnummer; list the column under "
                            "[privacy] personnummer so that it is stored as a keyed pseudonym",
                        )
                    ]
                )
        for column in [c for t, c in private if t == name and c in df.columns]:
            df[column] = pseudonymise(df[column], key, f"{name}.{column}")
            keyed[(name, column)] = df[column].to_numpy()
        codes = {**(mapping.get("codes") or {}), **(spec.get("codes") or {})}
        options = {c: {"decimal": mapping.get("decimal", ".")} for c in df.columns}
        for c, extra in (spec.get("options") or {}).items():
            options[c] = {**options.get(c, {}), **extra}
        codes = {c: {str(k): v for k, v in m.items()} for c, m in codes.items() if c in df.columns}
        df = coerce_table(name, df, codes, options)
        if spec.get("units"):
            df = convert_units(name, df, spec["units"])
        tables[name] = df
    if keyed:
        _number(tables, keyed)
    for name in ("staffing", "capacity"):
        if name not in tables:
            empty = pd.DataFrame(
                {c: pd.Series([], dtype=object) for c in S.TABLES[name].column_names}
            )
            tables[name] = coerce_table(name, empty)
    meta = {
        "source": mapping["source"]["kind"],
        "imported_tables": {n: (s.get("source") or n) for n, s in mapping["tables"].items()},
        "pseudonymised": sorted(".".join(p) for p in private),
        "synthetic": bool(mapping.get("synthetic", False)),
    }
    wh = Warehouse(tables, meta=meta)
    wh.synthetic = meta["synthetic"]
    if validated:
        validate(wh)
    return wh


def _number(tables: dict, keyed: dict) -> None:
    """Keyed pseudonyms -> löpnummer 1..N in the order of the pseudonyms (which says nothing
    about the people); ``residents.pseudonym`` keeps the keyed pseudonym for linking a later
    import made with the same key."""
    import numpy as np

    order = np.unique(np.concatenate(list(keyed.values())))
    for (name, column), values in keyed.items():
        tables[name][column] = np.searchsorted(order, values).astype(np.int64) + 1
        if (name, column) == ("residents", "resident_id"):
            tables[name]["pseudonym"] = values


def import_warehouse(
    mapping_file: str | os.PathLike,
    out: str | os.PathLike,
    key_file: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> Warehouse:
    """``pecdata import``: read, map, coerce, pseudonymise, validate and save a warehouse.

    Paths in the mapping are relative to the mapping file. The key file must
    lie outside ``out``. Returns the saved warehouse (its ``path`` is ``out``).
    """
    mapping_file = Path(mapping_file)
    mapping = read_mapping(mapping_file)
    key = read_key(key_file, warehouse=out) if key_file is not None else None
    wh = build(mapping, mapping_file.parent, key, validated=False)
    wh.path = save(  # validated while the Parquet files are written; nothing saved if invalid
        wh, out, overwrite=overwrite, synthetic=wh.meta["synthetic"], check=validate
    )
    return wh
