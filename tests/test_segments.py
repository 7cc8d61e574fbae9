"""Step 5 analyses: cost concentration, segments, profiles and persistence of high cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_tables, tiny_warehouse
from hypothesis import given, settings
from hypothesis import strategies as st

from pecdata import plots
from pecdata.analyses import segments as sg
from pecdata.pec import cost_encounters, resident_costs
from pecdata.warehouse import Warehouse


@pytest.fixture(scope="module")
def pec(region):
    return cost_encounters(region)


@pytest.fixture(scope="module")
def costs(region, pec):
    return sg.resident_year_costs(region, pec.tables()["encounter_costs"])


@pytest.fixture(scope="module")
def segments(region):
    return sg.assign_segments(region)


def costs_frame(values, year=2024):
    return pd.DataFrame(
        {
            "resident_id": np.arange(1, len(values) + 1),
            "year": year,
            "cost_sek": np.asarray(values, float),
        }
    )


# --- costs per resident -----------------------------------------------------------------------
def test_resident_year_costs_cover_everyone_and_all_the_cost(region, pec, costs):
    ec = pec.tables()["encounter_costs"]
    assert len(costs) == len(region["resident_years"])
    assert costs.cost_sek.sum() == pytest.approx(ec.cost_full_sek.sum())
    assert (costs.cost_sek == 0).mean() > 0.05  # non-users are in, at 0
    rate_view = sg.resident_year_costs(region, ec, cost_column="cost_sek")
    assert rate_view.cost_sek.sum() < costs.cost_sek.sum()  # unused capacity not charged


def test_resident_year_costs_accept_pec_resident_costs_and_a_series(region, pec, costs):
    from_pec = sg.resident_year_costs(region, resident_costs(pec))
    assert from_pec.cost_sek.to_numpy() == pytest.approx(costs.cost_sek.to_numpy())
    series = pec.tables()["encounter_costs"].set_index("encounter_id").cost_full_sek
    assert sg.resident_year_costs(region, series).cost_sek.sum() == pytest.approx(
        costs.cost_sek.sum()
    )


def test_resident_year_costs_reject_a_table_without_costs():
    with pytest.raises(ValueError, match="cost"):
        sg.resident_year_costs(tiny_warehouse(), pd.DataFrame({"encounter_id": [1]}))


# --- concentration ----------------------------------------------------------------------------
def test_concentration_of_a_known_distribution():
    c = sg.cost_concentration(costs_frame([50, 30, 10, 5, 5, 0, 0, 0, 0, 0]), [10, 20, 50])
    assert c.cost_share.tolist() == pytest.approx([0.5, 0.8, 1.0])
    assert c.threshold_sek.tolist() == [50, 30, 5]
    equal = sg.cost_concentration(costs_frame([7] * 10), [10])
    assert equal.cost_share.item() == pytest.approx(0.1) and equal.gini.item() == pytest.approx(0)


def test_a_year_without_cost_gives_nan_shares_not_an_error():
    c = sg.cost_concentration(costs_frame([0, 0, 0]), [50])
    assert np.isnan(c.cost_share.item()) and np.isnan(c.gini.item())


def test_region_cost_is_concentrated_like_published_figures(costs):
    c = sg.cost_concentration(costs).set_index(["year", "top_percent"]).cost_share
    for year in costs.year.unique():
        assert 0.12 < c[year, 1] < 0.30  # ~20-25 % (calibration.md §4)
        assert 0.35 < c[year, 5] < 0.60  # ~45-50 %
        assert 0.50 < c[year, 10] < 0.75  # ~60-65 %


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=60))
def test_concentration_and_lorenz_curve_are_consistent(values):
    c = costs_frame(values)
    shares = sg.cost_concentration(c, [1, 5, 10, 20, 50, 100]).cost_share.to_numpy()
    curve = sg.lorenz_curve(c, points=51)
    if sum(values) > 0:
        assert np.all(np.diff(shares) >= -1e-12) and shares[-1] == pytest.approx(1)
        assert np.all(np.diff(curve.cost_share) >= -1e-12)
        assert (curve.cost_share >= curve.population_share - 1e-9).all()  # above equality
    assert curve.cost_share.iloc[0] == 0


def test_lorenz_curve_of_a_missing_year_names_the_years():
    with pytest.raises(ValueError, match="2024"):
        sg.lorenz_curve(costs_frame([1, 2]), year=2020)


# --- segments ---------------------------------------------------------------------------------
def test_tiny_segments_follow_the_definitions():
    seg = sg.assign_segments(tiny_warehouse()).set_index("resident_id").segment
    assert seg[1] == "multimorbid"  # hypertension + hip osteoarthritis, no admissions
    assert seg[2] == "last_year_of_life"  # died 20 December
    assert seg[3] == seg[4] == "healthy"


def test_complex_needs_requires_extensive_health_care_and_care_services():
    """Socialstyrelsen's core group: extensive health care *and* extensive care services."""
    t = tiny_tables()
    t["residents"] = t["residents"].assign(death_date=pd.NaT)  # resident 2 survives
    wh = Warehouse(t)
    seg = sg.assign_segments(wh).set_index("resident_id")
    assert seg.loc[2, "acute_admissions"] == 2 and seg.loc[2, "home_care_visits"] == 0
    assert seg.loc[2, "segment"] == "multimorbid"  # admissions alone are not enough
    no_care_rule = sg.assign_segments(wh, complex_min_home_care_visits=0)
    assert no_care_rule.set_index("resident_id").segment[2] == "complex_needs"
    stricter = sg.assign_segments(wh, complex_min_home_care_visits=0, complex_min_admissions=3)
    assert stricter.set_index("resident_id").segment[2] == "multimorbid"
    share = sg.complex_needs_share(no_care_rule)
    assert share.complex_needs.item() == 1 and share.residents.item() == 2
    assert share.source_share.item() == sg.COMPLEX_NEEDS_SOURCE_SHARE


