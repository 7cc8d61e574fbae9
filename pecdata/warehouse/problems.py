"""The problems validation reports: :class:`Problem` and :class:`ValidationError`.

A problem names its table, its column and the first offending row (by position,
0 = first row), so that every message can say where to look.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pecdata.warehouse import schema as S

__all__ = ["Problem", "ValidationError", "MAX_LINES"]

#: How many problems the message of a :class:`ValidationError` lists one per line.
MAX_LINES = 20


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
