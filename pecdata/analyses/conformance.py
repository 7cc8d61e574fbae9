"""Step 6: care-pathway (vårdförlopp) conformance against milestones and time targets.

The national personcentrerade och sammanhållna vårdförlopp set milestones and
time targets (calibration.md §6). Each function here turns the warehouse's
``pathway_events`` into one row per course (``pathway_instance``) with the times
between milestones and whether each target was met;
:func:`conformance_summary` puts the shares side by side per hospital.

============================  ===============================================  ===========
Pathway                       Indicator                                        Target
============================  ===============================================  ===========
Stroke and TIA (I61-I64, G45)  arrival to thrombolysis (door-to-needle)        ≤ 30 min
                              stroke unit (strokeenhet) as the first ward      all
Sepsis (A40-A41)              arrival to antibiotics                           ≤ 60 min
                              telephone follow-up after discharge              all
COPD (J44), exacerbation      follow-up visit after discharge                  ≤ 6 weeks
Hip osteoarthritis (M16)      basic treatment (education, exercise) before     all
                              the orthopaedic referral
============================  ===============================================  ===========

The times are recalled (R) or verified (V) as noted in calibration.md §6; the
stroke door-to-needle target of 30 minutes and the sepsis hour are recalled.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pecdata.analyses.denominators import table

__all__ = [
    "TARGETS",
    "pathway_instances",
    "stroke_conformance",
    "sepsis_conformance",
    "copd_conformance",
    "hip_conformance",
    "conformance_summary",
]

#: indicator -> (pathway, description with target, column of the per-course table).
TARGETS = {
    "door_to_needle_30": (
        "stroke_tia",
        "Door-to-needle ≤ 30 min (of thrombolysed)",
        "within_30_min",
    ),
    "stroke_unit_first": (
        "stroke_tia",
        "Stroke unit as first ward (of admitted)",
        "stroke_unit_first",
    ),
    "antibiotics_60": ("sepsis", "Antibiotics ≤ 60 min after arrival", "within_60_min"),
    "sepsis_phone_follow_up": (
        "sepsis",
        "Telephone follow-up after discharge",
        "telephone_follow_up",
    ),
    "copd_follow_up_6w": ("copd", "Follow-up visit ≤ 6 weeks after discharge", "within_6_weeks"),
    "hip_basic_treatment": (
        "hip_osteoarthritis",
        "Basic treatment before referral",
        "basic_treatment_before_referral",
    ),
}
MINUTE = pd.Timedelta(minutes=1)


def pathway_instances(wh: Mapping, pathway: str) -> pd.DataFrame:
    """One row per course through a pathway, with the (first) time of each milestone.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    pathway : {"stroke_tia", "sepsis", "copd", "hip_osteoarthritis"}

    Returns
    -------
    DataFrame
        ``pathway_instance``, ``resident_id``, one timestamp column per milestone
        (NaT where not reached) and ``<milestone>_unit`` for the unit of each.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> st = pathway_instances(example_warehouse(), "stroke_tia")
    >>> "ed_arrival" in st.columns
    True
    """
    ev = table(
        wh,
        "pathway_events",
        ["pathway", "pathway_instance", "resident_id", "milestone", "event_time", "unit_id"],
    )
    known = ("stroke_tia", "sepsis", "copd", "hip_osteoarthritis")
    if pathway not in known:
        raise ValueError(f"unknown pathway {pathway!r}; choose from {', '.join(known)}")
    e = ev[ev["pathway"] == pathway].sort_values("event_time")
    if e.empty:
        return pd.DataFrame(
            {"pathway_instance": pd.Series(dtype="int64"), "resident_id": pd.Series(dtype="int64")}
        )
    e = e.assign(milestone=e["milestone"].astype(str))
    first = e.drop_duplicates(["pathway_instance", "milestone"])
    times = first.pivot(index="pathway_instance", columns="milestone", values="event_time")
    units = first.pivot(index="pathway_instance", columns="milestone", values="unit_id")
    units.columns = [f"{c}_unit" for c in units.columns]
    who = first.drop_duplicates("pathway_instance").set_index("pathway_instance")["resident_id"]
    out = pd.concat([who, times, units.astype("object")], axis=1)
    out.columns.name = None
    return out.reset_index()


def _site(wh: Mapping, unit_ids: pd.Series | None, n: int = 0) -> np.ndarray:
    """The site (hospital) of each unit; NaN where the milestone was never recorded."""
    if unit_ids is None:
        return np.full(n, np.nan, dtype=object)
    site = table(wh, "units", ["unit_id", "site"]).set_index("unit_id")["site"].astype(str)
    return site.reindex(unit_ids.astype(str)).to_numpy()


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A milestone column, all NaT when no course reached it."""
    return df[name] if name in df else pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")


