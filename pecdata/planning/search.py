"""The searches behind :func:`pecdata.planning.portfolio.sequence_pilots` (step 8).

Each pilot has ``years + 1`` start options (year 1, 2, ... or not at all). The tensors
hold, per pilot, start option and calendar year, its own cost, the staff it needs and
its value; :func:`_exact` tries every plan, :func:`_greedy` is the stated heuristic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__: list[str] = []


def _limit(name: str, value, years: int) -> np.ndarray:
    v = (
        np.broadcast_to(np.asarray(value, float), (years,)).copy()
        if np.ndim(value) == 0
        else np.asarray(value, float)
    )
    if v.shape != (years,):
        raise ValueError(f"{name} must be one number or one per year ({years}), got {value!r}")
    if not np.isfinite(v).all() or (v < 0).any():
        raise ValueError(f"{name} must be 0 or more in every year, got {value!r}")
    return v


def _tensors(prof: pd.DataFrame, keys, years: int, objective: str):
    """Per pilot, start option (years = not started) and calendar year: cost, staff, value."""
    n = len(keys)
    C = np.zeros((n, years + 1, years))
    F, V = C.copy(), C.copy()
    for j, k in enumerate(keys):
        p = prof[prof.key == k].sort_values("year_since_start")
        for s in range(years):
            m = years - s
            C[j, s, s:] = p.own_cost_sek.to_numpy()[:m]
            F[j, s, s:] = p.staff_fte.to_numpy()[:m]
            V[j, s, s:] = p[objective].to_numpy()[:m]
    return C, F, V


def _exact(C, F, V, budget, staff, W=None):
    """Every plan; the best by ``V``, ties broken by the second objective ``W``, then by
    the lower own cost (so a pilot that adds nothing to either is never started)."""
    n, base, years = C.shape
    W = np.zeros_like(V) if W is None else W
    best, best_key = None, (-np.inf, -np.inf, -np.inf)
    total = base**n
    js = np.arange(n)
    powers = base ** np.arange(n)
    tol = 1e-9 * max(1.0, float(np.abs(V).sum()))
    tol_w = 1e-9 * max(1.0, float(np.abs(W).sum()))
    for lo in range(0, total, 1 << 16):
        combos = np.arange(lo, min(total, lo + (1 << 16)))
        digits = (combos[:, None] // powers[None, :]) % base
        cost = C[js, digits].sum(1)
        fte = F[js, digits].sum(1)
        ok = (cost <= budget + 1e-6).all(1) & (fte <= staff + 1e-9).all(1)
        if not ok.any():
            continue
        val = np.where(ok, V[js, digits].sum((1, 2)), -np.inf)
        top = val >= val.max() - tol
        second = np.where(top, W[js, digits].sum((1, 2)), -np.inf)
        top &= second >= second.max() - tol_w
        spend = np.where(top, -cost.sum(1), -np.inf)
        i = int(np.argmax(spend))
        key = (val[i], second[i], spend[i])
        if (
            key[0] > best_key[0] + tol
            or (abs(key[0] - best_key[0]) <= tol and key[1] > best_key[1] + tol_w)
            or (
                abs(key[0] - best_key[0]) <= tol
                and abs(key[1] - best_key[1]) <= tol_w
                and key[2] > best_key[2] + 1e-6
            )
        ):
            best, best_key = digits[i], key
    return best


def _greedy(C, F, V, budget, staff):
    """Net effect per krona of own cost, best first; each in the earliest year it fits."""
    n, base, years = C.shape
    value_full = V[:, 0].sum(1)
    cost_full = C[:, 0].sum(1)
    ratio = np.where(cost_full > 0, value_full / np.maximum(cost_full, 1e-9), np.inf)
    order = np.lexsort((-value_full, -ratio))
    choice = np.full(n, years)
    used_c, used_f = np.zeros(years), np.zeros(years)
    for j in order:
        for s in range(years):
            if V[j, s].sum() <= 0:
                continue
            if (used_c + C[j, s] <= budget + 1e-6).all() and (
                used_f + F[j, s] <= staff + 1e-9
            ).all():
                choice[j] = s
                used_c += C[j, s]
                used_f += F[j, s]
                break
    return choice
