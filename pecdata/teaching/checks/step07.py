"""Checks for step 7, model interventions.

The exercises take a subject of the participant's own (the papermill parameters
``focus_intervention`` and ``focus_age_band``, registered in :mod:`pecdata.teaching.focus`);
the check cell passes them on (``check_answer(id, answer, wh, **focus)``), so that each
check computes the right answer for the subject chosen.
"""

from __future__ import annotations

import dataclasses

from pecdata.teaching.checks.expectations import Custom, Number
from pecdata.teaching.feedback import cached, exercise

#: The scenario settings of the step 7 exercises (as the exercise notebook states them).
HORIZON = 5
MC_DRAWS, MC_SEED, CAPACITY_RANGE = 1000, 7, (0.25, 0.75)
INTERVENTION = ("focus_intervention",)


def baseline(wh):
    """The scenario baseline of the region (built once per warehouse)."""
    from pecdata.planning.scenarios import build_baseline

    return cached(wh, "planning:baseline", lambda: build_baseline(wh))


def projection(wh, years: int = HORIZON):
    """The demographic projection ``years`` ahead (computed once per warehouse)."""
    from pecdata.planning.projection import project_population

    return cached(wh, f"planning:projection-{years}", lambda: project_population(wh, years=years))


def intervention(key: str):
    """The catalogue intervention the participant works on (a valid focus, checked before)."""
    from pecdata.planning.interventions import catalogue

    return catalogue()[key]


def _run(wh, interventions, **kw):
    from pecdata.planning.scenarios import run_scenario

    kw.setdefault("projection", projection(wh))
    return run_scenario(baseline(wh), interventions, horizon=HORIZON, **kw)


def _total(result, measure: str) -> float:
    return float(result.loc[result["measure"] == measure, "change"].sum())


def _last(result, measure: str) -> float:
    rows = result[result["measure"] == measure]
    return float(rows.loc[rows["year"] == rows["year"].max(), "change"].sum())


@exercise("07-core-1", "The acute admissions an intervention avoids", focus=INTERVENTION)
def admissions_avoided(wh, focus_intervention):
    iv = intervention(focus_intervention)
    res = _run(wh, [iv])
    avoided = -_total(res, "acute_admissions")
    no_projection = -_total(_run(wh, [iv], projection=None), "acute_admissions")
    mistakes = [
        (
            -avoided,
            "That is the change, which is negative for fewer admissions. Give the number "
            "avoided, as a positive number.",
        ),
        (
            -_last(res, "acute_admissions"),
            f"That is the last year only. Add up all {HORIZON} years of the horizon.",
        ),
        (
            no_projection,
            "That is without the demographic projection. Pass projection= so that "
            "the baseline grows with the ageing population.",
        ),
    ]
    return Number(
        avoided,
        unit="acute admissions",
        tolerance=0.5,
        mistakes=mistakes,
        hint=f"Run run_scenario with [{iv.key!r}] from the catalogue, horizon={HORIZON} and the "
        "projection, keep the rows of the measure 'acute_admissions' and add up the change.",
        explain="Compare it with the intervention's coverage and ramp: it reaches full scale "
        "only after its ramp-up.",
    )


@exercise("07-core-2", "How fast an age band grows", focus=("focus_age_band",))
def age_band_growth(wh, focus_age_band):
    band = focus_age_band
    proj = projection(wh, 2 * HORIZON)
    base = int(proj["year"].min())
    rows = proj[proj["age_band"].astype(str) == band].set_index("year")["population"]
    growth = 100 * (rows[base + HORIZON] / rows[base] - 1)
    total = proj.groupby("year")["population"].sum()
    return Number(
        growth,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                rows[base + HORIZON] / rows[base],
                "That is the index (base year = 1). Give the change in percent: (index - 1) x 100.",
            ),
            (
                100 * (rows[base + 2 * HORIZON] / rows[base] - 1),
                f"That is {2 * HORIZON} years "
                f"ahead. The question asks for {HORIZON} years after the base year.",
            ),
            (
                100 * (total[base + HORIZON] / total[base] - 1),
                f"That is the whole population. Keep the rows of the age band {band!r}.",
            ),
            (
                rows[base + HORIZON] - rows[base],
                "That is the change in residents. Give it in percent of the base year's.",
            ),
        ],
        hint="In project_population's result, keep the age band's rows and compare the "
        f"population {HORIZON} years after the base year with the base year's, in percent "
        "with one decimal.",
        explain="Care needs follow age: the bands that grow fastest set the baseline's growth.",
    )


