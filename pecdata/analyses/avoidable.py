"""Step 6: avoidable hospitalisations (undvikbar slutenvård) by primary care centre or
municipality: the ambulatory-care-sensitive conditions (ACSC), their source and status, and
the age- and sex-standardised ratio of each unit judged against the others on a funnel
plot (:mod:`pecdata.analyses.funnel`). Re-exported by :mod:`pecdata.analyses.indicators`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pecdata.analyses.denominators import AGE_EDGES, population, resident_year_rows, table
from pecdata.analyses.funnel import funnel_data

__all__ = ["ACSC_GROUPS", "ACSC_SOURCE", "acsc_group", "avoidable_admissions"]

#: Where :data:`ACSC_GROUPS` comes from (read the caveat).
ACSC_SOURCE = (
    "Socialstyrelsen and SKL, Öppna jämförelser av hälso- och sjukvårdens kvalitet och "
    "effektivitet, indicator 'Undvikbar slutenvård' (avoidable hospitalisations; the "
    "2007-2014 editions' eleven diagnosis groups), revised for the most ill elderly in "
    "Socialstyrelsen, Utveckling av indikatorerna undvikbar slutenvård och oplanerade "
    "återinskrivningar (2014, art. no. 2014-2-12). The codes below were recalled, not "
    "checked against the published technical description in this project (confidence R): "
    "check them against the current edition before using them for real follow-up."
)
#: Ambulatory-care-sensitive conditions: group -> (Swedish and English label, ICD-10 prefixes).
#: An acute inpatient episode is avoidable when its main diagnosis starts with a prefix.
ACSC_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "anaemia": ("Järnbristanemi (iron-deficiency anaemia)", ("D50.1", "D50.8", "D50.9")),
    "asthma": ("Astma (asthma)", ("J45", "J46")),
    "diabetes": ("Diabetes", ("E10", "E11", "E13", "E14")),
    "heart_failure": ("Hjärtsvikt (heart failure)", ("I50", "I11.0", "J81")),
    "hypertension": ("Högt blodtryck (hypertension)", ("I10", "I11.9")),
    "copd": ("KOL (COPD)", ("J41", "J42", "J43", "J44", "J47")),
    "angina": ("Kärlkramp (angina)", ("I20", "I24.0", "I24.8", "I24.9")),
    "bleeding_ulcer": (
        "Blödande magsår (bleeding ulcer)",
        tuple(f"K2{i}.{j}" for i in (5, 6, 7, 8) for j in (0, 1, 2, 4, 5, 6)),
    ),
    "pyelonephritis": ("Njurbäckeninflammation (pyelonephritis)", ("N10", "N11", "N12")),
    "ent_infection": (
        "Öron-, näs- och halsinfektion (ear, nose and throat infection)",
        ("H66", "H67", "J02", "J03", "J06", "J31.2"),
    ),
    "dehydration": (
        "Dehydrering och gastroenterit (dehydration and gastroenteritis)",
        ("E86", "K52.2", "K52.8", "K52.9"),
    ),
}


def acsc_group(codes) -> pd.Series:
    """The avoidable-hospitalisation group of each ICD-10 code (NaN if not avoidable).

    Examples
    --------
    >>> acsc_group(["I50.9", "J44.1", "S72.0", "K52.9"]).tolist()
    ['heart_failure', 'copd', nan, 'dehydration']
    """
    s = pd.Series(codes).astype("object")
    lookup = {}
    for code in pd.unique(s.dropna()):
        for group, (_, prefixes) in ACSC_GROUPS.items():
            if str(code).startswith(prefixes):
                lookup[code] = group
                break
    return s.map(lookup)


# --- avoidable hospitalisations ----------------------------------------------------------------
def avoidable_admissions(
    wh: Mapping,
    by: str = "listed_unit_id",
    years=None,
    min_age: int = 0,
    age_edges: Sequence[int] = AGE_EDGES,
    reference: str = "others",
    overdispersion: str | None = "additive",
) -> pd.DataFrame:
    """Avoidable hospitalisations (undvikbar slutenvård) per unit, standardised, with limits.

    Counts acute inpatient episodes whose main diagnosis is an ambulatory-care-
    sensitive condition (:data:`ACSC_GROUPS`, after Socialstyrelsen's indicator
    "undvikbar slutenvård"; see :data:`ACSC_SOURCE` for the version and its
    caveat): admissions that good primary and outpatient care can often prevent.
    Each admission belongs to the resident's listed centre (or municipality) in
    the year of admission. Units are compared by **indirect standardisation**:
    ``expected`` is what the unit's residents would have at the region's rates
    for their age band and sex. The unit is judged against the *other* units
    (``reference="others"``): ``expected_reference`` uses the rates of the rest of
    the region, so an outlier does not raise its own yardstick, and
    ``ratio`` = observed / expected_reference. The most extreme unit outside the
    99.8 % limits then leaves every other unit's reference too (an outlier would raise
    its peers' yardstick and push them below their limits) and all units are judged
    again, one unit at a time, until no unit still in the reference is outside its
    limits (at most a quarter of them; ``attrs["funnel"]["outliers_left_out"]``). The
    funnel limits are exact Poisson limits around a ratio of 1, widened by the additive
    random-effects variance ``tau2`` when the centres differ more than chance allows
    (Spiegelhalter 2005; :func:`pecdata.analyses.funnel.overdispersion`);
    ``result.attrs["funnel"]`` records ``phi``, ``tau2`` and whether the limits were
    widened.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : {"listed_unit_id", "municipality_code"}
        Unit of comparison.
    years : int or list of int, optional
        Years to pool (default: all).
    min_age : int
        Only residents of this age or older (e.g. 65 for the elderly version).
    age_edges : sequence of int
        Age bands of the standardisation.
    reference : {"others", "all"}
        Standardise to the rates of the other units (leave-one-out) or of the whole
        region including the unit (the classic indirect standardisation).
    overdispersion : {"additive", "multiplicative", None}
        How the limits widen when the units are overdispersed (None: exact limits).

    Returns
    -------
    DataFrame
        One row per unit: ``admissions``, ``person_years``, ``crude_per_1000``,
        ``expected`` (at the whole region's rates), ``expected_reference`` (at the
        reference's rates), ``ratio``, ``standardised_per_1000`` (ratio × the region's
        rate), funnel limits of the ratio (``lower_95`` ... ``upper_998``), ``z`` and
        ``flag``, sorted by ratio (highest first). A unit with residents but no
        admissions has 0.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> a = avoidable_admissions(example_warehouse())
    >>> a.columns.tolist()[:4]
    ['listed_unit_id', 'admissions', 'person_years', 'crude_per_1000']
    """
    if by not in ("listed_unit_id", "municipality_code"):
        raise ValueError(f"by must be 'listed_unit_id' or 'municipality_code', got {by!r}")
    pop = population(wh, years, age_edges)
    pop = pop[pop["age"] >= min_age].reset_index(drop=True)
    if pop.empty:
        raise ValueError(f"no residents aged {min_age} or more in table 'resident_years'")
    enc = table(wh, "encounters", ["resident_id", "year", "care_level", "acute", "main_diagnosis"])
    ip = enc[
        (enc["care_level"] == "inpatient") & enc["acute"] & enc["year"].isin(pd.unique(pop["year"]))
    ]
    ip = ip[acsc_group(ip["main_diagnosis"].astype("object")).notna().to_numpy()]
    rows = resident_year_rows(pop, ip["resident_id"], ip["year"])
    rows = rows[rows >= 0]
    pop["admissions"] = np.bincount(rows, minlength=len(pop))
    strata = ["age_band", "sex"]
    rates = pop.groupby(strata, observed=True)[["admissions", "person_years"]].sum()
    rate = (rates["admissions"] / rates["person_years"]).rename("stratum_rate")
    pop = pop.merge(rate.reset_index(), on=strata, how="left")
    pop["expected"] = pop["stratum_rate"] * pop["person_years"]
    out = pop.groupby(by, observed=True)[["admissions", "person_years", "expected"]].sum()
    if reference not in ("others", "all"):
        raise ValueError(f"reference must be 'others' or 'all', got {reference!r}")
    out["expected_reference"] = (
        _expected_from_others(pop, by, strata, rates) if reference == "others" else out["expected"]
    )
    region_rate = out["admissions"].sum() / out["person_years"].sum()
    out["crude_per_1000"] = 1000 * out["admissions"] / out["person_years"]

    def judged():
        return funnel_data(
            out["admissions"],
            out["expected_reference"],
            kind="ratio",
            labels=out.index,
            overdispersion=overdispersion,
        )

    fun, outliers = judged(), []
    while reference == "others" and len(outliers) < len(out) // 4:
        # the most extreme unit outside the 99.8 % limits leaves every unit's reference,
        # not only its own: a centre at twice its peers' rate raises each peer's yardstick
        # by its excess (about 4 % with 25 centres) and pushes the peers down; then judge
        # everyone again, until no unit still in the reference is outside its limits
        z = fun["z"].abs().where(fun["flag"].str.contains("99.8").to_numpy())
        z = z[~z.index.astype(str).isin(outliers)].dropna()
        if z.empty:
            break
        outliers.append(str(z.idxmax()))
        out["expected_reference"] = _expected_from_others(pop, by, strata, rates, outliers)
        fun = judged()
    out["ratio"] = fun["value"]
    out["standardised_per_1000"] = 1000 * region_rate * out["ratio"]
    for c in ("lower_95", "upper_95", "lower_998", "upper_998", "z", "flag"):
        out[c] = fun[c]
    out["admissions"] = out["admissions"].astype("int64")
    cols = [
        "admissions",
        "person_years",
        "crude_per_1000",
        "expected",
        "expected_reference",
        "ratio",
        "standardised_per_1000",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "z",
        "flag",
    ]
    out = out[cols].sort_values("ratio", ascending=False).reset_index()
    out[by] = out[by].astype(str)
    out.attrs["funnel"] = dict(
        fun.attrs["funnel"],
        reference=reference,
        outliers_left_out=outliers if reference == "others" else [],
    )
    return out


def _expected_from_others(pop: pd.DataFrame, by: str, strata, totals, outliers=()) -> pd.Series:
    """Each unit's expected admissions at the age-sex rates of all the *other* units (the
    whole region's rate in a stratum where no other unit has residents), leaving the
    ``outliers`` out of every unit's reference."""
    cells = pop.groupby([by] + strata, observed=True)[["admissions", "person_years"]].sum()
    unit = cells.index.get_level_values(0).astype(str)
    out = np.isin(unit, [str(u) for u in outliers])
    if out.any():  # the reference of everyone: the region without the outliers
        keep = cells[~out].groupby(level=list(range(1, cells.index.nlevels)), observed=True).sum()
        totals = keep.reindex(totals.index, fill_value=0)
    tot = totals.reindex(cells.index.droplevel(0))
    own = np.where(out[:, None], 0, cells[["admissions", "person_years"]].to_numpy())
    a_rest = tot["admissions"].to_numpy() - own[:, 0]
    py_rest = tot["person_years"].to_numpy() - own[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        whole = tot["admissions"].to_numpy() / tot["person_years"].to_numpy()
        rate = np.where(py_rest > 0, a_rest / py_rest, whole)
    e = pd.Series(rate * cells["person_years"].to_numpy(), index=cells.index)
    return e.groupby(level=0, observed=True).sum()
