"""Inpatient episodes (vårdtillfällen): admissions, length of stay, readmissions, discharge.

Admissions come from four sources: emergency department visits that lead to
admission (1 in 3 [S10]), direct acute admissions, planned admissions and deaths
in hospital. Stays of one person never overlap. Readmissions within 30 days are
then added so that the 30-day readmission rate among patients 65+ matches the
published ~10 % [S16], with the time to readmission shaped after [S17]
(1 in 5 within 3 days, ~40 % within a week).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pecdata.generation import assumptions as A
from pecdata.generation import codes as C
from pecdata.generation import diagnoses as dx
from pecdata.generation.care import (
    SECONDS_PER_DAY,
    Contacts,
    PersonYears,
    draw_counts,
    random_days,
    time_of_day,
)
from pecdata.warehouse.schema import CONDITIONS, SPECIALTIES

DAY = SECONDS_PER_DAY
#: Mean length of stay by ward specialty relative to the region's mean (E, Socialstyrelsen
#: medelvårdtid per specialitet, R).
LOS_FACTOR = {
    "internal_medicine": 1.0,
    "cardiology": 0.75,
    "geriatrics": 1.45,
    "infectious_diseases": 1.1,
    "neurology": 1.4,
    "general_surgery": 0.85,
    "orthopaedics": 1.15,
}
#: Discharge destinations of living patients by age band <65, 65-79, 80+ (E).
DESTINATIONS = ("home", "home_with_home_care", "nursing_home", "other_hospital")
DESTINATION_SHARES = {
    0: (0.95, 0.02, 0.0, 0.03),
    1: (0.80, 0.14, 0.02, 0.04),
    2: (0.58, 0.30, 0.08, 0.04),
}
_LOS_FACTOR = np.array([LOS_FACTOR.get(s, np.nan) for s in SPECIALTIES])
READMISSION_MEAN_GAP_DAYS = 16.0
#: Weight of each condition (order of ``CONDITIONS``) in admission and readmission odds.
ACUTE_WEIGHT = np.array([A.CONDITION_ACUTE_WEIGHT[c] for c in CONDITIONS])


def _acute(cond: np.ndarray) -> np.ndarray:
    """Weighted count of each row's conditions (:data:`ACUTE_WEIGHT`)."""
    return np.einsum("nj,j->n", cond.astype(np.float64), ACUTE_WEIGHT)


FRAIL_P = 0.45  # readmission probability of the planted frail cohort (see planted.py)
#: Direct acute admissions of the planted frail cohort relative to others of their age and health
#: (E): admitted often, most of them twice a year or more (the complex-needs segment's rule).
FRAIL_ADMISSIONS = 4.0


@dataclass
class Episodes:
    c: Contacts
    acute: np.ndarray
    los: np.ndarray
    dest: np.ndarray  # int8: index into schema.DISCHARGE_DESTINATIONS, -1 for none
    ed: np.ndarray  # index of the ED visit that led to it, -1 if none
    spec: np.ndarray  # int8: ward specialty, index into schema.SPECIALTIES
    readmission: np.ndarray  # bool, generated as a readmission

    def take(self, m) -> Episodes:
        return Episodes(
            self.c.take(m),
            self.acute[m],
            self.los[m],
            self.dest[m],
            self.ed[m],
            self.spec[m],
            self.readmission[m],
        )

    @staticmethod
    def concat(parts: list[Episodes]) -> Episodes:
        c = Contacts.concat([p.c for p in parts])
        return Episodes(
            c,
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("acute", "los", "dest", "ed", "spec", "readmission")
            ),
        )


def admission_probability(py: PersonYears, rows: np.ndarray, share: float) -> np.ndarray:
    """Probability that an ED visit leads to admission, older and sicker patients more often.

    The weights (E) make admissions concentrate in the needier patients, so that
    about 8 % of residents are admitted in a year [S9] at 131 episodes per 1,000.
    """
    x = 0.035 * (py.age[rows] - 50) + 0.25 * _acute(py.cond[rows]) + 0.6 * py.g[rows]
    lo, hi = -10.0, 10.0
    for _ in range(50):  # solve the intercept so the mean equals ``share``
        mid = (lo + hi) / 2
        if (1 / (1 + np.exp(-(mid + x)))).mean() < share:
            lo = mid
        else:
            hi = mid
    return 1 / (1 + np.exp(-(lo + x)))


