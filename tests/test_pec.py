"""Patient Encounter Cost: a hand-computed example, reconciliation on generated regions,
bad input, the saved tables and the command line, average costing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import ED, IMG, PC, WARD, tiny_tables, tiny_warehouse

from pecdata import cli
from pecdata.pec import BREAKDOWN, add_cost_tables, cost_encounters, resident_costs
from pecdata.pec.average import average_costing, average_encounter_costs, compare_costing
from pecdata.pec.sql import pec_sql
from pecdata.warehouse import load, save
from pecdata.warehouse.validation import check

ABS = 0.01  # one öre


def approx(x):
    return pytest.approx(x, abs=ABS)


# --- the tiny region, worked out by hand (numbers: tests/helpers.py) -----------------------------
# Every FTE has 1,600 practical hours = 96,000 minutes.
# PC-HAV-01  staff: physician 2,000,000 + on-costs 1,200,000 x 2/3 = 2,800,000; nurse
#            1,000,000 + 400,000 = 1,400,000. Premises 400,000 and support (IT + admin)
#            400,000 each split 2:1 by staff cost -> physician 266,666.67 + 266,666.67,
#            nurse 133,333.33 + 133,333.33. Pools: physician 10,000,000/3, nurse 5,000,000/3,
#            192,000 minutes each.
# HAV-ED     staff 7,000,000 per profession (on-costs 4,000,000 split 1:1); premises +
#            equipment 1,200,000 split 1:1 -> physician 7,600,000 / 480,000 min, nurse
#            7,600,000 / 960,000 min. Untraced drugs 499,500 + supplies 299,700 = 799,200
#            over 270 staff minutes = 2,960 SEK per minute.
# HAV-IMG    service pool: the whole unit, 5,000,000 / 10,000 exams = 500 SEK per exam.
# HAV-W-MED  staff: physician 2,800,000 / 192,000; nurse 7,000,000 / 960,000; assistant nurse
#            5,600,000 / 960,000. Bed-days: premises + equipment 2,200,000 / 3,650.
#            Untraced: drugs 1,497,000 + supplies 500,000 = 1,997,000 over 9 bed-days.
#            Research 400,000 (7600) is not patient-related.
BED = 2_200_000 / 3_650
UNTRACED_DAY = 1_997_000 / 9
EXPECTED = {  # encounter: (staff, beds_rooms, service, direct, untraced, support, full)
    1: (
        437.5,
        30 * 400_000 * 2 / 3 / 192_000,
        0,
        0,
        0,
        30 * 400_000 * 2 / 3 / 192_000,
        10_000_000 / 3 / 2,
    ),
    2: (
        109.375,
        15 * 400_000 / 3 / 192_000,
        0,
        0,
        0,
        15 * 400_000 / 3 / 192_000,
        5_000_000 / 3 * 15 / 35,
    ),
    3: (
        1_750,
        150,
        500,
        500,
        180 * 2_960,
        0,
        7_600_000 * 2 * 2 / 3 + 5_000_000 / 3 + 500 + 180 * 2_960,
    ),
    4: (8_925, 4 * BED, 0, 2_000, 4 * UNTRACED_DAY, 0, 4 / 9 * 19_597_000 + 2_000),
    5: (
        145.8333333,
        20 * 400_000 / 3 / 192_000,
        0,
        0,
        0,
        20 * 400_000 / 3 / 192_000,
        5_000_000 / 3 * 20 / 35,
    ),
    6: (
        875,
        75,
        1_000,
        300,
        90 * 2_960,
        0,
        7_600_000 * 2 / 3 + 5_000_000 * 2 / 3 + 300 + 90 * 2_960,
    ),
    7: (11_156.25, 5 * BED, 0, 1_000, 5 * UNTRACED_DAY, 0, 5 / 9 * 19_597_000 + 1_000),
    8: (
        437.5,
        30 * 400_000 * 2 / 3 / 192_000,
        0,
        0,
        0,
        30 * 400_000 * 2 / 3 / 192_000,
        10_000_000 / 3 / 2,
    ),
}
RATES = {  # pool: (cost supplied, practical capacity, used, rate)
    f"{PC}:physician": (10_000_000 / 3, 192_000, 60, 10_000_000 / 3 / 192_000),
    f"{PC}:nurse": (5_000_000 / 3, 192_000, 35, 5_000_000 / 3 / 192_000),
    f"{ED}:physician": (7_600_000, 480_000, 90, 7_600_000 / 480_000),
    f"{ED}:nurse": (7_600_000, 960_000, 180, 7_600_000 / 960_000),
    f"{IMG}:imaging": (5_000_000, 10_000, 3, 500),
    f"{WARD}:physician": (2_800_000, 192_000, 270, 2_800_000 / 192_000),
    f"{WARD}:nurse": (7_000_000, 960_000, 1_350, 7_000_000 / 960_000),
    f"{WARD}:assistant_nurse": (5_600_000, 960_000, 1_080, 5_600_000 / 960_000),
    f"{WARD}:bed_day": (2_200_000, 3_650, 9, BED),
}


@pytest.fixture(scope="module")
def tiny():
    return cost_encounters(tiny_warehouse())


def test_hand_computed_encounter_costs(tiny):
    ec = tiny.encounter_costs.set_index("encounter_id")
    assert list(ec.index) == list(range(1, 9))
    cols = [
        "staff_sek",
        "beds_rooms_sek",
        "service_sek",
        "direct_sek",
        "untraced_sek",
        "support_sek",
    ]
    for eid, (*parts, full) in EXPECTED.items():
        row = ec.loc[eid]
        for col, value in zip(cols, parts):
            assert row[col] == approx(value), (eid, col)
        assert row.cost_sek == approx(sum(parts)), eid
        assert row.cost_full_sek == approx(full), eid
        assert row.absorbed_unused_sek == approx(full - sum(parts)), eid
    # spot checks written out in full
    assert ec.loc[3, "cost_sek"] == approx(535_700)
    assert ec.loc[3, "cost_full_sek"] == approx(12_333_300)
    assert ec.loc[6, "cost_sek"] == approx(268_650)
    assert ec.loc[1, "cost_sek"] == approx(520.8333333)


def test_hand_computed_pools_and_unused_capacity(tiny):
    r = tiny.pool_rates.set_index("pool_id")
    assert set(r.index) == set(RATES)
    for pool, (cost, cap, used, rate) in RATES.items():
        row = r.loc[pool]
        assert (row.cost_supplied_sek, row.practical_capacity, row.used_quantity) == (
            approx(cost),
            approx(cap),
            approx(used),
        ), pool
        assert row.rate_sek == approx(rate)
        assert row.utilisation == pytest.approx(used / cap)
        assert row.full_rate_sek == approx(cost / used)
        assert not row.over_capacity and not row.capacity_missing
    assert r.loc[f"{PC}:physician", "support_sek"] == approx(800_000 / 3)
    assert r.loc[f"{ED}:nurse", "beds_rooms_sek"] == approx(600_000)
    u = tiny.unused_capacity.set_index("pool_id")
    for pool, (cost, cap, used, rate) in RATES.items():
        assert u.loc[pool, "unused_quantity"] == approx(cap - used)
        assert u.loc[pool, "cost_sek"] == approx((cap - used) * rate)
    assert u.loc[f"{IMG}:imaging", "cost_sek"] == approx(4_998_500)
    assert u.loc[f"{ED}:nurse", "minutes"] == approx(959_820)
    assert np.isnan(u.loc[f"{WARD}:bed_day", "minutes"])


def test_hand_computed_non_patient_costs_and_reconciliation(tiny):
    npc = tiny.non_patient_costs
    assert npc[["unit_id", "year", "account", "amount_sek"]].values.tolist() == [
        [WARD, 2022, "7600", 400_000.0]
    ]
    rec = tiny.reconciliation.set_index("unit_type")
    total = rec.loc["total"]
    assert total.ledger_sek == approx(46_000_000)
    assert total.cost_full_sek == approx(45_600_000)
    assert total.non_patient_sek == approx(400_000)
    assert total.cost_sek + total.unused_capacity_sek == approx(45_600_000)
    assert rec.loc["ward", "ledger_sek"] == approx(20_000_000)
    assert rec.loc["ward", "cost_full_sek"] == approx(19_600_000)
    assert rec.loc["imaging", "unused_capacity_sek"] == approx(4_998_500)
    assert rec.balanced.all() and rec.warnings.eq(0).all() and tiny.warnings.empty
    assert tiny.balanced


def test_salary_account_without_profession_is_split_by_paid_hours():
    t = tiny_tables()
    led = t["ledger"]
    pc_salary = led.unit_id.eq(PC) & led.account.isin(["5011", "5012"])
    led = pd.concat(
        [
            led[~pc_salary],
            pd.DataFrame(
                {"unit_id": [PC], "year": [2022], "account": ["5010"], "amount_sek": [3_000_000.0]}
            ),
        ],
        ignore_index=True,
    )
    acc = t["accounts"]
    extra = acc.iloc[:1].assign(account="5010", account_name="Salaries (löner)")
    extra["profession"] = pd.Categorical([None], categories=acc.profession.cat.categories)
    t["ledger"], t["accounts"] = led, pd.concat([acc, extra], ignore_index=True)
    r = cost_encounters(t).pool_rates.set_index("pool_id")
    # 2 + 2 FTE with equal paid hours: 1,500,000 each, on-costs 600,000 each
    assert r.loc[f"{PC}:physician", "staff_sek"] == approx(2_100_000)
    assert r.loc[f"{PC}:nurse", "staff_sek"] == approx(2_100_000)


# --- generated regions ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(small_region):
    return cost_encounters(small_region)


def test_both_views_reconcile_per_unit_type_and_year(small, small_region):
    rec = small.reconciliation
    assert set(rec.year) == {2022, 2023, 2024}
    assert rec.balanced.all(), rec[~rec.balanced]
    assert (rec.unallocated_sek.abs() < ABS).all() and (rec.unabsorbed_sek.abs() < ABS).all()
    led = small_region["ledger"]
    assert rec[rec.unit_type == "total"].ledger_sek.sum() == approx(led.amount_sek.sum())
    ec = small.encounter_costs
    assert len(ec) == len(small_region["encounters"])
    assert ec.encounter_id.is_unique
    assert np.allclose(ec[list(BREAKDOWN)].sum(axis=1), ec.cost_sek, atol=1e-6)
    assert (small.pool_rates.rate_sek.dropna() >= 0).all()


def test_sql_version_gives_the_same_costs(small, small_region):
    sql = pec_sql(small_region, years=[2023]).set_index("encounter_id")
    py = small.encounter_costs.query("year == 2023").set_index("encounter_id")
    assert list(sql.index) == list(py.index)
    for col in ("cost_sek", "cost_full_sek", *BREAKDOWN, "absorbed_unused_sek"):
        assert np.abs(sql[col] - py[col]).max() < 1e-6, col


def test_unused_capacity_is_the_difference_between_the_views(small):
    u = small.unused_capacity.groupby("year").cost_sek.sum()
    ec = small.encounter_costs.groupby("year")[["cost_sek", "cost_full_sek"]].sum()
    rec = small.reconciliation.set_index(["year", "unit_type"])
    for year in u.index:
        absorbed = ec.loc[year, "cost_full_sek"] - ec.loc[year, "cost_sek"]
        assert absorbed + rec.loc[(year, "total"), "unabsorbed_sek"] == approx(u[year])


def test_pec_tables_pass_the_schema(small, small_region):
    assert check({**small_region, **small.tables()}) == []


def test_resident_costs_cover_everyone(small, small_region):
    rc = resident_costs(small)
    ry = small_region["resident_years"]
    assert len(rc) == len(ry)
    assert rc.cost_sek.sum() == approx(small.encounter_costs.cost_full_sek.sum())
    level_cols = [c for c in rc.columns if c.endswith("_sek") and c != "cost_sek"]
    assert np.allclose(rc[level_cols].sum(axis=1), rc.cost_sek)
    rate = resident_costs(small.encounter_costs, view="rate", years=2022)
    assert rate.cost_sek.sum() == approx(small.encounter_costs.query("year == 2022").cost_sek.sum())
    with pytest.raises(ValueError, match="view"):
        resident_costs(small, view="average")


def test_average_costing_spreads_the_same_cost(small, small_region):
    avg = average_costing(small_region, years=2022)
    per_encounter = average_encounter_costs(small_region, avg)
    ec = small.encounter_costs.query("year == 2022")
    assert per_encounter.sum() == pytest.approx(ec.cost_full_sek.sum(), rel=1e-9)
    cmp = compare_costing(cost_encounters(small_region, years=2022), avg)
    length = cmp[cmp.comparison == "visit length"].set_index("group")
    # an average charges every visit alike: short visits overstated, long ones understated
    assert length.loc["shortest 20 %", "average_vs_full_pct"] > 20
    assert length.loc["longest 20 %", "average_vs_full_pct"] < -10
    util = cmp[cmp.comparison == "unit staff utilisation"].set_index("group")
    # averages load idle capacity onto patients: most where utilisation is lowest
    assert (
        util.loc["below 70 %", "average_vs_pec_pct"]
        > util.loc["85 % or more", "average_vs_pec_pct"]
    )


# --- bad input -----------------------------------------------------------------------------------
def _tiny(**changes):
    t = tiny_tables()
    for name, fn in changes.items():
        t[name] = fn(t[name])
    return t


def test_over_capacity_is_flagged_not_hidden():
    t = _tiny(
        capacity=lambda c: c.assign(
            practical_quantity=np.where(c.resource == "bed_day", 5.0, c.practical_quantity)
        )
    )
    pec = cost_encounters(t)
    u = pec.unused_capacity.set_index("pool_id").loc[f"{WARD}:bed_day"]
    assert u.over_capacity and u.unused_quantity == approx(-4)
    assert u.cost_sek == approx(-4 * 2_200_000 / 5)
    assert (pec.warnings.problem == "over_capacity").sum() == 1
    assert pec.balanced


@pytest.mark.parametrize("how", ["zero", "missing"])
def test_missing_capacity_is_listed_and_still_reconciles(how):
    drop = (
        (lambda c: c[c.resource != "bed_day"])
        if how == "missing"
        else (
            lambda c: c.assign(
                practical_quantity=np.where(c.resource == "bed_day", 0.0, c.practical_quantity)
            )
        )
    )
    pec = cost_encounters(_tiny(capacity=drop))
    r = pec.pool_rates.set_index("pool_id").loc[f"{WARD}:bed_day"]
    assert r.capacity_missing and np.isnan(r.rate_sek)
    assert pec.unused_capacity.set_index("pool_id").loc[f"{WARD}:bed_day", "cost_sek"] == approx(
        2_200_000
    )
    assert "capacity_missing" in set(pec.warnings.problem)
    assert pec.balanced
    assert pec.encounter_costs.cost_full_sek.sum() == approx(45_600_000)
    with pytest.raises(ValueError, match="bed_day"):
        cost_encounters(_tiny(capacity=drop), strict=True)


def test_unmapped_ledger_account_is_listed():
    t = _tiny(
        ledger=lambda d: pd.concat(
            [
                d,
                pd.DataFrame(
                    {"unit_id": [ED], "year": [2022], "account": ["9999"], "amount_sek": [123.45]}
                ),
            ],
            ignore_index=True,
        )
    )
    pec = cost_encounters(t)
    w = pec.warnings
    assert w.problem.tolist() == ["unmapped_account"] and "9999" in w.message[0]
    rec = pec.reconciliation.set_index("unit_type")
    assert rec.loc["emergency_department", "unallocated_sek"] == approx(123.45)
    assert rec.loc["total", "warnings"] == 1 and pec.balanced
    assert "9999" in repr(pec)


def test_pool_without_use_is_absorbed_by_the_unit():
    t = _tiny(activities=lambda a: a[~((a.unit_id == ED) & (a.resource == "nurse"))])
    pec = cost_encounters(t)
    assert "no_use" in set(pec.warnings.problem)
    ed = pec.encounter_costs.query("encounter_id in [3, 6]")
    assert ed.cost_full_sek.sum() == approx(21_000_000) and pec.balanced


@pytest.mark.parametrize(
    "table, column, value, message",
    [
        ("activities", "unit_id", "NOWHERE", "activities.unit_id"),
        ("encounters", "unit_id", "NOWHERE", "encounters.unit_id"),
        ("activities", "encounter_id", 99, "activities.encounter_id"),
        ("activities", "measure", "sek", "measure"),
        ("activities", "quantity", -1.0, "negative"),
    ],
)
def test_bad_activities_raise_clear_errors(table, column, value, message):
    t = tiny_tables()
    df = t[table].copy()
    if isinstance(df[column].dtype, pd.CategoricalDtype) and value not in df[column].cat.categories:
        df[column] = df[column].cat.add_categories([value])
    df.loc[0, column] = value
    t[table] = df
    with pytest.raises(ValueError, match=message):
        cost_encounters(t)


def test_missing_tables_columns_and_years_raise():
    t = tiny_tables()
    with pytest.raises(ValueError, match="2030"):
        cost_encounters(t, years=[2030])
    with pytest.raises(ValueError, match="'staffing'"):
        cost_encounters({k: v for k, v in t.items() if k != "staffing"})
    t["ledger"] = t["ledger"].drop(columns="amount_sek")
    with pytest.raises(ValueError, match="amount_sek"):
        cost_encounters(t)


# --- saved warehouse and command line ------------------------------------------------------------
def test_cost_command_adds_tables_and_prints_the_reconciliation(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "region")
    assert cli.main(["cost", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "PEC reconciliation 2022" in out and "reconcile to the ledger within 0.01 SEK" in out
    wh = load(folder)  # validates the derived tables too
    assert wh.sql("SELECT round(sum(cost_full_sek)) AS s FROM encounter_costs").s[0] == 45_600_000
    assert len(wh["pool_rates"]) == len(RATES)
    assert cli.main(["cost", str(folder)]) == 1  # already there
    assert "--force" in capsys.readouterr().err
    assert cli.main(["cost", str(folder), "--force"]) == 0


def test_add_cost_tables_in_python(tmp_path):
    folder = save(tiny_warehouse(), tmp_path / "region")
    pec = add_cost_tables(folder, years=2022)
    assert load(folder)["reconciliation"].balanced.all() and pec.balanced
