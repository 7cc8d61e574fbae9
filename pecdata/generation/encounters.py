"""From the simulated contacts to the columns of the encounters table.

Contacts come in parts (one per kind of visit, the ED visits, the inpatient
episodes, pathway follow-ups, home health care). Encounters are the contacts in
the data's years, numbered in order of start time (then resident, then the order
they were simulated in). Each column is written straight from the parts to its
place in that order (no intermediate concatenated copy of millions of rows).
"""

from __future__ import annotations

import numpy as np

from pecdata.generation import codes as C
from pecdata.generation.care import SECONDS_PER_DAY, Contacts


def encounter_arrays(rng, py, contacts: dict, end_day: int, plan, resident_id) -> dict:
    """The encounter columns as arrays in encounter order (codes for text), and what the
    pathway events and activities need to refer to them.

    ``contacts`` holds ``visits`` (a list), ``ed``, ``episodes``, ``extra`` (or None)
    and ``home_care``; it is emptied so the contacts can be freed as soon as possible.
    Returns a dict with the columns, ``n_enc`` (encounters before the planted copies),
    ``duplicated`` (positions copied by the planted duplicate load, appended after
    ``n_enc``), ``new_id`` (encounter id of every contact, 0 if outside the years) and
    the offsets ``ed_off``, ``ep_off``, ``extra_off`` of those parts in ``new_id``.
    """
    vis, ed, ep = contacts.pop("visits"), contacts.pop("ed"), contacts.pop("episodes")
    extra, hhc = contacts.pop("extra"), contacts.pop("home_care")
    parts = list(vis) + [ed, ep.c] + ([extra] if extra is not None else []) + [hhc]
    i_ed, i_ep = len(vis), len(vis) + 1
    off = np.r_[0, np.cumsum([len(p) for p in parts])].astype(np.int64)
    del vis, extra, hhc
    new_id, n_enc = _number_in_time_order(parts, off, py.pid, end_day * SECONDS_PER_DAY)
    place = [_placement(new_id[off[i] : off[i + 1]]) for i in range(len(parts))]
    dup = _duplicate_load(plan, parts, place)
    n_out = n_enc + len(dup)

    def column(values, dtype, fill=None):
        """``values(i, part)`` (an array, a scalar or None) written in encounter order."""
        out = np.empty(n_out, dtype) if fill is None else np.full(n_out, fill, dtype)
        for i, (p, (dst, keep)) in enumerate(zip(parts, place)):
            v = values(i, p)
            if v is not None:
                out[dst] = v if keep is None or np.ndim(v) == 0 else v[keep]
        out[n_enc:] = out[dup]
        return out

    acute = _acute(rng, parts, i_ed, i_ep, ep.acute)
    rid_of_row = resident_id[py.pid]
    ncond_of_row = py.cond.sum(axis=1).astype(np.int8)
    unit_dtype = np.int8 if len(C.UNIT_IDS) < 128 else np.int16
    origin = np.where(ep.ed >= 0, new_id[off[i_ed] + np.maximum(ep.ed, 0)], 0)
    out = dict(
        resident_id=column(lambda i, p: rid_of_row[p.row], np.int64),
        unit=column(lambda i, p: p.unit, unit_dtype),
        kind=column(lambda i, p: p.kind, np.int8),
        profession=column(lambda i, p: p.profession, np.int8),
        diagnosis=column(lambda i, p: p.diagnosis, np.int16),
        start=column(lambda i, p: p.start, np.int64),
        end=column(lambda i, p: p.end, np.int64),
        acute=column(lambda i, p: acute[i], bool, False),
        los=column(lambda i, p: ep.los if i == i_ep else None, np.int64, 0),
        dest=column(lambda i, p: ep.dest if i == i_ep else None, np.int8, C.NO_DEST),
        origin=column(lambda i, p: origin if i == i_ep else None, np.int64, 0),
        n_conditions=column(lambda i, p: ncond_of_row[p.row], np.int8),
    )
    if n_out and out["unit"].min() < 0:
        raise RuntimeError("generator produced an encounter at a unit that does not exist")
    out.update(
        n_enc=n_enc,
        duplicated=dup,
        new_id=new_id,
        ed_off=off[i_ed],
        ep_off=off[i_ep],
        extra_off=off[i_ep + 1] if len(parts) == i_ep + 3 else -1,
    )
    return out


