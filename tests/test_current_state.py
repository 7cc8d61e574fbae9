"""Step 3 analyses: utilisation per 1,000, flows, trends, occupancy and staff utilisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import FTE, HOURS_PER_FTE, PC, WARD, tiny_tables, tiny_warehouse
from hypothesis import given
from hypothesis import strategies as st

from pecdata import plots
from pecdata.analyses import current_state as cs
from pecdata.warehouse import Warehouse
from pecdata.warehouse.schema import CARE_LEVELS

#: Person-years of the tiny region: 365 + 354 + 184 + 365 days.
TINY_PY = (365 + 354 + 184 + 365) / 365.25


def tiny_with(**changes) -> Warehouse:
    """The tiny warehouse with some tables replaced or extended."""
    t = tiny_tables()
    t.update(changes)
    return Warehouse(t)


def extra_year(t: dict, year: int = 2023) -> pd.DataFrame:
    """resident_years with everyone also living in ``year`` (a year without any care)."""
    ry = t["resident_years"]
    return pd.concat([ry, ry.assign(year=year, days_resident=365)], ignore_index=True)


# --- utilisation ------------------------------------------------------------------------------
def test_tiny_rates_per_1000_by_level_match_hand_counts():
    u = cs.utilisation_per_1000(tiny_warehouse(), by="care_level").set_index("care_level")
    expected = {
        "primary_care": 3,
        "digital": 1,
        "emergency": 2,
        "inpatient": 2,
        "outpatient": 0,
        "day_surgery": 0,
        "home_health_care": 0,
    }
    assert u["count"].to_dict() == expected
    assert u.loc["inpatient", "per_1000"] == pytest.approx(1000 * 2 / TINY_PY)
    assert list(u.index) == list(CARE_LEVELS)  # every level, zeros included


def test_patients_and_bed_days_count_what_they_say():
    wh = tiny_warehouse()
    pat = cs.utilisation_per_1000(wh, by="care_level", count="patients").set_index("care_level")
    assert pat.loc["inpatient", "count"] == 1  # one resident, two stays
    assert pat.loc["emergency", "count"] == 2
    beds = cs.utilisation_per_1000(wh, by=[], count="bed_days")
    assert beds["count"].item() == 4 + 5


def test_rates_by_age_band_and_sex_use_each_groups_person_years():
    u = cs.utilisation_per_1000(tiny_warehouse(), by=["age_band", "sex", "care_level"])
    row = u[(u.age_band == "75-84") & (u.sex == "M") & (u.care_level == "inpatient")].iloc[0]
    assert row["count"] == 2 and row.person_years == pytest.approx(354 / 365.25)
    assert u.person_years.sum() == pytest.approx(TINY_PY * len(CARE_LEVELS))


def test_a_year_without_care_gives_zero_rates_not_missing_rows():
    t = tiny_tables()
    wh = tiny_with(resident_years=extra_year(t))
    u = cs.utilisation_per_1000(wh, by=["year", "care_level"])
    y23 = u[u.year == 2023]
    assert len(y23) == len(CARE_LEVELS) and (y23["count"] == 0).all()
    assert (y23.per_1000 == 0).all()
    trend = cs.utilisation_trends(wh).set_index("care_level")
    assert trend.loc["inpatient", "change_percent"] == pytest.approx(-100)
    assert np.isnan(trend.loc["outpatient", "change_percent"])  # nothing to compare with


def test_asking_for_a_year_without_residents_names_the_table():
    with pytest.raises(ValueError, match="resident_years"):
        cs.utilisation_per_1000(tiny_warehouse(), years=2030)


def test_bad_grouping_and_missing_columns_give_clear_errors():
    with pytest.raises(ValueError, match="cannot group by"):
        cs.utilisation_per_1000(tiny_warehouse(), by="colour")
    t = tiny_tables()
    t["resident_years"] = t["resident_years"].drop(columns="days_resident")
    with pytest.raises(ValueError, match="'resident_years' has no column.*days_resident"):
        cs.person_years(Warehouse(t))


def test_region_rates_are_near_the_published_swedish_levels(region):
    u = cs.utilisation_per_1000(region, by=["year", "care_level"], years=2022)
    rate = u.set_index("care_level").per_1000
    assert 110 < rate["inpatient"] < 160  # ~131 per 1,000 (calibration.md §2)
    assert 140 < rate["emergency"] < 210  # ~173 per 1,000


def test_rates_rise_steeply_with_age(region):
    u = cs.utilisation_per_1000(region, by=["age_band", "care_level"], years=2022)
    ip = u[u.care_level == "inpatient"].set_index("age_band").per_1000
    assert ip["85+"] > 5 * ip["20-44"]
    assert ip.is_monotonic_increasing or ip.iloc[1:].is_monotonic_increasing


def test_municipal_rates_add_up_to_the_region(region):
    by_muni = cs.utilisation_per_1000(region, by=["municipality_code", "care_level"], years=2023)
    whole = cs.utilisation_per_1000(region, by=["care_level"], years=2023).set_index("care_level")
    counts = by_muni.groupby("care_level", observed=True)["count"].sum()
    assert (counts == whole["count"]).all()


@given(st.lists(st.integers(0, 110), min_size=1, max_size=30))
def test_age_bands_hold_their_ages(ages):
    bands = cs.age_band(ages)
    for age, band in zip(ages, bands):
        lo, _, hi = band.partition("-")
        assert age >= int(lo.rstrip("+"))
        if hi:
            assert age <= int(hi)


# --- flows ------------------------------------------------------------------------------------
def test_tiny_ed_flow_follows_the_admitted_patient():
    f = cs.ed_flow(tiny_warehouse()).set_index(["source", "target"]).encounters
    assert f["ED visit", "admitted"] == 1 and f["ED visit", "not admitted"] == 1
    assert f["admitted", "home_with_home_care"] == 1
    assert f["home_with_home_care", "no home health care"] == 1  # no home care visits at all


def test_ed_flow_shares_add_up_and_home_care_follows_discharge(region):
    f = cs.ed_flow(region, years=2023)
    for source, g in f.groupby("source"):
        if g.encounters.sum():
            assert g.share_of_source.sum() == pytest.approx(1)
    s = f.set_index(["source", "target"]).share_of_source
    assert 0.25 < s["ED visit", "admitted"] < 0.45  # 1 in 3 [S10]
    label = "home health care within 30 days"
    assert s["home_with_home_care", label] > 3 * s["home", label]


def test_specialist_referrals_are_inferred_from_first_visits(region):
    r = cs.specialist_referrals(region)
    assert r.year.min() > int(region["resident_years"].year.min())  # first year is history
    assert (r.inferred_referrals <= r.first_specialist_visits).all()
    assert r.share_after_primary_care.between(0.05, 0.8).all()
    wider = cs.specialist_referrals(region, within_days=120)
    assert (wider.inferred_referrals.to_numpy() >= r.inferred_referrals.to_numpy()).all()
    by_spec = cs.specialist_referrals(region, by="specialty")
    assert by_spec.inferred_referrals.sum() == r.inferred_referrals.sum()


def test_referrals_of_a_region_without_specialist_visits_are_empty_not_an_error():
    r = cs.specialist_referrals(tiny_warehouse())
    assert r.empty and "inferred_referrals" in r


# --- capacity ---------------------------------------------------------------------------------
def test_tiny_ward_occupancy_is_bed_days_over_capacity():
    occ = cs.ward_occupancy(tiny_warehouse()).set_index("unit_id").loc[WARD]
    assert occ.bed_days_used == 9 and occ.admissions == 2
    assert occ.occupancy == pytest.approx(9 / 3650)
    assert occ.empty_beds == pytest.approx((3650 - 9) / 365)


def test_a_ward_without_stays_or_capacity_shows_zero_and_nan():
    t = tiny_tables()
    units = t["units"]
    new = units[units.unit_id == WARD].assign(unit_id="HAV-W-NEW", unit_name="New ward")
    t["units"] = pd.concat([units, new], ignore_index=True)
    occ = cs.ward_occupancy(Warehouse(t)).set_index("unit_id").loc["HAV-W-NEW"]
    assert occ.bed_days_used == 0 and occ.admissions == 0
    assert np.isnan(occ.occupancy)  # no capacity recorded: no share


def test_staff_utilisation_is_recorded_over_practical_minutes():
    s = cs.staff_utilisation(tiny_warehouse()).set_index("unit_id").loc[PC]
    practical = sum(f for (u, _), f in FTE.items() if u == PC) * HOURS_PER_FTE[4] * 60
    recorded = 30 + 30 + 15 + 20  # physician visits 1 and 8, nurse contacts 2 and 5
    assert s.practical_minutes == pytest.approx(practical)
    assert s.recorded_minutes == recorded
    assert s.utilisation == pytest.approx(recorded / practical)


def test_a_unit_with_staff_but_no_encounters_is_at_zero():
    t = tiny_tables()
    t["staffing"] = pd.concat(
        [t["staffing"], t["staffing"].iloc[[0]].assign(unit_id="PC-HAV-02")], ignore_index=True
    )
    t["units"] = pd.concat(
        [
            t["units"],
            t["units"][t["units"].unit_id == PC].assign(
                unit_id="PC-HAV-02", unit_name="Empty centre"
            ),
        ],
        ignore_index=True,
    )
    s = cs.staff_utilisation(Warehouse(t)).set_index("unit_id").loc["PC-HAV-02"]
    assert s.recorded_minutes == 0 and s.utilisation == 0


def test_region_centres_use_most_but_not_all_practical_time(region):
    s = cs.staff_utilisation(region, years=2022)
    assert len(s) == (region["units"].unit_type == "primary_care_centre").sum()
    assert s.utilisation.between(0.4, 1.05).all()
    prof = cs.staff_utilisation(region, years=2022, by_profession=True)
    assert prof.groupby("unit_id").recorded_minutes.sum().to_numpy() == pytest.approx(
        s.set_index("unit_id").recorded_minutes.to_numpy()
    )


# --- figures ----------------------------------------------------------------------------------
def test_step3_figures_draw_from_the_analyses(region):
    figs = [
        plots.utilisation_plot(cs.utilisation_per_1000(region, by=["age_band", "care_level"])),
        plots.trend_plot(cs.utilisation_per_1000(region)),
        plots.flow_plot(cs.ed_flow(region)),
        plots.occupancy_plot(cs.ward_occupancy(region), year=2023),
    ]
    for fig in figs:
        assert fig.axes and fig.axes[0].has_data()
    occ_labels = [t.get_text() for t in figs[3].axes[0].get_yticklabels()]
    assert len(occ_labels) == (region["units"].unit_type == "ward").sum()


def test_plots_refuse_the_wrong_table():
    with pytest.raises(ValueError, match="ward_occupancy"):
        plots.occupancy_plot(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="empty"):
        plots.flow_plot(cs.ed_flow(tiny_warehouse()).iloc[:0])
