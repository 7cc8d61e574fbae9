"""`pecdata import`: a region's export with other names, codes and units, from CSV, Excel and
PostgreSQL, comes back as the warehouse it was made from, validates and costs to the öre."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from export import NAMES, mapping_text, personnummer, region_export, write_csv, write_excel
from helpers import tiny_tables, tiny_warehouse

from pecdata import cli
from pecdata.pec import cost_encounters
from pecdata.warehouse import load
from pecdata.warehouse import schema as S
from pecdata.warehouse.privacy import pseudonymise

KEY = b"a secret key the region keeps apart"


@pytest.fixture
def key_file(tmp_path):
    f = tmp_path / "keys" / "pseudonym.key"
    f.parent.mkdir()
    f.write_bytes(KEY)
    return f


def _import(tmp_path, kind, where, key_file, capsys, optional=False):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping_text(kind, where, optional), encoding="utf-8")
    out = tmp_path / "region"
    status = cli.main(["import", str(mapping), "--out", str(out), "--key-file", str(key_file)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return out, captured.out


def _check_round_trip(out):
    """The imported warehouse holds the tiny warehouse's facts, pseudonymised, and costs alike."""
    wh = load(out)
    tiny = tiny_tables()
    assert set(wh) == set(NAMES)  # generator-only tables are optional
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["synthetic"] is False and wh.synthetic is False
    pnr = personnummer(tiny["residents"])
    keyed = pseudonymise(list(pnr.values()), KEY)
    rank = np.searchsorted(np.unique(keyed), keyed) + 1  # löpnummer in the pseudonyms' order
    pseudo = dict(zip(pnr, rank))
    assert dict(zip(wh.residents.resident_id, wh.residents.pseudonym)) == dict(zip(rank, keyed))
    # no personnummer anywhere on disk
    for p in out.iterdir():
        assert b"-0001" not in p.read_bytes(), p
    assert sorted(wh.residents.resident_id) == sorted(pseudo.values())
    assert "anteckning" not in wh.units.columns  # local columns left out
    for name in NAMES:
        mine = wh[name].copy()
        ref = tiny[name].copy()
        if "resident_id" in ref.columns:
            ref["resident_id"] = ref["resident_id"].map(pseudo)
        assert len(mine) == len(ref), name
        for c in S.TABLES[name].column_names:
            a, b = mine[c], ref[c]
            if pd.api.types.is_float_dtype(b.dtype):
                assert np.allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True), (name, c)
            else:
                assert (
                    a.astype(object).where(a.notna(), None).tolist()
                    == b.astype(object).where(b.notna(), None).tolist()
                ), (name, c)
    assert wh.accounts.set_index("account").patient_related["7600"] is np.False_
    ours, theirs = cost_encounters(wh), cost_encounters(tiny_warehouse())
    assert ours.balanced
    assert round(ours.encounter_costs.cost_full_sek.sum(), 2) == round(
        theirs.encounter_costs.cost_full_sek.sum(), 2
    )


def test_import_csv_validates_and_costs(tmp_path, key_file, capsys):
    write_csv(region_export(), tmp_path / "export")
    out, printed = _import(tmp_path, "csv", 'path = "export"', key_file, capsys)
    assert "Personnummer replaced by keyed pseudonyms" in printed
    _check_round_trip(out)
    assert cli.main(["validate", str(out)]) == 0
    assert "Not enough for steps 5-9" in capsys.readouterr().out
    assert cli.main(["cost", str(out)]) == 0
    capsys.readouterr()


def test_import_excel(tmp_path, key_file, capsys):
    write_excel(region_export(), tmp_path / "export.xlsx")
    out, _ = _import(tmp_path, "excel", 'path = "export.xlsx"', key_file, capsys)
    _check_round_trip(out)


def test_import_refuses_a_key_inside_the_warehouse(tmp_path, capsys):
    write_csv(region_export(), tmp_path / "export")
    (tmp_path / "region").mkdir()
    key = tmp_path / "region" / "key"
    key.write_bytes(KEY)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping_text("csv", 'path = "export"'), encoding="utf-8")
    args = ["import", str(mapping), "--out", str(tmp_path / "region"), "--key-file", str(key)]
    assert cli.main(args) == 1
    assert "outside" in capsys.readouterr().err


