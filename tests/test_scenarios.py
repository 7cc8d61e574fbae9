"""Scenario engine, catalogue, projection, sensitivity/uncertainty and the explorer (step 7)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pecdata.pec import cost_encounters
from pecdata.planning.baseline import TARGET_OCCUPANCY
from pecdata.planning.explorer import explore_scenarios
from pecdata.planning.interventions import SEGMENTS, Intervention, Shift, catalogue, catalogue_table
from pecdata.planning.projection import project_population
from pecdata.planning.scenarios import (
    AGE_BAND_LABELS,
    DEFAULT_DISCOUNT_RATE,
    build_baseline,
    run_scenario,
    scenario_summary,
)
from pecdata.planning.uncertainty import (
    DEFAULT_CAPACITY_RANGE,
    draw_parameters,
    monte_carlo,
    tornado,
    uncertainty_intervals,
)

BASE_YEAR = 2024


@pytest.fixture(scope="module")
def pec(region):
    return cost_encounters(region).tables()


@pytest.fixture(scope="module")
def baseline(region, pec):
    return build_baseline(region, costs=pec)


def _year1(result, measure, column="change"):
    return float(result.query("measure == @measure").sort_values("year")[column].iloc[0])


def _acute_admissions(wh, min_age=0):
    enc, ry = wh["encounters"], wh["resident_years"]
    ip = enc[(enc.care_level == "inpatient") & enc.acute & (enc.year == BASE_YEAR)]
    ip = ip.merge(ry[["resident_id", "year", "age"]], on=["resident_id", "year"])
    return int((ip.age >= min_age).sum())


def team(**kw):
    args = dict(key="t", name="Test", segment="age_75_plus", coverage=1.0, ramp=(1.0,))
    return Intervention(**(args | kw))


# --- the baseline matches the warehouse ----------------------------------------------------------
def test_baseline_counts_and_pec_cost_match_the_warehouse(region, pec, baseline):
    res = run_scenario(baseline, [], horizon=1)
    assert _year1(res, "acute_admissions", "baseline") == pytest.approx(_acute_admissions(region))
    enc = region["encounters"]
    assert _year1(res, "visits_outpatient", "baseline") == pytest.approx(
        ((enc.care_level == "outpatient") & (enc.year == BASE_YEAR)).sum()
    )
    ec = pec["encounter_costs"]
    assert _year1(res, "care_cost_sek", "baseline") == pytest.approx(
        ec.loc[ec.year == BASE_YEAR, "cost_sek"].sum(), rel=1e-9
    )
    uc = pec["unused_capacity"]
    assert _year1(res, "unused_capacity_sek", "baseline") == pytest.approx(
        uc.loc[uc.year == BASE_YEAR, "cost_sek"].sum(), rel=1e-9
    )
    st_ = region["staffing"]
    assert _year1(res, "staff_fte", "baseline") == pytest.approx(
        st_.loc[st_.year == BASE_YEAR, "fte"].sum()
    )


def test_empty_scenario_equals_the_baseline(baseline):
    res = run_scenario(baseline, [], horizon=3)
    assert np.allclose(res.baseline, res.scenario)


def test_baseline_table_adds_up_over_levels(baseline):
    t = baseline.table()
    everyone = t[(t.segment == "all") & (t.year == BASE_YEAR)]
    assert everyone.contacts.sum() == pytest.approx(baseline.visits.sum())
    assert set(t.segment) == set(SEGMENTS)


# --- effects -------------------------------------------------------------------------------------
def test_admissions_effect_on_a_segment_removes_that_share_of_its_admissions(region, baseline):
    res = run_scenario(baseline, [team(admissions=-0.2)], horizon=1)
    assert _year1(res, "acute_admissions") == pytest.approx(
        -0.2 * _acute_admissions(region, min_age=75)
    )
    assert _year1(res, "bed_days") < 0
    assert _year1(res, "readmissions_30d") < 0


def test_shift_moves_planned_visits_between_levels_and_lowers_care_cost(region, baseline):
    enc = region["encounters"]
    planned_out = ((enc.care_level == "outpatient") & ~enc.acute & (enc.year == BASE_YEAR)).sum()
    iv = team(segment="all", shifts=(Shift("outpatient", "primary_care", 0.3),))
    res = run_scenario(baseline, [iv], horizon=1)
    assert _year1(res, "visits_outpatient") == pytest.approx(-0.3 * planned_out)
    assert _year1(res, "visits_primary_care") == pytest.approx(0.3 * planned_out)
    assert _year1(res, "care_cost_sek") < 0  # a specialist visit costs more


def test_right_sizing_saves_only_the_capacity_it_removes(pec, baseline):
    """Only capacity above what the wards' use needs at target occupancy can be removed;
    the saving is the unused cost of exactly that capacity, never all unused capacity."""
    uc, pr = pec["unused_capacity"], pec["pool_rates"]
    ward = uc[(uc.year == BASE_YEAR) & (uc.unit_type.astype(str) == "ward")]
    pools = pr[(pr.year == BASE_YEAR) & (pr.unit_type.astype(str) == "ward")].set_index("pool_id")
    above = np.maximum(pools.practical_capacity - pools.used_quantity / TARGET_OCCUPANCY, 0)
    unused_qty = pools.practical_capacity - pools.used_quantity
    share = (above / unused_qty.where(unused_qty > 0)).fillna(0).clip(0, 1)
    removable = (ward.cost_sek.clip(lower=0) * share.reindex(ward.pool_id).to_numpy()).sum()
    assert baseline.removable_ward_sek == pytest.approx(removable)
    assert 0 <= removable <= ward.cost_sek.sum()
    res = run_scenario(baseline, [team(segment="all", unused_ward_capacity=0.4)], horizon=1)
    assert _year1(res, "unused_capacity_sek") == pytest.approx(-0.4 * removable)
    assert _year1(res, "staffed_beds") < 0


def test_right_sizing_saves_little_where_wards_run_at_their_target(region, pec, baseline):
    """A region whose wards all run at the target occupancy has nothing to right-size."""
    at_target = dataclasses.replace(baseline, removable_ward_sek=0.0)
    at_target = dataclasses.replace(
        at_target, removable_ward_minutes=np.zeros_like(baseline.unused_ward_minutes)
    )
    iv = catalogue()["right_sized_wards"]
    res = run_scenario(at_target, [iv], horizon=2)
    assert _year1(res, "unused_capacity_sek") == pytest.approx(0, abs=1e-6)
    assert _year1(res, "intervention_cost_sek") > 0  # it still costs to run


def test_right_sizing_saves_the_planted_wards_excess_and_no_more(pec, baseline):
    """The twin region without the underused ward saves only its wards' capacity above
    target; the planted region saves about the share of the planted ward's extra cost more."""
    from conftest import TEST_RESIDENTS, TEST_SEED

    from pecdata.generation import generate
    from pecdata.generation.planted import FINDINGS

    twin = generate(
        residents=TEST_RESIDENTS,
        years=3,
        seed=TEST_SEED,
        planted=[f for f in FINDINGS if f != "underused_ward"],
    )
    twin_pec = cost_encounters(twin).tables()
    twin_base = build_baseline(twin, costs=twin_pec)
    iv = catalogue()["right_sized_wards"]

    def saving(b):
        res = run_scenario(b, [iv], horizon=2)
        return -res.query("measure == 'unused_capacity_sek'").sort_values("year").change.iloc[-1]

    share = iv.unused_ward_capacity
    assert saving(twin_base) == pytest.approx(share * twin_base.removable_ward_sek)
    assert twin_base.removable_ward_sek <= twin_base.unused_ward_sek

    def ward_unused(t):
        uc = t["unused_capacity"]
        return uc[(uc.year == BASE_YEAR) & (uc.unit_type.astype(str) == "ward")].cost_sek.sum()

    extra = ward_unused(pec) - ward_unused(twin_pec)
    assert extra > 0
    gained = saving(baseline) - saving(twin_base)
    # the planted ward's extra capacity is all above what its use needs: its share is saved
    assert gained == pytest.approx(share * extra, rel=0.05)


