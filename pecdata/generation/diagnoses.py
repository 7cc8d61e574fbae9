"""Main diagnoses (ICD-10-SE) for encounters, and the specialty that treats them.

An encounter's diagnosis is either *linked* to one of the patient's chronic
conditions (a heart-failure patient admitted with decompensated heart failure,
I50.9) or drawn from a pool of common diagnoses for that level of care. Pool
weights are estimates (E) shaped after the most common main diagnoses in
Socialstyrelsen's patient register (R).
"""

from __future__ import annotations

import numpy as np

from pecdata.generation import assumptions as A
from pecdata.warehouse.schema import CONDITIONS, SPECIALTIES

#: Code used when an encounter at a level of care is about a chronic condition.
LINKED_CODES = {
    #                 primary care, outpatient, emergency, inpatient
    "hypertension": ("I10", "I10", "I10", "I11.0"),
    "heart_failure": ("I50.9", "I50.9", "I50.9", "I50.9"),
    "atrial_fibrillation": ("I48.9", "I48.9", "I48.9", "I48.9"),
    "ischaemic_heart_disease": ("I25.1", "I25.1", "I20.9", "I20.0"),
    "diabetes_t2": ("E11.9", "E11.9", "E11.6", "E11.6"),
    "copd": ("J44.9", "J44.9", "J44.1", "J44.1"),
    "dementia": ("F03.9", "F03.9", "F05.1", "F05.1"),
    "depression": ("F32.9", "F32.9", "F32.9", "F32.2"),
    "stroke": ("I69.3", "I69.3", "I63.9", "I63.9"),
    "rheumatoid_arthritis": ("M06.9", "M06.9", "M06.9", "M06.9"),
    "hip_osteoarthritis": ("M16.9", "M16.9", "M16.9", "M16.1"),
    "asthma": ("J45.9", "J45.9", "J45.9", "J45.9"),
    "hypothyroidism": ("E03.9", "E03.9", "R53", "E03.9"),
    "hyperlipidaemia": ("E78.5", "E78.5", "R07.4", "R07.4"),
    "knee_osteoarthritis": ("M17.9", "M17.9", "M17.9", "M17.1"),
    "cancer": ("C80.9", "C80.9", "R53", "C80.9"),
    "chronic_kidney_disease": ("N18.3", "N18.3", "N17.9", "N17.9"),
    "osteoporosis": ("M81.9", "M81.9", "S52.5", "S72.0"),
    "parkinsons_disease": ("G20", "G20", "R55", "G20"),
    "chronic_back_pain": ("M54.5", "M54.5", "M54.5", "M54.5"),
}
#: How often a chronic condition is the reason for contact, relative to the others (E).
LINK_WEIGHT = {
    "hypertension": 0.5,
    "heart_failure": 3.0,
    "atrial_fibrillation": 1.2,
    "ischaemic_heart_disease": 1.2,
    "diabetes_t2": 1.2,
    "copd": 2.5,
    "dementia": 1.0,
    "depression": 1.0,
    "stroke": 1.0,
    "rheumatoid_arthritis": 1.5,
    "hip_osteoarthritis": 1.0,
    # the nine added for multimorbidity are seldom the reason a patient who also has one of the
    # eleven above is seen (and one reason is drawn for all levels of care): low weights keep
    # the eleven's share of diagnoses, hospital ones above all, as it was (E)
    "asthma": 0.3,
    "hypothyroidism": 0.1,
    "hyperlipidaemia": 0.1,
    "knee_osteoarthritis": 0.3,
    "cancer": 1.0,
    "chronic_kidney_disease": 0.5,
    "osteoporosis": 0.3,
    "parkinsons_disease": 1.0,
    "chronic_back_pain": 0.2,
}
#: Probability that an encounter at each level is about a chronic condition the patient has (E).
LINK_PROBABILITY = {
    "primary_care": 0.55,
    "digital": 0.20,
    "outpatient": 0.60,
    "emergency": 0.30,
    "inpatient": 0.50,
    "day_surgery": 0.10,
    "home_health_care": 0.70,
}
LEVEL_COLUMN = {
    "primary_care": 0,
    "digital": 0,
    "outpatient": 1,
    "emergency": 2,
    "inpatient": 3,
    "day_surgery": 1,
    "home_health_care": 0,
}

