"""A warehouse folder that passed validation is validated again only when a file changed."""

from __future__ import annotations

import json
import os

import pytest
from helpers import tiny_tables, tiny_warehouse

from pecdata.warehouse import load, memo, save
from pecdata.warehouse import validation as V
from pecdata.warehouse.storage import _write_parquet
from pecdata.warehouse.validation import ValidationError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PECDATA_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def validations(monkeypatch):
    """How many times the tables were validated."""
    calls = []
    real = V.validate

    def counting(tables, required=None):
        calls.append(required)
        return real(tables, required)

    monkeypatch.setattr(V, "validate", counting)
    return calls


def _listing(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_a_second_load_does_not_validate_again(tmp_path, cache, validations):
    folder = save(tiny_warehouse(), tmp_path / "region")
    before = _listing(folder)
    first, second = load(folder), load(folder)
    assert len(validations) == 1
    assert first.row_counts() == second.row_counts()
    assert _listing(folder) == before  # nothing written into the warehouse folder
    assert [p.parent.name for p in cache.rglob("*.json")] == ["validated"]
    load(folder, tables=["units", "municipalities"])  # other tables required: validated
    assert len(validations) == 2


def test_a_warehouse_written_again_is_validated_and_refused_when_invalid(
    tmp_path, cache, validations
):
    folder = save(tiny_warehouse(), tmp_path / "region")
    load(folder)
    bad = tiny_tables()
    bad["ledger"].loc[0, "amount_sek"] = -1.0
    save(bad, folder, overwrite=True)
    for _ in range(2):  # refused every time: failures are never remembered
        with pytest.raises(ValidationError, match="ledger.amount_sek"):
            load(folder)
    assert len(validations) == 3


def test_a_parquet_file_edited_in_place_with_its_old_size_and_time_is_refused(
    tmp_path, cache, validations
):
    """The file check trusts a listed file whose size and modification time are those
    recorded; the cache's key also has the change time, which no edit can put back."""
    folder = save(tiny_warehouse(), tmp_path / "region")
    load(folder)
    file = folder / "units.parquet"
    bad = tiny_tables()["units"]
    bad.loc[bad.beds > 0, "beds"] *= -1
    _write_parquet("units", bad, tmp_path / "bad.parquet")
    data, st = (tmp_path / "bad.parquet").read_bytes(), file.stat()
    assert len(data) == st.st_size and data != file.read_bytes()
    with open(file, "r+b") as f:  # the same inode, size and (below) modification time
        f.write(data)
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (file.stat().st_size, file.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    with pytest.raises(ValidationError, match="units.beds"):
        load(folder)
    assert len(validations) == 2


def test_a_changed_metadata_file_or_rules_mean_validating_again(
    tmp_path, cache, validations, monkeypatch
):
    folder = save(tiny_warehouse(), tmp_path / "region")
    load(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["meta"]["note"] = "edited"
    (folder / "metadata.json").write_text(json.dumps(meta))
    load(folder)
    assert len(validations) == 2
    monkeypatch.setattr(memo, "_code_fingerprint", lambda: "other rules")
    load(folder)
    assert len(validations) == 3


def test_the_cache_can_be_turned_off_or_broken(tmp_path, monkeypatch, validations):
    folder = save(tiny_warehouse(), tmp_path / "region")
    monkeypatch.setenv("PECDATA_CACHE_DIR", "")
    load(folder), load(folder)
    assert len(validations) == 2
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("PECDATA_CACHE_DIR", str(blocked))
    load(folder), load(folder)  # cannot be written: validated each time, no error
    assert len(validations) == 4
    cache = tmp_path / "cache"
    monkeypatch.setenv("PECDATA_CACHE_DIR", str(cache))
    load(folder)
    for record in cache.rglob("*.json"):
        record.write_text("{not json")
    load(folder)
    assert len(validations) == 6


def test_only_the_most_recent_records_are_kept(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(memo, "KEEP", 2)
    folder = save(tiny_warehouse(), tmp_path / "region")
    for n in range(4):
        memo.remember_valid(f"{n:064x}", folder)
    assert sorted(p.stem for p in (cache / "validated").glob("*.json")) == [
        f"{n:064x}" for n in (2, 3)
    ]


def test_the_rules_fingerprint_covers_the_schema_sub_package(tmp_path, monkeypatch):
    """A changed table declaration (in warehouse/schema/) must invalidate the cache too."""
    import shutil

    rules = tmp_path / "warehouse"
    shutil.copytree(memo._PACKAGE, rules, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(memo, "_PACKAGE", rules)
    memo._code_fingerprint.cache_clear()
    before = memo._code_fingerprint()
    base = rules / "schema" / "base.py"
    base.write_text(base.read_text() + "\n# a new rule\n")
    memo._code_fingerprint.cache_clear()
    try:
        assert memo._code_fingerprint() != before
    finally:
        monkeypatch.undo()
        memo._code_fingerprint.cache_clear()
