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
