"""Rules between the columns of a row and between tables.

Composite primary keys, foreign keys (``Column.references``), end after start,
practical hours within paid hours, length of stay against the dates, the year
against the date, a measure that fits its resource, encounters within the
resident's life, and core tables that must not be empty.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pecdata.warehouse import schema as S
from pecdata.warehouse.columns import _is_text, _ok, _sorted_unique, _type_ok
from pecdata.warehouse.problems import Problem, _problem, _rows

__all__ = ["relation_problems", "empty_problems"]


def _codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Non-negative int64 codes of a column and their range (equal values, equal codes)."""
    # (one pass each: on the activities' tens of millions of rows every copy counts)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return np.add(s.cat.codes.to_numpy(), 1, dtype=np.int64), len(s.dtype.categories) + 1
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iub" and len(s):
        v = s.to_numpy()
        if v.dtype.kind != "i":
            v = v.astype(np.int64)
        lo = int(v.min())
        return np.subtract(v, lo, dtype=np.int64), int(v.max()) - lo + 1
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def _duplicated(df: pd.DataFrame, columns: list[str]) -> np.ndarray | None:
    """Rows whose combination of ``columns`` occurs more than once (None: no duplicates)."""
    key, span = None, 1
    for c in columns:
        codes, n = _codes(df[c])
        if span * n >= 2**62:
            span = 0
            break
        if key is None:
            key = codes
        else:  # key * n + codes, in place
            key *= n
            key += codes
        span *= n
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
            lookup = np.ones(span + 2, dtype=bool)  # True: unknown; the last slot stays True
            lookup[p - lo] = False
            at = np.subtract(c, lo, dtype=np.int64)
            np.clip(at, -1, span + 1, out=at)
            unknown = lookup[at]
            unknown &= present
            return unknown
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


def _measure_mismatch(resource: pd.Series, measure: pd.Series) -> np.ndarray:
    """Rows whose measure is not the one of their resource (unknown resources pass)."""
    if isinstance(resource.dtype, pd.CategoricalDtype) and isinstance(
        measure.dtype, pd.CategoricalDtype
    ):  # fast path: compare codes, via one lookup per category
        wanted = [S.RESOURCE_MEASURE.get(str(c)) for c in resource.dtype.categories]
        lookup = pd.Index(measure.dtype.categories.astype(str)).get_indexer(
            [w if w is not None else "\0" for w in wanted]
        )
        known = np.array([w is not None for w in wanted] + [False])
        rc = resource.cat.codes.to_numpy().astype(np.intp)
        mc = measure.cat.codes.to_numpy()
        expected = np.append(lookup, -2)[rc]  # code -1 (missing) picks the last slot
        return known[rc] & (mc >= 0) & (expected != mc)
    want = resource.astype(object).map(S.RESOURCE_MEASURE)
    return want.notna().to_numpy() & (measure.astype(object).to_numpy() != want.to_numpy())


def _days(s: pd.Series) -> np.ndarray:
    """The calendar day of each time as a float day number (NaN for a missing time).

    ``s.dt.normalize()`` in numpy: flooring to whole days (``datetime64[D]``) is the
    same midnight for naive times and ten times faster on millions of rows.
    """
    if s.dtype.kind != "M":  # time-zone aware: midnight in that zone
        s = s.dt.tz_localize(None)
    v = s.to_numpy()
    days = v.astype("datetime64[D]").astype(np.int64).astype(float)
    days[np.isnat(v)] = np.nan
    return days


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
                    _days(df["end_time"]) - _days(df["start_time"]),
                    0,
                )
            ),
        )
        rule(
            ("year", "start_time"),
            "year",
            "{rows} a year other than the year of its start_time (an encounter belongs "
            "to the year it starts in)",
            lambda: df["year"].to_numpy() != df["start_time"].dt.year.to_numpy(na_value=-1),
        )
    elif table.name in ("activities", "capacity"):
        resource = "resource"
        rule(
            (resource, "measure"),
            "measure",
            "{rows} a measure that does not fit the resource (minutes for staff and "
            "theatre, bed_days for bed_day, exams for imaging, tests for laboratory, sek for "
            "drugs and supplies)",
            lambda: _measure_mismatch(df[resource], df["measure"]),
        )
    if table.name in ("activities", "capacity"):
        amount = "quantity" if table.name == "activities" else "practical_quantity"
        rule(
            (amount,),
            amount,
            "{rows} a " + amount + " above 0 but below " + f"{S.SMALLEST_QUANTITY:g}"
            " (a millionth of a minute, bed-day, exam, test or SEK is not a measurement)",
            lambda: (df[amount] > 0) & (df[amount] < S.SMALLEST_QUANTITY),
        )
    if table.name == "staffing":
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


def _life_problems(df: pd.DataFrame, frames: Mapping) -> list[Problem]:
    """Encounters that start before the resident's birth date or after the date of death."""
    table, residents = S.TABLES["encounters"], frames.get("residents")
    if not isinstance(residents, pd.DataFrame) or not _typed(
        S.TABLES["residents"], residents, "resident_id", "birth_date", "death_date"
    ):
        return []
    if not _typed(table, df, "resident_id", "start_time") or not len(df):
        return []
    people = residents.drop_duplicates("resident_id").set_index("resident_id")
    ids = pd.Index(people.index)
    pos = ids.get_indexer(df["resident_id"].to_numpy())
    known = pos >= 0  # unknown residents are reported as a foreign key
    day = _days(df["start_time"])
    found = []
    for column, word, compare in (
        ("birth_date", "before the resident's birth_date", np.less),
        ("death_date", "after the resident's death_date", np.greater),
    ):
        at = np.where(known, pos, 0)
        dates = _days(people[column])[at]
        with np.errstate(invalid="ignore"):
            mask = known & ~np.isnan(dates) & compare(day, dates)
        example = df.assign(**{column: people[column].to_numpy()[at]}) if mask.any() else df
        found.append(
            _problem(
                table,
                example,
                "start_time",
                f"{_rows(int(mask.sum()), 'encounter starts', 'encounters start')} {word}",
                mask,
                ["resident_id", "start_time", column],
            )
        )
    return [p for p in found if p is not None]


def relation_problems(table: S.Table, df: pd.DataFrame, frames: Mapping) -> list[Problem]:
    """Problems of one table's keys, references and rules between columns and tables."""
    found = (
        _key_problems(table, df)
        + _reference_problems(table, df, frames)
        + _rule_problems(table, df)
    )
    if table.name == "encounters":
        found += _life_problems(df, frames)
    return found


def empty_problems(frames: Mapping) -> list[Problem]:
    """Core tables without rows (of staffing and capacity, at least one must have rows)."""
    found = [
        Problem(name, None, "table is empty (0 rows); it must have rows")
        for name in S.NONEMPTY_TABLES
        if name in frames and len(frames[name]) == 0
    ]
    if (
        "staffing" in frames
        and "capacity" in frames
        and len(frames["staffing"]) == 0
        and len(frames["capacity"]) == 0
    ):
        found.append(
            Problem(
                "staffing",
                None,
                "table is empty and so is capacity: PEC needs the practical capacity of "
                "staff (staffing) or of beds, theatres, imaging or laboratory (capacity)",
            )
        )
    return found
