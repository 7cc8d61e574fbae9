"""Step 6's result: a ranked problem register, the input of step 7.

:func:`problem_register` runs the indicators of step 6 and keeps what stands out
beyond chance (outside the 99.8 % funnel limits, or a large block of unused
capacity), each as one row with its size, its PEC cost per year and the segment of
step 5 it touches most:

* avoidable admissions (undvikbar slutenvård) per primary care centre,
  age- and sex-standardised (:func:`~pecdata.analyses.indicators.avoidable_admissions`);
* 30-day readmissions of older residents per municipality
  (:func:`~pecdata.analyses.indicators.readmissions_30d`);
* frequent emergency department attenders
  (:func:`~pecdata.analyses.indicators.frequent_ed_attenders`);
* unused capacity hotspots (:func:`~pecdata.analyses.indicators.unused_capacity_hotspots`);
* care-pathway (vårdförlopp) milestones a hospital misses more often than the other
  hospitals (:func:`~pecdata.analyses.conformance.conformance_summary`; Fisher's exact
  test against the others, one-sided at 2.5 % shared among the hospitals: with two or
  three hospitals a pooled target would be mostly the hospital judged).

The **excess** is what the unit has beyond what the region's rate would give it
(observed − expected); its cost is the excess times the mean PEC cost (view b) of one
such event. Pathway gaps are counted but not costed: their cost is in outcomes (a
stroke treated late), which PEC does not measure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from pecdata.analyses import conformance as cf
from pecdata.analyses import indicators as ind
from pecdata.analyses.denominators import population, resident_year_rows, table
from pecdata.analyses.funnel import FLAGS
from pecdata.analyses.segments import assign_segments

__all__ = ["REGISTER_COLUMNS", "problem_register"]

#: Columns of the register, in order.
REGISTER_COLUMNS = [
    "rank",
    "area",
    "problem",
    "where",
    "observed",
    "expected",
    "excess_per_year",
    "size_unit",
    "cost_per_event_sek",
    "cost_sek_per_year",
    "segment",
    "source",
]
ABOVE = FLAGS[0]
BELOW = FLAGS[4]
#: One-sided level of the care-pathway test (Fisher's exact test of a hospital against the
#: others): the lower 95 % funnel limit's 2.5 %, shared among the indicator's hospitals.
PATHWAY_ALPHA = 0.025


def _segment_of(segments: pd.DataFrame, resident_ids, years) -> str | None:
    """The most common segment of these resident-years (None if there are none)."""
    rows = resident_year_rows(segments, np.asarray(resident_ids), np.asarray(years))
    seg = segments["segment"].to_numpy()[rows[rows >= 0]]
    if len(seg) == 0:
        return None
    s = pd.Series(seg).astype(str).value_counts()
    return str(s.index[0])


def _cost_of(ec: pd.DataFrame, encounter_ids) -> float:
    c = ec.set_index("encounter_id")["cost_full_sek"].reindex(np.asarray(encounter_ids))
    return float(c.mean()) if c.notna().any() else float("nan")


def _avoidable(wh, ec, segments, years, n_years) -> list[dict]:
    a = ind.avoidable_admissions(wh, years=years)
    flagged = a[a["flag"] == ABOVE]
    if flagged.empty:
        return []
    enc = table(wh, "encounters", ["encounter_id", "resident_id", "year", "care_level", "acute"])
    dx = table(wh, "encounters", ["main_diagnosis"])["main_diagnosis"]
    ip = (enc["care_level"] == "inpatient") & enc["acute"] & enc["year"].isin(years)
    ip &= ind.acsc_group(dx.astype("object")).notna().to_numpy()
    adm = enc[ip.to_numpy()]
    pop = population(wh, years)
    rows = resident_year_rows(pop, adm["resident_id"], adm["year"])
    listed = np.where(rows >= 0, pop["listed_unit_id"].astype(str).to_numpy()[rows], None)
    out = []
    for r in flagged.itertuples():
        mine = adm[listed == r.listed_unit_id]
        out.append(
            dict(
                area="avoidable admissions",
                problem="Avoidable hospitalisations (undvikbar slutenvård) of listed residents, "
                "standardised for age and sex",
                where=r.listed_unit_id,
                observed=r.admissions / n_years,
                expected=r.expected / n_years,
                size_unit="admissions a year",
                cost_per_event_sek=_cost_of(ec, mine["encounter_id"]),
                segment=_segment_of(segments, mine["resident_id"], mine["year"]),
                source="avoidable_admissions",
            )
        )
    return out


def _readmissions(wh, ec, segments, years, n_years, min_age) -> list[dict]:
    flags = ind.readmission_flags(wh)
    flags = flags[flags["year"].isin(years)]
    r = ind.readmissions_30d(wh, by=["municipality_code"], min_age=min_age, flags=flags)
    rate = r["readmissions"].sum() / r["discharges"].sum()
    out = []
    pop = population(wh, years)
    f = flags[flags["eligible"] & (flags["age"] >= min_age)]
    rows = resident_year_rows(pop, f["resident_id"], f["year"])
    muni = np.where(rows >= 0, pop["municipality_code"].astype(str).to_numpy()[rows], None)
    for g in r[r["flag"] == ABOVE].itertuples():
        mine = f[muni == g.municipality_code]
        readm = mine[mine["readmitted"]]
        out.append(
            dict(
                area="readmissions",
                problem=f"Unplanned readmissions within 30 days (återinskrivning), residents "
                f"{min_age}+",
                where=str(g.municipality_code),
                observed=g.readmissions / n_years,
                expected=g.discharges * rate / n_years,
                size_unit="readmissions a year",
                cost_per_event_sek=_cost_of(ec, mine["encounter_id"]),
                segment=_segment_of(segments, readm["resident_id"], readm["year"]),
                source="readmissions_30d",
            )
        )
    return out


def _ed(wh, ec, segments, years, n_years, min_visits) -> list[dict]:
    att = ind.frequent_ed_attenders(wh, min_visits=min_visits, years=years)
    if att.empty:
        return []
    enc = table(wh, "encounters", ["encounter_id", "resident_id", "year", "care_level"])
    ed = enc[(enc["care_level"] == "emergency") & enc["year"].isin(years)]
    per = ed.groupby(["resident_id", "year"]).size()
    typical = float(per.mean())
    key = pd.MultiIndex.from_frame(ed[["resident_id", "year"]])
    theirs = ed[key.isin(pd.MultiIndex.from_frame(att[["resident_id", "year"]]))]
    return [
        dict(
            area="frequent ED attenders",
            problem=f"Residents with {min_visits} or more emergency department visits a year "
            f"({att['resident_id'].nunique()} residents)",
            where="region",
            observed=att["ed_visits"].sum() / n_years,
            expected=len(att) * typical / n_years,
            size_unit="ED visits a year",
            cost_per_event_sek=_cost_of(ec, theirs["encounter_id"]),
            segment=_segment_of(segments, att["resident_id"], att["year"]),
            source="frequent_ed_attenders",
        )
    ]


def _capacity(wh, unused, pool_rates, year, min_share, top, exclude) -> list[dict]:
    if unused is None:
        return []
    uc = unused[unused["year"] == year]
    units = table(wh, "units", ["unit_id", "unit_name", "unit_type"])
    h = ind.unused_capacity_hotspots(uc, units, pool_rates, top=None)
    h = h[~h["unit_type"].astype(str).isin(exclude)]
    if "unused_share" in h:
        h = h[h["unused_share"] >= min_share]
    out = []
    for r in h.head(top).itertuples():
        out.append(
            dict(
                area="unused capacity",
                problem=f"Capacity paid for but not used ({r.unit_type}), {year}",
                where=r.unit_id,
                observed=getattr(r, "cost_supplied_sek", np.nan),
                expected=np.nan,
                size_unit="SEK of unused capacity a year",
                cost_per_event_sek=np.nan,
                segment=None,
                source="unused_capacity_hotspots",
                excess_per_year=r.unused_cost_sek,
                cost_sek_per_year=r.unused_cost_sek,
            )
        )
    return out


def _pathways(wh, segments, years, n_years) -> list[dict]:
    s = cf.conformance_summary(wh, by=["site"])
    out = []
    for key, g in s.groupby("indicator", sort=False):
        g = g[g["courses"] > 0]
        if len(g) < 2:
            continue
        met, courses = g["met"].to_numpy(int), g["courses"].to_numpy(int)
        for i, (_, row) in enumerate(g.iterrows()):
            # A region has two or three hospitals: each is judged against the *others*
            # (its own courses would pull a pooled target towards it; with two hospitals
            # the slow one is most of the pool), and by a two-sample test, because the
            # others' share is itself measured on a few dozen courses, not known. Fisher's
            # exact test, one-sided (fewer met than at the others), at 2.5 %: the lower
            # 95 % limit of a funnel, the line for so few units (the 99.8 % one needs
            # more units to estimate the spread against). Each indicator asks "is one of
            # the hospitals behind?", so the level is shared among its hospitals
            # (Bonferroni): a chance shortfall at one of two hospitals is not flagged as often
            # as the level says.
            m_rest, c_rest = met.sum() - met[i], courses.sum() - courses[i]
            if c_rest == 0:
                continue
            counts = [[met[i], courses[i] - met[i]], [m_rest, c_rest - m_rest]]
            if stats.fisher_exact(counts, alternative="less").pvalue >= PATHWAY_ALPHA / len(g):
                continue
            rate = m_rest / c_rest
            out.append(
                dict(
                    area="care pathways",
                    problem=f"Vårdförlopp {row['pathway']}: {row['description']} "
                    f"({row['share_met']:.0%} met, {rate:.0%} at the other hospitals)",
                    where=str(row["site"]),
                    observed=(row["courses"] - row["met"]) / n_years,
                    expected=row["courses"] * (1 - rate) / n_years,
                    size_unit="courses missing the target a year",
                    cost_per_event_sek=np.nan,
                    segment=None,
                    source=f"conformance_summary ({key})",
                )
            )
    return out


def problem_register(
    wh: Mapping,
    encounter_costs: pd.DataFrame | None = None,
    unused_capacity: pd.DataFrame | None = None,
    pool_rates: pd.DataFrame | None = None,
    years=None,
    readmission_min_age: int = 80,
    ed_min_visits: int = 6,
    capacity_min_share: float = 0.25,
    capacity_top: int = 3,
    capacity_exclude=("primary_care_centre",),
) -> pd.DataFrame:
    """The problems step 6 finds, one row each, ranked by their PEC cost per year.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    encounter_costs, unused_capacity, pool_rates : DataFrame, optional
        PEC's tables (default: the warehouse's, as ``pecdata cost`` stores them).
        Without encounter costs the register has no costs (NaN); without unused
        capacity it has no capacity rows.
    years : int or list of int, optional
        Years to pool (default: all). Capacity rows are for the last of them.
    readmission_min_age : int
        Age of the readmission indicator (80: the frail elderly).
    ed_min_visits : int
        ED visits a year that make a frequent attender (6, as in the Uppsala study).
    capacity_min_share, capacity_top : float, int
        Keep the ``capacity_top`` units with the most unused capacity among those
        whose unused share of the cost supplied is at least ``capacity_min_share``.
    capacity_exclude : sequence of str
        Unit types left out of the capacity rows. Primary care centres by default:
        much of their "unused" staff time is unrecorded work (step 4).

    Returns
    -------
    DataFrame
        :data:`REGISTER_COLUMNS`: ``rank`` (1 = costliest), ``area``, ``problem``,
        ``where`` (unit, municipality, hospital or "region"), ``observed`` and
        ``expected`` events a year, ``excess_per_year`` (observed − expected; SEK for
        capacity), ``size_unit``, ``cost_per_event_sek`` (mean PEC cost, view b),
        ``cost_sek_per_year`` (excess × cost per event; NaN for pathways),
        ``segment`` (the step 5 segment it touches most, or None) and ``source``
        (the function behind the row). Costed problems first, then the rest by size.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> reg = problem_register(example_warehouse())
    >>> reg.columns.tolist()[:4]
    ['rank', 'area', 'problem', 'where']
    """
    if not isinstance(wh, Mapping) or "encounters" not in wh:
        raise ValueError("problem_register needs a warehouse with an 'encounters' table")
    if encounter_costs is None and "encounter_costs" in wh:
        encounter_costs = wh["encounter_costs"]
    if unused_capacity is None and "unused_capacity" in wh:
        unused_capacity = wh["unused_capacity"]
    if pool_rates is None and "pool_rates" in wh:
        pool_rates = wh["pool_rates"]
    ec = encounter_costs
    if ec is None:
        ec = pd.DataFrame({"encounter_id": pd.Series(dtype="int64"), "cost_full_sek": []})
    elif not {"encounter_id", "cost_full_sek"} <= set(ec.columns):
        raise ValueError(
            "encounter_costs needs columns encounter_id and cost_full_sek (PEC's "
            f"encounter_costs table); it has {', '.join(map(str, ec.columns))}"
        )
    ry = table(wh, "resident_years", ["year"])
    have = sorted(int(y) for y in pd.unique(ry["year"]))
    years = have if years is None else sorted({int(y) for y in np.atleast_1d(years)})
    bad = [y for y in years if y not in have]
    if bad:
        raise ValueError(f"no resident_years in {bad}; the warehouse has {have}")
    n_years = len(years)
    segments = assign_segments(wh, years)
    rows = (
        _avoidable(wh, ec, segments, years, n_years)
        + _readmissions(wh, ec, segments, years, n_years, readmission_min_age)
        + _ed(wh, ec, segments, years, n_years, ed_min_visits)
        + _capacity(
            wh,
            unused_capacity,
            pool_rates,
            years[-1],
            capacity_min_share,
            capacity_top,
            tuple(capacity_exclude),
        )
        + _pathways(wh, segments, years, n_years)
    )
    reg = pd.DataFrame(rows, columns=[c for c in REGISTER_COLUMNS if c != "rank"])
    events = reg["size_unit"] != "SEK of unused capacity a year"
    reg.loc[events, "excess_per_year"] = (reg["observed"] - reg["expected"])[events]
    reg["excess_per_year"] = reg["excess_per_year"].astype(float)
    computed = (reg["excess_per_year"] * reg["cost_per_event_sek"].astype(float)).clip(lower=0)
    reg["cost_sek_per_year"] = reg["cost_sek_per_year"].astype(float).fillna(computed)
    reg = reg.assign(_costed=reg["cost_sek_per_year"].notna())
    reg = reg.sort_values(
        ["_costed", "cost_sek_per_year", "excess_per_year"], ascending=False
    ).drop(columns="_costed")
    reg.insert(0, "rank", np.arange(1, len(reg) + 1))
    return reg[REGISTER_COLUMNS].reset_index(drop=True)
