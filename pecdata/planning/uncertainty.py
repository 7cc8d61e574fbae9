"""Sensitivity (tornado) and uncertainty (Monte Carlo) for scenarios.

Every effect in the catalogue is uncertain: :class:`~pecdata.planning.interventions.Intervention`
stores a low-high range beside each central value. Two questions follow:

* **Which assumptions matter?** :func:`tornado` moves one assumption at a time to its
  low and high value, the others held at their central values, and ranks them by how
  much the result swings (one-way sensitivity analysis).
* **How sure can we be?** :func:`monte_carlo` draws every assumption at once from a
  triangular distribution (low, central, high), independently, runs the scenario for
  each draw and :func:`uncertainty_intervals` summarises the draws as intervals
  (probabilistic sensitivity analysis). Draws come from ``numpy.random.default_rng(seed)``,
  so the same seed gives the same intervals.

The share of freed capacity that management releases is a decision more than an
assumption, but it is the largest driver of the cost result, so it is drawn by default
(:data:`DEFAULT_CAPACITY_RANGE`, in the tornado as in the Monte Carlo); pass
``capacity_range=None`` to hold it at ``capacity_released`` and say so beside the result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.planning.scenarios import MEASURES, _evaluate, _growth

__all__ = [
    "DEFAULT_CAPACITY_RANGE",
    "uncertain_parameters",
    "tornado",
    "plot_tornado",
    "draw_parameters",
    "monte_carlo",
    "uncertainty_intervals",
    "plot_uncertainty",
]

CAPACITY = ("scenario", "capacity_released")
#: Low and high share of freed capacity that is really removed (posts not refilled, beds
#: closed). E: from "half of it" as the central case, a quarter to three quarters; Kaplan &
#: Anderson (2007): unused capacity is a saving only when management acts on it.
DEFAULT_CAPACITY_RANGE = (0.25, 0.75)
_STOCKS = {m for m, (_, unit, _) in MEASURES.items() if unit in ("FTE", "beds")}


def _outcome(arr: dict, measure: str) -> float:
    """Change over the horizon: summed for flows (SEK, episodes), last year for stocks."""
    change = arr[measure][1] - arr[measure][0]
    return float(change[-1] if measure in _STOCKS else change.sum())


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose from {list(MEASURES)}")


def uncertain_parameters(
    interventions, capacity_released: float = 0.5, capacity_range: tuple | None = None
) -> pd.DataFrame:
    """The assumptions with a range: intervention, parameter, central value, low, high.

    Parameters
    ----------
    interventions : list of Intervention
    capacity_released : float
        Central share of freed capacity released.
    capacity_range : tuple, optional
        Its low and high value; adds a row ``("scenario", "capacity_released")``.

    Returns
    -------
    DataFrame
        ``intervention``, ``parameter``, ``value``, ``low``, ``high``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> p = uncertain_parameters([catalogue()["digital_visits"]], capacity_range=(0.25, 0.75))
    >>> p.parameter.tolist()
    ['shifts.0.share', 'shifts.0.ratio', 'fixed_cost_per_100k_sek', 'capacity_released']
    """
    rows = [
        (iv.key, name, iv.parameter(name), lo, hi)
        for iv in interventions
        for name, (lo, hi) in iv.ranges.items()
    ]
    if capacity_range is not None:
        lo, hi = capacity_range
        if not 0 <= lo <= capacity_released <= hi <= 1:
            raise ValueError(
                f"capacity_range {capacity_range!r} must lie within 0-1 and "
                f"around capacity_released={capacity_released!r}"
            )
        rows.append((*CAPACITY, capacity_released, lo, hi))
    return pd.DataFrame(rows, columns=["intervention", "parameter", "value", "low", "high"])


def _apply(interventions, changes: dict):
    """Interventions with parameter values replaced ({(key, parameter): value})."""
    out = []
    for iv in interventions:
        for (key, name), value in changes.items():
            if key == iv.key:
                iv = iv.with_parameter(name, value)
        out.append(iv)
    return out


def tornado(
    baseline,
    interventions,
    measure: str = "total_cost_sek",
    horizon: int = 5,
    capacity_released: float = 0.5,
    capacity_range: tuple | None = DEFAULT_CAPACITY_RANGE,
    projection: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One-way sensitivity: the result at each assumption's low and high value.

    Parameters
    ----------
    baseline : Baseline
    interventions : list of Intervention
    measure : str
        A key of :data:`pecdata.planning.scenarios.MEASURES`. The result is its change against
        the baseline summed over the horizon (in the last year for FTE and beds).
    horizon, capacity_released, projection
        As in :func:`pecdata.planning.scenarios.run_scenario`.
    capacity_range : tuple, optional
        Low and high share of freed capacity released; ``None`` leaves it out.

    Returns
    -------
    DataFrame
        One row per assumption, widest swing first: ``intervention``, ``parameter``,
        ``value``, ``low``, ``high``, ``result_low``, ``result_high``, ``result_central``
        and ``swing``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> t = tornado(b, [catalogue()["remote_monitoring"]], measure="acute_admissions")
    >>> t.iloc[0].parameter in ("admissions", "coverage")
    True
    """
    _check_measure(measure)
    ivs = list(interventions)
    growth = _growth(baseline, horizon, projection)

    def run(changes, released=capacity_released):
        return _outcome(
            _evaluate(baseline, _apply(ivs, changes), horizon, released, growth=growth), measure
        )

    central = run({})
    rows = []
    for p in uncertain_parameters(ivs, capacity_released, capacity_range).itertuples():
        if (p.intervention, p.parameter) == CAPACITY:
            lo, hi = run({}, p.low), run({}, p.high)
        else:
            key = (p.intervention, p.parameter)
            lo, hi = run({key: p.low}), run({key: p.high})
        rows.append((p.intervention, p.parameter, p.value, p.low, p.high, lo, hi, central))
    df = pd.DataFrame(
        rows,
        columns=[
            "intervention",
            "parameter",
            "value",
            "low",
            "high",
            "result_low",
            "result_high",
            "result_central",
        ],
    )
    df["swing"] = (df.result_high - df.result_low).abs()
    out = df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["measure"] = measure
    return out


