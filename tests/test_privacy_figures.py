"""Figures of a region's own data leave out what rests on counts under 5 (issue 15, item 5).

Each figure function is drawn twice from the same small table, which has one
element resting on a count from 1 to 4: with protection off (a synthetic region)
everything is drawn; with it on (what ``open_region`` does for real data) that
element is missing, the others are unchanged, and a footnote says how many were
left out.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import pecdata
from pecdata.followup.did import plot_difference_in_differences
from pecdata.followup.spc import p_chart, plot_control_chart
from pecdata.plots import (
    conformance_plot,
    flow_plot,
    funnel_plot,
    segment_plot,
    trend_plot,
    utilisation_plot,
)
from pecdata.warehouse.privacy import protect_figures


@pytest.fixture
def protected():
    """Draw with protection on and off; always leave it off."""

    def draw(make, on):
        protect_figures(on)
        try:
            return make()
        finally:
            protect_figures(False)

    yield draw
    protect_figures(False)
    plt.close("all")


def footnote(fig) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def finite(values) -> int:
    return int(np.isfinite(np.asarray(values, dtype=float)).sum())


def test_utilisation_bars_from_few_contacts_are_left_out(protected):
    util = pd.DataFrame(
        {
            "age_band": ["0-19", "20-64", "65+"] * 2,
            "care_level": ["inpatient"] * 3 + ["emergency"] * 3,
            "count": [3, 400, 900, 50, 600, 2],
            "person_years": [1000.0, 5000.0, 2000.0] * 2,
        }
    )

    def heights(fig):
        return [finite([p.get_height() for p in ax.patches]) for ax in fig.axes[:2]]

    off, on = (protected(lambda: utilisation_plot(util), flag) for flag in (False, True))
    assert heights(off) == [3, 3] and heights(on) == [2, 2]
    assert "2 values left out" in footnote(on) and "left out" not in footnote(off)


def test_trend_index_from_few_contacts_is_left_out(protected):
    util = pd.DataFrame(
        {
            "year": [2022, 2023, 2024] * 2,
            "care_level": ["inpatient"] * 3 + ["emergency"] * 3,
            "per_1000": [10.0, 11.0, 12.0, 1.0, 5.0, 6.0],
            "count": [100, 110, 120, 2, 50, 60],
        }
    )
    off, on = (protected(lambda: trend_plot(util), flag) for flag in (False, True))
    lines = [finite(line.get_ydata()) for line in on.axes[0].lines[:2]]
    assert [finite(line.get_ydata()) for line in off.axes[0].lines[:2]] == [3, 3]
    # the ED index rests on the first year's 2 visits in every year
    assert sorted(lines) == [0, 3] and "3 values left out" in footnote(on)


def test_flow_segments_of_few_encounters_are_left_out(protected):
    flow = pd.DataFrame(
        {
            "source": ["ED visit", "ED visit", "admitted", "admitted", "home"],
            "target": ["admitted", "home", "home", "deceased", "home_health_care"],
            "encounters": [300, 700, 280, 3, 40],
        }
    )
    off, on = (protected(lambda: flow_plot(flow), flag) for flag in (False, True))
    assert len(on.axes[0].patches) == len(off.axes[0].patches) - 1
    assert "3" not in [t.get_text().split("\n")[-1] for t in on.axes[0].texts]
    assert "1 value left out" in footnote(on)


def test_segments_of_few_residents_are_left_out(protected):
    prof = pd.DataFrame(
        {
            "year": 2024,
            "segment": ["healthy", "multimorbid", "complex_needs"],
            "residents": [900, 97, 3],
            "population_share": [0.9, 0.097, 0.003],
            "cost_share": [0.5, 0.45, 0.05],
        }
    )
    off, on = (protected(lambda: segment_plot(prof), flag) for flag in (False, True))
    widths = [finite([p.get_width() for p in f.axes[0].patches]) for f in (off, on)]
    assert widths == [6, 4] and "1 value left out" in footnote(on)


def test_funnel_points_resting_on_few_events_are_left_out(protected):
    d = pd.DataFrame(
        {"unit": list("ABCD"), "n": [40, 400, 900, 3], "rate": [0.05, 0.11, 0.10, 0.0]}
    )

    def make():
        return funnel_plot(d, x="n", y="rate", kind="proportion", label="unit")

    off, on = (protected(make, flag) for flag in (False, True))
    points = [finite(f.axes[0].collections[0].get_offsets()[:, 1]) for f in (off, on)]
    # A: 2 readmissions of 40; D: 3 discharges (0 readmissions, but the denominator is small)
    assert points == [4, 2] and "2 values left out" in footnote(on)


def test_conformance_shares_of_few_courses_are_left_out(protected):
    summary = pd.DataFrame(
        {
            "description": ["imaging within 1 h"] * 3,
            "site": ["H1", "H2", "H3"],
            "share_met": [0.8, 0.5, 0.98],
            "courses": [100, 4, 100],  # H3: 2 courses did not meet it
        }
    )
    off, on = (protected(lambda: conformance_plot(summary), flag) for flag in (False, True))
    assert len(off.axes[0].texts) == 3 and [t.get_text() for t in on.axes[0].texts] == [
        "80% of 100"
    ]
    assert "2 values left out" in footnote(on)


def test_p_chart_months_with_few_discharges_are_left_out(protected):
    chart = p_chart([10, 12, 9, 11, 2], [100, 110, 95, 105, 3])

    def make():
        return plot_control_chart(chart)

    off, on = (protected(make, flag) for flag in (False, True))
    assert finite(off.axes[0].lines[0].get_ydata()) == 5
    assert finite(on.axes[0].lines[0].get_ydata()) == 4 and "1 value left out" in footnote(on)


def test_did_months_with_few_admissions_are_left_out(protected):
    periods = pd.date_range("2023-01-01", periods=4, freq="MS")
    rates = pd.DataFrame(
        {
            "municipality_code": ["FAL"] * 4 + ["HAL"] * 4,
            "period": list(periods) * 2,
            "admissions": [20, 3, 18, 17, 200, 210, 190, 205],
            "person_years": [100.0] * 4 + [1000.0] * 4,
        }
    )

    def make():
        return plot_difference_in_differences(rates, "FAL", "2023-03-01")

    off, on = (protected(make, flag) for flag in (False, True))
    assert finite(off.axes[0].lines[0].get_ydata()) == 4
    assert finite(on.axes[0].lines[0].get_ydata()) == 3 and "1 value left out" in footnote(on)


def test_protection_is_in_the_public_api():
    assert pecdata.protect_figures is protect_figures


def test_persistence_cells_resting_on_few_residents_are_left_out(protected):
    from pecdata.analyses.persistence import persistence_matrix
    from pecdata.plots import transition_heatmap

    ids = list(range(1, 201))
    costs = pd.DataFrame(
        {
            "resident_id": ids * 2,
            "year": [2023] * 200 + [2024] * 200,
            "cost_sek": [float(i) for i in ids] + [float(i % 7) for i in ids],
        }
    )
    matrix = persistence_matrix(costs)
    counts = np.asarray(matrix.attrs["counts"])
    few = int(((counts > 0) & (counts < 5)).sum())
    assert few > 0  # the example has small cells to hide

    def cells(fig):
        return sum(t.get_text() != "" for t in fig.axes[0].texts)

    off, on = (protected(lambda: transition_heatmap(matrix), flag) for flag in (False, True))
    assert cells(off) - cells(on) == few and f"{few} values left out" in footnote(on)
    shares_only = matrix.copy()
    shares_only.attrs = {}  # counts unknown: nothing can be shown safely
    pd.concat([matrix, matrix])  # the counts do not get in the way of pandas
    assert cells(protected(lambda: transition_heatmap(shares_only), True)) == 0
