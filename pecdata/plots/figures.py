"""Figures for steps 3, 5 and 6, in the project's look (:mod:`pecdata.plots.theme`).

Each function takes the table an analysis returns and gives back a
:class:`matplotlib.figure.Figure`; nothing is shown, switched or closed here.
In a notebook, put the figure last in the cell (``fig``) to show it, or save it
with ``fig.savefig("name.png")``.

Step 3: :func:`utilisation_plot`, :func:`trend_plot`, :func:`flow_plot`,
:func:`occupancy_plot`. Step 5: :func:`lorenz_plot`, :func:`segment_plot`,
:func:`transition_heatmap`. Step 6: :func:`funnel_plot`, :func:`conformance_plot`
(from :mod:`pecdata.plots.indicators`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from pecdata.analyses.segments import SEGMENT_LABELS
from pecdata.plots.indicators import conformance_plot, figure, funnel_plot, require
from pecdata.plots.protect import note, small
from pecdata.plots.theme import LEVEL_COLOURS, LEVEL_LABELS, PALETTE, per_1000_axis, percent_axis
from pecdata.warehouse.privacy import protecting_figures

__all__ = [
    "utilisation_plot",
    "trend_plot",
    "flow_plot",
    "occupancy_plot",
    "lorenz_plot",
    "segment_plot",
    "transition_heatmap",
    "funnel_plot",
    "conformance_plot",
]


# --- step 3 ------------------------------------------------------------------------------------
def utilisation_plot(
    util: pd.DataFrame,
    x: str = "age_band",
    levels=None,
    title: str = "Utilisation per 1,000 residents (vårdkonsumtion)",
) -> Figure:
    """Small multiples: the rate per 1,000 residents against ``x``, one panel per level of care.

    Parameters
    ----------
    util : DataFrame
        From :func:`pecdata.analyses.current_state.utilisation_per_1000` with ``by``
        including ``x`` and ``care_level``; other population groups (e.g. ``sex``)
        are summed over.
    x : str
        Column for the horizontal axis (``age_band``, ``municipality_code``, ``year``).
    levels : list of str, optional
        Levels of care to show (default: all present).
    title : str

    Returns
    -------
    Figure

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.analyses.current_state import utilisation_per_1000
    >>> u = utilisation_per_1000(example_warehouse(), by=["age_band", "care_level"])
    >>> fig = utilisation_plot(u)
    >>> len(fig.axes)
    8
    """
    require(util, [x, "care_level", "count", "person_years"], "utilisation_per_1000")
    levels = levels or [lv for lv in LEVEL_LABELS if lv in set(util["care_level"].astype(str))]
    d = util.assign(care_level=util["care_level"].astype(str))
    ncol = 4
    nrow = int(np.ceil(len(levels) / ncol))
    fig = figure(figsize=(12, 3.2 * nrow))
    axes = fig.subplots(nrow, ncol, sharex=True, squeeze=False).ravel()
    hidden = 0
    for ax, lv in zip(axes, levels):
        sub = d[d["care_level"] == lv]
        counts = sub.groupby(x, observed=True, sort=True)["count"].sum()
        py = sub.groupby(x, observed=True, sort=True)["person_years"].sum()
        rate = 1000 * counts / py.reindex(counts.index)
        few = small(counts)
        rate[few] = np.nan
        hidden += int(few.sum())
        ax.bar(range(len(rate)), rate.to_numpy(), color=LEVEL_COLOURS.get(lv, PALETTE[0]))
        ax.set_xticks(range(len(rate)), [str(i) for i in rate.index], rotation=45, ha="right")
        ax.set_title(LEVEL_LABELS.get(lv, lv), fontsize="small")
        per_1000_axis(ax)
    for ax in axes[len(levels) :]:
        ax.set_visible(False)
    axes[0].set_ylabel("per 1,000 residents")
    fig.suptitle(title)
    return note(fig, hidden)


def trend_plot(
    util: pd.DataFrame, title: str = "Change since the first year (index 100)"
) -> Figure:
    """One line per level of care: its rate per 1,000 as an index, first year = 100.

    Parameters
    ----------
    util : DataFrame
        From :func:`pecdata.analyses.current_state.utilisation_per_1000` with
        ``by=["year", "care_level"]``.
    title : str

    Returns
    -------
    Figure

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.analyses.current_state import utilisation_per_1000
    >>> fig = trend_plot(utilisation_per_1000(example_warehouse()))
    >>> fig.axes[0].get_ylabel()
    'index (first year = 100)'
    """
    require(
        util, ["year", "care_level", "per_1000"], "utilisation_per_1000(by=['year', 'care_level'])"
    )
    wide = util.assign(care_level=util["care_level"].astype(str)).pivot_table(
        index="year", columns="care_level", values="per_1000", observed=True
    )
    hidden = 0
    if "count" in util:  # an index from a count under 5 (in its year or the first) is left out
        counts = util.assign(care_level=util["care_level"].astype(str)).pivot_table(
            index="year", columns="care_level", values="count", observed=True, aggfunc="sum"
        )
        few = small(counts) | small(counts.iloc[[0]].to_numpy().repeat(len(counts), axis=0))
        few &= wide.notna().to_numpy()
        wide = wide.mask(few)
        hidden = int(few.sum())
    first = wide.iloc[0].where(wide.iloc[0] > 0)
    index = 100 * wide / first
    fig = figure()
    ax = fig.subplots()
    for lv in index.columns:
        ax.plot(
            index.index,
            index[lv],
            marker="o",
            label=LEVEL_LABELS.get(lv, lv),
            color=LEVEL_COLOURS.get(lv),
        )
    ax.axhline(100, color="grey", lw=0.8)
    ax.set_xticks(list(index.index), [str(y) for y in index.index])
    ax.set_ylabel("index (first year = 100)")
    ax.set_title(title)
    ax.legend(fontsize="small", frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
    return note(fig, hidden)


def flow_plot(
    flow: pd.DataFrame, title: str = "From the emergency department (akuten) to home health care"
) -> Figure:
    """The ED flow as stacked bars, one bar per stage, segments labelled with counts.

    Parameters
    ----------
    flow : DataFrame
        From :func:`pecdata.analyses.current_state.ed_flow`.
    title : str

    Returns
    -------
    Figure

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.analyses.current_state import ed_flow
    >>> fig = flow_plot(ed_flow(example_warehouse()))
    >>> len(fig.axes[0].get_yticklabels())
    3
    """
    require(flow, ["source", "target", "encounters"], "ed_flow")
    alive = [s for s in flow["source"].unique() if s not in ("ED visit", "admitted")]
    later = flow[flow["source"].isin(alive)].groupby("target", sort=False)["encounters"].sum()
    stages = [
        (
            "ED visits (akutbesök)",
            flow[flow["source"] == "ED visit"].set_index("target")["encounters"],
        ),
        (
            "Admitted: discharged to (utskrivning)",
            flow[flow["source"] == "admitted"].set_index("target")["encounters"],
        ),
        ("Discharged alive: home health care (hemsjukvård)", later),
    ]
    fig = figure(figsize=(10, 4))
    ax = fig.subplots()
    colours = iter(PALETTE * 3)
    hidden = 0
    for i, (label, parts) in enumerate(stages):
        few = small(parts)
        hidden += int(few.sum())
        parts = parts[~few]
        total = parts.sum()
        left = 0.0
        for name, n in parts.items():
            share = n / total if total else 0
            ax.barh(i, share, left=left, color=next(colours), edgecolor="white")
            if share > 0.06:
                ax.text(
                    left + share / 2,
                    i,
                    f"{str(name).replace('_', ' ')}\n{n:,}".replace(",", " "),
                    ha="center",
                    va="center",
                    fontsize="x-small",
                )
            left += share
    ax.set_yticks(range(len(stages)), [s for s, _ in stages])
    ax.invert_yaxis()
    percent_axis(ax, "x")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the stage")
    ax.set_title(title)
    return note(fig, hidden)


def occupancy_plot(
    occ: pd.DataFrame, year: int | None = None, target: float = 0.9, title: str | None = None
) -> Figure:
    """Bed occupancy (beläggningsgrad) per ward, lowest first, with the target line.

    Parameters
    ----------
    occ : DataFrame
        From :func:`pecdata.analyses.current_state.ward_occupancy`.
    year : int, optional
        Year to show (default: the first).
    target : float
        Occupancy the wards are planned for (drawn as a line).
    title : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.analyses.current_state import ward_occupancy
    >>> fig = occupancy_plot(ward_occupancy(example_warehouse()))
    >>> fig.axes[0].get_xlabel()
    'bed-days used / available'
    """
    require(occ, ["unit_id", "year", "occupancy", "beds"], "ward_occupancy")
    year = int(occ["year"].min()) if year is None else int(year)
    d = occ[occ["year"] == year].sort_values("occupancy", ascending=False)
    fig = figure(figsize=(8, 0.35 * len(d) + 1.5))
    ax = fig.subplots()
    low = d["occupancy"] < target - 0.2
    ax.barh(
        [f"{u} ({b} beds)" for u, b in zip(d["unit_id"], d["beds"])],
        d["occupancy"].fillna(0),
        color=[PALETTE[3] if lo else PALETTE[0] for lo in low],
    )
    ax.axvline(target, color="black", ls="--", lw=1)
    ax.text(target, len(d) - 0.4, f" planned {target:.0%}", va="bottom", fontsize="small")
    percent_axis(ax, "x")
    ax.set_xlabel("bed-days used / available")
    ax.set_title(title or f"Bed occupancy per ward, {year}")
    return fig


# --- step 5 ------------------------------------------------------------------------------------
def lorenz_plot(
    curve: pd.DataFrame,
    concentration: pd.DataFrame | None = None,
    title: str = "Cost concentration (Pareto curve)",
) -> Figure:
    """The concentration (Pareto) curve with the line of equality and the top shares marked.

    Parameters
    ----------
    curve : DataFrame
        From :func:`pecdata.analyses.segments.lorenz_curve`.
    concentration : DataFrame, optional
        From :func:`pecdata.analyses.segments.cost_concentration`, to mark the top 1/5/10 %
        (its latest year is used).
    title : str

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"population_share": [0, 0.5, 1], "cost_share": [0, 0.9, 1]})
    >>> fig = lorenz_plot(curve)
    >>> fig.axes[0].get_xlabel()
    'share of residents, costliest first'
    """
    require(curve, ["population_share", "cost_share"], "lorenz_curve")
    fig = figure(figsize=(6, 5))
    ax = fig.subplots()
    ax.plot(
        curve["population_share"],
        curve["cost_share"],
        color=PALETTE[0],
        lw=2,
        label="residents, costliest first",
    )
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="everyone costs the same")
    if concentration is not None:
        require(concentration, ["year", "top_percent", "cost_share"], "cost_concentration")
        last = concentration[concentration["year"] == concentration["year"].max()]
        for p, share in zip(last["top_percent"], last["cost_share"]):
            if p > 20:
                continue
            ax.plot([p / 100], [share], "o", color=PALETTE[3])
            ax.annotate(
                f"top {p:g} %: {share:.0%} of cost",
                (p / 100, share),
                xytext=(8, -4),
                textcoords="offset points",
                fontsize="small",
            )
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of residents, costliest first")
    ax.set_ylabel("share of the region's cost")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return fig


def segment_plot(
    profiles: pd.DataFrame, year: int | None = None, title: str | None = None
) -> Figure:
    """Each segment's share of the population beside its share of the cost.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`pecdata.analyses.segments.segment_profiles` with costs.
    year : int, optional
        Default: the latest.
    title : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"year": 2024, "segment": ["healthy", "multimorbid"],
    ...                      "population_share": [0.8, 0.2], "cost_share": [0.4, 0.6]})
    >>> len(segment_plot(prof).axes[0].patches)
    4
    """
    require(
        profiles,
        ["year", "segment", "population_share", "cost_share"],
        "segment_profiles(wh, segments, costs)",
    )
    year = int(profiles["year"].max()) if year is None else int(year)
    d = profiles[profiles["year"] == year].copy()
    few = small(d["residents"]) if "residents" in d else small(np.zeros(len(d)))
    d.loc[few, ["population_share", "cost_share"]] = np.nan
    labels = [SEGMENT_LABELS.get(str(s), str(s)) for s in d["segment"]]
    y = np.arange(len(d))
    fig = figure(figsize=(9, 0.6 * len(d) + 1.5))
    ax = fig.subplots()
    ax.barh(
        y - 0.2, d["population_share"], height=0.4, color=PALETTE[0], label="share of residents"
    )
    ax.barh(y + 0.2, d["cost_share"], height=0.4, color=PALETTE[1], label="share of cost")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    percent_axis(ax, "x")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    ax.set_title(title or f"Segments: residents and cost, {year}")
    return note(fig, int(few.sum()))


def transition_heatmap(matrix: pd.DataFrame, title: str | None = None) -> Figure:
    """The persistence matrix as a heatmap, shares written in each cell.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`pecdata.analyses.segments.persistence_matrix` (normalised rows;
        for a region's own data the counts behind the shares, which the matrix
        carries in ``attrs["counts"]``, decide which cells are left out).
    title : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[0.6, 0.4], [0.1, 0.9]], index=["top", "rest"],
    ...                  columns=["top", "rest"])
    >>> transition_heatmap(m).axes[0].get_ylabel()
    'group in the first year'
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise ValueError("matrix must be a non-empty DataFrame from persistence_matrix()")
    shares = matrix.max().max() <= 1.0 + 1e-9
    counts = matrix.attrs.get("counts") if shares else matrix.to_numpy()
    counts = None if counts is None else np.asarray(counts, dtype=float)
    few = np.zeros(matrix.shape, dtype=bool)
    if counts is not None and counts.shape == matrix.shape:
        few = small(counts)
    elif protecting_figures():  # the shares' counts are unknown: show none
        few = np.ones(matrix.shape, dtype=bool)
    matrix = matrix.mask(few)
    fig = figure(figsize=(1.0 * matrix.shape[1] + 3, 0.55 * matrix.shape[0] + 2))
    ax = fig.subplots()
    sns.heatmap(
        matrix,
        annot=True,
        fmt=".0%" if shares else ",.0f",
        cmap="Blues",
        cbar=False,
        **({"vmin": 0, "vmax": 1} if few.all() else {}),  # nothing left to scale by
        ax=ax,
        annot_kws={"fontsize": "small"},
    )
    ax.set_ylabel(matrix.index.name or "group in the first year")
    ax.set_xlabel(matrix.columns.name or "group in the next year")
    if not matrix.index.name:
        ax.set_ylabel("group in the first year")
    ax.tick_params(axis="x", rotation=30)
    for t in ax.get_xticklabels():
        t.set_ha("right")
    ax.set_title(title or "Persistence of cost from one year to the next")
    return note(fig, int(few.sum()))
