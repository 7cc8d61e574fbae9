"""Checks for step 8, prioritise and sequence pilots.

The scoring exercises weigh the participant's ``focus_criterion`` more heavily than the
others (a papermill parameter, :mod:`pecdata.teaching.focus`); the sequencing exercises use
limits set, as in the lesson, as shares of what all the catalogue's pilots would cost
and need, so that they bind on any region.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pecdata.teaching.checks.expectations import Custom, Number, Unreadable
from pecdata.teaching.checks.step07 import baseline
from pecdata.teaching.feedback import cached, exercise
from pecdata.teaching.focus import CRITERIA

FOCUS = ("focus_criterion",)
FOCUS_WEIGHT, OTHER_WEIGHT = 0.4, 0.15
#: The lesson's weights (a known wrong answer: the lesson's ranking, not the exercise's).
LESSON_WEIGHTS = {
    "effect": 0.35,
    "cost": 0.20,
    "staffing": 0.15,
    "feasibility": 0.15,
    "time_to_effect": 0.15,
}
DRAWS, DRAW_SEED, CONCENTRATION = 2000, 7, 20
PLAN_YEARS = 3
#: Limits of 08-extension-1/2 and 08-challenge-1, as shares of all pilots' own cost a year and of
#: the staff all pilots would need. Chosen so that each limit binds and each named mistake gives
#: another answer (the heuristic's plan, the lesson's limit, the first or last year's limit) on
#: the teaching region and on four regions of other seeds and sizes (tests/test_exercises.py
#: checks the shared one), and the heuristic's shortfall is none of those the lesson prints: with
#: 40 % and 30 % staffing never bound once the pilots' staff included the work moved to primary
#: care, and the lesson's limit gave the same plan.
BUDGET_SHARE, STAFF_SHARE = 0.6, 0.22
CHALLENGE_BUDGET_SHARE, CHALLENGE_STAFF_SHARES = 0.5, (0.03, 0.1, 0.15)
OBJECTIVE = "admissions_avoided"


def focus_weights(crit: str) -> dict:
    """The exercise's weights: the focus criterion 0.4, the four others 0.15 each."""
    return {c: FOCUS_WEIGHT if c == crit else OTHER_WEIGHT for c in CRITERIA}


def scaled_scores(wh) -> pd.DataFrame:
    """score_pilots of the catalogue, with staffing rescaled as in the lesson (``s_staffing``)."""
    from pecdata.planning.interventions import catalogue
    from pecdata.planning.portfolio import score_pilots

    def compute():
        s = score_pilots(baseline(wh), catalogue(), years=PLAN_YEARS)
        if "s_staffing" not in s:
            fte = s["staff_fte"]
            span = fte.max() - fte.min()
            s["s_staffing"] = 1 - (fte - fte.min()) / span if span > 0 else 1.0
        return s

    return cached(wh, "portfolio:scores", compute)


def weighted(wh, weights) -> pd.Series:
    s = scaled_scores(wh).set_index("key")
    total = sum(weights.values())
    return sum(weights[c] / total * s[f"s_{c}"] for c in CRITERIA).sort_values(
        ascending=False, kind="stable"
    )


def _labelled(answer) -> tuple[str, object]:
    """One label and one value from a dict, a one-row Series or a two-column table."""
    if isinstance(answer, pd.DataFrame):
        if answer.shape[0] != 1:
            raise Unreadable("Give one pilot: a one-row Series or dict {key: score}.")
        answer = (
            answer.iloc[0]
            if answer.shape[1] == 1
            else answer.set_index(answer.columns[0]).iloc[:, 0]
        )
    if isinstance(answer, pd.Series):
        answer = answer.to_dict()
    if not isinstance(answer, Mapping) or len(answer) != 1:
        raise Unreadable(
            "Give the top pilot as a dict {key: score} with one entry, e.g. {'x': 0.5}."
        )
    ((label, value),) = answer.items()
    return str(label).strip(), value


