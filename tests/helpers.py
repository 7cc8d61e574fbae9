"""A tiny, hand-built, valid warehouse for tests and hand-computed examples.

``tiny_tables()`` returns every table of :data:`pecdata.warehouse.schema.TABLES` for
one year (2022) of a made-up corner of Region Havsland. The numbers are
round so that a costing (PEC) can be worked out by hand:

Units (municipality HAV, run by the region; ids follow the generator's style)

==========  ====================  ====  ==========================================
unit_id     unit_type             beds  staff in 2022 (FTE)
==========  ====================  ====  ==========================================
PC-HAV-01   primary_care_centre      0  physician 2, nurse 2
HAV-ED      emergency_department     0  physician 5, nurse 10
HAV-W-MED   ward                    10  physician 2, nurse 10, assistant_nurse 10
HAV-IMG     imaging                  0  physician 1, nurse 2 (radiographers)
==========  ====================  ====  ==========================================

Staffing: every FTE is paid 2,000 hours, of which 280 absence (14 %), 40
training (2 %) and 80 breaks (4 %), leaving 1,600 practical hours (80 %,
96,000 minutes). Capacity: the ward has 3,650 bed-days (10 beds x 365),
imaging 10,000 exams.

Ledger 2022 (SEK), with the generator's chart of accounts: salaries per FTE
are 1,000,000 for a physician (5011), 500,000 for a nurse (5012) and 400,000
for an assistant nurse (5013); employer on-costs (5400) are 40 % of salaries.

==========  =========  =========  =========  =========  ===========================  ==========
unit        5011       5012       5013       5400       other                        total
==========  =========  =========  =========  =========  ===========================  ==========
PC-HAV-01   2,000,000  1,000,000          0  1,200,000  premises 400,000, IT           5,000,000
                                                        100,000, admin 300,000
HAV-ED      5,000,000  5,000,000          0  4,000,000  drugs 500,000, supplies       16,000,000
                                                        300,000, premises 1,000,000,
                                                        equipment 200,000
HAV-W-MED   2,000,000  5,000,000  4,000,000  4,400,000  drugs 1,500,000, supplies     20,000,000
                                                        500,000, premises 2,000,000,
                                                        equipment 200,000, research
                                                        400,000 (7600, not patient
                                                        related)
HAV-IMG     1,000,000  1,000,000          0    800,000  premises 300,000, equipment    5,000,000
                                                        1,900,000
==========  =========  =========  =========  =========  ===========================  ==========

Region total 46,000,000 SEK.

Residents: 1 (F, 1950, HAV), 2 (M, 1940, HAV, died 2022-12-20), 3 (F, 1990,
VAL, moved in 2022-07-01), 4 (M, 2005, LAX); all listed at PC-HAV-01.

Encounters and the resources they used (minutes unless stated):

==  ========  ================  ==========  =================================================
id  resident  care_level        unit        activities
==  ========  ================  ==========  =================================================
1   1         primary_care      PC-HAV-01   physician 30
2   1         digital           PC-HAV-01   nurse 15
3   2         emergency         HAV-ED      physician 60, nurse 120, drugs 500 SEK,
                                            imaging 1 exam (HAV-IMG)
4   2         inpatient (4 d)   HAV-W-MED   4 bed-days, physician 120, nurse 600,
                                            assistant_nurse 480, drugs 2,000 SEK; from 3
5   3         primary_care      PC-HAV-01   nurse 20
6   4         emergency         HAV-ED      physician 30, nurse 60, supplies 300 SEK,
                                            imaging 2 exams (HAV-IMG)
7   2         inpatient (5 d)   HAV-W-MED   5 bed-days, physician 150, nurse 750,
                                            assistant_nurse 600, drugs 1,000 SEK
8   2         primary_care      PC-HAV-01   physician 30
==  ========  ================  ==========  =================================================

Pathways: resident 2's COPD course (admission, discharge, follow-up visit)
and resident 1's hip osteoarthritis course (diagnosis, basic treatment, and
an orthopaedic referral without an encounter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.generation.organisation import (
    SALARY_ACCOUNT,  # noqa: F401 (re-exported)
    accounts_table,
)
from pecdata.warehouse import Warehouse
from pecdata.warehouse import schema as S

NA = None
T = pd.Timestamp


def conform(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a hand-built frame the dtypes the schema asks for, in schema column order."""
    table = S.TABLES[name]
    out = {}
    for col in table.columns:
        s = df[col.name]
        if col.dtype == "int":
            out[col.name] = s.astype("Int64" if col.nullable else "int64")
        elif col.dtype == "float":
            out[col.name] = s.astype("float64")
        elif col.dtype == "string":
            out[col.name] = s.astype("str")
        elif col.dtype == "category":
            cats = list(col.allowed) if col.allowed else sorted(s.dropna().unique())
            out[col.name] = pd.Categorical(s, categories=cats)
        elif col.dtype == "datetime":
            out[col.name] = pd.to_datetime(s).astype("datetime64[us]")
        elif col.dtype == "bool":
            out[col.name] = s.astype(bool)
    return pd.DataFrame(out)