def test_monte_carlo_draws_capacity_release_unless_told_to_hold_it(baseline):
    ivs = [catalogue()["remote_monitoring"], catalogue()["followups_to_primary_care"]]
    drawn = draw_parameters(ivs, n=500, seed=3)
    assert "scenario: capacity_released" in drawn.columns
    lo, hi = DEFAULT_CAPACITY_RANGE
    assert drawn["scenario: capacity_released"].between(lo, hi).all()
    held = draw_parameters(ivs, n=500, seed=3, capacity_range=None)
    assert "scenario: capacity_released" not in held.columns

    def width(**kw):
        d = monte_carlo(baseline, ivs, n=300, seed=3, horizon=2, measures=["total_cost_sek"], **kw)
        tot = d.groupby("draw").change.sum()
        return np.quantile(tot, 0.95) - np.quantile(tot, 0.05)

    assert width() > width(capacity_range=None)


def test_catalogue_effects_agree_with_their_sources():
    """An effect whose source found no significant effect must allow 0 in its range and
    not claim more than the best positive source beside it."""
    t = catalogue_table()
    null = t[t.source.str.contains("no significant effect|no difference", case=False)]
    assert len(null)
    for row in null.itertuples():
        assert row.low <= 0 <= row.high, row
    coord = t.set_index(["key", "parameter"]).loc[("care_coordinator", "admissions")]
    assert -0.17 <= coord.value <= 0 and "Nord" in coord.source


