"""The roster of a cohort: a CSV file with one participant a row.

Columns (the first row names them; order does not matter). Commas separate the values,
or semicolons, as a spreadsheet in a Swedish locale saves CSV:

``name`` (required)
    The participant's name; it becomes their folder name, so it may hold letters
    (å, ä, ö too), digits, spaces, ``.``, ``-`` and ``_``, must start with a letter or
    digit, and must be unique (ignoring case).
``email`` (required)
    Their e-mail address, unique (ignoring case).
``focus_*`` (optional)
    A focus subject for the exercises, e.g. ``focus_municipality``: a parameter that
    the exercise notebooks declare in their ``parameters`` cell. An empty cell keeps
    the notebook's default. When the region has a matching column (``municipality``,
    ``municipality_code`` or ``municipality_name`` of a table), the value must be one
    of its values.

Every problem is one :class:`RosterError` that names the file and the row.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Participant", "RosterError", "read_roster", "region_values", "SAFE_NAME"]

#: Names that are safe as folder names on Linux, macOS and Windows.
SAFE_NAME = re.compile(r"^[^\W_][\w .-]{0,62}(?<![ .])$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10))}
_RESERVED |= {f"lpt{i}" for i in range(10)}
REQUIRED = ("name", "email")


class RosterError(ValueError):
    """A roster that cannot be used: the message names the file, the row and the problem."""


@dataclass(frozen=True)
class Participant:
    """One row of the roster."""

    name: str
    email: str
    focus: dict = field(default_factory=dict)
    row: int = 0


def region_values(wh, parameter: str, default=None) -> list[str] | None:
    """The values a focus parameter can take in a region, or None if the region does not say.

    ``focus_municipality`` is looked up in the columns ``municipality``,
    ``municipality_code`` and ``municipality_name`` of every table of the warehouse
    that has them; when the notebook's default is one of a column's values, that
    column decides (codes or names), otherwise any of them does.
    """
    subject = parameter.removeprefix("focus_")
    columns = []
    for table in wh:
        frame = wh[table]
        if len(frame) > 100_000:  # subjects live in reference tables
            continue
        for col in (subject, f"{subject}_code", f"{subject}_id", f"{subject}_name"):
            if col in frame.columns:
                columns.append({str(v) for v in frame[col].dropna().unique()})
    if not columns:
        return None
    matching = [c for c in columns if default is not None and str(default) in c]
    return sorted(set().union(*(matching or columns)))


def read_roster(
    path: str | Path, focus_parameters: dict[str, object], valid: dict[str, list[str] | None]
) -> list[Participant]:
    """Read and check a roster.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, comma-separated; a first line with the column names).
    focus_parameters : dict
        The ``focus_*`` parameters the exercise notebooks declare, with their defaults.
    valid : dict
        Parameter -> the values the region allows, or None when any value goes.

    Returns
    -------
    list of Participant

    Raises
    ------
    RosterError
        For the first problem found, naming the file and its row.
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"no roster file {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(
            f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8 CSV"
        ) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if ";" in first and "," not in first else ","  # Excel in Swedish uses ;
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows or not any(c.strip() for c in rows[0]):
        raise RosterError(f"{path} is empty: its first row must name the columns name,email")
    header = [c.strip().lower() for c in rows[0]]
    for col in REQUIRED:
        if col not in header:
            raise RosterError(
                f"{path}, row 1: no column {col!r} (found: {', '.join(header)}); the roster "
                "needs the columns name and email, and may have focus_* columns"
            )
    for col in header:
        if header.count(col) > 1:
            raise RosterError(f"{path}, row 1: the column {col!r} appears twice")
        if col in REQUIRED:
            continue
        if not col.startswith("focus_"):
            raise RosterError(
                f"{path}, row 1: unknown column {col!r}; allowed are name, email and the "
                f"focus columns the notebooks declare ({_listing(focus_parameters)})"
            )
        if col not in focus_parameters:
            raise RosterError(
                f"{path}, row 1: unknown focus column {col!r}: no exercise notebook declares "
                f"a parameter {col} (they declare: {_listing(focus_parameters)})"
            )
    people, names, emails = [], {}, {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue  # blank lines are fine
        if len(row) != len(header):
            raise RosterError(
                f"{path}, row {number}: {len(row)} values for {len(header)} columns "
                f"({', '.join(header)}): {','.join(row)!r}"
            )
        values = {col: value.strip() for col, value in zip(header, row)}
        name, email = values["name"], values["email"]
        where = f"{path}, row {number}" + (f" ({name})" if name else "")
        if not name:
            raise RosterError(f"{where}: the name is empty")
        if not SAFE_NAME.match(name) or name.lower() in _RESERVED:
            raise RosterError(
                f"{where}: the name {name!r} cannot be a folder name; use letters, digits, "
                "spaces, '.', '-' and '_' (starting with a letter or digit, at most 63 "
                "characters)"
            )
        if name.lower() in names:
            raise RosterError(f"{where}: the name {name!r} is already on row {names[name.lower()]}")
        if not _EMAIL.match(email):
            raise RosterError(f"{where}: {email!r} is not an e-mail address")
        if email.lower() in emails:
            raise RosterError(
                f"{where}: the e-mail {email!r} is already on row {emails[email.lower()]}"
            )
        focus = {}
        for col in header:
            if not col.startswith("focus_") or not values[col]:
                continue
            allowed = valid.get(col)
            if allowed is not None and values[col] not in allowed:
                raise RosterError(
                    f"{where}: {col} {values[col]!r} is not in the region; it has: "
                    f"{', '.join(allowed[:12])}{' ...' if len(allowed) > 12 else ''}"
                )
            focus[col] = values[col]
        names[name.lower()], emails[email.lower()] = number, number
        people.append(Participant(name, email, focus, number))
    if not people:
        raise RosterError(f"{path} lists no participants (only its header row)")
    return people


def _listing(parameters) -> str:
    return ", ".join(sorted(parameters)) or "none yet"
