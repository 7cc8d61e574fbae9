"""PEC's reconciliation to the ledger (NHS PLICS costing process CP5), as a table and as text.

For every year and unit type, and in total::

    ledger = cost_sek (view a) + unused capacity + non-patient + unallocated
           = cost_full_sek (view b) + non-patient + unallocated + unabsorbed

Rows per unit type count the cost by the unit that *performed* the work (an
X-ray ordered by the emergency department is imaging cost), so each row can be
compared with that unit type's ledger. The ``total`` rows add up the
``encounter_costs`` table itself, so they also prove that the encounter-level
table carries every krona.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.pec import pools as P

__all__ = ["reconcile", "format_reconciliation", "TOLERANCE_SEK"]

#: Both views must reconcile to the ledger within this many SEK (one öre).
TOLERANCE_SEK = 0.01

AMOUNTS = (
    "ledger_sek",
    "cost_sek",
    "unused_capacity_sek",
    "cost_full_sek",
    "non_patient_sek",
    "unallocated_sek",
    "unabsorbed_sek",
)


def _per_unit(p: P.Pools) -> dict[str, np.ndarray]:
    """Every amount of the reconciliation per (year, unit)."""
    used = p.used.copy()
    used[..., P.N_POOL :] = 0.0
    cost_a = p.charged.sum(axis=2) + p.used[..., P.DIRECT].sum(axis=2) + p.untraced
    return {
        "ledger_sek": p.ledger,
        "cost_sek": cost_a,
        "unused_capacity_sek": p.unused_cost.sum(axis=2),
        "cost_full_sek": cost_a + (p.absorbed_rate * used).sum(axis=2),
        "non_patient_sek": p.non_patient,
        "unallocated_sek": p.unallocated,
        "unabsorbed_sek": p.unabsorbed,
    }


def reconcile(result) -> pd.DataFrame:
    """Both views against the ledger, per year and unit type and in total.

    Parameters
    ----------
    result : PecResult
        From :func:`pecdata.pec.cost_encounters`.

    Returns
    -------
    DataFrame
        ``year``, ``unit_type`` (``"total"`` for the whole region),
        ``ledger_sek``, ``cost_sek``, ``unused_capacity_sek``,
        ``cost_full_sek``, ``non_patient_sek``, ``unallocated_sek``,
        ``unabsorbed_sek``, ``difference_a_sek`` (ledger minus view a's
        terms), ``difference_b_sek`` (ledger minus view b's terms),
        ``balanced`` (both differences within 0.01 SEK) and ``warnings``
        (how many warnings concern those units).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> rec = cost_encounters(example_warehouse(), years=2022).reconciliation
    >>> rec[rec.unit_type == "total"].balanced.tolist()
    [True]
    """
    p = result.pools
    parts = _per_unit(p)
    Y, U = p.ledger.shape
    frame = pd.DataFrame(
        {
            "year": np.repeat(p.years, U).astype(np.int64),
            "unit_type": np.tile(p.unit_types.astype(str), Y),
            **{k: v.ravel() for k, v in parts.items()},
        }
    )
    w = result.warnings
    unit_type = dict(zip(p.unit_ids.astype(str), p.unit_types.astype(str)))
    n_warn = pd.DataFrame({"year": w["year"], "type": w["unit_id"].map(unit_type)}).value_counts()
    by_type = frame.groupby(["year", "unit_type"], sort=True).sum().reset_index()
    total = frame.drop(columns="unit_type").groupby("year").sum()
    ec = result.encounter_costs.groupby("year")[["cost_sek", "cost_full_sek"]].sum()
    total[["cost_sek", "cost_full_sek"]] = ec.reindex(total.index).fillna(0.0)
    total = total.reset_index().assign(unit_type="total")
    out = pd.concat([by_type, total], ignore_index=True)
    out["difference_a_sek"] = out.ledger_sek - (
        out.cost_sek + out.unused_capacity_sek + out.non_patient_sek + out.unallocated_sek
    )
    out["difference_b_sek"] = out.ledger_sek - (
        out.cost_full_sek + out.non_patient_sek + out.unallocated_sek + out.unabsorbed_sek
    )
    out["balanced"] = (out.difference_a_sek.abs() < TOLERANCE_SEK) & (
        out.difference_b_sek.abs() < TOLERANCE_SEK
    )
    key = list(zip(out.year, out.unit_type))
    per_year = n_warn.groupby(level=0).sum()
    out["warnings"] = [
        int(per_year.get(y, 0)) if t == "total" else int(n_warn.get((y, t), 0)) for y, t in key
    ]
    out["unit_type"] = out["unit_type"].astype("str")
    return out[
        [
            "year",
            "unit_type",
            *AMOUNTS,
            "difference_a_sek",
            "difference_b_sek",
            "balanced",
            "warnings",
        ]
    ]


def _sek(x: float) -> float:
    return round(float(x), 2) + 0.0  # no "-0.00"


def format_reconciliation(result, max_warnings: int = 10) -> str:
    """The reconciliation as text (amounts in MSEK, differences in SEK), then the warnings.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> print(format_reconciliation(cost_encounters(example_warehouse(), years=2022)))
    ... # doctest: +ELLIPSIS
    PEC reconciliation 2022 (MSEK; differences in SEK)
    unit type ...
    total ...
    Both views reconcile to the ledger within 0.01 SEK ...
    """
    rec = result.reconciliation
    head = (
        f"{'unit type':<22}{'ledger':>10}{'cost (a)':>10}{'unused':>9}{'cost (b)':>10}"
        f"{'non-pat.':>9}{'unalloc.':>9}{'diff a':>8}{'diff b':>8}"
    )
    lines = []
    for year, g in rec.groupby("year"):
        lines += [f"PEC reconciliation {year} (MSEK; differences in SEK)", head]
        for r in g.itertuples():
            lines.append(
                f"{r.unit_type:<22}{r.ledger_sek / 1e6:>10.2f}{r.cost_sek / 1e6:>10.2f}"
                f"{r.unused_capacity_sek / 1e6:>9.2f}{r.cost_full_sek / 1e6:>10.2f}"
                f"{r.non_patient_sek / 1e6:>9.2f}"
                f"{(r.unallocated_sek + r.unabsorbed_sek) / 1e6:>9.2f}"
                f"{_sek(r.difference_a_sek):>8.2f}{_sek(r.difference_b_sek):>8.2f}"
            )
    ok = bool(rec.balanced.all())
    lines.append(
        "Both views reconcile to the ledger within 0.01 SEK"
        + (" in every row." if ok else ": NO -- see the rows above.")
    )
    w = result.warnings
    if len(w):
        counts = ", ".join(f"{k} {v}" for k, v in w.problem.value_counts().items())
        lines.append(f"{len(w)} warning{'s' * (len(w) != 1)} ({counts}):")
        lines += [f"  {m}" for m in w.message[:max_warnings]]
        if len(w) > max_warnings:
            lines.append(f"  ... and {len(w) - max_warnings} more (PecResult.warnings)")
    else:
        lines.append("No warnings.")
    return "\n".join(lines)