def test_multi_year_totals_are_discounted_at_the_stated_rate(baseline):
    res = run_scenario(baseline, list(catalogue().values()), horizon=4)
    t = scenario_summary(res, discount_rate=DEFAULT_DISCOUNT_RATE).set_index("measure")
    row = t.loc["total_cost_sek"]
    years = sorted(int(c.split()[1]) for c in t.columns if c.startswith("change 2"))
    expect = sum(row[f"change {y}"] / 1.03 ** (y - years[0]) for y in years)
    assert DEFAULT_DISCOUNT_RATE == 0.03
    assert row["change, discounted"] == pytest.approx(expect)
    flat = scenario_summary(res, discount_rate=0).set_index("measure").loc["total_cost_sek"]
    assert flat["change, discounted"] == pytest.approx(flat["change, all years"])
    assert np.isnan(t.loc["staff_fte", "change, discounted"])
    with pytest.raises(ValueError, match="discount_rate"):
        scenario_summary(res, discount_rate=3)


def test_ramp_and_start_year_shape_the_effect_over_time(baseline):
    res = run_scenario(baseline, [team(admissions=-0.2, ramp=(0.5, 1.0), start=2)], horizon=4)
    ch = res.query("measure == 'acute_admissions'").sort_values("year").change.to_numpy()
    assert ch[0] == ch[1] == 0
    assert ch[2] == pytest.approx(0.5 * ch[3])


def test_own_costs_follow_reach_staff_and_start_up(baseline):
    iv = team(
        staff_fte_per_1000={"nurse": 10.0}, cost_per_patient_sek=1000, startup_cost_per_100k_sek=1e6
    )
    res = run_scenario(baseline, [iv], horizon=2)
    own = res.query("measure == 'intervention_cost_sek'").sort_values("year").scenario.to_numpy()
    assert own[0] - own[1] == pytest.approx(1e6 * baseline.residents / 1e5)
    fte = _year1(res, "fte_nurse")
    reached = baseline.member["age_75_plus"] @ baseline.person_years
    assert fte == pytest.approx(10 * reached / 1000)


