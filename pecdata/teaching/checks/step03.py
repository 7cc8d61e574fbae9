"""Checks for step 3, describe the current state: rates, flows, trends and capacity.

Step 3 works on the cleaned region (step 2's copies removed), so every answer is
computed from :func:`~pecdata.teaching.checks.common.cleaned`; an answer computed
from the uncleaned warehouse gets its own message.
"""

from __future__ import annotations

from pecdata.analyses import current_state as cs
from pecdata.teaching.checks.common import cleaned, first_year, last_year, subject_mistakes
from pecdata.teaching.checks.expectations import Finding, Label, Number
from pecdata.teaching.feedback import cached, exercise

HOME_CARE = "home health care within 30 days"
UNCLEANED = (
    "That is what the uncleaned warehouse gives: the copies that step 2 found are still in "
    "it. Work on clean = pecdata.clean_region(wh)."
)
FOCUS = ("focus_municipality", "focus_care_level")


def occupancy_last_year(wh):
    """Ward occupancy in the last year, cleaned region (computed once per warehouse)."""
    return cached(
        wh, "occupancy:last-year", lambda: cs.ward_occupancy(cleaned(wh), years=last_year(wh))
    )


def ward_answer(wh, ward: str, small_ward: str, hint: str) -> Label:
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
    )


def _rates(wh, clean=True):
    """Rates per 1,000 by year, municipality and level of care (strings as labels)."""
    source = cleaned(wh) if clean else wh
    u = cached(
        source,
        "rates:year-municipality-level",
        lambda: cs.utilisation_per_1000(source, by=["year", "municipality_code", "care_level"]),
    )
    return u.assign(
        municipality_code=u["municipality_code"].astype(str), care_level=u["care_level"].astype(str)
    ).set_index(["year", "municipality_code", "care_level"])


def _uncleaned(value: float, right: float) -> list:
    return [] if abs(value - right) < 1e-9 else [(value, UNCLEANED)]


@exercise("03-core-1", "Contacts per 1,000 residents of a municipality", focus=FOCUS)
def rate(wh, focus_municipality, focus_care_level):
    year, m, level = first_year(wh), focus_municipality, focus_care_level
    u = _rates(wh)
    row = u.loc[(year, m, level)]
    right = float(row["per_1000"])
    region = u.xs((year, level), level=("year", "care_level"))
    people = int(
        (
            (wh["resident_years"]["year"] == year)
            & (wh["resident_years"]["municipality_code"].astype(str) == m)
        ).sum()
    )
    return Number(
        right,
        unit="contacts per 1,000 residents",
        tolerance=0.05,
        mistakes=[
            (
                float(row["count"]),
                "That is the number of contacts. Divide it by the person-years and multiply "
                "by 1,000.",
            ),
            (
                float(row["count"]) / float(row["person_years"]),
                "That is contacts per resident. Multiply by 1,000.",
            ),
            (
                1000 * float(row["count"]) / people,
                "You divided by the number of residents. Use person-years, so that someone "
                "who lived there half the year counts as half.",
            ),
            (
                float(u.loc[(last_year(wh), m, level), "per_1000"]),
                "That is the last year. The question asks for the first year.",
            ),
            (
                1000 * region["count"].sum() / region["person_years"].sum(),
                "That is the whole region. Keep only your municipality.",
            ),
            *_uncleaned(float(_rates(wh, clean=False).loc[(year, m, level), "per_1000"]), right),
            *subject_mistakes(region["per_1000"], m, "municipality"),
        ],
        hint="utilisation_per_1000(clean, by=[...], years=...) has the count, the "
        "person-years and the rate; pick your municipality and level of care, one decimal.",
        explain="Compare it with the region's rate: the difference is partly age, which "
        "03-challenge-1 takes out.",
    )


@exercise("03-core-2", "The ward with the most empty beds")
def most_empty_beds(wh):
    occ = occupancy_last_year(wh)
    i = occ["empty_beds"].idxmax()
    ward = str(occ.loc[i, "unit_id"])
    first = cs.ward_occupancy(cleaned(wh), years=first_year(wh))
    first = first.set_index(first["unit_id"].astype(str))
    return Finding(
        ward_answer(
            wh,
            ward,
            small_ward="That ward has the lowest occupancy, but it is small: a low percentage "
            "of a few beds is not many beds. The question asks for the most empty beds on an "
            "average day.",
            hint="ward_occupancy(...) has a column empty_beds; look at the last year.",
        ),
        Number(
            float(occ.loc[i, "empty_beds"]),
            unit="empty beds",
            tolerance=0.05,
            mistakes=[
                (
                    float(first.loc[ward, "empty_beds"]),
                    "That is the first year. The question asks for the last year.",
                ),
                (
                    100 * float(occ.loc[i, "occupancy"]),
                    "That is its occupancy in percent. Give the empty beds on an average day.",
                ),
                (
                    float(occ.loc[i, "occupancy"]),
                    "That is its occupancy. Give the empty beds on an average day.",
                ),
            ],
            hint="The column empty_beds, to one decimal.",
        ),
        explain="Empty beds are staffed capacity; step 4 puts a price on them.",
    )