POOLS = {
    "primary_care": [
        ("J06.9", 10),
        ("N39.0", 6),
        ("M54.5", 8),
        ("Z00.0", 6),
        ("R05", 4),
        ("L30.9", 4),
        ("J02.9", 4),
        ("H66.9", 3),
        ("R51", 2),
        ("K59.0", 2),
        ("Z30.0", 2),
        ("F41.9", 4),
        ("M25.5", 5),
        ("E03.9", 2),
        ("Z23", 4),
    ],
    "digital": [
        ("J06.9", 10),
        ("N39.0", 6),
        ("L30.9", 5),
        ("F41.9", 4),
        ("J02.9", 3),
        ("H10.9", 3),
        ("Z76.0", 4),
    ],
    "emergency": [
        ("R07.4", 10),
        ("R10.4", 10),
        ("S52.5", 4),
        ("S06.0", 4),
        ("R55", 4),
        ("J18.9", 5),
        ("N39.0", 4),
        ("S72.0", 2),
        ("R06.0", 4),
        ("T78.4", 2),
        ("A41.9", 1.5),
        ("G45.9", 1.2),
        ("I63.9", 1.0),
        ("R51", 3),
        ("S93.4", 4),
        ("K80.2", 2),
        ("E86", 1.5),
        ("J03.9", 1.5),
    ],
    # acute admissions not about a chronic condition the patient already has
    "inpatient": [
        ("J18.9", 10),
        ("A41.9", 4),
        ("N10", 4),
        ("N39.0", 4),
        ("S72.0", 6),
        ("R07.4", 5),
        ("R10.4", 5),
        ("K80.2", 4),
        ("K35.8", 3),
        ("R55", 3),
        ("I63.9", 4),
        ("G45.9", 2),
        ("I21.4", 3),
        ("E86", 2),
        ("D50.9", 1.5),
        ("K52.9", 2),
        ("C18.9", 2),
        ("K56.6", 2),
        ("S42.2", 2),
        ("J03.9", 0.5),
    ],
    "planned": [
        ("M17.1", 10),
        ("K80.2", 7),
        ("C18.9", 5),
        ("K40.9", 5),
        ("C61.9", 3),
        ("I25.1", 4),
        ("I48.9", 3),
        ("M16.1", 1),
        ("N40.9", 3),
        ("C50.9", 4),
    ],
    "day_surgery": [
        ("K40.9", 10),
        ("M23.2", 8),
        ("H25.9", 12),
        ("M72.0", 5),
        ("G56.0", 6),
        ("K80.2", 6),
        ("N40.9", 3),
        ("D22.9", 5),
        ("M75.1", 6),
    ],
    "home_health_care": [("Z48.0", 10), ("L89.9", 4), ("Z51.8", 8), ("R26.8", 4)],
}
#: Outpatient: specialty first, then a code (E).
OUTPATIENT_SPECIALTY_SHARES = {
    "orthopaedics": 0.25,
    "general_surgery": 0.22,
    "internal_medicine": 0.20,
    "cardiology": 0.12,
    "neurology": 0.10,
    "pulmonology": 0.06,
    "rheumatology": 0.05,
}
OUTPATIENT_POOLS = {
    "orthopaedics": [("M54.5", 3), ("M17.9", 4), ("S82.6", 2), ("M75.1", 2), ("M23.2", 2)],
    "general_surgery": [("K40.9", 3), ("K80.2", 3), ("C18.9", 2), ("K57.3", 2), ("K60.2", 1)],
    "internal_medicine": [("R53", 2), ("D50.9", 2), ("E03.9", 2), ("K21.9", 2), ("N18.3", 2)],
    "cardiology": [("R07.4", 3), ("I49.9", 2), ("R00.2", 2), ("I35.0", 1)],
    "neurology": [("G43.9", 3), ("G40.9", 2), ("G35", 1), ("G20", 1), ("R51", 1)],
    "pulmonology": [("J45.9", 4), ("R06.0", 2), ("J84.1", 1)],
    "rheumatology": [("M79.1", 2), ("M35.3", 2), ("M45", 2)],
}
CONDITION_SPECIALTY = {
    "hypertension": "internal_medicine",
    "heart_failure": "cardiology",
    "atrial_fibrillation": "cardiology",
    "ischaemic_heart_disease": "cardiology",
    "diabetes_t2": "internal_medicine",
    "copd": "pulmonology",
    "dementia": "internal_medicine",
    "depression": "internal_medicine",
    "stroke": "neurology",
    "rheumatoid_arthritis": "rheumatology",
    "hip_osteoarthritis": "orthopaedics",
    "asthma": "pulmonology",
    "hypothyroidism": "internal_medicine",
    "hyperlipidaemia": "internal_medicine",
    "knee_osteoarthritis": "orthopaedics",
    "cancer": "general_surgery",
    "chronic_kidney_disease": "internal_medicine",
    "osteoporosis": "rheumatology",
    "parkinsons_disease": "neurology",
    "chronic_back_pain": "orthopaedics",
}
#: Ward specialty by the first letters of the main diagnosis of an inpatient episode.
WARD_BY_CODE = [
    ("I50", "cardiology"),
    ("I48", "cardiology"),
    ("I2", "cardiology"),
    ("R07", "cardiology"),
    ("I11", "cardiology"),
    ("I63", "neurology"),
    ("G45", "neurology"),
    ("I69", "neurology"),
    ("G20", "neurology"),
    ("A41", "infectious_diseases"),
    ("N10", "infectious_diseases"),
    ("J18", "internal_medicine"),
    ("S72", "orthopaedics"),
    ("S42", "orthopaedics"),
    ("M1", "orthopaedics"),
    ("M54", "orthopaedics"),
    ("K", "general_surgery"),
    ("C", "general_surgery"),
    ("R10", "general_surgery"),
    ("N40", "general_surgery"),
    ("F0", "geriatrics"),
]
#: Diagnoses treated surgically during an inpatient episode, with theatre minutes (E).
SURGICAL_CODES = {
    "S72.0": 95,
    "M16.1": 110,
    "M17.1": 105,
    "K80.2": 80,
    "K35.8": 60,
    "C18.9": 200,
    "K40.9": 70,
    "C61.9": 180,
    "K56.6": 120,
    "S42.2": 90,
    "C50.9": 100,
    "N40.9": 60,
}


