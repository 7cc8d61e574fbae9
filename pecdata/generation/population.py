"""Residents: who lives in the region, where, their chronic conditions, births, deaths and moves.

The population is simulated person by person but vectorised: every array has one
entry per person ever resident in the period. Dates are whole days since
1970-01-01 (``int64``) until they are written to tables.

Chronic conditions use one fixed *liability* per person and condition. A person
has the condition from the age at which the condition's prevalence curve first
exceeds their liability, so prevalence by age matches the target curve, onset
dates follow from ageing, and conditions cluster in people with high latent
frailty (a Gaussian copula).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from pecdata.generation import assumptions as A
from pecdata.warehouse.schema import CONDITIONS

MAX_AGE = 104
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
            shape = A.AGE_80_PLUS_DECAY ** (ages - lo)
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


def onset_ages(liability_u: np.ndarray, curves: dict[str, np.ndarray]) -> np.ndarray:
    """Age (fractional years) at which each person gets each condition; inf if never.

    ``liability_u`` is (persons, conditions) with values in (0, 1): the person has
    the condition at age ``a`` when ``u < prevalence(a)``.
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


def _new_people(rng, n, ages, day0, munis, curves, in_day) -> People:
    """Draw ``n`` people with the given ages (years) on ``day0``."""
    birth = day0 - np.round(ages * 365.25 + rng.uniform(0, 365, n)).astype(np.int64)
    z = rng.standard_normal(n)
    load = A.CONDITION_FRAILTY_LOADING
    e = rng.standard_normal((n, len(CONDITIONS)))
    liability = ndtr(-(load * z[:, None] + np.sqrt(1 - load**2) * e))  # in (0, 1)
    return People(
        birth=birth,
        female=np.zeros(n, bool),
        muni=munis.astype(np.int8),
        z=z,
        onset=onset_ages(liability, curves),
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
    people = _new_people(rng, n, ages, day_of(start_year), np.concatenate(munis), curves, -1)
    people.female = np.concatenate(female)
    return people, {"curves": curves, "women": women, "men": men}


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
        ncond = conditions_at(people, d0)[idx].sum(axis=1)
        hazard = np.exp(A.GOMPERTZ_A + A.GOMPERTZ_B * age) * A.DEATH_HR_PER_CONDITION**ncond
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
            ctx["curves"],
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
            rng,
            ni,
            a_in,
            iday,
            rng.choice(len(muni_w), ni, p=muni_w / muni_w.sum()),
            ctx["curves"],
            iday,
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
