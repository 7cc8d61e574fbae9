"""Speed of the scenario model at the teaching size (step 7).

Targets: each explorer recompute (sliders -> engine -> figure -> table) <= 100 ms at
50,000 residents; a 1,000-draw Monte Carlo of the whole catalogue in seconds.

Run:  .venv/bin/python bench/scenarios.py [WAREHOUSE_DIR]

The warehouse is read from the argument, else $PECDATA_DIR, data/region or data/dev;
without one it generates the teaching region (50,000 residents, seed 2022) first.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET_RECOMPUTE_MS = 100.0


def _warehouse():
    from pecdata.generation import generate
    from pecdata.warehouse import load

    env = [os.environ["PECDATA_DIR"]] if "PECDATA_DIR" in os.environ else []
    candidates = [Path(p) for p in sys.argv[1:2] + env] + [
        ROOT / "data" / "region",
        ROOT / "data" / "dev",
    ]
    for path in candidates:
        if (path / "metadata.json").exists():
            return load(path), str(path)
    return generate(residents=50_000, years=3, seed=2022), "generated 50,000 residents"


def _timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, np.array(times)


def main() -> dict:
    from pecdata.planning.explorer import explore_scenarios
    from pecdata.planning.interventions import catalogue
    from pecdata.planning.portfolio import compare_sequencing
    from pecdata.planning.projection import project_population
    from pecdata.planning.scenarios import _evaluate, build_baseline
    from pecdata.planning.uncertainty import monte_carlo, tornado

    wh, source = _warehouse()
    residents = int(wh["resident_years"].query("year == year.max()").shape[0])
    print(f"warehouse: {source} ({residents:,} residents in the last year)")
    ivs = list(catalogue().values())
    b, t = _timed(lambda: build_baseline(wh))
    results = {"build_baseline_s": t[0]}
    _, t = _timed(lambda: _evaluate(b, ivs, 5, 0.5), repeat=200)
    results["engine_ms_median"] = 1000 * np.median(t)
    proj, t = _timed(lambda: project_population(wh, years=10))
    results["projection_s"] = t[0]
    ex, t = _timed(
        lambda: explore_scenarios(
            b,
            include=["mobile_home_team", "digital_visits"],
            projection=project_population(wh, years=5),
        )
    )
    results["explorer_first_draw_s"] = t[0]
    moves = []
    slider = ex.controls["mobile_home_team"]["coverage"]
    for i in range(60):  # a participant dragging a slider back and forth
        slider.value = round(0.2 + 0.7 * abs(np.sin(i / 6)), 2)
        moves.append(ex.last_seconds)
    for key in ("care_coordinator", "right_sized_wards", "remote_monitoring"):
        ex.controls[key]["include"].value = True
        moves.append(ex.last_seconds)
    moves = 1000 * np.array(moves)
    results["explorer_recompute_ms_median"] = float(np.median(moves))
    results["explorer_recompute_ms_p95"] = float(np.percentile(moves, 95))
    results["explorer_recompute_ms_max"] = float(moves.max())
    _, t = _timed(lambda: tornado(b, ivs))
    results["tornado_s"] = t[0]
    _, t = _timed(lambda: monte_carlo(b, ivs, n=1000, seed=1, capacity_range=(0.25, 0.75)))
    results["monte_carlo_1000_draws_s"] = t[0]
    scale = b.residents / 100_000
    cmp, t = _timed(lambda: compare_sequencing(b, ivs, 8e6 * scale, 8 * scale))
    results["sequencing_exact_s"] = float(cmp.set_index("method").seconds["exact"])
    for k, v in results.items():
        print(f"{k:32s} {v:10.3f}")
    ok = results["explorer_recompute_ms_p95"] <= TARGET_RECOMPUTE_MS
    print(
        f"explorer recompute target <= {TARGET_RECOMPUTE_MS:.0f} ms (95th percentile): "
        f"{'OK' if ok else 'SLOW'}; load average {os.getloadavg()[0]:.1f}"
    )
    return results


if __name__ == "__main__":
    main()