@exercise("07-extension-1", "What releasing the freed capacity is worth", focus=INTERVENTION)
def release_value(wh, focus_intervention):
    iv = intervention(focus_intervention)
    none = _run(wh, [iv], capacity_released=0.0)
    full = _run(wh, [iv], capacity_released=1.0)
    value = (_total(none, "total_cost_sek") - _total(full, "total_cost_sek")) / 1e6
    half = _run(wh, [iv])
    care = _total(full, "care_cost_sek") / 1e6
    mistakes = [
        (
            -value,
            "That has the wrong sign: releasing capacity lowers the total cost, so the "
            "difference (nothing released minus everything released) is positive.",
        ),
        (value * 1e6, "Give the amount in million SEK (divide by 1,000,000)."),
        (
            -care,
            "That is the fall in care cost, which is the same whatever is released. Compare "
            "the total cost (total_cost_sek) of the two scenarios.",
        ),
        (
            (_total(half, "total_cost_sek") - _total(full, "total_cost_sek")) / 1e6,
            "That compares half released (the default) with everything. Compare releasing nothing "
            "(capacity_released=0) with everything (capacity_released=1).",
        ),
        (
            (_last(none, "total_cost_sek") - _last(full, "total_cost_sek")) / 1e6,
            f"That is the last year only. Add up all {HORIZON} years.",
        ),
    ]
    return Number(
        value,
        unit="million SEK",
        tolerance=0.05,
        mistakes=mistakes,
        hint="Run the scenario twice, with capacity_released=0 and capacity_released=1, and "
        "subtract the five-year change in total_cost_sek of the second from the first.",
        explain="That amount is the value of the decision to remove the freed beds and staff "
        "time, not of the intervention itself.",
    )


@exercise("07-extension-2", "The probability that the total cost falls", focus=INTERVENTION)
def probability_cost_falls(wh, focus_intervention):
    from pecdata.planning.uncertainty import monte_carlo, uncertainty_intervals

    iv = intervention(focus_intervention)

    def share(**kw):
        draws = monte_carlo(
            baseline(wh),
            [iv],
            n=MC_DRAWS,
            seed=MC_SEED,
            horizon=HORIZON,
            projection=projection(wh),
            measures=("total_cost_sek",),
            **kw,
        )
        cum = uncertainty_intervals(draws, cumulative=True).set_index("measure")
        last = uncertainty_intervals(draws)
        last = last[last["year"] == last["year"].max()].set_index("measure")
        return (
            100 * float(cum.loc["total_cost_sek", "share_below_zero"]),
            100 * float(last.loc["total_cost_sek", "share_below_zero"]),
        )

    p, p_last = share(capacity_range=CAPACITY_RANGE)
    p_fixed, _ = share(capacity_range=None)  # the share released held at its central value
    mistakes = [
        (
            100 - p,
            "That is the probability that the cost rises. The question asks how often it "
            "falls (share_below_zero).",
        ),
        (
            p_fixed,
            "That holds the share of capacity released fixed (capacity_range=None). Draw it "
            f"as well: capacity_range={CAPACITY_RANGE}.",
        ),
        (
            p_last,
            "That is the last year only. Use cumulative=True for the change over all "
            f"{HORIZON} years.",
        ),
    ]
    return Number(
        p,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=mistakes,
        hint=f"monte_carlo with n={MC_DRAWS}, seed={MC_SEED}, horizon={HORIZON}, the projection "
        f"and capacity_range={CAPACITY_RANGE}; then uncertainty_intervals(..., cumulative=True) "
        "and the share_below_zero of total_cost_sek, in percent.",
        explain="A probability, not a promise: it is only as good as the ranges the draws come "
        "from.",
    )


