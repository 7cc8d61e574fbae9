"""Staffing, capacity and the general ledger, sized from the care the region delivers.

A real region staffs and equips its units for the demand it expects, with some
slack: wards are sized for ~90 % occupancy, clinics and centres staff for their
workload at 80-92 % of practical capacity. The ledger then follows from staff
(salaries, on-costs), beds and theatres (premises, equipment), drugs and supplies
and support services. A planted finding may oversize one ward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.generation import assumptions as A
from pecdata.generation.organisation import SALARY_ACCOUNT
from pecdata.warehouse.schema import PROFESSIONS, RESOURCES

PRACTICAL_SHARE = 1 - A.ABSENCE_SHARE - A.TRAINING_SHARE - A.BREAK_SHARE
PRACTICAL_HOURS = A.PAID_HOURS_PER_FTE * PRACTICAL_SHARE
ROUND_THE_CLOCK = ("ward", "emergency_department")
HOSPITAL_TYPES = (
    "ward",
    "outpatient_clinic",
    "emergency_department",
    "surgical_centre",
    "imaging",
    "laboratory",
)


def used_quantities(used: np.ndarray, unit_ids, years, resources=RESOURCES) -> pd.Series:
    """Quantity used per unit, year and resource, as a Series indexed by
    (unit_id, year, resource), sorted, with every combination that was used.

    ``used`` holds the quantities per (unit, year, resource), as
    :func:`pecdata.generation.activities.build` sums them (year of the encounter's start).
    """
    u, y, r = np.nonzero(used > 0)
    index = pd.MultiIndex.from_arrays(
        [
            np.asarray(unit_ids, dtype=object)[u],
            np.asarray(years, dtype=np.int64)[y],
            np.asarray(resources, dtype=object)[r],
        ],
        names=["unit_id", "year", "resource"],
    )
    return pd.Series(used[u, y, r], index=index, name="quantity").sort_index()


def _days(year: int) -> int:
    return 366 if year % 4 == 0 else 365


def size_units(rng, units, used, start_year, plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Beds, theatres and equipment for each year's use, and the capacity table.

    The region plans each year's capacity for that year's demand: a ward has beds
    for its bed-days at its target occupancy (the planted ward for less), so beds
    follow the region's trend in admissions and unplanted wards stay near the
    target every year. ``units.beds`` and ``units.theatres`` are the first year's.
    """
    units = units.copy()
    years = sorted(set(used.index.get_level_values("year")))
    use = by_unit_year(used)
    rows, first = [], {}
    for uid, utype in zip(units.unit_id, units.unit_type):
        for y in years:
            q = use.get((uid, y), {})
            b = t = 0
            if utype == "ward":
                occ = plan.ward_occupancy(uid)
                b = max(2, int(np.round(q.get("bed_day", 0) / (_days(y) * occ))))
                rows.append((uid, y, "bed_day", float(b * _days(y)), "bed_days"))
            elif utype == "surgical_centre":
                need = q.get("theatre", 0) / (A.THEATRE_MINUTES_PER_YEAR * A.THEATRE_UTILISATION)
                t = max(1, int(np.ceil(need)))
                rows.append((uid, y, "theatre", float(t * A.THEATRE_MINUTES_PER_YEAR), "minutes"))
            elif utype in ("imaging", "laboratory"):
                cap = np.ceil(q.get(utype, 0) / A.EQUIPMENT_PRACTICAL_SHARE / 100) * 100
                rows.append((uid, y, utype, float(cap), "exams" if utype == "imaging" else "tests"))
            first.setdefault(uid, (b, t))
    units["beds"] = [first.get(u, (0, 0))[0] for u in units.unit_id]
    units["theatres"] = [first.get(u, (0, 0))[1] for u in units.unit_id]
    cap = pd.DataFrame(
        rows, columns=["unit_id", "year", "resource", "practical_quantity", "measure"]
    )
    return units, cap


def beds_by_year(cap: pd.DataFrame) -> dict[tuple, float]:
    """``{(unit_id, year): beds}`` from the capacity table's bed-days."""
    bd = cap[cap.resource == "bed_day"]
    return {(u, y): q / _days(y) for u, y, q in zip(bd.unit_id, bd.year, bd.practical_quantity)}


def theatres_by_year(cap: pd.DataFrame) -> dict[tuple, float]:
    """``{(unit_id, year): theatres}`` from the capacity table's theatre minutes."""
    th = cap[cap.resource == "theatre"]
    return {
        (u, y): q / A.THEATRE_MINUTES_PER_YEAR
        for u, y, q in zip(th.unit_id, th.year, th.practical_quantity)
    }


def staffing(rng, units, used, cap, plan) -> pd.DataFrame:
    """FTE per unit, profession and year and the hours behind them."""
    util = dict(zip(units.unit_id, rng.uniform(*A.STAFF_UTILISATION_RANGE, len(units))))
    pcc = units.unit_type == "primary_care_centre"
    util.update(
        zip(units.unit_id[pcc], rng.uniform(*A.PRIMARY_CARE_UTILISATION_RANGE, int(pcc.sum())))
    )
    ward = units.unit_type == "ward"
    util.update(zip(units.unit_id[ward], rng.uniform(*A.WARD_UTILISATION_RANGE, int(ward.sum()))))
    years = sorted(set(used.index.get_level_values("year")))
    use = by_unit_year(used)
    beds_y = beds_by_year(cap)
    rows = []
    for uid, utype in zip(units.unit_id, units.unit_type):
        for y in years:
            u = use.get((uid, y))
            beds = beds_y.get((uid, y), 0)
            for prof in PROFESSIONS:
                minutes = 0.0
                if utype == "imaging" and u is not None:
                    minutes = u.get("imaging", 0) * A.IMAGING_MINUTES.get(prof, 0)
                elif utype == "laboratory" and u is not None:
                    minutes = u.get("laboratory", 0) * A.LAB_MINUTES.get(prof, 0)
                elif u is not None:
                    minutes = u.get(prof, 0.0)
                    if utype == "ward" and u.get("bed_day", 0) > 0:
                        # staffed for the planned occupancy of all its beds
                        minutes = minutes / u["bed_day"] * beds * _days(y) * A.TARGET_OCCUPANCY
                if minutes <= 0:
                    continue
                noise = rng.normal(1, 0.02)
                fte = minutes / 60 / (PRACTICAL_HOURS * util[uid] * noise)
                rows.append((uid, y, prof, round(fte, 2)))
    df = pd.DataFrame(rows, columns=["unit_id", "year", "profession", "fte"])
    df = df[df.fte > 0].reset_index(drop=True)
    df["paid_hours"] = (df.fte * A.PAID_HOURS_PER_FTE).round(1)
    df["absence_hours"] = (df.paid_hours * A.ABSENCE_SHARE).round(1)
    df["training_hours"] = (df.paid_hours * A.TRAINING_SHARE).round(1)
    df["break_hours"] = (df.paid_hours * A.BREAK_SHARE).round(1)
    df["practical_hours"] = (
        df.paid_hours - df.absence_hours - df.training_hours - df.break_hours
    ).round(1)
    return df


def by_unit_year(used: pd.Series) -> dict[tuple, dict]:
    """``{(unit_id, year): {resource: quantity}}`` from :func:`used_quantities`."""
    out: dict[tuple, dict] = {}
    for (uid, y, r), q in used.items():
        out.setdefault((uid, y), {})[r] = q
    return out


def ledger(rng, units, used, cap, staff) -> pd.DataFrame:
    """The general ledger: one amount per unit, year and account."""
    utype = dict(zip(units.unit_id, units.unit_type))
    beds, theatres = beds_by_year(cap), theatres_by_year(cap)
    capq = {(u, y): q for u, y, q in zip(cap.unit_id, cap.year, cap.practical_quantity)}
    fte_tot = staff.groupby(["unit_id", "year"])["fte"].sum()
    use = by_unit_year(used)
    rows = []
    for (uid, y), grp in staff.groupby(["unit_id", "year"]):
        t = utype[uid]
        ob = 1 + A.ROUND_THE_CLOCK_SUPPLEMENT if t in ROUND_THE_CLOCK else 1.0
        amounts = {}
        salaries = 0.0
        for prof, fte in zip(grp.profession, grp.fte):
            s = fte * A.DEFAULT_MONTHLY_SALARY[prof] * A.SALARY_MONTHS * ob
            amounts[SALARY_ACCOUNT[prof]] = s
            salaries += s
        amounts["5400"] = salaries * A.DEFAULT_ON_COST_RATE
        u = use.get((uid, y), {})
        drugs = u.get("drugs", 0.0) * (1 + A.UNTRACED_DRUG_SHARE)
        supplies = u.get("supplies", 0.0) * (1 + A.UNTRACED_SUPPLY_SHARE)
        fte = fte_tot[(uid, y)]
        if t == "ward":
            premises = beds.get((uid, y), 0) * A.PREMISES_PER_BED
            equipment = beds.get((uid, y), 0) * A.EQUIPMENT_PER_BED
        elif t == "surgical_centre":
            premises = theatres.get((uid, y), 0) * A.THEATRE_PREMISES
            equipment = theatres.get((uid, y), 0) * A.THEATRE_EQUIPMENT
        elif t == "primary_care_centre":
            premises = fte * A.PRIMARY_CARE_PREMISES_PER_FTE
            equipment = 0.03 * salaries
        else:
            premises = fte * A.PREMISES_PER_FTE
            equipment = 0.03 * salaries
        if t == "imaging":
            equipment = capq.get((uid, y), 0) * A.IMAGING_EQUIPMENT_PER_EXAM
        if t == "laboratory":
            equipment = capq.get((uid, y), 0) * A.LAB_EQUIPMENT_PER_TEST
            supplies += u.get("laboratory", 0.0) * A.LAB_SUPPLIES_PER_TEST
        amounts.update(
            {
                "4010": drugs,
                "4020": supplies,
                "6100": premises,
                "6200": equipment,
                "6400": fte * A.IT_PER_FTE,
            }
        )
        admin = A.PRIMARY_CARE_ADMIN_SHARE if t == "primary_care_centre" else A.ADMIN_SHARE
        amounts["6900"] = admin * sum(amounts.values())
        if t in HOSPITAL_TYPES:
            amounts["7600"] = A.RESEARCH_SHARE * salaries
        for acc, amt in amounts.items():
            if amt > 0:
                rows.append((uid, y, acc, round(float(amt) * rng.normal(1, 0.01), 2)))
    out = pd.DataFrame(rows, columns=["unit_id", "year", "account", "amount_sek"])
    return out.sort_values(["unit_id", "year", "account"]).reset_index(drop=True)
