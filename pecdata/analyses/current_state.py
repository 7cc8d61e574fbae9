"""Step 3, describe the current state: utilisation, flows, trends and capacity.

Rates are per 1,000 residents and year. The denominator is the population register
(``resident_years``): every resident counts for the days they lived in the region,
so a resident who moved in on 1 July adds half a person-year. Encounters are
attributed to the resident's age, municipality and listed centre *in the year of
the encounter*.

* :func:`utilisation_per_1000`: encounters (or patients, or bed-days) per 1,000
  residents by level of care (vårdnivå), age band, sex, municipality, year.
* :func:`utilisation_trends`: the same by year side by side, with the change.
* :func:`ed_flow`: emergency department (akuten) → admission → discharge
  destination → municipal home health care (hemsjukvård).
* :func:`specialist_referrals`: primary care → specialist care, *inferred* from
  first specialist visits shortly after a primary care physician visit (the
  warehouse has no referral table).
* :func:`ward_occupancy` and :func:`staff_utilisation`: capacity used per ward
  (bed-days) and per centre (staff minutes recorded against practical minutes).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pecdata.analyses.capacity import staff_utilisation, ward_occupancy
from pecdata.analyses.denominators import (
    AGE_EDGES,
    POPULATION_COLUMNS,
    age_band,
    check_years,
    group_codes,
    person_years,
    population,
    resident_year_rows,
    table,
)
from pecdata.warehouse.schema import CARE_LEVELS, DISCHARGE_DESTINATIONS

__all__ = [
    "AGE_EDGES",
    "age_band",
    "person_years",
    "utilisation_per_1000",
    "utilisation_trends",
    "ed_flow",
    "specialist_referrals",
    "ward_occupancy",
    "staff_utilisation",
]

#: Grouping columns that describe the encounter (no denominator of their own).
ENCOUNTER_COLUMNS = ("care_level", "main_profession", "acute", "unit_id")


def _dims(by) -> tuple[list[str], list[str]]:
    by = [by] if isinstance(by, str) else list(by)
    allowed = POPULATION_COLUMNS + ENCOUNTER_COLUMNS
    bad = [b for b in by if b not in allowed]
    if bad:
        raise ValueError(f"cannot group by {bad}; choose from {', '.join(allowed)}")
    return [b for b in by if b in POPULATION_COLUMNS], [b for b in by if b in ENCOUNTER_COLUMNS]


# --- utilisation -------------------------------------------------------------------------------
def utilisation_per_1000(
    wh: Mapping,
    by=("year", "care_level"),
    years=None,
    count: str = "encounters",
    age_edges: Sequence[int] = AGE_EDGES,
) -> pd.DataFrame:
    """Encounters, patients or bed-days per 1,000 residents and year, by group.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : str or sequence of str
        Population columns (``year``, ``age_band``, ``sex``, ``municipality_code``,
        ``listed_unit_id``) and encounter columns (``care_level``,
        ``main_profession``, ``acute``, ``unit_id``).
    years : int or list of int, optional
        Years to include (default: all years of ``resident_years``).
    count : {"encounters", "patients", "bed_days"}
        What to count: encounters (besök and vårdtillfällen), patients (a resident
        with any encounter in a year counts once that year), or inpatient
        bed-days (vårddagar, a same-day stay counts as one).
    age_edges : sequence of int
        Lower edges of the age bands.

    Returns
    -------
    DataFrame
        ``by`` columns, ``count`` (what was counted), ``person_years`` and
        ``per_1000``. Every combination of the population groups with every level
        of care appears, with 0 where nothing happened.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> u = utilisation_per_1000(example_warehouse(), by=["year", "care_level"])
    >>> u.columns.tolist()
    ['year', 'care_level', 'count', 'person_years', 'per_1000']
    >>> bool((u.per_1000 >= 0).all())
    True
    """
    if count not in ("encounters", "patients", "bed_days"):
        raise ValueError(f"count must be 'encounters', 'patients' or 'bed_days', got {count!r}")
    pop_dims, enc_dims = _dims(by)
    pop = population(wh, years, age_edges)
    enc = table(
        wh, "encounters", ["resident_id", "year", "care_level", "length_of_stay_days", *enc_dims]
    )
    enc = enc[enc["year"].isin(pd.unique(pop["year"]))]
    if count == "bed_days":
        enc = enc[enc["care_level"] == "inpatient"]
    rows = resident_year_rows(pop, enc["resident_id"], enc["year"])
    if (rows < 0).any():
        warnings.warn(
            f"{int((rows < 0).sum())} encounters have no row in 'resident_years' for "
            "their resident and year and are left out",
            stacklevel=2,
        )
        enc, rows = enc[rows >= 0], rows[rows >= 0]
    if "care_level" in enc_dims and not isinstance(enc["care_level"].dtype, pd.CategoricalDtype):
        enc = enc.assign(care_level=pd.Categorical(enc["care_level"], categories=CARE_LEVELS))
    # Count with integer codes: a code per population group (from the resident-year) and
    # per encounter group, one cell per pair, numpy.bincount per cell. Same result as
    # enc.groupby(by).size() / person-years, but quick enough for 7 million encounters.
    p_code, p_groups = group_codes(pop, pop_dims, observed=True)
    e_code, e_groups = group_codes(enc, enc_dims, observed=False)
    n_p, n_e = len(p_groups), len(e_groups)
    cell = p_code[rows] * n_e + e_code
    size = n_p * n_e
    if count == "encounters":
        n = np.bincount(cell, minlength=size)
    elif count == "bed_days":
        n = np.bincount(
            cell, weights=np.maximum(enc["length_of_stay_days"].to_numpy(), 1), minlength=size
        ).astype(np.int64)
    elif len(pop) * n_e <= 50_000_000:  # patients: resident-years with any such encounter
        seen = np.flatnonzero(np.bincount(rows * n_e + e_code, minlength=len(pop) * n_e))
        n = np.bincount(p_code[seen // n_e] * n_e + seen % n_e, minlength=size)
    else:
        pairs = np.unique(cell.astype(np.int64) * len(pop) + rows)
        n = np.bincount(pairs // len(pop), minlength=size)
    denom = np.bincount(p_code, weights=pop["person_years"].to_numpy(), minlength=n_p)
    out = p_groups.loc[np.repeat(np.arange(n_p), n_e)].reset_index(drop=True)
    for c in e_groups.columns:
        out[c] = e_groups[c].take(np.tile(np.arange(n_e), n_p)).to_numpy()
        if isinstance(e_groups[c].dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c], dtype=e_groups[c].dtype)
    out = out.assign(count=n.astype("int64"), person_years=np.repeat(denom, n_e))
    if count == "bed_days" and "care_level" in enc_dims:
        out = out[out["care_level"] == "inpatient"]
    out["per_1000"] = 1000 * out["count"] / out["person_years"]
    return out.drop(columns="_all", errors="ignore").reset_index(drop=True)


def utilisation_trends(
    wh: Mapping, by=("care_level",), years=None, count: str = "encounters"
) -> pd.DataFrame:
    """Rates per 1,000 residents with one column per year and the change over the period.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : str or sequence of str
        Groups besides the year (see :func:`utilisation_per_1000`).
    years : list of int, optional
        Years to compare (default: all).
    count : {"encounters", "patients", "bed_days"}

    Returns
    -------
    DataFrame
        ``by`` columns, one rate column per year, ``change_percent`` (last year
        against the first) and ``annual_change_percent`` (compound per year).
        The change is NaN where the first year's rate is 0 or there is one year.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> t = utilisation_trends(example_warehouse())
    >>> t.columns.tolist()[-5:]
    [2022, 2023, 2024, 'change_percent', 'annual_change_percent']
    """
    by = [by] if isinstance(by, str) else list(by)
    if "year" in by:
        raise ValueError("utilisation_trends already splits by year; leave 'year' out of by")
    u = utilisation_per_1000(wh, by=["year", *by], years=years, count=count)
    wide = (
        u.pivot_table(index=by, columns="year", values="per_1000", observed=True)
        if by
        else u.set_index("year")[["per_1000"]].T
    )
    wide.columns = [int(c) for c in wide.columns]
    first, last = wide.columns.min(), wide.columns.max()
    span = last - first
    base = wide[first].where((wide[first] > 0) & (span > 0))  # NaN: no base or one year only
    span = max(span, 1)
    wide["change_percent"] = 100 * (wide[last] / base - 1)
    wide["annual_change_percent"] = 100 * ((wide[last] / base) ** (1 / span) - 1)
    return wide.reset_index(drop=not by).rename_axis(columns=None)


# --- flows between levels ----------------------------------------------------------------------
def ed_flow(wh: Mapping, years=None, home_care_within_days: int = 30) -> pd.DataFrame:
    """The path from the emergency department through admission to home health care.

    An ED visit (akutbesök) is *admitted* when an inpatient episode names it in
    ``origin_encounter_id``. Admitted patients leave with a discharge destination
    (utskrivningsort); those discharged alive are followed for municipal home
    health care (kommunal hemsjukvård) within ``home_care_within_days``.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    years : int or list of int, optional
        Years of the ED visits (default: all).
    home_care_within_days : int
        Days after discharge in which a home health care visit counts.

    Returns
    -------
    DataFrame
        One row per link: ``source``, ``target``, ``encounters`` and
        ``share_of_source`` (share of the source stage's encounters), in the order
        of the path. Stages are ``ED visit``, ``admitted``, ``not admitted``, each
        discharge destination, and ``home health care within N days`` /
        ``no home health care``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> f = ed_flow(example_warehouse())
    >>> f.iloc[0][["source", "target"]].tolist()
    ['ED visit', 'admitted']
    """
    enc = table(
        wh,
        "encounters",
        [
            "encounter_id",
            "resident_id",
            "year",
            "care_level",
            "start_time",
            "end_time",
            "discharge_destination",
            "origin_encounter_id",
        ],
    )
    years = check_years(wh, years)
    ed = enc[(enc["care_level"] == "emergency") & enc["year"].isin(years)]
    ip = enc[enc["care_level"] == "inpatient"]
    ip = ip[ip["origin_encounter_id"].isin(ed["encounter_id"])]
    n_ed, n_adm = len(ed), len(ip)
    rows = [("ED visit", "admitted", n_adm, n_ed), ("ED visit", "not admitted", n_ed - n_adm, n_ed)]
    dest = ip["discharge_destination"].astype("string").fillna("unknown")
    counts = dest.value_counts()
    for d in [*DISCHARGE_DESTINATIONS, "unknown"]:
        if d in counts or d != "unknown":
            rows.append(("admitted", d, int(counts.get(d, 0)), n_adm))
    hhc = enc[enc["care_level"] == "home_health_care"]
    followed = _followed_within(ip, hhc, home_care_within_days)
    label = f"home health care within {home_care_within_days} days"
    for d in DISCHARGE_DESTINATIONS:
        if d == "deceased":
            continue
        m = (dest == d).to_numpy()
        k = int(followed[m].sum())
        rows += [
            (d, label, k, int(m.sum())),
            (d, "no home health care", int(m.sum()) - k, int(m.sum())),
        ]
    out = pd.DataFrame(rows, columns=["source", "target", "encounters", "source_total"])
    out["share_of_source"] = out["encounters"] / out["source_total"].where(out["source_total"] > 0)
    return out.drop(columns="source_total")


def _followed_within(
    index: pd.DataFrame, later: pd.DataFrame, days: float, index_time: str = "end_time"
) -> np.ndarray:
    """For each index encounter: does the same resident have a ``later`` one within ``days``?"""
    if len(index) == 0 or len(later) == 0:
        return np.zeros(len(index), bool)
    t = later["start_time"].to_numpy("datetime64[s]").astype(np.int64)
    rid = later["resident_id"].to_numpy(np.int64)
    order = np.lexsort((t, rid))
    rid, t = rid[order], t[order]
    i_rid = index["resident_id"].to_numpy(np.int64)
    i_t = index[index_time].to_numpy("datetime64[s]").astype(np.int64)
    # first later encounter at or after the index time: search (resident, time) pairs
    pos = _search_pairs(rid, t, i_rid, i_t)
    ok = pos < len(rid)
    pos_c = np.minimum(pos, len(rid) - 1)
    return ok & (rid[pos_c] == i_rid) & (t[pos_c] - i_t <= days * 86_400)


def _search_pairs(
    rid: np.ndarray, t: np.ndarray, q_rid: np.ndarray, q_t: np.ndarray, side: str = "left"
) -> np.ndarray:
    """``searchsorted`` over (resident, time in seconds) pairs sorted by resident, then time.

    Both are packed into one int64: resident × 2**34 + seconds since the earliest
    time (clipped to ±2**33, i.e. about 270 years either way).
    """
    base = t.min() if len(t) else 0
    span = np.int64(2**33)
    key = rid * (2 * span) + np.clip(t - base, -span + 1, span - 1)
    q = q_rid * (2 * span) + np.clip(q_t - base, -span + 1, span - 1)
    return np.searchsorted(key, q, side=side)


def specialist_referrals(
    wh: Mapping, within_days: int = 60, lookback_days: int = 365, by=("year",)
) -> pd.DataFrame:
    """Referrals from primary care to specialist care, inferred from visit patterns.

    The warehouse has no referral (remiss) table, so a referral is **inferred**:
    a *first* specialist outpatient physician visit (no outpatient visit at a clinic
    of the same specialty in the previous ``lookback_days``) that comes within
    ``within_days`` after a primary care physician visit (physical or digital).
    First visits in the first ``lookback_days`` of the data are left out because
    their history is unknown. Some inferred referrals are coincidences and some
    real referrals are missed (e.g. long waits): read the numbers as an estimate.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    within_days : int
        Longest gap between the primary care visit and the first specialist visit.
    lookback_days : int
        A specialist visit is *first* when the resident had none at that specialty
        for this many days.
    by : str or sequence of str
        Any of ``year``, ``specialty`` (of the clinic), ``listed_unit_id`` (the
        referring centre: the resident's listed centre that year).

    Returns
    -------
    DataFrame
        ``by`` columns, ``first_specialist_visits``, ``inferred_referrals``,
        ``share_after_primary_care``; with ``year`` or ``listed_unit_id`` in ``by``
        also ``primary_care_physician_visits`` and ``referrals_per_100_visits``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = specialist_referrals(example_warehouse())
    >>> r.columns.tolist()[:3]
    ['year', 'first_specialist_visits', 'inferred_referrals']
    """
    by = [by] if isinstance(by, str) else list(by)
    bad = [b for b in by if b not in ("year", "specialty", "listed_unit_id")]
    if bad:
        raise ValueError(f"cannot group referrals by {bad}; use year, specialty, listed_unit_id")
    enc = table(
        wh,
        "encounters",
        ["resident_id", "unit_id", "year", "care_level", "main_profession", "start_time"],
    )
    units = table(wh, "units", ["unit_id", "specialty"])
    spec_of = units.set_index(units["unit_id"].astype(str))["specialty"].astype(str)
    op = enc[(enc["care_level"] == "outpatient") & (enc["main_profession"] == "physician")]
    unit = op["unit_id"].astype("category")
    spec_codes, specs = pd.factorize(spec_of.reindex(unit.cat.categories.astype(str)))
    spec = spec_codes[unit.cat.codes.to_numpy()]
    rid = op["resident_id"].to_numpy(np.int64)
    t = op["start_time"].to_numpy("datetime64[s]").astype(np.int64)
    order = np.lexsort((t, spec, rid))
    rid, spec, t = rid[order], spec[order], t[order]
    same = np.r_[False, (rid[1:] == rid[:-1]) & (spec[1:] == spec[:-1])]
    gap = np.r_[np.inf, np.diff(t) / 86_400]
    history_from = enc["start_time"].min() + pd.Timedelta(days=lookback_days)
    is_first = ~(same & (gap <= lookback_days)) & (
        t >= np.datetime64(history_from, "s").astype(np.int64)
    )
    f_r, f_t = rid[is_first], t[is_first]
    pc = enc[
        enc["care_level"].isin(["primary_care", "digital"])
        & (enc["main_profession"] == "physician")
    ]
    pc_t = pc["start_time"].to_numpy("datetime64[s]").astype(np.int64)
    pc_r = pc["resident_id"].to_numpy(np.int64)
    o = np.lexsort((pc_t, pc_r))
    pc_r, pc_t = pc_r[o], pc_t[o]
    if len(pc_r):
        pos = _search_pairs(pc_r, pc_t, f_r, f_t) - 1  # the last PC visit before
        pos_c = np.clip(pos, 0, len(pc_r) - 1)
        referred = (pos >= 0) & (pc_r[pos_c] == f_r) & (f_t - pc_t[pos_c] <= within_days * 86_400)
    else:
        referred = np.zeros(len(f_r), bool)
    first = pd.DataFrame(
        {
            "resident_id": f_r,
            "inferred_referral": referred,
            "year": op["year"].to_numpy()[order][is_first],
            "specialty": np.asarray(specs, dtype=object)[spec[is_first]]
            if len(specs)
            else np.array([], dtype=object),
        }
    )
    pop = population(wh) if "listed_unit_id" in by else None

    def listed(frame):
        rows = resident_year_rows(pop, frame["resident_id"], frame["year"])
        return pop["listed_unit_id"].array.take(rows, allow_fill=True)

    if pop is not None:
        first["listed_unit_id"] = listed(first)
    keys = by or ["_all"]
    first["_all"] = "all"
    out = (
        first.groupby(keys, observed=True)
        .agg(
            first_specialist_visits=("inferred_referral", "size"),
            inferred_referrals=("inferred_referral", "sum"),
        )
        .reset_index()
    )
    out["share_after_primary_care"] = out["inferred_referrals"] / out["first_specialist_visits"]
    if "specialty" not in by and by:
        pcv = pc[["resident_id", "year"]]
        if pop is not None:
            pcv = pcv.assign(listed_unit_id=listed(pcv))
        visits = pcv.groupby(by, observed=True).size().rename("primary_care_physician_visits")
        out = out.merge(visits.reset_index(), on=by, how="left")
        out["referrals_per_100_visits"] = (
            100 * out["inferred_referrals"] / out["primary_care_physician_visits"]
        )
    return out.drop(columns="_all", errors="ignore")
