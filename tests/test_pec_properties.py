"""Invariants of PEC over many small random warehouses (Hypothesis).

Whatever the staffing, capacity, ledger and recorded use -- including zero
capacity, pools without cost or use, dropped rows and over-capacity -- cost is
conserved: both views reconcile to the ledger to the öre, and no rate is
negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from helpers import tiny_tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pecdata.generation import generate
from pecdata.pec import BREAKDOWN, cost_encounters
from pecdata.pec.sql import pec_sql

ABS = 0.01
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _factors(draw, n, zero_share):
    """n random factors in [0, 3], some exactly 0."""
    f = np.array(draw(st.lists(st.floats(0.05, 3.0), min_size=n, max_size=n)))
    zero = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) & (
        np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))) < zero_share
    )
    return np.where(zero, 0.0, f)


@st.composite
def random_tiny(draw):
    """The tiny region with every number perturbed and some rows dropped."""
    t = tiny_tables()
    st_ = t["staffing"]
    f = _factors(draw, len(st_), 0.1)
    hours = [
        "fte",
        "paid_hours",
        "absence_hours",
        "training_hours",
        "break_hours",
        "practical_hours",
    ]
    st_ = st_.assign(**{c: st_[c] * f for c in hours})
    keep = np.array(draw(st.lists(st.floats(0, 1), min_size=len(st_), max_size=len(st_)))) > 0.1
    t["staffing"] = st_[keep].reset_index(drop=True)
    cap = t["capacity"]
    t["capacity"] = cap.assign(
        practical_quantity=cap.practical_quantity
        * _factors(draw, len(cap), 0.3)
        * draw(st.floats(0.0005, 1))
    )
    led = t["ledger"]
    led = led.assign(amount_sek=(led.amount_sek * _factors(draw, len(led), 0.15)).round(2))
    keep = np.array(draw(st.lists(st.floats(0, 1), min_size=len(led), max_size=len(led)))) > 0.1
    keep[0] = True  # an empty ledger is an error (nothing to cost), tested elsewhere
    t["ledger"] = led[keep].reset_index(drop=True)
    act = t["activities"]
    t["activities"] = act.assign(quantity=(act.quantity * _factors(draw, len(act), 0.15)).round())
    acc = t["accounts"]
    flip = np.array(draw(st.lists(st.booleans(), min_size=len(acc), max_size=len(acc))))
    t["accounts"] = acc.assign(
        patient_related=np.where(
            flip & (acc.account_group == "equipment"), False, acc.patient_related
        )
    )
    return t


def _assert_conserves(t, pec):
    ec, rec = pec.encounter_costs, pec.reconciliation
    ledger = t["ledger"].amount_sek.sum()
    non_patient = pec.non_patient_costs.amount_sek.sum()
    total = rec[rec.unit_type == "total"]
    unallocated, unabsorbed = total.unallocated_sek.sum(), total.unabsorbed_sek.sum()
    unused = pec.unused_capacity.cost_sek.sum()
    # the identities, from the tables themselves (not from the reconciliation's own sums)
    assert abs(ec.cost_sek.sum() + unused + non_patient + unallocated - ledger) < ABS
    assert abs(ec.cost_full_sek.sum() + non_patient + unallocated + unabsorbed - ledger) < ABS
    assert rec.balanced.all(), rec[~rec.balanced]
    # what is left over is always explained by a warning
    if abs(unallocated) + abs(unabsorbed) > ABS:
        assert pec.warnings.problem.isin(
            ["unmapped_account", "no_pool", "no_driver", "unabsorbed"]
        ).any()
    assert np.allclose(ec[list(BREAKDOWN)].sum(axis=1), ec.cost_sek, atol=1e-6)
    r = pec.pool_rates
    assert (r.rate_sek.dropna() >= 0).all() and (r.full_rate_sek.dropna() >= -1e-9).all()
    assert (r.cost_supplied_sek >= -1e-9).all()
    over = r.used_quantity > r.practical_capacity
    assert (r.over_capacity == (over & (r.practical_capacity > 0))).all()
    assert np.isfinite(pec.unused_capacity.cost_sek).all()


@SETTINGS
@given(random_tiny())
def test_cost_is_conserved_in_random_tiny_regions(t):
    _assert_conserves(t, cost_encounters(t))


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.integers(150, 600))
def test_cost_is_conserved_in_random_generated_regions(seed, residents):
    wh = generate(residents=residents, years=1, seed=seed)
    pec = cost_encounters(wh)
    _assert_conserves(wh, pec)
    assert pec.reconciliation.unallocated_sek.abs().max() < ABS
    sql = pec_sql(wh)
    assert abs(sql.cost_full_sek.sum() - pec.encounter_costs.cost_full_sek.sum()) < ABS
    assert abs(sql.cost_sek.sum() - pec.encounter_costs.cost_sek.sum()) < ABS


@settings(max_examples=30, deadline=None)
@given(st.floats(0.5, 2.0), st.floats(0.5, 2.0))
def test_scaling_the_ledger_scales_every_cost(scale_cost, scale_use):
    """Scaling every ledger amount scales every encounter's capacity cost (view b, without
    the drugs and supplies recorded on activities) -- and scaling recorded use changes view a
    only through the quantities, view b's total not at all."""
    t = tiny_tables()
    base = cost_encounters(t).encounter_costs.set_index("encounter_id")
    t["ledger"] = t["ledger"].assign(amount_sek=t["ledger"].amount_sek * scale_cost)
    scaled = cost_encounters(t).encounter_costs.set_index("encounter_id")

    def capacity(ec):
        return ec.cost_full_sek - ec.direct_sek - ec.untraced_sek

    assert np.allclose(capacity(scaled), capacity(base) * scale_cost, rtol=1e-9)
    pools = ~t["activities"].resource.isin(["drugs", "supplies"])
    t["activities"] = t["activities"].assign(
        quantity=np.where(pools, t["activities"].quantity * scale_use, t["activities"].quantity)
    )
    more = cost_encounters(t).encounter_costs.set_index("encounter_id")
    capacity_part = scaled[["staff_sek", "beds_rooms_sek", "service_sek", "support_sek"]]
    assert np.allclose(more[capacity_part.columns], capacity_part * scale_use, rtol=1e-9)
    assert pd.Series(more.cost_full_sek.sum()).round(2).iloc[0] == round(
        scaled.cost_full_sek.sum(), 2
    )
