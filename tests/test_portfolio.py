"""Pilot scoring and sequencing under budget and staffing limits (step 8)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from pecdata.planning import portfolio as P
from pecdata.planning.interventions import catalogue
from pecdata.planning.scenarios import build_baseline


@pytest.fixture(scope="module")
def baseline(region):
    return build_baseline(region)


@pytest.fixture(scope="module")
def scale(baseline):
    """Money and staff per 100,000 residents, scaled to the test region."""
    return baseline.residents / 100_000


def _brute_force(C, F, V, budget, staff):
    """Best plan by trying every start year (or none) for every pilot, one by one."""
    n, base, years = C.shape
    best = -np.inf
    for choice in itertools.product(range(base), repeat=n):
        cost = sum(C[j, s] for j, s in enumerate(choice))
        fte = sum(F[j, s] for j, s in enumerate(choice))
        if (cost <= budget + 1e-6).all() and (fte <= staff + 1e-9).all():
            best = max(best, sum(V[j, s].sum() for j, s in enumerate(choice)))
    return best


@st.composite
def problems(draw):
    n = draw(st.integers(1, 5))
    years = draw(st.integers(1, 3))
    cost = draw(st.lists(st.floats(0, 10), min_size=n * years, max_size=n * years))
    fte = draw(st.lists(st.floats(0, 3), min_size=n * years, max_size=n * years))
    val = draw(st.lists(st.floats(-5, 20), min_size=n * years, max_size=n * years))
    prof = {
        "c": np.reshape(cost, (n, years)),
        "f": np.reshape(fte, (n, years)),
        "v": np.reshape(val, (n, years)),
    }
    C = np.zeros((n, years + 1, years))
    F, V = C.copy(), C.copy()
    for s in range(years):
        C[:, s, s:] = prof["c"][:, : years - s]
        F[:, s, s:] = prof["f"][:, : years - s]
        V[:, s, s:] = prof["v"][:, : years - s]
    budget = np.full(years, draw(st.floats(0, 25)))
    staff = np.full(years, draw(st.floats(0, 6)))
    return C, F, V, budget, staff


def _value(V, choice):
    return V[np.arange(len(choice)), choice].sum()


@settings(max_examples=60, deadline=None)
@given(problems())
def test_exact_search_finds_the_brute_force_optimum_and_beats_greedy(problem):
    C, F, V, budget, staff = problem
    n, base, years = C.shape
    best = _brute_force(C, F, V, budget, staff)
    exact = P._exact(C, F, V, budget, staff)
    greedy = P._greedy(C, F, V, budget, staff)
    for choice in (exact, greedy):
        js = np.arange(n)
        assert (C[js, choice].sum(0) <= budget + 1e-6).all()
        assert (F[js, choice].sum(0) <= staff + 1e-9).all()
    assert _value(V, exact) == pytest.approx(best)
    assert _value(V, greedy) <= _value(V, exact) + 1e-9


def test_plan_respects_budget_and_staff_every_year(baseline, scale):
    budget, staff = 6e6 * scale, 6 * scale
    plan = P.sequence_pilots(baseline, catalogue(), budget, staff)
    by_year = plan.groupby("year")[["own_cost_sek", "staff_fte"]].sum()
    assert (by_year.own_cost_sek <= budget + 1e-6).all()
    assert (by_year.staff_fte <= staff + 1e-9).all()
    assert plan.attrs["method"] == "exact"
    started = plan.dropna(subset=["start_year"])
    assert (started.active == (started.year >= started.start_year)).all()


def test_more_money_never_gives_a_worse_plan(baseline, scale):
    values = [
        P.sequence_pilots(baseline, catalogue(), b * scale, 20 * scale).attrs["objective_value"]
        for b in (2e6, 8e6, 30e6)
    ]
    assert values == sorted(values)


def test_exact_and_greedy_compared(baseline, scale):
    c = P.compare_sequencing(baseline, catalogue(), 8e6 * scale, 8 * scale).set_index("method")
    assert c.loc["exact", "gap_pct"] == 0
    assert c.loc["greedy", "objective_value"] <= c.loc["exact", "objective_value"] + 1e-6
    assert (c.gap_pct >= 0).all()


def test_budget_below_every_pilot_is_refused(baseline):
    with pytest.raises(ValueError, match=r"budget_sek \(10 SEK a year\) is below every pilot"):
        P.sequence_pilots(baseline, catalogue(), budget_sek=10, staff_fte=5)
    with pytest.raises(ValueError, match="budget_sek must be 0 or more.*-5"):
        P.sequence_pilots(baseline, catalogue(), budget_sek=-5, staff_fte=5)
    with pytest.raises(ValueError, match="staff_fte must be one number or one per year"):
        P.sequence_pilots(baseline, catalogue(), budget_sek=1e9, staff_fte=[1, 2])


def test_scores_follow_the_weights(baseline):
    cheap_first = P.score_pilots(baseline, catalogue(), weights={"cost": 1.0})
    assert cheap_first.own_cost_sek.iloc[0] == cheap_first.own_cost_sek.min()
    easy_first = P.score_pilots(baseline, catalogue(), weights={"feasibility": 1.0})
    assert easy_first.feasibility.iloc[0] == 5
    with pytest.raises(ValueError, match="weights must be non-negative"):
        P.score_pilots(baseline, catalogue(), weights={"luck": 1.0})


def test_profiles_show_start_up_cost_in_the_first_year(baseline):
    prof = P.pilot_profiles(baseline, [catalogue()["digital_visits"]])
    cost = prof.sort_values("year_since_start").own_cost_sek.to_numpy()
    assert cost[0] > cost[1]


def test_gantt_figure(baseline, scale):
    plan = P.sequence_pilots(baseline, catalogue(), 8e6 * scale, 8 * scale)
    fig = P.plot_plan(plan)
    assert isinstance(fig, Figure) and len(fig.axes) == 2


# --- issue 11, item 6 ------------------------------------------------------------------------
def test_staffing_counts_the_staff_needed_where_the_work_moves_to(baseline):
    """Follow-ups moved to primary care and digital visits create no posts of their own, but
    the primary care centres need staff for the work they take over."""
    from pecdata.planning.scenarios import run_scenario

    cat = catalogue()
    prof = P.pilot_profiles(baseline, [cat["followups_to_primary_care"], cat["digital_visits"]])
    full = prof[prof.year_since_start == prof.year_since_start.max()].set_index("key")
    assert (full.new_posts_fte == 0).all()
    assert (full.moved_work_fte > 0).all()
    assert (full.staff_fte == full.new_posts_fte + full.moved_work_fte).all()
    res = run_scenario(baseline, [cat["followups_to_primary_care"]], horizon=3)
    grows = (
        res[res.measure.str.startswith("fte_")]
        .groupby("year")
        .change.apply(lambda c: c[c > 0].sum())
    )
    # at least the professions whose headcount grows, net of what the hospital frees
    assert full.loc["followups_to_primary_care", "moved_work_fte"] >= grows.iloc[-1] - 1e-9
    more = cat["followups_to_primary_care"].with_parameter("shifts.0.share", 0.5)
    twice = P.pilot_profiles(baseline, [more]).moved_work_fte.iloc[-1]
    assert twice == pytest.approx(2 * full.loc["followups_to_primary_care", "moved_work_fte"])


def test_ties_are_broken_so_no_pilot_that_adds_nothing_starts(baseline, scale):
    plan = P.sequence_pilots(
        baseline, catalogue(), 1e9 * scale, 1e4 * scale, objective="admissions_avoided"
    )
    started = plan[plan.active].groupby("key")[["admissions_avoided", "net_effect_sek"]].sum()
    adds_nothing = (started.admissions_avoided <= 1e-9) & (started.net_effect_sek <= 0)
    assert not adds_nothing.any(), started[adds_nothing]


def test_exact_search_breaks_ties_by_the_second_objective_then_cost():
    # two pilots with the same value; the second also has a second-objective gain
    C = np.zeros((3, 2, 1))
    C[:, 0, 0] = [1.0, 1.0, 1.0]
    V, W = np.zeros_like(C), np.zeros_like(C)
    V[0, 0, 0] = 5.0
    W[1, 0, 0] = 2.0  # pilot 1 adds nothing to V but something to W
    choice = P._exact(C, np.zeros_like(C), V, np.array([10.0]), np.array([1.0]), W)
    assert choice.tolist() == [0, 0, 1]  # pilot 2 adds nothing to either: not started


def test_scoring_counts_own_cost_once(baseline):
    s = P.score_pilots(baseline, catalogue()).set_index("key")
    prof = P.pilot_profiles(baseline, catalogue())
    last = prof[prof.year_since_start == prof.year_since_start.max()].set_index("key")
    # the effect criterion is the saving before own costs; own costs are the cost criterion
    assert np.allclose(s.effect, (last.net_effect_sek + last.own_cost_sek).reindex(s.index))
    assert np.allclose(s.net_effect_sek, last.net_effect_sek.reindex(s.index))
