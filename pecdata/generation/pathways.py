"""Care-pathway (vårdförlopp) milestones for stroke/TIA, sepsis, COPD and hip osteoarthritis.

Milestones and time targets follow the national personcentrerade och sammanhållna
vårdförlopp (calibration.md section 6): stroke door-to-needle <= 30 minutes and
the stroke unit as first level of care [S56][S57]; sepsis antibiotics within an
hour and telephone follow-up after discharge [S54][S55]; COPD follow-up within six
weeks of an exacerbation [S47][S48]; hip osteoarthritis basic treatment (education
and exercise) before referral to orthopaedics [S45][S46]. Times are estimates (E)
shaped so that some targets are met and some are not, as in real follow-up.
"""

from __future__ import annotations

import numpy as np

from pecdata.generation import codes as C
from pecdata.generation import diagnoses as dx
from pecdata.generation.care import SECONDS_PER_DAY as DAY
from pecdata.generation.care import Contacts
from pecdata.generation.planted import STROKE_DTN_MEDIAN

REF_NONE, REF_INPATIENT, REF_ED, REF_EXTRA = 0, 1, 2, 3


class Events:
    def __init__(self):
        self.parts = []

    def add(self, pathway, instance, row, milestone, time, unit, ref_kind, ref_idx):
        n = len(instance)
        self.parts.append(
            dict(
                pathway=np.full(n, pathway, dtype=object),
                instance=instance,
                row=row,
                milestone=np.full(n, milestone, dtype=object),
                time=time.astype(np.int64),
                unit=np.broadcast_to(np.asarray(unit, np.int16), (n,)).copy(),
                ref_kind=np.full(n, ref_kind, np.int8),
                ref_idx=np.asarray(ref_idx, dtype=np.int64) * np.ones(n, np.int64),
            )
        )

    def arrays(self):
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _lognormal_minutes(rng, median, sd, n):
    return (rng.lognormal(np.log(median), sd, n) * 60).astype(np.int64)


