"""Checks for step 4, cost the care with PEC (on the cleaned region, like step 3)."""

from __future__ import annotations

from pecdata.teaching.checks.common import (
    last_year,
    pec_of,
    person_years,
    subject_mistakes,
    year_mistakes,
)
from pecdata.teaching.checks.expectations import Finding, Number
from pecdata.teaching.checks.step03 import ward_answer
from pecdata.teaching.feedback import exercise

UNCLEANED = (
    "That is what the uncleaned warehouse gives: the copies that step 2 found are still in "
    "it. Cost clean = pecdata.clean_region(wh) instead."
)


def pec_last_year(wh, clean: bool = True):
    """The PEC costing of the last year (computed once per warehouse)."""
    return pec_of(wh, last_year(wh), clean=clean)


def _other_years(wh, table: str, value) -> list:
    """The answer in each other year, from the warehouse's saved PEC tables (when it has
    them: ``pecdata cost``); ``value(rows)`` computes it from one year's rows."""
    if table not in wh:
        return []
    saved, year = wh[table], last_year(wh)
    values = {}
    for y in sorted(saved["year"].unique()):
        if int(y) != year:
            try:
                values[int(y)] = float(value(saved[saved["year"] == y]))
            except (IndexError, KeyError, ValueError):
                continue
    return year_mistakes(values, year)


def _uncleaned(value: float, right: float, close: float) -> list:
    return [] if abs(value - right) <= close else [(value, UNCLEANED)]


@exercise("04-core-1", "A capacity cost rate", focus=("focus_unit", "focus_profession"))
def rate(wh, focus_unit, focus_profession):
    rates = pec_last_year(wh).pool_rates
    unit, resource = rates["unit_id"].astype(str), rates["resource"].astype(str)
    pool = rates[(unit == focus_unit) & (resource == focus_profession)].iloc[0]
    st = wh["staffing"]
    paid = 60 * float(
        st.loc[
            (st["unit_id"].astype(str) == focus_unit)
            & (st["year"] == last_year(wh))
            & (st["profession"].astype(str) == focus_profession),
            "paid_hours",
        ].sum()
    )
    same_unit = rates[unit == focus_unit].set_index(resource[unit == focus_unit])["rate_sek"]
    same_job = rates[resource == focus_profession].set_index(unit[resource == focus_profession])[
        "rate_sek"
    ]
    return Number(
        float(pool["rate_sek"]),
        unit="SEK per minute",
        tolerance=0.005,
        mistakes=[
            (
                float(pool["full_rate_sek"]),
                "That is the full-absorption rate (view b): cost divided by the minutes used. "
                "The capacity cost rate divides by the practical capacity.",
            ),
            (60 * float(pool["rate_sek"]), "That is per hour. Give the rate per minute."),
            (
                float(pool["cost_supplied_sek"]) / paid if paid else -1.0,
                "You divided by the paid minutes. Practical capacity leaves out absence, "
                "training and breaks.",
            ),
            *subject_mistakes(same_unit, focus_profession, "profession"),
            *subject_mistakes(same_job, focus_unit, "unit"),
            *_other_years(
                wh,
                "pool_rates",
                lambda r: r.loc[
                    (r["unit_id"].astype(str) == focus_unit)
                    & (r["resource"].astype(str) == focus_profession),
                    "rate_sek",
                ].iloc[0],
            ),
        ],
        hint="In pec.pool_rates, find the pool of your profession at your centre: cost "
        "supplied / practical capacity, to two decimals.",
        explain="Every minute of that profession recorded at the centre is costed at this rate.",
    )


def _unused(wh, clean: bool = True):
    unused = pec_last_year(wh, clean=clean).unused_capacity
    return unused.assign(
        resource=unused["resource"].astype(str),
        unit_id=unused["unit_id"].astype(str),
        unit_type=unused["unit_type"].astype(str),
    )


@exercise("04-core-2", "The cost of one profession's unused time", focus=("focus_profession",))
def unused_profession(wh, focus_profession):
    unused = _unused(wh)
    mine = unused[unused["resource"] == focus_profession]
    right = float(mine["cost_sek"].sum()) / 1e6
    positive = float(mine.loc[mine["cost_sek"] > 0, "cost_sek"].sum()) / 1e6
    raw = _unused(wh, clean=False)
    mistakes = [
        (right * 1e6, "Give the amount in million SEK (divide by 1,000,000)."),
        (
            float(unused["cost_sek"].sum()) / 1e6,
            "That is every pool of the region. Keep only the pools of your profession.",
        ),
        (
            float(mine.loc[mine["unit_type"] == "ward", "cost_sek"].sum()) / 1e6,
            "That is the wards only. Add up your profession's pools at every unit.",
        ),
        *subject_mistakes(
            unused.groupby("resource")["cost_sek"].sum() / 1e6, focus_profession, "profession"
        ),
        *_uncleaned(
            float(raw.loc[raw["resource"] == focus_profession, "cost_sek"].sum()) / 1e6,
            right,
            0.005,
        ),
        *_other_years(
            wh,
            "unused_capacity",
            lambda r: r.loc[r["resource"].astype(str) == focus_profession, "cost_sek"].sum() / 1e6,
        ),
    ]
    if abs(positive - right) > 0.005:
        mistakes.insert(
            0,
            (
                positive,
                "You left out the pools with negative unused capacity. An over-capacity pool "
                "used more than its practical capacity (overtime, staff borrowed from "
                "elsewhere); its negative cost belongs in the total.",
            ),
        )
    return Number(
        right,
        unit="million SEK",
        tolerance=0.005,
        rel=0,
        mistakes=mistakes,
        hint="Keep your profession's pools in pec.unused_capacity and add up cost_sek, in "
        "million SEK with two decimals.",
        explain="It is time the region paid for that was not recorded on patients: part "
        "unrecorded work, part spare capacity.",
    )


