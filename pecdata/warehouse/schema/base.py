"""The warehouse's own tables (care, resources, finance, reference, answer key) and their rules."""

from __future__ import annotations

from pecdata.warehouse.schema.model import YEAR, C, Table
from pecdata.warehouse.schema.vocabulary import (
    CARE_LEVELS,
    CONDITIONS,
    DISCHARGE_DESTINATIONS,
    MEASURES,
    MILESTONES,
    OWNERS,
    PATHWAYS,
    PROFESSIONS,
    RESOURCES,
    SPECIALTIES,
    UNIT_TYPES,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "municipalities",
            "reference",
            "The region's six municipalities (kommuner) and the acute "
            "hospital whose catchment area each belongs to.",
            "one row per municipality",
            (
                C("municipality_code", "string", "Short code of the municipality", unique=True),
                C("municipality_name", "string", "Fictional name of the municipality (kommun)"),
                C(
                    "acute_hospital",
                    "string",
                    "Site of the acute hospital serving the municipality",
                ),
                C(
                    "population_share",
                    "float",
                    "Share of the region's residents at the start",
                    "share",
                    min=0,
                    max=1,
                ),
            ),
            ("municipality_code",),
        ),
        Table(
            "units",
            "resources",
            "Organisational units (enheter): primary care centres "
            "(vårdcentraler), hospital wards, clinics, emergency departments, service departments "
            "and municipal home health care.",
            "one row per unit",
            (
                C(
                    "unit_id",
                    "string",
                    "Unit key, e.g. 'HAV-W-CAR' (site, type, specialty)",
                    unique=True,
                ),
                C("unit_name", "string", "Readable name of the unit"),
                C("unit_type", "category", "Kind of unit", allowed=UNIT_TYPES),
                C(
                    "specialty",
                    "category",
                    "Medical specialty (specialitet) of the unit",
                    allowed=SPECIALTIES,
                ),
                C("site", "string", "Hospital or site the unit belongs to"),
                C(
                    "municipality_code",
                    "string",
                    "Municipality where the unit is located",
                    references="municipalities.municipality_code",
                ),
                C(
                    "owner",
                    "category",
                    "Who runs and pays for the unit (region or municipality)",
                    allowed=OWNERS,
                ),
                C(
                    "beds",
                    "int",
                    "Staffed beds (disponibla vårdplatser); 0 for units without beds",
                    "beds",
                    min=0,
                ),
                C("theatres", "int", "Operating theatres (operationssalar)", "theatres", min=0),
            ),
            ("unit_id",),
        ),
        Table(
            "residents",
            "care",
            "Everyone who lived in the region at some time in the period "
            "(folkbokförda), with their latest municipality and listing.",
            "one row per resident",
            (
                C("resident_id", "int", "Pseudonymised person key (löpnummer)", unique=True, min=1),
                C("sex", "category", "Legal sex: F or M", allowed=("F", "M")),
                C("birth_date", "datetime", "Date of birth", "date"),
                C(
                    "municipality_code",
                    "string",
                    "Municipality of residence at the last date in the region",
                    references="municipalities.municipality_code",
                ),
                C(
                    "listed_unit_id",
                    "string",
                    "Primary care centre the resident is listed with "
                    "(listning) at the last date in the region",
                    references="units.unit_id",
                ),
                C(
                    "in_date",
                    "datetime",
                    "Date the resident was born or moved into the region; empty if "
                    "resident before the period",
                    "date",
                    nullable=True,
                ),
                C(
                    "out_date",
                    "datetime",
                    "Date the resident moved out of the region; empty if not",
                    "date",
                    nullable=True,
                ),
                C(
                    "death_date",
                    "datetime",
                    "Date of death; empty if alive at the end",
                    "date",
                    nullable=True,
                ),
            ),
            ("resident_id",),
        ),
        Table(
            "resident_years",
            "care",
            "The population register per year: who lived where and was "
            "listed where, and for how many days, so rates per 1,000 have a denominator.",
            "one row per resident and year lived in the region",
            (
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
                YEAR,
                C(
                    "age",
                    "int",
                    "Age on 31 December of the year (or at death/move)",
                    "years",
                    min=0,
                    max=120,
                ),
                C(
                    "municipality_code",
                    "string",
                    "Municipality of residence in the year",
                    references="municipalities.municipality_code",
                ),
                C(
                    "listed_unit_id",
                    "string",
                    "Listed primary care centre in the year",
                    references="units.unit_id",
                ),
                C(
                    "days_resident",
                    "int",
                    "Days in the year the resident lived in the region",
                    "days",
                    min=1,
                    max=366,
                ),
            ),
            ("resident_id", "year"),
        ),
        Table(
            "conditions",
            "care",
            "Chronic conditions with their ICD-10 code and date of onset (first diagnosis).",
            "one row per resident and condition",
            (
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
                C("condition", "category", "Chronic condition", allowed=CONDITIONS),
                C("icd10", "string", "ICD-10-SE code of the diagnosis"),
                C("onset_date", "datetime", "Date of first diagnosis", "date"),
            ),
            ("resident_id", "condition"),
        ),
        Table(
            "encounters",
            "care",
            "Every contact with care: visits (besök), inpatient episodes "
            "(vårdtillfällen), day surgery and home health care visits.",
            "one row per encounter",
            (
                C("encounter_id", "int", "Encounter key", unique=True, min=1),
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
                C(
                    "unit_id",
                    "category",
                    "Unit responsible for the encounter",
                    references="units.unit_id",
                ),
                YEAR,
                C("care_level", "category", "Level of care (vårdnivå)", allowed=CARE_LEVELS),
                C(
                    "main_profession",
                    "category",
                    "Profession responsible for the contact",
                    allowed=PROFESSIONS,
                ),
                C("start_time", "datetime", "Arrival, visit start or admission time", "timestamp"),
                C("end_time", "datetime", "Departure, visit end or discharge time", "timestamp"),
                C(
                    "length_of_stay_days",
                    "int",
                    "Inpatient length of stay in days (vårdtid), discharge "
                    "date minus admission date; 0 for other encounters",
                    "days",
                    min=0,
                    max=400,
                ),
                C(
                    "main_diagnosis",
                    "category",
                    "Main diagnosis, ICD-10-SE (huvuddiagnos); empty where not recorded",
                    nullable=True,
                ),
                C("acute", "bool", "True for acute (akut), False for planned (planerad) care"),
                C(
                    "discharge_destination",
                    "category",
                    "Where the patient went after an inpatient episode; empty for other encounters",
                    nullable=True,
                    allowed=DISCHARGE_DESTINATIONS,
                ),
                C(
                    "origin_encounter_id",
                    "int",
                    "Encounter that led to this one (ED visit that led to "
                    "the admission); empty if none",
                    nullable=True,
                    min=1,
                    references="encounters.encounter_id",
                ),
            ),
            ("encounter_id",),
        ),
        Table(
            "activities",
            "resources",
            "Resources each encounter used: minutes per profession "
            "(recorded time), bed-days, theatre minutes, imaging exams, laboratory tests and "
            "directly traced drugs and supplies.",
            "one row per encounter, performing unit and resource",
            (
                C("encounter_id", "int", "Encounter key", references="encounters.encounter_id"),
                C(
                    "unit_id",
                    "category",
                    "Unit that performed the activity (e.g. the imaging department "
                    "for an X-ray ordered by the emergency department)",
                    references="units.unit_id",
                ),
                C("resource", "category", "Profession or resource used", allowed=RESOURCES),
                C("quantity", "float", "Amount used, in the measure given", min=0),
                C("measure", "category", "Unit of the quantity", allowed=MEASURES),
            ),
            ("encounter_id", "unit_id", "resource"),
        ),
        Table(
            "staffing",
            "resources",
            "Staff by unit, profession and year from the HR system: "
            "full-time equivalents, paid hours and the practical capacity left after absence, "
            "training and breaks.",
            "one row per unit, profession and year",
            (
                C("unit_id", "string", "Unit key", references="units.unit_id"),
                YEAR,
                C("profession", "category", "Profession (yrkesgrupp)", allowed=PROFESSIONS),
                C("fte", "float", "Full-time equivalents (årsarbetare)", "FTE", min=0),
                C("paid_hours", "float", "Paid hours in the year", "hours", min=0),
                C(
                    "absence_hours",
                    "float",
                    "Vacation, sick leave and parental leave",
                    "hours",
                    min=0,
                ),
                C(
                    "training_hours",
                    "float",
                    "Training and professional development",
                    "hours",
                    min=0,
                ),
                C(
                    "break_hours",
                    "float",
                    "Breaks, meetings and other non-patient time",
                    "hours",
                    min=0,
                ),
                C(
                    "practical_hours",
                    "float",
                    "Practical capacity: paid hours less absence, training and breaks",
                    "hours",
                    min=0,
                ),
            ),
            ("unit_id", "year", "profession"),
        ),
        Table(
            "capacity",
            "resources",
            "Non-staff capacity per unit and year: bed-days available, "
            "theatre minutes, imaging exam and laboratory test capacity.",
            "one row per unit, resource and year",
            (
                C("unit_id", "string", "Unit key", references="units.unit_id"),
                YEAR,
                C(
                    "resource",
                    "category",
                    "Resource",
                    allowed=("bed_day", "theatre", "imaging", "laboratory"),
                ),
                C("practical_quantity", "float", "Practical capacity in the measure given", min=0),
                C("measure", "category", "Unit of the capacity", allowed=MEASURES),
            ),
            ("unit_id", "year", "resource"),
        ),
        Table(
            "accounts",
            "reference",
            "The chart of accounts (kontoplan) used in the ledger, "
            "simplified after the regions' common base chart.",
            "one row per account",
            (
                C("account", "string", "Account number (konto)", unique=True),
                C("account_name", "string", "Account name"),
                C(
                    "account_group",
                    "category",
                    "Group of costs",
                    allowed=(
                        "salaries",
                        "on_costs",
                        "drugs",
                        "supplies",
                        "premises",
                        "equipment",
                        "it",
                        "administration",
                        "research_education",
                    ),
                ),
                C(
                    "patient_related",
                    "bool",
                    "False for costs that do not serve patients (e.g. research)",
                ),
                C(
                    "profession",
                    "category",
                    "For salary accounts: the profession whose pay the account "
                    "holds; empty for other accounts",
                    nullable=True,
                    allowed=PROFESSIONS,
                ),
            ),
            ("account",),
        ),
        Table(
            "ledger",
            "finance",
            "The general ledger (huvudbok): costs by unit, account and year.",
            "one row per unit, account and year",
            (
                C("unit_id", "string", "Unit key", references="units.unit_id"),
                YEAR,
                C("account", "string", "Account number", references="accounts.account"),
                C("amount_sek", "float", "Cost booked in the year", "SEK", min=0),
            ),
            ("unit_id", "year", "account"),
        ),
        Table(
            "pathway_events",
            "care",
            "Milestones of the care pathways (vårdförlopp) for stroke/TIA, "
            "sepsis, COPD and hip osteoarthritis, with timestamps.",
            "one row per milestone",
            (
                C("event_id", "int", "Event key", unique=True, min=1),
                C("pathway", "category", "Care pathway (vårdförlopp)", allowed=PATHWAYS),
                C(
                    "pathway_instance",
                    "int",
                    "Key of one patient's course through the pathway",
                    min=1,
                ),
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
                C("milestone", "category", "Milestone reached", allowed=MILESTONES),
                C("event_time", "datetime", "When the milestone was reached", "timestamp"),
                C("unit_id", "string", "Unit where it happened", references="units.unit_id"),
                C(
                    "encounter_id",
                    "int",
                    "Encounter the milestone belongs to; empty if none",
                    nullable=True,
                    references="encounters.encounter_id",
                ),
            ),
            ("event_id",),
        ),
        Table(
            "planted_findings",
            "answer_key",
            "The trainers' answer key: findings planted in the "
            "data on purpose, with their true size.",
            "one row per planted finding",
            (
                C("finding_id", "string", "Key of the finding", unique=True),
                C(
                    "step",
                    "int",
                    "Step of the method where participants should find it",
                    min=1,
                    max=9,
                ),
                C("title", "string", "Short title"),
                C("location", "string", "Where: a unit, municipality or group"),
                C("measure", "string", "What to measure to see it"),
                C("true_value", "float", "The planted value"),
                C("comparison_value", "float", "The value for comparable peers", nullable=True),
                C("unit", "string", "Unit of the values"),
                C("description", "string", "What was planted and how to find it"),
            ),
            ("finding_id",),
        ),
        Table(
            "planted_residents",
            "answer_key",
            "Members of planted groups of residents (for the trainers' checks).",
            "one row per finding and resident",
            (
                C("finding_id", "string", "Finding key", references="planted_findings.finding_id"),
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
            ),
            ("finding_id", "resident_id"),
        ),
    )
}

WAREHOUSE_TABLES = tuple(TABLES)

#: The measure of each resource's quantity (``activities``) and capacity (``capacity``).
RESOURCE_MEASURE = {
    **{p: "minutes" for p in PROFESSIONS},
    "bed_day": "bed_days",
    "theatre": "minutes",
    "imaging": "exams",
    "laboratory": "tests",
    "drugs": "sek",
    "supplies": "sek",
}
#: Smallest positive quantity accepted (activities, capacity): below it a number is noise
#: from a conversion, and PEC's shares of it overflow.
SMALLEST_QUANTITY = 1e-6
#: What PEC needs (``pecdata cost``), the tables every warehouse must have: ``validate``
#: requires them and checks the others when present.
CORE_TABLES = ("units", "staffing", "capacity", "accounts", "ledger", "encounters", "activities")
#: Tables only the generator writes (pathway milestones, the trainers' answer key):
#: optional for a region's own data.
GENERATOR_ONLY = ("pathway_events", "planted_findings", "planted_residents")
#: Tables that must have rows when present (of ``staffing`` and ``capacity``, at least one).
NONEMPTY_TABLES = (
    "units",
    "residents",
    "resident_years",
    "encounters",
    "activities",
    "accounts",
    "ledger",
)
