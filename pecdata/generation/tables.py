"""From simulation arrays to the warehouse's tables (the shape of :mod:`pecdata.schema`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .. import assumptions as A
from ..schema import CONDITIONS, MEASURES, RESOURCES, TABLES
from .care import SECONDS_PER_DAY, Contacts
from .organisation import HOSPITALS
from .pathways import REF_ED, REF_EXTRA, REF_INPATIENT
from .population import NO_DATE, People


@dataclass
class Registry:
    """Municipality and listed centre of every person in every year."""

    muni_by_year: np.ndarray
    pcc_by_year: np.ndarray
    random_pcc: Callable


def registry(rng, people: People, start_year, years, pcc_ids, codes) -> Registry:
    n, n_m = len(people), len(codes)
    pcc_muni = np.array([codes.index(u.split("-")[1]) for u in pcc_ids])
    size = rng.uniform(0.6, 1.4, len(pcc_ids))    # centres differ in size
    shares = np.array([m[2] for m in A.DEFAULT_MUNICIPALITIES], float)

    def random_pcc(r, munis):
        out = np.empty(len(munis), np.int16)
        for m in range(n_m):
            sel = munis == m
            c = np.flatnonzero(pcc_muni == m)
            out[sel] = r.choice(c, int(sel.sum()), p=size[c] / size[c].sum())
        return out

    muni = np.empty((years, n), np.int8)
    pcc = np.empty((years, n), np.int16)
    muni[0] = people.muni
    pcc[0] = random_pcc(rng, people.muni)
    for t in range(1, years):
        muni[t], pcc[t] = muni[t - 1], pcc[t - 1]
        movers = rng.random(n) < A.DEFAULT_INTERNAL_MOVES
        new = rng.choice(n_m, int(movers.sum()), p=shares / shares.sum()).astype(np.int8)
        new = np.where(new == muni[t][movers], (new + 1) % n_m, new).astype(np.int8)
        muni[t][movers] = new
        pcc[t][movers] = random_pcc(rng, new)
        switch = ~movers & (rng.random(n) < 0.02)
        pcc[t][switch] = random_pcc(rng, muni[t][switch])
    people.muni = muni[-1].copy()
    return Registry(muni, pcc, random_pcc)


def to_datetime(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[us]")


def days_to_datetime(days: np.ndarray) -> pd.Series:
    d = np.asarray(days, dtype=np.int64)
    out = pd.Series(d.astype("datetime64[D]").astype("datetime64[us]"))
    out[d >= NO_DATE // 2] = pd.NaT
    return out


def _imaging_and_surgery(unit_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    hosp = {m[0]: HOSPITALS[m[4]] for m in A.DEFAULT_MUNICIPALITIES}
    pos = {u: i for i, u in enumerate(unit_ids)}
    img, surg = [], []
    for u in unit_ids:
        parts = u.split("-")
        site = hosp[parts[1]] if parts[0] in ("PC", "HHC") else parts[0]
        site = site if site in ("HAV", "VAL") else "VAL" if site in ("NOR", "FAL") else "HAV"
        img.append(pos[f"{site}-IMG"])
        surg.append(pos["HAV-SC" if site == "HAV" else "FAL-SC"])
    return np.array(img), np.array(surg)


def build_tables(rng, people, py, reg, units, vis, ed, ep, extra, hhc, events, start_year, years,
                 end_day, activities_module, resident_id) -> dict[str, pd.DataFrame]:
    """Encounters, activities, residents, resident_years, conditions and pathway_events."""
    parts = list(vis) + [ed, ep.c] + ([extra] if extra is not None else []) + [hhc]
    allc = Contacts.concat(parts)
    n = len(allc)
    sizes = [len(p) for p in parts]
    off = np.r_[0, np.cumsum(sizes)]
    n_vis = len(vis)
    ed_off, ep_off = off[n_vis], off[n_vis + 1]
    extra_off = off[n_vis + 2] if extra is not None else -1
    acute = np.zeros(n, bool)
    acute[ed_off:ed_off + len(ed)] = True
    acute[ep_off:ep_off + len(ep.acute)] = ep.acute
    pc_phys = allc.kind == "pc_physician"
    acute[pc_phys] = rng.random(int(pc_phys.sum())) < 0.35     # same-day appointments (E)
    los = np.zeros(n, np.int64)
    los[ep_off:ep_off + len(ep.los)] = ep.los
    dest = np.full(n, None, dtype=object)
    dest[ep_off:ep_off + len(ep.dest)] = ep.dest
    origin = np.full(n, -1, np.int64)
    has_ed = ep.ed >= 0
    origin[ep_off + np.flatnonzero(has_ed)] = ed_off + ep.ed[has_ed]
    # keep contacts in the data's years, order by time and number them
    inside = allc.start < end_day * SECONDS_PER_DAY
    order = np.flatnonzero(inside)[np.lexsort((py.pid[allc.row[inside]], allc.start[inside]))]
    new_id = np.zeros(n, np.int64)
    new_id[order] = np.arange(1, len(order) + 1)
    origin_id = np.where(origin >= 0, new_id[np.maximum(origin, 0)], 0)[order]
    unit_ids = units.unit_id.tolist()
    unit_code = pd.Categorical(allc.unit[order], categories=unit_ids).codes
    if (unit_code < 0).any():
        bad = allc.unit[order][unit_code < 0][0]
        raise RuntimeError(f"generator produced an encounter at unknown unit {bad!r}")
    start = allc.start[order]
    year = to_datetime(start).astype("datetime64[Y]").astype(np.int64) + 1970
    enc = pd.DataFrame({
        "encounter_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "resident_id": resident_id[py.pid[allc.row[order]]],
        "unit_id": pd.Categorical.from_codes(unit_code, categories=unit_ids),
        "year": year,
        "care_level": pd.Categorical(allc.level[order]),
        "main_profession": pd.Categorical(allc.profession[order]),
        "start_time": to_datetime(start),
        "end_time": to_datetime(np.maximum(allc.end[order], start)),
        "length_of_stay_days": los[order],
        "main_diagnosis": pd.Categorical(allc.diagnosis[order]),
        "acute": acute[order],
        "discharge_destination": pd.Categorical(dest[order]),
        "origin_encounter_id": pd.array(np.where(origin_id > 0, origin_id, 0),
                                        dtype="Int64"),
    })
    enc.loc[origin_id == 0, "origin_encounter_id"] = pd.NA
    img, surg = _imaging_and_surgery(unit_ids)
    act = activities_module.build(rng, allc.kind[order], allc.profession[order], unit_code,
                                  allc.diagnosis[order], los[order], img[unit_code],
                                  surg[unit_code], unit_ids.index("REG-LAB"))
    activities = pd.DataFrame({
        "encounter_id": act["encounter"].astype(np.int64) + 1,
        "unit_id": pd.Categorical.from_codes(act["unit"], categories=unit_ids),
        "resource": pd.Categorical.from_codes(act["resource"], categories=list(RESOURCES)),
        "quantity": act["quantity"],
        "measure": pd.Categorical.from_codes(act["measure"], categories=list(MEASURES)),
    })
    ref_pos = np.select([events["ref_kind"] == REF_ED, events["ref_kind"] == REF_INPATIENT,
                         events["ref_kind"] == REF_EXTRA],
                        [ed_off + events["ref_idx"], ep_off + events["ref_idx"],
                         extra_off + events["ref_idx"]], -1)
    ev_enc = np.where(ref_pos >= 0, new_id[np.maximum(ref_pos, 0)], 0)
    keep = events["time"] < end_day * SECONDS_PER_DAY
    ev_order = np.flatnonzero(keep)[np.lexsort((events["instance"][keep], events["time"][keep]))]
    pev = pd.DataFrame({
        "event_id": np.arange(1, len(ev_order) + 1, dtype=np.int64),
        "pathway": pd.Categorical(events["pathway"][ev_order]),
        "pathway_instance": events["instance"][ev_order].astype(np.int64),
        "resident_id": resident_id[py.pid[events["row"][ev_order]]],
        "milestone": pd.Categorical(events["milestone"][ev_order]),
        "event_time": to_datetime(events["time"][ev_order]),
        "unit_id": events["unit"][ev_order].astype(str),
        "encounter_id": pd.array(ev_enc[ev_order], dtype="Int64"),
    })
    pev.loc[ev_enc[ev_order] == 0, "encounter_id"] = pd.NA
    out = dict(encounters=enc, activities=activities, pathway_events=pev)
    out.update(_population_tables(people, py, reg, resident_id, units, start_year, years,
                                  end_day))
    return out


def resident_ids(rng, n):
    """Pseudonymised keys: a seeded shuffle of 1..n, so keys carry no order of birth or arrival."""
    return rng.permutation(n).astype(np.int64) + 1


def _population_tables(people, py, reg, resident_id, units, start_year, years, end_day):
    pcc_ids = units.loc[units.unit_type == "primary_care_centre", "unit_id"].to_numpy(object)
    codes = np.array([m[0] for m in A.DEFAULT_MUNICIPALITIES], dtype=object)
    age_end = ((py.last - 1 - people.birth[py.pid]) // 365.25).astype(np.int64)
    ry = pd.DataFrame({
        "resident_id": resident_id[py.pid], "year": start_year + py.t,
        "age": age_end.clip(0, 120), "municipality_code": codes[py.muni].astype(str),
        "listed_unit_id": pcc_ids[py.pcc].astype(str),
        "days_resident": (py.last - py.first).astype(np.int64)})
    ry = ry.sort_values(["resident_id", "year"], kind="stable").reset_index(drop=True)
    last_pcc = np.zeros(len(people), np.int64)
    last_muni = np.zeros(len(people), np.int64)
    last_pcc[py.pid] = py.pcc          # person-years are in year order: the last one wins
    last_muni[py.pid] = py.muni
    seen = np.zeros(len(people), bool)
    seen[py.pid] = True
    idx = np.flatnonzero(seen)
    in_day = np.where(people.in_day[idx] >= 0, people.in_day[idx], NO_DATE)
    out_day = np.where(people.out_day[idx] < end_day, people.out_day[idx], NO_DATE)
    death = np.where(people.death_day[idx] < end_day, people.death_day[idx], NO_DATE)
    res = pd.DataFrame({
        "resident_id": resident_id[idx],
        "sex": np.where(people.female[idx], "F", "M"),
        "birth_date": days_to_datetime(people.birth[idx]),
        "municipality_code": codes[last_muni[idx]].astype(str),
        "listed_unit_id": pcc_ids[last_pcc[idx]].astype(str),
        "in_date": days_to_datetime(in_day), "out_date": days_to_datetime(out_day),
        "death_date": days_to_datetime(death),
    }).sort_values("resident_id").reset_index(drop=True)
    # conditions diagnosed before the person's last day in the region
    last_day = np.minimum(np.minimum(people.out_day, people.death_day), end_day - 1)[idx]
    onset_day = people.birth[idx, None] + np.where(np.isfinite(people.onset[idx]),
                                                   people.onset[idx] * 365.25, 1e12)
    has = onset_day <= last_day[:, None]
    who, which = np.nonzero(has)
    icd = np.array([A.DEFAULT_CONDITIONS[c][3] for c in CONDITIONS], dtype=object)
    cond = pd.DataFrame({
        "resident_id": resident_id[idx][who],
        "condition": pd.Categorical.from_codes(which, categories=list(CONDITIONS)),
        "icd10": icd[which].astype(str),
        "onset_date": days_to_datetime(np.floor(onset_day[who, which]).astype(np.int64)),
    }).sort_values(["resident_id", "condition"]).reset_index(drop=True)
    return dict(residents=res, resident_years=ry, conditions=cond)


def conform(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Cast every schema table to its declared types and column order."""
    out = {}
    for name, df in tables.items():
        spec = TABLES.get(name)
        if spec is None:
            out[name] = df
            continue
        cols = {}
        for c in spec.columns:
            s = df[c.name]
            if c.dtype == "int":
                s = s.astype("Int64") if c.nullable else s.astype(np.int64)
            elif c.dtype == "float":
                s = s.astype(np.float64)
            elif c.dtype == "string":
                s = s.astype("string")
            elif c.dtype == "category":
                s = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
            elif c.dtype == "datetime":
                s = s.astype("datetime64[us]")
            elif c.dtype == "bool":
                s = s.astype(bool)
            cols[c.name] = s.reset_index(drop=True)
        out[name] = pd.DataFrame(cols)
    return out
