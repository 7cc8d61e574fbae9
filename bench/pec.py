"""Benchmark: PEC for a full-size region-year, pecdata (pandas/numpy) beside DuckDB SQL.

Usage::

    python bench/pec.py                       # generate 345,000 residents, one year
    python bench/pec.py --data data/full      # or load a saved region (costs its first year)
    python bench/pec.py --residents 50000     # smaller, quicker

Both engines run the same allocation (pecdata.pec.cost_encounters and
pecdata.pec.sql.pec_sql) on the same in-memory tables and return one row per
encounter (views a and b with the breakdown) as a pandas DataFrame. DuckDB
runs twice: on the pandas frames (registered, no copy) and on native DuckDB
tables (copied in beforehand, not timed). Times are the best of ``--repeat``
runs; peak memory is the largest resident-set growth seen while a run works
(sampled every 5 ms). The script fails if the two engines' totals differ by
more than 0.01 SEK, and reports whether pecdata meets its targets: at most 2 s
for a full region-year, and no slower than DuckDB.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import duckdb
import numpy as np

from pecdata.pec import cost_encounters
from pecdata.pec.sql import _TABLES, pec_sql

TARGET_SECONDS = 2.0


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Largest growth of the process's resident memory while the block runs (bytes)."""

    def __enter__(self):
        self.base = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())
        self.growth = self.peak - self.base


def run(label, fn, repeat):
    times, result, peak = [], None, 0
    for _ in range(repeat):
        result = None
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        peak = max(peak, mem.growth)
    print(
        f"  {label:<34} {min(times):7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})"
        f"   peak memory +{peak / 2**20:,.0f} MiB"
    )
    return min(times), result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--residents", type=int, default=345_000)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--data", help="a saved warehouse folder to load instead of generating")
    p.add_argument("--year", type=int, help="year to cost (default: the first)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    if args.data:
        from pecdata.warehouse import load

        wh = load(args.data, tables=list(_TABLES) + ["resident_years"], validate=False)
        how = f"loaded {args.data}"
    else:
        from pecdata.generation import generate

        wh = generate(residents=args.residents, years=1, seed=args.seed)
        how = f"generated {args.residents:,} residents, 1 year, seed {args.seed}"
    year = args.year or int(wh["ledger"].year.min())
    n_enc = int((wh["encounters"].year == year).sum())
    print(
        f"Data: {how} in {time.perf_counter() - t0:.1f} s; year {year}: {n_enc:,} encounters, "
        f"{len(wh['activities']):,} activity rows (all years)"
    )
    threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    print(
        f"Machine: {os.cpu_count()} cores; DuckDB {duckdb.__version__} with {threads} threads; "
        "numpy runs on one core"
    )
    cost_encounters(wh, years=[year])  # warm up (imports, caches)
    t_py, py = run("pecdata (pandas/numpy)", lambda: cost_encounters(wh, years=[year]), args.repeat)
    t_sql, sql = run(
        "DuckDB SQL on the pandas frames", lambda: pec_sql(wh, years=[year]), args.repeat
    )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name in _TABLES:
        con.register(f"_{name}", wh[name])
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    t_native, native = run(
        "DuckDB SQL on native tables", lambda: pec_sql(wh, [year], con=con), args.repeat
    )
    ec = py.encounter_costs
    ok = True
    print("Totals (SEK)                          view a              view b")
    for label, df in (
        ("pecdata", ec),
        ("DuckDB, pandas frames", sql),
        ("DuckDB, native tables", native),
    ):
        print(f"  {label:<28} {df.cost_sek.sum():>18,.2f}  {df.cost_full_sek.sum():>18,.2f}")
        for col in ("cost_sek", "cost_full_sek"):
            ok &= abs(df[col].sum() - ec[col].sum()) < 0.01
        ok &= len(df) == len(ec) and bool(
            np.abs(
                df.sort_values("encounter_id").cost_full_sek.to_numpy()
                - ec.sort_values("encounter_id").cost_full_sek.to_numpy()
            ).max()
            < 0.01
        )
    best_sql = min(t_sql, t_native)
    print(
        f"Ratio DuckDB / pecdata: {t_sql / t_py:.2f} (pandas frames), "
        f"{t_native / t_py:.2f} (native tables)"
    )
    print(
        f"pecdata {t_py:.2f} s: {'meets' if t_py <= TARGET_SECONDS else 'MISSES'} the "
        f"{TARGET_SECONDS:g} s target; {'no slower than' if t_py <= best_sql else 'SLOWER than'}"
        f" DuckDB ({best_sql:.2f} s)."
    )
    print("Same totals to 0.01 SEK and the same cost per encounter: " + ("yes" if ok else "NO"))
    print(f"Reconciliation balanced: {py.balanced}")
    return 0 if ok and py.balanced else 1


if __name__ == "__main__":
    sys.exit(main())