def _new(rng, py, rows, start, acute, ctx, pool, ed=None, site=None) -> Episodes:
    n = len(rows)
    linked = np.where(rng.random(n) < 0.7, ctx["pick1"][rows], ctx["pick2"][rows])
    if pool == "planned":
        code = dx.draw_from_pool(rng, dx.POOLS["planned"], n)
        hip = linked == ctx["hip_index"]
        code[hip & (rng.random(n) < 0.6)] = dx.DX["M16.1"]
    else:
        code = dx.assign(rng, "inpatient", linked)
    spec = dx.ward_specialty(code, py.age[rows], rng)
    if site is None:
        site = C.HOSPITAL_OF_MUNI[py.muni[rows]]
    local = (
        (py.muni[rows] == ctx["local_muni"])
        & (spec == C.SPEC["geriatrics"])
        & (rng.random(n) < 0.6)
        & (ed is None)
    )
    site = np.where(local, C.LOCAL_SITE, site)
    c = Contacts.of(
        rows, "inpatient", start, start.copy(), code, C.WARD[site, spec], C.PROF["physician"]
    )
    return Episodes(
        c,
        np.full(n, acute),
        np.zeros(n, np.int64),
        np.full(n, C.NO_DEST, np.int8),
        np.full(n, -1) if ed is None else ed,
        spec,
        np.zeros(n, bool),
    )


def length_of_stay(rng, ep: Episodes, age: np.ndarray) -> np.ndarray:
    """Whole days, log-normal with a long right tail; the mean is held at the target."""
    f = _LOS_FACTOR[ep.spec]
    f = f * np.where(age >= 80, 1.2, 1.0) * np.where(ep.acute, 1.0, 0.8)
    sd = A.LOS_LOG_SD
    raw = f * rng.lognormal(-(sd**2) / 2, sd, len(f))
    if len(raw) == 0:
        return np.zeros(0, np.int64)
    return np.maximum(1, np.round(raw * A.DEFAULT_MEAN_LOS / raw.mean())).astype(np.int64)


def set_times(rng, ep: Episodes) -> None:
    """Discharge at daytime ``los`` days after admission."""
    day0 = ep.c.start // DAY + ep.los
    ep.c.end = np.maximum(
        day0 * DAY + (rng.uniform(10, 16, len(day0)) * 3600).astype(np.int64), ep.c.start + 3600
    )


def resolve_overlaps(ep: Episodes, pid: np.ndarray) -> Episodes:
    """Drop stays that begin before an earlier stay of the same person has ended.

    (Moving them to just after the earlier discharge would manufacture readmissions.)
    The ED visit of a dropped ED admission stays in the data as a visit without
    admission.
    """
    order = np.lexsort((ep.c.start, pid[ep.c.row]))
    ep = ep.take(order)
    p = pid[ep.c.row]
    prev_max_end = pd.Series(ep.c.end).groupby(p).cummax().groupby(p).shift(1)
    overlap = ep.c.start <= prev_max_end.fillna(-1).to_numpy()
    return ep.take(~overlap)


def discharge_destinations(rng, ep: Episodes, age: np.ndarray) -> None:
    band = np.digitize(age, [65, 80])
    u = rng.random(len(band))
    dest = np.empty(len(band), np.int8)
    codes = np.array([C.DEST[d] for d in DESTINATIONS], np.int8)
    for b, shares in DESTINATION_SHARES.items():
        m = band == b
        cum = np.cumsum(shares)
        dest[m] = codes[np.searchsorted(cum, u[m] * cum[-1])]
    keep = ep.dest == C.DECEASED
    ep.dest = np.where(keep, C.DECEASED, dest).astype(np.int8)


def readmission_base(ep: Episodes, pid: np.ndarray, age: np.ndarray) -> tuple[float, np.ndarray]:
    """Share of living discharges (patients 65+) followed by an acute admission within 30 days."""
    order = np.lexsort((ep.c.start, pid[ep.c.row]))
    e = ep.take(order)
    p = pid[e.c.row]
    nxt_start = np.r_[e.c.start[1:], np.int64(2**62)]
    nxt_acute = np.r_[e.acute[1:], False]
    same = np.r_[p[1:] == p[:-1], False]
    followed = same & nxt_acute & (nxt_start - e.c.end <= 30 * DAY)
    index = (e.dest != C.DECEASED) & (age[e.c.row] >= 65)
    rate = followed[index].mean() if index.any() else 0.0
    out = np.empty_like(followed)
    out[order] = followed
    return float(rate), out


