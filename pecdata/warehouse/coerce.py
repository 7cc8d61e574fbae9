"""Types coerced or refused, never guessed: a region's columns into the schema's types.

Each rule converts a value only when there is one reading of it; anything else
is refused with a :class:`~pecdata.warehouse.problems.ValidationError` naming the
table, the column and an example row.

=========  =======================================================================
schema     accepted and how it is converted
=========  =======================================================================
bool       True/False; the integers 1/0 (also 1.0/0.0); the texts ``true``/``false``,
           ``yes``/``no``, ``ja``/``nej``, ``1``/``0`` in any case, and the
           mapping's own ``true``/``false`` words. ``'no'`` is False, never True
           (a text is not "truthy"). Anything else (``'2'``, ``'maybe'``) is refused.
int        integers; floats with no fraction (``3.0`` -> 3; ``3.5`` is refused);
           texts of digits with an optional sign (``' 12'`` -> 12).
float      numbers; texts with a decimal point (a decimal comma only with
           ``decimal = ","`` in the mapping); ``inf`` is refused by validation.
string,    texts, stripped of surrounding spaces; integers as their digits
category   (account ``5011`` -> ``'5011'``); floats with no fraction likewise
           (``5011.0`` -> ``'5011'``; ``5011.5`` is refused). Then the mapping's
           codes (``VC`` -> ``primary_care_centre``); a code not in the schema's
           allowed values is refused.
datetime   dates and times; texts in ISO 8601 (``2022-03-01``, ``2022-03-01 08:30``);
           other formats (``01/03/2022``: March or January?) are refused.
=========  =======================================================================

Empty cells (an empty text, ``NULL``, ``NaN``) are missing values; a column
that must not be empty is then refused by validation.

Units: a staff time column given in hours where the schema wants minutes
(``activities.quantity`` for staff and theatre rows) is multiplied by 60 and
rounded to whole minutes (half to even); hours columns given in minutes
(``staffing.*_hours``) are divided by 60 and kept to 0.01 hour.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pecdata.warehouse import schema as S
from pecdata.warehouse.problems import Problem, ValidationError, _rows

__all__ = ["coerce_column", "coerce_table", "TRUE_WORDS", "FALSE_WORDS"]

TRUE_WORDS = ("true", "yes", "ja", "1", "t", "y", "j")
FALSE_WORDS = ("false", "no", "nej", "0", "f", "n")
_MISSING = ("", "null", "none", "nan", "na", "<na>", "nat")


class _Refused(Exception):
    def __init__(self, mask, message):
        self.mask, self.message = np.asarray(mask, dtype=bool), message


def _that(bad: np.ndarray) -> str:
    n = int(bad.sum())
    return "1 row has a value that is" if n == 1 else f"{n:,} rows have values that are"


def _strings(s: pd.Series) -> bool:
    """A column of text dtype (not object, not category): handled vectorised."""
    return pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype)


def _missing(s: pd.Series) -> np.ndarray:
    if _strings(s):
        return (s.isna() | s.str.strip().str.lower().isin(_MISSING)).to_numpy(dtype=bool)
    text = s.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    return (s.isna() | text.isin(_MISSING)).to_numpy(dtype=bool)


def _as_bool(s: pd.Series, true=(), false=()) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s
    miss = _missing(s)
    yes = {w.lower() for w in (*TRUE_WORDS, *true)}
    no = {w.lower() for w in (*FALSE_WORDS, *false)}

    def read(v):
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer, float, np.floating)) and v in (0, 1):
            return bool(v)
        if isinstance(v, str):
            w = v.strip().lower()
            if w in yes:
                return True
            if w in no:
                return False
        return None

    if _strings(s):
        words = {**{w: True for w in yes}, **{w: False for w in no}}
        out = s.str.strip().str.lower().map(words).astype(object)
    else:
        out = s.map(read)
    bad = ~miss & out.isna().to_numpy()
    if bad.any():
        raise _Refused(
            bad,
            f"{_that(bad)} not "
            f"True/False ({', '.join(map(repr, pd.unique(s[bad].astype(object))[:3]))}); "
            f"allowed: True/False, 1/0, {'/'.join(sorted(yes))} or {'/'.join(sorted(no))}",
        )
    return out.astype("boolean") if miss.any() else out.astype(bool)


def _as_number(s: pd.Series, decimal: str = ".") -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float) if not pd.api.types.is_float_dtype(s.dtype) else s
    miss = _missing(s)

    def read(v):
        if isinstance(v, (bool, np.bool_)):
            return None  # True is not a number
        if isinstance(v, (int, float, np.integer, np.floating)):
            return float(v)
        if isinstance(v, str):
            w = v.strip().replace("\u00a0", "").replace(" ", "")
            if decimal == ",":
                if "." in w:
                    return None
                w = w.replace(",", ".")
            elif "," in w:
                return None  # 1,5 or 1,000: which? refused
            try:
                return float(w)
            except ValueError:
                return None
        return None

    if _strings(s):
        w = s.str.strip().str.replace("\u00a0", "").str.replace(" ", "")
        if decimal == ",":
            wrong = w.str.contains(".", regex=False).fillna(False)
            w = w.str.replace(",", ".", regex=False)
        else:
            wrong = w.str.contains(",", regex=False).fillna(False)
        out = pd.to_numeric(w.where(~wrong, None).astype(object), errors="coerce")
    else:
        out = s.map(read)
    bad = ~miss & out.isna().to_numpy()
    if bad.any():
        hint = ' (a decimal comma? set decimal = "," in the mapping)' if decimal == "." else ""
        raise _Refused(
            bad,
            f"{_that(bad)} not a "
            f"number ({', '.join(map(repr, pd.unique(s[bad].astype(object))[:3]))}){hint}",
        )
    return out.astype(float)


def _as_int(s: pd.Series, nullable: bool, decimal: str = ".") -> pd.Series:
    if pd.api.types.is_integer_dtype(s.dtype):
        return s
    x = _as_number(s, decimal)
    frac = x.notna().to_numpy() & (x.fillna(0) % 1 != 0).to_numpy()
    if frac.any():
        raise _Refused(
            frac,
            f"{_rows(int(frac.sum()), 'row has a number', 'rows have numbers')} with a fraction "
            f"({', '.join(map(str, pd.unique(x[frac])[:3]))}) where whole numbers belong",
        )
    if x.isna().any():
        return x.astype("Int64")
    return x.astype("int64") if not nullable else x.astype("Int64")


def _as_text(s: pd.Series) -> pd.Series:
    miss = _missing(s)

    def read(v):
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, (bool, np.bool_)):
            return None
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return None

    if _strings(s):
        out = s.str.strip()
        return out.where(~miss, None) if miss.any() else out
    out = s.map(read).astype(object)
    bad = ~miss & out.isna().to_numpy()
    if bad.any():
        raise _Refused(
            bad,
            f"{_that(bad)} not a "
            f"text or code ({', '.join(map(repr, pd.unique(s[bad].astype(object))[:3]))})",
        )
    out[miss] = None
    return out.astype("str") if not miss.any() else out


def _as_datetime(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.astype("datetime64[us]")
    miss = _missing(s)
    values = s.where(~miss, None)
    try:
        out = pd.to_datetime(values, format="ISO8601", errors="coerce")
    except (ValueError, TypeError):
        out = pd.Series(pd.NaT, index=s.index)
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)
    bad = ~miss & out.isna().to_numpy()
    if bad.any():
        raise _Refused(
            bad,
            f"{_that(bad)} not a date "
            f"in ISO 8601 ({', '.join(map(repr, pd.unique(s[bad].astype(object))[:3]))}); "
            "write dates as YYYY-MM-DD",
        )
    return out.astype("datetime64[us]")


def coerce_column(
    col: S.Column, s: pd.Series, codes: Mapping | None = None, options: Mapping | None = None
) -> pd.Series:
    """One column in the schema's type, by the rules of this module (raises ``_Refused``)."""
    options = dict(options or {})
    decimal = options.get("decimal", ".")
    if col.dtype == "bool":
        return _as_bool(s, options.get("true", ()), options.get("false", ()))
    if col.dtype == "int":
        return _as_int(s, col.nullable, decimal)
    if col.dtype == "float":
        return _as_number(s, decimal)
    if col.dtype == "datetime":
        return _as_datetime(s)
    if isinstance(s.dtype, pd.CategoricalDtype):  # by category: fast for millions of rows
        return _by_category(col, s, codes)
    text = _as_text(s)
    if codes:
        known = text.isin(list(codes)).to_numpy()
        if known.any():
            text = text.astype(object).copy()
            text[known] = text[known].map(codes).to_numpy()
            text = text.astype("str") if text.notna().all() else text
    if col.allowed is not None:
        bad = text.notna().to_numpy() & ~text.isin(col.allowed).to_numpy()
        if bad.any():
            raise _Refused(
                bad,
                f"{_rows(int(bad.sum()), 'row has a code', 'rows have codes')} with no "
                f"meaning in the schema ({', '.join(map(repr, pd.unique(text[bad])[:5]))}); "
                f"map them in the mapping's codes to one of: {', '.join(col.allowed)}",
            )
    if col.dtype == "category":
        cats = list(col.allowed) if col.allowed else sorted(text.dropna().unique())
        return pd.Series(pd.Categorical(text, categories=cats), index=s.index)
    return text


