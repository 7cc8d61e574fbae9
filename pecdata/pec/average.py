"""Traditional average costing beside PEC, and where the averages misstate cost.

*Average costing* (genomsnittskostnad) divides each unit's cost by its volume:
cost per visit, per bed-day, per operation, per exam or per test. It is what a
region can compute from the ledger and a visit count alone. An encounter then
costs the average of every unit it used: one visit (or operation) at each
clinic, centre or surgical centre, plus bed-days x the ward's cost per
bed-day, plus exams and tests x the imaging and laboratory averages.

Assumptions: a unit's cost is its patient-related ledger (accounts with
``patient_related`` True; research and education left out, as in PEC), so
both methods divide the same total; a *visit* is an encounter with any
recorded activity at the unit (for surgical centres: an operation or a day
surgery); volumes are counted in the encounter's year.

:func:`compare_costing` sets the averages beside PEC for groups where the
two should differ: short and long visits (an average charges every visit
alike), complex patients (more conditions, longer and costlier contacts), and
units with much unused capacity (an average loads the idle capacity onto the
patients who came; PEC's view a does not).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from pecdata.warehouse.schema import CARE_LEVELS, PROFESSIONS, RESOURCES

__all__ = [
    "average_costing",
    "average_encounter_costs",
    "compare_costing",
    "simple_encounter_costs",
]

#: Volume of each unit type: the resource counted (None: encounters) and its measure;
#: other units count visits.
VOLUME = {
    "ward": ("bed_day", "bed_days"),
    "imaging": ("imaging", "exams"),
    "laboratory": ("laboratory", "tests"),
    "surgical_centre": (None, "operations"),
}
UTILISATION_BANDS = (
    (0.0, 0.70, "below 70 %"),
    (0.70, 0.85, "70-85 %"),
    (0.85, np.inf, "85 % or more"),
)
COMPARISONS = {
    "care level": 0,
    "visit length": 1,
    "patient complexity": 2,
    "unit staff utilisation": 3,
}
GROUP_ORDER = (
    *CARE_LEVELS,
    "shortest 20 %",
    "middle 60 %",
    "longest 20 %",
    "no chronic condition",
    "1 condition",
    "2 conditions",
    "3 or more conditions",
    *(b[2] for b in UTILISATION_BANDS),
    "no staff pools",
)


class _Coded:
    """Activities of the years as integer codes (the same lookup PEC uses)."""

    def __init__(self, wh: Mapping, years):
        from pecdata.pec.engine import _activity_codes, _select_years

        self.years = _select_years(wh, years)
        units = wh["units"]
        self.unit_ids = units["unit_id"].astype(str).to_numpy()
        self.unit_types = units["unit_type"].astype(str).to_numpy()
        keep, self.pos, code, self.qty = _activity_codes(wh, self.years, pd.Index(self.unit_ids))
        self.encounters = wh["encounters"] if keep.all() else wh["encounters"][keep]
        self.yi, self.ui, self.ri = np.unravel_index(
            code, (len(self.years), len(self.unit_ids), len(RESOURCES))
        )
        U = len(self.unit_ids)
        first = np.zeros(len(code), dtype=bool)
        _, idx = np.unique(self.pos.astype(np.int64) * U + self.ui, return_index=True)
        first[idx] = True
        self.first = first  # first activity of each encounter at each unit
        res = np.array(
            [
                RESOURCES.index(VOLUME[t][0]) if VOLUME.get(t, (None,))[0] else -1
                for t in self.unit_types
            ]
        )
        self.per_quantity = res[self.ui] == self.ri  # bed-days, exams, tests
        self.per_visit = (res[self.ui] < 0) & self.first

    def dense(self, weights) -> np.ndarray:
        """Sum ``weights`` per (year, unit)."""
        shape = (len(self.years), len(self.unit_ids))
        return np.bincount(
            self.yi * shape[1] + self.ui, weights=weights, minlength=shape[0] * shape[1]
        ).reshape(shape)


def average_costing(
    wh: Mapping[str, pd.DataFrame], years: Iterable[int] | int | None = None
) -> pd.DataFrame:
    """Each unit's patient-related cost divided by its volume (visits, bed-days, exams ...).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
        Needs ``units``, ``encounters``, ``activities``, ``ledger`` and ``accounts``.
    years : int or iterable of int, optional
        Default: every year of the ledger.

    Returns
    -------
    DataFrame
        One row per unit and year: ``unit_id``, ``unit_type``, ``year``,
        ``cost_sek``, ``volume``, ``volume_measure`` (``visits``,
        ``bed_days``, ``operations``, ``exams`` or ``tests``) and
        ``average_cost_sek`` (cost per unit of volume; empty without volume).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> avg = average_costing(example_warehouse(), years=2022)
    >>> ward = avg[avg.unit_type == "ward"].iloc[0]
    >>> ward.volume_measure
    'bed_days'
    >>> bool(ward.average_cost_sek > 1_000)
    True
    """
    c = _Coded(wh, years)
    acc = wh["accounts"].assign(account=lambda d: d.account.astype(str))
    patient = acc.set_index("account")["patient_related"]
    led = wh["ledger"][wh["ledger"].year.isin(c.years)]
    led = led[led.account.astype(str).map(patient).fillna(True).astype(bool).to_numpy()]
    cost = np.zeros((len(c.years), len(c.unit_ids)))
    np.add.at(
        cost,
        (
            np.searchsorted(c.years, led.year.to_numpy()),
            pd.Index(c.unit_ids).get_indexer(led.unit_id.astype(str)),
        ),
        led.amount_sek.to_numpy(float),
    )
    volume = c.dense(np.where(c.per_quantity, c.qty, c.per_visit.astype(float)))
    measure = np.array([VOLUME.get(t, (None, "visits"))[1] for t in c.unit_types], dtype=object)
    Y, U = cost.shape
    out = pd.DataFrame(
        {
            "unit_id": np.tile(c.unit_ids, Y),
            "unit_type": np.tile(c.unit_types, Y),
            "year": np.repeat(c.years, U).astype(np.int64),
            "cost_sek": cost.ravel(),
            "volume": volume.ravel(),
            "volume_measure": np.tile(measure, Y),
        }
    )
    out = out[(out.cost_sek != 0) | (out.volume > 0)]
    out["average_cost_sek"] = np.where(
        out.volume > 0, out.cost_sek / out.volume.where(out.volume > 0, 1.0), np.nan
    )
    out = out.astype({"unit_id": "str", "unit_type": "str", "volume_measure": "str"})
    return out.sort_values(["year", "unit_id"], ignore_index=True)


def _average_rows(c: _Coded, average: pd.DataFrame) -> np.ndarray:
    """The average-costing charge of every activity row."""
    rate = np.zeros((len(c.years), len(c.unit_ids)))
    yi = np.searchsorted(c.years, average.year.to_numpy())
    ok = np.isin(average.year.to_numpy(), c.years)
    ui = pd.Index(c.unit_ids).get_indexer(average.unit_id.astype(str))
    rate[yi[ok], ui[ok]] = average.average_cost_sek.fillna(0.0).to_numpy()[ok]
    r = rate[c.yi, c.ui]
    return np.where(c.per_quantity, c.qty * r, np.where(c.per_visit, r, 0.0))


def average_encounter_costs(wh: Mapping[str, pd.DataFrame], average: pd.DataFrame) -> pd.Series:
    """Cost of every encounter under average costing (indexed by ``encounter_id``).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> wh = example_warehouse()
    >>> avg = average_costing(wh, years=2022)
    >>> per_encounter = average_encounter_costs(wh, avg)
    >>> bool(abs(per_encounter.sum() - avg.cost_sek[avg.volume > 0].sum()) < 1.0)
    True
    """
    c = _Coded(wh, sorted(average.year.unique().tolist()))
    cost = np.bincount(c.pos, weights=_average_rows(c, average), minlength=len(c.encounters))
    return pd.Series(cost, index=c.encounters.encounter_id.to_numpy(), name="average_cost_sek")


def _groups(pec, c: _Coded) -> dict[str, np.ndarray]:
    """Encounter groups for the comparison: one label per encounter (None: not in it)."""
    ec = pec.encounter_costs
    level = ec.care_level.astype(str).to_numpy()
    minutes = np.bincount(
        c.pos, weights=np.where(c.ri < len(PROFESSIONS), c.qty, 0.0), minlength=len(ec)
    )
    pct = pd.Series(minutes).groupby(level).rank(pct=True).to_numpy()
    length = np.select(
        [pct <= 0.2, pct > 0.8], ["shortest 20 %", "longest 20 %"], "middle 60 %"
    ).astype(object)
    length[level == "inpatient"] = None
    resident = ec.resident_id.to_numpy(np.int64)
    year = ec.year.to_numpy(np.int64)
    n_cond = np.zeros(len(ec))
    if "conditions" in pec.warehouse:
        cond = pec.warehouse["conditions"]
        onset = pd.to_datetime(cond.onset_date).dt.year.to_numpy()
        rid = cond.resident_id.to_numpy(np.int64)
        size = int(max(rid.max(initial=0), resident.max(initial=0))) + 1
        for y in np.unique(year):
            counts = np.bincount(rid[onset <= y], minlength=size)
            n_cond[year == y] = counts[resident[year == y]]
    complexity = np.select(
        [n_cond == 0, n_cond == 1, n_cond == 2],
        ["no chronic condition", "1 condition", "2 conditions"],
        "3 or more conditions",
    )
    r = pec.pool_rates[pec.pool_rates.resource.isin(PROFESSIONS)]
    util = r.groupby(["unit_id", "year"])[["used_quantity", "practical_capacity"]].sum()
    util = util.used_quantity / util.practical_capacity
    u = util.reindex(pd.MultiIndex.from_arrays([ec.unit_id.astype(str), year])).to_numpy()
    band = np.full(len(ec), "no staff pools", dtype=object)
    for lo, hi, label in UTILISATION_BANDS:
        band[(u >= lo) & (u < hi)] = label
    return {
        "care level": level,
        "visit length": length,
        "patient complexity": complexity,
        "unit staff utilisation": band,
    }


def compare_costing(pec, average: pd.DataFrame | None = None) -> pd.DataFrame:
    """Average costing against PEC, group by group: where do averages misstate cost?

    Parameters
    ----------
    pec : PecResult
        From :func:`pecdata.pec.cost_encounters` (it keeps its warehouse).
    average : DataFrame, optional
        From :func:`average_costing` for the same years (computed if omitted).

    Returns
    -------
    DataFrame
        One row per comparison and group: ``comparison`` (``care level``,
        ``visit length`` [visits only: shortest/longest 20 % of recorded staff
        minutes within their care level], ``patient complexity`` [chronic
        conditions of the resident by the encounter's year], ``unit staff
        utilisation`` [used / practical minutes of the responsible unit's
        staff pools]), ``group``, ``encounters``, mean cost per encounter by
        ``pec_sek`` (view a), ``pec_full_sek`` (view b) and ``average_sek``,
        and ``average_vs_pec_pct`` / ``average_vs_full_pct``: how far the
        average is above (+) or below (-) PEC, in %.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> cmp = compare_costing(cost_encounters(example_warehouse(), years=2022))
    >>> short, long = (cmp.query("comparison == 'visit length'").set_index("group")
    ...                .loc[["shortest 20 %", "longest 20 %"], "average_vs_full_pct"])
    >>> bool(short > long)   # averages overcharge short visits and undercharge long ones
    True
    """
    wh = pec.warehouse
    if wh is None:
        raise ValueError(
            "compare_costing needs the PecResult of cost_encounters(wh): it has no warehouse"
        )
    years = sorted(pec.encounter_costs.year.unique().tolist())
    c = _Coded(wh, years)
    if average is None:
        average = average_costing(wh, years)
    ec = pec.encounter_costs
    avg = np.bincount(c.pos, weights=_average_rows(c, average), minlength=len(ec))
    values = pd.DataFrame(
        {
            "pec_sek": ec.cost_sek.to_numpy(),
            "pec_full_sek": ec.cost_full_sek.to_numpy(),
            "average_sek": avg,
        }
    )
    frames = []
    for comparison, labels in _groups(pec, c).items():
        has = pd.notna(labels)
        g = values[has].groupby(labels[has].astype(str), sort=False)
        stats = g.mean().assign(encounters=g.size())
        frames.append(stats.rename_axis("group").reset_index().assign(comparison=comparison))
    out = pd.concat(frames, ignore_index=True)
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    out = out.sort_values(
        ["comparison", "group"],
        key=lambda s: s.map(order if s.name == "group" else COMPARISONS).fillna(99),
        kind="stable",
    )
    out["average_vs_pec_pct"] = 100 * (out.average_sek / out.pec_sek - 1)
    out["average_vs_full_pct"] = 100 * (out.average_sek / out.pec_full_sek - 1)
    out = out.astype({"comparison": "str", "group": "str", "encounters": "int64"})
    return out[
        [
            "comparison",
            "group",
            "encounters",
            "pec_sek",
            "pec_full_sek",
            "average_sek",
            "average_vs_pec_pct",
            "average_vs_full_pct",
        ]
    ].reset_index(drop=True)


def simple_encounter_costs(wh) -> pd.Series:
    """Average costing per encounter: each unit's cost spread evenly over its volume.

    A stand-in for PEC where PEC tables are absent; the same method as
    :func:`pecdata.pec.average.average_costing` (visits, bed-days, operations, exams or
    tests per unit and year), applied to every encounter. Indexed by
    ``encounter_id``.
    """
    return average_encounter_costs(wh, average_costing(wh)).rename("cost_sek")
