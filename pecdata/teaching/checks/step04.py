"""Checks for step 4, cost the care with PEC."""

from __future__ import annotations

from pecdata.teaching.checks.expectations import Number
from pecdata.teaching.checks.step01 import last_year, person_years
from pecdata.teaching.checks.step03 import ward_answer
from pecdata.teaching.feedback import cached, exercise

EXAMPLE_UNIT = "PC-HAV-01"


def pec_last_year(wh):
    """The PEC costing of the last year (computed once per warehouse)."""
    from pecdata.pec import cost_encounters

    return cached(wh, "pec:last-year", lambda: cost_encounters(wh, years=last_year(wh)))


@exercise("04-core-1", "A capacity cost rate")
def physician_rate(wh):
    rates = pec_last_year(wh).pool_rates
    pool = rates[(rates["unit_id"] == EXAMPLE_UNIT) & (rates["resource"] == "physician")].iloc[0]
    st = wh["staffing"]
    paid = (
        st[
            (st["unit_id"] == EXAMPLE_UNIT)
            & (st["year"] == last_year(wh))
            & (st["profession"] == "physician")
        ]["paid_hours"].sum()
        * 60
    )
    return Number(
        float(pool["rate_sek"]),
        unit="SEK per minute",
        tolerance=0.005,
        mistakes=[
            (
                float(pool["full_rate_sek"]),
                "That is the full-absorption rate (view b): cost "
                "divided by the minutes used. The capacity cost rate divides by the practical "
                "capacity.",
            ),
            (60 * float(pool["rate_sek"]), "That is per hour. Give the rate per minute."),
            (
                float(pool["cost_supplied_sek"]) / paid if paid else -1.0,
                "You divided by the paid minutes. Practical capacity leaves out absence, training "
                "and breaks.",
            ),
        ],
        hint="In pec.pool_rates, find the pool of the centre's physicians in the last year: cost "
        "supplied / practical capacity, to two decimals.",
        explain="Every physician minute recorded at the centre is costed at this rate.",
    )


@exercise("04-core-2", "The total cost of unused capacity")
def unused_total(wh):
    pec = pec_last_year(wh)
    unused = pec.unused_capacity
    total = float(unused["cost_sek"].sum())
    wards = float(unused.loc[unused["unit_type"] == "ward", "cost_sek"].sum())
    return Number(
        total / 1e6,
        unit="million SEK",
        tolerance=0.05,
        mistakes=[
            (total, "Give the amount in million SEK (divide by 1,000,000)."),
            (wards / 1e6, "That is the wards only. Add up the unused capacity of every pool."),
        ],
        hint="Add up cost_sek in pec.unused_capacity for the last year, in million SEK with one "
        "decimal.",
        explain="It is capacity the region paid for; whether it can be saved is a question for "
        "steps 7 and 8.",
    )


@exercise("04-extension-1", "The ward with the most costly unused capacity")
def costliest_unused_ward(wh):
    unused = pec_last_year(wh).unused_capacity
    wards = unused[unused["unit_type"] == "ward"]
    by_ward = wards.groupby(wards["unit_id"].astype(str))["cost_sek"].sum()
    return ward_answer(
        wh,
        str(by_ward.idxmax()),
        small_ward="That ward has the lowest occupancy, but it is small, so its unused capacity "
        "costs little. Add up the unused capacity cost of every pool per ward.",
        hint="Keep the ward pools of pec.unused_capacity and add up cost_sek per unit_id.",
        explain="Its empty beds are staffed: the nurses' and assistant nurses' time is most of "
        "the cost.",
    )


@exercise("04-extension-2", "The mean cost of an inpatient episode")
def mean_episode(wh):
    ec = pec_last_year(wh).encounter_costs
    ip = ec[ec["care_level"] == "inpatient"]
    return Number(
        float(ip["cost_full_sek"].mean()),
        unit="SEK",
        tolerance=0.5,
        mistakes=[
            (
                float(ip["cost_sek"].mean()),
                "That is view a, without unused capacity. Use view b "
                "(cost_full_sek), which carries every krona, as the national KPP figures do.",
            ),
            (
                float(ip["cost_full_sek"].median()),
                "That is the median. The question asks for the mean.",
            ),
        ],
        hint="The mean of cost_full_sek over the inpatient episodes of the last year, in whole "
        "SEK.",
        explain="Compare it with the national KPP average of about 67,900 SEK per episode.",
    )


@exercise("04-challenge-1", "Cost per resident aged 80 and over")
def cost_per_old_resident(wh):
    year = last_year(wh)
    ec = pec_last_year(wh).encounter_costs
    ry = wh["resident_years"]
    old = ry[(ry["year"] == year) & (ry["age"] >= 80)]
    theirs = ec[ec["resident_id"].isin(old["resident_id"])]
    py = person_years(old)
    users = theirs["resident_id"].nunique()
    return Number(
        float(theirs["cost_full_sek"].sum()) / py,
        unit="SEK per person-year",
        rel=0.002,
        mistakes=[
            (
                float(theirs["cost_full_sek"].sum()) / users if users else -1.0,
                "You divided by the residents who had care. Residents without any care that year "
                "count too: divide by the person-years of everyone aged 80 and over.",
            ),
            (float(theirs["cost_sek"].sum()) / py, "That is view a. Use view b (cost_full_sek)."),
            (
                float(theirs["cost_full_sek"].sum()) / len(old),
                "You divided by the number of residents. Use person-years, so that residents who "
                "died or moved during the year count for the part of it they lived here.",
            ),
        ],
        hint="Join the last year's encounter costs to resident_years on resident and year, keep "
        "ages 80+, and divide their view-b cost by their person-years.",
        explain="Compare it with the region's cost per resident from step 1: the oldest cost "
        "several times the average.",
    )