@settings(max_examples=25, deadline=None)
@given(effect=st.floats(-1, 0), coverage=st.floats(0, 1), r1=st.floats(0, 1), r2=st.floats(0, 1))
def test_fewer_admissions_never_add_cost_of_care_and_release_saves(
    baseline, effect, coverage, r1, r2
):
    iv = team(admissions=effect, coverage=coverage)
    lo, hi = sorted((r1, r2))
    a = run_scenario(baseline, [iv], horizon=1, capacity_released=lo)
    b = run_scenario(baseline, [iv], horizon=1, capacity_released=hi)
    assert _year1(a, "acute_admissions") <= 1e-9
    assert _year1(a, "care_cost_sek") <= 1e-6
    assert _year1(b, "total_cost_sek") <= _year1(a, "total_cost_sek") + 1e-6
    parts = sum(
        _year1(a, m, "scenario")
        for m in ("care_cost_sek", "unused_capacity_sek", "intervention_cost_sek")
    )
    assert parts == pytest.approx(_year1(a, "total_cost_sek", "scenario"))


def test_overlapping_interventions_combine_multiplicatively(baseline):
    one = run_scenario(baseline, [team(admissions=-0.5)], horizon=1)
    two = run_scenario(baseline, [team(admissions=-0.5), team(key="u", admissions=-0.5)], horizon=1)
    assert _year1(two, "acute_admissions") == pytest.approx(1.5 * _year1(one, "acute_admissions"))


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(coverage=-0.1), "coverage must be a share between 0 and 1.*-0.1"),
        (dict(coverage=1.2), "coverage must be a share between 0 and 1.*1.2"),
        (dict(segment="teenagers"), "unknown segment 'teenagers'"),
        (dict(admissions=-1.5), "admissions is a relative change.*-1.5"),
        (dict(unused_ward_capacity=2.0), "unused_ward_capacity must be a share.*2.0"),
        (dict(ramp=(0.5, 1.5)), "ramp must be a share.*1.5"),
        (dict(staff_fte_per_1000={"porter": 1.0}), "unknown profession 'porter'"),
        (dict(ranges={"admissions": (0.1, -0.1)}), "range of admissions has low 0.1 above high"),
        (dict(ranges={"magic": (0, 1)}), "unknown parameter 'magic'"),
    ],
)
def test_impossible_interventions_are_refused_with_the_field_and_value(kw, message):
    with pytest.raises(ValueError, match=message):
        team(**kw)


@pytest.mark.parametrize(
    "args, message",
    [
        (("outpatient", "primary_care", -0.2), "share must be a share between 0 and 1.*-0.2"),
        (("outpatient", "primary_care", 1.3), "share must be a share between 0 and 1.*1.3"),
        (("outpatient", "spa", 0.2), "unknown level of care 'spa'"),
    ],
)
def test_impossible_shifts_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        Shift(*args)


def test_shifts_moving_more_than_everything_are_refused():
    with pytest.raises(ValueError, match="more than 100 %"):
        team(shifts=(Shift("outpatient", "digital", 0.7), Shift("outpatient", "primary_care", 0.6)))


def test_engine_refuses_bad_settings(baseline):
    with pytest.raises(ValueError, match="capacity_released must be a share.*1.5"):
        run_scenario(baseline, [team()], capacity_released=1.5)
    with pytest.raises(ValueError, match="horizon must be .* got 0"):
        run_scenario(baseline, [team()], horizon=0)
    with pytest.raises(ValueError, match="'t' appears twice"):
        run_scenario(baseline, [team(), team()])
    with pytest.raises(ValueError, match="unknown measure"):
        scenario_summary(run_scenario(baseline, [team()]), measures=("happiness",))


# --- catalogue -----------------------------------------------------------------------------------
def test_catalogue_covers_the_seed_interventions_with_ranges_and_sources():
    cat = catalogue()
    assert len(cat) >= 6
    for key in (
        "care_coordinator",
        "followups_to_primary_care",
        "digital_visits",
        "remote_monitoring",
        "mobile_home_team",
        "right_sized_wards",
    ):
        assert key in cat
    t = catalogue_table()
    assert ((t.low <= t.value) & (t.value <= t.high)).all()
    assert (t.source.str.len() > 0).all()
    assert set(t.key) == set(cat)  # every intervention states its ranges


