"""The region's organisation: hospitals, wards, clinics, primary care centres and the rest.

The structure is the same at every size of region (so names in the handbook hold);
beds, theatres and staff are sized later from the care the residents actually need.
"""

from __future__ import annotations

import pandas as pd

from pecdata.generation import assumptions as A

HOSPITALS = {"Havsfors": "HAV", "Vallsberg": "VAL"}
LOCAL_HOSPITAL = "NOR"
#: Primary care centres per municipality (25 in all, in proportion to residents, E after Halland's
#: ~25 vårdcentraler) with fictional neighbourhood names.
PCC_NAMES = {
    "HAV": [
        "Centrum",
        "Söder",
        "Strandängen",
        "Fyrtornet",
        "Kvarnbacken",
        "Österled",
        "Tallhöjden",
        "Hamnen",
    ],
    "NOR": ["Centrum", "Ekbacken", "Särö strand", "Kullavik", "Hede", "Tölö"],
    "VAL": ["Centrum", "Träslöv", "Håstenslund", "Göingeån", "Tvååker"],
    "FAL": ["Centrum", "Skogstorp", "Ullared"],
    "LAX": ["Centrum", "Mellbystrand"],
    "SKO": ["Hyltebruk"],
}
WARD_SPECIALTIES = (
    "internal_medicine",
    "cardiology",
    "geriatrics",
    "infectious_diseases",
    "neurology",
    "general_surgery",
    "orthopaedics",
)
CLINIC_SPECIALTIES = (
    "internal_medicine",
    "cardiology",
    "pulmonology",
    "rheumatology",
    "neurology",
    "general_surgery",
    "orthopaedics",
)
LOCAL_WARDS = ("geriatrics",)
LOCAL_CLINICS = ("internal_medicine", "orthopaedics")
SHORT = {
    "internal_medicine": "MED",
    "cardiology": "CAR",
    "geriatrics": "GER",
    "infectious_diseases": "INF",
    "neurology": "NEU",
    "general_surgery": "SUR",
    "orthopaedics": "ORT",
    "pulmonology": "LUN",
    "rheumatology": "REU",
}
NICE = {
    "internal_medicine": "Internal medicine",
    "cardiology": "Cardiology",
    "geriatrics": "Geriatrics",
    "infectious_diseases": "Infectious diseases",
    "neurology": "Neurology and stroke",
    "general_surgery": "General surgery",
    "orthopaedics": "Orthopaedics",
    "pulmonology": "Lung medicine",
    "rheumatology": "Rheumatology",
}


def muni_codes() -> list[str]:
    return [m[0] for m in A.DEFAULT_MUNICIPALITIES]


def catchment_hospital(muni_code: str) -> str:
    """Site code of the acute hospital serving a municipality."""
    site = {m[0]: m[4] for m in A.DEFAULT_MUNICIPALITIES}[muni_code]
    return HOSPITALS[site]


def ward_id(site: str, specialty: str) -> str:
    return f"{site}-W-{SHORT[specialty]}"


def clinic_id(site: str, specialty: str) -> str:
    return f"{site}-O-{SHORT[specialty]}"


