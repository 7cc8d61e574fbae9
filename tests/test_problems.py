"""The problem register of step 6 (pecdata.problem_register).

Asserted against the answer key of the region (planted_findings), never fixed numbers:
the register must list each planted step 6 problem, rank by cost, and keep its sums
straight; on a region without planted findings it must still run and list only what
stands out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pecdata
from pecdata.analyses.problems import REGISTER_COLUMNS, problem_register
from pecdata.generation import generate


@pytest.fixture(scope="module")
def costed(region):
    """The shared test region with PEC's tables for every year."""
    return pecdata.Warehouse({**region, **pecdata.cost_encounters(region).tables()}, region.meta)


@pytest.fixture(scope="module")
def register(costed):
    return problem_register(costed)


def truth(wh, finding_id) -> pd.Series:
    pf = wh["planted_findings"]
    return pf[pf["finding_id"] == finding_id].iloc[0]


def test_register_has_its_columns_and_is_ranked_by_cost(register):
    assert register.columns.tolist() == REGISTER_COLUMNS
    assert register["rank"].tolist() == list(range(1, len(register) + 1))
    costed = register["cost_sek_per_year"].notna().to_numpy()
    assert not np.any(np.diff(costed.astype(int)) > 0), "costed problems come first"
    cost = register.loc[costed, "cost_sek_per_year"].to_numpy()
    assert np.all(np.diff(cost) <= 0)
    assert set(register.loc[~costed, "area"]) <= {"care pathways"}


def test_excess_and_cost_add_up(register):
    events = register[register["size_unit"] != "SEK of unused capacity a year"]
    np.testing.assert_allclose(
        events["excess_per_year"], events["observed"] - events["expected"], rtol=1e-9
    )
    priced = events[events["cost_per_event_sek"].notna()]
    np.testing.assert_allclose(
        priced["cost_sek_per_year"],
        (priced["excess_per_year"] * priced["cost_per_event_sek"]).clip(lower=0),
        rtol=1e-9,
    )
    assert (register["cost_sek_per_year"].dropna() >= 0).all()


def test_register_lists_every_planted_step6_problem(costed, register):
    where = register.groupby("area")["where"].apply(set)
    assert truth(costed, "pcc_avoidable_admissions")["location"] in where["avoidable admissions"]
    frail_muni = truth(costed, "frail_readmissions")["location"].split(" in ")[-1]
    assert frail_muni in where["readmissions"]
    assert truth(costed, "underused_ward")["location"] in where["unused capacity"]
    slow_code = truth(costed, "stroke_door_to_needle")["location"].split()[0]
    units = costed["units"]
    slow_site = units.loc[units["unit_id"].str.startswith(slow_code + "-"), "site"].iloc[0]
    stroke = register[register["source"].str.contains("door_to_needle")]
    assert stroke["where"].tolist() == [slow_site]
    assert "frequent ED attenders" in where


def test_planted_centre_is_the_only_avoidable_admissions_problem_beyond_chance(register):
    """No more centres than chance: with ~25 centres, 99.8 % limits flag 0.05 by chance."""
    rows = register[register["area"] == "avoidable admissions"]
    assert 1 <= len(rows) <= 2


def test_without_costs_the_problems_are_listed_uncosted(region):
    reg = problem_register(region)
    assert not reg.empty
    assert reg["cost_sek_per_year"].isna().all()
    assert "unused capacity" not in set(reg["area"])


@pytest.mark.slow
def test_register_runs_on_a_region_without_planted_findings():
    wh = generate(residents=8_000, years=3, seed=3, planted=False)
    wh = pecdata.Warehouse({**wh, **pecdata.cost_encounters(wh).tables()}, wh.meta)
    reg = problem_register(wh)
    assert reg.columns.tolist() == REGISTER_COLUMNS
    assert (reg["area"] == "avoidable admissions").sum() <= 1


def test_bad_input_gives_one_clear_message(costed):
    with pytest.raises(ValueError, match="'encounters' table"):
        problem_register({"units": costed["units"]})
    with pytest.raises(ValueError, match="encounter_id and cost_full_sek"):
        problem_register(costed, encounter_costs=pd.DataFrame({"encounter_id": [1]}))
    with pytest.raises(ValueError, match="no resident_years in"):
        problem_register(costed, years=1999)