def plot_tornado(table: pd.DataFrame, top: int = 12):
    """Tornado diagram of :func:`tornado`'s table (widest bar on top).

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> fig = plot_tornado(tornado(b, list(catalogue().values())))
    >>> fig.axes[0].get_xlabel()
    'Change in total cost, all years (SEK)'
    """
    import matplotlib.pyplot as plt

    from pecdata.plots.theme import PALETTE, sek_axis

    t = table.head(top).iloc[::-1]
    measure = table.attrs.get("measure", "total_cost_sek")
    label, unit, _ = MEASURES[measure]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.5))
    y = np.arange(len(t))
    c = t.result_central.iloc[0] if len(t) else 0
    ax.barh(y, t.result_low - c, left=c, color=PALETTE[0], label="assumption at low value")
    ax.barh(y, t.result_high - c, left=c, color=PALETTE[1], label="assumption at high value")
    ax.axvline(c, color="black", lw=0.8)
    ax.set_yticks(y, [f"{i}: {p}" for i, p in zip(t.intervention, t.parameter)])
    span = "last year" if measure in _STOCKS else "all years"
    ax.set(
        xlabel=f"Change in {label[0].lower() + label[1:]}, {span} ({unit})",
        title="Which assumptions matter most? (one-way sensitivity)",
    )
    if unit == "SEK":
        sek_axis(ax, "x", millions=True)
        ax.set_xlabel(ax.get_xlabel())
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def draw_parameters(
    interventions,
    n: int = 1000,
    seed: int = 2022,
    capacity_released: float = 0.5,
    capacity_range: tuple | None = DEFAULT_CAPACITY_RANGE,
) -> pd.DataFrame:
    """Draw every ranged assumption ``n`` times (triangular: low, central value, high).

    Draws are independent of each other; the same seed gives the same draws (this is
    what :func:`monte_carlo` runs).

    Parameters
    ----------
    interventions : list of Intervention
    n : int
        Number of draws (1-100,000).
    seed : int
        Seed of ``numpy.random.default_rng``.
    capacity_released, capacity_range
        As in :func:`tornado`.

    Returns
    -------
    DataFrame
        One row per draw, one column per assumption named ``"<intervention>: <parameter>"``
        and ``"scenario: capacity_released"`` (unless ``capacity_range`` is None: held).

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> d = draw_parameters([catalogue()["mobile_home_team"]], n=2000, seed=1)
    >>> bool(d["mobile_home_team: admissions"].between(-0.30, 0.0).all())
    True
    """
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= 100_000:
        raise ValueError(f"n must be a whole number of draws from 1 to 100,000, got {n!r}")
    params = uncertain_parameters(list(interventions), capacity_released, capacity_range)
    rng = np.random.default_rng(seed)
    lo, hi = params.low.to_numpy(float), params.high.to_numpy(float)
    mode = np.clip(params.value.to_numpy(float), lo, hi)
    u = rng.random((n, len(params)))
    width = np.where(hi > lo, hi - lo, 1.0)
    left = lo + np.sqrt(u * width * (mode - lo))
    right = hi - np.sqrt((1 - u) * width * (hi - mode))
    draws = np.where(hi > lo, np.where(u < (mode - lo) / width, left, right), mode)
    return pd.DataFrame(
        draws, columns=[f"{k}: {p}" for k, p in zip(params.intervention, params.parameter)]
    )


