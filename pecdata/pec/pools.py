"""Resource pools of Patient Encounter Cost (PEC): cost supplied, practical capacity, rates.

This module turns the HR tables (``staffing``, ``capacity``) and the general
ledger (``ledger`` with ``accounts``) into *resource pools*, and the recorded
use (``activities``) into the quantity each pool delivered. :mod:`pecdata.pec`
then charges encounters. Everything is held in small dense arrays indexed by
(component, year, unit, resource) -- a region has ~70 units and 11 resources,
so the arrays are tiny and every step is vectorised.

The rules (the assumptions a planner should know)
--------------------------------------------------
**Pools.** One pool per unit, year and resource:

* *staff pools*: unit x profession (``physician`` ... ``medical_secretary``),
  in minutes. Practical capacity = ``staffing.practical_hours`` x 60: paid
  hours less absence, training and breaks (about 80 % of paid time, Kaplan &
  Anderson's standard assumption [S28]).
* *bed-day pools* on wards (``unit_type == "ward"``) and *theatre pools* in
  surgical centres (``"surgical_centre"``): capacity from the ``capacity``
  table (bed-days available; theatre minutes).
* *service pools*: an imaging or laboratory unit is one pool (exams or
  tests, capacity from ``capacity``) that holds the **whole** unit's
  patient-related cost -- its staff, equipment, reagents, premises and
  support -- as the internal price of an exam or a test. Staffing rows of
  these units are therefore not pools of their own.

**Cost supplied** (ledger accounts by ``accounts.account_group``):

* ``salaries``: an account with ``accounts.profession`` goes to that
  profession's staff pool; a salary account without a profession is split
  over the unit's staff pools pro rata ``staffing.paid_hours``.
* ``on_costs`` (employer on-costs): over the unit's staff pools pro rata the
  salaries they received (pro rata paid hours if the unit has no salaries).
* ``premises`` and ``equipment``: to the bed-day pool (wards) or theatre
  pool (surgical centres); at other units to the staff pools pro rata their
  staff cost (premises serve the staff who see the patients).
* ``it`` and ``administration`` (*support*): to the unit's pools pro rata
  their other cost, so support reaches encounters through the capacity cost
  rates, exactly like the resources it supports (Kaplan & Anderson's TDABC
  includes indirect and support costs in the capacity cost rate). Unused
  capacity therefore carries its share of support too. The part of each rate
  that comes from support is kept apart, so every encounter's support cost is
  reported separately (``support_sek``).
* ``drugs`` and ``supplies``: amounts recorded on activities are *traced*
  and go straight to the encounter. The ledger's remainder (ward stock and
  other untraced use) is allocated pro rata bed-days on wards and pro rata
  recorded staff minutes at other units (patients who stay longer or take
  more staff time use more of the stock). At imaging and laboratory units the
  remainder is part of the service pool.
* accounts with ``patient_related == False`` (research and education) are
  not charged to patients: they are listed in ``non_patient_costs``.

**Rates and unused capacity.** Capacity cost rate = cost supplied /
practical capacity. Unused capacity = (practical - used) x rate; when used
exceeds practical capacity the pool is flagged ``over_capacity`` and its
unused capacity is negative (never hidden, never divided by zero). Full
absorption (view b) spreads each pool's unused capacity over the pool's users
pro rata their use, so a pool's users carry its whole cost.

**Problems are listed, never dropped.** A pool with cost but no practical
capacity (``capacity_missing``) has no rate: view a reports its whole cost as
unused capacity and view b spreads it over its users. A pool with cost and no
use in the year is absorbed (view b) by the unit's other used pools pro rata
their cost. Ledger amounts that no rule can place (an account missing from
``accounts``, a patient-related account of an unknown group, on-costs at a
unit without staff, untraced stock at a unit without any driver) are
*unallocated*; pool costs that no encounter can absorb are *unabsorbed*. Each
case is a row of the warnings table and appears in the reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pecdata.pec.pool_problems import Warnings, pool_warnings
from pecdata.warehouse.schema import POOL_RESOURCES, PROFESSIONS, RESOURCE_MEASURE, RESOURCES

__all__ = [
    "Pools",
    "build_pools",
    "POOL_RESOURCES",
    "COMPONENTS",
    "MEASURE",
    "FACILITY",
    "SERVICE",
    "MINUTES_PER_HOUR",
]

#: Index of each resource in the dense arrays
#: (the order of :data:`pecdata.warehouse.schema.RESOURCES`).
RES = {r: i for i, r in enumerate(RESOURCES)}
N_RES = len(RESOURCES)
N_STAFF = len(PROFESSIONS)
#: Resources that form capacity pools (:data:`pecdata.warehouse.schema.POOL_RESOURCES`); the others,
#: drugs and supplies, are traced in SEK.
N_POOL = len(POOL_RESOURCES)
DIRECT = slice(N_POOL, N_RES)  # drugs, supplies
assert RESOURCES[:N_POOL] == POOL_RESOURCES and RESOURCES[N_POOL:] == ("drugs", "supplies")
#: The measure of each resource's quantity (the schema's).
MEASURE = RESOURCE_MEASURE
#: Unit types whose premises and equipment form a pool of their own, and its resource.
FACILITY = {"ward": "bed_day", "surgical_centre": "theatre"}
#: Unit types costed as one service pool (the whole unit's cost per exam or test).
SERVICE = {"imaging": "imaging", "laboratory": "laboratory"}
#: Parts of a pool's cost, kept apart so every encounter's cost has a breakdown.
COMPONENTS = ("staff", "beds_rooms", "service", "support")
STAFF, BEDS_ROOMS, SERVICE_C, SUPPORT = range(4)
MINUTES_PER_HOUR = 60.0
#: Account groups and where they go (see the module docstring).
GROUPS = (
    "salaries",
    "on_costs",
    "drugs",
    "supplies",
    "premises",
    "equipment",
    "it",
    "administration",
)


@dataclass
class Pools:
    """Every pool of the selected years as dense arrays, plus what could not be placed.

    Arrays are indexed ``[year, unit, resource]`` (``cost`` has a leading
    component axis, see :data:`COMPONENTS`); resources follow
    :data:`pecdata.warehouse.schema.RESOURCES`. ``used`` holds recorded quantities, and
    for drugs and supplies the traced SEK.
    """

    years: np.ndarray
    unit_ids: np.ndarray
    unit_types: np.ndarray
    cost: np.ndarray  # (4, Y, U, R) cost supplied per component, SEK
    capacity: np.ndarray  # (Y, U, R) practical capacity
    used: np.ndarray  # (Y, U, R) recorded use
    untraced_rate: np.ndarray  # (Y, U, R) untraced drugs/supplies SEK per unit of driver
    absorbed_rate: np.ndarray  # (Y, U, R) view b: unused capacity SEK per unit used
    ledger: np.ndarray  # (Y, U) ledger total
    non_patient: np.ndarray  # (Y, U)
    unallocated: np.ndarray  # (Y, U) ledger amounts no rule could place
    unabsorbed: np.ndarray  # (Y, U) pool cost no encounter could absorb (view b)
    untraced: np.ndarray  # (Y, U) untraced drugs/supplies allocated to encounters
    non_patient_rows: pd.DataFrame
    warnings: list = field(default_factory=list)

    @property
    def total_cost(self) -> np.ndarray:
        """Cost supplied per pool (all components), SEK."""
        return self.cost.sum(axis=0)

    @property
    def rates(self) -> np.ndarray:
        """Capacity cost rate per component, ``(4, Y, U, R)``; 0 where capacity is missing."""
        cap = self.capacity[None]
        return np.divide(self.cost, cap, out=np.zeros_like(self.cost), where=cap > 0)

    @property
    def charged(self) -> np.ndarray:
        """View a: used x rate per pool (capacity pools only), SEK."""
        out = self.used * self.rates.sum(axis=0)
        out[..., N_POOL:] = 0.0
        return out

    @property
    def unused_cost(self) -> np.ndarray:
        """Cost of unused capacity per pool: cost supplied - charged (negative if over)."""
        out = self.total_cost - self.charged
        out[..., N_POOL:] = 0.0
        return out

    @property
    def exists(self) -> np.ndarray:
        """Pools with any cost, capacity or use (capacity pools only)."""
        e = (self.total_cost != 0) | (self.capacity > 0) | (self.used > 0)
        e[..., N_POOL:] = False
        return e


def _spread(amount: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``amount[y, u]`` over resources pro rata ``weights[y, u, r]``.

    Returns the allocation ``(Y, U, R)`` and the amount left where the weights are all 0.
    """
    weights = np.clip(weights, 0.0, None)
    total = weights.sum(axis=2)
    ok = total > 0
    share = np.divide(weights, total[..., None], out=np.zeros_like(weights), where=ok[..., None])
    return amount[..., None] * share, np.where(ok, 0.0, amount)


