"""The ``pecdata course`` subcommands (registered in :mod:`pecdata.cli`).

::

    pecdata course prepare --roster roster.csv --out cohorts/autumn [--data-dir REGION]
    pecdata course check cohorts/autumn [--timeout 120] [--memory 6144] [--jobs N]
    pecdata course progress cohorts/autumn [--log shared.jsonl]

``check`` and ``progress`` write ``check.csv``/``check.html`` or
``progress.csv``/``progress.html`` into the cohort's ``_course`` folder, print a
summary and open the page in a browser (``--no-open`` not to).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["configure", "run", "write_overview"]


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="course_command", metavar="STEP")
    sub.required = True
    prep = sub.add_parser(
        "prepare",
        help="one folder of parameterised exercise notebooks per participant",
        description="Write one folder per participant of the roster with their exercise "
        "notebooks (papermill, parameterised only) and a README. Existing participants "
        "are kept as they are; new ones are added.",
    )
    prep.add_argument("--roster", required=True, type=Path, help="CSV: name,email[,focus_*]")
    prep.add_argument("--out", required=True, type=Path, help="the cohort folder")
    prep.add_argument(
        "--data-dir",
        type=Path,
        help="the cohort's region (default: $PECDATA_DIR, else data/region)",
    )
    prep.add_argument(
        "--exercises", type=Path, default=Path("exercises"), help="exercise notebooks folder"
    )
    chk = sub.add_parser(
        "check",
        help="run every participant's notebooks in copies and give each exercise a verdict",
        description="Run copies of every participant's notebooks (never the files "
        "themselves) in parallel, with a time-out per cell and a memory limit per kernel.",
    )
    chk.add_argument("folder", type=Path, help="the cohort folder")
    chk.add_argument("--timeout", type=float, default=120, help="seconds per cell (default 120)")
    chk.add_argument(
        "--memory", type=int, default=6144, help="MiB of address space per kernel (default 6144)"
    )
    chk.add_argument("--jobs", type=int, help="notebooks at a time (default: the cores)")
    chk.add_argument("--no-cache", action="store_true", help="run every notebook again")
    chk.add_argument(
        "--cold-kernels",
        action="store_true",
        help="start every kernel afresh instead of forking it from a warm template (slower)",
    )
    prog = sub.add_parser(
        "progress",
        help="the overview from the checks participants ran (runs nothing)",
        description="Build the overview from the feedback logs the participants' "
        "notebooks wrote during the session; nothing is executed.",
    )
    prog.add_argument("folder", type=Path, help="the cohort folder")
    prog.add_argument(
        "--log", type=Path, action="append", default=[], help="another (shared) feedback log"
    )
    for parser in (chk, prog):
        parser.add_argument(
            "--no-open", dest="open", action="store_false", help="do not open the page"
        )


def write_overview(folder: Path, verdicts, kind: str, title: str) -> tuple[Path, Path]:
    """Write ``<kind>.csv`` and ``<kind>.html`` into the cohort's ``_course`` folder."""
    from pecdata.teaching.course.layout import Cohort
    from pecdata.teaching.course.report import to_csv, to_html

    out = Cohort.open(folder).trainer_dir()
    csv_file, html_file = out / f"{kind}.csv", out / f"{kind}.html"
    csv_file.write_text(to_csv(verdicts), encoding="utf-8")
    html_file.write_text(to_html(verdicts, title, source=kind), encoding="utf-8")
    return csv_file, html_file


def _show(html_file: Path, wanted: bool) -> None:
    if wanted:
        import webbrowser

        webbrowser.open(html_file.resolve().as_uri())


def run(args: argparse.Namespace) -> int:
    from pecdata.teaching.course.report import summary

    t0 = time.perf_counter()
    if args.course_command == "prepare":
        from pecdata.teaching.course.prepare import prepare_cohort

        done = prepare_cohort(args.roster, args.out, args.exercises, args.data_dir)
        print(
            f"Prepared {len(done.added)} participant(s) in {done.folder} with "
            f"{len(done.notebooks)} notebook(s) each in {time.perf_counter() - t0:.1f} s"
            + (f"; kept {len(done.kept)} already there unchanged" if done.kept else "")
            + "."
        )
        for name in done.notebooks:
            print(f"  {name}")
        return 0
    if args.course_command == "check":
        from pecdata.teaching.course.check import check_cohort
        from pecdata.teaching.course.runner import Settings

        settings = Settings(
            cell_timeout=args.timeout, memory_mb=args.memory, warm_kernels=not args.cold_kernels
        )
        result = check_cohort(
            args.folder,
            settings,
            jobs=args.jobs,
            progress=sys.stderr.isatty(),
            use_cache=not args.no_cache,
        )
        verdicts = result.verdicts
        note = (
            f"ran {result.ran} notebook(s), {result.cached} from the cache, "
            f"in {result.seconds:.1f} s"
        )
        title = f"Check of {args.folder.name}"
    else:
        from pecdata.teaching.course.progress import cohort_progress

        verdicts = cohort_progress(args.folder, args.log)
        note = "from the feedback logs; nothing was run"
        title = f"Progress of {args.folder.name}"
    csv_file, html_file = write_overview(args.folder, verdicts, args.course_command, title)
    print(summary(verdicts, title))
    print(f"({note})")
    print(f"Overview: {html_file}\nTable:    {csv_file}")
    _show(html_file, args.open)
    return 0
