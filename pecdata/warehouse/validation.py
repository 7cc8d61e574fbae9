"""Check warehouse tables against the contract in :mod:`pecdata.warehouse.schema`.

:func:`check` lists every problem, :func:`validate` raises :class:`ValidationError`
with them. The rules live by concept:

* :mod:`pecdata.warehouse.columns`: **per column**, with pandera (type family,
  nulls, allowed values, range, finite numbers, unique);
* :mod:`pecdata.warehouse.relations`: **across columns and tables** (composite
  keys, foreign keys, end after start, hours, the year against the date, the
  measure against the resource, encounters within the resident's life, empty
  core tables);
* :mod:`pecdata.warehouse.integrity`: **the files** (Parquet files and
  ``warehouse.duckdb`` against ``metadata.json``).

Which tables must be present is :data:`pecdata.warehouse.schema.CORE_TABLES` by
default (what PEC needs); the others are checked when present. Derived tables
(:data:`pecdata.warehouse.schema.DERIVED_TABLES`, the PEC results) are checked
like base tables when present, never required; other tables are allowed and not
checked. Rows are numbered by position (0 = first row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from pecdata.warehouse import schema as S
from pecdata.warehouse.columns import column_problems, pandera_schema
from pecdata.warehouse.problems import MAX_LINES, Problem, ValidationError
from pecdata.warehouse.relations import empty_problems, relation_problems

__all__ = ["Problem", "ValidationError", "check", "validate", "pandera_schema", "MAX_LINES"]


# --- public API ---------------------------------------------------------------------------------
def check(
    tables: Mapping[str, pd.DataFrame], required: Iterable[str] | None = None
) -> list[Problem]:
    """Everything wrong with a warehouse, as a list (empty when valid).

    Parameters
    ----------
    tables : Mapping of str to DataFrame
        A :class:`pecdata.warehouse.Warehouse` or a dict of tables. Tables not
        in :data:`pecdata.warehouse.schema.TABLES` are allowed and not checked.
    required : iterable of str, optional
        Tables that must be present; default: what PEC needs
        (:data:`pecdata.warehouse.schema.CORE_TABLES`); the other tables of the
        schema are checked when present. Pass
        ``()`` to check only the tables given (foreign keys to absent tables
        are then not checked).

    Returns
    -------
    list of Problem
        In the order tables, columns and checks appear in the schema.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"municipality_code": ["HAV", "HAV"], "municipality_name": ["A", "B"],
    ...                   "acute_hospital": ["A", "A"], "population_share": [0.5, 1.5]})
    >>> for p in check({"municipalities": m}, required=()):
    ...     print(p.table, p.column, p.n_rows, p.row)
    ...     print(p.message)
    municipalities municipality_code 2 0
    2 rows share their value with another row (the column must be unique)
    municipalities population_share 1 1
    1 row has a value above the maximum 1
    >>> print(check({"municipalities": m}, required=())[1])  # doctest: +NORMALIZE_WHITESPACE
    municipalities.population_share: 1 row has a value above the maximum 1,
    e.g. row 1 {municipality_code: 'HAV', population_share: 1.5}
    """
    if not isinstance(tables, Mapping):
        raise TypeError(
            f"expected a Warehouse or a dict of DataFrames, got {type(tables).__name__}"
        )
    required = S.CORE_TABLES if required is None else tuple(required)
    problems = []
    for name in required:
        if name not in tables:
            problems.append(
                Problem(
                    name,
                    None,
                    f"table is missing (the warehouse has {', '.join(tables) or 'no tables'})",
                )
            )
    frames = {}
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            problems.append(Problem(str(name), None, f"is a {type(df).__name__}, not a DataFrame"))
            continue
        if not df.columns.is_unique:
            dup = sorted(map(str, df.columns[df.columns.duplicated()].unique()))
            problems.append(Problem(str(name), dup[0], f"column names repeat: {', '.join(dup)}"))
            continue
        frames[name] = df if _plain_index(df) else df.reset_index(drop=True)
    problems.extend(empty_problems(frames))
    for name, table in S.ALL_TABLES.items():
        if name not in frames:
            continue
        df = frames[name]
        problems.extend(column_problems(table, df) + relation_problems(table, df, frames))
    return problems


def _plain_index(df: pd.DataFrame) -> bool:
    i = df.index
    return isinstance(i, pd.RangeIndex) and i.start == 0 and i.step == 1


def validate(tables: Mapping[str, pd.DataFrame], required: Iterable[str] | None = None) -> None:
    """Raise :class:`ValidationError` if the warehouse breaks its contract.

    Parameters
    ----------
    tables : Mapping of str to DataFrame
        A :class:`pecdata.warehouse.Warehouse` or a dict of tables.
    required : iterable of str, optional
        Tables that must be present (default: what PEC needs); see :func:`check`.

    Returns
    -------
    None

    Raises
    ------
    ValidationError
        With one line per problem, naming table, column and an example row.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"municipality_code": ["HAV"], "municipality_name": ["Havsfors"],
    ...                   "acute_hospital": ["Havsfors"], "population_share": [-0.1]})
    >>> try:
    ...     validate({"municipalities": m}, required=())
    ... except ValidationError as e:
    ...     print(e.table, e.column, e.example["population_share"])
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    municipalities population_share -0.1
    municipalities.population_share: 1 row has a value below the minimum 0,
    e.g. row 0 {municipality_code: 'HAV', population_share: -0.1}
    """
    problems = check(tables, required)
    if problems:
        raise ValidationError(problems)
