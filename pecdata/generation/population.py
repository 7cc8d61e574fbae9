"""Residents: who lives in the region, where, their chronic conditions, births, deaths and moves.

The population is simulated person by person but vectorised: every array has one
entry per person ever resident in the period. Dates are whole days since
1970-01-01 (``int64``) until they are written to tables.

Chronic conditions use one fixed *liability* per person and condition, correlated
with a latent frailty (a Gaussian copula), so conditions cluster. A person has a
condition from the age at which its **onset curve** first exceeds their
liability: conditions arise year by year as people age (incidence), not only at
entry.

The onset curves come from a synthetic birth cohort (:func:`onset_cohort`) that
ages under the generator's own mortality, in which people with chronic conditions
die sooner: each curve rises just enough that the cohort's *survivors* have the
condition as often as the published prevalence by age says (:func:`condition_curves`).
Incidence among the disease-free is therefore higher than the slope of the
prevalence curve alone suggests (the illness-death relation between prevalence,
incidence and mortality; Brinks & Landwehr, Math Med Biol 2015, R), and it
replaces the chronically ill who die.

Everyone who enters the population (on 1 January of the first year, at birth or
on moving in) takes the frailty and liabilities of a cohort member alive at their
age, so the old are the less frail survivors they would be in a real population.
Prevalence by age, and the need behind the rates of care, then stay steady year
after year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from pecdata.generation import assumptions as A
from pecdata.warehouse.schema import CONDITIONS

MAX_AGE = 104
#: Size and seed of the synthetic birth cohort behind the onset curves (:func:`onset_curves`).
ONSET_COHORT = 40_000
ONSET_COHORT_SEED = 20_221
NO_DATE = np.iinfo(np.int64).max // 2  # "never" for out/death days


def day_of(year: int, month: int = 1, day: int = 1) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return int(
        (
            np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D")
            - np.datetime64("1970-01-01", "D")
        ).astype(np.int64)
    )


def regional_age_distribution() -> tuple[np.ndarray, np.ndarray]:
    """Residents by single year of age 0-104 (women, men) from the calibrated age bands."""
    women = np.zeros(MAX_AGE + 1)
    men = np.zeros(MAX_AGE + 1)
    for lo, hi, w, m in A.DEFAULT_AGE_BANDS:
        ages = np.arange(lo, hi + 1)
        if lo == 65:
            shape = 1 + A.AGE_65_79_SLOPE * (1 - 2 * (ages - lo) / (hi - lo))
        elif lo == 80:
            shape = np.exp(-A.AGE_80_PLUS_GOMPERTZ_C * (np.exp(A.GOMPERTZ_B * (ages - lo)) - 1))
        else:
            shape = np.ones(len(ages))
        shape = shape / shape.sum()
        women[lo : hi + 1] = w * shape
        men[lo : hi + 1] = m * shape
    return women, men


def municipalities_table(scale_residents: int) -> pd.DataFrame:
    rows = A.DEFAULT_MUNICIPALITIES
    total = sum(r[2] for r in rows)
    return pd.DataFrame(
        {
            "municipality_code": pd.array([r[0] for r in rows], dtype="string"),
            "municipality_name": pd.array([r[1] for r in rows], dtype="string"),
            "acute_hospital": pd.array([r[4] for r in rows], dtype="string"),
            "population_share": np.array([r[2] / total for r in rows]),
        }
    )


def condition_curves(women: np.ndarray, men: np.ndarray) -> dict[str, np.ndarray]:
    """Prevalence by single year of age for each condition, scaled to the population target."""
    ages = np.arange(MAX_AGE + 1)
    pop = women + men
    curves = {}
    for name in CONDITIONS:
        prevalence, mid, width, _ = A.DEFAULT_CONDITIONS[name]
        shape = 1 / (1 + np.exp(-(ages - mid) / width))
        ceiling = prevalence * pop.sum() / (pop * shape).sum()
        curves[name] = np.minimum(ceiling * shape, 0.97)
    return curves


def _liabilities(rng, z: np.ndarray) -> np.ndarray:
    """Liability (0-1) per person and condition, correlated with frailty ``z``."""
    load = A.CONDITION_FRAILTY_LOADING
    e = rng.standard_normal((len(z), len(CONDITIONS)))
    return ndtr(-(load * z[:, None] + np.sqrt(1 - load**2) * e))


#: Log hazard ratio of death of each condition, in the order of ``CONDITIONS``: a person's
#: ``has @ LOG_DEATH_HR`` (``has`` boolean by condition) is the log of their ratios' product.
LOG_DEATH_HR = np.log([A.DEATH_HR_BY_CONDITION[c] for c in CONDITIONS])


def _log_hr(has: np.ndarray) -> np.ndarray:
    """Summed log hazard ratio of death of each person's conditions (``has``: persons x
    conditions, boolean). ``einsum`` rather than ``@``: no BLAS threads for a thin matrix."""
    return np.einsum("nj,j->n", has.astype(np.float64), LOG_DEATH_HR)


def _death_hazard(age: np.ndarray, log_hr: np.ndarray) -> np.ndarray:
    """Yearly death hazard before the region's rescaling (Gompertz x conditions).

    ``log_hr`` is each person's summed log hazard ratio of their conditions (see
    :data:`LOG_DEATH_HR`).
    """
    return np.exp(A.GOMPERTZ_A + A.GOMPERTZ_B * age + log_hr)


def onset_cohort(curves: dict[str, np.ndarray], death_scale: float) -> dict:
    """The onset cohort (see :func:`_onset_cohort`), kept for reuse within the process.

    ``death_scale`` is rounded to two significant digits (it varies a little with the
    seed and size of the region), so regions generated one after another share one cohort.
    """
    scale = float(f"{death_scale:.2g}")
    key = (scale, tuple(np.asarray(curves[c]).tobytes() for c in CONDITIONS))
    if key not in _COHORTS:
        if len(_COHORTS) >= 4:
            _COHORTS.pop(next(iter(_COHORTS)))
        _COHORTS[key] = _onset_cohort(curves, scale)
    return _COHORTS[key]


_COHORTS: dict = {}


def _onset_cohort(curves: dict[str, np.ndarray], death_scale: float) -> dict:
    """A synthetic birth cohort aged 0 to 104: the onset curves and who survives to which age.

    :data:`ONSET_COHORT` people (a fixed seed of their own: the curves are a
    property of the model, the same in every region) age under the generator's
    mortality (``death_scale`` x Gompertz x a hazard ratio per condition). At each
    age the onset curve rises just enough that the cohort's survivors have each
    condition as often as its prevalence curve says; the deaths then take the
    sick (and frail) more often than the healthy.

    Returns a dict with ``onsets`` (condition -> cumulative onset by single year of
    age), ``z`` and ``u`` (each member's frailty and liabilities) and ``death_age``
    (fractional; inf for those alive at 105).
    """
    rng = np.random.default_rng(ONSET_COHORT_SEED)
    z = rng.standard_normal(ONSET_COHORT)
    u = _liabilities(rng, z)
    death_age = np.full(ONSET_COHORT, np.inf)
    onset = {c: np.zeros(MAX_AGE + 1) for c in CONDITIONS}
    level = np.zeros(len(CONDITIONS))
    u_t = np.ascontiguousarray(u.T)  # one row per condition: fast to partition
    for a in range(MAX_AGE + 1):
        idx = np.flatnonzero(np.isinf(death_age))
        ua = u_t[:, idx]
        n = len(idx)
        for j, c in enumerate(CONDITIONS):
            k = int(np.round(curves[c][a] * n))
            if 0 < k < n:
                level[j] = max(level[j], np.partition(ua[j], k - 1)[k - 1])
            onset[c][a] = level[j]
        log_hr = np.einsum("j,jn->n", LOG_DEATH_HR, (ua < level[:, None]).astype(np.float64))
        q = np.minimum(death_scale * _death_hazard(np.full(n, a + 0.5), log_hr), 0.9)
        dies = rng.random(n) < q
        death_age[idx[dies]] = a + rng.random(int(dies.sum()))
    order = np.argsort(death_age, kind="stable")
    out = {"onsets": onset, "z": z[order], "u": u[order], "death_age": death_age[order]}
    for v in [*out["onsets"].values(), out["z"], out["u"], out["death_age"]]:
        v.flags.writeable = False
    return out


def _curve_at(curve: np.ndarray, age: np.ndarray) -> np.ndarray:
    return np.interp(age, np.arange(MAX_AGE + 1), curve)


def from_cohort(rng, cohort: dict, ages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frailty and liabilities of people aged ``ages``: those of cohort members alive then.

    Drawing the living from the cohort's survivors gives them the health of
    survivors: at 90 less frail, and with each condition as often as its
    prevalence curve says.
    """
    first_alive = np.searchsorted(cohort["death_age"], ages, side="right")
    first_alive = np.minimum(first_alive, ONSET_COHORT - 1)
    pick = first_alive + np.floor(rng.random(len(ages)) * (ONSET_COHORT - first_alive))
    pick = pick.astype(np.int64)
    return cohort["z"][pick], cohort["u"][pick]


def onset_ages(liability_u: np.ndarray, curves: dict[str, np.ndarray]) -> np.ndarray:
    """Age (fractional years) at which each person gets each condition; inf if never.

    ``liability_u`` is (persons, conditions) with values in (0, 1): the person has
    the condition at age ``a`` when ``u < curve(a)``.
    """
    onset = np.full(liability_u.shape, np.inf, dtype=np.float64)
    for j, name in enumerate(CONDITIONS):
        curve = curves[name]
        u = liability_u[:, j]
        # first whole age at which the curve exceeds u; interpolate within the year
        k = np.searchsorted(np.maximum.accumulate(curve), u, side="right")
        has = k <= MAX_AGE
        kk = np.clip(k, 1, MAX_AGE)
        lo, hi = curve[kk - 1], curve[kk]
        frac = np.clip((u - lo) / np.maximum(hi - lo, 1e-12), 0, 1)
        age = np.where(k == 0, 0.0, kk - 1 + frac)
        onset[has, j] = age[has]
    return onset


@dataclass
class People:
    """Arrays with one entry per person ever resident (see module docstring)."""

    birth: np.ndarray  # day
    female: np.ndarray  # bool
    muni: np.ndarray  # int8, latest municipality index
    z: np.ndarray  # latent frailty, N(0, 1)
    onset: np.ndarray  # (n, conditions) onset age in years, inf = never
    in_day: np.ndarray  # day born or moved in; -1 if resident before the period
    out_day: np.ndarray  # day moved out, NO_DATE if not
    death_day: np.ndarray  # day of death, NO_DATE if alive

    def __len__(self) -> int:
        return len(self.birth)

    def extend(self, other: People) -> People:
        return People(
            *(
                np.concatenate([getattr(self, f), getattr(other, f)])
                for f in self.__dataclass_fields__
            )
        )


def _new_people(rng, n, ages, day0, munis, ctx, in_day) -> People:
    """Draw ``n`` people aged ``ages`` (years) on ``day0``, with the health of survivors."""
    birth = day0 - np.round(ages * 365.25 + rng.uniform(0, 365, n)).astype(np.int64)
    z, u = from_cohort(rng, ctx["cohort"], np.asarray(ages, float))
    onset = onset_ages(u, ctx["cohort"]["onsets"])
    return People(
        birth=birth,
        female=np.zeros(n, bool),
        muni=munis.astype(np.int8),
        z=z,
        onset=onset,
        in_day=np.asarray(in_day, dtype=np.int64) * np.ones(n, np.int64),
        out_day=np.full(n, NO_DATE, np.int64),
        death_day=np.full(n, NO_DATE, np.int64),
    )


def initial_population(rng, n: int, start_year: int) -> tuple[People, dict]:
    """The population on 1 January of the first year, by municipality and age."""
    women, men = regional_age_distribution()
    curves = condition_curves(women, men)
    pop = women + men
    region_65 = pop[65:].sum() / pop.sum()
    shares = np.array([r[2] for r in A.DEFAULT_MUNICIPALITIES], float)
    counts = rng.multinomial(n, shares / shares.sum())
    ages, munis, female = [], [], []
    for m, (row, cnt) in enumerate(zip(A.DEFAULT_MUNICIPALITIES, counts)):
        target_65 = row[3] * region_65 / 0.220  # rescale 2020 shares to the modelled region
        old = np.arange(MAX_AGE + 1) >= 65
        k = (target_65 / (1 - target_65)) * pop[~old].sum() / pop[old].sum()
        w = np.where(old, pop * k, pop)
        a = rng.choice(MAX_AGE + 1, size=cnt, p=w / w.sum())
        ages.append(a)
        munis.append(np.full(cnt, m))
        female.append(rng.random(cnt) < (women / np.maximum(pop, 1))[a])
    ages = np.concatenate(ages).astype(float)
    # the first year's death rescaling (see simulate_years), estimated with the prevalence
    # curves alone, applies to the onset cohort too
    u = _liabilities(rng, rng.standard_normal(n))
    has = u < np.stack([_curve_at(curves[c], ages) for c in CONDITIONS], axis=1)
    scale = A.DEFAULT_DEATH_RATE * n / _death_hazard(ages, _log_hr(has)).sum()
    ctx = {"curves": curves, "women": women, "men": men, "cohort": onset_cohort(curves, scale)}
    people = _new_people(rng, n, ages, day_of(start_year), np.concatenate(munis), ctx, -1)
    people.female = np.concatenate(female)
    return people, ctx


def conditions_at(people: People, day: int | np.ndarray) -> np.ndarray:
    """Boolean (persons, conditions): which conditions each person has on ``day``."""
    age = (np.asarray(day) - people.birth) / 365.25
    return people.onset <= np.asarray(age)[..., None]


def simulate_years(rng, people: People, start_year: int, years: int, ctx: dict) -> People:
    """Deaths, moves out, births and moves in, year by year."""
    women, men = ctx["women"], ctx["men"]
    pop_by_age = women + men
    for t in range(years):
        y = start_year + t
        d0, d1 = day_of(y), day_of(y + 1)
        alive = (
            (people.death_day >= d0)
            & (people.out_day >= d0)
            & (np.maximum(people.in_day, people.birth) < d1)
        )
        idx = np.flatnonzero(alive)
        age = (d0 - people.birth[idx]) / 365.25
        hazard = _death_hazard(age, _log_hr(conditions_at(people, d0)[idx]))
        hazard *= A.DEFAULT_DEATH_RATE * len(idx) / hazard.sum()
        dies = rng.random(len(idx)) < np.minimum(hazard, 0.9)
        when = d0 + rng.integers(0, d1 - d0, len(idx))
        start = np.maximum(people.in_day[idx], d0)
        when = np.maximum(when, start)
        people.death_day[idx[dies]] = when[dies]
        moves = ~dies & (
            rng.random(len(idx))
            < A.DEFAULT_OUT_MIGRATION * np.where((age > 18) & (age < 45), 1.6, 0.6)
        )
        people.out_day[idx[moves]] = when[moves]
        # births, to mothers' municipalities in proportion to residents
        n_alive = len(idx)
        nb = rng.poisson(A.DEFAULT_BIRTH_RATE * n_alive)
        muni_w = np.bincount(people.muni[idx], minlength=len(A.DEFAULT_MUNICIPALITIES))
        bday = d0 + rng.integers(0, d1 - d0, nb)
        babies = _new_people(
            rng,
            nb,
            np.zeros(nb),
            0,
            rng.choice(len(muni_w), nb, p=muni_w / muni_w.sum()),
            ctx,
            bday,
        )
        babies.birth = bday
        babies.female = rng.random(nb) < 0.487
        # moves in: mostly young adults (age profile E, SCB migration statistics, R)
        ages = np.arange(MAX_AGE + 1)
        mig_w = pop_by_age * (np.exp(-(((ages - 28) / 11.0) ** 2)) + 0.12)
        ni = rng.poisson(A.DEFAULT_IN_MIGRATION * n_alive)
        iday = d0 + rng.integers(0, d1 - d0, ni)
        a_in = rng.choice(MAX_AGE + 1, ni, p=mig_w / mig_w.sum()) + rng.random(ni)
        movers = _new_people(
            rng, ni, a_in, iday, rng.choice(len(muni_w), ni, p=muni_w / muni_w.sum()), ctx, iday
        )
        movers.birth = iday - np.round(a_in * 365.25).astype(np.int64)
        movers.female = rng.random(ni) < (women / np.maximum(pop_by_age, 1))[a_in.astype(int)]
        people = people.extend(babies).extend(movers)
    return people


def exposure(people: People, year: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last+1 day each person lived in the region in ``year`` (empty if first >= last)."""
    d0, d1 = day_of(year), day_of(year + 1)
    first = np.maximum(np.maximum(people.in_day, people.birth), d0)
    last = np.minimum(np.minimum(people.out_day, people.death_day + 1), d1)
    return first, last