def _index(values, index: pd.Index, table: str, column: str, frame: pd.DataFrame) -> np.ndarray:
    idx = index.get_indexer(pd.Index(np.asarray(values).astype(str)))
    if (idx < 0).any():
        row = int(np.argmax(idx < 0))
        bad = sorted(set(np.asarray(values).astype(str)[idx < 0]))
        raise ValueError(
            f"{table}.{column}: {int((idx < 0).sum()):,} rows refer to unknown "
            f"values ({', '.join(map(repr, bad[:5]))}), e.g. row {row}: "
            f"{frame.iloc[row].to_dict()}"
        )
    return idx


def build_pools(years, unit_ids, unit_types, used, staffing, capacity, ledger, accounts) -> Pools:
    """Pools, rates and absorption for the selected years (see the module docstring).

    Parameters
    ----------
    years : array of int
        The years costed, sorted.
    unit_ids, unit_types : array of str
        The ``units`` table's keys and types, in one order (the unit axis).
    used : ndarray, shape (years, units, resources)
        Recorded quantities per pool (and traced SEK for drugs and supplies).
    staffing, capacity, ledger, accounts : DataFrame
        The warehouse tables of those names.

    Returns
    -------
    Pools

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> pools = cost_encounters(example_warehouse(), years=[2022]).pools
    >>> pools.cost.shape[0], pools.used.shape[2]   # components, resources
    (4, 11)
    >>> bool((pools.rates >= 0).all())
    True
    """
    years = np.asarray(years)
    Y, U = len(years), len(unit_ids)
    units = pd.Index(np.asarray(unit_ids).astype(str))
    warn = Warnings(years, unit_ids)
    svc = np.isin(unit_types, list(SERVICE))
    fac_r = np.array([RES[FACILITY[t]] if t in FACILITY else -1 for t in unit_types])
    svc_r = np.array([RES[SERVICE[t]] if t in SERVICE else -1 for t in unit_types])

    def yu(frame, table):
        frame = frame[frame["year"].isin(years)]
        return (
            frame,
            np.searchsorted(years, frame["year"].to_numpy()),
            _index(frame["unit_id"], units, table, "unit_id", frame),
        )

    # --- capacity: staffing (minutes) and the capacity table --------------------------------
    paid, cap = np.zeros((Y, U, N_RES)), np.zeros((Y, U, N_RES))
    st, yi, ui = yu(staffing, "staffing")
    ri = _index(st["profession"], pd.Index(RESOURCES), "staffing", "profession", st)
    np.add.at(paid, (yi, ui, ri), st["paid_hours"].to_numpy(float))
    np.add.at(cap, (yi, ui, ri), st["practical_hours"].to_numpy(float) * MINUTES_PER_HOUR)
    paid[:, svc, :] = 0.0  # service units' staff are part of the service pool
    cap[:, svc, :N_STAFF] = 0.0
    ca, yi, ui = yu(capacity, "capacity")
    ri = _index(ca["resource"], pd.Index(RESOURCES), "capacity", "resource", ca)
    np.add.at(cap, (yi, ui, ri), ca["practical_quantity"].to_numpy(float))

    # --- the ledger by account group ----------------------------------------------------------
    led, yi, ui = yu(ledger, "ledger")
    amount = led["amount_sek"].to_numpy(float)
    acc = accounts.assign(account=accounts["account"].astype(str)).set_index("account")
    account = led["account"].astype(str)
    known = account.isin(acc.index).to_numpy()
    group = account.map(acc["account_group"].astype(str)).to_numpy(object)
    patient = account.map(acc["patient_related"]).fillna(True).to_numpy(bool)
    profession = account.map(acc["profession"].astype(object)).to_numpy(object)
    total = np.zeros((Y, U))
    np.add.at(total, (yi, ui), amount)
    by_group = {g: np.zeros((Y, U)) for g in GROUPS + ("non_patient", "unmapped")}
    key = np.where(
        ~known | (patient & ~np.isin(group, GROUPS)),
        "unmapped",
        np.where(patient, group, "non_patient"),
    )
    for g, arr in by_group.items():
        m = key == g
        np.add.at(arr, (yi[m], ui[m]), amount[m])
    for row in np.flatnonzero(key == "unmapped"):
        why = (
            "is not in the accounts table"
            if not known[row]
            else f"is patient-related but its group {group[row]!r} maps to no pool"
        )
        warn.add(
            "unmapped_account",
            yi[row],
            ui[row],
            None,
            amount[row],
            f"ledger account {account.iloc[row]} at {unit_ids[ui[row]]} {years[yi[row]]} "
            f"{why}: {amount[row]:,.2f} SEK left unallocated",
        )
    sal_prof = np.zeros((Y, U, N_RES))
    m = (key == "salaries") & pd.notna(profession)
    np.add.at(
        sal_prof,
        (
            yi[m],
            ui[m],
            _index(profession[m], pd.Index(RESOURCES), "accounts", "profession", led[m]),
        ),
        amount[m],
    )
    sal_any = by_group["salaries"] - sal_prof.sum(axis=2)  # salary accounts without profession
    direct_ledger = np.stack([by_group["drugs"], by_group["supplies"]], axis=2)
    traced = used[..., DIRECT]
    unallocated = by_group["unmapped"].copy()

    # --- service units: the whole unit is one pool --------------------------------------------
    cost = np.zeros((4, Y, U, N_RES))
    svc_cost = (sum(by_group[g] for g in GROUPS) - traced.sum(axis=2))[:, svc]
    for j, u in enumerate(np.flatnonzero(svc)):
        cost[SERVICE_C, :, u, svc_r[u]] = svc_cost[:, j]
    keep = ~svc[None, :]
    for g in by_group:
        if g not in ("non_patient", "unmapped"):
            by_group[g] = by_group[g] * keep
    sal_prof *= keep[..., None]
    sal_any *= keep
    direct_ledger *= keep[..., None]

    def place(amount, weights, what, pools):
        alloc, left = _spread(amount, weights)
        warn.each(
            left != 0,
            "no_pool",
            left,
            "{unit} {year}: {amount:,.2f} SEK of "
            + what
            + " cannot be allocated: the unit has no "
            + pools,
        )
        unallocated[...] += left
        return alloc

    # --- staff pools: salaries and on-costs ---------------------------------------------------
    salary = sal_prof + place(
        sal_any, paid, "salaries without a profession", "staffing (paid hours) to split them by"
    )
    weights = np.where(salary.sum(axis=2, keepdims=True) > 0, salary, paid)
    cost[STAFF] = salary + place(
        by_group["on_costs"], weights, "employer on-costs", "salaries or staffing"
    )
    # --- beds and rooms: premises and equipment -----------------------------------------------
    rooms = by_group["premises"] + by_group["equipment"]
    has_fac = fac_r >= 0
    for u in np.flatnonzero(has_fac):
        cost[BEDS_ROOMS, :, u, fac_r[u]] = rooms[:, u]
    cost[BEDS_ROOMS] += place(
        rooms * ~has_fac[None, :], cost[STAFF], "premises and equipment", "staff pools"
    )
    # --- support: IT and administration, pro rata the pools' other cost ------------------------
    cost[SUPPORT] = place(
        by_group["it"] + by_group["administration"],
        cost[STAFF] + cost[BEDS_ROOMS],
        "IT and administration (support)",
        "pools with cost",
    )

    # --- untraced drugs and supplies ------------------------------------------------------------
    diff = direct_ledger - traced * keep[..., None]
    for k, name in enumerate(("drugs", "supplies")):
        warn.each(
            diff[..., k] < -0.005,
            "traced_exceeds_ledger",
            -diff[..., k],
            "{unit} {year}: traced "
            + name
            + " exceed the ledger's "
            + name
            + " by {amount:,.2f} SEK; the excess is allocated back as a negative "
            "untraced amount",
        )
    untraced = diff.sum(axis=2)
    driver = np.zeros((Y, U, N_RES))
    ward = np.asarray(unit_types) == "ward"
    driver[:, ward, RES["bed_day"]] = used[:, ward, RES["bed_day"]]
    driver[:, ~ward, :N_STAFF] = used[:, ~ward, :N_STAFF]
    dtot = driver.sum(axis=2)
    ok = dtot > 0
    untraced_rate = np.where(
        driver > 0, np.divide(untraced, dtot, out=np.zeros_like(dtot), where=ok)[..., None], 0.0
    )
    left = np.where(ok, 0.0, untraced)
    warn.each(
        np.abs(left) > 0.005,
        "no_driver",
        left,
        "{unit} {year}: {amount:,.2f} SEK of "
        "untraced drugs and supplies cannot be allocated: no bed-days or staff minutes "
        "were recorded there",
    )
    unallocated += left

    pools = Pools(
        years,
        np.asarray(unit_ids),
        np.asarray(unit_types),
        cost,
        cap,
        used,
        untraced_rate,
        np.zeros((Y, U, N_RES)),
        total,
        by_group["non_patient"],
        unallocated,
        np.zeros((Y, U)),
        untraced - left,
        _non_patient_rows(led, key, acc),
        warn,
    )
    _absorb(pools, warn)
    pool_warnings(pools, warn)
    return pools


