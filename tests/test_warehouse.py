"""The warehouse on disk: Parquet + DuckDB round trips, SQL, overwrite protection, add_tables."""

from __future__ import annotations

import hashlib
import json
import pickle

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import tiny_tables, tiny_warehouse

from pecdata import warehouse as W
from pecdata.warehouse import Warehouse, add_tables, load, save, verify_files
from pecdata.warehouse import schema as S
from pecdata.warehouse.validation import ValidationError


@pytest.fixture
def folder(tmp_path):
    return save(tiny_warehouse(), tmp_path / "region")


def _file_sql(folder, query):
    con = duckdb.connect(str(folder / W.DUCKDB_FILE), read_only=True)
    try:
        return con.execute(query).df()
    finally:
        con.close()


def _sha(file):
    return hashlib.sha256(file.read_bytes()).hexdigest()


# --- round trips --------------------------------------------------------------------------------
def test_parquet_round_trip_keeps_values_and_dtypes(folder):
    wh = load(folder)
    original = tiny_tables()
    assert list(wh) == list(S.TABLES)
    for name, df in original.items():
        pd.testing.assert_frame_equal(wh[name], df, check_exact=True, obj=name)
    # categories (unused ones too) and nullable integers survive
    assert list(wh.encounters.care_level.cat.categories) == list(S.CARE_LEVELS)
    assert str(wh.encounters.origin_encounter_id.dtype) == "Int64"
    assert str(wh.encounters.start_time.dtype) == "datetime64[us]"
    assert wh.meta == tiny_warehouse().meta and wh.path == folder


def test_duckdb_file_holds_the_same_tables_as_varchar(folder):
    wh = load(folder)
    for name in S.TABLES:
        from_file = _file_sql(folder, f"SELECT * FROM {name}")
        in_memory = wh.sql(f"SELECT * FROM {name}")
        pd.testing.assert_frame_equal(from_file, in_memory, obj=name)
    inpatient = "SELECT count(*) AS n FROM encounters WHERE care_level = 'inpatient'"
    assert _file_sql(folder, inpatient).n[0] == wh.sql(inpatient).n[0] == 2
    types = _file_sql(folder, "DESCRIBE encounters").set_index("column_name").column_type
    assert types["care_level"] == types["unit_id"] == "VARCHAR"
    assert types["start_time"] == "TIMESTAMP" and types["origin_encounter_id"] == "BIGINT"
    assert types["acute"] == "BOOLEAN"
    assert list(types.index) == S.TABLES["encounters"].column_names


def test_columns_are_written_in_schema_order(tmp_path):
    t = tiny_tables()
    t["units"] = t["units"][list(reversed(t["units"].columns))].assign(note="extra")
    folder = save(t, tmp_path / "w")
    cols = load(folder).units.columns.tolist()
    assert cols == S.TABLES["units"].column_names + ["note"]


def test_categories_survive_several_row_groups(tmp_path):
    n = 1_300_000  # more than one Parquet row group (1,048,576 rows)
    codes = np.r_[np.zeros(n - 10, dtype=np.int8), np.full(10, 2, dtype=np.int8)]
    df = pd.DataFrame({"c": pd.Categorical.from_codes(codes, categories=["z", "unused", "a"])})
    back = load(save({"big": df}, tmp_path / "w"), validate=False).big
    assert list(back.c.cat.categories) == ["z", "unused", "a"]  # order and unused kept
    assert np.array_equal(back.c.cat.codes.to_numpy(), codes)  # (assert_frame_equal: 8 s)


def test_identical_frames_give_byte_identical_parquet(tmp_path):
    a = save(tiny_warehouse(), tmp_path / "a")
    b = save(tiny_warehouse(), tmp_path / "b")
    for name in S.TABLES:
        assert _sha(a / f"{name}.parquet") == _sha(b / f"{name}.parquet"), name
    meta = json.loads((a / W.METADATA_FILE).read_text())
    assert meta["tables"]["encounters"]["sha256"] == _sha(a / "encounters.parquet")
    assert meta["tables"]["encounters"]["rows"] == 8
    assert meta["meta"]["residents"] == 4

    def steady(folder):  # what is the same for the same tables: all but times and paths
        m = json.loads((folder / W.METADATA_FILE).read_text())
        m.pop("duckdb_stat")
        for entry in m["tables"].values():
            entry.pop("mtime_ns")
        return m

    assert steady(a) == steady(b)


def test_empty_table_round_trips(tmp_path):
    t = tiny_tables()
    t["planted_residents"] = t["planted_residents"].iloc[:0]
    wh = load(save(t, tmp_path / "w"))
    assert len(wh.planted_residents) == 0
    assert wh.sql("SELECT count(*) AS n FROM planted_residents").n[0] == 0