def _frame(name: str, rows: list[tuple]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows, columns=S.TABLES[name].column_names), name)


PC, ED, WARD, IMG = "PC-HAV-01", "HAV-ED", "HAV-W-MED", "HAV-IMG"

#: Staff per unit and profession (FTE) in 2022.
FTE = {
    (PC, "physician"): 2,
    (PC, "nurse"): 2,
    (ED, "physician"): 5,
    (ED, "nurse"): 10,
    (WARD, "physician"): 2,
    (WARD, "nurse"): 10,
    (WARD, "assistant_nurse"): 10,
    (IMG, "physician"): 1,
    (IMG, "nurse"): 2,
}
#: Hours per FTE: paid, absence, training, breaks, practical.
HOURS_PER_FTE = (2000, 280, 40, 80, 1600)
#: Salary per FTE and year (SEK); the salary account of each profession is the generator's
#: (SALARY_ACCOUNT, imported with its chart of accounts).
SALARY = {"physician": 1_000_000, "nurse": 500_000, "assistant_nurse": 400_000}
#: Employer on-costs (account 5400) as a share of salaries.
ON_COSTS = 0.4
#: Costs other than salaries and on-costs in 2022 (SEK) per unit and account.
OTHER_COSTS = {
    PC: {"6100": 400_000, "6400": 100_000, "6900": 300_000},
    ED: {"4010": 500_000, "4020": 300_000, "6100": 1_000_000, "6200": 200_000},
    WARD: {"4010": 1_500_000, "4020": 500_000, "6100": 2_000_000, "6200": 200_000, "7600": 400_000},
    IMG: {"6100": 300_000, "6200": 1_900_000},
}