@exercise("08-core-1", "The top pilot when one criterion weighs more", focus=FOCUS)
def top_pilot(wh, focus_criterion):
    weights = focus_weights(focus_criterion)
    score = weighted(wh, weights)
    top, value = str(score.index[0]), float(score.iloc[0])
    lesson_top = str(weighted(wh, LESSON_WEIGHTS).index[0])
    library_top = str(scaled_scores(wh)["key"].iloc[0])
    number = Number(
        value,
        unit="(score 0-1)",
        tolerance=0.005,
        mistakes=[
            (value * 100, "Give the score between 0 and 1, not in percent."),
            (
                float(
                    sum(
                        weights[c] * scaled_scores(wh).set_index("key")[f"s_{c}"][top]
                        for c in CRITERIA
                    )
                ),
                "The weights must be rescaled to add up to 1 (divide by their sum).",
            ),
        ],
        hint="Score = the sum over the five criteria of weight x s_<criterion>, with the weights "
        "divided by their sum; two decimals.",
    )

    def assess(answer):
        if answer is ... or answer is None:
            return "not_answered", "Replace the ... with your answer and run both cells again."
        try:
            label, got = _labelled(answer)
        except Unreadable as exc:
            return "unreadable", str(exc)
        if label.casefold() != top.casefold():
            if label.casefold() == lesson_top.casefold() and lesson_top != top:
                return "incorrect", (
                    "That pilot is first with the lesson's weights. Weigh your focus criterion "
                    f"{FOCUS_WEIGHT} and the other four {OTHER_WEIGHT} each."
                )
            if label.casefold() == library_top.casefold() and library_top != top:
                return "incorrect", (
                    "That pilot is first in score_pilots' own score, which leaves out staffing "
                    "and uses other weights. Compute the score with your five weights."
                )
            return "incorrect", (
                f"{label!r} is not the pilot with the highest score with your weights. Compute "
                "the weighted score of every pilot and take the largest."
            )
        status, message = number.assess(got)
        if status == "correct":
            return "correct", (
                f"Right: {top!r} comes first, with that score. Compare it with the lesson's "
                "ranking: one weight can change the first place."
            )
        return status, f"The pilot is right; its score is not yet. {message}"

    wrong = [{lesson_top: value}, {top: value * 100}, {"no_such_pilot": value}]
    return Custom(assess, right={top: round(value, 2)}, wrong=wrong)


def weight_draws(crit: str) -> np.ndarray:
    """The exercise's 2,000 weight draws around the focus weights (in CRITERIA order)."""
    weights = focus_weights(crit)
    rng = np.random.default_rng(DRAW_SEED)
    return rng.dirichlet([CONCENTRATION * weights[c] for c in CRITERIA], size=DRAWS)


@exercise("08-core-2", "How often the top pilot stays first", focus=FOCUS)
def first_share(wh, focus_criterion):
    s = scaled_scores(wh).set_index("key")
    m = s[[f"s_{c}" for c in CRITERIA]].to_numpy()
    draws = weight_draws(focus_criterion)
    top = weighted(wh, focus_weights(focus_criterion)).index[0]
    j = list(s.index).index(top)
    ranks = (-(m @ draws.T)).argsort(axis=0).argsort(axis=0) + 1
    first = 100 * float((ranks[j] == 1).mean())
    top3 = 100 * float((ranks[j] <= 3).mean())
    return Number(
        first,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                top3,
                "That is how often it is in the top three. The question asks how often it "
                "comes first.",
            ),
            (100 - first, "That is how often it is not first."),
        ],
        hint=f"rng = np.random.default_rng({DRAW_SEED}); draws = rng.dirichlet([{CONCENTRATION} "
        f"* w for w in your weights, in the order {', '.join(CRITERIA)}], size={DRAWS}); "
        "score every pilot with every draw and count how often your top pilot is first.",
        explain="Near 100 % the choice is robust; near 50 % it rests on the weights.",
    )


def _limits(wh, budget_share, staff_shares):
    s = scaled_scores(wh)
    full = float(s["own_cost_sek"].sum()) / PLAN_YEARS
    staff_total = float(s["staff_fte"].sum())
    budget = round(budget_share * full, -5)
    if np.ndim(staff_shares) == 0:
        return budget, round(staff_shares * staff_total, 1)
    return budget, [round(x * staff_total, 1) for x in staff_shares]