# --- SQL ----------------------------------------------------------------------------------------
def test_sql_compares_categoricals_as_text():
    wh = tiny_warehouse()
    n = wh.sql("SELECT count(*) AS n FROM encounters WHERE care_level = 'inpatient'").n[0]
    assert n == 2
    assert wh.sql("SELECT count(*) AS n FROM encounters WHERE care_level = 'hospital'").n[0] == 0
    joined = wh.sql(
        "SELECT u.unit_type, count(*) AS n FROM encounters e JOIN units u "
        "USING (unit_id) GROUP BY ALL ORDER BY n DESC, u.unit_type"
    )
    assert joined.values.tolist() == [
        ["primary_care_centre", 4],
        ["emergency_department", 2],
        ["ward", 2],
    ]


def test_sql_on_loaded_warehouse_matches_the_file(folder):
    query = (
        "SELECT care_level, sum(quantity) AS minutes FROM encounters JOIN activities "
        "USING (encounter_id) WHERE measure = 'minutes' GROUP BY 1 ORDER BY 1"
    )
    pd.testing.assert_frame_equal(load(folder).sql(query), _file_sql(folder, query))


def test_sql_with_parameters_and_statements():
    wh = tiny_warehouse()
    assert wh.sql("SELECT count(*) AS n FROM residents WHERE sex = ?", ["F"]).n[0] == 2
    assert wh.sql("CREATE TEMP TABLE x AS SELECT 1 AS one").Count[0] == 1  # DuckDB's answer
    assert wh.sql("SELECT * FROM x").one[0] == 1  # the connection is kept
    wh.close()
    with pytest.raises(duckdb.Error):
        wh.sql("SELECT * FROM x")  # a fresh connection after close()


# --- the Warehouse object -----------------------------------------------------------------------
def test_warehouse_mapping_attributes_and_repr():
    wh = tiny_warehouse()
    assert len(wh) == len(S.TABLES) and "encounters" in wh
    assert wh.encounters is wh["encounters"]
    assert "encounters" in dir(wh)
    with pytest.raises(AttributeError, match="no table 'encounter'"):
        wh.encounter
    text = repr(wh)
    rows = sum(wh.row_counts().values())
    assert text.splitlines()[0] == f"Warehouse: 14 tables, {rows} rows (in memory)"
    assert "  activities         22 rows" in text
    assert pickle.loads(pickle.dumps(wh)).row_counts() == wh.row_counts()


def test_bad_table_names_are_refused():
    with pytest.raises(ValueError, match="not allowed"):
        Warehouse({"bad name": pd.DataFrame()})
    with pytest.raises(TypeError, match="not a DataFrame"):
        Warehouse({"t": [1, 2]})


# --- overwrite protection -----------------------------------------------------------------------
def test_save_refuses_to_overwrite(folder):
    before = {p.name: _sha(p) for p in folder.iterdir()}
    with pytest.raises(FileExistsError) as info:
        save(tiny_warehouse(), folder)
    message = str(info.value)
    assert str(folder) in message and "overwrite=True" in message and "--force" in message
    assert {p.name: _sha(p) for p in folder.iterdir()} == before


def test_overwrite_replaces_warehouse_files_only(folder):
    (folder / "README.txt").write_text("mine")
    add_tables(folder, {"my_rates": pd.DataFrame({"pool": ["a"], "rate": [1.0]})})
    t = tiny_tables()
    t["units"] = t["units"].assign(beds=t["units"].beds * 2)
    save(t, folder, overwrite=True)
    assert (folder / "README.txt").read_text() == "mine"
    assert not (folder / "my_rates.parquet").exists()  # stale derived table removed
    assert load(folder).units.beds.sum() == 20
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_failed_save_leaves_the_old_warehouse(folder, monkeypatch):
    def broken(path, files):
        raise OSError("disk full")

    monkeypatch.setattr("pecdata.warehouse.storage._views", broken)  # where save finds it
    with pytest.raises(OSError, match="disk full"):
        save(tiny_warehouse(), folder, overwrite=True)
    monkeypatch.undo()
    assert verify_files(folder) == [] and len(load(folder)) == len(S.TABLES)
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_save_into_a_file_path_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(FileExistsError, match="not a folder"):
        save(tiny_warehouse(), tmp_path / "f")


# --- load ---------------------------------------------------------------------------------------
def test_load_validates_by_default(tmp_path):
    t = tiny_tables()
    t["ledger"].loc[0, "amount_sek"] = -1.0
    folder = save(t, tmp_path / "w")
    with pytest.raises(ValidationError, match="ledger.amount_sek"):
        load(folder)
    assert load(folder, validate=False).ledger.amount_sek[0] == -1.0


def test_load_some_tables(folder):
    wh = load(folder, tables=["units", "municipalities"])
    assert list(wh) == ["municipalities", "units"]
    with pytest.raises(FileNotFoundError, match="no table 'nope'"):
        load(folder, tables=["nope"])