#: The vocabulary of main diagnoses: encounters carry an index into it (int16).
DX_NAMES = tuple(
    sorted(
        {c for codes in LINKED_CODES.values() for c in codes}
        | {c for pool in POOLS.values() for c, _ in pool}
        | {c for pool in OUTPATIENT_POOLS.values() for c, _ in pool}
        | set(SURGICAL_CODES)
    )
)
DX = {c: i for i, c in enumerate(DX_NAMES)}
_SPECIALTY = {s: i for i, s in enumerate(SPECIALTIES)}


def dx_prefix(*prefixes: str) -> np.ndarray:
    """Boolean per diagnosis code of :data:`DX_NAMES`: does it start with one of ``prefixes``?"""
    return np.array([c.startswith(prefixes) for c in DX_NAMES], bool)


def dx_lookup(mapping: dict, default=0.0) -> np.ndarray:
    """Per diagnosis code of :data:`DX_NAMES`: ``mapping.get(code, default)``."""
    return np.array([mapping.get(c, default) for c in DX_NAMES])


def _ward_of_code() -> np.ndarray:
    spec = np.full(len(DX_NAMES), _SPECIALTY["internal_medicine"], np.int8)
    for i, c in enumerate(DX_NAMES):
        for prefix, s in WARD_BY_CODE:
            if c.startswith(prefix):
                spec[i] = _SPECIALTY[s]
                break
    return spec


