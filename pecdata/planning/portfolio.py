"""Step 8, prioritise and sequence pilots under budget and staffing limits.

* :func:`pilot_profiles` - what each pilot costs, needs and gives in its first, second
  and third year after the start (the scenario engine, one pilot at a time).
* :func:`score_pilots` - a multi-criteria score: effect, cost, feasibility and time to
  effect, each scaled 0-1 across the pilots, weighted.
* :func:`sequence_pilots` - when to start which pilot over the planning years so the
  net effect is largest while each year's own costs stay within the budget and the new
  staff within the staffing limit. ``method="exact"`` tries every plan (each pilot
  starts in year 1, 2, 3 ... or not at all: ``(years + 1) ** pilots`` plans, used up to
  :data:`EXACT_MAX_PILOTS`); ``method="greedy"`` is the stated heuristic: take pilots
  in order of net effect per krona of own cost and start each in the earliest year it
  fits. :func:`compare_sequencing` runs both.
* :func:`plot_plan` - the plan as a Gantt chart with the cumulative net effect.

Pilots are assumed independent when sequencing (their effects add up); the joint
scenario of the chosen plan, which accounts for overlapping target groups, is
reported beside it (``attrs["joint_net_effect_sek"]``).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from pecdata.planning.scenarios import _evaluate
from pecdata.planning.search import _exact, _greedy, _limit, _tensors

__all__ = [
    "pilot_profiles",
    "score_pilots",
    "sequence_pilots",
    "compare_sequencing",
    "plot_plan",
    "EXACT_MAX_PILOTS",
    "DEFAULT_WEIGHTS",
]

#: Largest number of pilots the exact search takes (4 ** 10, about a million plans, for
#: three years); beyond it ``method="auto"`` uses the greedy heuristic.
EXACT_MAX_PILOTS = 10
DEFAULT_WEIGHTS = {"effect": 0.4, "cost": 0.2, "feasibility": 0.2, "time_to_effect": 0.2}
OBJECTIVES = {
    "net_effect_sek": "net effect (SEK saved less own costs)",
    "admissions_avoided": "acute admissions avoided",
}


def _list(interventions):
    ivs = list(interventions.values()) if isinstance(interventions, dict) else list(interventions)
    if not ivs:
        raise ValueError("interventions is empty: give at least one pilot")
    keys = [iv.key for iv in ivs]
    if len(set(keys)) < len(keys):
        raise ValueError(f"pilot keys must be unique, got {keys}")
    return ivs


def pilot_profiles(
    baseline, interventions, years: int = 3, capacity_released: float = 0.5
) -> pd.DataFrame:
    """Each pilot alone, by year since its start: own cost, new staff, effects.

    Returns
    -------
    DataFrame
        ``key``, ``name``, ``year_since_start`` (0 = the start year), ``own_cost_sek``,
        ``staff_fte`` (all the staff the pilot needs: ``new_posts_fte``, the posts it
        creates, plus ``moved_work_fte``, the staff needed where the work moves to, e.g.
        primary care taking specialist follow-ups or digital visits; staff freed at the
        level the work leaves cannot fill those posts, so they are not netted off),
        ``net_effect_sek`` (the fall in the region's total cost, own costs included;
        negative = costs more), ``admissions_avoided``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> p = pilot_profiles(example_baseline(), catalogue())
    >>> p.groupby("key").size().unique().tolist()
    [3]
    """
    if not isinstance(years, (int, np.integer)) or not 1 <= years <= 10:
        raise ValueError(f"years must be a whole number from 1 to 10, got {years!r}")
    rows = []
    for iv in _list(interventions):
        a = _evaluate(baseline, [dataclasses.replace(iv, start=0)], years, capacity_released)
        for t in range(years):
            rows.append(
                (
                    iv.key,
                    iv.name,
                    t,
                    a["intervention_cost_sek"][1, t],
                    a["_own_fte"][1, t] + a["_moved_fte"][1, t],
                    a["_own_fte"][1, t],
                    a["_moved_fte"][1, t],
                    a["total_cost_sek"][0, t] - a["total_cost_sek"][1, t],
                    a["acute_admissions"][0, t] - a["acute_admissions"][1, t],
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "key",
            "name",
            "year_since_start",
            "own_cost_sek",
            "staff_fte",
            "new_posts_fte",
            "moved_work_fte",
            "net_effect_sek",
            "admissions_avoided",
        ],
    )


def score_pilots(
    baseline,
    interventions,
    years: int = 3,
    weights: dict | None = None,
    effect: str = "net_effect_sek",
    capacity_released: float = 0.5,
) -> pd.DataFrame:
    """Score pilots on effect, cost, feasibility and time to effect.

    Each criterion is scaled 0-1 across the pilots (best = 1: largest effect, lowest
    own cost, most feasible, fastest) and weighted; the weights are a value judgement
    to discuss, not a fact.

    Parameters
    ----------
    weights : dict, optional
        Weights of ``effect``, ``cost``, ``feasibility`` and ``time_to_effect``
        (default :data:`DEFAULT_WEIGHTS`); they are rescaled to sum to 1.
    effect : {'net_effect_sek', 'admissions_avoided'}
        What counts as effect: the effect in the last planning year (at full scale).
        With ``'net_effect_sek'`` the effect criterion is the saving *before* the
        pilot's own costs (``gross_effect_sek``), because own costs are the cost
        criterion: scoring the net effect beside the cost would count the cost twice.

    Returns
    -------
    DataFrame
        One row per pilot, best first: ``rank``, ``key``, ``name``, ``effect`` (the
        scored effect), ``net_effect_sek`` (last year, own costs included; shown, not
        scored), ``own_cost_sek`` (all years), ``staff_fte`` (peak), ``feasibility``,
        ``time_to_effect`` (years), the scaled criteria ``s_*`` and ``score``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> s = score_pilots(example_baseline(), catalogue())
    >>> bool(s.score.is_monotonic_decreasing), s["rank"].tolist()[0]
    (True, 1)
    """
    if effect not in OBJECTIVES:
        raise ValueError(f"effect must be one of {list(OBJECTIVES)}, got {effect!r}")
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    bad = sorted(set(w) - set(DEFAULT_WEIGHTS))
    if bad or any((not np.isfinite(v)) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError(
            f"weights must be non-negative numbers for {list(DEFAULT_WEIGHTS)} "
            f"with a positive sum; got {weights!r}"
        )
    ivs = _list(interventions)
    prof = pilot_profiles(baseline, ivs, years, capacity_released)
    g = prof.groupby("key", sort=False)
    df = pd.DataFrame({"key": [iv.key for iv in ivs], "name": [iv.name for iv in ivs]})
    last = g.last().reindex(df.key)
    df["effect"] = (
        (last.net_effect_sek + last.own_cost_sek).to_numpy()  # gross: cost is scored once
        if effect == "net_effect_sek"
        else last[effect].to_numpy()
    )
    df["net_effect_sek"] = last.net_effect_sek.to_numpy()
    df["own_cost_sek"] = g.own_cost_sek.sum().reindex(df.key).to_numpy()
    df["staff_fte"] = g.staff_fte.max().reindex(df.key).to_numpy()
    df["feasibility"] = [iv.feasibility for iv in ivs]
    df["time_to_effect"] = [iv.time_to_effect() for iv in ivs]

    def scaled(x, higher_is_better=True):
        x = np.asarray(x, float)
        span = x.max() - x.min()
        s = (x - x.min()) / span if span > 0 else np.ones_like(x)
        return s if higher_is_better else 1 - s

    df["s_effect"] = scaled(df.effect)
    df["s_cost"] = scaled(df.own_cost_sek, False)
    df["s_feasibility"] = scaled(df.feasibility)
    df["s_time_to_effect"] = scaled(df.time_to_effect, False)
    total = sum(w.values())
    df["score"] = sum(w.get(k, 0) / total * df[f"s_{k}"] for k in DEFAULT_WEIGHTS)
    df = df.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df


def sequence_pilots(
    baseline,
    interventions,
    budget_sek,
    staff_fte,
    years: int = 3,
    method: str = "auto",
    objective: str = "net_effect_sek",
    capacity_released: float = 0.5,
) -> pd.DataFrame:
    """Choose when to start which pilot under yearly budget and staffing limits.

    Parameters
    ----------
    baseline : Baseline
    interventions : list or dict of Intervention
        The candidate pilots.
    budget_sek : float or list of float
        Money for the pilots' own costs (start-up, staff, running) in each year.
    staff_fte : float or list of float
        Staff the pilots may need in each year (FTE): their new posts and the staff
        needed where they move work to (``staff_fte`` of :func:`pilot_profiles`).
    years : int
        Planning years.
    method : {'auto', 'exact', 'greedy'}
        ``'auto'`` is exact up to :data:`EXACT_MAX_PILOTS` pilots, else greedy.
    objective : {'net_effect_sek', 'admissions_avoided'}
        What to maximise, summed over the planning years. Plans that tie on it are
        separated by the other objective, then by the lower own cost, so a pilot that
        contributes nothing to either is not started.

    Returns
    -------
    DataFrame
        One row per pilot and year: ``key``, ``name``, ``start_year`` (empty if not
        started), ``year``, ``active``, ``own_cost_sek``, ``staff_fte``,
        ``net_effect_sek``, ``admissions_avoided``. ``attrs`` hold ``method``,
        ``objective_value``, ``seconds`` and ``joint_net_effect_sek``.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> plan = sequence_pilots(b, catalogue(), budget_sek=1_500_000, staff_fte=1.0)
    >>> bool((plan.groupby("year").own_cost_sek.sum() <= 1_500_000).all())
    True
    >>> try:
    ...     sequence_pilots(b, catalogue(), budget_sek=1_000, staff_fte=1.0)
    ... except ValueError as e:
    ...     print(str(e)[:57])
    budget_sek (1,000 SEK a year) is below every pilot's firs
    """
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"method must be 'auto', 'exact' or 'greedy', got {method!r}")
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {list(OBJECTIVES)}, got {objective!r}")
    ivs = _list(interventions)
    budget = _limit("budget_sek", budget_sek, years)
    staff = _limit("staff_fte", staff_fte, years)
    keys = [iv.key for iv in ivs]
    prof = pilot_profiles(baseline, ivs, years, capacity_released)
    first = prof[prof.year_since_start == 0].set_index("key").own_cost_sek.reindex(keys)
    if (budget < first.min()).all():
        raise ValueError(
            f"budget_sek ({budget.max():,.0f} SEK a year) is below every pilot's "
            f"first-year cost; the cheapest, {first.idxmin()!r}, needs "
            f"{first.min():,.0f} SEK"
        )
    if method == "auto":
        method = "exact" if len(ivs) <= EXACT_MAX_PILOTS else "greedy"
    if method == "exact" and len(ivs) > EXACT_MAX_PILOTS:
        raise ValueError(
            f"the exact search takes at most {EXACT_MAX_PILOTS} pilots, got "
            f"{len(ivs)}; use method='greedy'"
        )
    C, F, V = _tensors(prof, keys, years, objective)
    other = next(o for o in OBJECTIVES if o != objective)
    W = _tensors(prof, keys, years, other)[2]
    t0 = time.perf_counter()
    choice = (
        _exact(C, F, V, budget, staff, W) if method == "exact" else _greedy(C, F, V, budget, staff)
    )
    seconds = time.perf_counter() - t0
    if choice is None:
        choice = np.full(len(ivs), years)
    plan = _plan_frame(prof, ivs, choice, years, baseline.base_year)
    chosen = [dataclasses.replace(iv, start=int(s)) for iv, s in zip(ivs, choice) if s < years]
    joint = _evaluate(baseline, chosen, years, capacity_released)["total_cost_sek"]
    plan.attrs.update(
        method=method,
        objective=objective,
        seconds=seconds,
        objective_value=float(V[np.arange(len(ivs)), choice].sum()),
        joint_net_effect_sek=float((joint[0] - joint[1]).sum()),
        budget_sek=budget.tolist(),
        staff_fte=staff.tolist(),
    )
    return plan


def _plan_frame(prof, ivs, choice, years, base_year) -> pd.DataFrame:
    rows = []
    for iv, s in zip(ivs, choice):
        p = prof[prof.key == iv.key].set_index("year_since_start")
        for y in range(years):
            active = s < years and y >= s
            r = p.loc[y - s] if active else None
            rows.append(
                (
                    iv.key,
                    iv.name,
                    base_year + 1 + s if s < years else pd.NA,
                    base_year + 1 + y,
                    active,
                    *(
                        (r.own_cost_sek, r.staff_fte, r.net_effect_sek, r.admissions_avoided)
                        if active
                        else (0.0, 0.0, 0.0, 0.0)
                    ),
                )
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "key",
            "name",
            "start_year",
            "year",
            "active",
            "own_cost_sek",
            "staff_fte",
            "net_effect_sek",
            "admissions_avoided",
        ],
    )
    df["start_year"] = df.start_year.astype("Int64")
    return df


def compare_sequencing(
    baseline,
    interventions,
    budget_sek,
    staff_fte,
    years: int = 3,
    objective: str = "net_effect_sek",
    capacity_released: float = 0.5,
) -> pd.DataFrame:
    """The exact search and the greedy heuristic side by side.

    Returns
    -------
    DataFrame
        One row per method: ``method``, ``objective_value``, ``pilots_started``,
        ``plan`` (key: start year), ``seconds`` and ``gap_pct`` (how far below the
        exact optimum).

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> c = compare_sequencing(example_baseline(), catalogue(),
    ...                        budget_sek=1_000_000, staff_fte=0.5)
    >>> bool(c.set_index("method").gap_pct["exact"] == 0)
    True
    """
    rows = []
    for method in ("exact", "greedy"):
        plan = sequence_pilots(
            baseline,
            interventions,
            budget_sek,
            staff_fte,
            years,
            method,
            objective,
            capacity_released,
        )
        starts = plan.drop_duplicates("key").dropna(subset=["start_year"])
        rows.append(
            (
                method,
                plan.attrs["objective_value"],
                len(starts),
                ", ".join(f"{k}: {y}" for k, y in zip(starts.key, starts.start_year)),
                plan.attrs["seconds"],
            )
        )
    df = pd.DataFrame(
        rows, columns=["method", "objective_value", "pilots_started", "plan", "seconds"]
    )
    best = df.objective_value.iloc[0]
    df["gap_pct"] = 100 * (best - df.objective_value) / abs(best) if best else 0.0
    return df


def plot_plan(plan: pd.DataFrame):
    """Gantt chart of the pilots' start years, with the cumulative net effect below.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> from pecdata.planning.scenarios import example_baseline
    >>> b = example_baseline()
    >>> fig = plot_plan(sequence_pilots(b, catalogue(), budget_sek=1_500_000, staff_fte=1.0))
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    from pecdata.plots.theme import PALETTE, sek_axis

    started = plan[plan.active]
    keys = list(dict.fromkeys(started.sort_values("start_year", kind="stable").key))
    years = sorted(plan.year.unique())
    fig, (ax1, ax2) = plt.subplots(
        2,
        1,
        figsize=(9, 1.0 + 0.5 * max(len(keys), 1) + 3),
        sharex=True,
        height_ratios=[max(len(keys), 1), 3],
    )
    for i, k in enumerate(keys):
        p = started[started.key == k]
        for r in p.itertuples():
            ax1.barh(
                i,
                0.9,
                left=r.year - 0.45,
                color=PALETTE[i % len(PALETTE)],
                alpha=0.45 + 0.55 * (r.year > p.year.min()),
            )
        ax1.text(
            p.year.min() - 0.4,
            i,
            f"{p.own_cost_sek.sum() / 1e6:,.1f} M SEK",
            va="center",
            fontsize="small",
        )
    ax1.set_yticks(range(len(keys)), [plan.loc[plan.key == k, "name"].iloc[0][:40] for k in keys])
    ax1.invert_yaxis()
    ax1.set_title(f"Pilot plan ({plan.attrs.get('method', '')}): lighter bar = start year")
    by_year = plan.groupby("year")[["net_effect_sek", "own_cost_sek"]].sum().reindex(years)
    ax2.bar(years, by_year.net_effect_sek, color=PALETTE[2], alpha=0.6, label="net effect in year")
    ax2.plot(
        years,
        by_year.net_effect_sek.cumsum(),
        marker="o",
        color="black",
        label="cumulative net effect",
    )
    ax2.axhline(0, color="grey", lw=0.8)
    ax2.set(xlabel="Year", ylabel="SEK (positive = saved)")
    ax2.set_xticks(years)
    sek_axis(ax2, "y", millions=True)
    ax2.legend(fontsize="small")
    fig.tight_layout()
    return fig
