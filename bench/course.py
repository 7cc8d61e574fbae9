"""Benchmark of running a cohort (issue 14): prepare 26 participants, then check them.

Targets: prepare 26 participants <= 2 min; check 26 participants x every step's
exercise notebook <= 10 min on 2 cores. The cohort is realistic: a quarter answer
every exercise with the solutions, a quarter the first half, a quarter everything with
one wrong answer, a quarter nothing. Every answered notebook differs from the others
(as in a real cohort), so only the untouched ones share a run. Reports time and peak
memory (this process, and the largest kernel); a second, cached check shows what
"nothing changed" costs.

Run: ``PYTHONPATH=$PWD .venv/bin/python bench/course.py [--participants 26] [--jobs 2]``
(needs the teaching region: ``make data``). It reports; it does not fail.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREPARE_TARGET_S, CHECK_TARGET_S = 120, 600


def _peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> int:
    import nbformat

    from pecdata.teaching.course import demo
    from pecdata.teaching.course.check import check_cohort
    from pecdata.teaching.course.prepare import prepare_cohort
    from pecdata.teaching.course.report import summary
    from pecdata.teaching.course.runner import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=26)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "region")
    parser.add_argument("--keep", type=Path, help="write the cohort here (default: a temp dir)")
    args = parser.parse_args()
    if not (args.data_dir / "metadata.json").is_file():
        print(f"no region in {args.data_dir}: run `make data` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="pecdata-bench-course-") as tmp:
        folder = args.keep or Path(tmp) / "cohort"
        roster = Path(tmp) / "roster.csv"
        roster.write_text(
            "name,email\n"
            + "".join(f"p{i:02d},p{i:02d}@example.se\n" for i in range(args.participants)),
            encoding="utf-8",
        )
        t0 = time.perf_counter()
        done = prepare_cohort(roster, folder, ROOT / "exercises", args.data_dir)
        prepare_s = time.perf_counter() - t0
        prepare_mb = _peak_mb()
        solutions = {}
        for name in done.notebooks:
            source = ROOT / "solutions" / name
            if source.is_file():
                solutions.update(demo.solutions_by_exercise(nbformat.read(source, as_version=4)))
        for i, person in enumerate(done.added):
            for name in done.notebooks:
                path = folder / person / name
                mine = f"answered by {person}"  # every participant's code differs
                if i % 4 == 0:
                    demo.answer(path, solutions, signature=mine)
                elif i % 4 == 1:
                    demo.answer(path, solutions, n=2, signature=mine)
                elif i % 4 == 2:
                    demo.answer(path, solutions, wrong=f"{name[:2]}-core-2", signature=mine)
        notebooks = len(done.added) * len(done.notebooks)
        t0 = time.perf_counter()
        run = check_cohort(folder, Settings(), jobs=args.jobs, progress=True)
        check_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = check_cohort(folder, Settings(), jobs=args.jobs, progress=False)
        again_s = time.perf_counter() - t0
        print(summary(run.verdicts, "Benchmark cohort").split("\nPass rate")[0])
        slowest = max(run.notebook_seconds.values(), default=0)
        rows = [
            (
                "prepare",
                f"{len(done.added)} x {len(done.notebooks)} notebooks",
                prepare_s,
                prepare_mb,
                PREPARE_TARGET_S,
            ),
            (
                "check",
                f"{notebooks} notebooks ({run.ran} run, {notebooks - run.ran} identical to "
                f"another), {args.jobs} jobs, load average {os.getloadavg()[0]:.1f}",
                check_s,
                run.peak_rss_mb,
                CHECK_TARGET_S,
            ),
            (
                "check again",
                f"nothing changed ({again.cached} cached)",
                again_s,
                _peak_mb(),
                CHECK_TARGET_S,
            ),
        ]
        print(f"\n{'what':<12} {'seconds':>8} {'target':>7} {'ratio':>6} {'peak MiB':>9}  size")
        for what, size, seconds, mb, target in rows:
            print(
                f"{what:<12} {seconds:>8.1f} {target:>7} {seconds / target:>6.2f} "
                f"{mb:>9.0f}  {size}"
            )
        mean = sum(run.notebook_seconds.values()) / max(1, len(run.notebook_seconds))
        print(
            f"(peak MiB: this process for prepare and the cached check, the largest kernel "
            f"for the check; a notebook took {mean:.1f} s on average, the slowest "
            f"{slowest:.1f} s; the children's peak {_peak_mb(resource.RUSAGE_CHILDREN):.0f} "
            f"MiB; {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
