"""The analyses of steps 3, 5 and 6 find every planted finding of those steps.

Each test runs the functions a participant would use and compares what they find
with the answer key (``planted_findings``, ``planted_residents``). A second region
generated with ``planted=False`` checks that the same functions do not raise false
alarms when nothing was planted.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TEST_RESIDENTS, TEST_SEED

from pecdata.analyses import conformance as cf
from pecdata.analyses import current_state as cs
from pecdata.analyses import indicators as ind
from pecdata.analyses import segments as sg
from pecdata.generation import generate
from pecdata.generation.planted import FINDINGS
from pecdata.pec import cost_encounters

#: The findings this file must recover: those of steps 3, 5 and 6.
STEPS_3_5_6 = sorted(f for f, (step, _) in FINDINGS.items() if step in (3, 5, 6))


@pytest.fixture(scope="module")
def key(region):
    return region["planted_findings"].set_index("finding_id")


@pytest.fixture(scope="module")
def members(region):
    pr = region["planted_residents"]
    return {f: set(g.resident_id) for f, g in pr.groupby("finding_id")}


@pytest.fixture(scope="module")
def clean():
    """The same region with nothing planted."""
    return generate(residents=TEST_RESIDENTS, years=3, seed=TEST_SEED, planted=False)


def test_every_finding_of_steps_3_5_6_is_tested_here(key):
    tested = {
        "underused_ward",
        "pcc_avoidable_admissions",
        "frail_readmissions",
        "frequent_ed_attenders",
        "stroke_door_to_needle",
    }
    assert set(STEPS_3_5_6) == tested
    assert tested <= set(key.index)


# --- step 3: the underused ward ---------------------------------------------------------------
def test_underused_ward_has_the_most_empty_beds(region, key):
    truth = key.loc["underused_ward"]
    start = int(region["resident_years"].year.min())
    occ = cs.ward_occupancy(region, years=start).set_index("unit_id")
    assert occ.empty_beds.idxmax() == truth.location
    assert 100 * occ.occupancy[truth.location] == pytest.approx(truth.true_value, abs=1.0)
    assert 100 * occ.occupancy.drop(truth.location).median() == pytest.approx(
        truth.comparison_value, abs=2.0
    )
    big = occ[occ.beds >= 5]  # small wards' occupancy is noisy
    assert big.occupancy.idxmin() == truth.location


def test_underused_ward_is_the_top_unused_capacity_hot_spot(region, key):
    t = cost_encounters(region).tables()
    hot = ind.unused_capacity_hotspots(
        t["unused_capacity"], region["units"], t["pool_rates"], top=1
    )
    assert (hot.unit_id == key.loc["underused_ward", "location"]).all()  # every year
    assert (hot.unused_share > 0.35).all()  # sized for ~55 % occupancy every year


# --- step 6: the centre with twice the avoidable admissions -----------------------------------
def test_planted_centre_lies_above_the_998_funnel_limit(region, key):
    truth = key.loc["pcc_avoidable_admissions"]
    a = ind.avoidable_admissions(region).set_index("listed_unit_id")
    centre = a.loc[truth.location]
    assert centre.flag == "above 99.8 % limit" and centre.ratio > centre.upper_998
    assert a.ratio.idxmax() == truth.location
    assert centre.crude_per_1000 == pytest.approx(truth.true_value, rel=0.01)
    others = a.drop(truth.location)
    assert 1000 * others.admissions.sum() / others.person_years.sum() == pytest.approx(
        truth.comparison_value, rel=0.02
    )
    assert 1.6 < centre.ratio < 2.8  # about twice what its residents predict


# --- step 5/6: frail elderly readmitted again and again ----------------------------------------
def test_frail_cohort_readmission_rate_matches_the_key(region, key, members):
    truth = key.loc["frail_readmissions"]
    flags = ind.readmission_flags(region)
    cohort = flags[flags.resident_id.isin(members["frail_readmissions"]) & flags.eligible]
    assert 100 * cohort.readmitted.mean() == pytest.approx(truth.true_value, abs=5)
    # their municipality stands out in the funnel of readmissions among the oldest
    muni = truth.location.split()[-1]
    r = ind.readmissions_30d(region, by="municipality_code", min_age=80, flags=flags)
    above = r[r.flag == "above 99.8 % limit"].municipality_code.tolist()
    assert above == [muni]


def test_frail_cohort_dominates_repeat_readmitters(region, members):
    cohort = members["frail_readmissions"]
    repeat = ind.repeat_readmitters(region, min_readmissions=3)
    share_of_repeaters = repeat.resident_id.isin(cohort).mean()
    share_of_population = len(cohort) / region["residents"].shape[0]
    assert share_of_repeaters > 0.15 and share_of_repeaters > 50 * share_of_population
    top = repeat.head(10)
    assert top.resident_id.isin(cohort).sum() >= 3


def test_frail_cohort_is_complex_and_costly_in_segmentation(region, members):
    cohort = members["frail_readmissions"]
    start = int(region["resident_years"].year.min())
    seg = sg.assign_segments(region)  # every year: a fixed cohort, fewer alive each year
    theirs = seg[seg.resident_id.isin(cohort)]
    heavy = theirs.segment.isin(["complex_needs", "last_year_of_life"])
    assert heavy.mean() > 0.5 and heavy.groupby(theirs.year).mean().gt(0.3).all()
    others = seg[~seg.resident_id.isin(cohort) & (seg.age >= 80)]
    assert heavy.mean() > 3 * others.segment.isin(["complex_needs", "last_year_of_life"]).mean()
    costs = sg.resident_year_costs(
        region, cost_encounters(region, years=start).tables()["encounter_costs"], years=start
    )
    threshold = sg.cost_concentration(costs, [5]).threshold_sek.item()
    in_top = costs[costs.resident_id.isin(cohort)].cost_sek >= threshold
    assert in_top.mean() > 0.4  # 5 % would be chance


# --- step 6: frequent ED attenders ------------------------------------------------------------
def test_frequent_ed_attenders_are_the_planted_adults(region, key, members):
    truth = key.loc["frequent_ed_attenders"]
    group = members["frequent_ed_attenders"]
    f6 = ind.frequent_ed_attenders(region, min_visits=6)
    # nearly every member shows up at 6+ visits (one who dies early in a year may not)
    assert len(group & set(f6.resident_id)) >= 0.8 * len(group)
    adults = f6[(f6.age >= 20) & (f6.age < 65) & (f6.ed_visits >= 10)]
    assert adults.resident_id.isin(group).mean() >= 0.8
    ry = region["resident_years"]
    years_in = ry[ry.resident_id.isin(group)].days_resident.sum() / 365.25
    f1 = ind.frequent_ed_attenders(region, min_visits=1)
    theirs = f1[f1.resident_id.isin(group)]
    assert theirs.ed_visits.sum() / years_in == pytest.approx(truth.true_value, rel=0.1)
    everyone = ind.ed_attender_summary(region, thresholds=[1]).share_admitted.mean()
    assert theirs.admitted.sum() / theirs.ed_visits.sum() < everyone / 2  # rarely admitted


# --- step 6: the slow stroke hospital ---------------------------------------------------------
def test_slow_hospital_door_to_needle_matches_the_key(region, key):
    truth = key.loc["stroke_door_to_needle"]
    site_code = truth.location.split()[0]
    s = cf.stroke_conformance(region)
    s = s.assign(code=s.unit_id.str[:3])
    med = s[s.thrombolysed].groupby("code").door_to_needle_min.median()
    assert med[site_code] == pytest.approx(truth.true_value, abs=3)
    assert med.drop(site_code).median() == pytest.approx(truth.comparison_value, abs=3)
    summary = cf.conformance_summary(region).set_index(["indicator", "site"]).share_met
    slow_site = s.loc[s.code == site_code, "site"].iloc[0]
    dtn = summary.loc["door_to_needle_30"]
    assert dtn.idxmin() == slow_site and dtn[slow_site] < 0.4


# --- nothing planted: no false alarms ---------------------------------------------------------
def test_clean_region_has_no_planted_answer_key(clean):
    assert clean["planted_findings"].empty


def test_clean_region_has_no_avoidable_admission_outlier(clean):
    a = ind.avoidable_admissions(clean)
    assert (a.flag != "above 99.8 % limit").all()
    assert a.ratio.max() < 1.5


def test_clean_region_has_no_underused_large_ward(clean):
    occ = cs.ward_occupancy(clean, years=2022)
    big = occ[occ.beds >= 5]
    assert big.occupancy.min() > 0.7, big[["unit_id", "beds", "occupancy"]]


def test_clean_region_has_no_adult_ed_regulars(clean):
    f = ind.frequent_ed_attenders(clean, min_visits=10)
    assert f[(f.age >= 20) & (f.age < 65)].empty


def test_clean_region_has_no_readmission_hot_spot(clean):
    r = ind.readmissions_30d(clean, by="municipality_code", min_age=80)
    assert (r.flag != "above 99.8 % limit").all()


def test_clean_region_hospitals_are_equally_fast_to_thrombolysis(clean):
    s = cf.stroke_conformance(clean)
    med = s[s.thrombolysed].groupby("site").door_to_needle_min.median()
    assert np.ptp(med.to_numpy()) < 10 and (med < 35).all()  # the planted gap is ~21 minutes
