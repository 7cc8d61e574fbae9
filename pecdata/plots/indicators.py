"""Figures for step 6: funnel plots and care-pathway conformance (see :mod:`pecdata.plots`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from pecdata.analyses.funnel import FLAGS, funnel_limits
from pecdata.plots.protect import note, small
from pecdata.plots.theme import PALETTE, percent_axis

__all__ = ["funnel_plot", "conformance_plot"]
FLAG_COLOURS = dict(zip(FLAGS, (PALETTE[3], PALETTE[1], PALETTE[0], PALETTE[2], PALETTE[2])))


def figure(figsize=None) -> Figure:
    """A new figure in the project's style, not registered with pyplot (nothing to close)."""
    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=figsize, layout="constrained")
        fig.subplots = _styled(fig.subplots)
    return fig


def _styled(subplots):
    def wrapper(*args, **kwargs):
        with sns.axes_style("whitegrid"):
            return subplots(*args, **kwargs)

    return wrapper


def require(df: pd.DataFrame, columns: Sequence[str], made_by: str) -> None:
    """Clear error when a plot gets a table it cannot draw."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected a DataFrame from {made_by}(), got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"the table lacks column(s) {missing}; pass the result of {made_by}()")
    if df.empty:
        raise ValueError(f"the table from {made_by}() is empty: nothing to draw")


def funnel_plot(
    data: pd.DataFrame,
    x: str,
    y: str,
    kind: str,
    target: float | None = None,
    label: str | None = None,
    per: float = 1.0,
    highlight=None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str = "Funnel plot",
    tau2: float | None = None,
    phi: float | None = None,
) -> Figure:
    """Units as points against their size, with 95 % and 99.8 % control limits.

    Parameters
    ----------
    data : DataFrame
        One row per unit, e.g. from :func:`pecdata.analyses.indicators.avoidable_admissions`
        (``x="expected_reference"``, ``y="ratio"``, ``kind="ratio"``) or
        :func:`pecdata.analyses.indicators.readmissions_30d` (``x="discharges"``,
        ``y="rate"``, ``kind="proportion"``).
    x, y : str
        Columns of the unit's size (the denominator) and its value.
    kind : {"proportion", "rate", "ratio"}
        Which limits to draw (see :func:`pecdata.analyses.indicators.funnel_limits`).
    target : float, optional
        Centre line on the scale of ``y``; default 1 for a ratio, else the
        size-weighted mean of ``y``.
    label : str, optional
        Column with unit names; units outside the 99.8 % limits are labelled.
    per : float
        Multiplier of ``y`` relative to the raw proportion or rate (e.g. 1000).
    highlight : str or list, optional
        Unit names (in ``label``) to ring in black.
    xlabel, ylabel, title : str, optional
    tau2, phi : float, optional
        Overdispersion that widens the limits (additive random-effects variance,
        multiplicative factor; see :func:`pecdata.analyses.funnel.funnel_limits`).
        Default: what ``data.attrs["funnel"]`` records (set by
        :func:`pecdata.analyses.indicators.avoidable_admissions` and
        :func:`pecdata.analyses.funnel.funnel_data`), else none.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": ["A", "B", "C"], "n": [100, 400, 900],
    ...                   "rate": [0.30, 0.11, 0.10]})
    >>> fig = funnel_plot(d, x="n", y="rate", kind="proportion", label="unit")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['A']
    """
    require(data, [x, y] + ([label] if label else []), "an indicator function")
    size = data[x].to_numpy(float)
    value = data[y].to_numpy(float)
    if target is None:
        target = 1.0 if kind == "ratio" else float(np.nansum(value * size) / np.nansum(size))
    grid = np.linspace(max(np.nanmin(size) * 0.8, 1e-9), np.nanmax(size) * 1.05, 200)
    recorded = data.attrs.get("funnel", {})
    tau2 = float(recorded.get("tau2", 0.0)) if tau2 is None else tau2
    phi = float(recorded.get("phi_used", 1.0)) if phi is None else phi
    lim = funnel_limits(grid, target / per, kind, tau2=tau2, phi=phi)
    wide = " (widened for overdispersion)" if tau2 > 0 or phi > 1 else ""
    fig = figure()
    ax = fig.subplots()
    for col, style in (("95", ":"), ("998", "--")):
        for side in ("lower", "upper"):
            ax.plot(
                grid,
                lim[f"{side}_{col}"] * per,
                color="grey",
                ls=style,
                lw=1,
                label=f"{'95 %' if col == '95' else '99.8 %'} limits{wide}"
                if side == "upper"
                else None,
            )
    ax.axhline(target, color="black", lw=1, label="region")
    events = value * size if kind == "ratio" else value / per * size
    few = small(events) | (small(size) if kind != "ratio" else False)
    value = np.where(few, np.nan, value)
    point_lim = funnel_limits(size, target / per, kind, tau2=tau2, phi=phi)
    flag = np.select(
        [
            value > point_lim["upper_998"] * per,
            value > point_lim["upper_95"] * per,
            value < point_lim["lower_998"] * per,
            value < point_lim["lower_95"] * per,
        ],
        [FLAGS[0], FLAGS[1], FLAGS[4], FLAGS[3]],
        FLAGS[2],
    )
    ax.scatter(size, value, c=[FLAG_COLOURS[f] for f in flag], s=40, zorder=3, edgecolor="white")
    names = data[label].astype(str).to_numpy() if label else None
    if names is not None:
        out = np.isin(flag, [FLAGS[0], FLAGS[4]])
        for xi, yi, n in zip(size[out], value[out], names[out]):
            ax.annotate(n, (xi, yi), xytext=(5, 4), textcoords="offset points", fontsize="small")
        if highlight is not None:
            h = np.isin(names, [highlight] if isinstance(highlight, str) else list(highlight))
            ax.scatter(size[h], value[h], s=120, facecolor="none", edgecolor="black", zorder=4)
    ax.set_xlabel(xlabel or x.replace("_", " "))
    ax.set_ylabel(ylabel or y.replace("_", " "))
    if kind == "proportion" and per == 1:
        percent_axis(ax)
    ax.set_title(title)
    ax.legend(fontsize="small", frameon=False)
    return note(fig, int(few.sum()))


def conformance_plot(
    summary: pd.DataFrame,
    hue: str = "site",
    title: str = "Care pathways (vårdförlopp): share meeting the milestone",
) -> Figure:
    """Share of courses meeting each pathway milestone, one bar per hospital.

    Parameters
    ----------
    summary : DataFrame
        From :func:`pecdata.analyses.conformance.conformance_summary`.
    hue : str
        Column that splits the bars (``site`` or ``year``); must be in the summary.
    title : str

    Returns
    -------
    Figure

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.analyses.conformance import conformance_summary
    >>> fig = conformance_plot(conformance_summary(example_warehouse()))
    >>> fig.axes[0].get_xlabel()
    'share of courses meeting the target'
    """
    require(summary, ["description", "share_met", "courses", hue], "conformance_summary")
    d = summary.assign(**{hue: summary[hue].astype(str)})
    met = d["share_met"].to_numpy(float) * d["courses"].to_numpy(float)
    few = small(d["courses"], met, d["courses"].to_numpy(float) - met)
    d.loc[few, "share_met"] = np.nan
    rows = list(dict.fromkeys(d["description"]))
    groups = list(dict.fromkeys(d[hue]))
    h = 0.8 / max(len(groups), 1)
    fig = figure(figsize=(9, 0.55 * len(rows) * max(len(groups), 1) / 1.5 + 1.5))
    ax = fig.subplots()
    for j, g in enumerate(groups):
        sub = d[d[hue] == g].set_index("description").reindex(rows)
        ypos = np.arange(len(rows)) - 0.4 + h * (j + 0.5)
        ax.barh(
            ypos, sub["share_met"].fillna(0), height=h, color=PALETTE[j % len(PALETTE)], label=g
        )
        for yy, s, n in zip(ypos, sub["share_met"], sub["courses"]):
            if pd.notna(s):
                ax.text(s + 0.01, yy, f"{s:.0%} of {int(n)}", va="center", fontsize="x-small")
    ax.set_yticks(np.arange(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    percent_axis(ax, "x")
    ax.set_xlabel("share of courses meeting the target")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return note(fig, int(few.sum()))
