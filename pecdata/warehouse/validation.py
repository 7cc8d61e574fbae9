"""Check warehouse tables against the contract in :mod:`pecdata.warehouse.schema`.

Two layers, both vectorised:

* **per column**, with pandera: one :class:`pandera.pandas.DataFrameSchema` per
  table (see :func:`pandera_schema`) checks that every column is present, of
  the right *type family* (int, float, text as string or category, datetime,
  bool), not empty where it must not be, within its allowed values, its
  minimum and maximum and the date range ``EARLIEST_DATE..LATEST_DATE``, and
  unique where it must be;
* **across columns and tables**, which pandera cannot do per frame: composite
  primary keys, foreign keys (``Column.references``), end after start,
  practical hours within paid hours, length of stay against the dates, and
  required tables.

Derived tables (:data:`pecdata.warehouse.schema.DERIVED_TABLES`, the PEC results) are
checked like base tables when present, never required; other tables are
allowed and not checked. Rows are numbered by position (0 = first row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from pecdata.warehouse import schema as S

__all__ = ["Problem", "ValidationError", "check", "validate", "pandera_schema"]

#: How many problems the message of a :class:`ValidationError` lists one per line.
MAX_LINES = 20
_LO = pd.Timestamp(S.EARLIEST_DATE)
_HI = pd.Timestamp(S.LATEST_DATE) + pd.Timedelta(days=1)  # exclusive: the whole last day counts


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the warehouse.

    Attributes
    ----------
    table, column : str
        Where; ``column`` is None for a problem with a whole table and holds
        several names (``"unit_id, year, profession"``) for a composite key.
    message : str
        What is wrong, in plain words.
    n_rows : int
        How many rows have the problem (0 for a missing table or column).
    example : dict or None
        The first offending row, column by column.
    row : int or None
        Position of that row in its table (0 = first row).
    show : tuple of str
        The columns of ``example`` worth printing (key and offending columns).
    """

    table: str
    column: str | None
    message: str
    n_rows: int = 0
    example: dict | None = None
    row: int | None = None
    show: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __str__(self) -> str:
        if self.column is None:
            where = self.table
        elif ", " in self.column:
            where = f"{self.table} ({self.column})"
        else:
            where = f"{self.table}.{self.column}"
        text = f"{where}: {self.message}"
        if self.example is not None:
            keys = [c for c in self.show if c in self.example] or list(self.example)
            shown = ", ".join(f"{k}: {_fmt(self.example[k])}" for k in keys)
            text += f", e.g. row {self.row} {{{shown}}}"
        return text


