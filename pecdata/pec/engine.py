"""Patient Encounter Cost (PEC): time-driven costing of every encounter.

PEC assigns **all** of the region's cost to patient encounters, bottom up,
and measures the **cost of unused capacity** (method.md, section PEC; Kaplan &
Porter's time-driven activity-based costing, adapted as in Region Halland):

1. *resource pools* (unit x profession, ward bed-days, theatre minutes,
   imaging exams, laboratory tests) with the cost each supplied in the year
   (ledger) and its practical capacity (HR: paid time less absence, training
   and breaks, about 80 %); see :mod:`pecdata.pec.pools` for every rule;
2. *capacity cost rate* = cost supplied / practical capacity (SEK per minute,
   per bed-day, per exam, per test);
3. *encounter cost* = sum of quantity x rate over the resources it used, plus
   its traced drugs and supplies, plus its share of untraced ward stock;
   support (IT, administration) is inside the rates and reported apart;
4. *unused capacity* = (practical - used) x rate per pool.

Two views of the same cost:

* **view a** (``cost_sek``, rate-based, standard TDABC): encounters carry
  only the capacity they used; unused capacity is reported per pool
  (``unused_capacity``) and not charged to patients;
* **view b** (``cost_full_sek``, full absorption, the Swedish KPP
  "totality" principle and Region Halland's PEC): each pool's unused
  capacity is spread over that pool's encounters pro rata their use.

Both reconcile to the ledger to 0.01 SEK, per unit type and in total::

    ledger = Σ cost_sek + Σ unused capacity + Σ non-patient (+ unallocated)
           = Σ cost_full_sek + Σ non-patient (+ unallocated + unabsorbed)

where *unallocated* and *unabsorbed* are 0 for a sound warehouse and are
otherwise listed, amount by amount, in :attr:`PecResult.warnings`.

Assumptions beyond :mod:`pecdata.pec.pools`: an encounter and all its activities
belong to the year of the encounter (``encounters.year``: an inpatient
episode over New Year is costed in its admission year); encounters of years
not costed are left out; encounters without activities cost 0 SEK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pecdata.pec import pools as P
from pecdata.pec.pool_tables import pool_tables
from pecdata.pec.reconcile import format_reconciliation, reconcile
from pecdata.warehouse.schema import MEASURES, RESOURCES

__all__ = ["PecResult", "cost_encounters", "PEC_TABLES", "BREAKDOWN"]

#: The derived tables PEC adds to a warehouse.
PEC_TABLES = (
    "encounter_costs",
    "pool_rates",
    "unused_capacity",
    "non_patient_costs",
    "reconciliation",
    "pec_warnings",
)
#: Warnings that ``strict=True`` turns into errors (over-capacity is only reported).
STRICT_PROBLEMS = (
    "unmapped_account",
    "no_pool",
    "no_driver",
    "capacity_missing",
    "no_use",
    "unabsorbed",
    "no_cost",
    "traced_exceeds_ledger",
)
#: Order in which warnings are listed: cost left unplaced first, over-capacity last.
SEVERITY = (
    "unmapped_account",
    "no_pool",
    "no_driver",
    "unabsorbed",
    "capacity_missing",
    "no_use",
    "no_cost",
    "traced_exceeds_ledger",
    "over_capacity",
)
#: Columns of ``encounter_costs`` that add up to ``cost_sek`` (view a).
BREAKDOWN = (
    "staff_sek",
    "beds_rooms_sek",
    "service_sek",
    "direct_sek",
    "untraced_sek",
    "support_sek",
)
_NEEDS = {
    "units": ("unit_id", "unit_type"),
    "encounters": ("encounter_id", "resident_id", "unit_id", "year", "care_level"),
    "activities": ("encounter_id", "unit_id", "resource", "quantity", "measure"),
    "staffing": ("unit_id", "year", "profession", "paid_hours", "practical_hours"),
    "capacity": ("unit_id", "year", "resource", "practical_quantity"),
    "ledger": ("unit_id", "year", "account", "amount_sek"),
    "accounts": ("account", "account_group", "patient_related", "profession"),
}


@dataclass
class PecResult:
    """The costed encounters and everything needed to check them.

    Attributes
    ----------
    encounter_costs : DataFrame
        One row per encounter: ``encounter_id``, ``resident_id``, ``year``,
        ``unit_id`` (the unit responsible), ``care_level``, ``cost_sek`` (view
        a), ``cost_full_sek`` (view b), the breakdown of view a (``staff_sek``,
        ``beds_rooms_sek`` [premises and equipment: beds, theatres, rooms],
        ``service_sek`` [imaging and laboratory], ``direct_sek`` [traced drugs
        and supplies], ``untraced_sek`` [allocated ward stock],
        ``support_sek`` [IT and administration]) and ``absorbed_unused_sek``
        (view b - view a).
    pool_rates, unused_capacity, non_patient_costs, reconciliation, warnings : DataFrame
        See :func:`cost_encounters`.
    pools : pecdata.pec.pools.Pools
        The dense arrays behind the tables.
    """

    encounter_costs: pd.DataFrame
    pool_rates: pd.DataFrame
    unused_capacity: pd.DataFrame
    non_patient_costs: pd.DataFrame
    reconciliation: pd.DataFrame
    warnings: pd.DataFrame
    pools: P.Pools = field(repr=False)
    warehouse: Mapping = field(repr=False, default=None)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The derived tables by name, ready for :func:`pecdata.warehouse.add_tables`."""
        return {
            "encounter_costs": self.encounter_costs,
            "pool_rates": self.pool_rates,
            "unused_capacity": self.unused_capacity,
            "non_patient_costs": self.non_patient_costs,
            "reconciliation": self.reconciliation,
            "pec_warnings": self.warnings,
        }

    @property
    def balanced(self) -> bool:
        """True if both views reconcile to the ledger within 0.01 SEK everywhere."""
        return bool(self.reconciliation["balanced"].all())

    def __repr__(self) -> str:
        return format_reconciliation(self)


