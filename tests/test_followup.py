"""Follow-up (step 9): control charts, indicators and the evaluation of the planted pilot."""

from __future__ import annotations

import multiseed as ms
import numpy as np
import pandas as pd
import pytest
from conftest import TEST_RESIDENTS, TEST_SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from pecdata import followup as F
from pecdata.generation import generate
from pecdata.generation.assumptions import DEFAULT_MUNICIPALITIES
from pecdata.generation.planted import FINDINGS, PILOT_MUNICIPALITIES
from pecdata.planning.interventions import catalogue


def _pilot(wh):
    """The answer key's pilot: municipality, start date and true effect per 1,000."""
    row = wh["planted_findings"].set_index("finding_id").loc["home_team_pilot"]
    muni, _, start = row.location.partition(", residents 75+, from ")
    return muni, pd.Timestamp(start), float(row.true_value)


@pytest.fixture(scope="module")
def counts(region):
    return F.admission_counts(region, min_age=75, freq="M")


@pytest.fixture(scope="module")
def unplanted_region():
    """The test region's twin: same seed, every finding but the pilot."""
    return generate(
        residents=TEST_RESIDENTS,
        years=3,
        seed=TEST_SEED,
        planted=[f for f in FINDINGS if f != "home_team_pilot"],
    )


# --- difference in differences -------------------------------------------------------------------
def test_did_recovers_the_planted_pilot_effect_within_its_interval(region, counts):
    muni, start, truth = _pilot(region)
    did = F.difference_in_differences(counts, muni, start).iloc[0]
    assert truth < 0
    assert did.ci_low <= truth <= did.ci_high
    assert did.estimate < 0
    assert did.se_method.startswith("clustered by resident")


def test_did_without_the_pilot_covers_zero(region, unplanted_region):
    muni, start, _ = _pilot(region)
    c = F.admission_counts(unplanted_region, min_age=75, freq="M")
    did = F.difference_in_differences(c, muni, start).iloc[0]
    assert did.ci_low <= 0 <= did.ci_high


def test_did_difference_between_twins_is_exactly_the_answer_key(region, counts, unplanted_region):
    """Same population and random draws except the removed admissions: the estimates differ
    by the true effect, so the evaluation measures what the answer key measures (up to how
    the half year's person-years are split: 184/365 here, 184/365.25 in the key)."""
    muni, start, truth = _pilot(region)
    with_pilot = F.difference_in_differences(counts, muni, start).estimate.iloc[0]
    twin = F.admission_counts(unplanted_region, min_age=75, freq="M")
    without = F.difference_in_differences(twin, muni, start).estimate.iloc[0]
    assert with_pilot - without == pytest.approx(truth, rel=2e-3)


def _synthetic(effect):
    """Two municipalities, 2 x 12 months, no noise: rates 400 and 300 per 1,000 with a common
    trend of -10 per year, and ``effect`` in A after the start."""
    rows, rid = [], 0
    for muni, base in (("A", 400.0), ("B", 300.0)):
        for m, period in enumerate(pd.date_range("2023-01-01", periods=24, freq="MS")):
            rate = base - 10 * (m >= 12) + (effect if muni == "A" and m >= 12 else 0)
            rid += 1
            rows.append((rid, muni, period, rate / 1000 * 100, 100.0))
    return pd.DataFrame(
        rows, columns=["resident_id", "municipality_code", "period", "admissions", "person_years"]
    )


def test_did_gets_a_known_effect_exactly_when_there_is_no_noise():
    did = F.difference_in_differences(_synthetic(-40), "A", "2024-01-01").iloc[0]
    assert did.estimate == pytest.approx(-40)
    assert did.relative_effect == pytest.approx(-40 / 390)