@exercise("04-extension-1", "The ward with the most costly unused capacity")
def costliest_unused_ward(wh):
    unused = _unused(wh)
    wards = unused[unused["unit_type"] == "ward"]
    by_ward = wards.groupby("unit_id")["cost_sek"].sum() / 1e6
    ward = str(by_ward.idxmax())
    biggest = wards.loc[wards["cost_sek"].idxmax()]
    label = ward_answer(
        wh,
        ward,
        small_ward="That ward has the lowest occupancy, but it is small, so its unused capacity "
        "costs little. Add up the unused capacity cost of every pool per ward.",
        hint="Keep the ward pools of pec.unused_capacity and add up cost_sek per unit_id.",
    )
    if str(biggest["unit_id"]) != ward:
        label.mistakes[str(biggest["unit_id"])] = (
            "That ward has the single largest pool, but the question asks for the ward "
            "total: add up all of each ward's pools."
        )
    staff = wards[(wards["unit_id"] == ward) & (wards["measure"].astype(str) == "minutes")]
    return Finding(
        label,
        Number(
            float(by_ward[ward]),
            unit="million SEK",
            tolerance=0.05,
            mistakes=[
                (
                    float(biggest["cost_sek"]) / 1e6,
                    "That is its largest single pool. Add up all of the ward's pools.",
                ),
                (by_ward[ward] * 1e6, "Give the amount in million SEK (divide by 1,000,000)."),
                (
                    float(staff["cost_sek"].sum()) / 1e6,
                    "That is the staff pools only. Count the beds too.",
                ),
            ],
            hint="The ward's total cost_sek in million SEK, one decimal.",
        ),
        explain="Its empty beds are staffed: the nurses' and assistant nurses' time is most of "
        "the cost.",
    )


def _episodes(wh, clean: bool = True):
    ec = pec_last_year(wh, clean=clean).encounter_costs
    ip = ec[ec["care_level"].astype(str) == "inpatient"]
    units = wh["units"]
    specialty = dict(zip(units["unit_id"].astype(str), units["specialty"].astype(str)))
    return ip.assign(specialty=ip["unit_id"].astype(str).map(specialty))


@exercise("04-extension-2", "The mean cost of an inpatient episode", focus=("focus_specialty",))
def mean_episode(wh, focus_specialty):
    ip = _episodes(wh)
    mine = ip[ip["specialty"] == focus_specialty]
    right = float(mine["cost_full_sek"].mean())
    raw = _episodes(wh, clean=False)
    return Number(
        right,
        unit="SEK",
        tolerance=0.5,
        mistakes=[
            (
                float(mine["cost_sek"].mean()),
                "That is view a, without unused capacity. Use view b (cost_full_sek), which "
                "carries every krona, as the national KPP figures do.",
            ),
            (float(mine["cost_full_sek"].median()), "That is the median. Give the mean."),
            (
                float(ip["cost_full_sek"].mean()),
                "That is every inpatient episode. Keep only your specialty's wards.",
            ),
            *subject_mistakes(
                ip.groupby("specialty")["cost_full_sek"].mean(), focus_specialty, "specialty"
            ),
            *_uncleaned(
                float(raw.loc[raw["specialty"] == focus_specialty, "cost_full_sek"].mean()),
                right,
                0.5,
            ),
        ],
        hint="The mean of cost_full_sek over the last year's inpatient episodes at the wards "
        "of your specialty, in whole SEK.",
        explain="Compare it with the national KPP average of about 67,900 SEK per episode of "
        "average case mix.",
    )


@exercise("04-challenge-1", "Cost per resident aged 80 and over")
def cost_per_old_resident(wh):
    year = last_year(wh)
    ry = wh["resident_years"]
    old = ry[(ry["year"] == year) & (ry["age"] >= 80)]
    py = person_years(old)

    def theirs(clean=True):
        ec = pec_last_year(wh, clean=clean).encounter_costs
        return ec[ec["resident_id"].isin(old["resident_id"])]

    mine = theirs()
    right = float(mine["cost_full_sek"].sum()) / py
    users = mine["resident_id"].nunique()
    return Number(
        right,
        unit="SEK per person-year",
        rel=0.002,
        mistakes=[
            (
                float(mine["cost_full_sek"].sum()) / users if users else -1.0,
                "You divided by the residents who had care. Residents without any care that "
                "year count too: divide by the person-years of everyone aged 80 and over.",
            ),
            (float(mine["cost_sek"].sum()) / py, "That is view a. Use view b (cost_full_sek)."),
            (
                float(mine["cost_full_sek"].sum()) / len(old),
                "You divided by the number of residents. Use person-years, so that residents "
                "who died or moved during the year count for the part of it they lived here.",
            ),
            *_uncleaned(
                float(theirs(clean=False)["cost_full_sek"].sum()) / py, right, right * 0.002
            ),
        ],
        hint="Keep the last year's residents aged 80+ in resident_years, add up the view-b "
        "cost of their encounters, and divide by their person-years.",
        explain="Compare it with the region's cost per resident from step 1: the oldest cost "
        "several times the average.",
    )
