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

from ..schema import MEASURES, RESOURCES
from . import diagnoses as dx

RESOURCE_CODE = {r: i for i, r in enumerate(RESOURCES)}

MEASURE = {"bed_day": "bed_days", "theatre": "minutes", "imaging": "exams",
           "laboratory": "tests", "drugs": "sek", "supplies": "sek"}
# recipe line: (resource, probability, mean, log sd, where)
RECIPES = {
    "pc_physician": [("physician", 1, 60, .35, "own"), ("nurse", .4, 12, .4, "own"),
                     ("medical_secretary", .7, 10, .4, "own"),
                     ("assistant_nurse", .6, 10, .4, "own"), ("laboratory", .4, 2, .5, "lab"),
                     ("imaging", .05, 1, 0, "img"), ("drugs", .35, 200, .8, "own"),
                     ("supplies", 1, 40, .4, "own")],
    "pc_nurse": [("nurse", 1, 45, .35, "own"), ("assistant_nurse", .3, 12, .4, "own"),
                 ("medical_secretary", .3, 5, .4, "own"),
                 ("laboratory", .45, 2, .5, "lab"), ("drugs", .2, 80, .8, "own"),
                 ("supplies", 1, 40, .4, "own")],
    "pc_allied": [("allied_health", 1, 60, .3, "own"), ("supplies", 1, 30, .4, "own")],
    "digital_physician": [("physician", 1, 12, .4, "own")],
    "digital_nurse": [("nurse", 1, 10, .4, "own")],
    "outpatient_physician": [("physician", 1, 60, .4, "own"), ("nurse", .7, 25, .4, "own"),
                             ("medical_secretary", .9, 20, .3, "own"),
                             ("laboratory", .5, 3, .5, "lab"), ("imaging", .3, 1, 0, "img"),
                             ("drugs", .12, 10000, 0.6, "own"), ("supplies", 1, 150, .5, "own")],
    "outpatient_nurse": [("nurse", 1, 50, .35, "own"), ("medical_secretary", .6, 10, .3, "own"),
                         ("laboratory", .4, 2, .5, "lab"), ("drugs", .1, 1500, .9, "own"),
                         ("supplies", 1, 100, .5, "own")],
    "emergency": [("physician", 1, 60, .5, "own"), ("nurse", 1, 110, .45, "own"),
                  ("assistant_nurse", 1, 90, .45, "own"),
                  ("medical_secretary", .8, 10, .3, "own"), ("laboratory", .8, 6, .5, "lab"),
                  ("imaging", .5, 1.3, .3, "img"), ("drugs", .7, 250, .8, "own"),
                  ("supplies", 1, 350, .5, "own")],
    "day_surgery": [("theatre", 1, 75, .35, "own"), ("physician", 1, 100, .35, "own"),
                    ("nurse", 1, 160, .3, "own"), ("assistant_nurse", 1, 60, .3, "own"),
                    ("medical_secretary", 1, 15, .3, "own"), ("laboratory", .3, 2, .5, "lab"),
                    ("drugs", 1, 400, .6, "own"), ("supplies", 1, 3000, .6, "own")],
    "home_health_nurse": [("nurse", 1, 50, .35, "own"), ("supplies", 1, 60, .6, "own"),
                          ("drugs", .3, 50, .8, "own")],
    "home_health_assistant_nurse": [("assistant_nurse", 1, 45, .35, "own"),
                                    ("supplies", 1, 40, .6, "own")],
    "home_health_allied_health": [("allied_health", 1, 60, .3, "own")],
}
#: Inpatient care per bed-day (ward staff time per patient-day, E: about 11 nursing hours per
#: patient-day on Swedish somatic wards), and per episode.
INPATIENT_PER_DAY = [("physician", 1, 60, .35), ("nurse", 1, 300, .25),
                     ("assistant_nurse", 1, 290, .25), ("allied_health", .6, 30, .5),
                     ("laboratory", 1, 3, .4), ("drugs", 1, 900, .7), ("supplies", 1, 450, .5)]
INPATIENT_PER_EPISODE = [("medical_secretary", 1, 60, .3, "own"), ("imaging", .7, 1.5, .4, "img")]
#: Implants and costly supplies in theatre, SEK (E: hip/knee prosthesis ~25-35,000).
IMPLANTS = {"M16.1": 30_000, "M17.1": 28_000, "S72.0": 9_000}