def build(rng, ep, ed: Contacts, py, ctx, plan, next_instance=1):
    """Events and the follow-up visits the pathways create (returned as Contacts)."""
    ev = Events()
    extra = []
    n_extra = 0
    inst = next_instance
    code = ep.c.diagnosis
    # the acute hospital behind each stay (a stay at the local hospital belongs to Vallsberg's)
    site = C.HOSPITAL_OF_MUNI[C.SITE_OF_UNIT[ep.c.unit]]
    # --- stroke and TIA: arrival -> imaging -> reperfusion -> stroke unit -> discharge -> visit
    idx = np.flatnonzero(dx.dx_prefix("I63", "G45")[code])
    ids = np.arange(inst, inst + len(idx))
    inst += len(idx)
    via_ed = ep.ed[idx] >= 0
    arrival = np.where(via_ed, ed.start[np.maximum(ep.ed[idx], 0)], ep.c.start[idx])
    ed_unit = np.where(via_ed, ed.unit[np.maximum(ep.ed[idx], 0)], C.ED_UNIT[site[idx]])
    ev.add(
        "stroke_tia",
        ids,
        ep.c.row[idx],
        "ed_arrival",
        arrival,
        ed_unit,
        REF_ED,
        np.where(via_ed, ep.ed[idx], -1),
    )
    ev.add(
        "stroke_tia",
        ids,
        ep.c.row[idx],
        "brain_imaging",
        arrival + _lognormal_minutes(rng, 22, 0.45, len(idx)),
        C.IMAGING_UNIT[site[idx]],
        REF_NONE,
        -1,
    )
    rep = dx.dx_prefix("I63")[code[idx]] & (rng.random(len(idx)) < 0.16)
    slow = (
        site[idx] == C.SITE[plan.slow_stroke_site]
        if plan.on("stroke_door_to_needle")
        else np.zeros(len(idx), bool)
    )
    med = np.where(slow, STROKE_DTN_MEDIAN["slow"], STROKE_DTN_MEDIAN["fast"])
    dtn = (rng.lognormal(np.log(med), 0.35) * 60).astype(np.int64)
    r = np.flatnonzero(rep)
    ev.add(
        "stroke_tia",
        ids[r],
        ep.c.row[idx][r],
        "reperfusion_start",
        arrival[r] + dtn[r],
        ed_unit[r],
        REF_NONE,
        -1,
    )
    su = ep.spec[idx] == C.SPEC["neurology"]
    s = np.flatnonzero(su)
    ev.add(
        "stroke_tia",
        ids[s],
        ep.c.row[idx][s],
        "stroke_unit_admission",
        ep.c.start[idx][s],
        ep.c.unit[idx][s],
        REF_INPATIENT,
        idx[s],
    )
    _discharge_and_visit(
        rng,
        ev,
        extra,
        "stroke_tia",
        ids,
        idx,
        ep,
        py,
        ctx,
        p_visit=0.75,
        median_days=60,
        kind="outpatient_physician",
        unit_fn=lambda rows, i: C.CLINIC[site[i], C.SPEC["neurology"]],
        dx_code="I69.3",
        offset=n_extra,
    )
    n_extra = sum(len(c) for c in extra)
    # --- sepsis: arrival -> alarm -> antibiotics -> admission -> discharge -> phone call
    idx = np.flatnonzero(dx.dx_prefix("A41")[code] & (ep.ed >= 0))
    ids = np.arange(inst, inst + len(idx))
    inst += len(idx)
    arrival = ed.start[ep.ed[idx]]
    ev.add(
        "sepsis", ids, ep.c.row[idx], "ed_arrival", arrival, ed.unit[ep.ed[idx]], REF_ED, ep.ed[idx]
    )
    alarm = rng.random(len(idx)) < 0.8
    a = np.flatnonzero(alarm)
    ev.add(
        "sepsis",
        ids[a],
        ep.c.row[idx][a],
        "sepsis_alarm",
        arrival[a] + _lognormal_minutes(rng, 14, 0.5, len(a)),
        ed.unit[ep.ed[idx]][a],
        REF_NONE,
        -1,
    )
    abx = arrival + _lognormal_minutes(rng, 55, 0.6, len(idx))
    ev.add(
        "sepsis", ids, ep.c.row[idx], "antibiotics_given", abx, ed.unit[ep.ed[idx]], REF_NONE, -1
    )
    ev.add(
        "sepsis",
        ids,
        ep.c.row[idx],
        "admission",
        ep.c.start[idx],
        ep.c.unit[idx],
        REF_INPATIENT,
        idx,
    )
    ev.add(
        "sepsis", ids, ep.c.row[idx], "discharge", ep.c.end[idx], ep.c.unit[idx], REF_INPATIENT, idx
    )
    ph = np.flatnonzero((ep.dest[idx] != C.DECEASED) & (rng.random(len(idx)) < 0.45))
    ev.add(
        "sepsis",
        ids[ph],
        ep.c.row[idx][ph],
        "telephone_follow_up",
        ep.c.end[idx][ph] + (rng.uniform(2, 14, len(ph)) * DAY).astype(np.int64),
        ep.c.unit[idx][ph],
        REF_NONE,
        -1,
    )
    # --- COPD exacerbation: admission -> discharge -> follow-up visit in primary care
    idx = np.flatnonzero(dx.dx_prefix("J44")[code])
    ids = np.arange(inst, inst + len(idx))
    inst += len(idx)
    ev.add(
        "copd", ids, ep.c.row[idx], "admission", ep.c.start[idx], ep.c.unit[idx], REF_INPATIENT, idx
    )
    _discharge_and_visit(
        rng,
        ev,
        extra,
        "copd",
        ids,
        idx,
        ep,
        py,
        ctx,
        p_visit=0.8,
        median_days=32,
        kind="pc_nurse",
        unit_fn=lambda rows, i: ctx["pcc_units"][py.pcc[rows]],
        dx_code="J44.9",
        offset=n_extra,
    )
    n_extra = sum(len(c) for c in extra)
    # --- hip osteoarthritis: the course before and after the arthroplasty
    idx = np.flatnonzero((code == dx.DX["M16.1"]) & ~ep.acute)
    ids = np.arange(inst, inst + len(idx))
    inst += len(idx)
    rows = ep.c.row[idx]
    pcc = ctx["pcc_units"][py.pcc[rows]]
    surgery = ep.c.start[idx]
    assess = surgery - (rng.lognormal(np.log(100), 0.5, len(idx)) * DAY).astype(np.int64)
    referral = assess - (rng.lognormal(np.log(30), 0.5, len(idx)) * DAY).astype(np.int64)
    before = rng.random(len(idx)) < 0.6  # basic treatment before referral (target)
    basic = np.where(
        before,
        referral - (rng.lognormal(np.log(120), 0.4, len(idx)) * DAY),
        referral + (rng.lognormal(np.log(20), 0.5, len(idx)) * DAY),
    ).astype(np.int64)
    diagnosis = np.minimum(basic, referral) - (
        rng.lognormal(np.log(60), 0.5, len(idx)) * DAY
    ).astype(np.int64)
    got_basic = before | (rng.random(len(idx)) < 0.5)
    ortho = C.CLINIC[site[idx], C.SPEC["orthopaedics"]]
    ev.add("hip_osteoarthritis", ids, rows, "diagnosis", diagnosis, pcc, REF_NONE, -1)
    g = np.flatnonzero(got_basic)
    ev.add(
        "hip_osteoarthritis",
        ids[g],
        rows[g],
        "basic_treatment_start",
        basic[g],
        pcc[g],
        REF_NONE,
        -1,
    )
    ev.add("hip_osteoarthritis", ids, rows, "orthopaedic_referral", referral, pcc, REF_NONE, -1)
    ev.add("hip_osteoarthritis", ids, rows, "orthopaedic_assessment", assess, ortho, REF_NONE, -1)
    ev.add(
        "hip_osteoarthritis", ids, rows, "arthroplasty", surgery, ep.c.unit[idx], REF_INPATIENT, idx
    )
    ev.add(
        "hip_osteoarthritis",
        ids,
        rows,
        "discharge",
        ep.c.end[idx],
        ep.c.unit[idx],
        REF_INPATIENT,
        idx,
    )
    met = np.flatnonzero(rng.random(len(idx)) < 0.8)
    ev.add(
        "hip_osteoarthritis",
        ids[met],
        rows[met],
        "rehabilitation_goal_met",
        ep.c.end[idx][met] + (rng.lognormal(np.log(90), 0.3, len(met)) * DAY).astype(np.int64),
        pcc[met],
        REF_NONE,
        -1,
    )
    extra_c = Contacts.concat(extra) if extra else None
    return ev.arrays(), extra_c