#: What a new intervention must state before the model can use it (challenge 07-challenge-1).
_EFFECTS = ("admissions", "readmissions", "length_of_stay", "ed_visits", "unused_ward_capacity")


def assess_new_intervention(wh, answer) -> tuple[str, str]:
    """Is ``answer`` a new intervention written as data, runnable, with sources and ranges?"""
    from pecdata.planning.interventions import Intervention, catalogue

    if not isinstance(answer, Intervention):
        return "unreadable", (
            "Give a pecdata.Intervention(...) in my_intervention, like the catalogue's (see "
            "pecdata.catalogue()['mobile_home_team'])."
        )
    if answer.key in catalogue():
        return "incorrect", (
            f"{answer.key!r} is the key of a catalogue intervention. Write a new one, with a key "
            "of its own, for a problem you found in step 6."
        )
    changed = [e for e in _EFFECTS if answer.parameter(e) != 0]
    changed += [f"shifts.{i}.share" for i, s in enumerate(answer.shifts) if s.share > 0]
    if not changed:
        return "incorrect", (
            "Your intervention changes nothing: give it an effect (admissions=-0.1, ...) or a "
            "Shift of contacts between levels of care."
        )
    if not answer.description.strip():
        return "incorrect", "Add a description: what is done, by whom, for which patients."
    no_range = [c for c in changed if c not in answer.ranges]
    if no_range:
        return "incorrect", (
            f"Give a (low, high) range in ranges= for {', '.join(map(repr, no_range))}: every "
            "effect is uncertain, and the tornado and Monte Carlo need the range."
        )
    no_source = [c for c in changed if not str(answer.sources.get(c, "")).strip()]
    if no_source:
        return "incorrect", (
            f"Say where {', '.join(map(repr, no_source))} comes from in sources= (a study, "
            "another region's pilot, or 'E: ' and your reasoning)."
        )
    if not (
        answer.staff_fte_per_1000
        or answer.cost_per_patient_sek
        or answer.fixed_cost_per_100k_sek
        or answer.startup_cost_per_100k_sek
    ):
        return "incorrect", (
            "Your intervention costs nothing and needs no staff. Say what it needs: "
            "staff_fte_per_1000, cost_per_patient_sek, fixed or start-up costs."
        )
    try:
        res = _run(wh, [dataclasses.replace(answer, start=0)])
    except ValueError as exc:
        return "incorrect", f"The scenario engine cannot run it: {exc}"
    cost = _total(res, "total_cost_sek") / 1e6
    return "correct", (
        f"Your intervention {answer.key!r} runs in the model ({HORIZON}-year change in total "
        f"cost {cost:+,.1f} million SEK at the default settings) and states a range and a "
        "source for every effect. The check cannot judge whether the numbers are sound: your "
        "trainer reviews the content with you."
    )


@exercise("07-challenge-1", "A new intervention for a problem from step 6")
def new_intervention(wh):
    from pecdata.planning.interventions import Intervention, catalogue

    example = Intervention(
        "pcc_outreach",
        "Outreach nurse for a primary care centre's chronic patients",
        "heart_failure_copd",
        "A nurse calls listed heart failure and COPD patients after every ED visit.",
        coverage=0.3,
        admissions=-0.08,
        staff_fte_per_1000={"nurse": 2.0},
        ranges={"admissions": (-0.15, 0.0)},
        sources={"admissions": "E: half the remote-monitoring effect"},
    )
    no_source = dataclasses.replace(example, sources={})
    return Custom(
        lambda answer: assess_new_intervention(wh, answer),
        right=example,
        wrong=[catalogue()["mobile_home_team"], no_source, dataclasses.replace(example, ranges={})],
    )
