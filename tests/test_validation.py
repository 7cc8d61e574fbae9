"""Validation: the tiny warehouse passes; each kind of bad input is caught and explained."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_tables, tiny_warehouse

from pecdata import cli
from pecdata.warehouse import save
from pecdata.warehouse import schema as S
from pecdata.warehouse.validation import Problem, ValidationError, check, pandera_schema, validate


def _set(t, table, column, row, value):
    """Set one cell, adding the value to a categorical column's categories if needed."""
    df = t[table].copy()
    s = df[column]
    if (
        isinstance(s.dtype, pd.CategoricalDtype)
        and value is not None
        and value not in s.cat.categories
    ):
        df[column] = s.cat.add_categories([value])
    df.loc[row, column] = value
    t[table] = df


def _append_copy(t, table, row):
    t[table] = pd.concat([t[table], t[table].iloc[[row]]], ignore_index=True)


def _drop_column(t, table, column):
    t[table] = t[table].drop(columns=column)


def _astype(t, table, column, dtype):
    t[table] = t[table].assign(**{column: t[table][column].astype(dtype)})


# (id, mutation, table, column, words the message must contain, row of the example or None)
CASES = [
    ("missing table", lambda t: t.pop("encounters"), "encounters", None, "table is missing", None),
    (
        "missing column",
        lambda t: _drop_column(t, "encounters", "care_level"),
        "encounters",
        "care_level",
        "column is missing",
        None,
    ),
    (
        "minutes stored as text",
        lambda t: _astype(t, "activities", "quantity", "str"),
        "activities",
        "quantity",
        "should hold numbers",
        0,
    ),
    (
        "year as float",
        lambda t: _astype(t, "ledger", "year", "float64"),
        "ledger",
        "year",
        "should hold integers",
        0,
    ),
    (
        "birth_date as text",
        lambda t: _astype(t, "residents", "birth_date", "str"),
        "residents",
        "birth_date",
        "should hold dates",
        0,
    ),
    (
        "acute as text",
        lambda t: _astype(t, "encounters", "acute", "str"),
        "encounters",
        "acute",
        "True/False",
        0,
    ),
    (
        "negative quantity",
        lambda t: _set(t, "activities", "quantity", 3, -5.0),
        "activities",
        "quantity",
        "below the minimum 0",
        3,
    ),
    (
        "negative amount_sek",
        lambda t: _set(t, "ledger", "amount_sek", 4, -1.0),
        "ledger",
        "amount_sek",
        "below the minimum 0",
        4,
    ),
    (
        "unknown unit_id in encounters",
        lambda t: _set(t, "encounters", "unit_id", 2, "HAV-XX"),
        "encounters",
        "unit_id",
        "missing from units.unit_id",
        2,
    ),
    (
        "unknown resident in encounters",
        lambda t: _set(t, "encounters", "resident_id", 5, 99),
        "encounters",
        "resident_id",
        "missing from residents.resident_id",
        5,
    ),
    (
        "unknown encounter in activities",
        lambda t: _set(t, "activities", "encounter_id", 6, 77),
        "activities",
        "encounter_id",
        "missing from encounters.encounter_id",
        6,
    ),
    (
        "unknown account in ledger",
        lambda t: _set(t, "ledger", "account", 1, "9999"),
        "ledger",
        "account",
        "missing from accounts.account",
        1,
    ),
    (
        "unknown unit in ledger",
        lambda t: _set(t, "ledger", "unit_id", 0, "NOPE"),
        "ledger",
        "unit_id",
        "missing from units.unit_id",
        0,
    ),
    (
        "unknown listed unit",
        lambda t: _set(t, "residents", "listed_unit_id", 3, "NOPE"),
        "residents",
        "listed_unit_id",
        "missing from units.unit_id",
        3,
    ),
    (
        "unknown origin_encounter_id",
        lambda t: _set(t, "encounters", "origin_encounter_id", 6, 99),
        "encounters",
        "origin_encounter_id",
        "missing from encounters.encounter_id",
        6,
    ),
    (
        "unknown finding",
        lambda t: _set(t, "planted_residents", "finding_id", 1, "F9"),
        "planted_residents",
        "finding_id",
        "missing from planted_findings.finding_id",
        1,
    ),
    (
        "unknown encounter in pathway",
        lambda t: _set(t, "pathway_events", "encounter_id", 2, 50),
        "pathway_events",
        "encounter_id",
        "missing from encounters.encounter_id",
        2,
    ),
    (
        "duplicate encounter_id",
        lambda t: _set(t, "encounters", "encounter_id", 4, 3),
        "encounters",
        "encounter_id",
        "must be unique",
        2,
    ),
    (
        "duplicate resident_id",
        lambda t: _append_copy(t, "residents", 1),
        "residents",
        "resident_id",
        "must be unique",
        1,
    ),
    (
        "duplicate key in staffing",
        lambda t: _append_copy(t, "staffing", 2),
        "staffing",
        "unit_id, year, profession",
        "share the primary key",
        2,
    ),
    (
        "duplicate key in activities",
        lambda t: _append_copy(t, "activities", 5),
        "activities",
        "encounter_id, unit_id, resource",
        "share the primary key",
        5,
    ),
    (
        "duplicate key in resident_years",
        lambda t: _append_copy(t, "resident_years", 0),
        "resident_years",
        "resident_id, year",
        "share the primary key",
        0,
    ),
    (
        "start_time out of range",
        lambda t: _set(t, "encounters", "start_time", 2, pd.Timestamp("1850-01-01")),
        "encounters",
        "start_time",
        "date outside 1900-01-01..2100-12-31",
        2,
    ),
    (
        "event_time out of range",
        lambda t: _set(t, "pathway_events", "event_time", 1, pd.Timestamp("2200-01-01")),
        "pathway_events",
        "event_time",
        "date outside",
        1,
    ),
    (
        "missing sex",
        lambda t: _set(t, "residents", "sex", 2, None),
        "residents",
        "sex",
        "empty (null)",
        2,
    ),
    (
        "NaN amount",
        lambda t: _set(t, "ledger", "amount_sek", 7, np.nan),
        "ledger",
        "amount_sek",
        "empty (null)",
        7,
    ),
    (
        "care_level 'hospital'",
        lambda t: _set(t, "encounters", "care_level", 1, "hospital"),
        "encounters",
        "care_level",
        "'hospital'",
        1,
    ),
    (
        "bad sex code",
        lambda t: _set(t, "residents", "sex", 0, "X"),
        "residents",
        "sex",
        "allowed: F, M",
        0,
    ),
    (
        "bad unit_type",
        lambda t: _set(t, "units", "unit_type", 1, "hospital"),
        "units",
        "unit_type",
        "not allowed",
        1,
    ),
    (
        "bad condition",
        lambda t: _set(t, "conditions", "condition", 3, "flu"),
        "conditions",
        "condition",
        "'flu'",
        3,
    ),
    (
        "physician as capacity",
        lambda t: _set(t, "capacity", "resource", 0, "physician"),
        "capacity",
        "resource",
        "not allowed",
        0,
    ),
    (
        "end before start",
        lambda t: _set(t, "encounters", "end_time", 4, pd.Timestamp("2022-04-10 23:00")),
        "encounters",
        "end_time",
        "end_time before the start_time",
        4,
    ),
    (
        "practical > paid",
        lambda t: _set(t, "staffing", "practical_hours", 3, 99_999.0),
        "staffing",
        "practical_hours",
        "more practical_hours than paid_hours",
        3,
    ),
    (
        "practical hours do not add up",
        lambda t: _set(t, "staffing", "break_hours", 5, 0.0),
        "staffing",
        "practical_hours",
        "paid_hours - absence_hours",
        5,
    ),
    (
        "days_resident 0",
        lambda t: _set(t, "resident_years", "days_resident", 2, 0),
        "resident_years",
        "days_resident",
        "below the minimum 1",
        2,
    ),
    (
        "age 130",
        lambda t: _set(t, "resident_years", "age", 1, 130),
        "resident_years",
        "age",
        "above the maximum 120",
        1,
    ),
    (
        "population share 1.5",
        lambda t: _set(t, "municipalities", "population_share", 0, 1.5),
        "municipalities",
        "population_share",
        "above the maximum 1",
        0,
    ),
    (
        "step 10",
        lambda t: _set(t, "planted_findings", "step", 1, 10),
        "planted_findings",
        "step",
        "above the maximum 9",
        1,
    ),
    (
        "encounter_id 0",
        lambda t: _set(t, "encounters", "encounter_id", 0, 0),
        "encounters",
        "encounter_id",
        "below the minimum 1",
        0,
    ),
    (
        "origin_encounter_id 0",
        lambda t: _set(t, "encounters", "origin_encounter_id", 6, 0),
        "encounters",
        "origin_encounter_id",
        "below the minimum 1",
        6,
    ),
    (
        "NaN quantity",
        lambda t: _set(t, "activities", "quantity", 9, np.nan),
        "activities",
        "quantity",
        "1 row is empty (null)",
        9,
    ),
    (
        "length of stay wrong",
        lambda t: _set(t, "encounters", "length_of_stay_days", 3, 7),
        "encounters",
        "length_of_stay_days",
        "end date minus the start date",
        3,
    ),
    (
        "death before birth",
        lambda t: _set(t, "residents", "death_date", 0, pd.Timestamp("1949-01-01")),
        "residents",
        "death_date",
        "before the birth_date",
        0,
    ),
    (
        "not a DataFrame",
        lambda t: t.update(units={"unit_id": ["A"]}),
        "units",
        None,
        "not a DataFrame",
        None,
    ),
]


