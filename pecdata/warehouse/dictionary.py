"""The data dictionary of the warehouse, generated from :mod:`pecdata.warehouse.schema`.

Used by the handbook page ``book/data_dictionary.md`` and by
``pecdata dictionary`` on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pecdata.warehouse import schema as S

__all__ = ["data_dictionary", "dictionary_markdown"]

_TYPES = {
    "int": "integer",
    "float": "number",
    "string": "text",
    "category": "text (category)",
    "datetime": "date/time",
    "bool": "true/false",
}


def _range(col: S.Column) -> str:
    if col.min is not None and col.max is not None:
        return f"{col.min:g} to {col.max:g}"
    if col.min is not None:
        return f">= {col.min:g}"
    if col.max is not None:
        return f"<= {col.max:g}"
    if col.dtype == "datetime":
        return f"{S.EARLIEST_DATE} to {S.LATEST_DATE}"
    return ""


def _names(tables: Iterable[str] | None) -> list[str]:
    names = list(S.ALL_TABLES) if tables is None else list(tables)
    unknown = [n for n in names if n not in S.ALL_TABLES]
    if unknown:
        raise ValueError(
            f"no table {', '.join(map(repr, unknown))} in the schema; tables: "
            f"{', '.join(S.ALL_TABLES)}"
        )
    return names


def data_dictionary(tables: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per column of every warehouse table.

    Parameters
    ----------
    tables : iterable of str, optional
        Only these tables (default: all, in schema order).

    Returns
    -------
    DataFrame
        Columns ``table``, ``kind``, ``column``, ``type``, ``unit``,
        ``nullable``, ``allowed_values`` (comma-separated, empty if any value
        goes), ``range`` (minimum/maximum), ``references`` (``table.column``
        the value must exist in), ``key`` (True for primary-key columns,
        False otherwise) and ``description``.

    Examples
    --------
    >>> d = data_dictionary()
    >>> row = d[(d.table == "encounters") & (d.column == "care_level")].iloc[0]
    >>> row.type, bool(row.nullable), row.allowed_values.split(", ")[:3]
    ('text (category)', False, ['primary_care', 'digital', 'outpatient'])
    >>> d[d.table == "staffing"].key.sum()  # unit_id, year, profession
    np.int64(3)
    """
    rows = []
    for name in _names(tables):
        t = S.ALL_TABLES[name]
        for c in t.columns:
            rows.append(
                {
                    "table": t.name,
                    "kind": t.kind,
                    "column": c.name,
                    "type": _TYPES[c.dtype],
                    "unit": c.unit,
                    "nullable": c.nullable,
                    "allowed_values": ", ".join(map(str, c.allowed)) if c.allowed else "",
                    "range": _range(c),
                    "references": c.references or "",
                    "key": c.name in t.primary_key,
                    "description": c.description,
                }
            )
    return pd.DataFrame(rows)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(tables: Iterable[str] | None = None, heading_level: int = 2) -> str:
    """The data dictionary as Markdown: one section per table.

    Each section has the table's description, its kind, grain and primary key,
    then a table of its columns.

    Parameters
    ----------
    tables : iterable of str, optional
        Only these tables (default: all, in schema order).
    heading_level : int, default 2
        Markdown heading level of the table sections (2 gives ``## name``).

    Returns
    -------
    str
        Markdown (CommonMark tables, as MyST and Jupyter render them).

    Examples
    --------
    >>> print(dictionary_markdown(["municipalities"]))  # doctest: +ELLIPSIS
    ## municipalities
    <BLANKLINE>
    The region's six municipalities (kommuner) and the acute hospital ...
    <BLANKLINE>
    - **Kind:** reference
    - **Grain:** one row per municipality
    - **Primary key:** `municipality_code`
    <BLANKLINE>
    | Column | Type | Unit | Empty allowed | Allowed values / range | References | Description |
    |---|---|---|---|---|---|---|
    | `municipality_code` | text |  | no |  |  | Short code of the municipality |
    ...
    """
    if not 1 <= heading_level <= 6:
        raise ValueError(f"heading_level must be 1 to 6, got {heading_level}")
    d = data_dictionary(tables)
    parts = []
    for name, cols in d.groupby("table", sort=False):
        t = S.ALL_TABLES[name]
        lines = [
            f"{'#' * heading_level} {name}",
            "",
            t.description,
            "",
            f"- **Kind:** {t.kind}",
            f"- **Grain:** {t.grain}",
            f"- **Primary key:** {', '.join(f'`{k}`' for k in t.primary_key) or '(none)'}",
            "",
            "| Column | Type | Unit | Empty allowed | Allowed values / range | References "
            "| Description |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in cols.itertuples(index=False):
            values = "; ".join(v for v in (r.allowed_values, r.range) if v)
            ref = f"`{r.references}`" if r.references else ""
            lines.append(
                f"| `{r.column}` | {r.type} | {_cell(r.unit)} | "
                f"{'yes' if r.nullable else 'no'} | {_cell(values)} | {ref} | "
                f"{_cell(r.description)} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