class ValidationError(ValueError):
    """The warehouse breaks its contract.

    ``str(error)`` has one line per problem (the first problem first, at most
    :data:`MAX_LINES` lines, then "and N more problems"). The attributes
    ``table``, ``column`` and ``example`` describe the first problem;
    ``problems`` lists all of them.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("ValidationError needs at least one problem")
        first = self.problems[0]
        self.table, self.column, self.example = first.table, first.column, first.example
        lines = [str(p) for p in self.problems[:MAX_LINES]]
        if len(self.problems) > MAX_LINES:
            lines.append(
                f"and {len(self.problems) - MAX_LINES} more problems "
                f"({len(self.problems)} in all; pecdata.warehouse.validation.check lists them)"
            )
        super().__init__("\n".join(lines))


# --- formatting ---------------------------------------------------------------------------------
def _fmt(value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return str(value)
    try:
        if pd.isna(value):
            return str(value)  # nan, NaT or <NA>
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return str(value)


def _rows(n: int, one: str = "row has", many: str = "rows have") -> str:
    """``"1 row has"`` or ``"2 rows have"`` (or other words for one and many)."""
    return f"1 {one}" if n == 1 else f"{n:,} {many}"


def _example(df: pd.DataFrame, row: int) -> dict:
    return {
        c: (v.item() if isinstance(v, np.generic) else v) for c, v in df.iloc[row].to_dict().items()
    }


def _problem(
    table: S.Table, df: pd.DataFrame, column: str, message: str, mask, show: Iterable[str] = ()
) -> Problem | None:
    """A problem for the rows where ``mask`` is True (None if there are none)."""
    mask = np.asarray(mask, dtype=bool)
    n = int(mask.sum())
    if n == 0:
        return None
    row = int(np.argmax(mask))
    shown = tuple(dict.fromkeys([*table.primary_key, *show]))
    return Problem(table.name, column, message, n, _example(df, row), row, shown)


# --- type families -------------------------------------------------------------------------------
def _is_text(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.dtype.categories
        return len(cats) == 0 or pd.api.types.is_string_dtype(cats)
    if pd.api.types.is_object_dtype(s.dtype):
        return pd.api.types.is_string_dtype(s.dropna())  # infers: only str values
    return pd.api.types.is_string_dtype(s.dtype)


_FAMILIES = {
    "int": (lambda s: pd.api.types.is_integer_dtype(s.dtype), "integers"),
    "float": (
        lambda s: (
            pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        ),
        "numbers (float)",
    ),
    "string": (_is_text, "text (str or category)"),
    "category": (_is_text, "text (category or str)"),
    "datetime": (lambda s: pd.api.types.is_datetime64_dtype(s.dtype), "dates/times (datetime64)"),
    "bool": (lambda s: pd.api.types.is_bool_dtype(s.dtype), "True/False (bool)"),
}


def _type_ok(col: S.Column, s: pd.Series) -> bool:
    return _FAMILIES[col.dtype][0](s)


def _ok(result) -> pd.Series:
    """A plain bool Series (missing counts as passing: nullability is checked apart)."""
    if isinstance(result, pd.Series) and result.dtype != bool:
        return result.fillna(True).astype(bool)
    return result


def _guarded(col: S.Column, fn):
    """Run ``fn`` only on a column of the right type (the type check reports the rest)."""
    return lambda s: _ok(fn(s)) if _type_ok(col, s) else True


def _sorted_unique(values: np.ndarray) -> bool:
    """True if no value repeats (a sort is much cheaper than hashing; often already sorted)."""
    if len(values) < 2 or bool((values[1:] > values[:-1]).all()):
        return True
    v = np.sort(values)
    return not bool((v[1:] == v[:-1]).any())


def _unique(s: pd.Series):
    if pd.api.types.is_integer_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
        if _sorted_unique(s.to_numpy()):  # fast path
            return True
    return ~s.duplicated(keep=False)


def _isin(allowed):
    allowed_set = set(allowed)

    def fn(s: pd.Series):
        if isinstance(s.dtype, pd.CategoricalDtype) and set(s.dtype.categories) <= allowed_set:
            return True
        return s.isin(allowed)

    return fn


def pandera_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of one warehouse table, built from :mod:`pecdata.warehouse.schema`.

    Parameters
    ----------
    name : str
        A table in :data:`pecdata.warehouse.schema.TABLES`.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Checks named ``type``, ``not_nullable``, ``allowed``, ``min``,
        ``max``, ``date_range`` and ``unique`` per column (each reporting one
        failure case), plus pandera's check that the column is present.
        Extra columns are allowed.

    Examples
    --------
    >>> s = pandera_schema("municipalities")
    >>> list(s.columns)
    ['municipality_code', 'municipality_name', 'acute_hospital', 'population_share']
    """
    columns = {}
    for col in S.ALL_TABLES[name].columns:
        checks = [pa.Check(_FAMILIES[col.dtype][0], name="type")]
        for rule, passes in _rules(col).items():
            # One failure case is enough: _pandera_problems counts the rows itself, much faster
            # than pandera collects millions of failure cases.
            checks.append(
                pa.Check(
                    passes if rule == "not_nullable" else _guarded(col, passes),
                    name=rule,
                    n_failure_cases=1,
                    ignore_na=rule != "not_nullable",
                )
            )
        columns[col.name] = pa.Column(checks=checks, nullable=True, required=True, name=col.name)
    return pa.DataFrameSchema(columns, name=name, strict=False, coerce=False)


def _rules(col: S.Column) -> dict:
    """Value rules of a column: name -> function giving True where a value passes."""
    rules = {}
    if not col.nullable:
        rules["not_nullable"] = lambda s: s.notna()
    if col.allowed is not None:
        rules["allowed"] = _isin(col.allowed)
    if col.min is not None:
        rules["min"] = lambda s, m=col.min: s >= m
    if col.max is not None:
        rules["max"] = lambda s, m=col.max: s <= m
    if col.dtype == "datetime":
        rules["date_range"] = lambda s: (s >= _LO) & (s < _HI)
    if col.unique:
        rules["unique"] = _unique
    return rules