def add_readmissions(rng, ep: Episodes, py: PersonYears, pid, exit_day, ctx, boost=None):
    """Readmissions so that the 65+ 30-day rate reaches the target; returns the new episodes."""
    r0, followed = readmission_base(ep, pid, py.age)
    target = A.READMISSION_65_TARGET
    eligible = (ep.dest != C.DECEASED) & ~followed & (ep.dest != C.DEST["other_hospital"])
    old = py.age[ep.c.row] >= 65
    n_old = ((ep.dest != C.DECEASED) & old).sum()
    # readmissions needed among patients 65+ so that (followed + new) / (discharges + new) = target
    needed = max(target - r0, 0.0) * n_old / (1 - target)
    cohort = boost[ep.c.row] if boost is not None else np.zeros(len(ep.dest), bool)
    needed = max(needed - FRAIL_P * (eligible & old & cohort).sum(), 0.0)
    w = np.exp(0.5 * py.g[ep.c.row]) * (1 + 0.15 * _acute(py.cond[ep.c.row]))
    general = eligible & ~cohort
    scale = needed / max(w[general & old].sum(), 1e-9)
    p = np.clip(scale * w, 0, 0.9)
    p = np.where(cohort, FRAIL_P, p)
    chosen = np.flatnonzero(eligible & (rng.random(len(p)) < p))
    gap = -READMISSION_MEAN_GAP_DAYS * np.log(
        1 - rng.random(len(chosen)) * (1 - np.exp(-30 / READMISSION_MEAN_GAP_DAYS))
    )
    start = ep.c.end[chosen] + (gap * DAY).astype(np.int64)
    rows = ep.c.row[chosen]
    ok = start // DAY < exit_day[pid[rows]]
    chosen, start, rows = chosen[ok], start[ok], rows[ok]
    new = _new(rng, py, rows, start, True, ctx, "inpatient")
    same_dx = rng.random(len(rows)) < 0.5
    new.c.diagnosis[same_dx] = ep.c.diagnosis[chosen][same_dx]
    new.spec[same_dx] = ep.spec[chosen][same_dx]
    new.c.unit[same_dx] = ep.c.unit[chosen][same_dx]
    new.readmission[:] = True
    return new


def plan_days(rng, py, rows, weekdays):
    return random_days(rng, py.first[rows], py.last[rows], weekdays)


def direct_and_planned(rng, py, direct_rows, direct_days, lam_planned, ctx) -> list[Episodes]:
    rows = direct_rows
    start = direct_days * DAY + time_of_day(rng, len(rows), "any")
    direct = _new(rng, py, rows, start, True, ctx, "inpatient")
    rows = draw_counts(rng, lam_planned)
    start = plan_days(rng, py, rows, True) * DAY + time_of_day(rng, len(rows), "planned")
    planned = _new(rng, py, rows, start, False, ctx, "planned")
    return [direct, planned]


def terminal(rng, py: PersonYears, pid, death_day, ctx) -> Episodes:
    """Deaths in hospital: a final acute stay that ends on the day of death."""
    rows = np.flatnonzero(py.dies & (rng.random(len(py)) < A.IN_HOSPITAL_DEATH_SHARE))
    los = np.maximum(1, np.round(rng.lognormal(np.log(6), 0.8, len(rows)))).astype(np.int64)
    dday = death_day[pid[rows]]
    start_day = np.maximum(dday - los, py.first[rows])
    start = start_day * DAY + time_of_day(rng, len(rows), "any")
    ep = _new(rng, py, rows, start, True, ctx, "inpatient")
    ep.los = np.maximum(dday - start_day, 0)
    ep.c.end = np.maximum(
        dday * DAY + (rng.uniform(0, 24, len(rows)) * 3600).astype(np.int64), ep.c.start + 3600
    )
    ep.dest[:] = C.DECEASED
    return ep


def finish(rng, ep: Episodes, py: PersonYears, pid, exit_day, death_day) -> Episodes:
    """Drop stays after the person left; stays running over the day of death end in death."""
    ep = ep.take(ep.c.start // DAY < exit_day[pid[ep.c.row]])
    dday = death_day[pid[ep.c.row]]
    dies_in = (ep.c.end // DAY >= dday) & (ep.dest != C.DECEASED)
    ep.c.end = np.where(dies_in, np.maximum(dday * DAY + 12 * 3600, ep.c.start + 3600), ep.c.end)
    ep.dest = np.where(dies_in, C.DECEASED, ep.dest).astype(np.int8)
    ep.los = np.maximum(ep.c.end // DAY - ep.c.start // DAY, 0)
    return ep