def _courses(
    wh: Mapping,
    inst: pd.DataFrame,
    when: pd.Series,
    unit_milestone: str,
    site_milestone: str | None = None,
) -> pd.DataFrame:
    """The first columns of every per-course table: course, resident, year, unit and site."""
    out = inst[["pathway_instance", "resident_id"]].copy()
    out["year"] = when.dt.year
    out["unit_id"] = inst.get(f"{unit_milestone}_unit")
    site_of = inst.get(f"{site_milestone or unit_milestone}_unit")
    out["site"] = _site(wh, site_of, len(out))
    return out


def _data_end(wh: Mapping) -> pd.Timestamp:
    ry = table(wh, "resident_years", ["year"])
    return pd.Timestamp(year=int(ry["year"].max()) + 1, month=1, day=1)


def stroke_conformance(wh: Mapping) -> pd.DataFrame:
    """Stroke and TIA courses: door-to-needle time and the stroke unit as first ward.

    Parameters
    ----------
    wh : Warehouse or mapping of tables

    Returns
    -------
    DataFrame
        ``pathway_instance``, ``resident_id``, ``year`` and ``unit_id`` (of
        arrival), ``site`` (hospital), ``door_to_imaging_min``, ``thrombolysed``,
        ``door_to_needle_min`` (NaN if not thrombolysed), ``within_30_min``
        (NaN if not thrombolysed), ``admitted`` and ``stroke_unit_first`` (NaN if
        not admitted; a course is "first in the stroke unit" when it records the
        ``stroke_unit_admission`` milestone).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = stroke_conformance(example_warehouse())
    >>> bool((s.door_to_needle_min.dropna() > 0).all())
    True
    """
    st = pathway_instances(wh, "stroke_tia")
    arrival = _col(st, "ed_arrival")
    needle = _col(st, "reperfusion_start")
    out = _courses(wh, st, arrival, "ed_arrival")
    out["door_to_imaging_min"] = (_col(st, "brain_imaging") - arrival) / MINUTE
    out["thrombolysed"] = needle.notna()
    out["door_to_needle_min"] = (needle - arrival) / MINUTE
    out["within_30_min"] = (out["door_to_needle_min"] <= 30).where(needle.notna())
    out["admitted"] = _col(st, "stroke_unit_admission").notna() | _col(st, "discharge").notna()
    out["stroke_unit_first"] = _col(st, "stroke_unit_admission").notna().where(out["admitted"])
    return out


def sepsis_conformance(wh: Mapping) -> pd.DataFrame:
    """Sepsis courses: time from arrival to antibiotics, sepsis alarm, telephone follow-up.

    Returns
    -------
    DataFrame
        ``pathway_instance``, ``resident_id``, ``year``, ``unit_id`` (ED),
        ``site``, ``sepsis_alarm`` (bool), ``door_to_antibiotics_min``,
        ``within_60_min``, ``discharged_alive`` and ``telephone_follow_up`` (NaN
        unless discharged alive at least 30 days before the data end).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = sepsis_conformance(example_warehouse())
    >>> bool(s.within_60_min.dropna().isin([True, False]).all())
    True
    """
    sp = pathway_instances(wh, "sepsis")
    enc = table(wh, "encounters", ["encounter_id", "discharge_destination"])
    ev = table(wh, "pathway_events", ["pathway", "pathway_instance", "milestone", "encounter_id"])
    arrival = _col(sp, "ed_arrival")
    abx = _col(sp, "antibiotics_given")
    out = _courses(wh, sp, arrival, "ed_arrival")
    out["sepsis_alarm"] = _col(sp, "sepsis_alarm").notna()
    out["door_to_antibiotics_min"] = (abx - arrival) / MINUTE
    out["within_60_min"] = (out["door_to_antibiotics_min"] <= 60).where(abx.notna())
    dis = ev[(ev["pathway"] == "sepsis") & (ev["milestone"] == "discharge")]
    dest = enc.set_index("encounter_id")["discharge_destination"].astype("object")
    dest_of = pd.Series(
        dest.reindex(dis["encounter_id"]).to_numpy(), index=dis["pathway_instance"].to_numpy()
    )
    destination = dest_of[~dest_of.index.duplicated()].reindex(out["pathway_instance"])
    discharge = _col(sp, "discharge")
    out["discharged_alive"] = discharge.notna() & (destination.to_numpy() != "deceased")
    followable = out["discharged_alive"] & (discharge <= _data_end(wh) - pd.Timedelta(days=30))
    out["telephone_follow_up"] = _col(sp, "telephone_follow_up").notna().where(followable)
    return out