# --- per-column checks (pandera) -----------------------------------------------------------------
def _column_message(col: S.Column, check: str, s: pd.Series, bad: pd.Series) -> str:
    n = len(bad)
    if check == "type":
        return f"has dtype {s.dtype} but should hold {_FAMILIES[col.dtype][1]}" + (
            " (pandas 'Int64' holds integers with missing values)"
            if col.dtype == "int" and pd.api.types.is_float_dtype(s.dtype)
            else ""
        )
    value = _rows(n, "row has a value", "rows have values")
    if check == "not_nullable":
        return f"{_rows(n, 'row is', 'rows are')} empty (null) but the column must not be empty"
    if check == "allowed":
        values = ", ".join(repr(v) for v in pd.unique(bad.astype(object))[:5])
        return f"{value} not allowed ({values}); allowed: {', '.join(map(str, col.allowed))}"
    if check == "min":
        return f"{value} below the minimum {col.min:g}"
    if check == "max":
        return f"{value} above the maximum {col.max:g}"
    if check == "date_range":
        return (
            f"{_rows(n, 'row has a date', 'rows have dates')} outside "
            f"{S.EARLIEST_DATE}..{S.LATEST_DATE}"
        )
    if check == "unique":
        return (
            f"{_rows(n, 'row shares its value', 'rows share their value')} with another row "
            "(the column must be unique)"
        )
    return f"failed the check {check} in {n:,} rows"