def test_pre_period_trend_check_finds_a_trend_that_started_before_the_pilot():
    flat = F.difference_in_differences(_synthetic(-40), "A", "2024-01-01").iloc[0]
    assert flat.pretrend_estimate == pytest.approx(0) and flat.parallel_pre_trends
    d = _synthetic(0)
    months = (d.period.dt.year - 2023) * 12 + d.period.dt.month - 1
    drift = (d.municipality_code == "A") & (months >= 6)  # A moves away from mid-2023
    d.loc[drift, "admissions"] -= 30 / 1000 * 100
    d[["admissions", "person_years"]] *= 100  # a large region: little Poisson noise
    moved = F.difference_in_differences(d, "A", "2024-01-01", se="poisson").iloc[0]
    assert moved.pretrend_estimate == pytest.approx(-30)
    assert not moved.parallel_pre_trends


def test_placebo_check_runs_every_untreated_municipality_as_if_treated(region, counts):
    muni, start, _ = _pilot(region)
    did = F.difference_in_differences(counts, muni, start).iloc[0]
    others = sorted(set(counts.municipality_code.astype(str)) - {muni})
    assert did.placebos == len(others)
    first = F.difference_in_differences(counts[counts.municipality_code != muni], others[0], start)
    assert f"{others[0]}: {first.estimate.iloc[0]:.1f}" in did.placebo_estimates
    assert 1 / (1 + len(others)) <= did.permutation_p <= 1
    assert did.placebo_ci_low <= did.ci_low and did.ci_high <= did.placebo_ci_high
    # the interval is never narrower than residents' noise alone gives
    assert did.se >= did.se_residents
    t = [
        F.difference_in_differences(counts[counts.municipality_code != muni], m, start).iloc[0]
        for m in others
    ]
    assert did.dispersion == pytest.approx(np.mean([(p.estimate / p.se_residents) ** 2 for p in t]))


def test_interval_adds_the_drift_the_placebos_show_beyond_residents_noise(counts, region):
    """Municipalities that drift apart (here: one comparison municipality's rate moves after
    the start, with no pilot anywhere) widen the interval; the residents' part stays."""
    muni, start, _ = _pilot(region)
    base = F.difference_in_differences(counts, muni, start).iloc[0]
    moved = counts.copy()
    other = sorted(set(counts.municipality_code.astype(str)) - {muni})[0]
    rows = (moved.municipality_code == other) & (moved.period >= pd.Timestamp(start))
    moved["admissions"] = moved["admissions"].astype(float)
    moved.loc[rows, "admissions"] *= 1.6
    drifted = F.difference_in_differences(moved, muni, start).iloc[0]
    assert drifted.dispersion > max(base.dispersion, 1)
    assert drifted.se == pytest.approx(drifted.se_residents * np.sqrt(drifted.dispersion))
    assert drifted.ci_high - drifted.ci_low > base.ci_high - base.ci_low
    assert drifted.placebo_ci_low < drifted.ci_low and drifted.ci_high < drifted.placebo_ci_high
    # the residents' part of the error is (nearly) untouched by the comparison's drift
    assert drifted.se_residents == pytest.approx(base.se_residents, rel=0.1)


def test_cluster_errors_are_wider_than_poisson_when_patients_come_back(counts, region):
    muni, start, _ = _pilot(region)
    cl = F.difference_in_differences(counts, muni, start, se="cluster").se_residents.iloc[0]
    po = F.difference_in_differences(counts, muni, start, se="poisson").se_residents.iloc[0]
    assert cl > po


def test_did_refuses_bad_input(counts):
    with pytest.raises(ValueError, match="treated municipality 'XXX' is not in the data"):
        F.difference_in_differences(counts, "XXX", "2023-07-01")
    with pytest.raises(ValueError, match="at least 2 periods before and after"):
        F.difference_in_differences(counts, "FAL", "2030-01-01")
    agg = counts.groupby(["municipality_code", "period"])[["admissions", "person_years"]].sum()
    with pytest.raises(ValueError, match="se='cluster' needs resident-level data"):
        F.difference_in_differences(agg.reset_index(), "FAL", "2023-07-01", se="cluster")


def test_admission_counts_match_the_encounters(region, counts):
    enc, ry = region["encounters"], region["resident_years"]
    ip = enc[(enc.care_level == "inpatient") & enc.acute].merge(
        ry[["resident_id", "year", "age"]], on=["resident_id", "year"]
    )
    assert counts.admissions.sum() == (ip.age >= 75).sum()
    py = ry.loc[ry.age >= 75, "days_resident"].sum() / 365.25
    assert counts.person_years.sum() == pytest.approx(py)


