"""From simulation arrays to the warehouse's tables (shaped as :mod:`pecdata.warehouse.schema`)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pecdata.generation import activities
from pecdata.generation import assumptions as A
from pecdata.generation import codes as C
from pecdata.generation.care import SECONDS_PER_DAY
from pecdata.generation.encounters import encounter_arrays
from pecdata.generation.organisation import HOSPITALS
from pecdata.generation.pathways import REF_ED, REF_EXTRA, REF_INPATIENT
from pecdata.generation.population import NO_DATE, People
from pecdata.generation.resources import used_quantities
from pecdata.warehouse.schema import (
    CARE_LEVELS,
    CONDITIONS,
    DISCHARGE_DESTINATIONS,
    MEASURES,
    PROFESSIONS,
    RESOURCES,
    TABLES,
)


@dataclass
class Registry:
    """Municipality and listed centre of every person in every year."""

    muni_by_year: np.ndarray
    pcc_by_year: np.ndarray
    random_pcc: Callable


def registry(rng, people: People, start_year, years, pcc_ids, codes) -> Registry:
    n, n_m = len(people), len(codes)
    pcc_muni = np.array([codes.index(u.split("-")[1]) for u in pcc_ids])
    size = rng.uniform(0.6, 1.4, len(pcc_ids))  # centres differ in size
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


def days_to_datetime(days: np.ndarray) -> np.ndarray:
    """``datetime64[us]`` dates of whole days since 1970; NaT for "never" (``NO_DATE``)."""
    d = np.asarray(days, dtype=np.int64)
    never = d >= NO_DATE // 2
    out = np.where(never, 0, d).astype("datetime64[D]").astype("datetime64[us]")
    out[never] = np.datetime64("NaT")
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


def year_of(seconds: np.ndarray) -> np.ndarray:
    """Calendar year (int64) of times in seconds since 1970 (1900-2199)."""
    edges = (
        (np.arange(1900, 2201) - 1970)
        .astype("datetime64[Y]")
        .astype("datetime64[s]")
        .astype(np.int64)
    )
    return np.searchsorted(edges, seconds, side="right") - 1 + 1900


def seconds_as_datetime(seconds: np.ndarray) -> np.ndarray:
    """``datetime64[us]`` view of times in seconds, converted in place (the array is reused)."""
    seconds *= 1_000_000
    return seconds.view("datetime64[us]")


def build_tables(
    rng,
    people,
    py,
    reg,
    units,
    contacts: dict,
    events,
    start_year,
    years,
    end_day,
    resident_id,
    plan,
) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    """Encounters, activities, residents, resident_years, conditions and pathway_events, and
    the quantities the activities use per unit, year and resource
    (:func:`.resources.used_quantities`).

    ``contacts`` holds the simulated contacts (see :func:`.encounters.encounter_arrays`);
    it is emptied so that they can be freed early. The planted duplicate load (one
    centre's month loaded twice) is written here, as copies at the end of the encounters
    and activities, so that the big tables are built once.
    """
    unit_ids = units.unit_id.tolist()
    if tuple(unit_ids) != C.UNIT_IDS:
        raise RuntimeError("the units table does not match pecdata.generation.codes.UNIT_IDS")
    # The activities take most of the time; the other tables are built beside them in a
    # second thread (numpy and pyarrow release the GIL: on two cores the work overlaps).
    # Neither thread draws from the other's random stream, and each writes only its own
    # arrays, so the tables are the same as built one after the other.
    with ThreadPoolExecutor(max_workers=1) as pool:
        population = pool.submit(
            _population_tables, people, py, reg, resident_id, units, start_year, years, end_day
        )
        e = encounter_arrays(rng, py, contacts, end_day, plan, resident_id)
        year = year_of(e["start"])
        np.maximum(e["end"], e["start"], out=e["end"])
        encounters = pool.submit(_encounters, dict(e), year, unit_ids)
        pathway = pool.submit(_pathway_events, events, e, py, resident_id, end_day)
        activities_table, used = _activities(rng, dict(e), year, unit_ids, start_year)
        del e, year
        out = dict(
            encounters=encounters.result(),
            activities=activities_table,
            pathway_events=pathway.result(),
        )
        out.update(population.result())
    return out, used


def _encounters(e: dict, year: np.ndarray, unit_ids: list) -> pd.DataFrame:
    """The encounters table from :func:`.encounters.encounter_arrays` (``e`` is emptied)."""
    origin = e.pop("origin")
    return pd.DataFrame(
        {
            "encounter_id": np.arange(1, len(year) + 1, dtype=np.int64),
            "resident_id": e.pop("resident_id"),
            "unit_id": pd.Categorical.from_codes(e["unit"], categories=unit_ids),
            "year": year,
            "care_level": C.categorical(C.LEVEL_OF_KIND[e["kind"]], CARE_LEVELS),
            "main_profession": C.categorical(e["profession"], PROFESSIONS),
            "start_time": seconds_as_datetime(e.pop("start")),
            "end_time": seconds_as_datetime(e.pop("end")),
            "length_of_stay_days": e["los"],
            "main_diagnosis": C.categorical(e["diagnosis"], C.DX_NAMES),
            "acute": e.pop("acute"),
            "discharge_destination": C.categorical(e.pop("dest"), DISCHARGE_DESTINATIONS),
            "origin_encounter_id": pd.arrays.IntegerArray(origin, origin == 0),
        },
        copy=False,
    )


def _activities(rng, e, year, unit_ids, start_year):
    """The activities table (copies for the duplicated encounters at the end) and the
    quantities used per unit, year and resource (without the copies)."""
    n = e["n_enc"]
    img, surg = _imaging_and_surgery(unit_ids)
    unit = e.pop("unit")[:n]
    first_year = int(year.min(initial=start_year))
    year_code = (year[:n] - first_year).astype(np.int16)
    n_years = int(year_code.max(initial=0)) + 1
    act = activities.build(
        rng,
        e.pop("kind")[:n],
        e.pop("profession")[:n],
        unit,
        e.pop("diagnosis")[:n],
        e.pop("los")[:n],
        img.astype(unit.dtype)[unit],
        surg.astype(unit.dtype)[unit],
        unit_ids.index("REG-LAB"),
        year_code,
        len(unit_ids),
        n_years,
        e["duplicated"],
        e.pop("n_conditions")[:n],
    )
    used = used_quantities(act.pop("used"), unit_ids, np.arange(first_year, first_year + n_years))
    table = pd.DataFrame(
        {
            "encounter_id": act.pop("encounter"),
            "unit_id": pd.Categorical.from_codes(act.pop("unit"), categories=unit_ids),
            "resource": pd.Categorical.from_codes(act.pop("resource"), categories=list(RESOURCES)),
            "quantity": act.pop("quantity"),
            "measure": pd.Categorical.from_codes(act.pop("measure"), categories=list(MEASURES)),
        },
        copy=False,
    )
    return table, used


def _pathway_events(events, e, py, resident_id, end_day) -> pd.DataFrame:
    ref = events["ref_idx"]
    ref_pos = np.select(
        [
            events["ref_kind"] == REF_ED,
            events["ref_kind"] == REF_INPATIENT,
            events["ref_kind"] == REF_EXTRA,
        ],
        [e["ed_off"] + ref, e["ep_off"] + ref, e["extra_off"] + ref],
        -1,
    )
    ev_enc = np.where(ref_pos >= 0, e["new_id"][np.maximum(ref_pos, 0)], 0)
    keep = events["time"] < end_day * SECONDS_PER_DAY
    ev_order = np.flatnonzero(keep)[np.lexsort((events["instance"][keep], events["time"][keep]))]
    ev_unit = events["unit"][ev_order]
    if len(ev_unit) and ev_unit.min() < 0:
        raise RuntimeError("generator produced a pathway event at a unit that does not exist")
    ev_enc = ev_enc[ev_order]
    return pd.DataFrame(
        {
            "event_id": np.arange(1, len(ev_order) + 1, dtype=np.int64),
            "pathway": pd.Categorical(events["pathway"][ev_order]),
            "pathway_instance": events["instance"][ev_order].astype(np.int64),
            "resident_id": resident_id[py.pid[events["row"][ev_order]]],
            "milestone": pd.Categorical(events["milestone"][ev_order]),
            "event_time": to_datetime(events["time"][ev_order]),
            "unit_id": text(C.UNIT_IDS, ev_unit),
            "encounter_id": pd.arrays.IntegerArray(ev_enc.astype(np.int64), ev_enc == 0),
        }
    )


def resident_ids(rng, n):
    """Pseudonymised keys: a seeded shuffle of 1..n, so keys carry no order of birth or arrival."""
    return rng.permutation(n).astype(np.int64) + 1


def text(names, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A string array of ``names[codes]`` (built by Arrow, without a Python string per row)."""
    return pd.array(
        pa.array([str(x) for x in names], pa.large_string()).take(
            pa.array(np.asarray(codes, np.int64))
        ),
        dtype="string",
    )


def _sorted_by(key: np.ndarray, columns: dict) -> pd.DataFrame:
    """A DataFrame of ``columns`` in the order of ``key`` (unique integers)."""
    order = np.argsort(key)
    return pd.DataFrame({c: v.take(order) for c, v in columns.items()}, copy=False)


def _population_tables(people, py, reg, resident_id, units, start_year, years, end_day):
    pcc_ids = units.loc[units.unit_type == "primary_care_centre", "unit_id"].tolist()
    codes = [m[0] for m in A.DEFAULT_MUNICIPALITIES]
    age_end = ((py.last - 1 - people.birth[py.pid]) // 365.25).astype(np.int64)
    rid = resident_id[py.pid]
    ry = _sorted_by(
        rid * years + py.t,
        {
            "resident_id": rid,
            "year": start_year + py.t,
            "age": age_end.clip(0, 120),
            "municipality_code": text(codes, py.muni),
            "listed_unit_id": text(pcc_ids, py.pcc),
            "days_resident": (py.last - py.first).astype(np.int64),
        },
    )
    last_pcc = np.zeros(len(people), np.int64)
    last_muni = np.zeros(len(people), np.int64)
    last_pcc[py.pid] = py.pcc  # person-years are in year order: the last one wins
    last_muni[py.pid] = py.muni
    seen = np.zeros(len(people), bool)
    seen[py.pid] = True
    idx = np.flatnonzero(seen)
    in_day = np.where(people.in_day[idx] >= 0, people.in_day[idx], NO_DATE)
    out_day = np.where(people.out_day[idx] < end_day, people.out_day[idx], NO_DATE)
    death = np.where(people.death_day[idx] < end_day, people.death_day[idx], NO_DATE)
    res = _sorted_by(
        resident_id[idx],
        {
            "resident_id": resident_id[idx],
            "sex": C.categorical(np.where(people.female[idx], 0, 1), ("F", "M")),
            "birth_date": days_to_datetime(people.birth[idx]),
            "municipality_code": text(codes, last_muni[idx]),
            "listed_unit_id": text(pcc_ids, last_pcc[idx]),
            "in_date": days_to_datetime(in_day),
            "out_date": days_to_datetime(out_day),
            "death_date": days_to_datetime(death),
        },
    )
    # conditions diagnosed before the person's last day in the region
    last_day = np.minimum(np.minimum(people.out_day, people.death_day), end_day - 1)[idx]
    onset_day = people.birth[idx, None] + np.where(
        np.isfinite(people.onset[idx]), people.onset[idx] * 365.25, 1e12
    )
    has = onset_day <= last_day[:, None]
    who, which = np.nonzero(has)
    icd = [A.DEFAULT_CONDITIONS[c][3] for c in CONDITIONS]
    cond = _sorted_by(
        resident_id[idx][who] * len(CONDITIONS) + which,
        {
            "resident_id": resident_id[idx][who],
            "condition": pd.Categorical.from_codes(which, categories=list(CONDITIONS)),
            "icd10": text(icd, which),
            "onset_date": days_to_datetime(np.floor(onset_day[who, which]).astype(np.int64)),
        },
    )
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
        out[name] = pd.DataFrame(cols, copy=False)
    return out
