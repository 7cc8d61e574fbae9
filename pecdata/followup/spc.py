"""Statistical process control (SPC) charts: is a change a signal or noise?

* :func:`xmr_chart` - individuals and moving range, for rates (e.g. admissions per
  1,000 residents-years per month).
* :func:`p_chart` - for shares, e.g. 30-day readmissions (limits widen where a period
  has fewer cases).
* :func:`special_causes` - the usual special-cause rules (after Western Electric and
  Nelson): a point outside the 3-sigma limits; 8 in a row on one side of the centre
  line; 6 in a row steadily rising or falling; 2 of 3 beyond 2 sigma on the same side.
* :func:`plot_control_chart` - either chart with its signals marked.

Used in step 9 (implement and follow up) beside :mod:`pecdata.followup`, which
re-exports these names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["special_causes", "xmr_chart", "p_chart", "plot_control_chart"]


def special_causes(z) -> pd.DataFrame:
    """The special-cause rules on standardised values ``z = (value - centre) / sigma``.

    Columns (True where the point is part of a signal): ``outside_limits`` (beyond 3
    sigma), ``run_of_8`` (8 or more in a row on one side of the centre),
    ``trend_of_6`` (6 or more in a row steadily rising or falling),
    ``two_of_three`` (2 of 3 in a row beyond 2 sigma on the same side), and
    ``signal`` (any rule).

    Examples
    --------
    >>> z = [0.1, 0.2, 0.3, 0.2, 0.5, 0.4, 0.1, 0.3, -1, 3.5]
    >>> s = special_causes(z)
    >>> s.run_of_8.tolist()[:8] == [True] * 8, bool(s.outside_limits.iloc[-1])
    (True, True)
    """
    z = np.asarray(z, float)
    n = len(z)
    out = pd.DataFrame({"outside_limits": np.abs(z) > 3}, index=range(n))
    side = np.sign(z)
    run = np.zeros(n, bool)
    start = 0
    for i in range(1, n + 1):
        if i == n or side[i] != side[start] or side[i] == 0:
            if side[start] != 0 and i - start >= 8:
                run[start:i] = True
            start = i
    out["run_of_8"] = run
    step = np.sign(np.diff(z))
    trend = np.zeros(n, bool)
    start = 0
    for i in range(1, len(step) + 1):
        if i == len(step) or step[i] != step[start] or step[i] == 0:
            if step[start] != 0 and i - start >= 5:  # 5 steps = 6 points
                trend[start : i + 1] = True
            start = i
    out["trend_of_6"] = trend
    two = np.zeros(n, bool)
    for sign in (1, -1):
        beyond = sign * z > 2
        for i in range(n - 2):
            if beyond[i : i + 3].sum() >= 2:
                two[i : i + 3] |= beyond[i : i + 3]
    out["two_of_three"] = two
    out["signal"] = out.any(axis=1)
    return out


def _limits(chart: pd.DataFrame, sigma, baseline_periods) -> pd.DataFrame:
    z = (chart.value - chart.centre) / sigma
    chart["sigma"] = sigma
    chart["ucl"] = chart.centre + 3 * sigma
    chart["lcl"] = chart.centre - 3 * sigma
    return pd.concat([chart, special_causes(z.to_numpy()).set_index(chart.index)], axis=1)


def _baseline_n(n: int, baseline_periods) -> int:
    k = n if baseline_periods is None else baseline_periods
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= n:
        raise ValueError(
            f"baseline_periods must be a whole number from 2 to {n} (the points "
            f"that set the limits), got {baseline_periods!r}"
        )
    return int(k)


def xmr_chart(values, periods=None, baseline_periods: int | None = None) -> pd.DataFrame:
    """Individuals (X) and moving-range (mR) chart with special-cause rules.

    Limits: centre +/- 2.66 x the mean moving range (sigma = mean mR / d2, d2 = 1.128), computed
    from the first ``baseline_periods`` points (all by default) and extended forward.

    Parameters
    ----------
    values : sequence of float
        One value per period, e.g. a monthly rate.
    periods : sequence, optional
        Labels of the periods (default 0, 1, 2 ...).
    baseline_periods : int, optional
        How many of the first points set the centre line and limits (e.g. the months
        before a pilot), so that later points are judged against them.

    Returns
    -------
    DataFrame
        ``period``, ``value``, ``moving_range``, ``centre``, ``sigma``, ``ucl``,
        ``lcl``, ``mr_centre``, ``mr_ucl`` and the rule columns of :func:`special_causes`.

    Examples
    --------
    >>> c = xmr_chart([10, 12, 11, 13, 12, 11, 10, 12, 30], baseline_periods=8)
    >>> bool(c.signal.iloc[-1]), bool(c.signal.iloc[:-1].any())
    (True, False)
    """
    v = pd.Series(np.asarray(values, float))
    if v.isna().any() or len(v) < 3:
        raise ValueError("values must be at least 3 numbers without gaps")
    k = _baseline_n(len(v), baseline_periods)
    mr = v.diff().abs()
    mr_bar = mr.iloc[1:k].mean()
    chart = pd.DataFrame(
        {
            "period": range(len(v)) if periods is None else list(periods),
            "value": v,
            "moving_range": mr,
            "centre": v.iloc[:k].mean(),
        }
    )
    chart = _limits(chart, mr_bar * 2.66 / 3, k)
    chart.insert(7, "mr_centre", mr_bar)
    chart.insert(8, "mr_ucl", 3.267 * mr_bar)
    return chart


def p_chart(events, totals, periods=None, baseline_periods: int | None = None) -> pd.DataFrame:
    """p-chart for a share per period (limits widen where the period has fewer cases).

    Parameters
    ----------
    events, totals : sequence of int
        Events (e.g. readmissions) and cases (e.g. discharges) per period.
    periods, baseline_periods
        As in :func:`xmr_chart`.

    Returns
    -------
    DataFrame
        ``period``, ``events``, ``total``, ``value`` (share), ``centre``, ``sigma``,
        ``ucl``, ``lcl`` (limits kept within 0-1) and the rule columns.

    Examples
    --------
    >>> c = p_chart([10, 12, 9, 11, 30], [100, 100, 100, 100, 100])
    >>> c.signal.tolist()
    [False, False, False, False, True]
    """
    e, n = np.asarray(events, float), np.asarray(totals, float)
    if e.shape != n.shape or len(e) < 3:
        raise ValueError("events and totals must be equally long, with at least 3 periods")
    if (n <= 0).any() or (e < 0).any() or (e > n).any():
        raise ValueError("every total must be positive and events between 0 and the total")
    k = _baseline_n(len(e), baseline_periods)
    p_bar = e[:k].sum() / n[:k].sum()
    chart = pd.DataFrame(
        {
            "period": range(len(e)) if periods is None else list(periods),
            "events": e,
            "total": n,
            "value": e / n,
            "centre": p_bar,
        }
    )
    chart = _limits(chart, np.sqrt(p_bar * (1 - p_bar) / n), k)
    chart["ucl"] = chart.ucl.clip(upper=1)
    chart["lcl"] = chart.lcl.clip(lower=0)
    return chart


def plot_control_chart(chart: pd.DataFrame, title: str = "Control chart", ylabel: str = ""):
    """Plot an :func:`xmr_chart` or :func:`p_chart` with signals marked in red.

    Examples
    --------
    >>> fig = plot_control_chart(xmr_chart([5, 6, 5, 7, 6, 5, 15]))
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt

    from pecdata.plots.protect import note, small
    from pecdata.plots.theme import PALETTE

    fig, ax = plt.subplots(figsize=(9, 4))
    x = chart.period
    chart = chart.copy()
    if {"events", "total"} <= set(chart.columns):  # a p-chart: who the shares rest on
        few = small(chart.events, chart.total, chart.total - chart.events)
        chart.loc[few, ["value", "signal"]] = [np.nan, False]
    else:  # an XmR chart of whatever was measured: its values are not known to be counts
        few = np.zeros(len(chart), dtype=bool)
    ax.plot(x, chart.value, marker="o", color=PALETTE[0], zorder=2)
    ax.plot(x, chart.centre, color="black", lw=1, label="centre line")
    ax.step(x, chart.ucl, where="mid", color="grey", ls="--", lw=1, label="control limits")
    ax.step(x, chart.lcl, where="mid", color="grey", ls="--", lw=1)
    sig = chart[chart.signal]
    ax.scatter(sig.period, sig.value, color="#d62728", s=60, zorder=3, label="special cause")
    ax.set(title=title, ylabel=ylabel)
    ax.legend(fontsize="small", ncols=3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return note(fig, int(few.sum()))