def _by_category(col: S.Column, s: pd.Series, codes: Mapping | None) -> pd.Series:
    """A categorical column converted category by category (only the categories used)."""
    c = s.cat.codes.to_numpy()
    used = np.unique(c[c >= 0])
    cats = pd.Series(np.asarray(s.dtype.categories, dtype=object)[used])
    try:
        values = coerce_column(col, cats.astype(object), codes)
    except _Refused as r:  # report the first row with a refused category
        bad_codes = used[r.mask]
        raise _Refused(np.isin(c, bad_codes), r.message) from None
    values = values.astype(object).to_numpy()
    target = list(col.allowed) if col.allowed else sorted(set(values) - {None})
    lookup = np.full(len(s.dtype.categories) + 1, -1, dtype=np.int64)
    lookup[used] = pd.Index(target).get_indexer(values)
    return pd.Series(pd.Categorical.from_codes(lookup[c], categories=target), index=s.index)


def coerce_table(
    name: str,
    df: pd.DataFrame,
    codes: Mapping[str, Mapping] | None = None,
    options: Mapping[str, Mapping] | None = None,
) -> pd.DataFrame:
    """Every schema column of table ``name`` in its type; other columns are kept as they are.

    Raises
    ------
    ValidationError
        One problem per column refused, each with an example row.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"account": [5011, 7600], "account_name": ["Pay", "Research"],
    ...                     "account_group": ["salaries", "research_education"],
    ...                     "patient_related": ["yes", "no"], "profession": ["physician", None]})
    >>> coerce_table("accounts", raw)[["account", "patient_related"]]
      account  patient_related
    0    5011             True
    1    7600            False
    >>> raw.loc[1, "patient_related"] = "perhaps"
    >>> try:
    ...     coerce_table("accounts", raw)
    ... except ValidationError as e:
    ...     print(str(e)[:60])
    accounts.patient_related: 1 row has a value that is not True
    """
    table = S.ALL_TABLES[name]
    codes, options = dict(codes or {}), dict(options or {})
    out, problems = {}, []
    frame = df.reset_index(drop=True)
    for c in frame.columns:
        if c not in table.column_names:
            out[c] = frame[c]
            continue
        col = table.column(c)
        try:
            out[c] = coerce_column(col, frame[c], codes.get(c), options.get(c))
        except _Refused as r:
            row = int(np.argmax(r.mask))
            shown = tuple(dict.fromkeys([*table.primary_key, c]))
            example = {k: frame[k].iloc[row] for k in shown if k in frame.columns}
            problems.append(Problem(name, c, r.message, int(r.mask.sum()), example, row, shown))
    if problems:
        raise ValidationError(problems)
    return pd.DataFrame(out, copy=False)  # no copy into 2-D blocks (copy-on-write)


