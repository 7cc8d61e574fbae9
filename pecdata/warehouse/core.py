"""The warehouse in memory: tables by name, with SQL over them (DuckDB).

:class:`Warehouse` is a read-only mapping of table name to DataFrame that also
runs DuckDB SQL on its tables. :func:`load` reads a warehouse folder back into one;
writing folders (Parquet files, ``warehouse.duckdb`` and ``metadata.json``) lives
in :mod:`pecdata.warehouse.storage`, which does not import this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pecdata.warehouse import memo
from pecdata.warehouse.storage import (
    METADATA_FILE,
    _check_name,
    _default_path,
    _metadata,
    _q,
    _schema_tables,
    add_tables,
    is_synthetic,
    save,
)

__all__ = ["Warehouse", "MissingTableError", "load"]


class MissingTableError(KeyError):
    """A table the warehouse does not have; the message says what needs it and where to read.

    Examples
    --------
    >>> import pandas as pd
    >>> try:
    ...     Warehouse({"units": pd.DataFrame({"unit_id": ["A"]})})["resident_years"]
    ... except MissingTableError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    the warehouse has no table 'resident_years' (it has units), which this analysis needs;
    see "Your own data" in the handbook for what each step needs
    """

    def __init__(self, name: str, have):
        self.name = name
        self.message = (
            f"the warehouse has no table {name!r} (it has {', '.join(have) or 'no tables'}), "
            'which this analysis needs; see "Your own data" in the handbook for what each '
            "step needs"
        )
        super().__init__(name)

    def __str__(self) -> str:
        return self.message


class Warehouse(Mapping):
    """Tables by name, with the generator's arguments and SQL over them.

    Parameters
    ----------
    tables : Mapping of str to DataFrame
        The tables; names must be valid identifiers (they become file and SQL names).
    meta : dict, optional
        Generator arguments, versions and the like (saved in ``metadata.json``).
    path : str or Path, optional
        The folder the warehouse was loaded from, if any.

    Examples
    --------
    >>> import pandas as pd
    >>> wh = Warehouse({"units": pd.DataFrame({"unit_id": ["A", "B"], "beds": [0, 12]})})
    >>> wh
    Warehouse: 1 table, 2 rows (in memory)
      units  2 rows
    >>> wh.units.beds.sum()
    np.int64(12)
    >>> wh.sql("SELECT unit_id FROM units WHERE beds > 0")
      unit_id
    0       B
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        meta: dict | None = None,
        path: str | os.PathLike | None = None,
    ):
        for name, df in tables.items():
            _check_name(name)
            if not isinstance(df, pd.DataFrame):
                raise TypeError(f"table {name!r} is a {type(df).__name__}, not a DataFrame")
        known = _schema_tables()
        order = [n for n in known if n in tables] + [n for n in tables if n not in known]
        self._tables = {n: tables[n] for n in order}
        self.meta = dict(meta or {})
        self.path = Path(path) if path is not None else None
        #: Whether the data are synthetic (set by :func:`load` from ``metadata.json``).
        self.synthetic = True
        self._con = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._tables[name]
        except KeyError:
            raise MissingTableError(name, list(self._tables)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.__dict__["_tables"][name]
        except KeyError:
            raise AttributeError(
                str(MissingTableError(name, list(self.__dict__.get("_tables", {}))))
            ) from None

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._tables))

    def __getstate__(self):
        return {**self.__dict__, "_con": None}

    def __repr__(self) -> str:
        rows = self.row_counts()
        where = f"from {self.path}" if self.path else "in memory"
        head = (
            f"Warehouse: {len(rows)} table{'s' * (len(rows) != 1)}, "
            f"{sum(rows.values()):,} rows ({where})"
        )
        width = max((len(n) for n in rows), default=0)
        digits = max((len(f"{n:,}") for n in rows.values()), default=0)
        lines = [f"  {n:<{width}}  {r:>{digits},} rows" for n, r in rows.items()]
        return "\n".join([head] + lines)

    def row_counts(self) -> dict[str, int]:
        """Rows per table, e.g. ``{'encounters': 1_012_345, ...}``."""
        return {n: len(df) for n, df in self._tables.items()}

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The cached in-memory DuckDB connection that sees every table as a view.

        Text columns (also categorical ones) appear as VARCHAR, as in
        ``warehouse.duckdb``. The frames are read in place, not copied. A
        loaded warehouse uses its frames too, not ``warehouse.duckdb``: the
        results are the same (tested) and the file stays unlocked, so
        :func:`add_tables` can write it meanwhile. Views keep the columns a
        table had when they were made: call :meth:`close` after adding or
        dropping columns of a table in place.
        """
        if self._con is None:
            con = duckdb.connect()
            for name, df in self._tables.items():
                con.register(f"_pecdata_{name}", df)
                con.execute(
                    f"CREATE VIEW {_q(name)} AS SELECT {_select_list(df)} "
                    f"FROM {_q('_pecdata_' + name)}"
                )
            self._con = con
        return self._con

    def sql(self, query: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run DuckDB SQL over the tables and return the result as a DataFrame.

        Parameters
        ----------
        query : str
            One SQL statement; table names are the warehouse's table names.
        params : list or dict, optional
            Values for ``?`` or ``$name`` placeholders.

        Returns
        -------
        DataFrame
            The result (for statements such as CREATE TABLE, what DuckDB reports).

        Examples
        --------
        >>> import pandas as pd
        >>> wh = Warehouse({"t": pd.DataFrame({"x": [1, 2, 3]})})
        >>> int(wh.sql("SELECT sum(x) AS s FROM t WHERE x >= ?", [2]).s[0])
        5
        """
        result = (
            self.connection().execute(query, params)
            if params is not None
            else self.connection().execute(query)
        )
        if result.description is None:
            return pd.DataFrame()
        return result.df()

    def close(self) -> None:
        """Close the DuckDB connection (it reopens on the next :meth:`sql`)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the warehouse to a folder (which becomes its ``path``); see :func:`save`."""
        self.path = save(self, path, overwrite=overwrite)
        return self.path

    def add_tables(self, tables: Mapping[str, pd.DataFrame], replace: bool = False) -> None:
        """Add derived tables to this warehouse and to its folder; see :func:`add_tables`."""
        if self.path is None:
            raise ValueError(
                "this warehouse has no folder (it was not loaded or saved); save it "
                "first or use pecdata.warehouse.add_tables(path, tables)"
            )
        add_tables(self.path, tables, replace=replace)
        self._tables.update(tables)
        self.close()