def _number_in_time_order(parts: list[Contacts], off, pid, end_second) -> tuple[np.ndarray, int]:
    """Encounter id (1, 2, ...) of every contact by start time, then person, then position;
    0 for contacts starting at or after ``end_second`` (outside the data's years)."""
    n = int(off[-1])
    new_id = np.zeros(n, np.int32 if n < 2**31 - 1 else np.int64)
    if n == 0:
        return new_id, 0
    lo = min(int(p.start.min()) for p in parts if len(p))
    hi = max(int(p.start.max()) for p in parts if len(p))
    bits = max(int(pid.max()), 1).bit_length()
    n_inside = sum(int(np.count_nonzero(p.start < end_second)) for p in parts)
    if (hi - lo) >> (62 - bits):  # the key would overflow: lexsort
        start = np.concatenate([p.start for p in parts])
        order = np.lexsort((pid[np.concatenate([p.row for p in parts])], start))
    else:
        key = np.empty(n, np.int64)
        for p, a in zip(parts, off):
            k = key[a : a + len(p)]
            np.subtract(p.start, lo, out=k)
            k <<= bits
            k |= pid[p.row]
        order = _argsort_unique(key)
    # contacts after the data's years have the latest start times, so they sort last
    new_id[order[:n_inside]] = np.arange(1, n_inside + 1, dtype=new_id.dtype)
    return new_id, n_inside


def _argsort_unique(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")``, faster: an unstable sort, then equal keys are put
    back in position order (they are rare: the same person starting twice in one second)."""
    order = np.argsort(key)
    ranked = np.sort(key)
    tie = ranked[1:] == ranked[:-1]
    if tie.any():
        in_tie = np.zeros(len(key), bool)
        in_tie[1:] = tie
        in_tie[:-1] |= tie
        j = np.flatnonzero(in_tie)
        order[j] = order[j][np.lexsort((order[j], ranked[j]))]
    return order


def _placement(ids: np.ndarray):
    """Where a part's contacts go: (positions in encounter order, mask of kept contacts or
    None when all are kept)."""
    if ids.all():
        return ids.astype(np.int64) - 1, None
    keep = ids > 0
    return ids[keep].astype(np.int64) - 1, keep


def _acute(rng, parts, i_ed, i_ep, ep_acute) -> list:
    """Acute or planned, per part: ED visits acute, episodes as admitted, a third of primary
    care physician visits same-day appointments (E), the rest planned."""
    acute = [None] * len(parts)
    acute[i_ed], acute[i_ep] = True, ep_acute
    is_pcp = [p.kind == C.KIND["pc_physician"] for p in parts]
    same_day = rng.random(sum(int(m.sum()) for m in is_pcp)) < 0.35
    at = 0
    for i, m in enumerate(is_pcp):
        k = int(m.sum())
        if k:
            a = (
                np.zeros(len(m), bool)
                if acute[i] is None
                else np.broadcast_to(acute[i], m.shape).copy()
            )
            a[m] = same_day[at : at + k]
            acute[i] = a
            at += k
    return acute


def _duplicate_load(plan, parts: list[Contacts], place) -> np.ndarray:
    """Planted finding: encounter positions of one centre's encounters in one month, to be
    loaded twice (the copies follow the last encounter, with new ids)."""
    if not plan.on("duplicate_load"):
        return np.zeros(0, np.int64)
    y, m = plan.duplicate_month
    month = np.datetime64(f"{y:04d}-{m:02d}", "M")
    found = []
    for p, (dst, keep) in zip(parts, place):
        at_unit = p.unit == C.UNIT[plan.duplicate_unit]
        if keep is not None:
            at_unit &= keep
        rows = np.flatnonzero(at_unit)
        rows = rows[p.start[rows].astype("datetime64[s]").astype("datetime64[M]") == month]
        if len(rows):
            found.append(dst[rows] if keep is None else dst[np.cumsum(keep)[rows] - 1])
    dup = np.sort(np.concatenate(found)) if found else np.zeros(0, np.int64)
    plan.truth["duplicates"] = len(dup)
    return dup