def test_evaluation_feeds_the_next_planning_cycle(region, counts):
    muni, start, _ = _pilot(region)
    did = F.difference_in_differences(counts, muni, start)
    iv = F.evaluated_intervention(catalogue()["mobile_home_team"], did)
    lo, hi = iv.ranges["admissions"]
    assert lo < iv.admissions < hi
    assert "difference in differences" in iv.sources["admissions"]


def test_evaluated_effect_is_per_reached_patient_of_the_evaluated_population(region, counts):
    """The pilot reached everyone in the evaluated population: the effect per reached
    patient is the population's relative effect, not divided by the catalogue's coverage
    (which belongs to the frail-elderly segment at full scale)."""
    muni, start, _ = _pilot(region)
    did = F.difference_in_differences(counts, muni, start)
    team = catalogue()["mobile_home_team"]
    assert team.coverage < 1
    iv = F.evaluated_intervention(team, did)
    assert iv.admissions == pytest.approx(did.relative_effect.iloc[0])
    half = F.evaluated_intervention(team, did, reached_share=0.5)
    assert half.admissions == pytest.approx(2 * iv.admissions)
    with pytest.raises(ValueError, match="reached_share"):
        F.evaluated_intervention(team, did, reached_share=0)


# --- indicators ----------------------------------------------------------------------------------
def test_indicator_targets_are_measured_against_the_comparison_group(region):
    muni, start, _ = _pilot(region)
    t = F.indicator_targets(region, muni, start).set_index("indicator")
    row = t.loc["acute_admissions_per_1000"]
    assert row.expected == pytest.approx(row.before * row.comparison_after / row.comparison_before)
    assert row.target == pytest.approx(row.expected * 0.85)
    assert row.relative_change_pct == pytest.approx(100 * (row.after / row.expected - 1))
    assert row.met == (row.after <= row.target)
    with pytest.raises(ValueError, match="unknown indicator"):
        F.indicator_targets(region, muni, start, targets={"smiles": 0.1})
    with pytest.raises(ValueError, match="unknown municipality 'ATL'"):
        F.indicator_targets(region, "ATL", start)


def test_no_pilot_no_target_met_by_the_regions_own_trend(unplanted_region, region):
    """Without the pilot, admissions measured against the comparison group do not fall by
    the target, whatever the region's own trend does to the naive before/after change."""
    muni, start, _ = _pilot(region)
    row = F.indicator_targets(unplanted_region, muni, start).set_index("indicator")
    adm = row.loc["acute_admissions_per_1000"]
    assert not adm.met
    # no improvement of the target's size appears without a pilot (a rise is not a false
    # success; municipalities of a 20,000-resident region differ by chance and drift)
    assert adm.relative_change_pct > -15


def test_control_charts_leave_out_incomplete_periods(region):
    r = F.readmission_shares(region, min_age=75, freq="M")
    end = pd.Timestamp(year=int(region["encounters"].year.max()) + 1, month=1, day=1)
    last_end = r.period.max() + pd.offsets.MonthEnd(0)
    assert last_end <= end - pd.Timedelta(days=30)
    assert r.discharges.min() > 0.4 * r.discharges.median()


# --- statistical process control -----------------------------------------------------------------
@pytest.mark.parametrize(
    "z, rule, flagged",
    [
        ([0.5] * 8 + [-0.5], "run_of_8", list(range(8))),
        ([0.1, -0.2, 0.3, 0.5, 0.9, 1.2, 1.5, 1.7, -0.4], "trend_of_6", list(range(1, 8))),
        ([0.0, 2.5, 0.3, 2.2, 0.0], "two_of_three", [1, 3]),
        ([0.0, 3.4, 0.0], "outside_limits", [1]),
    ],
)
def test_each_special_cause_rule_flags_its_pattern(z, rule, flagged):
    s = F.special_causes(z)
    assert np.flatnonzero(s[rule]).tolist() == flagged


