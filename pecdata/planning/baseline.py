"""The baseline of the scenario engine: the region summarised once.

:func:`build_baseline` turns a warehouse into a :class:`Baseline`: counts,
bed-days, cost and staff minutes per cell (age band x the segments a resident
belongs to), level of care and year, with the base year's staffing, beds, cost
rates and unused capacity. Costs come from Patient Encounter Cost
(:mod:`pecdata.pec`) or, for comparison, from average costing. The engine in
:mod:`pecdata.planning.scenarios` (which re-exports these names) then recomputes a
scenario from this summary in about a millisecond, whatever the size of the region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from pecdata.analyses.indicators import readmission_flags
from pecdata.pec import cost_encounters
from pecdata.pec.average import simple_encounter_costs
from pecdata.planning.interventions import LEVELS, PROFESSIONS, SEGMENTS, segment_membership

__all__ = ["Baseline", "build_baseline", "example_baseline", "TARGET_OCCUPANCY"]

#: Bed occupancy at which beds are sized (E, calibration.md section 2 [S15]).
TARGET_OCCUPANCY = 0.90


@dataclass(frozen=True, eq=False)
class Baseline:
    """The region summarised for the scenario engine (built by :func:`build_baseline`).

    Cells are combinations of an age band and the segments a resident belongs to.
    The engine uses the base year's arrays, per cell (``C``), level of care (``L``,
    ``LEVELS``) and profession (``P``, ``PROFESSIONS``); :meth:`table` shows every
    year per segment and level of care.

    Examples
    --------
    >>> b = example_baseline()
    >>> b.visits.shape == (len(b.cell_band), len(LEVELS))
    True
    """

    base_year: int
    residents: float
    segments: tuple
    member: dict
    cell_band: np.ndarray
    person_years: np.ndarray
    visits: np.ndarray
    acute: np.ndarray
    bed_days: np.ndarray
    bed_days_acute: np.ndarray
    cost: np.ndarray
    bed_cost: np.ndarray
    minutes: np.ndarray
    readmissions: np.ndarray
    cost_per_contact: np.ndarray
    minutes_per_contact: np.ndarray
    staffed_beds: float
    excess_beds: float
    fte: np.ndarray
    practical_minutes_per_fte: np.ndarray
    cost_per_minute: np.ndarray
    cost_per_bed_day: float
    unused_ward_sek: float
    unused_other_sek: float
    unused_ward_minutes: np.ndarray
    costs: str
    by_year: dict = field(repr=False)
    target_occupancy: float = TARGET_OCCUPANCY
    #: The part of the wards' unused capacity that right-sizing can remove: capacity above
    #: what the year's use needs at :data:`TARGET_OCCUPANCY` (cost and staff minutes).
    #: None: all of ``unused_ward_sek`` (older baselines).
    removable_ward_sek: float | None = None
    removable_ward_minutes: np.ndarray | None = field(default=None, repr=False)

    def table(self) -> pd.DataFrame:
        """Per year, segment and level of care: contacts, bed-days, PEC cost, staff minutes.

        Examples
        --------
        >>> t = example_baseline().table()
        >>> {"segment", "care_level", "contacts", "cost_per_contact_sek"} <= set(t.columns)
        True
        """
        rows = []
        for year, a in self.by_year.items():
            for seg in self.segments:
                m = self.member[seg]
                py = m @ a["person_years"]
                for j, lv in enumerate(LEVELS):
                    n = m @ a["visits"][:, j]
                    rows.append(
                        (
                            year,
                            seg,
                            lv,
                            py,
                            n,
                            1000 * n / py,
                            m @ a["bed_days"] if lv == "inpatient" else 0.0,
                            m @ a["cost"][:, j],
                            m @ a["minutes"][:, j].sum(1),
                        )
                    )
        t = pd.DataFrame(
            rows,
            columns=[
                "year",
                "segment",
                "care_level",
                "person_years",
                "contacts",
                "contacts_per_1000",
                "bed_days",
                "cost_sek",
                "staff_minutes",
            ],
        )
        t.insert(8, "cost_per_contact_sek", t.cost_sek / t.contacts.where(t.contacts > 0))
        return t

    def __repr__(self) -> str:
        return (
            f"Baseline({self.base_year}, {self.residents:,.0f} residents, "
            f"{len(self.cell_band)} cells, costs={self.costs!r})"
        )


def _cost_tables(wh, costs):
    """PEC tables (encounter_costs, pool_rates, unused_capacity), or None for average costs."""
    names = ("encounter_costs", "pool_rates", "unused_capacity")
    if isinstance(costs, str):
        if costs not in ("auto", "pec", "simple"):
            raise ValueError(f"costs must be 'auto', 'pec', 'simple' or PEC tables, got {costs!r}")
        if costs == "simple":
            return None
        if all(n in wh for n in names):
            return {n: wh[n] for n in names}
        return cost_encounters(wh).tables()
    tables = costs.tables() if hasattr(costs, "tables") else costs
    missing = [n for n in names if n not in tables]
    if missing:
        raise ValueError(
            f"costs is missing PEC table(s) {missing}; pass "
            "pecdata.pec.cost_encounters(wh) or its .tables()"
        )
    return tables


def _pec_parts(wh, tables, year, ids) -> dict:
    """Cost per encounter (view a), its bed-day part, rates and unused capacity from PEC."""
    ec = tables["encounter_costs"].set_index("encounter_id").reindex(ids)
    if ec.cost_sek.isna().any():
        raise ValueError(
            f"PEC encounter_costs has no cost for {int(ec.cost_sek.isna().sum())} "
            f"encounters of {year}; cost that year with pecdata.pec"
        )
    bed = np.where(ec.care_level.astype(str) == "inpatient", ec.beds_rooms_sek + ec.staff_sek, 0)
    pr = tables["pool_rates"]
    agg = (
        pr[pr.year == year]
        .groupby(pr.resource.astype(str))
        .agg(cost=("cost_supplied_sek", "sum"), cap=("practical_capacity", "sum"))
    )
    uc = tables["unused_capacity"]
    uc = uc[uc.year == year]
    ward = (uc.unit_type.astype(str) == "ward").to_numpy()
    mins = uc[ward].groupby(uc.resource.astype(str)[ward]).minutes.sum()
    # what right-sizing can remove: capacity above what the use needs at target occupancy
    pw = pr[(pr.year == year) & (pr.unit_type.astype(str) == "ward")]
    need = pw.used_quantity / TARGET_OCCUPANCY
    removable_qty = np.maximum(pw.practical_capacity - need, 0)
    unused_qty = np.maximum(pw.practical_capacity - pw.used_quantity, 0)
    share = np.where(
        unused_qty > 0, np.minimum(removable_qty / unused_qty.where(unused_qty > 0, 1), 1), 0
    )
    share = pd.Series(share, index=pw.pool_id.astype(str).to_numpy())
    uw = uc[ward]
    rshare = share.reindex(uw.pool_id.astype(str)).fillna(0).to_numpy()
    removable_mins = (
        pd.Series(uw.minutes.to_numpy() * rshare).groupby(uw.resource.astype(str).to_numpy()).sum()
    )
    return dict(
        removable_ward=float((uw.cost_sek.clip(lower=0).to_numpy() * rshare).sum()),
        removable_ward_minutes=removable_mins,
        cost=ec.cost_sek.to_numpy(),
        bed_cost=bed,
        per_minute=agg.cost / agg.cap,
        per_bed_day=float(agg.cost.get("bed_day", 0) / agg.cap.get("bed_day", 1)),
        unused_ward=float(uc.cost_sek[ward].sum()),
        unused_other=float(uc.cost_sek[~ward].sum()),
        ward_minutes=mins,
    )


def _simple_parts(wh, year, ids, per_enc) -> dict:
    """Average costing: unused capacity is not split out but hidden inside the averages."""
    led = wh["ledger"].merge(wh["accounts"], on="account")
    led = led[(led.year == year) & led.patient_related]
    group = led.groupby("account_group", observed=True).amount_sek.sum()
    sal = led[led.account_group == "salaries"].groupby("profession", observed=True).amount_sek.sum()
    st = wh["staffing"]
    st = st[st.year == year]
    per_minute = (
        sal
        * (1 + group.get("on_costs", 0) / group["salaries"])
        / (st.groupby(st.profession.astype(str)).practical_hours.sum() * 60)
    )
    cap = wh["capacity"]
    beds = cap[(cap.year == year) & (cap.resource == "bed_day")].set_index("unit_id")
    ward = led[led.unit_id.isin(beds.index)]
    bed_cost = ward[ward.account_group.isin(["premises", "equipment"])].amount_sek.sum()
    act = wh["activities"]
    bdq = act[act.encounter_id.isin(ids) & (act.resource == "bed_day")]
    ward_rate = (
        ward.groupby("unit_id").amount_sek.sum()
        / bdq.groupby(bdq.unit_id.astype(str)).quantity.sum()
    )
    bpart = (
        pd.Series(
            bdq.quantity.to_numpy()
            * ward_rate.reindex(bdq.unit_id.astype(str)).fillna(0).to_numpy()
        )
        .groupby(bdq.encounter_id.to_numpy())
        .sum()
    )
    return dict(
        cost=per_enc.reindex(ids).fillna(0).to_numpy(),
        bed_cost=bpart.reindex(ids).fillna(0).to_numpy(),
        per_minute=per_minute,
        per_bed_day=float(bed_cost / beds.practical_quantity.sum()),
        unused_ward=0.0,
        unused_other=0.0,
        ward_minutes=pd.Series(dtype=float),
        removable_ward=0.0,
        removable_ward_minutes=pd.Series(dtype=float),
    )


def _year_arrays(cell, lvl, acute, q, readm, cost, bed_cost, C) -> dict:
    """Counts, bed-days, cost and staff minutes of one year's encounters per cell and level."""
    L, P = len(LEVELS), len(PROFESSIONS)
    cl = cell * L + lvl

    def by_cl(w=None):
        return np.bincount(cl, weights=w, minlength=C * L).reshape(C, L)

    ip = lvl == LEVELS.index("inpatient")

    def by_cell(w):
        return np.bincount(cell[ip], weights=w[ip], minlength=C)

    return dict(
        visits=by_cl(),
        acute=by_cl(acute.astype(float)),
        cost=by_cl(cost),
        minutes=np.stack([by_cl(q[:, j]) for j in range(P)], axis=-1),
        bed_days=by_cell(q[:, P]),
        bed_days_acute=by_cell(q[:, P] * acute),
        bed_cost=by_cell(bed_cost),
        readmissions=by_cell(readm.astype(float)),
    )


