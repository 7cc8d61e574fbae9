"""Resources each encounter uses: recorded minutes per profession, bed-days, theatre
minutes, imaging exams, laboratory tests and directly traced drugs and supplies.

Each kind of encounter has a *recipe*: for every resource, how often it is used
(probability), how much on average (log-normal around the mean) and in which unit
(the encounter's own unit, the hospital's radiology, the regional laboratory, a
surgical centre). Inpatient resources are per bed-day unless marked per episode.
Minutes include documentation; they are estimates (E) chosen so that costs per
contact land on the published Swedish unit costs in calibration.md section 3.
"""

from __future__ import annotations

import numpy as np

from pecdata.generation import assumptions as A
from pecdata.generation import codes as C
from pecdata.generation import diagnoses as dx
from pecdata.warehouse.schema import MEASURES, PROFESSIONS, RESOURCE_MEASURE, RESOURCES

RESOURCE_CODE = {r: i for i, r in enumerate(RESOURCES)}

MEASURE = {r: m for r, m in RESOURCE_MEASURE.items() if r not in PROFESSIONS}
# recipe line: (resource, probability, mean, log sd, where)
RECIPES = {
    "pc_physician": [
        ("physician", 1, 50, 0.35, "own"),
        ("nurse", 0.4, 12, 0.4, "own"),
        ("medical_secretary", 0.7, 10, 0.4, "own"),
        ("assistant_nurse", 0.6, 10, 0.4, "own"),
        ("laboratory", 0.4, 2, 0.5, "lab"),
        ("imaging", 0.05, 1, 0, "img"),
        ("drugs", 0.35, 200, 0.8, "own"),
        ("supplies", 1, 40, 0.4, "own"),
    ],
    "pc_nurse": [
        ("nurse", 1, 45, 0.35, "own"),
        ("assistant_nurse", 0.3, 12, 0.4, "own"),
        ("medical_secretary", 0.3, 5, 0.4, "own"),
        ("laboratory", 0.45, 2, 0.5, "lab"),
        ("drugs", 0.2, 80, 0.8, "own"),
        ("supplies", 1, 40, 0.4, "own"),
    ],
    "pc_allied": [("allied_health", 1, 60, 0.3, "own"), ("supplies", 1, 30, 0.4, "own")],
    "digital_physician": [("physician", 1, 12, 0.4, "own")],
    "digital_nurse": [("nurse", 1, 10, 0.4, "own")],
    "outpatient_physician": [
        ("physician", 1, 60, 0.4, "own"),
        ("nurse", 0.7, 25, 0.4, "own"),
        ("medical_secretary", 0.9, 20, 0.3, "own"),
        ("laboratory", 0.5, 3, 0.5, "lab"),
        ("imaging", 0.3, 1, 0, "img"),
        ("drugs", 0.12, 10000, 0.6, "own"),
        ("supplies", 1, 150, 0.5, "own"),
    ],
    "outpatient_nurse": [
        ("nurse", 1, 50, 0.35, "own"),
        ("medical_secretary", 0.6, 10, 0.3, "own"),
        ("laboratory", 0.4, 2, 0.5, "lab"),
        ("drugs", 0.1, 1500, 0.9, "own"),
        ("supplies", 1, 100, 0.5, "own"),
    ],
    "emergency": [
        ("physician", 1, 60, 0.5, "own"),
        ("nurse", 1, 110, 0.45, "own"),
        ("assistant_nurse", 1, 90, 0.45, "own"),
        ("medical_secretary", 0.8, 10, 0.3, "own"),
        ("laboratory", 0.8, 6, 0.5, "lab"),
        ("imaging", 0.5, 1.3, 0.3, "img"),
        ("drugs", 0.7, 250, 0.8, "own"),
        ("supplies", 1, 350, 0.5, "own"),
    ],
    "day_surgery": [
        ("theatre", 1, 75, 0.35, "own"),
        ("physician", 1, 100, 0.35, "own"),
        ("nurse", 1, 160, 0.3, "own"),
        ("assistant_nurse", 1, 60, 0.3, "own"),
        ("medical_secretary", 1, 15, 0.3, "own"),
        ("laboratory", 0.3, 2, 0.5, "lab"),
        ("drugs", 1, 400, 0.6, "own"),
        ("supplies", 1, 3000, 0.6, "own"),
    ],
    "home_health_nurse": [
        ("nurse", 1, 50, 0.35, "own"),
        ("supplies", 1, 60, 0.6, "own"),
        ("drugs", 0.3, 50, 0.8, "own"),
    ],
    "home_health_assistant_nurse": [
        ("assistant_nurse", 1, 45, 0.35, "own"),
        ("supplies", 1, 40, 0.6, "own"),
    ],
    "home_health_allied_health": [("allied_health", 1, 60, 0.3, "own")],
}
#: Recipes of visits at primary care centres, whose staff minutes include documented indirect time.
PRIMARY_CARE_RECIPES = ("pc_physician", "pc_nurse", "pc_allied")
#: Inpatient care per bed-day (ward staff time per patient-day, E: about 11 nursing hours per
#: patient-day on Swedish somatic wards), and per episode.
INPATIENT_PER_DAY = [
    ("physician", 1, 60, 0.35),
    ("nurse", 1, 340, 0.25),
    ("assistant_nurse", 1, 320, 0.25),
    ("allied_health", 0.6, 30, 0.5),
    ("laboratory", 1, 3, 0.4),
    ("drugs", 1, 900, 0.7),
    ("supplies", 1, 450, 0.5),
]
INPATIENT_PER_EPISODE = [
    ("medical_secretary", 1, 60, 0.3, "own"),
    ("imaging", 0.7, 1.5, 0.4, "img"),
]
#: Implants and costly supplies in theatre, SEK (E: hip/knee prosthesis ~25-35,000).
IMPLANTS = {"M16.1": 30_000, "M17.1": 28_000, "S72.0": 9_000}