def test_a_stable_process_has_no_signals():
    z = [0.5, -0.5, 1.0, -1.0, 0.2, -0.3, 0.8, -0.6, 0.1, -0.1] * 3
    assert not F.special_causes(z).signal.any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=3, max_size=40))
def test_xmr_limits_are_centre_plus_minus_2_66_mean_moving_range(values):
    c = F.xmr_chart(values)
    mr = np.abs(np.diff(values)).mean()
    assert c.ucl.iloc[0] == pytest.approx(np.mean(values) + 2.66 * mr, rel=1e-3, abs=1e-6)
    assert c.lcl.iloc[0] == pytest.approx(np.mean(values) - 2.66 * mr, rel=1e-3, abs=1e-6)


def test_p_chart_limits_widen_for_small_periods_and_stay_in_0_1():
    c = F.p_chart([5, 50, 6, 48], [50, 500, 50, 500])
    p = 109 / 1100
    assert c.centre.iloc[0] == pytest.approx(p)
    assert c.ucl.iloc[0] - p == pytest.approx(3 * np.sqrt(p * (1 - p) / 50))
    assert c.ucl.iloc[0] > c.ucl.iloc[1]
    assert (c.lcl >= 0).all() and (c.ucl <= 1).all()
    with pytest.raises(ValueError, match="events between 0 and the total"):
        F.p_chart([5, 60, 1], [50, 50, 50])


def test_pilot_municipality_control_chart_signals_after_the_start(region):
    muni, start, _ = _pilot(region)
    r = F.admission_rates(region, min_age=75, freq="M")
    r = r[r.municipality_code == muni]
    before = int((r.period < start).sum())
    c = F.xmr_chart(r.rate_per_1000, r.period, baseline_periods=before)
    assert c.centre.iloc[-1] == pytest.approx(r.rate_per_1000.iloc[:before].mean())
    assert len(c) == len(r)


PILOT_CODES = [DEFAULT_MUNICIPALITIES[i][0] for i in PILOT_MUNICIPALITIES]


# --- on any seed (issue 11, item 7): a careful evaluation finds the pilot, and only it -----------
@pytest.fixture(scope="module")
def planted_evaluations():
    rows = []
    for seed in ms.PLANTED_SEEDS:
        wh = ms.planted(seed)
        muni, age, start, truth, _ = ms.pilot(wh)
        c = F.admission_counts(wh, min_age=age, freq="M")
        did = F.difference_in_differences(c, muni, start).iloc[0]
        rows.append(dict(seed=seed, truth=truth, **did[["estimate", "ci_low", "ci_high"]]))
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_did_covers_the_planted_truth_without_bias_and_with_power(planted_evaluations):
    r = planted_evaluations
    cover = ((r.ci_low <= r.truth) & (r.truth <= r.ci_high)).mean()
    power = (r.ci_high < 0).mean()
    bias = r.estimate.mean() / r.truth.mean() - 1
    summary = f"cover {cover:.0%}, power {power:.0%}, bias {bias:+.0%}\n{r.round(1)}"
    assert cover >= 0.9, summary
    assert abs(bias) <= 0.15, summary
    assert power >= 0.8, summary


@pytest.mark.slow
def test_did_covers_zero_where_nothing_was_planted():
    """Every municipality the pilot can be given (HAV, NOR, VAL), on unplanted regions."""
    covered, pre_ok = [], []
    for seed in ms.UNPLANTED_SEEDS:
        wh = ms.unplanted(seed)
        c = F.admission_counts(wh, min_age=75, freq="M")
        for muni in PILOT_CODES:
            did = F.difference_in_differences(c, muni, "2023-07-01").iloc[0]
            covered.append(did.ci_low <= 0 <= did.ci_high)
            pre_ok.append(did.parallel_pre_trends)
    assert np.mean(covered) >= 0.9, f"{np.mean(covered):.0%} of {len(covered)} cover 0"
    assert np.mean(pre_ok) >= 0.85, f"pre-period check passes in {np.mean(pre_ok):.0%}"
