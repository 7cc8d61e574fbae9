"""Contacts with care: how many each resident has in a year, when, and where.

Each resident-year gets an expected number of contacts of each kind::

    rate = level x age profile x exp(sum of condition effects) x individual need
           x last-year-of-life factor x trend x years resident

The *level* is solved so that, in the first year, the region's expected rate per
1,000 residents equals the published figure in :mod:`pecdata.generation.assumptions`; the
other factors only decide *who* has the contacts. Counts are Poisson draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pecdata.generation import assumptions as A
from pecdata.generation import codes as C
from pecdata.generation import diagnoses as dx
from pecdata.generation.population import People, exposure

SECONDS_PER_DAY = 86_400
#: The planted frail cohort (see planted.py) has municipal home health care about twice as often
#: as other patients: frail elderly with extensive care needs (E).
FRAIL_HOME_CARE_VISITS = 2.0
#: kind of contact -> (level of care, main profession, column of condition effects)
KINDS = {
    "pc_physician": ("primary_care", "physician", 0),
    "pc_nurse": ("primary_care", "nurse", 0),
    "pc_allied": ("primary_care", "allied_health", 0),
    "digital": ("digital", "physician", 0),
    "outpatient_physician": ("outpatient", "physician", 1),
    "outpatient_nurse": ("outpatient", "nurse", 1),
    "emergency": ("emergency", "physician", 2),
    "day_surgery": ("day_surgery", "physician", 1),
}
#: Kinds whose visits happen on weekdays in office hours.
OFFICE_HOURS = {
    "pc_physician",
    "pc_nurse",
    "pc_allied",
    "outpatient_physician",
    "outpatient_nurse",
    "day_surgery",
}
#: Typical duration of a visit in minutes (E) for its end time.
DURATION_MIN = {
    "primary_care": 30,
    "digital": 12,
    "outpatient": 40,
    "day_surgery": 300,
    "home_health_care": 30,
}
#: Arrivals at the emergency department by hour of day (E, shape of Swedish ED arrival curves).
ED_HOURLY = np.array(
    [
        2,
        1.5,
        1.2,
        1,
        1,
        1.2,
        2,
        3.5,
        5.5,
        6.5,
        7,
        7,
        6.8,
        6.5,
        6.3,
        6.2,
        6.2,
        6,
        5.6,
        5,
        4.4,
        3.8,
        3.2,
        2.5,
    ]
)


@dataclass
class PersonYears:
    """One row per resident and year lived in the region (arrays of equal length)."""

    pid: np.ndarray
    t: np.ndarray
    first: np.ndarray
    last: np.ndarray
    age: np.ndarray  # whole years at the start of exposure
    cond: np.ndarray  # (rows, conditions) bool, at the middle of the exposure
    g: np.ndarray  # latent need, N(0, 1), persistent across years (see person_years)
    dies: np.ndarray  # dies during this exposure
    muni: np.ndarray
    pcc: np.ndarray  # index into the list of primary care centres
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self):
        return len(self.pid)

    def forget(self) -> None:
        """Free the arrays kept by :meth:`memo`."""
        self._memo.clear()

    def memo(self, name: str, compute):
        """``compute()`` once per name (arrays reused by every kind of contact)."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]

    @property
    def years(self) -> np.ndarray:
        return (self.last - self.first) / 365.25

    def band(self) -> np.ndarray:
        return np.searchsorted(A.AGE_BAND_EDGES, self.age, side="right") - 1


