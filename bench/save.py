"""How long does saving the warehouse take, and which way of writing DuckDB is fastest?

Usage::

    python bench/save.py            # the teaching size (50,000 residents, 3 years)
    python bench/save.py --full     # the full region (345,000 residents, 3 years)

Generates the region once in this process, then measures each choice for
writing a warehouse folder, wall time and CPU time (all threads; on a shared
machine the CPU time is the steadier figure), and the peak memory:

* Parquet files one after another, or two at a time (pyarrow releases the GIL);
* ``warehouse.duckdb`` as copies of the tables read by DuckDB's own Parquet
  reader (what ``save`` did before issue 15), as copies scanned from the frames,
  or as views over the Parquet files (what ``save`` does now);
* ``validate`` (what ``pecdata generate`` runs before saving);
* the whole ``pecdata generate`` command and ``pecdata import`` of the same
  region from Parquet files, each in a fresh process.

Target (issue 15, item 7): the whole ``generate`` command of the full region in
at most 20 s on two cores. The script reports; it does not judge: it exits 0.

Measured on the project's shared two-core machine (load 3-12, so wall times are
inflated; CPU seconds are the steadier figure), full region, 35.3 million rows:

=====================================================  ========  ========
step                                                   wall s    CPU s
=====================================================  ========  ========
generate in memory                                       68-87     10.4
validate                                                 39-49      4.3-5.3
Parquet files one at a time / two at a time            47 / 33    6.9 / 7.0
DuckDB copies via its Parquet reader (before)           72-130     24-25
DuckDB copies scanned from the frames                    27-41     9-10
DuckDB views over the Parquet files (now)                  0.1      0.0
``pecdata generate``, before (main), side by side           94       49
``pecdata generate``, now, side by side                     54       26
``pecdata generate``, now, load 3                           36       25
``pecdata import`` of the same region from Parquet          56       23
=====================================================  ========  ========

Validating and saving went from 68 s to 25 s side by side (16.5 s at load 3);
peak memory 2.8 GB (before 2.5 GB).

December (36.1 million rows; ``python bench/save.py --full --before MAIN --repeat 2``
at load 4.5, MAIN a copy of the previous main): Parquet encodings chosen per
column type (dictionary only for categorical and text columns, delta-packed
integers and times, byte-stream-split floats), validation without
``dt.normalize`` and without copies of the key columns, ``import pecdata``
lazy and pandera set up beside the generator:

=====================================================  ========  ========
step                                                   wall s    CPU s
=====================================================  ========  ========
generate in memory                                        27.5     12.7
validate                                                   9.6      5.7
Parquet files one at a time / two at a time           5.4 / 2.8  3.8 / 4.1
DuckDB views over the Parquet files                        0.1      0.1
save() as a whole (no validation)                          6.5      4.2
``pecdata generate``, before (previous main)              40.7     34.5
``pecdata generate``, now                                 36.8     28.0
``pecdata import`` of the same region from Parquet        33.1     26.7
=====================================================  ========  ========

Three more pairs of whole ``pecdata generate`` commands, in turn, at load 3-7
(``/usr/bin/time``): now 34.5 s wall / 25.6 s CPU, before 47.3 s / 31.5 s
(medians; ratio 0.73 wall, 0.81 CPU); peak 2.7 GB. Without Parquet the
validation is now the longer of the two things done at once after generating.
For the quiet-machine figure: ``python bench/save.py --full --before MAIN --repeat 3``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEACHING, FULL, YEARS, SEED = 50_000, 345_000, 3, 2022
TARGET_SECONDS = 20.0


def _peak_gb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss * 1024 / 1e9


class _Clock:
    def __init__(self):
        self.rows = []

    def __call__(self, label, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        self.rows.append((label, time.perf_counter() - w, time.process_time() - c))
        return out


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _command(args: list[str], code: str | None = None) -> tuple[float, float, int]:
    """Run ``pecdata ARGS`` in a fresh process (with the pecdata of folder ``code``, if given)."""
    env = dict(os.environ, **({"PYTHONPATH": code} if code else {}))
    before = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(  # in ``code``: python -m puts the current folder first on the path
        [sys.executable, "-m", "pecdata.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
    )
    return time.perf_counter() - t0, _children_cpu() - before, proc.returncode


def _median(runs: list[tuple[float, float, int]]) -> tuple[float, float, int]:
    """Median wall and CPU seconds of several runs (and the worst exit code)."""
    walls = sorted(r[0] for r in runs)
    cpus = sorted(r[1] for r in runs)
    return walls[len(runs) // 2], cpus[len(runs) // 2], max(r[2] for r in runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full region (345,000)")
    parser.add_argument(
        "--before", metavar="DIR", help="also time `pecdata generate` with the pecdata in DIR"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the generate commands N times, in turn (before, now, before, ...); the "
        "medians are printed",
    )
    args = parser.parse_args(argv)
    residents = FULL if args.full else TEACHING

    import duckdb

    from pecdata.generation import generate
    from pecdata.warehouse import save
    from pecdata.warehouse import storage as st
    from pecdata.warehouse.validation import validate

    clock = _Clock()
    wh = clock(
        "generate (in memory)", lambda: generate(residents=residents, years=YEARS, seed=SEED)
    )
    rows = sum(len(df) for df in wh.values())
    clock("validate", lambda: validate(wh))
    with tempfile.TemporaryDirectory(prefix="pecdata-bench-") as tmp:
        tmp = Path(tmp)
        for writers in (1, 2):
            st.WRITERS = writers
            folder = tmp / f"p{writers}"
            folder.mkdir()
            clock(f"Parquet files, {writers} at a time", lambda f=folder: st._write_all(wh, f))
        files = {n: tmp / "p2" / f"{n}.parquet" for n in wh}

        def copies_from_parquet():
            con = duckdb.connect(str(tmp / "copies.duckdb"))
            for n, f in files.items():
                con.execute(f"CREATE TABLE {n} AS SELECT * FROM read_parquet('{f}')")
            con.close()

        def copies_from_frames():
            con = duckdb.connect(str(tmp / "frames.duckdb"))
            for n, df in wh.items():
                con.register("_f", df)
                con.execute(f"CREATE TABLE {n} AS SELECT * FROM _f")
                con.unregister("_f")
            con.close()

        clock("DuckDB: copies via its Parquet reader (before)", copies_from_parquet)
        clock("DuckDB: copies scanned from the frames", copies_from_frames)
        clock("DuckDB: views over the Parquet files (now)", lambda: st._views(tmp / "p2", files))
        clock("save() as a whole (now)", lambda: save(wh, tmp / "saved"))
        wh = None  # free the frames before the commands run
        gen_args = ["generate", "--residents", str(residents), "--years", str(YEARS)]
        gen_args += ["--seed", str(SEED), "--out"]
        runs_gen, runs_old, loads = [], [], [os.getloadavg()[0]]
        for i in range(max(args.repeat, 1)):
            if args.before:
                runs_old.append(_command([*gen_args, str(tmp / f"old{i}")], args.before))
            runs_gen.append(_command([*gen_args, str(tmp / f"cmd{i}")]))
            loads.append(os.getloadavg()[0])
        t_gen = _median(runs_gen)
        t_old = _median(runs_old) if runs_old else None
        mapping = tmp / "mapping.toml"
        lines = ['synthetic = true\n[source]\nkind = "parquet"\npath = "saved"\n']
        from pecdata.warehouse import schema as S

        lines += [f"[tables.{n}]\n" for n in S.TABLES]
        mapping.write_text("".join(lines))
        t_imp = _command(["import", str(mapping), "--out", str(tmp / "imported")])
    print(f"\n{residents:,} residents, {YEARS} years, {rows:,} rows; {os.cpu_count()} cores")
    print(
        f"load average (1 min) {min(loads):.1f}-{max(loads):.1f} while the commands ran; "
        f"commands: median of {len(runs_gen)} run(s)"
    )
    print(f"{'step':<50} {'wall s':>8} {'CPU s':>8}")
    for label, wall, cpu in clock.rows:
        print(f"{label:<50} {wall:>8.1f} {cpu:>8.1f}")
    commands = [("pecdata generate (whole command)", t_gen)]
    if t_old:
        commands.insert(0, (f"pecdata generate before ({args.before})", t_old))
    commands.append(("pecdata import from Parquet (whole command)", t_imp))
    for label, (wall, cpu, rc) in commands:
        status = "" if rc == 0 else f"  (exit {rc})"
        print(f"{label:<50} {wall:>8.1f} {cpu:>8.1f}{status}")
        ratio = f"  ratio to the target {TARGET_SECONDS:.0f} s"
        print(f"{ratio:<50} {wall / TARGET_SECONDS:>8.2f} {cpu / TARGET_SECONDS:>8.2f}")
    print(
        f"peak memory: this process {_peak_gb():.1f} GB, "
        f"commands {_peak_gb(resource.RUSAGE_CHILDREN):.1f} GB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
