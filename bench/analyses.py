"""Time every analysis of steps 3, 5, 6 and 9 on one region (target: 2 s each at full size).

Usage::

    python bench/analyses.py                       # generate a 50,000-resident region
    python bench/analyses.py --residents 345000    # the full region (about a minute to build)
    python bench/analyses.py data/region           # a saved warehouse

Prints one row per analysis: seconds, peak memory allocated during the call
(tracemalloc, in a second run), the target and the ratio time / target. PEC
costs are computed once beforehand (they are timed by PEC's own benchmark), or
read from the warehouse when it already holds ``encounter_costs``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

TARGET_SECONDS = 2.0


def _region(args):
    if args.path:
        from pecdata.warehouse import load

        return load(args.path), f"loaded from {args.path}"
    from pecdata.generation import generate

    t0 = time.perf_counter()
    wh = generate(residents=args.residents, years=args.years, seed=args.seed)
    return wh, (
        f"generated: {args.residents:,} residents, {args.years} years, seed {args.seed} "
        f"({time.perf_counter() - t0:.0f} s)"
    )


def _analyses(wh):
    from pecdata.analyses import conformance as cf
    from pecdata.analyses import current_state as cs
    from pecdata.analyses import indicators as ind
    from pecdata.analyses import segments as sg
    from pecdata.followup import admission_counts, difference_in_differences
    from pecdata.pec import cost_encounters

    if "encounter_costs" in wh and "unused_capacity" in wh:
        ec, uc, pr = wh["encounter_costs"], wh["unused_capacity"], wh.get("pool_rates")
    else:
        t = cost_encounters(wh).tables()
        ec, uc, pr = t["encounter_costs"], t["unused_capacity"], t["pool_rates"]
    costs = sg.resident_year_costs(wh, ec)
    seg = sg.assign_segments(wh)
    flags = ind.readmission_flags(wh)
    counts = admission_counts(wh, min_age=75, freq="M")
    return {
        "utilisation_per_1000 (year x level)": lambda: cs.utilisation_per_1000(wh),
        "utilisation_per_1000 (age x sex x level)": lambda: cs.utilisation_per_1000(
            wh, by=["year", "age_band", "sex", "care_level"]
        ),
        "utilisation_per_1000 (patients by municipality)": lambda: cs.utilisation_per_1000(
            wh, by=["municipality_code", "care_level"], count="patients"
        ),
        "utilisation_trends": lambda: cs.utilisation_trends(wh),
        "ed_flow": lambda: cs.ed_flow(wh),
        "specialist_referrals (by centre)": lambda: cs.specialist_referrals(
            wh, by=["year", "listed_unit_id"]
        ),
        "ward_occupancy": lambda: cs.ward_occupancy(wh),
        "staff_utilisation (all units, professions)": lambda: cs.staff_utilisation(
            wh, unit_types=None, by_profession=True
        ),
        "resident_year_costs": lambda: sg.resident_year_costs(wh, ec),
        "cost_concentration": lambda: sg.cost_concentration(costs),
        "lorenz_curve": lambda: sg.lorenz_curve(costs),
        "assign_segments": lambda: sg.assign_segments(wh),
        "segment_profiles": lambda: sg.segment_profiles(wh, seg, costs),
        "persistence_matrix (deciles)": lambda: sg.persistence_matrix(costs, groups="deciles"),
        "high_cost_persistence": lambda: sg.high_cost_persistence(costs),
        "avoidable_admissions": lambda: ind.avoidable_admissions(wh),
        "readmission_flags": lambda: ind.readmission_flags(wh),
        "readmissions_30d (by municipality)": lambda: ind.readmissions_30d(
            wh, by="municipality_code", min_age=65, flags=flags
        ),
        "repeat_readmitters": lambda: ind.repeat_readmitters(wh, flags=flags),
        "frequent_ed_attenders": lambda: ind.frequent_ed_attenders(wh),
        "ed_attender_summary": lambda: ind.ed_attender_summary(wh),
        "unused_capacity_hotspots": lambda: ind.unused_capacity_hotspots(uc, wh["units"], pr),
        "conformance_summary": lambda: cf.conformance_summary(wh),
        "difference_in_differences (placebos, pre-period check)": lambda: difference_in_differences(
            counts, "FAL", "2023-07-01"
        ),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", nargs="?", type=Path, help="a saved warehouse (default: generate)")
    p.add_argument("--residents", type=int, default=50_000)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--seed", type=int, default=2022)
    args, _ = p.parse_known_args(argv)
    wh, origin = _region(args)
    print(
        f"Region {origin}: {len(wh['encounters']):,} encounters, "
        f"{len(wh['activities']):,} activities"
    )
    rows = []
    for name, fn in _analyses(wh).items():
        fn()  # warm caches (first pandas/numba imports)
        t0 = time.perf_counter()
        fn()
        seconds = time.perf_counter() - t0
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rows.append((name, seconds, peak))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'analysis':<{width}}  {'time s':>7}  {'peak MB':>8}  {'target s':>8}  {'ratio':>6}")
    for name, seconds, peak in rows:
        print(
            f"{name:<{width}}  {seconds:7.2f}  {peak:8.0f}  {TARGET_SECONDS:8.1f}  "
            f"{seconds / TARGET_SECONDS:6.2f}"
        )
    slow = [r[0] for r in rows if r[1] > TARGET_SECONDS]
    print(
        f"\n{len(rows) - len(slow)} of {len(rows)} within {TARGET_SECONDS:g} s"
        + (f"; over: {', '.join(slow)}" if slow else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
