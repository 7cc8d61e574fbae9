"""A made-up region's own export: the tiny warehouse with other names, codes and units.

:func:`region_export` turns :func:`helpers.tiny_tables` into what a region's
data warehouse might hand over: Swedish column names, local codes for care
levels, professions and unit types, account numbers as integers, "J"/"N" for
patient-related accounts, staff time in hours, personnummer instead of
resident keys, and no generator-only tables. :data:`MAPPING` is the mapping
file that brings it back to the schema.
"""

from __future__ import annotations

import pandas as pd
from helpers import tiny_tables

from pecdata.warehouse import schema as S

#: schema table -> (local table name, {schema column: local column}).
NAMES = {
    "municipalities": ("kommuner", {"municipality_code": "kommunkod"}),
    "units": ("enheter", {"unit_id": "enhet", "unit_type": "enhetstyp"}),
    "residents": ("invanare", {"resident_id": "pnr", "birth_date": "fodd"}),
    "resident_years": ("invanare_ar", {"resident_id": "pnr", "year": "ar"}),
    "conditions": ("diagnoser", {"resident_id": "pnr"}),
    "encounters": (
        "kontakter",
        {"encounter_id": "kontakt_id", "resident_id": "pnr", "care_level": "vardniva"},
    ),
    "activities": ("aktiviteter", {"encounter_id": "kontakt_id", "quantity": "mangd"}),
    "staffing": ("bemanning", {"profession": "yrke"}),
    "capacity": ("kapacitet", {}),
    "accounts": ("konton", {"account": "konto", "patient_related": "patientrelaterad"}),
    "ledger": ("huvudbok", {"account": "konto", "amount_sek": "belopp"}),
}
#: Optional tables (steps 5-9; notebook 02 lists every table, so its test exports this too).
OPTIONAL = {"pathway_events": ("vardforlopp", {"resident_id": "pnr"})}
CARE_LEVEL = {
    "primary_care": "PV",
    "digital": "DIG",
    "outpatient": "OPV",
    "emergency": "AKM",
    "inpatient": "SV",
    "day_surgery": "DK",
    "home_health_care": "HSV",
}
PROFESSION = {
    "physician": "LAK",
    "nurse": "SSK",
    "assistant_nurse": "USK",
    "allied_health": "PARA",
    "medical_secretary": "SEKR",
}
UNIT_TYPE = {
    "primary_care_centre": "VC",
    "digital_care": "DIGI",
    "outpatient_clinic": "MOTT",
    "emergency_department": "AKM",
    "ward": "AVD",
    "surgical_centre": "OP",
    "imaging": "RTG",
    "laboratory": "LAB",
    "home_health_care": "HSV",
}


def personnummer(residents: pd.DataFrame) -> dict[int, str]:
    """A made-up personnummer per resident (birth date and a serial number)."""
    return {
        int(r.resident_id): f"{r.birth_date:%Y%m%d}-{int(r.resident_id) % 10_000:04d}"
        for r in residents.itertuples()
    }


def region_export(tables: dict | None = None) -> dict[str, pd.DataFrame]:
    """The export, by local table name, every value as a region might write it."""
    t = tiny_tables() if tables is None else tables
    pnr = personnummer(t["residents"])
    out = {}
    for name, (local, columns) in {**NAMES, **OPTIONAL}.items():
        if name not in t or (name in OPTIONAL and tables is None):
            continue
        df = t[name].copy()
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = df[c].astype(object)
        if "resident_id" in df.columns:
            df["resident_id"] = df["resident_id"].map(pnr)
        if "care_level" in df.columns:
            df["care_level"] = df["care_level"].map(CARE_LEVEL)
        for c in ("profession", "main_profession"):
            if c in df.columns and name != "accounts":
                df[c] = df[c].map(PROFESSION)
        if name == "units":
            df["unit_type"] = df["unit_type"].map(UNIT_TYPE)
            df = df.drop(columns="owner")  # not in the export: a constant in the mapping
        if name in ("accounts", "ledger"):
            df["account"] = df["account"].astype(int)  # account numbers as integers
        if name == "accounts":
            df["patient_related"] = df["patient_related"].map({True: "J", False: "N"})
        if name == "activities":  # staff and theatre time in hours
            minutes = df["measure"] == "minutes"
            df["quantity"] = df["quantity"].where(~minutes, df["quantity"] / 60)
        df = df.rename(columns=columns)
        df["anteckning"] = "not for the warehouse"  # a local column the import leaves out
        out[local] = df
    return out


MAPPING = """
synthetic = false

[source]
kind = "{kind}"
{where}

[privacy]
personnummer = [{private}]

[codes.care_level]
{care_level}

[codes.main_profession]
{profession}

[codes.profession]
{profession}

[tables.units.codes.unit_type]
{unit_type}
"""


def mapping_text(kind: str, where: str, optional: bool = False) -> str:
    """The mapping file (TOML) for :func:`region_export` read from ``kind`` at ``where``."""
    names = {**NAMES, **(OPTIONAL if optional else {})}
    text = MAPPING.format(
        kind=kind,
        where=where,
        private=", ".join(
            f'"{n}.resident_id"' for n in names if "resident_id" in S.TABLES[n].column_names
        ),
        care_level="\n".join(f'{v} = "{k}"' for k, v in CARE_LEVEL.items()),
        profession="\n".join(f'{v} = "{k}"' for k, v in PROFESSION.items()),
        unit_type="\n".join(f'{v} = "{k}"' for k, v in UNIT_TYPE.items()),
    )
    for name, (local, columns) in names.items():
        text += f'\n[tables.{name}]\nsource = "{local}"\n'
        if columns:
            pairs = ", ".join(f'{k} = "{v}"' for k, v in columns.items())
            text += f"columns = {{ {pairs} }}\n"
        if name == "units":
            text += 'constants = { owner = "region" }\n'
        if name == "activities":
            text += 'units = { quantity = "hours" }\n'
        if name == "accounts":
            text += 'options = { patient_related = { true = ["J"], false = ["N"] } }\n'
    return text


def write_csv(export: dict, folder) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for local, df in export.items():
        df.to_csv(folder / f"{local}.csv", index=False)


def write_excel(export: dict, file) -> None:
    with pd.ExcelWriter(file, engine="openpyxl") as writer:
        for local, df in export.items():
            df.to_excel(writer, sheet_name=local, index=False)