def units_skeleton() -> pd.DataFrame:
    """Every unit of the region, without beds and theatres (sized later)."""
    rows = []
    names = {m[0]: m[1] for m in A.DEFAULT_MUNICIPALITIES}

    def add(uid, name, utype, spec, site, muni, owner="region"):
        rows.append((uid, name, utype, spec, site, muni, owner))

    for muni, centres in PCC_NAMES.items():
        for i, c in enumerate(centres, 1):
            add(
                f"PC-{muni}-{i:02d}",
                f"Vårdcentral {c} ({names[muni]})",
                "primary_care_centre",
                "general_practice",
                f"Vårdcentral {c}",
                muni,
            )
    add(
        "REG-DIG",
        "Havsland digital care (digital vårdcentral)",
        "digital_care",
        "general_practice",
        "Regional",
        "HAV",
    )
    for town, site in HOSPITALS.items():
        hosp = f"{town} Hospital"
        add(
            f"{site}-ED",
            f"{hosp} emergency department",
            "emergency_department",
            "emergency_medicine",
            hosp,
            site,
        )
        for spec in WARD_SPECIALTIES:
            add(ward_id(site, spec), f"{hosp} ward, {NICE[spec].lower()}", "ward", spec, hosp, site)
        for spec in CLINIC_SPECIALTIES:
            add(
                clinic_id(site, spec),
                f"{hosp} clinic, {NICE[spec].lower()}",
                "outpatient_clinic",
                spec,
                hosp,
                site,
            )
        add(f"{site}-IMG", f"{hosp} radiology", "imaging", "radiology", hosp, site)
    local = "Norrmarka Local Hospital (närsjukhus)"
    for spec in LOCAL_WARDS:
        add(
            ward_id(LOCAL_HOSPITAL, spec),
            f"{local} ward, {NICE[spec].lower()}",
            "ward",
            spec,
            local,
            LOCAL_HOSPITAL,
        )
    for spec in LOCAL_CLINICS:
        add(
            clinic_id(LOCAL_HOSPITAL, spec),
            f"{local} clinic, {NICE[spec].lower()}",
            "outpatient_clinic",
            spec,
            local,
            LOCAL_HOSPITAL,
        )
    add(
        "HAV-SC",
        "Havsfors Hospital surgical centre",
        "surgical_centre",
        "general_surgery",
        "Havsfors Hospital",
        "HAV",
    )
    add(
        "FAL-SC",
        "Falkhamra planned-care surgical centre",
        "surgical_centre",
        "orthopaedics",
        "Falkhamra planned care",
        "FAL",
    )
    add(
        "REG-LAB",
        "Havsland clinical laboratory",
        "laboratory",
        "clinical_chemistry",
        "Havsfors Hospital",
        "HAV",
    )
    for muni in muni_codes():
        add(
            f"HHC-{muni}",
            f"{names[muni]} municipal home health care (hemsjukvård)",
            "home_health_care",
            "home_care",
            names[muni],
            muni,
            "municipality",
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "unit_name",
            "unit_type",
            "specialty",
            "site",
            "municipality_code",
            "owner",
        ],
    )
    return df


def surgical_centre_for(site: str) -> str:
    """Surgical centre operating on patients of a hospital site (planned ortho goes to FAL)."""
    return "HAV-SC" if site == "HAV" else "FAL-SC"


#: The chart of accounts (simplified after the regions' common base chart, RS-Baskontoplan).
ACCOUNTS = (
    # account, name, group, patient related
    ("5011", "Salaries, physicians (löner läkare)", "salaries", True),
    ("5012", "Salaries, nurses (löner sjuksköterskor)", "salaries", True),
    ("5013", "Salaries, assistant nurses (löner undersköterskor)", "salaries", True),
    ("5014", "Salaries, allied health professionals (löner paramedicinare)", "salaries", True),
    ("5015", "Salaries, medical secretaries (löner medicinska sekreterare)", "salaries", True),
    ("5400", "Employer on-costs (PO-pålägg)", "on_costs", True),
    ("4010", "Drugs (läkemedel)", "drugs", True),
    ("4020", "Medical supplies and implants (sjukvårdsmaterial)", "supplies", True),
    ("6100", "Premises (lokalkostnader)", "premises", True),
    (
        "6200",
        "Medical equipment and depreciation (medicinteknik, avskrivningar)",
        "equipment",
        True,
    ),
    ("6400", "IT services (IT-tjänster)", "it", True),
    (
        "6900",
        "Administration and support services (administration, stödtjänster)",
        "administration",
        True,
    ),
    ("7600", "Research and education (forskning och utbildning)", "research_education", False),
)
SALARY_ACCOUNT = {
    "physician": "5011",
    "nurse": "5012",
    "assistant_nurse": "5013",
    "allied_health": "5014",
    "medical_secretary": "5015",
}


def accounts_table() -> pd.DataFrame:
    df = pd.DataFrame(
        ACCOUNTS, columns=["account", "account_name", "account_group", "patient_related"]
    )
    df["account"] = df["account"].astype("string")
    df["account_name"] = df["account_name"].astype("string")
    df["account_group"] = df["account_group"].astype("category")
    by_account = {a: p for p, a in SALARY_ACCOUNT.items()}
    df["profession"] = pd.Categorical(df["account"].map(by_account))
    return df
