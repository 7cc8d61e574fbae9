"""The derived tables: the results of Patient Encounter Cost that ``pecdata cost`` adds."""

from __future__ import annotations

from pecdata.warehouse.schema.model import YEAR, C, Table
from pecdata.warehouse.schema.vocabulary import CARE_LEVELS, MEASURES, PROFESSIONS, UNIT_TYPES

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