def monte_carlo(
    baseline,
    interventions,
    n: int = 1000,
    seed: int = 2022,
    horizon: int = 5,
    capacity_released: float = 0.5,
    capacity_range: tuple | None = DEFAULT_CAPACITY_RANGE,
    projection: pd.DataFrame | None = None,
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
) -> pd.DataFrame:
    """Run the scenario ``n`` times with every ranged assumption drawn at once.

    Parameters
    ----------
    n : int
        Number of draws (1-100,000); :func:`draw_parameters` makes them.
    seed : int
        Seed of ``numpy.random.default_rng``.
    measures : sequence of str
        Measures to keep (keys of :data:`pecdata.planning.scenarios.MEASURES`).
    capacity_released, capacity_range
        The share of freed capacity really removed is drawn from ``capacity_range``
        (default :data:`DEFAULT_CAPACITY_RANGE`, triangular around
        ``capacity_released``); ``capacity_range=None`` holds it at
        ``capacity_released`` (state that the interval then leaves it out).
    Other parameters as in :func:`tornado`.

    Returns
    -------
    DataFrame
        One row per draw, year and measure: ``draw``, ``year``, ``measure``,
        ``baseline``, ``scenario``, ``change``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> d = monte_carlo(b, [catalogue()["mobile_home_team"]], n=50, seed=1, horizon=3)
    >>> d.draw.nunique(), sorted(d.year.unique().tolist())
    (50, [2025, 2026, 2027])
    """
    for m in measures:
        _check_measure(m)
    ivs = list(interventions)
    draws = draw_parameters(ivs, n, seed, capacity_released, capacity_range)
    keys = [tuple(c.split(": ", 1)) for c in draws.columns]
    growth = _growth(baseline, horizon, projection)
    years = baseline.base_year + 1 + np.arange(horizon)
    out = np.empty((n, len(measures), 2, horizon))
    for i, row in enumerate(draws.to_numpy()):
        changes = dict(zip(keys, row))
        released = changes.pop(CAPACITY, capacity_released)
        arr = _evaluate(baseline, _apply(ivs, changes), horizon, released, growth=growth)
        for j, m in enumerate(measures):
            out[i, j] = arr[m]
    idx = pd.MultiIndex.from_product(
        [range(n), list(measures), years], names=["draw", "measure", "year"]
    )
    df = pd.DataFrame(
        {"baseline": out[:, :, 0, :].ravel(), "scenario": out[:, :, 1, :].ravel()}, index=idx
    ).reset_index()
    df["change"] = df.scenario - df.baseline
    return df[["draw", "year", "measure", "baseline", "scenario", "change"]]