def _discharge_and_visit(
    rng,
    ev,
    extra,
    pathway,
    ids,
    idx,
    ep,
    py,
    ctx,
    p_visit,
    median_days,
    kind,
    unit_fn,
    dx_code,
    offset,
):
    ev.add(
        pathway, ids, ep.c.row[idx], "discharge", ep.c.end[idx], ep.c.unit[idx], REF_INPATIENT, idx
    )
    alive = ep.dest[idx] != C.DECEASED
    gap = rng.lognormal(np.log(median_days), 0.5, len(idx)) * DAY
    day = (ep.c.end[idx] + gap.astype(np.int64)) // DAY
    rows = ep.c.row[idx]
    # the visit must fall while the person still lives in the region, within the data's years
    ok = (
        alive
        & (rng.random(len(idx)) < p_visit)
        & (day < ctx["exit_day"][ctx["pid"][rows]])
        & (day < ctx["end_day"])
    )
    v = np.flatnonzero(ok)
    start = day[v] * DAY + (rng.uniform(8, 16, len(v)) * 3600).astype(np.int64)
    prof = "physician" if kind == "outpatient_physician" else "nurse"
    c = Contacts.of(
        rows[v],
        kind,
        start,
        start + 40 * 60,
        np.full(len(v), dx.DX[dx_code]),
        unit_fn(rows[v], idx[v]),
        C.PROF[prof],
    )
    extra.append(c)
    ev.add(
        pathway,
        ids[v],
        rows[v],
        "follow_up_visit",
        start,
        c.unit,
        REF_EXTRA,
        offset + np.arange(len(v)),
    )
