"""How long does generating the region take, and how much memory?

Usage::

    python bench/generate.py           # the teaching size (50,000 residents, 3 years)
    python bench/generate.py --full    # and the full region (345,000 residents, 3 years)

Each size runs in a fresh Python process, so one run's memory does not count in
the next. For each size the script reports the wall time of
``pecdata.generate(...)``, the peak resident memory (RSS) while generating, the
time of each generator stage (``wh.meta["seconds"]``) and, apart, the time to
save the warehouse (Parquet files and the DuckDB database) and the peak memory
including the save. Targets (issue 2, item 9): the full region in at most 15 s
and 3 GB on two cores; the table shows each figure's ratio to its target (below
1 meets it). The script reports; it does not judge: it always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TEACHING, FULL, YEARS, SEED = 50_000, 345_000, 3, 2022
TARGET_SECONDS, TARGET_GB = 15.0, 3.0


def _peak_gb() -> float:
    """Peak RSS of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def child(residents: int, folder: str) -> None:
    """Generate and save one region; print the measurements as one JSON line."""
    t0 = time.perf_counter()
    from pecdata.generation import generate
    from pecdata.warehouse import save

    imported = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    wh = generate(residents=residents, years=YEARS, seed=SEED, progress=residents >= FULL)
    generate_s, generate_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_generate = _peak_gb()
    rows = sum(len(df) for df in wh.values())
    t0 = time.perf_counter()
    save(wh, os.path.join(folder, "region"))
    save_s = time.perf_counter() - t0
    print(
        json.dumps(
            dict(
                residents=residents,
                import_s=imported,
                generate_s=generate_s,
                generate_cpu_s=generate_cpu,
                load=os.getloadavg()[0],
                peak_generate_gb=peak_generate,
                save_s=save_s,
                peak_total_gb=_peak_gb(),
                rows=rows,
                stages=wh.meta["seconds"],
            )
        )
    )


def measure(residents: int) -> dict:
    """Run :func:`child` in a fresh interpreter; the error text instead if it fails."""
    with tempfile.TemporaryDirectory(prefix="pecdata-bench-") as folder:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(residents), folder],
            stdout=subprocess.PIPE,
            text=True,
        )
        process_s = time.perf_counter() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return dict(residents=residents, error=f"exit code {proc.returncode}")
    return dict(json.loads(lines[-1]), process_s=process_s)


def _fmt(x, spec=".2f") -> str:
    return "-" if x is None else format(x, spec)


def report(results: list[dict]) -> str:
    ok = [r for r in results if "error" not in r]
    head = (
        f"{'residents':>10} {'generate s':>10} {'/ 15 s':>7} {'CPU s':>6} {'peak GB':>8} "
        f"{'/ 3 GB':>7} {'save s':>7} {'peak GB':>8} {'process s':>9} {'rows':>12} {'load':>5}"
    )
    lines = [
        "Generating the region: pecdata.generate(residents, years=3, seed=2022)",
        f"targets for the full region: <= {TARGET_SECONDS:g} s and <= {TARGET_GB:g} GB "
        "peak memory on two cores (ratio < 1 meets the target)",
        "",
        f"{'':>10} {'':>10} {'':>7} {'':>6} {'generate':>8} {'':>7} {'':>7} {'+ save':>8}",
        head,
    ]
    for r in results:
        if "error" in r:
            lines.append(f"{r['residents']:>10,} failed: {r['error']}")
            continue
        lines.append(
            f"{r['residents']:>10,} {r['generate_s']:>10.2f} "
            f"{r['generate_s'] / TARGET_SECONDS:>7.2f} {r['generate_cpu_s']:>6.1f} "
            f"{r['peak_generate_gb']:>8.2f} "
            f"{r['peak_generate_gb'] / TARGET_GB:>7.2f} {r['save_s']:>7.2f} "
            f"{r['peak_total_gb']:>8.2f} {r['process_s']:>9.2f} {r['rows']:>12,} "
            f"{r['load']:>5.1f}"
        )
    if ok:
        stages = list(ok[0]["stages"])
        lines += [
            "",
            "seconds per stage (wh.meta['seconds'])",
            f"{'stage':<12}" + "".join(f"{r['residents']:>12,}" for r in ok),
        ]
        for s in stages:
            lines.append(f"{s:<12}" + "".join(f"{_fmt(r['stages'].get(s)):>12}" for r in ok))
    lines += [
        "",
        "generate s: wall time of generate() in a fresh process (imports excluded); "
        "CPU s: its CPU time, every thread (on a shared machine the steadier figure); "
        "load: the 1-minute load average after generating; peak GB: peak resident "
        "memory; save s: writing Parquet and DuckDB; process s: the whole child "
        "process. The machine is shared: repeat for a steady figure.",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full", action="store_true", help=f"also the full region ({FULL:,} residents)"
    )
    parser.add_argument("--child", nargs=2, metavar=("RESIDENTS", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(int(args.child[0]), args.child[1])
        return 0
    sizes = [TEACHING, FULL] if args.full else [TEACHING]
    results = []
    for n in sizes:
        print(f"generating {n:,} residents in a fresh process ...", file=sys.stderr, flush=True)
        results.append(measure(n))
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