def _require(wh: Mapping) -> None:
    for table, columns in _NEEDS.items():
        if table not in wh:
            raise ValueError(
                f"PEC needs the table {table!r}; the warehouse has {', '.join(wh) or 'no tables'}"
            )
        missing = [c for c in columns if c not in wh[table].columns]
        if missing:
            raise ValueError(
                f"PEC needs the column(s) {', '.join(missing)} in table {table!r} "
                f"(it has {', '.join(map(str, wh[table].columns))})"
            )


def _select_years(wh: Mapping, years) -> np.ndarray:
    have = np.unique(wh["ledger"]["year"].to_numpy())
    if years is None:
        if not len(have):
            raise ValueError("the ledger is empty: there is no cost to allocate")
        return have.astype(np.int64)
    years = np.unique(
        np.atleast_1d(
            np.asarray(list(years) if not np.isscalar(years) else [years], dtype=np.int64)
        )
    )
    missing = sorted(set(years.tolist()) - set(have.tolist()))
    if missing or not len(years):
        raise ValueError(
            f"no ledger for year(s) {missing or 'none given'}; the ledger has "
            f"{', '.join(map(str, have.tolist())) or 'no years'}"
        )
    return years


def _codes(
    values: pd.Series, index: pd.Index, table: str, column: str, frame: pd.DataFrame
) -> np.ndarray:
    """Positions of ``values`` in ``index``, via the categories when the column is categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = index.get_indexer(values.cat.categories.astype(str)).astype(np.intp)
        codes = values.cat.codes.to_numpy()
        if not len(codes) or ((lookup >= 0).all() and codes.min() >= 0):
            return lookup[codes]  # fast path: every category is known, nothing missing
        out = np.append(lookup, -1)[codes]
    else:
        out = index.get_indexer(pd.Index(values.astype(str)))
    if (out < 0).any():
        row = int(np.argmax(out < 0))
        bad = pd.unique(values[out < 0].astype(object))
        raise ValueError(
            f"{table}.{column}: {int((out < 0).sum()):,} rows have a value not in "
            f"{'units.unit_id' if column == 'unit_id' else 'the schema'} "
            f"({', '.join(map(repr, bad[:5]))}), e.g. row {row}: "
            f"{frame.iloc[row].to_dict()}"
        )
    return out


def _check_measures(act: pd.DataFrame, ri: np.ndarray) -> None:
    """Every activity's measure must fit its resource (minutes for staff, sek for drugs ...)."""
    mi = _codes(act["measure"], pd.Index(MEASURES), "activities", "measure", act)
    expected = np.array([MEASURES.index(P.MEASURE[r]) for r in RESOURCES])
    seen = np.flatnonzero(
        np.bincount(ri * len(MEASURES) + mi, minlength=len(RESOURCES) * len(MEASURES))
    )
    if (expected[seen // len(MEASURES)] != seen % len(MEASURES)).any():
        bad = expected[ri] != mi
        row = int(np.argmax(bad))
        raise ValueError(
            f"activities: {int(bad.sum()):,} rows have a measure that does not fit "
            "the resource (minutes for staff and theatre, bed_days for bed_day, "
            f"exams, tests, sek for drugs and supplies), e.g. row {row}: "
            f"{act.iloc[row].to_dict()}"
        )


def _encounter_positions(enc_ids: np.ndarray, act_ids: np.ndarray, act: pd.DataFrame) -> np.ndarray:
    n = len(enc_ids)
    if n and enc_ids[0] + n - 1 == enc_ids[-1] and (n < 2 or (np.diff(enc_ids) == 1).all()):
        pos = act_ids - enc_ids[0]
        bad = (pos < 0) | (pos >= n)
    else:
        order = np.argsort(enc_ids, kind="stable")
        s = enc_ids[order]
        i = np.clip(np.searchsorted(s, act_ids), 0, max(n - 1, 0))
        bad = (s[i] != act_ids) if n else np.ones(len(act_ids), bool)
        pos = order[i] if n else i
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"activities.encounter_id: {int(bad.sum()):,} rows refer to encounters "
            f"missing from encounters, e.g. row {row}: {act.iloc[row].to_dict()}"
        )
    return pos


def _activity_codes(wh, years, unit_index):
    """Encounter rows costed and, per activity, its encounter row, pool code and quantity."""
    enc, act = wh["encounters"], wh["activities"]
    _codes(enc["unit_id"], unit_index, "encounters", "unit_id", enc)
    enc_year = enc["year"].to_numpy(np.int64)
    keep = np.isin(enc_year, years)
    pos = _encounter_positions(
        enc["encounter_id"].to_numpy(np.int64), act["encounter_id"].to_numpy(np.int64), act
    )
    code = _codes(act["unit_id"], unit_index, "activities", "unit_id", act)
    ri = _codes(act["resource"], pd.Index(RESOURCES), "activities", "resource", act)
    _check_measures(act, ri)
    qty = act["quantity"].to_numpy(float)
    if len(qty) and not qty.min() >= 0:  # also catches NaN
        bad = ~(qty >= 0)
        row = int(np.argmax(bad))
        raise ValueError(
            f"activities: {int(bad.sum()):,} rows have a negative or missing "
            f"quantity, e.g. row {row}: {act.iloc[row].to_dict()}"
        )
    code *= P.N_RES  # pool code = (year x units + unit) x resources + resource, in place
    code += ri
    del ri
    if len(years) > 1:
        code += (np.searchsorted(years, enc_year) * (len(unit_index) * P.N_RES))[pos]
    if keep.all():
        new_pos = pos
    else:
        row_keep = keep[pos]
        new_pos = (np.cumsum(keep) - 1)[pos[row_keep]]
        code, qty = code[row_keep], qty[row_keep]
    return keep, new_pos, code, qty


def cost_encounters(
    wh: Mapping[str, pd.DataFrame], years: Iterable[int] | int | None = None, strict: bool = False
) -> PecResult:
    """Cost every encounter with PEC: rate-based (view a) and full absorption (view b).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
        Needs ``units``, ``encounters``, ``activities``, ``staffing``,
        ``capacity``, ``ledger`` and ``accounts``.
    years : int or iterable of int, optional
        Years to cost (default: every year of the ledger).
    strict : bool, default False
        Raise ``ValueError`` instead of warning when cost cannot be placed as
        the rules say (unmapped accounts, missing capacity, pools without use
        or cost ...). Over-capacity is always only reported.

    Returns
    -------
    PecResult
        ``encounter_costs`` (one row per encounter), ``pool_rates`` (one row
        per pool and year: cost supplied and its components, practical
        capacity, used quantity, utilisation, ``rate_sek`` and the full
        absorption rate ``full_rate_sek``), ``unused_capacity`` (per pool:
        ``unused_quantity``, ``minutes``, ``cost_sek``, ``over_capacity``,
        ``capacity_missing``), ``non_patient_costs`` (per unit, year and
        account: ``amount_sek``), ``reconciliation`` (per year and unit type
        and in total: both views against the ledger) and ``warnings``.

    Raises
    ------
    ValueError
        For a missing table or column, activities or encounters of unknown
        units, activities of unknown encounters, a measure that does not fit
        its resource, a negative quantity, or years without a ledger.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> pec = cost_encounters(example_warehouse(), years=2022)
    >>> pec.balanced
    True
    >>> ec = pec.encounter_costs
    >>> bool((ec.cost_full_sek >= ec.cost_sek - 0.01).mean() > 0.9)  # absorbing adds cost
    True
    >>> total = pec.reconciliation.query("unit_type == 'total'").iloc[0]
    >>> bool(abs(total.ledger_sek - ec.cost_full_sek.sum() - total.non_patient_sek) < 0.01)
    True
    """
    _require(wh)
    years = _select_years(wh, years)
    units = wh["units"]
    unit_ids = units["unit_id"].astype(str).to_numpy()
    if pd.Index(unit_ids).duplicated().any():
        raise ValueError(
            "units.unit_id must be unique: "
            f"{sorted(set(unit_ids[pd.Index(unit_ids).duplicated()]))[:5]}"
        )
    unit_index = pd.Index(unit_ids)
    unit_types = units["unit_type"].astype(str).to_numpy()
    keep, pos, code, qty = _activity_codes(wh, years, unit_index)
    shape = (len(years), len(unit_ids), P.N_RES)
    used = np.bincount(code, weights=qty, minlength=int(np.prod(shape))).reshape(shape)
    pools = P.build_pools(
        years,
        unit_ids,
        unit_types,
        used,
        wh["staffing"],
        wh["capacity"],
        wh["ledger"],
        wh["accounts"],
    )
    warnings = _warnings_frame(pools.warnings)
    if strict:
        bad = warnings[warnings.problem.isin(STRICT_PROBLEMS)]
        if len(bad):
            raise ValueError(
                f"PEC cannot allocate cost as its rules say ({len(bad)} problem"
                f"{'s' * (len(bad) != 1)}):\n  " + "\n  ".join(bad.message[:20])
            )
    enc = wh["encounters"]
    enc = enc if keep.all() else enc[keep]
    ec = _encounter_table(enc, pools, pos, code, qty)
    pool_rates, unused = pool_tables(pools)
    result = PecResult(
        ec, pool_rates, unused, pools.non_patient_rows, pd.DataFrame(), warnings, pools, wh
    )
    result.reconciliation = reconcile(result)
    return result


def _encounter_table(enc: pd.DataFrame, pools: P.Pools, pos, code, qty) -> pd.DataFrame:
    """Sum quantity x rate per encounter, one cost column at a time (vectorised bincounts)."""
    n = len(enc)
    rates = pools.rates.reshape(4, -1)
    direct = np.zeros(pools.used.shape)
    direct[..., P.DIRECT] = 1.0  # traced SEK are charged as recorded
    parts = {
        "staff_sek": rates[P.STAFF],
        "beds_rooms_sek": rates[P.BEDS_ROOMS],
        "service_sek": rates[P.SERVICE_C],
        "direct_sek": direct.ravel(),
        "untraced_sek": pools.untraced_rate.ravel(),
        "support_sek": rates[P.SUPPORT],
        "absorbed_unused_sek": pools.absorbed_rate.ravel(),
    }
    sums, buf = {}, np.empty(len(code))
    for name, rate in parts.items():
        if rate.any():
            np.take(rate, code, out=buf)
            buf *= qty
            sums[name] = np.bincount(pos, weights=buf, minlength=n)
        else:
            sums[name] = np.zeros(n)
    df = enc[["encounter_id", "resident_id", "year", "unit_id", "care_level"]].reset_index(
        drop=True
    )
    df["year"] = df["year"].astype(np.int64)
    df["cost_sek"] = sum(sums[c] for c in BREAKDOWN)
    df["cost_full_sek"] = df["cost_sek"].to_numpy() + sums["absorbed_unused_sek"]
    for name, values in sums.items():
        df[name] = values
    return df


def _warnings_frame(rows: list) -> pd.DataFrame:
    cols = ["year", "unit_id", "pool_id", "problem", "amount_sek", "message"]
    df = pd.DataFrame(rows, columns=cols)
    severity = {p: i for i, p in enumerate(SEVERITY)}  # what leaves cost unplaced comes first
    df = df.sort_values("problem", key=lambda s: s.map(severity), kind="stable", ignore_index=True)
    df = df.astype({"year": "int64", "amount_sek": "float64"})
    for c in ("unit_id", "pool_id", "problem", "message"):
        df[c] = df[c].astype("str")
    return df