def _plan(wh, budget, staff, method="exact", objective=OBJECTIVE):
    from pecdata.planning.interventions import catalogue
    from pecdata.planning.portfolio import sequence_pilots

    key = f"portfolio:plan:{budget}:{staff}:{method}:{objective}"
    return cached(
        wh,
        key,
        lambda: (
            sequence_pilots(
                baseline(wh), catalogue(), budget, staff, PLAN_YEARS, method, objective
            ).attrs
        ),
    )


@exercise("08-extension-1", "The admissions the best plan avoids")
def best_plan(wh):
    budget, staff = _limits(wh, BUDGET_SHARE, STAFF_SHARE)
    value = _plan(wh, budget, staff)["objective_value"]
    _, lesson_staff = _limits(wh, BUDGET_SHARE, 0.5)
    mistakes = [
        (
            _plan(wh, budget, staff, "greedy")["objective_value"],
            "That is the heuristic's plan. Use the exact search (method='exact').",
        ),
        (
            _plan(wh, budget, lesson_staff)["objective_value"],
            "That uses the lesson's staffing "
            f"limit. Set it to {STAFF_SHARE:.0%} of the staff all pilots would need.",
        ),
        (
            _plan(wh, budget, staff, objective="net_effect_sek")["objective_value"],
            "That is the "
            "net effect in SEK. Maximise the admissions avoided (objective='admissions_avoided').",
        ),
    ]
    return Number(
        value,
        unit="acute admissions avoided",
        tolerance=0.005,
        rel=0,
        mistakes=mistakes,
        hint="sequence_pilots(baseline, catalogue, budget_sek=..., staff_fte=..., years=3, "
        "method='exact', objective='admissions_avoided'); the plan's .attrs['objective_value'], "
        "to two decimals.",
        explain="Compare it with the lesson's plan: a tighter staffing limit changes which "
        "pilots fit.",
    )


@exercise("08-extension-2", "What the heuristic loses")
def heuristic_gap(wh):
    budget, staff = _limits(wh, BUDGET_SHARE, STAFF_SHARE)
    exact = _plan(wh, budget, staff)["objective_value"]
    greedy = _plan(wh, budget, staff, "greedy")["objective_value"]
    gap = 100 * (exact - greedy) / abs(exact) if exact else 0.0
    mistakes = [
        (
            exact - greedy,
            "That is the difference in admissions. Give it in percent of the exact plan's.",
        ),
        (
            100 * (exact - greedy) / abs(greedy) if greedy else -1.0,
            "That is in percent of the heuristic's value. Divide by the exact optimum.",
        ),
    ]
    return Number(
        gap,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=mistakes,
        hint="compare_sequencing with the same limits and objective='admissions_avoided' has "
        "a column gap_pct; one decimal.",
        explain="Zero means the heuristic found an optimal plan; the lesson's table shows how "
        "the loss depends on the budget.",
    )


@exercise("08-challenge-1", "A staffing limit that grows")
def growing_staff(wh):
    budget, staff = _limits(wh, CHALLENGE_BUDGET_SHARE, CHALLENGE_STAFF_SHARES)
    value = _plan(wh, budget, staff)["objective_value"]
    mistakes = [
        (
            _plan(wh, budget, staff[0])["objective_value"],
            "That keeps the first year's staffing "
            "limit in every year. Give one limit per year as a list.",
        ),
        (
            _plan(wh, budget, staff[-1])["objective_value"],
            "That uses the last year's staffing "
            "limit in every year. Give one limit per year as a list.",
        ),
        (
            _plan(wh, budget, sum(staff))["objective_value"],
            "That adds the yearly limits up into one. Give one limit per year as a list.",
        ),
    ]
    return Number(
        value,
        unit="acute admissions avoided",
        tolerance=0.005,
        rel=0,
        mistakes=mistakes,
        hint="staff_fte takes one number per year: [first, second, third]; keep "
        "objective='admissions_avoided' and the exact search.",
        explain="A limit that grows lets the staff-heavy pilots start later instead of not at "
        "all: the plan shows in which year each starts.",
    )