def _absorb(p: Pools, warn: Warnings) -> None:
    """View b: each pool's unused capacity over its users; pools without users over the unit."""
    used = p.used.copy()
    used[..., N_POOL:] = 0.0
    unused = p.unused_cost
    users = used > 0
    p.absorbed_rate[...] = np.divide(unused, used, out=np.zeros_like(unused), where=users)
    orphan = np.where(users, 0.0, unused)
    warn.each(
        orphan != 0,
        "no_use",
        orphan,
        "pool {unit}:{res} {year} has {amount:,.2f} SEK "
        "of cost but no recorded use; view b spreads it over the unit's used pools",
    )
    alloc, left = _spread(orphan.sum(axis=2), np.where(users, p.total_cost, 0.0))
    p.absorbed_rate += np.divide(alloc, used, out=np.zeros_like(alloc), where=users)
    warn.each(
        left != 0,
        "unabsorbed",
        left,
        "{unit} {year}: {amount:,.2f} SEK of pool cost "
        "has no encounter to absorb it (no used pool with cost at the unit)",
    )
    p.unabsorbed[...] = left


def _non_patient_rows(led: pd.DataFrame, key: np.ndarray, acc: pd.DataFrame) -> pd.DataFrame:
    rows = led[key == "non_patient"]
    out = pd.DataFrame(
        {
            "unit_id": rows["unit_id"].astype(str).to_numpy(),
            "year": rows["year"].to_numpy(np.int64),
            "account": rows["account"].astype(str).to_numpy(),
            "account_name": rows["account"]
            .astype(str)
            .map(acc["account_name"].astype(str))
            .to_numpy(),
            "amount_sek": rows["amount_sek"].to_numpy(float),
        }
    )
    for c in ("unit_id", "account", "account_name"):
        out[c] = out[c].astype("str")
    return out.sort_values(["year", "unit_id", "account"], ignore_index=True)