def _amount(rng, n, mean, sd, resource):
    if sd == 0:
        q = np.full(n, float(mean))
    else:
        q = rng.lognormal(np.log(mean) - sd**2 / 2, sd, n)
    if resource in ("drugs", "supplies"):
        np.round(q, 2, out=q)
    else:  # whole minutes, exams, tests: at least one
        np.round(q, out=q)
        np.maximum(q, 1, out=q)
    return q


def _recipe_table() -> np.ndarray:
    """(kind code, profession code) -> index into RECIPES (-1: none, e.g. inpatient)."""
    names = list(RECIPES)
    out = np.full((len(C.KIND_NAMES), len(PROFESSIONS)), -1, np.int8)
    for k, kind in enumerate(C.KIND_NAMES):
        for j, prof in enumerate(PROFESSIONS):
            key = kind
            if kind == "digital":
                key = "digital_physician" if prof == "physician" else "digital_nurse"
            elif kind == "home_health_care":
                key = f"home_health_{prof}"
            out[k, j] = names.index(key) if key in RECIPES else -1
    return out


RECIPE_OF = _recipe_table()
_SURGICAL_MINUTES = dx.dx_lookup(dx.SURGICAL_CODES, 0.0).astype(float)
_USUALLY_OPERATED = np.isin(np.array(dx.DX_NAMES), ["S72.0", "M16.1", "M17.1"])
_IMPLANT_SEK = dx.dx_lookup(IMPLANTS, 0.0).astype(float)
_MEASURE_OF = np.array([MEASURES.index(MEASURE.get(r, "minutes")) for r in RESOURCES], np.int8)


def _positions_by_recipe(kind: np.ndarray, profession: np.ndarray) -> list[np.ndarray]:
    """For each recipe, the positions of its encounters in increasing order."""
    key = RECIPE_OF[kind, profession]
    order = np.argsort(key, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(key + 1, minlength=len(RECIPES) + 1))]
    return [order[bounds[r + 1] : bounds[r + 2]] for r in range(len(RECIPES))]


