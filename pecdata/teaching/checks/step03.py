"""Checks for step 3, describe the current state: rates, flows, trends and capacity."""

from __future__ import annotations

from pecdata.analyses import current_state as cs
from pecdata.teaching.checks.expectations import Label, Number, Values
from pecdata.teaching.checks.step01 import last_year
from pecdata.teaching.feedback import cached, exercise

HOME_CARE = "home health care within 30 days"


def occupancy_last_year(wh):
    """Ward occupancy in the last year (computed once per warehouse)."""
    return cached(wh, "occupancy:last-year", lambda: cs.ward_occupancy(wh, years=last_year(wh)))


def ward_answer(wh, ward: str, small_ward: str, hint: str, explain: str) -> Label:
    """The expected ward (a ``unit_id``) of a question about unused beds.

    The ward with the lowest occupancy is the tempting wrong answer: unless it is
    ``ward`` itself, naming it gets the feedback ``small_ward``.
    """
    occ = occupancy_last_year(wh)
    lowest = str(occ.loc[occ["occupancy"].idxmin(), "unit_id"])
    mistakes = {} if lowest == ward else {lowest: small_ward}
    return Label(
        ward,
        what="unit_id",
        known=wh["units"]["unit_id"].astype(str).tolist(),
        mistakes=mistakes,
        hint=hint,
        explain=explain,
    )


@exercise("03-core-1", "Emergency visits per 1,000 residents")
def ed_rate(wh):
    year = last_year(wh)
    u = cs.utilisation_per_1000(wh, by=["year", "care_level"], years=year)
    row = u[u["care_level"] == "emergency"].iloc[0]
    visits, person_years = float(row["count"]), float(row["person_years"])
    people = int((wh["resident_years"]["year"] == year).sum())
    return Number(
        1000 * visits / person_years,
        unit="visits per 1,000 residents",
        tolerance=0.05,
        mistakes=[
            (
                visits,
                "That is the number of visits. Divide it by the person-years and multiply by "
                "1,000.",
            ),
            (visits / person_years, "That is visits per resident. Multiply by 1,000."),
            (
                1000 * visits / people,
                "You divided by the number of residents. Use person-years, "
                "so that someone who lived in the region half the year counts as half.",
            ),
        ],
        hint="Emergency visits in the last year / person-years that year x 1,000, to one decimal "
        "(utilisation_per_1000 does it for you).",
        explain="National figures are about 170 per 1,000; the rate rises steeply with age.",
    )


@exercise("03-core-2", "The ward with the most empty beds")
def most_empty_beds(wh):
    occ = occupancy_last_year(wh)
    ward = str(occ.loc[occ["empty_beds"].idxmax(), "unit_id"])
    return ward_answer(
        wh,
        ward,
        small_ward="That ward has the lowest occupancy, but it is small: a low percentage of a "
        "few beds is not many beds. The question asks for the most empty beds on an "
        "average day.",
        hint="ward_occupancy(...) has a column empty_beds; look at the last year.",
        explain="Empty beds are staffed capacity; step 4 puts a price on them.",
    )


@exercise("03-extension-1", "Change in digital contacts per 1,000")
def digital_change(wh):
    trends = cs.utilisation_trends(wh, by="care_level").set_index("care_level")
    enc = wh["encounters"]
    digital = enc[enc["care_level"] == "digital"].groupby("year").size()
    years = sorted(digital.index)
    count_change = 100 * (digital[years[-1]] / digital[years[0]] - 1)
    return Number(
        float(trends.loc["digital", "change_percent"]),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                count_change,
                "That is the change in the number of contacts. The population grew "
                "meanwhile: compare the rates per 1,000 residents.",
            ),
            (
                float(trends.loc["digital", "annual_change_percent"]),
                "That is the average change "
                "per year. The question asks for the whole period, first year to last.",
            ),
        ],
        hint="(rate in the last year / rate in the first year - 1) x 100, with rates per 1,000 "
        "residents.",
        explain="Digital care is the one level that grows fast; step 7 models what it could "
        "replace.",
    )


@exercise("03-extension-2", "Home health care after an emergency admission")
def home_care_after_admission(wh):
    flow = cs.ed_flow(wh, years=last_year(wh))
    alive = flow[
        flow["source"].isin(["home", "home_with_home_care", "nursing_home", "other_hospital"])
    ]
    followed = alive.loc[alive["target"] == HOME_CARE, "encounters"].sum()
    admitted = flow[flow["source"] == "admitted"].set_index("target")["encounters"]
    home = flow[flow["source"] == "home"].set_index("target")["encounters"]
    return Number(
        100 * followed / alive["encounters"].sum(),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                100 * admitted.get("home_with_home_care", 0) / admitted.sum(),
                "That is the share discharged with home care arranged. Some of them get no visit, "
                "and patients with other destinations get visits too: count who actually had a "
                "home health care visit within 30 days.",
            ),
            (
                100 * home.get(HOME_CARE, 0) / home.sum(),
                "That covers only the patients discharged to their own home. Include every patient "
                "discharged alive.",
            ),
        ],
        hint="In ed_flow(...) for the last year, add up 'home health care within 30 days' over "
        "all discharge destinations and divide by all patients discharged alive.",
        explain="This is where the hospital's discharge becomes the municipality's work.",
    )


@exercise("03-challenge-1", "Age-standardised inpatient ratios")
def standardised_ratios(wh):
    u = cs.utilisation_per_1000(
        wh, by=["municipality_code", "age_band", "care_level"], years=last_year(wh)
    )
    ip = u[u["care_level"] == "inpatient"].assign(
        age_band=lambda d: d["age_band"].astype(str),
        municipality_code=lambda d: d["municipality_code"].astype(str),
    )
    by_age = ip.groupby("age_band")[["count", "person_years"]].sum()
    region_rate = by_age["count"] / by_age["person_years"]
    expected = (
        (ip["person_years"] * ip["age_band"].map(region_rate))
        .groupby(ip["municipality_code"])
        .sum()
    )
    observed = ip.groupby("municipality_code")["count"].sum()
    return Values(
        (observed / expected).to_dict(),
        what="municipalities",
        tolerance=0.006,
        rel=0.0,
        hint="Expected episodes = the region's rate in each age band x the "
        "municipality's person-years in that band, summed over the bands; the "
        "ratio is observed / expected, to two decimals.",
        explain="A ratio above 1 means more inpatient care than the municipality's age "
        "profile predicts: a lead for step 6, not yet a conclusion.",
    )
