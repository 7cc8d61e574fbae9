"""Funnel plots: is a unit's rate different from the region's, or just small? (step 6)

A small centre's rate swings by chance; a funnel plot draws control limits that
narrow as units grow, so only real outliers fall outside. Limits follow
Spiegelhalter (2005), *Funnel plots for comparing institutional performance*,
Statistics in Medicine 24:1185-1202: exact binomial (proportions) or Poisson
(rates, observed/expected ratios) quantiles, interpolated to a smooth curve, at
95 % (about 2 standard deviations) and 99.8 % (about 3).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["FLAGS", "funnel_limits", "funnel_data"]

#: What a unit's position against the limits is called.
FLAGS = (
    "above 99.8 % limit",
    "above 95 % limit",
    "within limits",
    "below 95 % limit",
    "below 99.8 % limit",
)


def _quantile_limit(dist, p: float, denominator: np.ndarray) -> np.ndarray:
    """Spiegelhalter's interpolated control limit on the count scale, divided by ``denominator``."""
    r = dist.ppf(p)
    f_r, f_r1 = dist.cdf(r), dist.cdf(r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
        return np.maximum(r - alpha, 0) / denominator


def funnel_limits(
    denominator, target: float, kind: str = "proportion", levels: Sequence[float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Control limits of a funnel plot for each denominator.

    Parameters
    ----------
    denominator : array-like
        Number of cases for ``proportion``, exposure (e.g. person-years) for
        ``rate``, expected count for ``ratio``.
    target : float
        The value units are compared with: the overall proportion, the overall
        rate per unit of exposure, or 1 for a standardised ratio.
    kind : {"proportion", "rate", "ratio"}
        Binomial limits for a proportion, Poisson limits for a rate or an
        observed/expected ratio (Spiegelhalter 2005, with interpolation).
    levels : sequence of float
        Two-sided coverage of the limits.

    Returns
    -------
    DataFrame
        ``denominator`` and ``lower_95``/``upper_95``, ``lower_998``/``upper_998``
        (named after the levels) on the scale of the indicator.

    Examples
    --------
    >>> lim = funnel_limits([100, 10_000], target=0.1)
    >>> bool(lim.upper_95.iloc[0] > lim.upper_95.iloc[1] > 0.1)
    True
    """
    if kind not in ("proportion", "rate", "ratio"):
        raise ValueError(f"kind must be 'proportion', 'rate' or 'ratio', got {kind!r}")
    n = np.asarray(denominator, float)
    out = {"denominator": n}
    pos = np.where(n > 0, n, np.nan)
    for level in levels:
        name = f"{level * 100:g}".replace(".", "")
        if kind == "proportion":
            dist = stats.binom(np.nan_to_num(np.round(pos)).astype(int), target)
        else:
            dist = stats.poisson(pos * target)
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        out[f"lower_{name}"] = _quantile_limit(dist, lo, pos)
        out[f"upper_{name}"] = _quantile_limit(dist, hi, pos)
    return pd.DataFrame(out)


def funnel_data(
    observed,
    denominator,
    kind: str = "proportion",
    target: float | None = None,
    labels=None,
    per: float = 1.0,
) -> pd.DataFrame:
    """Each unit's value with its funnel-plot limits and a flag.

    Parameters
    ----------
    observed : array-like
        Events per unit (readmissions, admissions, ...).
    denominator : array-like
        Cases (``proportion``), exposure (``rate``) or expected events (``ratio``).
    kind : {"proportion", "rate", "ratio"}
    target : float, optional
        Default: total observed / total denominator (1 for ``ratio``).
    labels : array-like, optional
        Unit names (the index of the result).
    per : float
        Multiplier for display, e.g. 1000 for a rate per 1,000.

    Returns
    -------
    DataFrame
        ``observed``, ``denominator``, ``value`` (observed / denominator × per),
        ``target`` and the limits (× per), and ``flag``: one of "above 99.8 %
        limit", "above 95 % limit", "within limits", "below 95 % limit" or
        "below 99.8 % limit".

    Examples
    --------
    >>> f = funnel_data([5, 40], [100, 100], labels=["A", "B"])
    >>> f.flag.tolist()
    ['below 99.8 % limit', 'above 99.8 % limit']
    """
    o = np.asarray(observed, float)
    d = np.asarray(denominator, float)
    if o.shape != d.shape:
        raise ValueError(f"observed ({o.shape}) and denominator ({d.shape}) differ in length")
    if target is None:
        target = 1.0 if kind == "ratio" else (o.sum() / d.sum() if d.sum() > 0 else np.nan)
    lim = funnel_limits(d, target, kind)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(d > 0, o / d, np.nan)
    out = pd.DataFrame(
        {"observed": o, "denominator": d, "value": value * per, "target": target * per},
        index=labels,
    )
    for c in lim.columns[1:]:
        out[c] = lim[c].to_numpy() * per
    v = out["value"]
    out["flag"] = np.select(
        [v > out["upper_998"], v > out["upper_95"], v < out["lower_998"], v < out["lower_95"]],
        [FLAGS[0], FLAGS[1], FLAGS[4], FLAGS[3]],
        FLAGS[2],
    )
    out.loc[v.isna(), "flag"] = "no cases"
    return out