def build(
    rng,
    kind,
    profession,
    unit,
    diagnosis,
    los,
    img_unit,
    surg_unit,
    lab_unit,
    year_code,
    n_units,
    n_years,
    duplicated=None,
    n_conditions=None,
):
    """Activity rows for all encounters (arrays indexed by encounter position).

    Everything is an integer code: ``kind``, ``profession`` and ``diagnosis`` (see
    :mod:`.codes`), ``unit`` the encounter's own unit, ``img_unit`` and ``surg_unit``
    the radiology department and surgical centre that serve it, ``lab_unit`` the
    laboratory and ``year_code`` the year of the encounter (0 = first year). Returns
    arrays ``encounter`` (position + 1, int64), ``unit``, ``resource``, ``quantity``
    and ``measure`` (codes into ``schema.RESOURCES`` and ``schema.MEASURES``), and
    ``used``: the quantity per (unit, year, resource), shape
    ``(n_units, n_years, len(RESOURCES))``.

    ``duplicated`` (positions, for the planted duplicate load) adds copies of those
    encounters' activity rows at the end, with encounter ``len(kind) + 1 + i`` for the
    i-th position; the copies are not counted in ``used``. ``n_conditions`` (chronic
    conditions of the patient, per encounter) lengthens the staff time of visits.
    """
    parts = []  # (encounter positions, where, resource code, quantities)

    def emit(idx, where, resource, q):
        parts.append((idx, where, RESOURCE_CODE[resource], q))

    extra = None
    if n_conditions is not None:
        extra = 1 + A.COMPLEX_VISIT_EXTRA_PER_CONDITION * np.minimum(
            n_conditions, A.COMPLEX_VISIT_MAX_CONDITIONS
        )
    for idx, (name, lines) in zip(_positions_by_recipe(kind, profession), RECIPES.items()):
        # primary care documents its indirect patient work on the visits (assumptions.py)
        indirect = 1 + A.PRIMARY_CARE_INDIRECT_SHARE if name in PRIMARY_CARE_RECIPES else 1.0
        for resource, p, mean, sd, where in lines:
            use = idx if p >= 1 else idx[rng.random(len(idx)) < p]
            q = _amount(rng, len(use), mean, sd, resource)
            if resource in PROFESSIONS and (extra is not None or indirect != 1.0):
                q = np.round(q * (extra[use] if extra is not None else 1.0) * indirect)
            emit(use, where, resource, q)
    ip = np.flatnonzero(kind == C.KIND["inpatient"])
    days = np.maximum(los[ip], 1).astype(float)
    emit(ip, "own", "bed_day", days)
    for resource, p, mean, sd in INPATIENT_PER_DAY:
        use = np.arange(len(ip)) if p >= 1 else np.flatnonzero(rng.random(len(ip)) < p)
        per_day = rng.lognormal(np.log(mean) - sd**2 / 2, sd, len(use))
        q = per_day * days[use]
        q = np.round(q, 2) if resource in ("drugs", "supplies") else np.maximum(1, np.round(q))
        emit(ip[use], "lab" if resource == "laboratory" else "own", resource, q)
    for resource, p, mean, sd, where in INPATIENT_PER_EPISODE:
        use = ip[rng.random(len(ip)) < p]
        emit(use, where, resource, _amount(rng, len(use), mean, sd, resource))
    # operations during inpatient stays, at the surgical centre
    dx_ip = diagnosis[ip]
    minutes = _SURGICAL_MINUTES[dx_ip]
    operated = minutes > 0
    # acute surgical diagnoses are not always operated (E)
    operated &= rng.random(len(ip)) < np.where(_USUALLY_OPERATED[dx_ip], 0.95, 0.6)
    op = ip[operated]
    tmin = np.maximum(15, np.round(minutes[operated] * rng.lognormal(-0.045, 0.3, len(op))))
    emit(op, "sc", "theatre", tmin)
    emit(op, "sc", "physician", np.round(tmin * 2.2))  # surgeon, assistant, anaesthetist
    emit(op, "sc", "nurse", np.round(tmin * 2.0))  # theatre and anaesthesia nurses
    implant = _IMPLANT_SEK[dx_ip[operated]]
    has = implant > 0
    emit(op[has], "sc", "supplies", np.round(implant[has] * rng.lognormal(0, 0.15, has.sum()), 2))
    # the cell (unit, year) each part's rows are counted in, per encounter
    cells = {
        w: u.astype(np.int16) * n_years + year_code
        for w, u in (("own", unit), ("img", img_unit), ("sc", surg_unit))
    }
    cells["lab"] = lab_unit * n_years + year_code
    units = {"own": unit, "img": img_unit, "sc": surg_unit}
    copy_of = np.full(len(kind), -1, np.int64)
    if duplicated is not None and len(duplicated):
        copy_of[duplicated] = len(kind) + 1 + np.arange(len(duplicated))
    out = _assemble(parts, units, lab_unit, cells, n_units * n_years, copy_of)
    shape = (len(RESOURCES), n_units, n_years)
    out["used"] = out["used"].reshape(shape).transpose(1, 2, 0)
    return out


def _assemble(parts, units, lab_unit, cells, n_cells, copy_of) -> dict:
    """One array per column, filled part by part (each part is freed once copied), the
    quantity used per unit and year (cell) and resource, and the duplicated rows."""
    if copy_of.max(initial=-1) > 0:
        is_copy = (copy_of > 0).view(np.int8)
        copied = [np.flatnonzero(is_copy[p[0]]) for p in parts]
    else:
        copied = [np.zeros(0, np.int64)] * len(parts)
    n = sum(len(p[0]) for p in parts)
    n_all = n + sum(len(k) for k in copied)
    out = dict(
        encounter=np.empty(n_all, np.int64),
        unit=np.empty(n_all, units["own"].dtype),
        resource=np.empty(n_all, np.int8),
        quantity=np.empty(n_all, np.float64),
    )
    used = np.zeros((len(RESOURCES), n_cells))
    at, at_copy = 0, n
    parts.reverse()
    copied.reverse()
    while parts:
        idx, where, res, q = parts.pop()
        sl = slice(at, at + len(idx))
        np.add(idx, 1, out=out["encounter"][sl])
        u = out["unit"][sl]
        if where == "lab":
            u[:] = lab_unit
        else:
            np.take(units[where], idx, out=u)
        out["resource"][sl] = res
        out["quantity"][sl] = q
        cell = cells[where][idx]
        used[res] += np.bincount(cell, weights=out["quantity"][sl], minlength=n_cells)
        k = copied.pop()
        if len(k):
            cs = slice(at_copy, at_copy + len(k))
            out["encounter"][cs] = copy_of[idx[k]]
            out["unit"][cs] = u[k]
            out["resource"][cs] = res
            out["quantity"][cs] = out["quantity"][sl][k]
            at_copy = cs.stop
        at = sl.stop
    out["measure"] = _MEASURE_OF[out["resource"]]
    out["used"] = used
    return out