def _pandera_problems(table: S.Table, df: pd.DataFrame) -> list[Problem]:
    try:
        pandera_schema(table.name).validate(df, lazy=True, inplace=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    missing = cases[cases["check"] == "column_in_dataframe"]
    for name in missing["failure_case"]:
        problems.append(
            Problem(
                table.name,
                str(name),
                "column is missing (the table has "
                f"{', '.join(map(str, df.columns)) or 'no columns'})",
            )
        )
    cases = cases[(cases["check"] != "column_in_dataframe") & cases["column"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        col, s = table.column(column), df[column]
        if check == "type":  # a whole-column check: show the first filled row
            mask = s.notna().to_numpy()
            mask = mask if mask.any() else np.ones(len(df), dtype=bool)
        elif check in _rules(col) and group["index"].notna().any():
            passed = _rules(col)[check](s)  # count all the rows pandera found one of
            if not isinstance(passed, pd.Series):
                continue
            mask = ~np.asarray(_ok(passed), dtype=bool)
            if check != "not_nullable":
                mask &= s.notna().to_numpy()
        else:  # an error inside a check
            detail = "; ".join(map(str, group["failure_case"].unique()[:3]))
            problems.append(Problem(table.name, column, f"check {check} failed: {detail}"))
            continue
        message = _column_message(col, check, s, s[mask] if check != "type" else s)
        p = _problem(table, df, column, message, mask, [column])
        if p is not None:
            problems.append(p)
    return problems


# --- across columns and tables ------------------------------------------------------------------
def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Non-negative int64 codes of a column and their range (equal values, equal codes)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64) + 1, len(s.dtype.categories) + 1
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iub" and len(s):
        v = s.to_numpy().astype(np.int64)
        lo = int(v.min())
        return v - lo, int(v.max()) - lo + 1
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def _duplicated(df: pd.DataFrame, columns: list[str]) -> np.ndarray | None:
    """Rows whose combination of ``columns`` occurs more than once (None: no duplicates)."""
    key, span = np.zeros(len(df), dtype=np.int64), 1
    for c in columns:
        codes, n = _codes(df[c])
        if span * n >= 2**62:
            span = 0
            break
        key, span = key * n + codes, span * n
    if span and _sorted_unique(key):
        return None
    mask = df.duplicated(subset=columns, keep=False).to_numpy()
    return mask if mask.any() else None


def _key_problems(table: S.Table, df: pd.DataFrame) -> list[Problem]:
    pk = list(table.primary_key)
    if len(pk) < 2 or not set(pk) <= set(df.columns):
        return []  # single-column keys are checked by pandera (Column.unique)
    mask = _duplicated(df, pk)
    if mask is None:
        return []
    p = _problem(
        table,
        df,
        ", ".join(pk),
        f"{_rows(int(mask.sum()), 'row shares', 'rows share')} "
        f"the primary key ({', '.join(pk)}) with another row",
        mask,
    )
    return [p]


def _unknown(child: pd.Series, parent: pd.Series) -> np.ndarray:
    """Rows of ``child`` (not null) whose value is not among the ``parent`` values."""
    present = child.notna().to_numpy()
    if isinstance(child.dtype, pd.CategoricalDtype):
        codes = child.cat.codes.to_numpy()
        used = child.dtype.categories[np.flatnonzero(np.bincount(codes[codes >= 0], minlength=1))]
        unknown = set(used) - set(pd.unique(parent.dropna().astype(str)))
        return (
            present & child.isin(list(unknown)).to_numpy()
            if unknown
            else np.zeros(len(child), dtype=bool)
        )
    if pd.api.types.is_integer_dtype(child.dtype) and pd.api.types.is_integer_dtype(parent.dtype):
        p = parent.dropna().to_numpy().astype(np.int64)
        c = child.fillna(0).to_numpy().astype(np.int64) if child.hasnans else child.to_numpy()
        if len(p) and int(p.max()) - int(p.min()) < 50_000_000:  # a lookup table beats hashing
            lo, span = int(p.min()), int(p.max()) - int(p.min())
            lookup = np.zeros(span + 2, dtype=bool)  # the last slot stays False
            lookup[p - lo] = True
            return present & ~lookup[np.clip(c - lo, -1, span + 1)]
        return present & ~child.isin(p).to_numpy()
    if _is_text(child):
        parent = parent.dropna().astype(str)
    return present & ~child.isin(pd.unique(parent)).to_numpy()


def _reference_problems(table: S.Table, df: pd.DataFrame, tables: Mapping) -> list[Problem]:
    problems = []
    for col in table.columns:
        if col.references is None or col.name not in df.columns:
            continue
        ptable, pcol = col.references.split(".")
        parent = tables.get(ptable)
        if not isinstance(parent, pd.DataFrame) or pcol not in parent.columns:
            continue  # reported as a missing table or column
        pdef = S.ALL_TABLES[ptable].column(pcol)
        if not (_type_ok(col, df[col.name]) and _type_ok(pdef, parent[pcol])):
            continue  # reported as a wrong type
        mask = _unknown(df[col.name], parent[pcol])
        n_values = int(df[col.name][mask].nunique()) if mask.any() else 0
        p = _problem(
            table,
            df,
            col.name,
            f"{_rows(int(mask.sum()), 'row refers', 'rows refer')} "
            f"to a value missing from {col.references} ({n_values:,} distinct unknown "
            f"value{'s' * (n_values != 1)})",
            mask,
            [col.name],
        )
        if p is not None:
            problems.append(p)
    return problems


def _typed(table: S.Table, df: pd.DataFrame, *names: str) -> bool:
    return all(n in df.columns and _type_ok(table.column(n), df[n]) for n in names)


def _rule_problems(table: S.Table, df: pd.DataFrame) -> list[Problem]:
    """Rules between the columns of one row."""
    found = []

    def rule(columns, column, template, bad):
        if _typed(table, df, *columns):
            mask = np.asarray(_ok(bad()), dtype=bool)
            message = template.format(rows=_rows(int(mask.sum())))
            found.append(_problem(table, df, column, message, mask, columns))

    if table.name == "encounters":
        rule(
            ("start_time", "end_time"),
            "end_time",
            "{rows} an end_time before the start_time",
            lambda: df["end_time"] < df["start_time"],
        )
        rule(
            ("care_level", "start_time", "end_time", "length_of_stay_days"),
            "length_of_stay_days",
            "{rows} a length_of_stay_days other than the end date minus "
            "the start date (inpatient care) or 0 (other care levels)",
            lambda: (
                df["length_of_stay_days"].to_numpy()
                != np.where(
                    (df["care_level"] == "inpatient").to_numpy(dtype=bool, na_value=False),
                    (
                        df["end_time"].dt.normalize() - df["start_time"].dt.normalize()
                    ).dt.days.to_numpy(dtype=float, na_value=np.nan),
                    0,
                )
            ),
        )
    elif table.name == "staffing":
        rule(
            ("paid_hours", "practical_hours"),
            "practical_hours",
            "{rows} more practical_hours than paid_hours",
            lambda: df["practical_hours"] > df["paid_hours"] + 1e-9,
        )
        parts = ("paid_hours", "absence_hours", "training_hours", "break_hours", "practical_hours")
        rule(
            parts,
            "practical_hours",
            "{rows} practical_hours more than one hour away from "
            "paid_hours - absence_hours - training_hours - break_hours",
            lambda: (
                (
                    df["paid_hours"]
                    - df["absence_hours"]
                    - df["training_hours"]
                    - df["break_hours"]
                    - df["practical_hours"]
                ).abs()
                > 1.0
            ),
        )
    elif table.name == "residents":
        for later in ("in_date", "out_date", "death_date"):
            rule(
                ("birth_date", later),
                later,
                "{rows} a " + later + " before the birth_date",
                lambda later=later: df[later] < df["birth_date"],
            )
    return [p for p in found if p is not None]


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
        Tables that must be present; default: every table of the schema. Pass
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
    required = S.WAREHOUSE_TABLES if required is None else tuple(required)
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
    for name, table in S.ALL_TABLES.items():
        if name not in frames:
            continue
        df = frames[name]
        found = (
            _pandera_problems(table, df)
            + _key_problems(table, df)
            + _reference_problems(table, df, frames)
            + _rule_problems(table, df)
        )
        problems.extend(found)
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
        Tables that must be present (default: all schema tables); see :func:`check`.

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