def _quantities(act: pd.DataFrame, encounter_ids: pd.Series, resources: tuple) -> np.ndarray:
    """Quantity of each resource (columns) for each encounter (rows; 0 when it used none).

    The sums are pandas' (the same as a pivot table's, in the same order), grouped by
    integer codes rather than by categories: about three times faster.
    """
    res, k = act["resource"], len(resources)
    if isinstance(res.dtype, pd.CategoricalDtype):
        names = [str(c) for c in res.cat.categories]
        lookup = np.array([resources.index(c) if c in resources else -1 for c in names] + [-1])
        code = lookup[res.cat.codes.to_numpy()]  # a missing resource (code -1) -> -1
    else:
        code = pd.Index(resources).get_indexer(res.astype(str))
    keep = code >= 0
    enc_code, enc_ids = pd.factorize(act["encounter_id"].to_numpy()[keep])
    key = enc_code.astype(np.int64) * k + code[keep]
    sums = pd.Series(act["quantity"].to_numpy()[keep]).groupby(key).sum()
    keys = sums.index.to_numpy()
    per_encounter = np.zeros((len(enc_ids), k))
    per_encounter[keys // k, keys % k] = sums.to_numpy()
    pos = pd.Index(enc_ids).get_indexer(encounter_ids.to_numpy())
    return np.where((pos >= 0)[:, None], per_encounter[np.maximum(pos, 0)], 0.0)


def build_baseline(
    wh, base_year: int | None = None, costs="auto", segments: pd.DataFrame | None = None
) -> Baseline:
    """Summarise the region once, so that scenarios recompute in milliseconds.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    base_year : int, optional
        The year scenarios start from (default: the last year in the data).
    costs : {'auto', 'pec', 'simple'} or PEC result/tables
        ``'pec'``: Patient Encounter Cost (:func:`pecdata.pec.cost_encounters`), care
        at capacity cost rates and unused capacity per pool. ``'simple'``: average
        costs (:func:`pecdata.pec.average.simple_encounter_costs`), where unused
        capacity hides inside the averages (so right-sizing shows no saving and every
        contact avoided looks like money saved). ``'auto'`` (default): PEC tables in
        the warehouse if present, else computed with :mod:`pecdata.pec`. Any PEC
        result (or its ``.tables()``) can be passed.
    segments : DataFrame, optional
        Your own segment membership, shaped like :func:`segment_membership`.

    Returns
    -------
    Baseline

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> b = build_baseline(example_warehouse())
    >>> b.base_year, round(b.residents, -2), b.costs
    (2024, 3000.0, 'pec')
    """
    ry = wh["resident_years"]
    years = sorted(ry.year.unique().tolist())
    base_year = years[-1] if base_year is None else base_year
    if base_year not in years:
        raise ValueError(f"base_year {base_year!r} is not in the data (years {years})")
    seg = segment_membership(wh) if segments is None else segments
    names = tuple(n for n in SEGMENTS if n != "all")
    missing = [
        c
        for c in ("resident_id", "year", "age_band", "person_years") + names
        if c not in seg.columns
    ]
    if missing:
        raise ValueError(f"segments is missing column(s) {missing}")
    bits = sum(seg[n].to_numpy().astype(np.int64) << i for i, n in enumerate(names))
    cells, cell = np.unique(seg.age_band.to_numpy() * (1 << len(names)) + bits, return_inverse=True)
    C = len(cells)
    seg = seg.assign(cell=cell)
    enc = wh["encounters"]
    e = enc[["encounter_id", "resident_id", "year", "care_level", "acute"]].merge(
        seg[["resident_id", "year", "cell"]], on=["resident_id", "year"], how="inner"
    )
    lvl = pd.Categorical(e.care_level.astype(str), categories=LEVELS).codes
    act = wh["activities"]
    q = _quantities(act, e.encounter_id, PROFESSIONS + ("bed_day",))
    flags = readmission_flags(wh).set_index("encounter_id").readmitted
    readm = flags.reindex(e.encounter_id).fillna(False)
    tables = _cost_tables(wh, costs)
    per_enc = simple_encounter_costs(wh) if tables is None else None
    by_year, src = {}, {}
    for y in years:
        s = (e.year == y).to_numpy()
        ids = e.encounter_id[s].to_numpy()
        src[y] = (
            _simple_parts(wh, y, ids, per_enc) if tables is None else _pec_parts(wh, tables, y, ids)
        )
        by_year[y] = _year_arrays(
            e.cell.to_numpy()[s],
            lvl[s],
            e.acute.to_numpy(bool)[s],
            q[s],
            readm.to_numpy(bool)[s],
            src[y]["cost"],
            src[y]["bed_cost"],
            C,
        )
        by_year[y]["person_years"] = np.bincount(
            seg.cell[seg.year == y], seg.person_years[seg.year == y], minlength=C
        )
    a, s = by_year[base_year], src[base_year]
    visits, minutes = a["visits"], a["minutes"]
    level_cost = a["cost"].sum(0) / np.maximum(visits.sum(0), 1)
    safe = np.where(visits > 0, visits, 1)
    cpc = np.where(visits > 0, a["cost"] / safe, level_cost[None, :])
    level_min = minutes.sum(0) / np.maximum(visits.sum(0), 1)[:, None]
    mpc = np.where(visits[..., None] > 0, minutes / safe[..., None], level_min[None])
    st = wh["staffing"]
    st = (
        st[st.year == base_year]
        .groupby(st.profession.astype(str))
        .agg(fte=("fte", "sum"), hours=("practical_hours", "sum"))
        .reindex(list(PROFESSIONS))
    )
    cap = wh["capacity"]
    cap = cap[(cap.year == base_year) & (cap.resource == "bed_day")].set_index("unit_id")
    days = 366 if base_year % 4 == 0 and (base_year % 100 or base_year % 400 == 0) else 365
    ward_bd = (
        act[
            (act.resource == "bed_day") & act.encounter_id.isin(e.encounter_id[e.year == base_year])
        ]
        .groupby("unit_id", observed=True)
        .quantity.sum()
    )
    excess = (
        np.maximum(
            cap.practical_quantity - ward_bd.reindex(cap.index).fillna(0) / TARGET_OCCUPANCY, 0
        ).sum()
        / days
    )
    return Baseline(
        base_year=int(base_year),
        residents=float(a["person_years"].sum()),
        segments=("all",) + names,
        member={"all": np.ones(C)}
        | {n: ((cells >> i) & 1).astype(float) for i, n in enumerate(names)},
        cell_band=(cells >> len(names)).astype(int),
        person_years=a["person_years"],
        visits=visits,
        acute=a["acute"],
        bed_days=a["bed_days"],
        bed_days_acute=a["bed_days_acute"],
        cost=a["cost"],
        bed_cost=a["bed_cost"],
        minutes=minutes,
        readmissions=a["readmissions"],
        cost_per_contact=cpc,
        minutes_per_contact=mpc,
        staffed_beds=float(cap.practical_quantity.sum() / days),
        excess_beds=float(excess),
        fte=st.fte.fillna(0).to_numpy(),
        practical_minutes_per_fte=(st.hours * 60 / st.fte).fillna(1e9).to_numpy(),
        cost_per_minute=np.nan_to_num(s["per_minute"].reindex(list(PROFESSIONS)).to_numpy(float)),
        cost_per_bed_day=s["per_bed_day"],
        unused_ward_sek=s["unused_ward"],
        unused_other_sek=s["unused_other"],
        unused_ward_minutes=s["ward_minutes"].reindex(list(PROFESSIONS)).fillna(0).to_numpy(),
        removable_ward_sek=s["removable_ward"],
        removable_ward_minutes=s["removable_ward_minutes"]
        .reindex(list(PROFESSIONS))
        .fillna(0)
        .to_numpy(),
        costs="simple" if tables is None else "pec",
        by_year=by_year,
    )


@lru_cache(maxsize=1)
def example_baseline() -> Baseline:
    """The baseline of the example region with its PEC costs, built once (read-only).

    Examples
    --------
    >>> example_baseline().base_year
    2024
    """
    from pecdata.examples import example_costed_warehouse

    return build_baseline(example_costed_warehouse())