# --- helpers ------------------------------------------------------------------------------------
def _select_list(df: pd.DataFrame) -> str:
    return ", ".join(
        f"CAST({_q(c)} AS VARCHAR) AS {_q(c)}"
        if isinstance(df[c].dtype, pd.CategoricalDtype)
        else _q(c)
        for c in map(str, df.columns)
    )


def load(
    path: str | os.PathLike | None = None,
    validate: bool = True,
    tables: Iterable[str] | None = None,
) -> Warehouse:
    """Read a warehouse folder written by :func:`save`.

    Parameters
    ----------
    path : str or Path, optional
        The folder; default: the environment variable ``PECDATA_DIR``.
    validate : bool, default True
        Check the tables against :mod:`pecdata.warehouse.schema` (see
        :func:`pecdata.warehouse.validation.validate`); with ``tables`` given, only
        those tables are required. A folder whose files have not changed since
        they last passed is not validated again (see :mod:`pecdata.warehouse.memo`).
    tables : iterable of str, optional
        The tables to read; default: every Parquet file in the folder.

    Returns
    -------
    Warehouse

    Raises
    ------
    FileNotFoundError
        If the folder, its ``metadata.json`` or a table's Parquet file is missing.
    pecdata.warehouse.validation.ValidationError
        If ``validate`` and the tables break the contract.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> folder = save({"units": pd.DataFrame({"unit_id": ["A"], "beds": [3]})},
    ...               tempfile.mkdtemp() + "/region")
    >>> load(folder, validate=False).units
      unit_id  beds
    0       A     3
    """
    path = _default_path(path)
    meta = _metadata(path)
    listed = meta.get("tables", {})
    present = {p.stem for p in path.glob("*.parquet")}
    if tables is None:
        gone = sorted(set(listed) - present)
        if gone:
            raise FileNotFoundError(
                f"{path}: {METADATA_FILE} lists tables whose Parquet file "
                f"is missing: {', '.join(gone)}"
            )
        names = list(listed) + sorted(present - set(listed))
    else:
        names = list(dict.fromkeys(tables))
        unknown = [n for n in names if n not in present]
        if unknown:
            raise FileNotFoundError(
                f"{path} has no table {', '.join(map(repr, unknown))} (no "
                f"such Parquet file); it has {', '.join(sorted(present))}"
            )
    if validate:
        from pecdata.warehouse.integrity import parquet_problems
        from pecdata.warehouse.problems import Problem, ValidationError

        changed = parquet_problems(path, meta, names)
        if changed:
            raise ValidationError(
                Problem(m.split(":")[0], None, m.split(": ", 1)[1]) for m in changed
            )
    files = [path / f"{n}.parquet" for n in names]
    required = None if tables is None else names
    key = memo.validated_key(path, path / METADATA_FILE, files, required) if validate else ""
    frames = {n: _read(file, n) for n, file in zip(names, files)}
    wh = Warehouse(frames, meta=meta.get("meta", {}), path=path)
    wh.synthetic = is_synthetic(meta)
    if validate:  # validated before, unless a file changed since or while it was read
        steady = key == memo.validated_key(path, path / METADATA_FILE, files, required)
        if not (steady and memo.was_valid(key)):
            from pecdata.warehouse.validation import validate as _validate

            _validate(wh, required=required)
            if steady:
                memo.remember_valid(key, path)
    return wh


def _read(file: Path, name: str) -> pd.DataFrame:
    try:
        return pq.read_table(file).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise ValueError(
            f"{name}: {file} is damaged or not a Parquet file ({str(exc).splitlines()[0]}); "
            "write the warehouse again"
        ) from None