def ledger_2022() -> dict[str, dict[str, float]]:
    """SEK per unit and account in 2022 (salaries from FTE, on-costs, other costs)."""
    out = {}
    for unit, other in OTHER_COSTS.items():
        salaries = {}
        for (u, prof), fte in FTE.items():
            if u == unit:
                salaries[SALARY_ACCOUNT[prof]] = fte * SALARY[prof]
        out[unit] = {**salaries, "5400": round(ON_COSTS * sum(salaries.values())), **other}
    return out


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Every warehouse table, tiny and valid (see the module docstring for the numbers)."""
    t = {}
    t["municipalities"] = _frame(
        "municipalities",
        [
            ("HAV", "Havsfors", "Havsfors", 0.5),
            ("VAL", "Vallsberg", "Havsfors", 0.3),
            ("LAX", "Laxvik", "Havsfors", 0.2),
        ],
    )
    t["units"] = _frame(
        "units",
        [
            (
                PC,
                "Vårdcentral Centrum (Havsfors)",
                "primary_care_centre",
                "general_practice",
                "Vårdcentral Centrum",
                "HAV",
                "region",
                0,
                0,
            ),
            (
                ED,
                "Havsfors Hospital emergency department",
                "emergency_department",
                "emergency_medicine",
                "Havsfors Hospital",
                "HAV",
                "region",
                0,
                0,
            ),
            (
                WARD,
                "Havsfors Hospital ward, internal medicine",
                "ward",
                "internal_medicine",
                "Havsfors Hospital",
                "HAV",
                "region",
                10,
                0,
            ),
            (
                IMG,
                "Havsfors Hospital radiology",
                "imaging",
                "radiology",
                "Havsfors Hospital",
                "HAV",
                "region",
                0,
                0,
            ),
        ],
    )
    t["residents"] = _frame(
        "residents",
        [
            (1, "F", T("1950-03-15"), "HAV", PC, NA, NA, NA),
            (2, "M", T("1940-06-01"), "HAV", PC, NA, NA, T("2022-12-20")),
            (3, "F", T("1990-01-10"), "VAL", PC, T("2022-07-01"), NA, NA),
            (4, "M", T("2005-09-30"), "LAX", PC, NA, NA, NA),
        ],
    )
    t["resident_years"] = _frame(
        "resident_years",
        [
            (1, 2022, 72, "HAV", PC, 365),
            (2, 2022, 82, "HAV", PC, 354),  # died 20 December
            (3, 2022, 32, "VAL", PC, 184),  # moved in 1 July
            (4, 2022, 17, "LAX", PC, 365),
        ],
    )
    t["conditions"] = _frame(
        "conditions",
        [
            (1, "hypertension", "I10", T("2015-05-01")),
            (1, "hip_osteoarthritis", "M16", T("2022-03-01")),
            (2, "heart_failure", "I50", T("2018-02-01")),
            (2, "copd", "J44", T("2019-01-01")),
        ],
    )
    t["encounters"] = _frame(
        "encounters",
        [
            (
                1,
                1,
                PC,
                2022,
                "primary_care",
                "physician",
                T("2022-03-01 09:00"),
                T("2022-03-01 09:30"),
                0,
                "M16",
                False,
                NA,
                NA,
            ),
            (
                2,
                1,
                PC,
                2022,
                "digital",
                "nurse",
                T("2022-03-15 10:00"),
                T("2022-03-15 10:15"),
                0,
                "M16",
                False,
                NA,
                NA,
            ),
            (
                3,
                2,
                ED,
                2022,
                "emergency",
                "physician",
                T("2022-04-10 20:00"),
                T("2022-04-11 00:00"),
                0,
                "I50",
                True,
                NA,
                NA,
            ),
            (
                4,
                2,
                WARD,
                2022,
                "inpatient",
                "physician",
                T("2022-04-11 00:00"),
                T("2022-04-15 11:00"),
                4,
                "I50",
                True,
                "home_with_home_care",
                3,
            ),
            (
                5,
                3,
                PC,
                2022,
                "primary_care",
                "nurse",
                T("2022-08-15 13:00"),
                T("2022-08-15 13:20"),
                0,
                NA,
                False,
                NA,
                NA,
            ),
            (
                6,
                4,
                ED,
                2022,
                "emergency",
                "physician",
                T("2022-05-20 15:00"),
                T("2022-05-20 18:00"),
                0,
                "S52",
                True,
                NA,
                NA,
            ),
            (
                7,
                2,
                WARD,
                2022,
                "inpatient",
                "physician",
                T("2022-10-01 08:00"),
                T("2022-10-06 12:00"),
                5,
                "J44",
                True,
                "home",
                NA,
            ),
            (
                8,
                2,
                PC,
                2022,
                "primary_care",
                "physician",
                T("2022-10-20 09:00"),
                T("2022-10-20 09:30"),
                0,
                "J44",
                False,
                NA,
                NA,
            ),
        ],
    )
    t["activities"] = _frame(
        "activities",
        [
            (1, PC, "physician", 30, "minutes"),
            (2, PC, "nurse", 15, "minutes"),
            (3, ED, "physician", 60, "minutes"),
            (3, ED, "nurse", 120, "minutes"),
            (3, ED, "drugs", 500, "sek"),
            (3, IMG, "imaging", 1, "exams"),
            (4, WARD, "bed_day", 4, "bed_days"),
            (4, WARD, "physician", 120, "minutes"),
            (4, WARD, "nurse", 600, "minutes"),
            (4, WARD, "assistant_nurse", 480, "minutes"),
            (4, WARD, "drugs", 2000, "sek"),
            (5, PC, "nurse", 20, "minutes"),
            (6, ED, "physician", 30, "minutes"),
            (6, ED, "nurse", 60, "minutes"),
            (6, ED, "supplies", 300, "sek"),
            (6, IMG, "imaging", 2, "exams"),
            (7, WARD, "bed_day", 5, "bed_days"),
            (7, WARD, "physician", 150, "minutes"),
            (7, WARD, "nurse", 750, "minutes"),
            (7, WARD, "assistant_nurse", 600, "minutes"),
            (7, WARD, "drugs", 1000, "sek"),
            (8, PC, "physician", 30, "minutes"),
        ],
    )
    t["staffing"] = _frame(
        "staffing",
        [
            (unit, 2022, prof, fte, *(fte * h for h in HOURS_PER_FTE))
            for (unit, prof), fte in FTE.items()
        ],
    )
    t["capacity"] = _frame(
        "capacity",
        [(WARD, 2022, "bed_day", 3650, "bed_days"), (IMG, 2022, "imaging", 10_000, "exams")],
    )
    t["accounts"] = conform(accounts_table(), "accounts")
    t["ledger"] = _frame(
        "ledger",
        [
            (unit, 2022, account, amount)
            for unit, accounts in ledger_2022().items()
            for account, amount in accounts.items()
        ],
    )
    t["pathway_events"] = _frame(
        "pathway_events",
        [
            (1, "copd", 1, 2, "admission", T("2022-10-01 08:00"), WARD, 7),
            (2, "copd", 1, 2, "discharge", T("2022-10-06 12:00"), WARD, 7),
            (3, "copd", 1, 2, "follow_up_visit", T("2022-10-20 09:00"), PC, 8),
            (4, "hip_osteoarthritis", 2, 1, "diagnosis", T("2022-03-01 09:00"), PC, 1),
            (5, "hip_osteoarthritis", 2, 1, "basic_treatment_start", T("2022-03-15 10:00"), PC, 2),
            (6, "hip_osteoarthritis", 2, 1, "orthopaedic_referral", T("2022-03-15 10:15"), PC, NA),
        ],
    )
    t["planted_findings"] = _frame(
        "planted_findings",
        [
            (
                "F1",
                6,
                "COPD readmissions",
                WARD,
                "30-day readmissions per COPD discharge",
                0.5,
                0.25,
                "share",
                "Resident 2 is readmitted with COPD; peers are readmitted half as often.",
            ),
            (
                "F2",
                5,
                "One resident, most of the cost",
                "HAV",
                "share of the region's encounter cost",
                0.6,
                np.nan,
                "share",
                "Resident 2 uses most of the care in the tiny region.",
            ),
        ],
    )
    t["planted_residents"] = _frame("planted_residents", [("F1", 2), ("F2", 2)])
    assert set(t) == set(S.TABLES), set(S.TABLES) ^ set(t)
    return {name: t[name] for name in S.TABLES}


def tiny_warehouse() -> Warehouse:
    """The tiny tables as a :class:`~pecdata.warehouse.Warehouse`."""
    return Warehouse(
        tiny_tables(),
        meta={"source": "tests/helpers.py", "residents": 4, "years": 1, "start_year": 2022},
    )
