"""Per-column rules, checked with pandera: type family, nulls, allowed values, range, unique.

One :class:`pandera.pandas.DataFrameSchema` per table (see :func:`pandera_schema`)
checks that every column is present, of the right *type family* (int, float,
text as string or category, datetime, bool), not empty where it must not be,
within its allowed values, its minimum and maximum and the date range
``EARLIEST_DATE..LATEST_DATE``, finite (no infinite numbers) and unique where it must be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from pecdata.warehouse import schema as S
from pecdata.warehouse.problems import Problem, _problem, _rows

__all__ = ["pandera_schema", "column_problems"]

_LO = pd.Timestamp(S.EARLIEST_DATE)
_HI = pd.Timestamp(S.LATEST_DATE) + pd.Timedelta(days=1)  # exclusive: the whole last day counts


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
        ``max``, ``finite``, ``date_range`` and ``unique`` per column (each reporting one
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
            # One failure case is enough: column_problems counts the rows itself, much faster
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
    if col.dtype == "float":
        rules["finite"] = lambda s: pd.Series(
            ~np.isinf(s.to_numpy(dtype=float, na_value=np.nan)), index=s.index
        )
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
    if check == "finite":
        return f"{value} that are infinite (inf or -inf); numbers must be finite"
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


def column_problems(table: S.Table, df: pd.DataFrame) -> list[Problem]:
    """Problems of the columns of one table, one per column and rule broken."""
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
