"""Funnel plots: is a unit's rate different from the region's, or just small? (step 6)

A small centre's rate swings by chance; a funnel plot draws control limits that
narrow as units grow, so only real outliers fall outside. Limits follow
Spiegelhalter (2005), *Funnel plots for comparing institutional performance*,
Statistics in Medicine 24:1185-1202: exact binomial (proportions) or Poisson
(rates, observed/expected ratios) quantiles, interpolated to a smooth curve, at
95 % (about 2 standard deviations) and 99.8 % (about 3).

Two things keep a funnel plot from flagging what chance or the comparison itself makes:

* **The reference excludes the unit judged** (``reference="others"``): a large outlier
  pulls a region-wide target towards itself, so it looks less extreme and its peers look
  more extreme. Each unit is compared with the rate of all the *other* units
  (leave-one-out).
* **Overdispersion** (:func:`overdispersion`): when units differ more than chance
  allows (case mix not in the standardisation, local practice), exact limits flag many
  units that are only "normal" variation. Following Spiegelhalter (2005), *Handling
  over-dispersion of performance indicators*, Qual Saf Health Care 14:347-351, the
  z-scores are winsorised (10 % in each tail, so outliers do not inflate the estimate)
  and the dispersion ``phi`` is their mean square, divided by what that mean square is
  for standard normal z-scores (0.68 at 10 %, :func:`winsor_consistency`): without
  that, winsorising alone pulls ``phi`` down by a third and ``tau2`` to about 0, and
  the limits flag about twice what chance gives. ``overdispersion="additive"`` (the
  default of :func:`pecdata.analyses.indicators.avoidable_admissions`) widens the limits
  by the random-effects variance ``tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``
  with ``w = 1 / s^2`` (limits ``target +- z sqrt(s^2 + tau2)``): the moment estimate,
  0 when ``phi <= (I - 1) / I``, used without a significance test first, because with
  25 centres the test misses dispersion of the size the region has (``phi`` about 1.6
  on unplanted regions).
  ``"multiplicative"`` multiplies ``s^2`` by ``phi`` when the test of ``I * phi``
  against a chi-square with ``I - 1`` degrees of freedom finds it above 1. The exact
  limit's distance from the target is widened by the same factor (``sqrt(1 + tau2 /
  s^2)`` or ``sqrt(phi)``), so small units keep their exact, skewed limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FLAGS",
    "DEFAULT_WINSOR",
    "OVERDISPERSION_SOURCE",
    "overdispersion",
    "winsor_consistency",
    "funnel_limits",
    "funnel_data",
]

#: Share of z-scores winsorised in each tail before the dispersion is estimated.
DEFAULT_WINSOR = 0.10
#: Where the overdispersion method comes from.
OVERDISPERSION_SOURCE = (
    "Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health "
    "Care 2005;14:347-351 (10 % winsorised z-scores; multiplicative phi or additive "
    "random-effects tau^2); Spiegelhalter DJ. Funnel plots for comparing institutional "
    "performance. Stat Med 2005;24:1185-1202 (R)"
)

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


def _null_sd(kind: str, target, denominator) -> np.ndarray:
    """Standard deviation of a unit's value when it is on target (binomial or Poisson)."""
    t = np.asarray(target, float)
    n = np.where(np.asarray(denominator, float) > 0, np.asarray(denominator, float), np.nan)
    var = t * (1 - t) if kind == "proportion" else t
    return np.sqrt(var / n)


def _check_kind(kind: str) -> None:
    if kind not in ("proportion", "rate", "ratio"):
        raise ValueError(f"kind must be 'proportion', 'rate' or 'ratio', got {kind!r}")


