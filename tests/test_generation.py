"""The synthetic region: structure, determinism, demography and planted findings."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from pecdata.generation import generate
from pecdata.generation.planted import FINDINGS
from pecdata.warehouse import save
from pecdata.warehouse.schema import TABLES
from pecdata.warehouse.validation import check


def _hashes(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))
    }


def test_every_schema_table_is_generated_and_valid(small_region):
    assert set(TABLES) <= set(small_region)
    assert check(small_region) == []


def test_same_seed_gives_byte_identical_parquet(tmp_path):
    a = generate(residents=1_500, years=3, seed=5)
    b = generate(residents=1_500, years=3, seed=5)
    save(a, tmp_path / "a")
    save(b, tmp_path / "b")
    ha, hb = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(ha) == len(TABLES)
    assert ha == hb


def test_another_seed_gives_other_data():
    a = generate(residents=1_500, years=3, seed=5)
    b = generate(residents=1_500, years=3, seed=6)
    assert not a["encounters"]["start_time"].equals(b["encounters"]["start_time"])
    assert not a["residents"]["birth_date"].equals(b["residents"]["birth_date"])


def test_region_has_the_organisation_of_the_story(region):
    units = region["units"]
    kinds = units.unit_type.value_counts()
    assert kinds["primary_care_centre"] == 25
    assert kinds["emergency_department"] == 2  # two acute hospitals
    assert units.site.str.contains("närsjukhus").any()  # a local hospital
    assert (units.owner == "municipality").sum() == 6  # municipal home health care
    assert region["municipalities"].shape[0] == 6
    wards = units[units.unit_type == "ward"]
    assert (wards.beds > 0).all()
    # about 1.8-2.2 somatic beds per 1,000 residents [S13]
    per_1000 = 1000 * wards.beds.sum() / region["resident_years"].query("year == 2022").shape[0]
    assert 1.2 < per_1000 < 2.6


def test_consecutive_years_with_ageing_births_deaths_and_moves(region):
    ry, res = region["resident_years"], region["residents"]
    assert sorted(ry.year.unique()) == [2022, 2023, 2024]
    # the same person is one year older the next year (or the same age if the birthday is later)
    two = ry.pivot_table(index="resident_id", columns="year", values="age").dropna()
    step = two[2023] - two[2022]
    assert step.between(0, 2).all() and step.mean() == pytest.approx(1, abs=0.05)
    n = ry.query("year == 2022").shape[0]
    births = res.in_date.notna() & (res.in_date == res.birth_date)
    deaths_2022 = res.death_date.dt.year.eq(2022).sum()
    assert 0.006 < births.sum() / n / 3 < 0.013  # ~9 per 1,000 a year [S2]
    assert 0.006 < deaths_2022 / n < 0.013  # ~9.5 per 1,000
    assert res.out_date.notna().sum() > 0.05 * n  # moves out over three years
    moved = ry.groupby("resident_id").municipality_code.nunique()
    assert (moved > 1).sum() > 0.01 * n  # moves between municipalities


def test_encounters_fall_within_each_residents_time_in_the_region(region):
    enc, res = region["encounters"], region["residents"].set_index("resident_id")
    born = res.birth_date.reindex(enc.resident_id).to_numpy()
    died = res.death_date.reindex(enc.resident_id).to_numpy()
    assert (enc.start_time.to_numpy() >= born).all()
    after_death = enc.start_time.to_numpy() > died + np.timedelta64(1, "D")
    assert not after_death[~np.isnat(died)].any()


def test_inpatient_stays_of_one_person_never_overlap(region):
    ip = region["encounters"].query("care_level == 'inpatient'")
    ip = ip.sort_values(["resident_id", "start_time"])
    prev_end = ip.groupby("resident_id").end_time.shift()
    assert not (ip.start_time < prev_end).any()


def test_every_encounter_has_resources_and_ed_admissions_link_back(region):
    enc, act = region["encounters"], region["activities"]
    assert enc.encounter_id.isin(act.encounter_id).all()
    ip = enc[enc.origin_encounter_id.notna()]
    origin = enc.set_index("encounter_id").reindex(ip.origin_encounter_id.astype("int64"))
    assert (origin.care_level.to_numpy() == "emergency").all()
    assert (origin.end_time.to_numpy() <= ip.start_time.to_numpy()).all()


def test_planted_findings_are_documented_and_switchable():
    on = generate(residents=3_000, years=3, seed=3)
    pf = on["planted_findings"]
    assert set(pf.finding_id) == set(FINDINGS)
    assert pf.description.str.len().gt(40).all()
    assert (pf.step.between(1, 9)).all()
    off = generate(residents=3_000, years=3, seed=3, planted=False)
    assert off["planted_findings"].empty and off["planted_residents"].empty
    some = generate(residents=3_000, years=3, seed=3, planted=["underused_ward"])
    assert some["planted_findings"].finding_id.tolist() == ["underused_ward"]


def test_planted_truth_differs_from_peers(region):
    pf = region["planted_findings"].set_index("finding_id")
    ward = pf.loc["underused_ward"]
    assert ward.true_value < 0.75 * ward.comparison_value  # far below peers' occupancy
    pcc = pf.loc["pcc_avoidable_admissions"]
    assert pcc.true_value > 1.5 * pcc.comparison_value
    frail = pf.loc["frail_readmissions"]
    assert frail.true_value > 2 * frail.comparison_value
    assert pf.loc["home_team_pilot"].true_value < 0


def test_planted_targets_vary_with_the_seed():
    picks = {
        tuple(
            generate(residents=1_500, years=3, seed=s)["planted_findings"]
            .set_index("finding_id")
            .location.reindex(["underused_ward", "pcc_avoidable_admissions"])
        )
        for s in range(4)
    }
    assert len(picks) > 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(residents=10), "residents"),
        (dict(residents=2.5), "residents"),
        (dict(years=0), "years"),
        (dict(seed=-1), "seed"),
        (dict(start_year=1850), "start_year"),
        (dict(planted=["no_such_finding"]), "no_such_finding"),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs, message):
    args = dict(residents=1_000, years=3, seed=1) | kwargs
    with pytest.raises(ValueError, match=message):
        generate(**args)


def test_ledger_is_positive_and_covers_every_staffed_unit(region):
    ledger, staff = region["ledger"], region["staffing"]
    assert (ledger.amount_sek > 0).all()
    staffed = set(zip(staff.unit_id, staff.year))
    booked = set(zip(ledger.unit_id, ledger.year))
    assert staffed <= booked
    # salaries with on-costs are most of the cost of care, as in Swedish regions (~55-65 %)
    groups = region["accounts"].set_index("account").account_group
    g = ledger.assign(group=groups.reindex(ledger.account).to_numpy()).groupby(
        "group", observed=True
    )
    share = g.amount_sek.sum()[["salaries", "on_costs"]].sum() / ledger.amount_sek.sum()
    assert 0.45 < share < 0.75


def test_staffing_practical_capacity_is_about_80_percent_of_paid(region):
    s = region["staffing"]
    share = s.practical_hours.sum() / s.paid_hours.sum()
    assert share == pytest.approx(0.80, abs=0.02)
    assert np.allclose(
        s.paid_hours,
        s.absence_hours + s.training_hours + s.break_hours + s.practical_hours,
        atol=0.2,
    )


def test_pathways_cover_the_four_vardforlopp(region):
    ev = region["pathway_events"]
    assert set(ev.pathway.unique()) == {"stroke_tia", "sepsis", "copd", "hip_osteoarthritis"}
    # milestones of one course are in time order where the pathway defines an order
    st = ev[ev.pathway == "stroke_tia"].pivot_table(
        index="pathway_instance",
        columns="milestone",
        values="event_time",
        aggfunc="first",
        observed=True,
    )
    both = st[["ed_arrival", "discharge"]].dropna()
    assert (both.ed_arrival <= both.discharge).all()
    linked = ev.encounter_id.dropna().astype("int64")
    assert linked.isin(region["encounters"].encounter_id).all()


def test_resident_years_match_encounter_years(region):
    enc, ry = region["encounters"], region["resident_years"]
    key = pd.MultiIndex.from_arrays([enc.resident_id, enc.year])
    known = pd.MultiIndex.from_arrays([ry.resident_id, ry.year])
    assert key.isin(known).mean() > 0.999


def test_cli_writes_the_trainers_answer_key(tmp_path, capsys):
    from pecdata.cli import main

    out = tmp_path / "region"
    assert (
        main(["generate", "--residents", "1500", "--years", "3", "--seed", "4", "--out", str(out)])
        == 0
    )
    key = (out / "answer_key.md").read_text(encoding="utf-8")
    for finding_id, (step, title) in FINDINGS.items():
        assert title in key and f"Step {step}" in key
    # the region-wide trend a before/after comparison would take for a pilot's effect
    assert "Region-wide trends" in key and "Admissions fall 2.5% a year" in key
    assert "answer_key.md" in capsys.readouterr().out


# --- a region believable over time (issue 11), on several seeds and in every year -------------
#: Unplanted regions: what they show is the region's own behaviour, not a planted finding.
STABILITY_SEEDS = (3, 11, 2024)
STABILITY_RESIDENTS = 40_000


@pytest.fixture(scope="module")
def unplanted():
    return {
        s: generate(residents=STABILITY_RESIDENTS, years=3, seed=s, planted=False)
        for s in STABILITY_SEEDS
    }


def _multimorbidity(wh):
    from pecdata.analyses.segments import assign_segments

    seg = assign_segments(wh)
    bands = pd.cut(seg.age, [64, 74, 84, 200], labels=["65-74", "75-84", "85+"])
    return 100 * (seg.conditions >= 2).groupby([seg.year, bands], observed=True).mean().unstack()


@pytest.mark.slow
def test_admissions_by_age_move_only_by_the_sourced_trend(unplanted):
    from pecdata.analyses.fidelity import acute_admission_rates
    from pecdata.generation import assumptions as A

    # a teaching-size region's yearly rates are noisy (a few thousand admissions, many of them
    # by the same people): one seed may stray ~10 %, the mean over seeds must follow the trend
    # (before issue 11 the standardised rate fell ~12 % behind it in two years, 85+ ~17 %)
    offsets = []
    for seed, wh in unplanted.items():
        r = acute_admission_rates(wh)
        r = r / r.iloc[0]
        expect = (1 + A.DEFAULT_ADMISSION_TREND) ** np.arange(len(r))
        offsets.append(r.to_numpy() - expect[:, None])
        assert np.abs(offsets[-1][:, -1]).max() < 0.13, (seed, r.round(3).to_dict("list"))
    mean_off = np.mean(offsets, axis=0)  # over seeds: each year, each band and standardised
    assert np.abs(mean_off[:, -1]).max() < 0.07, mean_off.round(3)
    assert np.abs(mean_off).max() < 0.15, mean_off.round(3)


@pytest.mark.slow
def test_unplanted_wards_stay_near_their_target_occupancy_every_year(unplanted):
    from pecdata.analyses.fidelity import _unplanted_ward_occupancy

    for seed, wh in unplanted.items():
        occ = _unplanted_ward_occupancy(wh)
        assert occ.between(0.83, 0.95).all(), (seed, occ.round(3).tolist())
        # whole beds on small wards make a few points of noise; the old region lost 13 points
        assert np.ptp(occ.to_numpy()) < 0.07, (seed, occ.round(3).tolist())


@pytest.mark.slow
def test_chronic_conditions_by_age_are_steady_from_year_to_year(unplanted):
    for seed, wh in unplanted.items():
        mm = _multimorbidity(wh)
        assert (mm - mm.iloc[0]).abs().to_numpy().max() < 3, (seed, mm.round(1).to_string())
        cond, ry = wh["conditions"], wh["resident_years"]
        for year in ry.year.unique():
            old = ry[(ry.year == year) & (ry.age >= 75)]
            c = cond[cond.resident_id.isin(old.resident_id)]
            c = c[c.onset_date.dt.year <= year]
            prev = c.groupby("condition", observed=True).size() / len(old)
            if year == ry.year.min():
                first = prev
            big = first[first > 0.05].index
            assert (prev[big] / first[big]).between(0.85, 1.15).all(), (seed, year)


@pytest.mark.slow
def test_multimorbidity_by_age_is_within_15_percent_of_the_sources(unplanted, capsys):
    """calibration.md: about 20-25 / 45 / 60 / 70-75 % at 45-64 / 65-74 / 75-84 / 85+.

    Every band from 45, every year, every seed, within 15 % (the region had 22 / 35 / 46 % at
    65-74 / 75-84 / 85+ before issue 11, and 28 / 44 / 64 % with the first eleven conditions).
    Under 45 the region has about 3 % against "about 5 %" (E): it is printed, not required.
    """
    from pecdata.analyses.fidelity import multimorbidity_by_age

    tables = {seed: multimorbidity_by_age(wh) for seed, wh in unplanted.items()}
    with capsys.disabled():
        for seed, t in tables.items():
            wide = t.pivot(index="year", columns="ages", values="generated").round(1)
            print(f"\nseed {seed}, multimorbidity (%), targets {t.target.unique().tolist()}:")
            print(wide.to_string())
    for seed, t in tables.items():
        assert t.year.nunique() == 3 and t.residents.gt(500).all()
        mm = t.pivot(index="year", columns="ages", values="generated")
        assert (mm["45-64"] < mm["65-74"]).all() and (mm["65-74"] < mm["75-84"]).all()
        assert (mm["75-84"] < mm["85+"]).all(), (seed, mm.round(1).to_string())
        required = t[t.ages != "0-44"]
        bad = required[~required.within_range]
        assert bad.empty, (seed, bad.drop(columns="source").to_string())


@pytest.mark.slow
def test_multimorbidity_over_all_ages_is_within_15_percent_of_the_registers(unplanted):
    """calibration.md Further §1: 21.6 % of all ages in Region Stockholm (VAL, 2017) and of
    people 16+ in the Capital Region of Denmark (2012), every year, every seed."""
    from pecdata.analyses.fidelity import MULTIMORBIDITY_TOTALS, multimorbidity_by_age

    for seed, wh in unplanted.items():
        t = multimorbidity_by_age(wh, targets=MULTIMORBIDITY_TOTALS)
        assert sorted(t.ages.unique()) == ["16+", "all ages"] and t.year.nunique() == 3
        bad = t[~t.within_range]
        assert bad.empty, (seed, bad.drop(columns="source").to_string())


@pytest.mark.slow
def test_complex_care_needs_are_about_the_sources_share(unplanted):
    from pecdata.analyses import segments as sg

    for seed, wh in unplanted.items():
        seg = sg.assign_segments(wh)
        share = sg.complex_needs_share(seg)
        # Socialstyrelsen: ~2 % of those 65+; the region has no social-care data (see segments)
        assert share.share.between(0.01, 0.04).all(), (seed, share.share.round(4).tolist())
        cx = seg[seg.segment == "complex_needs"]
        assert (cx.acute_admissions >= 2).all() and (cx.home_care_visits >= 26).all()


@pytest.mark.slow
def test_primary_care_unused_staff_capacity_is_in_the_sourced_range(unplanted):
    from pecdata.analyses.capacity import staff_utilisation
    from pecdata.generation import assumptions as A

    lo, hi = A.PRIMARY_CARE_UNUSED_RANGE
    for seed, wh in unplanted.items():
        su = staff_utilisation(wh)
        g = su.groupby("year")[["recorded_minutes", "practical_minutes"]].sum()
        unused = 1 - g.recorded_minutes / g.practical_minutes
        assert unused.between(lo, hi).all(), (seed, unused.round(3).tolist())
        # every centre keeps some time not recorded on patients (other tasks, idle)
        assert (1 - su.utilisation).between(lo - 0.08, hi + 0.08).all(), seed
