"""Generate the synthetic region: ``pecdata.generate(residents, years, seed)``.

The stages run in the order data flows in a real region: people and their
conditions (:mod:`.population`), the organisation (:mod:`.organisation`), the
contacts they have with care (:mod:`.care`, :mod:`.inpatient`,
:mod:`.pathways`), the resources those contacts use (:mod:`.activities`), and
the staff, capacity and ledger that supply the resources (:mod:`.resources`).
Every random draw comes from one seeded ``numpy.random.default_rng`` stream per
stage, so the same arguments give identical tables.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pecdata.generation import assumptions as A
from pecdata.generation import care, inpatient, pathways, population, resources
from pecdata.generation import codes as C
from pecdata.generation import planted as pl
from pecdata.generation.findings import findings_tables, plant_data_quality
from pecdata.generation.organisation import (
    LOCAL_HOSPITAL,
    accounts_table,
    muni_codes,
    units_skeleton,
)
from pecdata.generation.tables import build_tables, conform, registry, resident_ids
from pecdata.warehouse import Warehouse

__all__ = ["generate"]
STAGES = (
    "population",
    "registry",
    "plan",
    "rates",
    "visits",
    "inpatient",
    "pathways",
    "home_care",
    "activities",
    "resources",
    "findings",
)


def _check_arguments(residents, years, seed, start_year):
    if not isinstance(residents, (int, np.integer)) or residents < 100:
        raise ValueError(f"residents must be a whole number of at least 100, got {residents!r}")
    if residents > 2_000_000:
        raise ValueError(f"residents must be at most 2,000,000, got {residents!r}")
    if not isinstance(years, (int, np.integer)) or not 1 <= years <= 15:
        raise ValueError(f"years must be a whole number from 1 to 15, got {years!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    if not 2000 <= start_year <= 2035:
        raise ValueError(f"start_year must be between 2000 and 2035, got {start_year!r}")


def generate(
    residents: int = A.DEFAULT_TEACHING_RESIDENTS,
    years: int = A.DEFAULT_YEARS,
    seed: int = A.DEFAULT_SEED,
    start_year: int = A.DEFAULT_START_YEAR,
    planted=True,
    progress: bool = False,
) -> Warehouse:
    """Generate a synthetic regional health-care data warehouse.

    Parameters
    ----------
    residents : int
        Residents on 1 January of the first year. The default teaching size is
        50,000 (a one-in-seven sample of the full 345,000-resident region).
    years : int
        Number of consecutive calendar years (at least 3 for trends and follow-up).
    seed : int
        Seed of every random draw; the same arguments give identical tables.
    start_year : int
        First calendar year.
    planted : bool or list of str
        ``True`` plants every finding of :data:`pecdata.generation.planted.FINDINGS`,
        ``False`` none, or a list of the findings to plant.
    progress : bool
        Show a progress bar (useful at full size).

    Returns
    -------
    Warehouse
        The tables of :data:`pecdata.warehouse.schema.TABLES`, with ``meta`` recording the
        arguments and the time each stage took.

    Examples
    --------
    >>> wh = generate(residents=2_000, years=3, seed=1)
    >>> sorted(wh)[:4]
    ['accounts', 'activities', 'capacity', 'conditions']
    >>> int(wh["resident_years"].year.min()), int(wh["resident_years"].year.max())
    (2022, 2024)
    """
    _check_arguments(residents, years, seed, start_year)
    enabled = pl.resolve(planted)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES))]
    rng = dict(zip(STAGES, streams))
    timings = {}
    bar = _Progress(progress)
    t0 = time.perf_counter()

    def tick(name):
        nonlocal t0
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        t0 = now
        bar.update(name)

    people, ctx = population.initial_population(rng["population"], int(residents), start_year)
    people = population.simulate_years(rng["population"], people, start_year, years, ctx)
    tick("population")
    units = units_skeleton()
    codes = muni_codes()
    pcc_ids = units.loc[units.unit_type == "primary_care_centre", "unit_id"].to_numpy(object)
    reg = registry(rng["registry"], people, start_year, years, pcc_ids, codes)
    py = care.person_years(
        rng["registry"], people, start_year, years, reg.muni_by_year, reg.pcc_by_year
    )
    tick("registry")
    first = py.t == 0
    plan = pl.choose(
        rng["plan"],
        enabled,
        people,
        start_year,
        years,
        units,
        list(pcc_ids),
        codes,
        (py.age[first], py.cond[first].sum(1), py.muni[first], py.pid[first]),
    )
    tick("plan")
    exit_day = np.minimum(people.out_day, people.death_day + 1)
    end_day = population.day_of(start_year + years)
    # the conditions each contact is linked to are drawn in a second thread beside the rates
    # (which draw nothing at random), so the tables are the same as one after the other
    with ThreadPoolExecutor(max_workers=1) as pool:
        picking = pool.submit(care.dx.pick_conditions, rng["rates"], py.cond)
        lam = {}
        for kind, (level, _, col) in care.KINDS.items():
            lam[kind] = care.expected_rates(
                py,
                kind,
                col,
                level,
                A.DEFAULT_RATES_PER_1000[kind],
                A.DEFAULT_TRENDS.get(kind, 0.0),
                ceiling=A.RATE_CEILINGS.get(kind),
            )
        pick1, pick2 = picking.result()
    cx = dict(
        local_muni=codes.index(LOCAL_HOSPITAL),
        pcc_units=np.array([C.UNIT[u] for u in pcc_ids], np.int16),
        random_pcc_in_muni=reg.random_pcc,
        pick1=pick1,
        pick2=pick2,
        hip_index=list(A.DEFAULT_CONDITIONS).index("hip_osteoarthritis"),
        exit_day=exit_day,
        pid=py.pid,
        end_day=end_day,
    )
    ed_members = np.isin(py.pid, plan.ed_attenders)
    lam["emergency"] = lam["emergency"] + ed_members * pl.ED_ATTENDER_VISITS * py.years
    total_ip = A.DEFAULT_RATES_PER_1000["inpatient"]
    planned_target = total_ip * A.PLANNED_INPATIENT_SHARE
    # direct acute admissions: the rest after ED admissions, readmissions and deaths in hospital
    direct_target = (
        total_ip
        - planned_target
        - A.DEFAULT_RATES_PER_1000["emergency"] * A.ED_ADMISSION_SHARE
        - A.READMISSION_AND_DEATH_EPISODES_PER_1000
    )
    trend_ip = A.DEFAULT_TRENDS["inpatient"]
    lam_direct = care.expected_rates(
        py,
        "inpatient",
        3,
        "inpatient",
        direct_target,
        trend_ip,
        ceiling=A.RATE_CEILINGS["inpatient"],
    )
    frail = np.isin(py.pid, plan.frail_members)
    lam_direct = lam_direct * np.where(frail, inpatient.FRAIL_ADMISSIONS, 1.0)
    lam_planned = care.expected_rates(
        py, "inpatient", 3, "inpatient", planned_target, trend_ip, age_profile="inpatient_planned"
    )
    lam_hhc = care.expected_rates(
        py,
        "home_health_patients",
        4,
        "home_health_care",
        A.DEFAULT_RATES_PER_1000["home_health_patients"],
    )
    py.forget()
    tick("rates")
    r = rng["visits"]
    vis = [care.visits(r, py, k, lam[k], cx) for k in care.KINDS if k != "emergency"]
    (ed_rows, ed_days), direct = care.acute_sequence(r, py, lam["emergency"], lam_direct)
    ed = care.visits(r, py, "emergency", None, cx, rows=ed_rows, day=ed_days)
    del lam, lam_direct, ed_rows, ed_days
    tick("visits")
    ep, truth = _inpatient(
        rng["inpatient"], py, ed, direct, lam_planned, cx, plan, people, exit_day, frail, ed_members
    )
    del direct, lam_planned
    plan.truth.update(truth)
    tick("inpatient")
    events, extra = pathways.build(rng["pathways"], ep, ed, py, cx, plan)
    tick("pathways")
    to_home_care = ep.dest == C.DEST["home_with_home_care"]
    hhc = care.home_health_care(
        rng["home_care"], py, lam_hhc, cx, ep.c.row[to_home_care], ep.c.end[to_home_care], frail
    )
    tick("home_care")
    resident_id = resident_ids(rng["plan"], len(people))
    contacts = dict(visits=vis, ed=ed, episodes=ep, extra=extra, home_care=hhc)
    del vis, ed, ep, extra, hhc, lam_hhc, to_home_care
    wh_tables, used = build_tables(
        rng["activities"],
        people,
        py,
        reg,
        units,
        contacts,
        events,
        start_year,
        years,
        end_day,
        resident_id,
        plan,
    )
    tick("activities")
    res_rng = rng["resources"]
    units, cap = resources.size_units(res_rng, units, used, start_year, plan)
    staff = resources.staffing(res_rng, units, used, cap, plan)
    ledger = resources.ledger(res_rng, units, used, cap, staff)
    wh_tables.update(
        units=units,
        capacity=cap,
        staffing=staff,
        ledger=ledger,
        accounts=accounts_table(),
        municipalities=population.municipalities_table(residents),
    )
    tick("resources")
    plant_data_quality(rng["findings"], wh_tables, plan)
    wh_tables.update(findings_tables(wh_tables, plan, start_year, years, resident_id))
    tick("findings")
    bar.close()
    meta = dict(
        generator="pecdata.generate",
        residents=int(residents),
        years=int(years),
        seed=int(seed),
        start_year=int(start_year),
        planted=sorted(enabled),
        region=A.REGION_NAME,
        seconds=timings,
    )
    return Warehouse(conform(wh_tables), meta=meta)


def _inpatient(rng, py, ed, direct, lam_planned, cx, plan, people, exit_day, frail, ed_members):
    """All inpatient episodes, from admission to discharge, with the planted effects."""
    ip = inpatient
    p_adm = ip.admission_probability(py, ed.row, A.ED_ADMISSION_SHARE)
    p_adm = p_adm * (1 + A.DEFAULT_ADMISSION_TREND) ** py.t[ed.row]
    p_adm = np.where(ed_members[ed.row], 0.08, p_adm)
    adm = np.flatnonzero(rng.random(len(ed)) < p_adm)
    site = C.SITE_OF_UNIT[ed.unit[adm]]
    from_ed = ip._new(rng, py, ed.row[adm], ed.end[adm], True, cx, "inpatient", ed=adm, site=site)
    ed.diagnosis[adm] = from_ed.c.diagnosis
    parts = [from_ed] + ip.direct_and_planned(rng, py, *direct, lam_planned, cx)
    if plan.on("pcc_avoidable_admissions"):
        parts.append(_extra_acsc(rng, parts, py, plan, cx))
    ep = ip.Episodes.concat(parts)
    ep.los = ip.length_of_stay(rng, ep, py.age[ep.c.row])
    ip.set_times(rng, ep)
    ep = ip.Episodes.concat([ep, ip.terminal(rng, py, py.pid, people.death_day, cx)])
    ep = ip.resolve_overlaps(ep, py.pid)
    ep = ip.finish(rng, ep, py, py.pid, exit_day, people.death_day)
    ip.discharge_destinations(rng, ep, py.age[ep.c.row])
    new = ip.add_readmissions(rng, ep, py, py.pid, exit_day, cx, boost=frail)
    new.los = ip.length_of_stay(rng, new, py.age[new.c.row])
    ip.set_times(rng, new)
    ip.discharge_destinations(rng, new, py.age[new.c.row])
    ep = ip.Episodes.concat([ep, new])
    ep = ip.resolve_overlaps(ep, py.pid)
    ep = ip.finish(rng, ep, py, py.pid, exit_day, people.death_day)
    truth = {}
    if plan.on("home_team_pilot"):
        treated = (py.muni[ep.c.row] == plan.pilot_muni) & (py.age[ep.c.row] >= pl.PILOT_MIN_AGE)
        post = ep.c.start >= plan.pilot_start_day * ip.DAY
        at_risk = treated & post & ep.acute & (ep.dest != C.DECEASED)
        removed = at_risk & (rng.random(len(at_risk)) < -pl.PILOT_EFFECT)
        truth["pilot_removed"] = int(removed.sum())
        truth["pilot_at_risk"] = int(at_risk.sum())
        ep = ep.take(~removed)
    return ep, truth


def _extra_acsc(rng, parts, py, plan, cx):
    """Double the avoidable admissions of residents listed at the planted centre."""
    eps = inpatient.Episodes.concat(parts)
    m = eps.acute & (py.pcc[eps.c.row] == plan.pcc) & pl.is_acsc(eps.c.diagnosis)
    m &= rng.random(len(m)) < pl.ACSC_MULTIPLIER - 1
    dup = eps.take(np.flatnonzero(m))
    rows = dup.c.row
    day = care.random_days(rng, py.first[rows], py.last[rows], False)
    dup.c.start = day * inpatient.DAY + care.time_of_day(rng, len(rows), "any")
    dup.c.end = dup.c.start.copy()
    dup.ed = np.full(len(rows), -1)
    return dup


class _Progress:
    def __init__(self, on):
        self.bar = None
        if on:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=len(STAGES), desc="Generating the region", unit="stage")

    def update(self, name):
        """Mark stage ``name`` as done and show the stage that runs next."""
        if self.bar is not None:
            i = STAGES.index(name)
            self.bar.set_postfix_str(STAGES[i + 1] if i + 1 < len(STAGES) else "done")
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
