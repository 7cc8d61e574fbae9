"""What-if scenarios: interventions as data, and an engine that recomputes the region.

Step 7 of the method asks *what would happen if ...?* An :class:`Intervention`
states, as plain data, whom it reaches (a population segment), what it changes
(acute admissions, length of stay, ED visits, visits moved between levels of care,
unused ward capacity), what it needs (staff, running and start-up costs) and how
fast it ramps up. :func:`run_scenario` applies a list of interventions to a
:class:`Baseline` summary of the region built once by
:func:`build_baseline`, and reports cost (at PEC rates), capacity and outcome
proxies by planning year, beside the baseline.

Costs follow the logic of time-driven costing: care that no longer happens frees
capacity (staff minutes, bed-days), but the money is saved only when that capacity
is released (posts not refilled, beds closed). ``capacity_released`` says how much
of the freed capacity management actually removes; the rest shows up as unused
capacity (outnyttjad kapacitet).

The engine works on a compact summary (counts, bed-days, PEC cost and staff
minutes per cell of age band x segments, level of care and year), so one scenario
takes about a millisecond whatever the size of the region. That summary is built
in :mod:`pecdata.planning.baseline` (:class:`Baseline`, :func:`build_baseline` and
:func:`example_baseline` are re-exported here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.planning.baseline import TARGET_OCCUPANCY, Baseline, build_baseline, example_baseline  # noqa: F401
from pecdata.planning.interventions import (
    AGE_BAND_LABELS,
    LEVELS,
    PROFESSIONS,
    SEGMENTS,
    Intervention,
    Shift,
    _check_share,
    segment_membership,
)

__all__ = [
    "Shift",
    "Intervention",
    "Baseline",
    "build_baseline",
    "segment_membership",
    "run_scenario",
    "scenario_summary",
    "example_baseline",
    "MEASURES",
    "DEFAULT_DISCOUNT_RATE",
    "SEGMENTS",
    "AGE_BAND_LABELS",
]

#: Measures reported by :func:`run_scenario`: key -> (label, unit, group).
MEASURES = {
    "care_cost_sek": ("Cost of care at PEC rates", "SEK", "cost"),
    "unused_capacity_sek": ("Cost of unused capacity (outnyttjad kapacitet)", "SEK", "cost"),
    "intervention_cost_sek": ("Interventions' own costs", "SEK", "cost"),
    "total_cost_sek": ("Total cost", "SEK", "cost"),
    "bed_days": ("Bed-days (vårddagar)", "bed-days", "capacity"),
    "beds_needed": ("Beds needed at target occupancy", "beds", "capacity"),
    "staffed_beds": ("Staffed beds (disponibla vårdplatser)", "beds", "capacity"),
    "staff_fte": ("Staff, all professions", "FTE", "capacity"),
    **{f"fte_{p}": (f"Staff: {p.replace('_', ' ')}", "FTE", "capacity") for p in PROFESSIONS},
    "acute_admissions": ("Acute admissions (akuta inskrivningar)", "episodes", "outcome"),
    "readmissions_30d": ("30-day readmissions (återinskrivningar)", "episodes", "outcome"),
    "ed_visits": ("Emergency department visits (akutbesök)", "visits", "outcome"),
    **{
        f"visits_{lv}": (f"Contacts: {lv.replace('_', ' ')}", "contacts", "activity")
        for lv in LEVELS
    },
    "person_years": ("Residents (person-years)", "person-years", "population"),
}


def _intensity(iv: Intervention, horizon: int) -> np.ndarray:
    """Share of the segment reached with full effect in each planning year."""
    out = np.zeros(horizon)
    for t in range(iv.start, horizon):
        i = t - iv.start
        out[t] = iv.ramp[min(i, len(iv.ramp) - 1)]
    return out * iv.coverage


def _growth(b: Baseline, horizon: int, projection) -> np.ndarray:
    """(horizon, cells) volume index from a population projection (1 without one)."""
    if projection is None:
        return np.ones((horizon, len(b.cell_band)))
    need = {"year", "age_band", "index"}
    if not need <= set(projection.columns):
        raise ValueError(
            f"projection needs columns {sorted(need)} (from "
            f"pecdata.planning.projection.project_population); got {list(projection.columns)}"
        )
    idx = projection.pivot_table(index="year", columns="age_band", values="index", observed=True)
    years = [b.base_year + 1 + h for h in range(horizon)]
    missing = [y for y in years if y not in idx.index]
    if missing:
        raise ValueError(
            f"projection has no rows for years {missing}; project at least "
            f"{horizon} years from {b.base_year}"
        )
    idx = idx.reindex(columns=list(AGE_BAND_LABELS))
    return idx.loc[years].to_numpy()[:, b.cell_band]


def _evaluate(
    b: Baseline,
    interventions,
    horizon: int = 5,
    capacity_released: float = 0.5,
    projection=None,
    growth=None,
) -> dict:
    """The engine: arrays of shape (2, horizon) per measure, row 0 baseline, row 1 scenario."""
    _check_share("capacity_released", capacity_released, "run_scenario")
    if growth is None:
        growth = _growth(b, horizon, projection)
    H, C = growth.shape
    lv = {name: i for i, name in enumerate(LEVELS)}
    ip, ed = lv["inpatient"], lv["emergency"]
    g3 = growth[:, :, None]
    visits0 = b.visits * g3  # (H, C, L)
    planned0 = (b.visits - b.acute) * g3
    visits, planned = visits0.copy(), planned0.copy()
    adm_f = np.ones((H, C))
    los_f, ed_f, readm_f = adm_f.copy(), adm_f.copy(), adm_f.copy()
    ward_removed = np.zeros(H)
    reached = np.zeros(H)
    own_cost = np.zeros(H)
    added_fte = np.zeros((H, len(PROFESSIONS)))
    residents_100k = b.residents / 100_000
    seen = set()
    for iv in interventions:
        if not isinstance(iv, Intervention):
            raise ValueError(f"interventions must be Intervention objects, got {iv!r}")
        if iv.key in seen:
            raise ValueError(f"intervention {iv.key!r} appears twice in the scenario")
        seen.add(iv.key)
        if iv.segment not in b.segments:
            raise ValueError(
                f"Intervention {iv.key!r}: segment {iv.segment!r} is not in this "
                f"baseline (it has {list(b.segments)})"
            )
        k = _intensity(iv, H)
        e = k[:, None] * b.member[iv.segment][None, :]  # (H, C)
        adm_f *= 1 + e * iv.admissions
        los_f *= 1 + e * iv.length_of_stay
        ed_f *= 1 + e * iv.ed_visits
        readm_f *= 1 + e * iv.readmissions
        for s in iv.shifts:
            moved = planned[:, :, lv[s.from_level]] * e * s.share
            visits[:, :, lv[s.from_level]] -= moved
            planned[:, :, lv[s.from_level]] -= moved
            visits[:, :, lv[s.to_level]] += moved * s.ratio
            planned[:, :, lv[s.to_level]] += moved * s.ratio
        ward_removed += k * iv.unused_ward_capacity
        n = (growth * b.person_years[None, :] * b.member[iv.segment][None, :]).sum(1) * k
        reached += n
        staff = np.array([iv.staff_fte_per_1000.get(p, 0.0) for p in PROFESSIONS])
        added_fte += n[:, None] / 1000 * staff[None, :]
        started = np.arange(H) >= iv.start
        own_cost += (
            n * iv.cost_per_patient_sek
            + started * iv.fixed_cost_per_100k_sek * residents_100k
            + (np.arange(H) == iv.start) * iv.startup_cost_per_100k_sek * residents_100k
        )
    ward_removed = np.minimum(ward_removed, 1.0)
    # inpatient care: acute episodes scaled by the admission effects, their bed-days also by
    # the length-of-stay effects; planned episodes (and their bed-days) only move by shifts
    acute_ip0 = b.acute[:, ip] * growth
    acute_ip = acute_ip0 * adm_f
    episodes0 = visits0[:, :, ip]
    visits[:, :, ip] = planned[:, :, ip] + acute_ip
    planned_ratio = np.divide(
        planned[:, :, ip], planned0[:, :, ip], out=np.ones((H, C)), where=planned0[:, :, ip] > 0
    )
    bd0 = b.bed_days * growth
    bd = (
        b.bed_days - b.bed_days_acute
    ) * growth * planned_ratio + b.bed_days_acute * growth * adm_f * los_f
    visits[:, :, ed] *= ed_f
    # cost and staff time: per contact at each level, per bed-day for inpatient care
    cost0 = b.cost * g3
    cost = visits * b.cost_per_contact[None]
    ep_part = b.cost[:, ip] - b.bed_cost
    bd_ratio = np.divide(bd, bd0, out=np.ones_like(bd), where=bd0 > 0)
    ep_ratio = np.divide(visits[:, :, ip], episodes0, out=np.ones_like(bd), where=episodes0 > 0)
    cost[:, :, ip] = growth * (ep_part * ep_ratio + b.bed_cost * bd_ratio)
    minutes0 = b.minutes * g3[..., None]
    minutes = visits[..., None] * b.minutes_per_contact[None]
    minutes[:, :, ip, :] = minutes0[:, :, ip, :] * bd_ratio[..., None]
    # freed capacity (per level and profession, and bed-days) is saved only when released
    d_min = (minutes - minutes0).sum(1)  # (H, L, P)
    fte_per_min = 1 / b.practical_minutes_per_fte
    d_fte = np.where(d_min > 0, d_min, capacity_released * d_min) * fte_per_min
    freed_staff = (np.maximum(-d_min, 0) * b.cost_per_minute).sum((1, 2))
    d_bd = bd.sum(1) - bd0.sum(1)
    freed_beds = np.maximum(-d_bd, 0) * b.cost_per_bed_day
    unused0 = np.full(H, b.unused_ward_sek + b.unused_other_sek)
    # right-sizing removes capacity above what the wards need at target occupancy: its
    # saving is the cost of that capacity, not of all unused ward capacity
    removable = b.unused_ward_sek if b.removable_ward_sek is None else b.removable_ward_sek
    removable_min = (
        b.unused_ward_minutes if b.removable_ward_minutes is None else b.removable_ward_minutes
    )
    unused = (
        unused0 - ward_removed * removable + (1 - capacity_released) * (freed_staff + freed_beds)
    )
    staff_cost_per_fte = b.cost_per_minute * b.practical_minutes_per_fte
    own_cost = own_cost + (added_fte * staff_cost_per_fte).sum(1)
    care0, care = cost0.sum((1, 2)), cost.sum((1, 2))
    days = 365.0
    need0 = bd0.sum(1) / (days * b.target_occupancy)
    need = bd.sum(1) / (days * b.target_occupancy)
    d_need = need - need0
    beds = (
        b.staffed_beds
        - ward_removed * b.excess_beds
        + np.where(d_need > 0, d_need, capacity_released * d_need)
    )
    fte0 = np.tile(b.fte, (H, 1))
    fte = (
        fte0
        + d_fte.sum(1)
        + added_fte
        - ward_removed[:, None] * removable_min / b.practical_minutes_per_fte
    )
    readm0 = b.readmissions * growth
    out = {
        "care_cost_sek": (care0, care),
        "unused_capacity_sek": (unused0, unused),
        "intervention_cost_sek": (np.zeros(H), own_cost),
        "total_cost_sek": (care0 + unused0, care + unused + own_cost),
        "bed_days": (bd0.sum(1), bd.sum(1)),
        "beds_needed": (need0, need),
        "staffed_beds": (np.full(H, b.staffed_beds), beds),
        "staff_fte": (fte0.sum(1), fte.sum(1)),
        **{f"fte_{p}": (fte0[:, j], fte[:, j]) for j, p in enumerate(PROFESSIONS)},
        "acute_admissions": (acute_ip0.sum(1), acute_ip.sum(1)),
        "readmissions_30d": (readm0.sum(1), (readm0 * adm_f * readm_f).sum(1)),
        "ed_visits": (visits0[:, :, ed].sum(1), visits[:, :, ed].sum(1)),
        **{
            f"visits_{name}": (visits0[:, :, i].sum(1), visits[:, :, i].sum(1))
            for name, i in lv.items()
        },
        "person_years": ((growth * b.person_years).sum(1),) * 2,
        "_reached": (np.zeros(H), reached),
        "_own_fte": (np.zeros(H), added_fte.sum(1)),
        # staff needed where the work moves to (e.g. primary care taking follow-ups)
        "_moved_fte": (np.zeros(H), (np.maximum(d_min, 0) * fte_per_min).sum((1, 2))),
    }
    return {k: np.vstack(v) for k, v in out.items()}


def run_scenario(
    baseline: Baseline,
    interventions,
    horizon: int = 5,
    capacity_released: float = 0.5,
    projection: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Baseline and scenario, year by year: cost, capacity and outcome proxies.

    Parameters
    ----------
    baseline : Baseline
        The region summarised once by :func:`build_baseline`.
    interventions : list of Intervention
        The interventions in the scenario (an empty list gives the baseline).
    horizon : int
        Planning years after the base year (1-15).
    capacity_released : float
        Share (0-1) of freed staff time and beds that is actually removed; the rest
        stays as unused capacity. Added work is always staffed.
    projection : DataFrame, optional
        Population projection from :func:`pecdata.planning.projection.project_population`:
        volumes grow with each age band's population (prices fixed at the base year).

    Returns
    -------
    DataFrame
        One row per year and measure: ``year``, ``measure``, ``label``, ``unit``,
        ``group``, ``baseline``, ``scenario``, ``change`` and ``change_pct``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> b = example_baseline()
    >>> res = run_scenario(b, [catalogue()["mobile_home_team"]], horizon=3)
    >>> r = res.query("measure == 'acute_admissions'")
    >>> bool((r.scenario < r.baseline).all())
    True
    """
    if not isinstance(horizon, (int, np.integer)) or not 1 <= horizon <= 15:
        raise ValueError(f"horizon must be a whole number of years from 1 to 15, got {horizon!r}")
    arr = _evaluate(baseline, list(interventions), int(horizon), capacity_released, projection)
    return _frame(arr, baseline.base_year)