def convert_units(name: str, df: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """Hours into minutes or minutes into hours, as the schema's columns want.

    ``units`` maps a column to the unit the source gives it in (``hours`` or
    ``minutes``). ``activities.quantity`` is converted only on rows measured in
    minutes (staff and theatre); hours columns of ``staffing`` are in hours.

    Examples
    --------
    >>> import pandas as pd
    >>> act = pd.DataFrame({"quantity": [0.25, 2.0, 1.0],
    ...                     "measure": ["minutes", "bed_days", "minutes"]})
    >>> convert_units("activities", act, {"quantity": "hours"}).quantity.tolist()
    [15.0, 2.0, 60.0]
    """
    out = df.copy()
    for c, unit in units.items():
        if unit not in ("hours", "minutes"):
            raise ValueError(f"{name}.{c}: unit {unit!r} is not hours or minutes")
        if c not in out.columns:
            raise ValueError(f"{name}.{c}: the mapping gives a unit for a column the table lacks")
        wanted = S.ALL_TABLES[name].column(c).unit or (
            "minutes" if (name, c) == ("activities", "quantity") else ""
        )
        if wanted not in ("hours", "minutes"):
            wanted = "minutes" if (name, c) == ("activities", "quantity") else wanted
        if unit == wanted or wanted not in ("hours", "minutes"):
            if wanted not in ("hours", "minutes"):
                raise ValueError(f"{name}.{c} is not measured in hours or minutes")
            continue
        rows = (
            (out["measure"].astype(object) == "minutes").to_numpy()
            if (name, c) == ("activities", "quantity")
            else np.ones(len(out), dtype=bool)
        )
        x = out[c].to_numpy(dtype=float).copy()
        if unit == "hours":  # to minutes, whole minutes
            x[rows] = np.round(x[rows] * 60.0)
        else:  # minutes to hours, to 0.01 hour
            x[rows] = np.round(x[rows] / 60.0, 2)
        out[c] = x
    return out