def uncertainty_intervals(
    draws: pd.DataFrame, level: float = 0.90, cumulative: bool = False
) -> pd.DataFrame:
    """Mean, median and interval of each measure's change per year (or summed).

    Parameters
    ----------
    draws : DataFrame
        From :func:`monte_carlo`.
    level : float
        Coverage of the interval (0.90 gives the 5th and 95th percentiles).
    cumulative : bool
        Sum flows over the years first (stocks such as FTE: last year).

    Returns
    -------
    DataFrame
        ``measure``, ``year`` (or ``"all years"``), ``mean``, ``median``, ``low``,
        ``high`` and ``share_below_zero`` (e.g. the probability that cost falls).

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> d = monte_carlo(b, [catalogue()["remote_monitoring"]], n=100, seed=3, horizon=3)
    >>> iv = uncertainty_intervals(d, cumulative=True).set_index("measure")
    >>> bool(iv.loc["acute_admissions", "high"] < 0)
    True
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.90), got {level!r}")
    need = {"draw", "year", "measure", "change"}
    if not need <= set(draws.columns):
        raise ValueError(f"draws needs columns {sorted(need)} (from monte_carlo)")
    d = draws
    if cumulative:
        last = d[d.year == d.year.max()]
        flows = d[~d.measure.isin(_STOCKS)].groupby(["draw", "measure"], sort=False).change.sum()
        stocks = last[last.measure.isin(_STOCKS)].set_index(["draw", "measure"]).change
        d = pd.concat([flows, stocks]).reset_index().assign(year="all years")
    a = (1 - level) / 2
    g = d.groupby(["measure", "year"], sort=False).change
    out = pd.DataFrame(
        {
            "mean": g.mean(),
            "median": g.median(),
            "low": g.quantile(a),
            "high": g.quantile(1 - a),
            "share_below_zero": g.apply(lambda s: float((s < 0).mean())),
        }
    ).reset_index()
    out.attrs["level"] = level
    return out


def plot_uncertainty(draws: pd.DataFrame, measure: str = "total_cost_sek", level: float = 0.90):
    """Fan chart of a measure's change by year, and the spread of its total.

    Parameters
    ----------
    draws : DataFrame
        From :func:`monte_carlo`.
    measure : str
        One of the measures in ``draws``.
    level : float
        Coverage of the interval shown.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> d = monte_carlo(b, list(catalogue().values()), n=40, seed=1, horizon=3)
    >>> len(plot_uncertainty(d).axes)
    2
    """
    import matplotlib.pyplot as plt

    from pecdata.plots.theme import PALETTE, sek_axis

    _check_measure(measure)
    sub = draws[draws.measure == measure]
    if sub.empty:
        raise ValueError(f"draws has no rows for measure {measure!r}; pass it to monte_carlo")
    per_year = uncertainty_intervals(sub, level)
    total = uncertainty_intervals(sub, level, cumulative=True).iloc[0]
    label, unit, _ = MEASURES[measure]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    yrs = per_year.year.astype(int)
    ax1.fill_between(
        yrs, per_year.low, per_year.high, color=PALETTE[0], alpha=0.3, label=f"{level:.0%} interval"
    )
    ax1.plot(yrs, per_year["median"], marker="o", color=PALETTE[0], label="median")
    ax1.axhline(0, color="grey", lw=0.8)
    ax1.set(xlabel="Year", ylabel=f"Change ({unit})", title=f"{label}: change by year")
    ax1.set_xticks(yrs)
    ax1.legend(fontsize="small")
    span = "last year" if measure in _STOCKS else "all years"
    tot = (
        sub[sub.year == sub.year.max()].change
        if measure in _STOCKS
        else sub.groupby("draw").change.sum()
    )
    ax2.hist(tot, bins=30, color=PALETTE[1])
    for v in (total.low, total.high):
        ax2.axvline(v, color="black", ls="--", lw=0.8)
    ax2.set(
        xlabel=f"Change, {span} ({unit})",
        ylabel="Draws",
        title=f"P(below zero) = {total.share_below_zero:.0%}",
    )
    if unit == "SEK":
        sek_axis(ax1, "y", millions=True)
        sek_axis(ax2, "x", millions=True)
    fig.tight_layout()
    return fig