@pytest.mark.parametrize(
    "mutate, table, column, words, row", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_named_with_an_example(mutate, table, column, words, row):
    t = tiny_tables()
    mutate(t)
    with pytest.raises(ValidationError) as info:
        validate(t)
    e = info.value
    assert (e.table, e.column) == (table, column), str(e)
    first = str(e).splitlines()[0]
    assert first.startswith(
        f"{table}.{column}:"
        if column and ", " not in column
        else f"{table} ({column}):"
        if column
        else f"{table}:"
    ), first
    assert words in first, first
    if row is None:
        assert e.example is None
    else:
        assert e.problems[0].row == row
        assert isinstance(e.example, dict) and (column in e.example or ", " in column)
        assert f"e.g. row {row} {{" in first, first


def test_tiny_warehouse_is_valid():
    assert check(tiny_tables()) == []
    validate(tiny_warehouse())


def test_derived_tables_are_allowed():
    t = tiny_tables()
    t["my_results"] = pd.DataFrame({"pool": ["x"], "rate": [1.0]})  # not in the schema
    assert check(t) == []


def test_derived_schema_tables_are_checked_when_present():
    from pecdata.warehouse.schema import DERIVED_TABLES

    name = next(iter(DERIVED_TABLES))
    t = tiny_tables()
    t[name] = pd.DataFrame({"x": [1]})
    problems = check(t)
    assert problems and {p.table for p in problems} == {name}
    assert check({k: v for k, v in t.items() if k != name}) == []  # never required


def test_required_limits_the_tables_that_must_be_present():
    t = {"units": tiny_tables()["units"]}
    assert check(t, required=()) == []  # foreign keys to absent tables are not checked
    assert [p.table for p in check(t, required=["units", "municipalities"])] == ["municipalities"]


def test_error_lists_every_problem_one_line_each():
    t = tiny_tables()
    _set(t, "encounters", "care_level", 0, "hospital")
    _set(t, "ledger", "amount_sek", 0, -1.0)
    with pytest.raises(ValidationError) as info:
        validate(t)
    lines = str(info.value).splitlines()
    assert len(lines) == 2 == len(info.value.problems)
    assert lines[0].startswith("encounters.care_level:") and lines[1].startswith("ledger.amount")
    assert all(isinstance(p, Problem) for p in info.value.problems)


def test_many_problems_are_summarised(monkeypatch):
    import pecdata.warehouse.problems as P

    monkeypatch.setattr(P, "MAX_LINES", 3)
    t = {name: df for name, df in tiny_tables().items() if name in ("units", "municipalities")}
    with pytest.raises(ValidationError) as info:
        validate(t)
    lines = str(info.value).splitlines()
    missing = [n for n in S.CORE_TABLES if n != "units"]
    assert len(info.value.problems) == len(missing)  # the other core tables are missing
    assert (
        len(lines) == 4
        and lines[0] == f"{missing[0]}: table is missing (the warehouse has municipalities, units)"
    )
    assert lines[-1].startswith(f"and {len(missing) - 3} more problems ({len(missing)} in all")


def test_generator_only_tables_are_optional():
    t = {n: df for n, df in tiny_tables().items() if n not in S.GENERATOR_ONLY}
    assert check(t) == []


def test_example_shows_the_key_and_the_value():
    t = tiny_tables()
    _set(t, "encounters", "start_time", 2, pd.Timestamp("1850-01-01"))
    _set(t, "encounters", "start_time", 5, pd.Timestamp("1850-01-01"))
    e = pytest.raises(ValidationError, validate, t).value
    assert str(e).splitlines()[0] == (
        "encounters.start_time: 2 rows have dates outside 1900-01-01..2100-12-31, "
        "e.g. row 2 {encounter_id: 3, start_time: 1850-01-01 00:00:00}"
    )
    assert e.problems[0].n_rows == 2 and e.example["resident_id"] == 2


def test_non_default_index_is_reported_by_position():
    t = tiny_tables()
    t["ledger"] = t["ledger"].set_axis(range(100, 100 + len(t["ledger"])))
    _set(t, "ledger", "amount_sek", 103, -1.0)
    e = pytest.raises(ValidationError, validate, t).value
    assert e.problems[0].row == 3


def test_text_columns_may_be_string_or_category():
    t = tiny_tables()
    t["encounters"] = t["encounters"].assign(
        care_level=t["encounters"].care_level.astype(str),
        unit_id=t["encounters"].unit_id.astype(object),
    )
    t["units"] = t["units"].assign(unit_id=t["units"].unit_id.astype("category"))
    assert check(t) == []
    _set(t, "encounters", "care_level", 0, "hospital")
    assert check(t)[0].column == "care_level"


def test_pandera_schema_covers_every_table():
    for name, table in S.TABLES.items():
        assert list(pandera_schema(name).columns) == table.column_names


def test_large_int_keys_use_hashing_path():
    t = tiny_tables()
    # far-apart ids: the lookup table would be too big, the fallback must still work
    for name in ("encounters", "activities", "pathway_events"):
        df = t[name].copy()
        df["encounter_id"] = df["encounter_id"] * 10**9
        t[name] = df
    df = t["encounters"].copy()
    df["origin_encounter_id"] = df["origin_encounter_id"] * 10**9
    t["encounters"] = df
    assert check(t) == []
    _set(t, "activities", "encounter_id", 0, 5)
    assert check(t)[0].column == "encounter_id"


# --- command line -------------------------------------------------------------------------------
def test_cli_validate_ok(tmp_path, capsys):
    save(tiny_warehouse(), tmp_path / "w")
    assert cli.main(["validate", str(tmp_path / "w")]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_cli_validate_broken_folder(tmp_path, capsys):
    t = tiny_tables()
    _set(t, "encounters", "care_level", 1, "hospital")
    save(t, tmp_path / "w")
    assert cli.main(["validate", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ")
    assert "encounters.care_level" in err and "'hospital'" in err


def test_cli_validate_detects_changed_file(tmp_path, capsys):
    folder = save(tiny_warehouse(), tmp_path / "w")
    t = tiny_tables()
    t["units"].to_parquet(folder / "units.parquet")  # same data, other bytes
    assert cli.main(["validate", str(folder)]) == 1
    assert "units: " in capsys.readouterr().err


def test_cli_validate_missing_folder(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no warehouse folder") and "Traceback" not in err


def test_cli_generate_refuses_to_overwrite(tmp_path, capsys, monkeypatch):
    import pecdata.generation as generation

    calls = []
    monkeypatch.setattr(generation, "generate", lambda **kw: calls.append(kw) or tiny_warehouse())
    save(tiny_warehouse(), tmp_path / "w")
    assert cli.main(["generate", "--residents", "200", "--out", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and str(tmp_path / "w") in err and "Traceback" not in err
    assert calls == []  # refused before generating
    assert (
        cli.main(
            [
                "generate",
                "--residents",
                "200",
                "--years",
                "2",
                "--seed",
                "7",
                "--start-year",
                "2021",
                "--no-planted",
                "--out",
                str(tmp_path / "w"),
                "--force",
            ]
        )
        == 0
    )
    assert calls == [
        dict(residents=200, years=2, seed=7, start_year=2021, planted=False, progress=False)
    ]
    out = capsys.readouterr().out
    assert "encounters" in out and str((tmp_path / "w").resolve()) in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["--residents", "5"], "--residents must be at least 100"),
        (["--years", "0"], "--years must be at least 1"),
    ],
)
def test_cli_generate_bad_arguments(tmp_path, capsys, args, words):
    assert cli.main(["generate", *args, "--out", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {err[7:]}" and words in err and "Traceback" not in err


def test_cli_generate_invalid_warehouse_is_not_saved(tmp_path, capsys, monkeypatch):
    import pecdata.generation as generation

    t = tiny_tables()
    _set(t, "ledger", "amount_sek", 0, -5.0)
    monkeypatch.setattr(generation, "generate", lambda **kw: t)
    assert cli.main(["generate", "--residents", "200", "--out", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert "ledger.amount_sek" in err and "Traceback" not in err
    assert not (tmp_path / "w").exists()


def test_cli_dictionary(capsys):
    assert cli.main(["dictionary"]) == 0
    assert "## encounters" in capsys.readouterr().out
    assert cli.main(["dictionary", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("table,kind,column")


def test_cli_usage_error_has_no_traceback(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["generate", "--residents", "many", "--out", "x"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
