"""What a column and a table of the warehouse declare."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a warehouse table.

    ``dtype`` is one of ``int``, ``float``, ``string``, ``category``,
    ``datetime`` and ``bool``; text columns may be stored as either
    ``string`` or ``category``.
    """

    name: str
    dtype: str
    description: str
    unit: str = ""
    nullable: bool = False
    allowed: tuple | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False
    references: str | None = None  # "table.column" this column must match


@dataclass(frozen=True)
class Table:
    """A warehouse table: its grain, columns and keys."""

    name: str
    kind: str  # care, resources, finance, reference, answer_key
    description: str
    grain: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


C = Column
YEAR = C("year", "int", "Calendar year", "year", min=1900, max=2100)