# --- projection ----------------------------------------------------------------------------------
def test_projection_starts_from_the_residents_on_31_december(region):
    res = region["residents"]
    end = pd.Timestamp(f"{BASE_YEAR}-12-31")
    ry = region["resident_years"]
    ids = ry.loc[ry.year == BASE_YEAR, "resident_id"]
    r = res[res.resident_id.isin(ids)]
    alive = (r.death_date.isna() | (r.death_date > end)) & (r.out_date.isna() | (r.out_date > end))
    p = project_population(region, years=5)
    assert p[p.year == BASE_YEAR].population.sum() == pytest.approx(alive.sum())
    assert sorted(p.year.unique()) == list(range(BASE_YEAR, BASE_YEAR + 6))


def test_projection_without_births_deaths_or_moves_only_ages_the_population(region):
    p = project_population(region, years=10, death_rate_factor=0, migration_factor=0, birth_rate=0)
    total = p.groupby("year").population.sum()
    assert np.allclose(total, total.iloc[0])
    oldest = p[p.age_band == "85+"].population.to_numpy()
    assert (np.diff(oldest) >= -1e-9).all()


def test_projection_grows_scenario_volumes_by_age_band(baseline):
    years = range(BASE_YEAR, BASE_YEAR + 4)
    proj = pd.DataFrame(
        [(y, b, 2.0 if y > BASE_YEAR else 1.0) for y in years for b in AGE_BAND_LABELS],
        columns=["year", "age_band", "index"],
    )
    plain = run_scenario(baseline, [], horizon=2)
    grown = run_scenario(baseline, [], horizon=2, projection=proj)
    for m in ("acute_admissions", "care_cost_sek", "person_years"):
        assert _year1(grown, m, "baseline") == pytest.approx(2 * _year1(plain, m, "baseline"))


def test_projection_refuses_bad_input(region):
    with pytest.raises(ValueError, match="years must be .* got 0"):
        project_population(region, years=0)
    with pytest.raises(ValueError, match="death_rate_factor must be 0 or more.*-1"):
        project_population(region, death_rate_factor=-1)


# --- sensitivity and uncertainty -----------------------------------------------------------------
def test_tornado_ends_are_the_scenario_at_each_end_of_the_range(baseline):
    iv = catalogue()["remote_monitoring"]
    t = tornado(baseline, [iv], measure="acute_admissions", horizon=3, capacity_range=None)
    row = t.set_index("parameter").loc["admissions"]
    direct = run_scenario(baseline, [iv.with_parameter("admissions", row.low)], horizon=3)
    assert row.result_low == pytest.approx(
        direct.query("measure == 'acute_admissions'").change.sum()
    )
    assert (t.swing.diff().dropna() <= 1e-9).all()  # widest first


def test_monte_carlo_is_reproducible_and_intervals_are_ordered(baseline):
    ivs = [catalogue()["mobile_home_team"], catalogue()["digital_visits"]]
    a = monte_carlo(baseline, ivs, n=60, seed=5, horizon=2)
    b = monte_carlo(baseline, ivs, n=60, seed=5, horizon=2)
    c = monte_carlo(baseline, ivs, n=60, seed=6, horizon=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.change, c.change)
    iv = uncertainty_intervals(a, level=0.9)
    assert ((iv.low <= iv["median"]) & (iv["median"] <= iv.high)).all()


def test_parameter_draws_stay_in_their_ranges_and_centre_on_the_triangle():
    iv = catalogue()["mobile_home_team"]
    d = draw_parameters([iv], n=20_000, seed=1)
    lo, hi = iv.ranges["admissions"]
    x = d["mobile_home_team: admissions"]
    assert x.between(lo, hi).all()
    assert x.mean() == pytest.approx((lo + iv.admissions + hi) / 3, abs=0.003)


# --- explorer ------------------------------------------------------------------------------------
def test_explorer_sliders_change_the_table(baseline):
    ex = explore_scenarios(baseline, include=["mobile_home_team"], horizon=3)
    before = ex.recompute().loc["acute_admissions", "change"]
    ex.controls["mobile_home_team"]["coverage"].value = 0.2
    after = ex.table.value
    assert ex.recompute().loc["acute_admissions", "change"] > before  # fewer reached
    assert "acute_admissions" in after and ex.image.value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="unknown intervention"):
        explore_scenarios(baseline, include=["teleportation"])