def copd_conformance(wh: Mapping, weeks: int = 6) -> pd.DataFrame:
    """COPD exacerbations: a follow-up visit within ``weeks`` weeks of discharge.

    Discharges less than ``weeks`` weeks before the data end, and deaths, are not
    counted (NaN) because their follow-up cannot be seen in full.

    Returns
    -------
    DataFrame
        ``pathway_instance``, ``resident_id``, ``year`` (of discharge), ``unit_id``
        (discharging ward), ``site``, ``days_to_follow_up`` and ``within_6_weeks``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> c = copd_conformance(example_warehouse())
    >>> bool((c.days_to_follow_up.dropna() >= 0).all())
    True
    """
    cp = pathway_instances(wh, "copd")
    discharge = _col(cp, "discharge")
    visit = _col(cp, "follow_up_visit")
    out = _courses(wh, cp, discharge, "discharge")
    out["days_to_follow_up"] = (visit - discharge) / pd.Timedelta(days=1)
    res = table(wh, "residents", ["resident_id", "death_date"]).set_index("resident_id")
    death = res["death_date"].reindex(out["resident_id"]).to_numpy()
    window = pd.Timedelta(weeks=weeks)
    followable = (
        discharge.notna()
        & (discharge <= _data_end(wh) - window)
        & ~(pd.Series(death, index=out.index) <= discharge + window)
    )
    out["within_6_weeks"] = (out["days_to_follow_up"] <= weeks * 7).where(followable)
    return out


def hip_conformance(wh: Mapping) -> pd.DataFrame:
    """Hip osteoarthritis: basic treatment (artrosskola) before the orthopaedic referral.

    Returns
    -------
    DataFrame
        ``pathway_instance``, ``resident_id``, ``year`` (of the arthroplasty),
        ``unit_id`` (the primary care centre that made the diagnosis), ``site``
        (hospital of the orthopaedic assessment), ``basic_treatment_before_referral``,
        ``referral_to_assessment_days``, ``assessment_to_surgery_days`` and
        ``rehabilitation_goal_met``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> h = hip_conformance(example_warehouse())
    >>> bool(h.basic_treatment_before_referral.isin([True, False]).all())
    True
    """
    hp = pathway_instances(wh, "hip_osteoarthritis")
    basic = _col(hp, "basic_treatment_start")
    referral = _col(hp, "orthopaedic_referral")
    assess = _col(hp, "orthopaedic_assessment")
    surgery = _col(hp, "arthroplasty")
    day = pd.Timedelta(days=1)
    out = _courses(wh, hp, surgery, "diagnosis", site_milestone="orthopaedic_assessment")
    out["basic_treatment_before_referral"] = (basic.notna() & (basic <= referral)).to_numpy()
    out["referral_to_assessment_days"] = (assess - referral) / day
    out["assessment_to_surgery_days"] = (surgery - assess) / day
    out["rehabilitation_goal_met"] = _col(hp, "rehabilitation_goal_met").notna()
    return out


def conformance_summary(wh: Mapping, by=("site",)) -> pd.DataFrame:
    """Every pathway indicator of :data:`TARGETS` per hospital (and year), side by side.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    by : str or sequence of str
        ``site``, ``year``, ``unit_id`` or empty for the region.

    Returns
    -------
    DataFrame
        ``indicator``, ``pathway``, ``description``, ``by`` columns, ``courses``
        (the denominator: courses where the indicator applies), ``met`` and
        ``share_met``, and ``median`` with ``median_of`` (the time behind the
        indicator: minutes or days). Groups without any course are left out.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> s = conformance_summary(example_warehouse(), by=[])
    >>> sorted(s.pathway.unique())
    ['copd', 'hip_osteoarthritis', 'sepsis', 'stroke_tia']
    """
    by = [by] if isinstance(by, str) else list(by)
    bad = [b for b in by if b not in ("site", "year", "unit_id")]
    if bad:
        raise ValueError(f"cannot group conformance by {bad}; use site, year, unit_id")
    tables = {
        "stroke_tia": stroke_conformance(wh),
        "sepsis": sepsis_conformance(wh),
        "copd": copd_conformance(wh),
        "hip_osteoarthritis": hip_conformance(wh),
    }
    times = {
        "door_to_needle_30": ("door_to_needle_min", "minutes"),
        "antibiotics_60": ("door_to_antibiotics_min", "minutes"),
        "copd_follow_up_6w": ("days_to_follow_up", "days"),
        "hip_basic_treatment": ("referral_to_assessment_days", "days"),
    }
    parts = []
    for key, (pathway, description, col) in TARGETS.items():
        t = tables[pathway]
        t = t[t[col].notna()].assign(_all="all", _met=lambda d, col=col: d[col].astype(bool))
        if t.empty:
            continue
        keys = by or ["_all"]
        g = t.groupby(keys, dropna=False)
        part = g.agg(courses=("_met", "size"), met=("_met", "sum")).reset_index()
        part["share_met"] = part["met"] / part["courses"]
        if key in times:
            tcol, unit = times[key]
            part["median"] = g[tcol].median().to_numpy()
            part["median_of"] = f"{tcol} ({unit})"
        else:
            part["median"], part["median_of"] = np.nan, ""
        part.insert(0, "description", description)
        part.insert(0, "pathway", pathway)
        part.insert(0, "indicator", key)
        parts.append(part.drop(columns="_all", errors="ignore"))
    return pd.concat(parts, ignore_index=True)