WARD_OF_CODE = _ward_of_code()
_MEDICAL = np.isin(
    np.arange(len(SPECIALTIES)),
    [_SPECIALTY[s] for s in ("internal_medicine", "cardiology", "infectious_diseases")],
)
_LINKED = np.array([[DX[LINKED_CODES[c][col]] for c in CONDITIONS] for col in range(4)], np.int16)


def pick_conditions(rng, cond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each person-year, two of the person's conditions (index, -1 if none), by weight."""
    w = np.array([LINK_WEIGHT[c] for c in CONDITIONS])
    race = np.where(cond, rng.exponential(size=cond.shape) / w, np.inf)
    rows = np.arange(len(race))
    o1 = np.argmin(race, axis=1)
    r1 = race[rows, o1]
    race[rows, o1] = np.inf
    o2 = np.argmin(race, axis=1)
    r2 = race[rows, o2]
    first = np.where(np.isfinite(r1), o1, -1)
    second = np.where(np.isfinite(r2), o2, first)
    return first, second


def draw_from_pool(rng, pool, n: int) -> np.ndarray:
    """``n`` diagnosis codes (int16 indices into :data:`DX_NAMES`) drawn from a weighted pool."""
    codes = np.array([DX[c] for c, _ in pool], np.int16)
    w = np.array([x for _, x in pool], float)
    return codes[rng.choice(len(codes), n, p=w / w.sum())]


def assign(rng, level: str, linked: np.ndarray, pool_name: str | None = None) -> np.ndarray:
    """Diagnosis codes for encounters at ``level``; ``linked`` holds a condition index or -1."""
    n = len(linked)
    use_link = (linked >= 0) & (rng.random(n) < LINK_PROBABILITY[level])
    out = draw_from_pool(rng, POOLS[pool_name or level], n)
    out[use_link] = _LINKED[LEVEL_COLUMN[level]][linked[use_link]]
    return out


def ward_specialty(codes: np.ndarray, age: np.ndarray, rng) -> np.ndarray:
    """Ward specialty (index into ``SPECIALTIES``) for inpatient main diagnoses; older medical
    patients often go to geriatrics."""
    spec = WARD_OF_CODE[codes]
    medical = _MEDICAL[spec]
    spec[medical & (age >= 80) & (rng.random(len(codes)) < 0.4)] = _SPECIALTY["geriatrics"]
    # some stroke patients are first admitted elsewhere than the stroke unit
    missed = (spec == _SPECIALTY["neurology"]) & (
        rng.random(len(codes)) < A.STROKE_UNIT_MISSED_SHARE
    )
    spec[missed] = np.where(
        age[missed] >= 80, _SPECIALTY["geriatrics"], _SPECIALTY["internal_medicine"]
    )
    return spec


def outpatient(rng, linked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Specialty (index into ``SPECIALTIES``) and code of specialist outpatient visits."""
    n = len(linked)
    use_link = (linked >= 0) & (rng.random(n) < LINK_PROBABILITY["outpatient"])
    specs = np.array([_SPECIALTY[s] for s in OUTPATIENT_SPECIALTY_SHARES], np.int8)
    p = np.array(list(OUTPATIENT_SPECIALTY_SHARES.values()))
    spec = specs[rng.choice(len(specs), n, p=p / p.sum())]
    code = np.empty(n, np.int16)
    for s, name in zip(specs, OUTPATIENT_SPECIALTY_SHARES):
        m = spec == s
        code[m] = draw_from_pool(rng, OUTPATIENT_POOLS[name], int(m.sum()))
    cond_spec = np.array([_SPECIALTY[CONDITION_SPECIALTY[c]] for c in CONDITIONS], np.int8)
    cond_code = _LINKED[1]
    spec[use_link] = cond_spec[linked[use_link]]
    code[use_link] = cond_code[linked[use_link]]
    return spec, code