def person_years(
    rng,
    people: People,
    start_year: int,
    years: int,
    muni_by_year: np.ndarray,
    pcc_by_year: np.ndarray,
) -> PersonYears:
    n = len(people)
    # need = lifelong frailty (which also drives the conditions) + a yearly AR(1) part, so its
    # link with the conditions is the same every year and its year-to-year correlation is
    # FRAILTY_PERSISTENCE (an AR(1) on the whole need would let that link fade year by year)
    w = A.NEED_FRAILTY_WEIGHT
    rho = (A.FRAILTY_PERSISTENCE - w**2) / (1 - w**2)
    h = rng.standard_normal(n)
    parts = []
    for t in range(years):
        if t:
            h = rho * h + np.sqrt(1 - rho**2) * rng.standard_normal(n)
        g = w * people.z + np.sqrt(1 - w**2) * h
        first, last = exposure(people, start_year + t)
        idx = np.flatnonzero(last > first)
        mid = (first[idx] + last[idx]) // 2
        cond = people.onset[idx] <= ((mid - people.birth[idx]) / 365.25)[:, None]
        parts.append(
            dict(
                pid=idx,
                t=np.full(len(idx), t),
                first=first[idx],
                last=last[idx],
                age=((first[idx] - people.birth[idx]) // 365.25).astype(int).clip(0, 120),
                cond=cond,
                g=g[idx].copy(),
                dies=(people.death_day[idx] >= first[idx]) & (people.death_day[idx] < last[idx]),
                muni=muni_by_year[t, idx],
                pcc=pcc_by_year[t, idx],
            )
        )
    return PersonYears(**{k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


def expected_rates(
    py: PersonYears,
    kind: str,
    col: int,
    level: str,
    target_per_1000: float,
    trend: float = 0.0,
    age_profile: str | None = None,
    ceiling: float | None = None,
) -> np.ndarray:
    """Expected contacts of one kind per resident-year, with the level solved to the target.

    ``ceiling`` bends very high individual rates towards a maximum per year
    (``rate / (1 + rate / ceiling)``): nobody can be admitted every other week all year.
    """
    from pecdata.warehouse.schema import CONDITIONS

    beta = np.array([A.DEFAULT_CONDITION_EFFECTS[c][col] for c in CONDITIONS])
    sd = A.DEFAULT_FRAILTY_SD[level]
    years = py.memo("years", lambda: py.years)
    band = py.memo("band", py.band)
    effect = py.memo(
        f"condition_effect_{col}",
        lambda: np.exp(py.memo("cond_float", lambda: py.cond.astype(np.float64)) @ beta),
    )
    frailty = py.memo(f"frailty_{sd}", lambda: np.exp(sd * py.g - sd**2 / 2))
    first_year = py.memo("first_year", lambda: py.t == 0)
    rel = np.asarray(A.DEFAULT_AGE_PROFILES[age_profile or kind])[band]
    rel *= effect
    rel *= frailty
    eol = A.END_OF_LIFE_MULTIPLIER.get(level, 1.0)
    if eol != 1.0:
        rel *= np.where(py.dies, eol, 1.0)
    rel *= years
    years0 = years[first_year]
    goal = target_per_1000 / 1000 * years0.sum()
    growth = (
        np.array([(1 + trend) ** t for t in range(int(py.t.max(initial=0)) + 1)])[py.t]
        if trend
        else 1.0
    )
    if ceiling is None:
        return goal / rel[first_year].sum() * rel * growth
    per_year = rel / py.memo("min_years", lambda: np.maximum(years, 1 / 365))
    k = _solve_capped_level(per_year[first_year], years0, ceiling, goal)
    r = k * per_year * growth
    return r / (1 + r / ceiling) * years


def _solve_capped_level(
    per_year: np.ndarray, years: np.ndarray, ceiling: float, goal: float
) -> float:
    """The level ``k`` at which ``sum(k p / (1 + k p / ceiling) * years) == goal``.

    Newton's method from the uncapped level: the sum is increasing and concave in
    ``k``, so the steps approach the root from below without overshooting; a dozen
    steps reach machine precision (a 60-step bisection gave the same level).
    """
    py_ = per_year * years
    k = goal / py_.sum()
    for _ in range(100):
        d = 1 + k * per_year / ceiling
        f = (k * py_ / d).sum() - goal
        step = -f / (py_ / (d * d)).sum()
        k_new = k + step
        if not np.isfinite(k_new) or abs(step) <= 1e-15 * k:
            break
        k = k_new
    return k


def random_days(rng, first: np.ndarray, last: np.ndarray, weekdays: bool) -> np.ndarray:
    """A uniformly random day in [first, last) for each row; optionally moved off weekends."""
    day = first + np.floor(rng.random(len(first)) * (last - first)).astype(np.int64)
    if weekdays:
        wd = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        day = day - (wd == 5) + (wd == 6)
        day = np.clip(day, first, last - 1)
    return day


def spread_days(rng, rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Days for a person's several contacts of one kind, spread over the year.

    ``rows`` comes from :func:`draw_counts` (each person-year's contacts are adjacent).
    The j-th of k contacts falls in the j-th k-th of the person's time in the region,
    so that repeated admissions are not bunched by chance; readmissions are added by
    their own mechanism.
    """
    n = len(rows)
    if n == 0:
        return np.zeros(0, np.int64)
    start_of_run = np.r_[True, rows[1:] != rows[:-1]]
    run_id = np.cumsum(start_of_run) - 1
    run_start = np.flatnonzero(start_of_run)
    j = np.arange(n) - run_start[run_id]
    k = np.bincount(run_id)[run_id]
    span = last[rows] - first[rows]
    return first[rows] + np.floor((j + rng.random(n)) / k * span).astype(np.int64)


def time_of_day(rng, n: int, pattern: str) -> np.ndarray:
    """Seconds after midnight for arrivals of the given pattern."""
    if pattern == "office":
        return (rng.uniform(8, 16.5, n) * 3600).astype(np.int64)
    if pattern == "ed":
        h = rng.choice(24, n, p=ED_HOURLY / ED_HOURLY.sum())
        return (h * 3600 + rng.integers(0, 3600, n)).astype(np.int64)
    if pattern == "planned":
        return (rng.uniform(7, 10, n) * 3600).astype(np.int64)
    return (rng.uniform(0, 24, n) * 3600).astype(np.int64)


@dataclass
class Contacts:
    """Encounters under construction (arrays of equal length, times in seconds).

    Text values are integer codes (see :mod:`.codes`); the level of care follows
    from the kind (``codes.LEVEL_OF_KIND``).
    """

    row: np.ndarray  # person-year row
    kind: np.ndarray  # int8: index into codes.KIND_NAMES
    start: np.ndarray  # seconds since 1970
    end: np.ndarray
    diagnosis: np.ndarray  # int16: index into diagnoses.DX_NAMES
    unit: np.ndarray  # int16: index into codes.UNIT_IDS
    profession: np.ndarray  # int8: index into schema.PROFESSIONS

    def __len__(self):
        return len(self.row)

    @staticmethod
    def concat(parts: list[Contacts]) -> Contacts:
        return Contacts(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Contacts.__dataclass_fields__)
        )

    def take(self, m) -> Contacts:
        return Contacts(*(getattr(self, f)[m] for f in Contacts.__dataclass_fields__))

    @staticmethod
    def of(rows, kind: str, start, end, diagnosis, unit, profession) -> Contacts:
        """Contacts of one kind; ``unit`` and ``profession`` may be one code for all."""
        n = len(rows)
        return Contacts(
            rows,
            np.full(n, C.KIND[kind], np.int8),
            start,
            end,
            np.asarray(diagnosis, np.int16),
            np.broadcast_to(np.asarray(unit, np.int16), (n,)).copy(),
            np.broadcast_to(np.asarray(profession, np.int8), (n,)).copy(),
        )


def draw_counts(rng, lam: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(lam)), rng.poisson(lam))


def acute_sequence(rng, py: PersonYears, lam_ed: np.ndarray, lam_direct: np.ndarray):
    """ED visits and direct acute admissions as one spread-out sequence per person-year.

    Returns (rows, days) for the ED visits and for the direct admissions.
    """
    n_ed, n_dir = rng.poisson(lam_ed), rng.poisson(lam_direct)
    rows = np.repeat(np.arange(len(lam_ed)), n_ed + n_dir)
    days = spread_days(rng, rows, py.first, py.last)
    order = np.lexsort((rng.random(len(rows)), rows))  # shuffle within each person-year
    rows, days = rows[order], days[order]
    start_of_run = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, bool)
    run_start = np.flatnonzero(start_of_run)
    j = np.arange(len(rows)) - run_start[np.cumsum(start_of_run) - 1]
    is_ed = j < n_ed[rows]
    return (rows[is_ed], days[is_ed]), (rows[~is_ed], days[~is_ed])


def visits(
    rng,
    py: PersonYears,
    kind: str,
    lam: np.ndarray,
    ctx: dict,
    rows: np.ndarray | None = None,
    day: np.ndarray | None = None,
) -> Contacts:
    """Visits of one kind (not inpatient, not home health care), with unit and diagnosis.

    ``rows`` and ``day`` may be given (see :func:`acute_sequence`); otherwise they
    are drawn from the expected counts ``lam``.
    """
    level, profession, _ = KINDS[kind]
    if rows is None:
        rows = draw_counts(rng, lam)
        day = random_days(rng, py.first[rows], py.last[rows], kind in OFFICE_HOURS)
    n = len(rows)
    pattern = "office" if kind in OFFICE_HOURS else ("ed" if kind == "emergency" else "any")
    start = day * SECONDS_PER_DAY + time_of_day(rng, n, pattern)
    linked = np.where(rng.random(n) < 0.7, ctx["pick1"][rows], ctx["pick2"][rows])
    prof = np.full(n, C.PROF[profession], np.int8)
    if level == "outpatient":
        spec, code = dx.outpatient(rng, linked)
        site = C.HOSPITAL_OF_MUNI[py.muni[rows]]
        local = (py.muni[rows] == ctx["local_muni"]) & np.isin(
            spec, [C.SPEC["internal_medicine"], C.SPEC["orthopaedics"]]
        )
        site = np.where(local & (rng.random(n) < 0.5), C.LOCAL_SITE, site)
        unit = C.CLINIC[site, spec]
        minutes = rng.lognormal(np.log(DURATION_MIN["outpatient"]), 0.3, n)
    elif level == "emergency":
        code = dx.assign(rng, "emergency", linked)
        site = C.HOSPITAL_OF_MUNI[py.muni[rows]]
        other = rng.random(n) < 0.05
        hav, val = C.SITE["HAV"], C.SITE["VAL"]
        site = np.where(other, np.where(site == hav, val, hav), site)
        unit = C.ED_UNIT[site]
        minutes = rng.lognormal(np.log(A.ED_MEDIAN_MINUTES), 0.5, n)
    elif level == "day_surgery":
        code = dx.assign(rng, "day_surgery", linked)
        site = C.HOSPITAL_OF_MUNI[py.muni[rows]]
        unit = np.where(site == C.SITE["HAV"], C.UNIT["HAV-SC"], C.UNIT["FAL-SC"])
        minutes = rng.lognormal(np.log(DURATION_MIN["day_surgery"]), 0.3, n)
    elif level == "digital":
        code = dx.assign(rng, "digital", linked)
        unit = C.UNIT["REG-DIG"]
        prof = np.where(rng.random(n) < 0.67, C.PROF["physician"], C.PROF["nurse"])  # [S19]
        minutes = rng.lognormal(np.log(DURATION_MIN["digital"]), 0.4, n)
    else:  # primary care centre visits: mostly the listed centre
        code = dx.assign(rng, "primary_care", linked)
        pcc = py.pcc[rows].copy()
        elsewhere = rng.random(n) < 0.05
        pcc[elsewhere] = ctx["random_pcc_in_muni"](rng, py.muni[rows][elsewhere])
        unit = ctx["pcc_units"][pcc]
        minutes = rng.lognormal(np.log(DURATION_MIN["primary_care"]), 0.35, n)
    end = start + (minutes * 60).astype(np.int64)
    return Contacts.of(rows, kind, start, end, code, unit, prof)


def home_health_care(
    rng,
    py: PersonYears,
    lam_patients: np.ndarray,
    ctx: dict,
    extra_rows: np.ndarray,
    extra_start: np.ndarray,
    frail: np.ndarray | None = None,
) -> Contacts:
    """Municipal home health care: patients in the year (two-part model) and visits after
    hospital discharges to home with home care (``extra_rows``/``extra_start``).

    ``frail`` (bool per person-year) marks the planted frail cohort: all of them have
    home health care, :data:`FRAIL_HOME_CARE_VISITS` times as often as other patients.
    """
    # solve a factor so the expected number of patients (1 - exp(-rate)) meets the target
    # discharges to home care add patients of their own (~15 % of the target, E)
    target = 0.85 * lam_patients[py.t == 0].sum()
    lo, hi = 1.0, 20.0
    for _ in range(40):
        k = (lo + hi) / 2
        if (1 - np.exp(-k * lam_patients[py.t == 0])).sum() < target:
            lo = k
        else:
            hi = k
    p = 1 - np.exp(-lo * lam_patients)
    if frail is not None:
        p = np.where(frail, 1.0, p)
    patient = rng.random(len(py)) < p
    rows_p = np.flatnonzero(patient)
    share = py.years[rows_p]
    if frail is not None:
        share = share * np.where(frail[rows_p], FRAIL_HOME_CARE_VISITS, 1.0)
    n_vis = rng.poisson(
        A.HOME_CARE_VISITS_PER_PATIENT * share * rng.gamma(1.5, 1 / 1.5, len(rows_p))
    )
    rows = np.repeat(rows_p, n_vis)
    day = random_days(rng, py.first[rows], py.last[rows], False)
    # after discharge: about two visits a week for four weeks (E)
    k = rng.poisson(8, len(extra_rows))
    rows2 = np.repeat(extra_rows, k)
    day2 = np.repeat(extra_start, k) // SECONDS_PER_DAY + rng.integers(1, 29, len(rows2))
    ok = day2 < py.last[rows2]
    rows = np.concatenate([rows, rows2[ok]])
    day = np.concatenate([day, day2[ok]])
    n = len(rows)
    start = day * SECONDS_PER_DAY + (rng.uniform(7.5, 21, n) * 3600).astype(np.int64)
    end = start + (rng.lognormal(np.log(DURATION_MIN["home_health_care"]), 0.3, n) * 60).astype(
        np.int64
    )
    linked = np.where(rng.random(n) < 0.7, ctx["pick1"][rows], ctx["pick2"][rows])
    code = dx.assign(rng, "home_health_care", linked)
    prof = np.where(
        rng.random(n) < 0.65,
        C.PROF["nurse"],
        np.where(rng.random(n) < 0.7, C.PROF["assistant_nurse"], C.PROF["allied_health"]),
    )
    unit = C.HHC_UNIT[py.muni[rows]]
    return Contacts.of(rows, "home_health_care", start, end, code, unit, prof)