def test_load_errors_are_clear(tmp_path, folder, monkeypatch):
    with pytest.raises(FileNotFoundError, match="no warehouse folder"):
        load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="has no metadata.json"):
        load(tmp_path / "empty")
    (folder / "capacity.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="capacity"):
        load(folder)
    monkeypatch.delenv("PECDATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="PECDATA_DIR"):
        load()


def test_load_uses_pecdata_dir(folder, monkeypatch):
    monkeypatch.setenv("PECDATA_DIR", str(folder))
    assert load().path == folder


# --- add_tables ---------------------------------------------------------------------------------
def test_add_tables(folder):
    costs = pd.DataFrame(
        {"encounter_id": [1, 2], "cost_sek": [1000.0, 250.0], "pool": pd.Categorical(["a", "b"])}
    )
    add_tables(folder, {"my_costs": costs})
    wh = load(folder)
    pd.testing.assert_frame_equal(wh.my_costs, costs)
    assert _file_sql(folder, "SELECT sum(cost_sek) AS s FROM my_costs").s[0] == 1250
    meta = json.loads((folder / W.METADATA_FILE).read_text())
    assert meta["tables"]["my_costs"]["kind"] == "derived"
    assert meta["tables"]["my_costs"]["file"] == "my_costs.parquet"
    assert verify_files(folder) == []
    assert (
        wh.sql("SELECT count(*) AS n FROM my_costs JOIN encounters USING (encounter_id)").n[0] == 2
    )


def test_add_tables_refuses_to_replace(folder):
    add_tables(folder, {"my_rates": pd.DataFrame({"rate": [1.0]})})
    with pytest.raises(FileExistsError, match="replace=True"):
        add_tables(folder, {"my_rates": pd.DataFrame({"rate": [2.0]})})
    assert load(folder).my_rates.rate[0] == 1.0
    add_tables(folder, {"my_rates": pd.DataFrame({"rate": [2.0]})}, replace=True)
    assert load(folder).my_rates.rate[0] == 2.0
    assert _file_sql(folder, "SELECT rate FROM my_rates").rate.tolist() == [2.0]
    assert verify_files(folder) == []


@pytest.mark.parametrize("name", ["encounters", "ledger"])
def test_add_tables_never_replaces_base_tables(folder, name):
    before = _sha(folder / f"{name}.parquet")
    with pytest.raises(ValueError, match="base table"):
        add_tables(folder, {name: pd.DataFrame({"x": [1]})}, replace=True)
    assert _sha(folder / f"{name}.parquet") == before


def test_add_tables_checks_everything_before_writing(folder):
    with pytest.raises(ValueError, match="not allowed"):
        add_tables(folder, {"ok_table": pd.DataFrame({"x": [1]}), "bad-name": pd.DataFrame()})
    assert not (folder / "ok_table.parquet").exists()


def test_warehouse_add_tables_updates_memory_and_folder(folder):
    wh = load(folder)
    wh.add_tables({"my_rates": pd.DataFrame({"rate": [3.0]})})
    assert wh.sql("SELECT rate FROM my_rates").rate[0] == 3.0
    assert load(folder).my_rates.rate[0] == 3.0
    with pytest.raises(ValueError, match="no folder"):
        tiny_warehouse().add_tables({"x": pd.DataFrame()})


def test_saved_warehouse_remembers_its_folder(tmp_path):
    wh = tiny_warehouse()
    assert wh.save(tmp_path / "w") == wh.path == tmp_path / "w"
    wh.add_tables({"my_rates": pd.DataFrame({"rate": [3.0]})})
    assert "my_rates" in load(tmp_path / "w")


def test_verify_files_notices_changes(folder):
    (folder / "units.parquet").write_bytes(b"not parquet")
    con = duckdb.connect(str(folder / W.DUCKDB_FILE))
    con.execute("CREATE TABLE ledger_copy AS SELECT * FROM ledger WHERE year <> 2022")
    con.execute("DROP VIEW ledger")
    con.execute("ALTER TABLE ledger_copy RENAME TO ledger")
    con.close()
    problems = verify_files(folder)
    assert any(p.startswith("units: ") and "changed" in p for p in problems)
    assert any(p.startswith("ledger: ") and "0 rows" in p for p in problems)


# --- with the generator -------------------------------------------------------------------------
def test_generated_region_round_trip(small_region, tmp_path):
    folder = save(small_region, tmp_path / "region")
    assert verify_files(folder) == []
    wh = load(folder)  # validates
    assert wh.meta == json.loads(json.dumps(small_region.meta, default=str))
    for name, df in small_region.items():
        pd.testing.assert_frame_equal(wh[name], df, obj=name)
    query = (
        "SELECT e.care_level, a.resource, count(*) AS n, sum(a.quantity) AS q "
        "FROM activities a JOIN encounters e USING (encounter_id) "
        "GROUP BY ALL ORDER BY ALL"
    )
    pd.testing.assert_frame_equal(wh.sql(query), _file_sql(folder, query))
    again = save(small_region, tmp_path / "again")
    for name in small_region:
        assert _sha(folder / f"{name}.parquet") == _sha(again / f"{name}.parquet"), name