def _frame(arr: dict, base_year: int) -> pd.DataFrame:
    H = next(iter(arr.values())).shape[1]
    rows = []
    for m, (label, unit, group) in MEASURES.items():
        b, s = arr[m]
        for h in range(H):
            rows.append((base_year + 1 + h, m, label, unit, group, b[h], s[h]))
    df = pd.DataFrame(
        rows, columns=["year", "measure", "label", "unit", "group", "baseline", "scenario"]
    )
    df["change"] = df.scenario - df.baseline
    df["change_pct"] = 100 * df.change / df.baseline.where(df.baseline != 0)
    return df


#: Yearly discount rate of multi-year totals: 3 %, the rate of the Swedish Dental and
#: Pharmaceutical Benefits Agency's guidance for health-economic evaluations (TLV,
#: Läkemedelsförmånsnämndens allmänna råd LFNAR 2003:2 and TLV's 2017 guidance: costs and
#: effects discounted at 3 %; R, check the current edition).
DEFAULT_DISCOUNT_RATE = 0.03


def scenario_summary(
    result: pd.DataFrame,
    measures=(
        "total_cost_sek",
        "care_cost_sek",
        "unused_capacity_sek",
        "intervention_cost_sek",
        "acute_admissions",
        "ed_visits",
        "bed_days",
        "staff_fte",
    ),
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
) -> pd.DataFrame:
    """A planner's table: one row per measure, the change in each year and in total.

    Money and events later in the plan weigh less than now: ``change, discounted`` sums
    each year's change times ``(1 + discount_rate) ** -t``, ``t`` = 0 in the first
    planning year (:data:`DEFAULT_DISCOUNT_RATE`, 3 % as in Swedish TLV guidance).

    Parameters
    ----------
    result : DataFrame
        From :func:`run_scenario`.
    measures : sequence of str
        Keys of :data:`MEASURES`, in the order wanted.
    discount_rate : float
        Yearly discount rate of ``change, discounted`` (0 for none).

    Returns
    -------
    DataFrame
        ``measure``, ``unit``, one ``change <year>`` column per year,
        ``change, all years`` (summed; empty for stocks such as FTE and beds) and
        ``change, discounted`` (the same, discounted to the first planning year).

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> b = example_baseline()
    >>> t = scenario_summary(run_scenario(b, list(catalogue().values()), horizon=3))
    >>> list(t.columns)[:2], t.columns[-1]
    (['measure', 'unit'], 'change, discounted')
    """
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; choose from {list(MEASURES)}")
    sub = result[result.measure.isin(measures)]
    wide = sub.pivot_table(index="measure", columns="year", values="change", sort=False)
    wide.columns = [f"change {c}" for c in wide.columns]
    flows = [m for m in measures if MEASURES[m][1] != "FTE" and m != "staffed_beds"]
    if not np.isfinite(discount_rate) or not 0 <= discount_rate < 1:
        raise ValueError(f"discount_rate must be from 0 to 1 (e.g. 0.03), got {discount_rate!r}")
    factor = (1.0 + discount_rate) ** -(sub.year - sub.year.min()).astype(float)
    wide["change, all years"] = sub.groupby("measure", sort=False).change.sum()
    wide["change, discounted"] = (sub.change * factor).groupby(sub.measure, sort=False).sum()
    stocks = [m for m in measures if m not in flows]
    wide.loc[stocks, ["change, all years", "change, discounted"]] = np.nan
    wide = wide.reindex(list(measures))
    wide.insert(0, "unit", [MEASURES[m][1] for m in wide.index])
    return wide.reset_index().rename_axis(None, axis=1)