def _amount(rng, n, mean, sd, resource):
    if sd == 0:
        q = np.full(n, float(mean))
    else:
        q = rng.lognormal(np.log(mean) - sd**2 / 2, sd, n)
    if resource in ("imaging", "laboratory"):
        q = np.maximum(1, np.round(q))
    elif resource in ("drugs", "supplies"):
        q = np.round(q, 2)
    else:
        q = np.maximum(1, np.round(q))
    return q


def recipe_key(kind: np.ndarray, profession: np.ndarray) -> np.ndarray:
    key = kind.astype(object).copy()
    dig = kind == "digital"
    key[dig] = np.where(profession[dig] == "physician", "digital_physician", "digital_nurse")
    hhc = kind == "home_health_care"
    key[hhc] = np.char.add("home_health_", profession[hhc].astype(str)).astype(object)
    return key


def build(rng, kind, profession, unit, diagnosis, los, img_unit, surg_unit, lab_unit):
    """Activity rows for all encounters (arrays indexed by encounter position).

    Units are integer codes: ``unit`` is the encounter's own unit, ``img_unit`` and
    ``surg_unit`` the radiology department and surgical centre that serve it and
    ``lab_unit`` the laboratory.
    """
    enc, units, res, qty = [], [], [], []

    def emit(idx, where, resource, q):
        enc.append(idx)
        res.append(np.full(len(idx), RESOURCE_CODE[resource], dtype=np.int8))
        qty.append(q)
        if where == "own":
            units.append(unit[idx])
        elif where == "img":
            units.append(img_unit[idx])
        elif where == "lab":
            units.append(np.full(len(idx), lab_unit, dtype=unit.dtype))
        else:
            units.append(surg_unit[idx])

    key = recipe_key(kind, profession)
    for name, lines in RECIPES.items():
        idx = np.flatnonzero(key == name)
        for resource, p, mean, sd, where in lines:
            use = idx if p >= 1 else idx[rng.random(len(idx)) < p]
            emit(use, where, resource, _amount(rng, len(use), mean, sd, resource))
    ip = np.flatnonzero(kind == "inpatient")
    days = np.maximum(los[ip], 1).astype(float)
    emit(ip, "own", "bed_day", days)
    for resource, p, mean, sd in INPATIENT_PER_DAY:
        use = np.arange(len(ip)) if p >= 1 else np.flatnonzero(rng.random(len(ip)) < p)
        per_day = rng.lognormal(np.log(mean) - sd**2 / 2, sd, len(use))
        q = per_day * days[use]
        q = np.round(q, 2) if resource in ("drugs", "supplies") else np.maximum(1, np.round(q))
        emit(ip[use], "own", resource, q)
    for resource, p, mean, sd, where in INPATIENT_PER_EPISODE:
        use = ip[rng.random(len(ip)) < p]
        emit(use, where, resource, _amount(rng, len(use), mean, sd, resource))
    # operations during inpatient stays, at the surgical centre
    dx_ip = diagnosis[ip].astype(str)
    minutes = np.vectorize(lambda c: dx.SURGICAL_CODES.get(c, 0), otypes=[float])(dx_ip)
    operated = minutes > 0
    # acute surgical diagnoses are not always operated (E)
    operated &= rng.random(len(ip)) < np.where(np.isin(dx_ip, ["S72.0", "M16.1", "M17.1"]),
                                               0.95, 0.6)
    op = ip[operated]
    tmin = np.maximum(15, np.round(minutes[operated] * rng.lognormal(-0.045, 0.3, len(op))))
    emit(op, "sc", "theatre", tmin)
    emit(op, "sc", "physician", np.round(tmin * 2.2))   # surgeon, assistant, anaesthetist
    emit(op, "sc", "nurse", np.round(tmin * 2.0))       # theatre and anaesthesia nurses
    implant = np.vectorize(lambda c: IMPLANTS.get(c, 0.0), otypes=[float])(dx_ip[operated])
    has = implant > 0
    emit(op[has], "sc", "supplies", np.round(implant[has] * rng.lognormal(0, .15, has.sum()), 2))
    res = np.concatenate(res)
    measure_of = np.array([MEASURES.index(MEASURE.get(r, "minutes")) for r in RESOURCES],
                          dtype=np.int8)
    return dict(encounter=np.concatenate(enc), unit=np.concatenate(units), resource=res,
                quantity=np.concatenate(qty).astype(float), measure=measure_of[res])
