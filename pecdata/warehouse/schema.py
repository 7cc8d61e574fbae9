"""The warehouse's tables and columns, defined once.

Everything else is derived from this module: the pandera validation schemas
(:mod:`pecdata.warehouse.validation`), the data dictionary in the handbook
(:mod:`pecdata.warehouse.dictionary`) and the column order of the Parquet files.

The warehouse has three kinds of data, as in a real regional data warehouse:

* **care**: residents, their chronic conditions, encounters at every level of
  care (vårdnivå) and care-pathway (vårdförlopp) milestones;
* **resources**: organisational units, staffing (FTE, paid and practical hours)
  and non-staff capacity (beds, theatres, imaging, laboratory);
* **finance**: the general ledger (huvudbok) by unit, account and year.

Plus reference tables (municipalities, accounts) and the trainers' answer key
(``planted_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CARE_LEVELS = (
    "primary_care",  # primärvård (vårdcentral), physical visits
    "digital",  # digitala vårdbesök
    "outpatient",  # specialiserad öppenvård (mottagningsbesök)
    "emergency",  # akutmottagning
    "inpatient",  # slutenvård (vårdtillfälle)
    "day_surgery",  # dagkirurgi
    "home_health_care",  # kommunal hemsjukvård (HSL)
)
PROFESSIONS = ("physician", "nurse", "assistant_nurse", "allied_health", "medical_secretary")
RESOURCES = PROFESSIONS + ("bed_day", "theatre", "imaging", "laboratory", "drugs", "supplies")
MEASURES = ("minutes", "bed_days", "exams", "tests", "sek")
UNIT_TYPES = (
    "primary_care_centre",
    "digital_care",
    "outpatient_clinic",
    "emergency_department",
    "ward",
    "surgical_centre",
    "imaging",
    "laboratory",
    "home_health_care",
)
SPECIALTIES = (
    "general_practice",
    "internal_medicine",
    "cardiology",
    "pulmonology",
    "geriatrics",
    "infectious_diseases",
    "neurology",
    "rheumatology",
    "general_surgery",
    "orthopaedics",
    "emergency_medicine",
    "radiology",
    "clinical_chemistry",
    "home_care",
)
CONDITIONS = (
    "hypertension",
    "heart_failure",
    "atrial_fibrillation",
    "ischaemic_heart_disease",
    "diabetes_t2",
    "copd",
    "dementia",
    "depression",
    "stroke",
    "rheumatoid_arthritis",
    "hip_osteoarthritis",
    "asthma",
    "hypothyroidism",
    "hyperlipidaemia",
    "knee_osteoarthritis",
    "cancer",
    "chronic_kidney_disease",
    "osteoporosis",
    "parkinsons_disease",
    "chronic_back_pain",
)
DISCHARGE_DESTINATIONS = (
    "home",
    "home_with_home_care",
    "nursing_home",
    "other_hospital",
    "deceased",
)
PATHWAYS = ("stroke_tia", "sepsis", "copd", "hip_osteoarthritis")
MILESTONES = (
    # stroke/TIA
    "ed_arrival",
    "brain_imaging",
    "reperfusion_start",
    "stroke_unit_admission",
    # sepsis
    "sepsis_alarm",
    "antibiotics_given",
    "telephone_follow_up",
    # COPD exacerbation
    "admission",
    # hip osteoarthritis
    "diagnosis",
    "basic_treatment_start",
    "orthopaedic_referral",
    "orthopaedic_assessment",
    "arthroplasty",
    "rehabilitation_goal_met",
    # shared
    "discharge",
    "follow_up_visit",
)
OWNERS = ("region", "municipality")

# Date range the validator accepts for events (the generator writes 2000-2039 at most).
EARLIEST_DATE = "1900-01-01"
LATEST_DATE = "2100-12-31"


@dataclass(frozen=True)
class Column:
    """One column of a warehouse table.

    ``dtype`` is one of ``int``, ``float``, ``string``, ``category``,
    ``datetime`` and ``bool``; text columns may be stored as either
    ``string`` or ``category``.
    """

    name: str
    dtype: str
    description: str
    unit: str = ""
    nullable: bool = False
    allowed: tuple | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False
    references: str | None = None  # "table.column" this column must match


@dataclass(frozen=True)
class Table:
    """A warehouse table: its grain, columns and keys."""

    name: str
    kind: str  # care, resources, finance, reference, answer_key
    description: str
    grain: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


C = Column
YEAR = C("year", "int", "Calendar year", "year", min=1900, max=2100)

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


# --- Derived tables: the results of Patient Encounter Cost (pecdata.pec) -------------------------
POOL_RESOURCES = PROFESSIONS + ("bed_day", "theatre", "imaging", "laboratory")
PEC_PROBLEMS = (
    "over_capacity",
    "capacity_missing",
    "no_cost",
    "no_use",
    "unabsorbed",
    "unmapped_account",
    "no_pool",
    "no_driver",
    "traced_exceeds_ledger",
)
_SEK = "SEK"
_POOL_KEYS = (
    C("pool_id", "string", "Pool key: unit and resource, e.g. 'HAV-W-MED:nurse'"),
    C("unit_id", "string", "Unit that supplies the pool", references="units.unit_id"),
    C("unit_type", "category", "Kind of unit", allowed=UNIT_TYPES),
    YEAR,
    C("resource", "category", "Profession or resource of the pool", allowed=POOL_RESOURCES),
    C("measure", "category", "Unit of the pool's capacity and use", allowed=MEASURES),
)
DERIVED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "encounter_costs",
            "costing",
            "Patient Encounter Cost (PEC) of every encounter: view a "
            "(rate-based: only the capacity used) and view b (full absorption: unused capacity "
            "spread over each pool's users, the KPP totality view), with the breakdown of view a. "
            "Added by `pecdata cost DIR`.",
            "one row per encounter of the years costed",
            (
                C(
                    "encounter_id",
                    "int",
                    "Encounter key",
                    unique=True,
                    min=1,
                    references="encounters.encounter_id",
                ),
                C("resident_id", "int", "Resident key", references="residents.resident_id"),
                YEAR,
                C(
                    "unit_id",
                    "category",
                    "Unit responsible for the encounter",
                    references="units.unit_id",
                ),
                C("care_level", "category", "Level of care (vårdnivå)", allowed=CARE_LEVELS),
                C(
                    "cost_sek",
                    "float",
                    "View a: Σ quantity x capacity cost rate + traced drugs and "
                    "supplies + allocated untraced stock (support included in the rates)",
                    _SEK,
                ),
                C(
                    "cost_full_sek",
                    "float",
                    "View b: cost_sek + the encounter's share of its pools' "
                    "unused capacity (full absorption)",
                    _SEK,
                ),
                C("staff_sek", "float", "Staff time: salaries and employer on-costs", _SEK, min=0),
                C(
                    "beds_rooms_sek",
                    "float",
                    "Beds, theatres and rooms: premises and equipment",
                    _SEK,
                    min=0,
                ),
                C(
                    "service_sek",
                    "float",
                    "Imaging exams and laboratory tests (whole service units' "
                    "cost per exam or test)",
                    _SEK,
                ),
                C("direct_sek", "float", "Drugs and supplies traced to the encounter", _SEK, min=0),
                C(
                    "untraced_sek",
                    "float",
                    "Share of untraced drugs and supplies (ward stock), pro rata "
                    "bed-days on wards and staff minutes elsewhere",
                    _SEK,
                ),
                C(
                    "support_sek",
                    "float",
                    "IT and administration (support), inside the capacity cost rates",
                    _SEK,
                    min=0,
                ),
                C(
                    "absorbed_unused_sek",
                    "float",
                    "Unused capacity absorbed in view b (cost_full_sek - "
                    "cost_sek); negative where pools ran over capacity",
                    _SEK,
                ),
            ),
            ("encounter_id",),
        ),
        Table(
            "pool_rates",
            "costing",
            "PEC resource pools: cost supplied (ledger), practical "
            "capacity (HR, capacity), use and the capacity cost rate.",
            "one row per pool (unit x resource) and year",
            _POOL_KEYS
            + (
                C("cost_supplied_sek", "float", "Cost supplied to the pool in the year", _SEK),
                C("staff_sek", "float", "Part of the cost from salaries and on-costs", _SEK, min=0),
                C(
                    "beds_rooms_sek",
                    "float",
                    "Part of the cost from premises and equipment",
                    _SEK,
                    min=0,
                ),
                C("service_sek", "float", "Whole cost of an imaging or laboratory unit", _SEK),
                C(
                    "support_sek",
                    "float",
                    "Part of the cost from IT and administration",
                    _SEK,
                    min=0,
                ),
                C(
                    "practical_capacity",
                    "float",
                    "Practical capacity: minutes (staff: practical hours "
                    "x 60; theatre), bed-days, exams or tests",
                    min=0,
                ),
                C("used_quantity", "float", "Quantity recorded on activities", min=0),
                C(
                    "utilisation",
                    "float",
                    "used_quantity / practical_capacity; empty without capacity",
                    "share",
                    nullable=True,
                    min=0,
                ),
                C(
                    "rate_sek",
                    "float",
                    "Capacity cost rate: cost supplied / practical capacity (SEK per "
                    "minute, bed-day, exam or test); empty without capacity",
                    _SEK,
                    nullable=True,
                    min=0,
                ),
                C(
                    "full_rate_sek",
                    "float",
                    "Full-absorption rate: view b's SEK per unit used; empty without use",
                    _SEK,
                    nullable=True,
                ),
                C("over_capacity", "bool", "True if used_quantity exceeds practical_capacity"),
                C(
                    "capacity_missing",
                    "bool",
                    "True if the pool has cost but no practical capacity",
                ),
            ),
            ("pool_id", "year"),
        ),
        Table(
            "unused_capacity",
            "costing",
            "PEC unused capacity per pool: (practical - used) x "
            "rate, in the pool's measure, minutes and SEK (view a reports it apart; view b "
            "absorbs it).",
            "one row per pool (unit x resource) and year",
            _POOL_KEYS
            + (
                C(
                    "unused_quantity",
                    "float",
                    "Practical capacity minus use (negative: over capacity); "
                    "empty without capacity",
                    nullable=True,
                ),
                C(
                    "minutes",
                    "float",
                    "Unused minutes, for pools measured in minutes",
                    "minutes",
                    nullable=True,
                ),
                C(
                    "cost_sek",
                    "float",
                    "Cost of the unused capacity (the whole cost without capacity)",
                    _SEK,
                ),
                C("over_capacity", "bool", "True if used more than the practical capacity"),
                C(
                    "capacity_missing",
                    "bool",
                    "True if the pool has cost but no practical capacity",
                ),
            ),
            ("pool_id", "year"),
        ),
        Table(
            "non_patient_costs",
            "costing",
            "Ledger costs that do not serve patients (accounts "
            "with patient_related False, e.g. research and education), left out of PEC.",
            "one row per unit, year and account",
            (
                C("unit_id", "string", "Unit key", references="units.unit_id"),
                YEAR,
                C("account", "string", "Account number", references="accounts.account"),
                C("account_name", "string", "Account name"),
                C("amount_sek", "float", "Cost booked", _SEK),
            ),
            ("unit_id", "year", "account"),
        ),
        Table(
            "reconciliation",
            "costing",
            "PEC against the ledger: ledger = cost_sek + unused "
            "capacity + non-patient (+ unallocated) = cost_full_sek + non-patient (+ unallocated "
            "+ unabsorbed), per year and unit type (cost by the performing unit) and in total "
            "(from encounter_costs).",
            "one row per year and unit type, plus one total per year",
            (
                YEAR,
                C(
                    "unit_type",
                    "category",
                    "Kind of unit, or 'total'",
                    allowed=UNIT_TYPES + ("total",),
                ),
                C("ledger_sek", "float", "Ledger total", _SEK),
                C("cost_sek", "float", "Encounter cost, view a", _SEK),
                C("unused_capacity_sek", "float", "Cost of unused capacity", _SEK),
                C("cost_full_sek", "float", "Encounter cost, view b", _SEK),
                C("non_patient_sek", "float", "Costs not related to patients", _SEK),
                C(
                    "unallocated_sek",
                    "float",
                    "Ledger amounts no rule could place (see pec_warnings)",
                    _SEK,
                ),
                C(
                    "unabsorbed_sek",
                    "float",
                    "Pool cost no encounter could absorb in view b (see pec_warnings)",
                    _SEK,
                ),
                C(
                    "difference_a_sek",
                    "float",
                    "Ledger minus view a's terms (0 when reconciled)",
                    _SEK,
                ),
                C(
                    "difference_b_sek",
                    "float",
                    "Ledger minus view b's terms (0 when reconciled)",
                    _SEK,
                ),
                C("balanced", "bool", "Both differences within 0.01 SEK"),
                C("warnings", "int", "Warnings about these units (see pec_warnings)", min=0),
            ),
            ("year", "unit_type"),
        ),
        Table(
            "pec_warnings",
            "costing",
            "What PEC could not cost as its rules say, or found odd "
            "(over-capacity, missing capacity, unmapped accounts ...): nothing is dropped "
            "silently.",
            "one row per problem",
            (
                YEAR,
                C("unit_id", "string", "Unit concerned", references="units.unit_id"),
                C("pool_id", "string", "Pool concerned; empty for a whole unit", nullable=True),
                C("problem", "category", "Kind of problem", allowed=PEC_PROBLEMS),
                C("amount_sek", "float", "SEK concerned (over_capacity and no_cost: the quantity)"),
                C("message", "string", "What happened, in plain words"),
            ),
        ),
    )
}
ALL_TABLES: dict[str, Table] = {**TABLES, **DERIVED_TABLES}
