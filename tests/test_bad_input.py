"""One test per class of bad input from issue 15: nothing bad becomes a cost, nothing is lost.

Each saves a warehouse broken one way and checks that `pecdata validate` and `pecdata cost`
refuse it with one clear message (no traceback, exit 1) and that `cost` leaves the folder as
it was.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import tiny_tables, tiny_warehouse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pecdata import cli
from pecdata.pec import cost_encounters
from pecdata.teaching.exercises import open_region
from pecdata.warehouse import DUCKDB_FILE, METADATA_FILE, load, save
from pecdata.warehouse.validation import ValidationError, check


def _snapshot(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def _refused(folder, capsys, *words):
    """validate and cost both refuse the folder, naming ``words``; cost changes nothing."""
    before = _snapshot(folder)
    for args in (["validate", str(folder)], ["cost", str(folder)]):
        assert cli.main(args) == 1, args
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.startswith("error: "), err
        for w in words:
            assert w in err, (args, err)
    assert _snapshot(folder) == before


def _saved(tmp_path, change):
    t = tiny_tables()
    change(t)
    return save(t, tmp_path / "region")


def _set(df, row, column, value):
    df = df.copy()
    if isinstance(df[column].dtype, pd.CategoricalDtype) or isinstance(value, str):
        df[column] = df[column].astype(object)
    df.loc[row, column] = value
    return df


def test_negative_ledger_row(tmp_path, capsys):
    folder = _saved(tmp_path, lambda t: t.update(ledger=_set(t["ledger"], 2, "amount_sek", -5.0)))
    _refused(folder, capsys, "ledger.amount_sek", "below the minimum 0", "row 2")


def test_duplicated_activities(tmp_path, capsys):
    def dup(t):
        t["activities"] = pd.concat([t["activities"], t["activities"].iloc[[4]]], ignore_index=True)

    _refused(
        _saved(tmp_path, dup), capsys, "activities (encounter_id, unit_id, resource)", "primary key"
    )


def test_unknown_resident(tmp_path, capsys):
    folder = _saved(
        tmp_path, lambda t: t.update(encounters=_set(t["encounters"], 1, "resident_id", 99))
    )
    assert cli.main(["validate", str(folder)]) == 1
    assert "encounters.resident_id" in capsys.readouterr().err


def test_unknown_unit_in_activities(tmp_path, capsys):
    def change(t):
        t["activities"] = _set(t["activities"], 0, "unit_id", "NOWHERE")
        t["activities"]["unit_id"] = t["activities"]["unit_id"].astype("category")

    _refused(_saved(tmp_path, change), capsys, "activities.unit_id", "units.unit_id")


def test_impossible_dates(tmp_path, capsys):
    change = lambda t: t.update(
        encounters=_set(t["encounters"], 0, "start_time", pd.Timestamp("2200-01-01"))
    )
    _refused(_saved(tmp_path, change), capsys, "encounters.start_time", "outside")


def test_year_disagrees_with_the_date(tmp_path, capsys):
    folder = _saved(tmp_path, lambda t: t.update(encounters=_set(t["encounters"], 0, "year", 2021)))
    _refused(folder, capsys, "encounters.year", "year of its start_time")


def test_birth_after_encounters(tmp_path, capsys):
    change = lambda t: t.update(
        residents=_set(t["residents"], 0, "birth_date", pd.Timestamp("2022-12-31"))
    )
    folder = _saved(tmp_path, change)
    assert cli.main(["validate", str(folder)]) == 1
    assert "before the resident's birth_date" in capsys.readouterr().err


def test_encounter_after_death(tmp_path, capsys):
    change = lambda t: t.update(
        residents=_set(t["residents"], 1, "death_date", pd.Timestamp("2022-01-02"))
    )
    folder = _saved(tmp_path, change)
    assert cli.main(["validate", str(folder)]) == 1
    assert "after the resident's death_date" in capsys.readouterr().err


def test_infinite_quantity(tmp_path, capsys):
    folder = _saved(
        tmp_path, lambda t: t.update(activities=_set(t["activities"], 3, "quantity", np.inf))
    )
    _refused(folder, capsys, "activities.quantity", "infinite", "row 3")


def test_quantity_too_small_to_be_a_measurement(tmp_path, capsys):
    folder = _saved(
        tmp_path, lambda t: t.update(activities=_set(t["activities"], 1, "quantity", 1e-308))
    )
    _refused(folder, capsys, "activities.quantity", "not a measurement", "row 1")


def test_measure_that_does_not_fit_the_resource(tmp_path, capsys):
    folder = _saved(
        tmp_path, lambda t: t.update(activities=_set(t["activities"], 0, "measure", "sek"))
    )
    _refused(folder, capsys, "activities.measure", "does not fit the resource")


@pytest.mark.parametrize("table", ["encounters", "ledger", "activities", "units"])
def test_empty_core_table(tmp_path, capsys, table):
    folder = _saved(tmp_path, lambda t: t.update({table: t[table].iloc[:0]}))
    assert cli.main(["validate", str(folder)]) == 1
    assert f"{table}: table is empty" in capsys.readouterr().err


def test_patient_related_as_text_is_not_true():
    t = tiny_tables()
    t["accounts"] = _set(t["accounts"], 0, "patient_related", "no")
    problems = check(t)
    assert problems and problems[0].table == "accounts" and problems[0].column == "patient_related"


def test_malformed_metadata(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "region")
    (folder / METADATA_FILE).write_text(
        '{"format": "pecdata-warehouse", "tables": ', encoding="utf-8"
    )
    for args in (["validate", str(folder)], ["cost", str(folder)]):
        assert cli.main(args) == 1
        err = capsys.readouterr().err
        assert "metadata.json is damaged" in err and "Traceback" not in err
    with pytest.raises(ValueError, match="damaged"):
        load(folder)
    (folder / METADATA_FILE).write_text('{"format": "pecdata-warehouse", "tables": [1]}')
    assert cli.main(["validate", str(folder)]) == 1
    assert "damaged" in capsys.readouterr().err


def test_garbage_duckdb(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "region")
    (folder / DUCKDB_FILE).write_bytes(b"this is not a database" * 1000)
    assert cli.main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "warehouse.duckdb is damaged or not a DuckDB database" in err and "Traceback" not in err


def test_garbage_parquet(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "region")
    (folder / "ledger.parquet").write_bytes(b"PAR1 garbage")
    _refused(folder, capsys, "ledger")


def test_stale_duckdb(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "region")
    con = duckdb.connect(str(folder / DUCKDB_FILE))
    con.execute(
        "CREATE TABLE l2 AS SELECT unit_id, year, account, amount_sek * 2 AS amount_sek FROM ledger"
    )
    con.execute("DROP VIEW ledger")
    con.execute("ALTER TABLE l2 RENAME TO ledger")
    con.close()
    assert cli.main(["validate", str(folder)]) == 1
    assert "ledger" in (err := capsys.readouterr().err) and "stale" in err
    assert cli.main(["validate", "--renew", str(folder)]) == 0  # the views are written again
    capsys.readouterr()


def test_force_on_a_folder_with_user_parquet_files(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(folder / "encounters.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(folder / "notes.parquet")
    before = _snapshot(folder)
    args = ["generate", "--residents", "100", "--years", "1", "--out", str(folder), "--force"]
    assert cli.main(args) == 1
    assert "not a pecdata warehouse" in capsys.readouterr().err
    assert _snapshot(folder) == before


def test_force_replaces_only_listed_files(tmp_path):
    folder = save(tiny_warehouse(), tmp_path / "region")
    pd.DataFrame({"x": [1]}).to_parquet(folder / "my_table.parquet")  # the user's own
    save(tiny_warehouse(), folder, overwrite=True)
    assert (folder / "my_table.parquet").exists()


def test_generate_does_not_overwrite_a_users_answer_key(tmp_path, capsys):
    folder = tmp_path / "region"
    folder.mkdir()
    (folder / "answer_key.md").write_text("my own notes")
    args = ["generate", "--residents", "100", "--years", "1", "--out", str(folder)]
    assert cli.main(args) == 1
    assert "answer_key.md" in capsys.readouterr().err
    assert (folder / "answer_key.md").read_text() == "my own notes"
    assert not (folder / METADATA_FILE).exists()


def test_cost_needs_only_the_tables_pec_uses(tmp_path, capsys):
    t = {
        n: df
        for n, df in tiny_tables().items()
        if n in ("units", "staffing", "capacity", "accounts", "ledger", "encounters", "activities")
    }
    folder = save(t, tmp_path / "clinic")
    assert cli.main(["validate", str(folder)]) == 0
    assert "Not enough for step 1" in capsys.readouterr().out
    assert cli.main(["cost", str(folder)]) == 0
    capsys.readouterr()


def test_open_region_refuses_invalid_data(tmp_path):
    t = tiny_tables()
    t["ledger"] = _set(t["ledger"], 0, "amount_sek", -1.0)
    folder = save(t, tmp_path / "region")
    with pytest.raises(ValidationError, match="ledger.amount_sek"):
        open_region(folder, residents=4, years=1, seed=1)


def test_missing_table_is_one_sentence():
    wh = load.__globals__["Warehouse"]({"units": tiny_tables()["units"]})
    with pytest.raises(KeyError) as info:
        wh["resident_years"]
    assert str(info.value).startswith("the warehouse has no table 'resident_years'")


# --- any warehouse validate accepts costs and reconciles ----------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scale=st.lists(st.floats(0.0, 5.0), min_size=4, max_size=4),
    minutes=st.lists(st.floats(0.0, 600.0), min_size=22, max_size=22),
    drop=st.sets(st.integers(0, 21), max_size=10),
)
def test_any_valid_warehouse_costs_and_reconciles(scale, minutes, drop):
    t = tiny_tables()
    act = t["activities"].copy()
    is_minutes = (act["measure"] == "minutes").to_numpy()
    act.loc[is_minutes, "quantity"] = np.asarray(minutes)[is_minutes]
    t["activities"] = act.drop(index=sorted(drop)).reset_index(drop=True)
    led = t["ledger"].copy()
    factor = led["unit_id"].map(dict(zip(t["units"].unit_id, scale)))
    led["amount_sek"] = (led["amount_sek"] * factor).round(2)
    t["ledger"] = led
    if check(t):
        return  # not a warehouse validate accepts
    result = cost_encounters(t)
    rec = result.reconciliation
    assert rec.balanced.all()
    total = rec[rec.unit_type == "total"]
    assert np.allclose(total.difference_a_sek, 0, atol=0.01)
    assert np.allclose(total.difference_b_sek, 0, atol=0.01)


def test_a_failed_cost_leaves_the_warehouse_as_it_was(tmp_path, capsys, monkeypatch):
    folder = save(tiny_warehouse(), tmp_path / "region")
    assert cli.main(["cost", str(folder)]) == 0
    before = _snapshot(folder)

    def broken(path, files):
        raise OSError("disk full")

    monkeypatch.setattr("pecdata.warehouse.storage._views", broken)
    assert cli.main(["cost", str(folder), "--force"]) == 1
    assert "disk full" in capsys.readouterr().err
    monkeypatch.undo()
    assert _snapshot(folder) == before
    assert cli.main(["validate", str(folder)]) == 0
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