@exercise("03-extension-1", "Change in contacts per 1,000 in a municipality", focus=FOCUS)
def change(wh, focus_municipality, focus_care_level):
    first, last, m, level = first_year(wh), last_year(wh), focus_municipality, focus_care_level
    u = _rates(wh)
    pct = lambda a, b: 100 * (b / a - 1)  # noqa: E731
    per = u["per_1000"]
    right = pct(per[(first, m, level)], per[(last, m, level)])
    counts = u["count"]
    region = u.groupby(["year", "care_level"])[["count", "person_years"]].sum()
    region_rate = region["count"] / region["person_years"]
    by_muni = {
        k: pct(per[(first, k, level)], per[(last, k, level)])
        for k in u.index.get_level_values("municipality_code").unique()
    }
    raw = _rates(wh, clean=False)["per_1000"]
    n_years = last - first
    return Number(
        right,
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (-right, "The sign is the wrong way round: (last / first - 1) x 100."),
            (
                pct(counts[(first, m, level)], counts[(last, m, level)]),
                "That is the change in the number of contacts. The population changed "
                "meanwhile: compare the rates per 1,000 residents.",
            ),
            (
                pct(region_rate[(first, level)], region_rate[(last, level)]),
                "That is the change for the whole region. Keep only your municipality.",
            ),
            *(
                [
                    (
                        100
                        * ((per[(last, m, level)] / per[(first, m, level)]) ** (1 / n_years) - 1),
                        "That is the average change per year. The question asks for the whole "
                        "period, first year to last.",
                    )
                ]
                if n_years > 1
                else []
            ),
            *_uncleaned(pct(raw[(first, m, level)], raw[(last, m, level)]), right),
            *subject_mistakes(by_muni, m, "municipality"),
        ],
        hint="(rate in the last year / rate in the first year - 1) x 100, with rates per "
        "1,000 residents of your municipality, one decimal.",
        explain="A change in rates is a change in how residents use care, not in how many "
        "they are.",
    )


def _home_care_share(flow):
    alive = flow[~flow["source"].isin(["ED visit", "admitted", "not admitted"])]
    followed = alive.loc[alive["target"] == HOME_CARE, "encounters"].sum()
    return 100 * followed / alive["encounters"].sum()


@exercise("03-extension-2", "Home health care after an emergency admission, first year")
def home_care_after_admission(wh):
    clean = cleaned(wh)
    flow = cs.ed_flow(clean, years=first_year(wh))
    last = cs.ed_flow(clean, years=last_year(wh))
    admitted = flow[flow["source"] == "admitted"].set_index("target")["encounters"]
    home = flow[flow["source"] == "home"].set_index("target")["encounters"]
    return Number(
        _home_care_share(flow),
        unit="%",
        tolerance=0.05,
        percent=True,
        mistakes=[
            (
                _home_care_share(last),
                "That is the last year, the year the lesson showed. The question asks for the "
                "first year.",
            ),
            (
                100 * admitted.get("home_with_home_care", 0) / admitted.sum(),
                "That is the share discharged with home care arranged. Some of them get no "
                "visit, and patients with other destinations get visits too: count who "
                "actually had a home health care visit within 30 days.",
            ),
            (
                100 * home.get(HOME_CARE, 0) / home.sum(),
                "That covers only the patients discharged to their own home. Include every "
                "patient discharged alive.",
            ),
        ],
        hint="In ed_flow(clean, years=first_year), add up 'home health care within 30 days' "
        "over all discharge destinations and divide by all patients discharged alive.",
        explain="This is where the hospital's discharge becomes the municipality's work.",
    )


def _standardised(wh, m: str, level: str, clean: bool = True) -> tuple[float, float]:
    """(age-standardised ratio, crude ratio) of a municipality, last year."""
    source = cleaned(wh) if clean else wh
    u = cs.utilisation_per_1000(
        source, by=["municipality_code", "age_band", "care_level"], years=last_year(wh)
    )
    u = u[u["care_level"].astype(str) == level].assign(
        age_band=lambda d: d["age_band"].astype(str),
        municipality_code=lambda d: d["municipality_code"].astype(str),
    )
    by_age = u.groupby("age_band")[["count", "person_years"]].sum()
    region_rate = by_age["count"] / by_age["person_years"]
    expected = (
        (u["person_years"] * u["age_band"].map(region_rate)).groupby(u["municipality_code"]).sum()
    )
    observed = u.groupby("municipality_code")["count"].sum()
    py = u.groupby("municipality_code")["person_years"].sum()
    crude = (observed[m] / py[m]) / (by_age["count"].sum() / by_age["person_years"].sum())
    return float(observed[m] / expected[m]), float(crude)


@exercise("03-challenge-1", "An age-standardised ratio", focus=FOCUS)
def standardised_ratio(wh, focus_municipality, focus_care_level):
    ratio, crude = _standardised(wh, focus_municipality, focus_care_level)
    raw, _ = _standardised(wh, focus_municipality, focus_care_level, clean=False)
    return Number(
        ratio,
        unit="",
        tolerance=0.006,
        rel=0.0,
        mistakes=[
            (
                crude,
                "That is the crude ratio: the municipality's rate over the region's. It still "
                "contains the difference in age; compute the expected contacts age band by "
                "age band.",
            ),
            (1 / ratio, "That is expected / observed. The ratio is observed / expected."),
            *([] if abs(raw - ratio) < 0.006 else [(raw, UNCLEANED)]),
        ],
        hint="Expected contacts = the region's rate in each age band x your municipality's "
        "person-years in that band, summed over the bands; the ratio is observed / expected, "
        "to two decimals.",
        explain="A ratio above 1 means more care than the municipality's age profile "
        "predicts: a lead for step 6, not yet a conclusion.",
    )