def test_import_refuses_personnummer_not_listed(tmp_path, capsys):
    write_csv(region_export(), tmp_path / "export")
    mapping = tmp_path / "mapping.toml"
    text = mapping_text("csv", 'path = "export"')
    start = text.index("personnummer = [")
    text = text[:start] + "personnummer = []" + text[text.index("]", start) + 1 :]
    mapping.write_text(text, encoding="utf-8")
    assert cli.main(["import", str(mapping), "--out", str(tmp_path / "region")]) == 1
    err = capsys.readouterr().err
    assert "personnummer" in err and "Traceback" not in err
    assert not (tmp_path / "region").exists()


def test_import_refuses_a_yes_no_it_cannot_read(tmp_path, key_file, capsys):
    export = region_export()
    export["konton"].loc[3, "patientrelaterad"] = "kanske"
    write_csv(export, tmp_path / "export")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping_text("csv", 'path = "export"'), encoding="utf-8")
    out = tmp_path / "region"
    assert cli.main(["import", str(mapping), "--out", str(out), "--key-file", str(key_file)]) == 1
    err = capsys.readouterr().err
    assert "accounts.patient_related" in err and "'kanske'" in err and "e.g. row 3" in err


def test_yaml_mapping_is_the_same(tmp_path, key_file, capsys):
    import tomllib

    import yaml

    write_csv(region_export(), tmp_path / "export")
    mapping = tomllib.loads(mapping_text("csv", 'path = "export"'))
    (tmp_path / "mapping.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    out = tmp_path / "region"
    args = [
        "import",
        str(tmp_path / "mapping.yaml"),
        "--out",
        str(out),
        "--key-file",
        str(key_file),
    ]
    assert cli.main(args) == 0, capsys.readouterr().err
    _check_round_trip(out)


# --- PostgreSQL ----------------------------------------------------------------------------------
def _pg_bin():
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL cluster on 127.0.0.1 at a free port, stopped at the end."""
    import os
    import shutil
    import socket
    import subprocess

    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL is not installed: `make system-packages` installs it from Debian's "
            "packages (apt-get install postgresql)"
        )
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="pecdata-pg-"))  # in /tmp: the postgres user reaches it
    data = root / "data"
    run_as = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def pg(*args):
        return subprocess.run(
            [*run_as, *map(str, args)], check=True, capture_output=True, text=True
        )

    try:
        pg(bindir / "initdb", "-D", data, "-A", "trust", "-U", "pecdata", "--no-sync")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {exc.stderr}")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg(bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "log", "-w", "start")
    try:
        yield f"postgresql+psycopg://pecdata@127.0.0.1:{port}/postgres"
    finally:
        pg(bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_import_from_postgresql(tmp_path, key_file, capsys, postgres_url, monkeypatch):
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as con:
        for local, df in region_export().items():
            df.to_sql(local, con, index=False, if_exists="replace")
    engine.dispose()
    monkeypatch.setenv("REGION_DB_URL", postgres_url)
    out, _ = _import(tmp_path, "sql", 'url_env = "REGION_DB_URL"', key_file, capsys)
    _check_round_trip(out)
    assert cli.main(["cost", str(out)]) == 0
    capsys.readouterr()


# --- the course on an imported region ------------------------------------------------------------
@pytest.mark.slow
def test_steps_1_to_4_run_on_an_imported_region(tmp_path, key_file, capsys, small_region):
    import papermill

    root = Path(__file__).resolve().parents[1]
    tables = {n: small_region[n] for n in [*NAMES, "pathway_events"]}
    write_csv(region_export(tables), tmp_path / "export")
    out, _ = _import(tmp_path, "csv", 'path = "export"', key_file, capsys, optional=True)
    assert cli.main(["cost", str(out)]) == 0
    capsys.readouterr()
    for nb in sorted((root / "notebooks").glob("0[1-4]_*.ipynb")):
        papermill.execute_notebook(
            str(nb),
            str(tmp_path / nb.name),
            parameters={"data_dir": str(out)},
            cwd=str(nb.parent),
            kernel_name="python3",
            progress_bar=False,
        )


def test_the_handbook_page_names_what_each_part_needs():
    page = (Path(__file__).resolve().parents[1] / "book" / "own_data.md").read_text()
    from pecdata.warehouse.parts import PARTS

    for part, tables in PARTS.items():
        if part.startswith("steps 5-9"):
            continue
        for t in tables:
            assert f"`{t}`" in page, (part, t)
    for t in S.GENERATOR_ONLY:
        assert f"`{t}`" in page
    toc = (Path(__file__).resolve().parents[1] / "_toc.yml").read_text()
    assert "book/own_data" in toc