def test_home_care_alone_does_not_make_complex_needs(region):
    seg = sg.assign_segments(region)
    old = seg[seg.age >= 65]
    heavy_care_only = (old.home_care_visits >= 26) & (old.acute_admissions < 2)
    assert heavy_care_only.any()
    assert not (old.segment[heavy_care_only] == "complex_needs").any()


def test_region_segments_have_sensible_sizes_and_costs(region, segments, costs):
    prof = sg.segment_profiles(region, segments, costs)
    p = prof[prof.year == 2023].set_index("segment")
    assert p.population_share.sum() == pytest.approx(1)
    assert p.cost_share.sum() == pytest.approx(1)
    assert p.loc["healthy", "population_share"] > 0.5
    assert p.loc["complex_needs", "population_share"] < 0.05
    assert p.loc["complex_needs", "cost_share"] > 4 * p.loc["complex_needs", "population_share"]
    assert (
        p.cost_per_resident["complex_needs"]
        > p.cost_per_resident["multimorbid"]
        > p.cost_per_resident["healthy"]
    )
    assert p.loc["complex_needs", "mean_age"] >= 65


def test_empty_segment_is_listed_with_zero_residents():
    prof = sg.segment_profiles(tiny_warehouse(), sg.assign_segments(tiny_warehouse()))
    row = prof.set_index("segment").loc["complex_needs"]
    assert row.residents == 0 and row.population_share == 0 and np.isnan(row.mean_age)
    with pytest.raises(ValueError, match="assign_segments"):
        sg.segment_profiles(tiny_warehouse(), pd.DataFrame({"resident_id": [1]}))


# --- persistence ------------------------------------------------------------------------------
def test_persistence_matrix_rows_are_shares_and_high_cost_persists(costs):
    m = sg.persistence_matrix(costs, 2022, 2023)
    assert m.sum(axis=1).to_numpy() == pytest.approx(1)
    assert m.loc["top 1 %", "top 1 %"] > 0.1  # far above the 1 % by chance
    assert m.loc["bottom 50 %", "bottom 50 %"] > 0.5
    deciles = sg.persistence_matrix(costs, groups="deciles", normalize=False)
    assert deciles.shape == (10, 11)
    assert deciles.sum().sum() == (costs.year == 2022).sum()


def test_persistence_counts_those_who_leave():
    c = pd.DataFrame(
        {
            "resident_id": [1, 2, 3, 1, 2],
            "year": [2023] * 3 + [2024] * 2,
            "cost_sek": [9.0, 5.0, 1.0, 9.0, 1.0],
        }
    )
    m = sg.persistence_matrix(c, groups="deciles", normalize=False)
    assert m.loc["decile 1", sg.LEFT] == 1  # resident 3 died or moved
    hp = sg.high_cost_persistence(c, top_percent=34)
    assert hp.still_high_cost.item() == 1.0 and hp.left_region.item() == 0


def test_persistence_of_a_missing_year_is_a_clear_error(costs):
    with pytest.raises(ValueError, match="no residents in 2030"):
        sg.persistence_matrix(costs, 2030)


def test_high_cost_persistence_beats_chance(costs):
    hp = sg.high_cost_persistence(costs, top_percent=5)
    assert len(hp) == costs.year.nunique() - 1
    assert (hp.still_high_cost > 4 * hp.expected_by_chance).all()


# --- figures ----------------------------------------------------------------------------------
def test_step5_figures_draw_from_the_analyses(region, segments, costs):
    curve, conc = sg.lorenz_curve(costs), sg.cost_concentration(costs)
    fig = plots.lorenz_plot(curve, conc)
    assert any("top 5 %" in t.get_text() for t in fig.axes[0].texts)
    fig = plots.segment_plot(sg.segment_profiles(region, segments, costs))
    assert len(fig.axes[0].patches) == 2 * len(sg.SEGMENTS)
    fig = plots.transition_heatmap(sg.persistence_matrix(costs))
    assert len(fig.axes[0].texts) == 5 * 6