def overdispersion(
    observed, denominator, target, kind: str = "proportion", winsor: float = DEFAULT_WINSOR
) -> dict:
    """Spiegelhalter's (2005) overdispersion estimate from winsorised z-scores.

    Parameters
    ----------
    observed, denominator : array-like
        As in :func:`funnel_data`.
    target : float or array-like
        Each unit's reference (one value, or one per unit for leave-one-out).
    kind : {"proportion", "rate", "ratio"}
    winsor : float
        Share of z-scores pulled in to the quantile in each tail (0 for none).

    Returns
    -------
    dict
        ``units`` (I), ``phi`` (mean squared winsorised z over
        :func:`winsor_consistency`), ``p_value`` (chi-square test
        of ``I phi`` on ``I - 1`` degrees of freedom: small = overdispersed), ``tau2``
        (additive random-effects variance, 0 if ``phi`` does not exceed
        ``(I - 1) / I``) and ``z`` (the unwinsorised z-scores).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = np.full(40, 1000)
    >>> same = overdispersion(rng.binomial(n, 0.1), n, 0.1)
    >>> mixed = overdispersion(rng.binomial(n, rng.uniform(0.05, 0.15, 40)), n, 0.1)
    >>> bool(same["p_value"] > 0.05), bool(mixed["p_value"] < 0.05 and mixed["tau2"] > 0)
    (True, True)
    """
    _check_kind(kind)
    if not 0 <= winsor < 0.5:
        raise ValueError(f"winsor must be a share from 0 to 0.5, got {winsor!r}")
    o = np.asarray(observed, float)
    d = np.asarray(denominator, float)
    t = np.broadcast_to(np.asarray(target, float), o.shape)
    sd = _null_sd(kind, t, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (np.where(d > 0, o / d, np.nan) - t) / sd
    ok = np.isfinite(z)
    zi, w = z[ok], 1 / sd[ok] ** 2
    units = int(ok.sum())
    if units < 3:
        return dict(units=units, phi=np.nan, p_value=np.nan, tau2=0.0, z=z)
    lo, hi = np.quantile(zi, [winsor, 1 - winsor]) if winsor > 0 else (-np.inf, np.inf)
    phi = float(np.mean(np.clip(zi, lo, hi) ** 2)) / winsor_consistency(winsor)
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    p = float(stats.chi2.sf(units * phi, units - 1))
    return dict(units=units, phi=phi, p_value=p, tau2=float(tau2), z=z)


def winsor_consistency(winsor: float = DEFAULT_WINSOR) -> float:
    """Mean square of a standard normal z winsorised at its ``winsor`` and ``1 - winsor``
    quantiles: what the winsorised mean square estimates when ``phi`` is 1.

    Pulling the tails in shrinks the mean square even without overdispersion (0.68 at
    10 %), so the raw mean square estimates ``0.68 phi``, not ``phi``, and ``tau2``
    comes out near 0 when the units are only moderately overdispersed. Dividing by this
    factor makes the estimate consistent (as a robust scale estimate is made consistent
    for the normal), while the winsorisation still keeps outliers out of it.

    Examples
    --------
    >>> round(winsor_consistency(0.10), 3), winsor_consistency(0.0)
    (0.679, 1.0)
    """
    if winsor <= 0:
        return 1.0
    c = stats.norm.ppf(1 - winsor)
    middle = (1 - 2 * winsor) - 2 * c * stats.norm.pdf(c)  # E[z^2; |z| < c]
    return float(middle + 2 * winsor * c**2)


_estimate_overdispersion = overdispersion  # funnel_data's argument has the same name


def funnel_limits(
    denominator,
    target,
    kind: str = "proportion",
    levels: Sequence[float] = (0.95, 0.998),
    tau2: float = 0.0,
    phi: float = 1.0,
) -> pd.DataFrame:
    """Control limits of a funnel plot for each denominator.

    Parameters
    ----------
    denominator : array-like
        Number of cases for ``proportion``, exposure (e.g. person-years) for
        ``rate``, expected count for ``ratio``.
    target : float or array-like
        The value units are compared with: the overall proportion, the overall
        rate per unit of exposure, or 1 for a standardised ratio (one value, or one
        per denominator, e.g. the rate of the other units).
    kind : {"proportion", "rate", "ratio"}
        Binomial limits for a proportion, Poisson limits for a rate or an
        observed/expected ratio (Spiegelhalter 2005, with interpolation).
    levels : sequence of float
        Two-sided coverage of the limits.
    tau2 : float
        Additive random-effects variance (:func:`overdispersion`): the exact limit's
        distance from the target is multiplied by ``sqrt(1 + tau2 / s^2)``.
    phi : float
        Multiplicative overdispersion: the distance is multiplied by ``sqrt(phi)``
        (values below 1 are taken as 1).

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
    >>> wide = funnel_limits([100, 10_000], target=0.1, tau2=0.0004)
    >>> bool((wide.upper_95 > lim.upper_95).all())
    True
    """
    _check_kind(kind)
    if not np.isfinite(tau2) or tau2 < 0:
        raise ValueError(f"tau2 must be 0 or more, got {tau2!r}")
    if not np.isfinite(phi) or phi <= 0:
        raise ValueError(f"phi must be above 0, got {phi!r}")
    n = np.asarray(denominator, float)
    target = np.broadcast_to(np.asarray(target, float), n.shape)
    out = {"denominator": n}
    pos = np.where(n > 0, n, np.nan)
    sd = _null_sd(kind, target, pos)
    with np.errstate(invalid="ignore", divide="ignore"):
        widen = np.sqrt(max(phi, 1.0) * (1 + np.where(sd > 0, tau2 / sd**2, 0.0)))
    cap = 1.0 if kind == "proportion" else np.inf
    for level in levels:
        name = f"{level * 100:g}".replace(".", "")
        if kind == "proportion":
            dist = stats.binom(np.nan_to_num(np.round(pos)).astype(int), target)
        else:
            dist = stats.poisson(pos * target)
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        lower, upper = _quantile_limit(dist, lo, pos), _quantile_limit(dist, hi, pos)
        out[f"lower_{name}"] = np.maximum(target - (target - lower) * widen, 0.0)
        out[f"upper_{name}"] = np.minimum(target + (upper - target) * widen, cap)
    return pd.DataFrame(out)


def funnel_data(
    observed,
    denominator,
    kind: str = "proportion",
    target: float | None = None,
    labels=None,
    per: float = 1.0,
    reference: str = "all",
    overdispersion: str | None = None,
    winsor: float = DEFAULT_WINSOR,
    level: float = 0.95,
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
    reference : {"all", "others"}
        Compare each unit with the rate of all units (default) or of all the *other*
        units (leave-one-out, so an outlier does not move its own target). For a
        ``ratio`` the reference is built into the expected counts (see
        :func:`pecdata.analyses.indicators.avoidable_admissions`), so only ``"all"``.
    overdispersion : {None, "additive", "multiplicative"}
        Estimate overdispersion (:func:`overdispersion`) and widen the limits by the
        random-effects variance ``tau2`` when it is above 0 (additive), or by ``phi``
        when the test finds it (p below ``1 - level``; multiplicative). None: exact
        limits.
    winsor : float
        Winsorisation of the z-scores for the estimate.
    level : float
        The multiplicative test's level (0.95: overdispersion when p < 0.05).

    Returns
    -------
    DataFrame
        ``observed``, ``denominator``, ``value`` (observed / denominator × per),
        ``target`` and the limits (× per), ``z`` and ``flag``: one of "above 99.8 %
        limit", "above 95 % limit", "within limits", "below 95 % limit" or
        "below 99.8 % limit". ``attrs["funnel"]`` records the reference, the
        overdispersion method, ``phi``, ``tau2``, ``p_value`` and whether the limits
        were widened (``widened``).

    Examples
    --------
    >>> f = funnel_data([5, 40], [100, 100], labels=["A", "B"])
    >>> f.flag.tolist()
    ['below 99.8 % limit', 'above 99.8 % limit']
    >>> f = funnel_data([30, 44, 50, 61, 80], [500] * 5, overdispersion="additive")
    >>> f.attrs["funnel"]["widened"], f.flag.tolist().count("within limits")
    (True, 5)
    """
    _check_kind(kind)
    if reference not in ("all", "others"):
        raise ValueError(f"reference must be 'all' or 'others', got {reference!r}")
    if reference == "others" and kind == "ratio":
        raise ValueError(
            "reference='others' needs the expected counts of a ratio to be built from the "
            "other units (avoidable_admissions does this); use reference='all' here"
        )
    if overdispersion not in (None, "additive", "multiplicative"):
        raise ValueError(
            f"overdispersion must be None, 'additive' or 'multiplicative', got {overdispersion!r}"
        )
    o = np.asarray(observed, float)
    d = np.asarray(denominator, float)
    if o.shape != d.shape:
        raise ValueError(f"observed ({o.shape}) and denominator ({d.shape}) differ in length")
    if target is None and reference == "others":
        with np.errstate(invalid="ignore", divide="ignore"):
            target = np.where(d.sum() - d > 0, (o.sum() - o) / (d.sum() - d), np.nan)
    elif target is None:
        target = 1.0 if kind == "ratio" else (o.sum() / d.sum() if d.sum() > 0 else np.nan)
    target = np.broadcast_to(np.asarray(target, float), o.shape)
    disp = _estimate_overdispersion(o, d, target, kind, winsor)
    if overdispersion == "additive":  # the moment estimate, 0 when phi <= (I - 1) / I
        widened = disp["tau2"] > 0
    else:
        widened = bool(overdispersion is not None and disp["p_value"] < 1 - level)
    tau2 = disp["tau2"] if widened and overdispersion == "additive" else 0.0
    phi = disp["phi"] if widened and overdispersion == "multiplicative" else 1.0
    lim = funnel_limits(d, target, kind, tau2=tau2, phi=phi)
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
    out["z"] = disp["z"]
    out.attrs["funnel"] = dict(
        kind=kind,
        reference=reference,
        overdispersion=overdispersion,
        units=disp["units"],
        phi=disp["phi"],
        p_value=disp["p_value"],
        tau2_estimate=disp["tau2"],
        tau2=tau2,
        phi_used=phi,
        widened=widened,
        source=OVERDISPERSION_SOURCE,
    )
    return out
