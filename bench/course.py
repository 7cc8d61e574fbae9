"""Benchmark of running a cohort (issue 14): prepare participants, then check them.

Targets: prepare 26 participants <= 2 min; check 26 participants x every step's
exercise notebook <= 10 min on 2 cores. The cohort is realistic: participant i answers
like the i % 4-th of four kinds, every exercise of every step with the solutions
(``complete``), the first two of each step (``partial``), everything with one wrong
answer (``one wrong``), or nothing (``untouched``). Every answered notebook differs
from the others (a comment names its participant, as in a real cohort), so only the
untouched ones share a run. The kernels start with an empty validation cache
(``PECDATA_CACHE_DIR``), as on a trainer's first check.

It reports, side by side with the targets: wall time, CPU time of the whole process
tree (this process, the checking workers and every kernel), peak memory of the whole
tree (the largest sum of the proportional set size, PSS, of this process and all its
descendants, kernels included, sampled every 0.2 s; PSS counts a page shared by n
processes as 1/n in each, so forked kernels are not counted n times) and the load
average while it ran. Then a profile per step (a notebook's kernel start, setup cell,
the exercises, the checks) and, for a smaller cohort, the extrapolation to 26.

Run on a quiet machine (the figures for the README), from the repository root::

    PYTHONPATH=$PWD .venv/bin/python bench/course.py --participants 26 --jobs 2

Options: ``--participants N`` (default 26), ``--steps 1-4`` or ``--steps 1,5,9``
(default all nine), ``--jobs`` (default 2), ``--keep DIR``. Needs the teaching region
(``make data``, or ``pecdata generate ... --out data/region && pecdata cost data/region``).
It reports; it does not fail.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREPARE_TARGET_S, CHECK_TARGET_S, TARGET_PARTICIPANTS = 120, 600, 26
KINDS = ("complete", "partial", "one wrong", "untouched")


def _is_template(p) -> bool:
    """A warm kernels' template: it runs ``serve``; its kernels are forks with the same
    command line, whose parent is the template."""
    try:
        mine = "import serve" in " ".join(p.cmdline())
        return mine and "import serve" not in " ".join(p.parent().cmdline())
    except Exception:
        return False


class TreeMonitor:
    """Samples the resident memory of this process and all its descendants, and the load."""

    def __init__(self, every: float = 0.2):
        import psutil

        self._psutil, self.every = psutil, every
        self.peak_mb, self.loads, self.own_cpu = 0.0, [], 0.0
        self._cpu = {}  # (pid, start time) -> CPU seconds last seen, of every descendant
        self._template = {}  # (pid, start time) -> whether it is a warm kernels' template
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> float:
        psutil = self._psutil
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:  # PSS: the forked kernels share their template's pages
                total += getattr(p.memory_full_info(), "pss", None) or p.memory_info().rss
                if p.pid != me.pid:
                    t, key = p.cpu_times(), (p.pid, p.create_time())
                    self._cpu[key] = t.user + t.system
                    if key not in self._template:
                        self._template[key] = _is_template(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total / 2**20

    def descendants_cpu(self) -> float:
        """CPU seconds of every descendant seen, to its last sample (at most 0.2 s before it
        ended): the kernels are not children of this process, so rusage misses them."""
        return sum(self._cpu.values())

    def templates_cpu(self) -> float:
        """CPU seconds of the warm kernels' templates (once per worker, not per notebook)."""
        return sum(v for k, v in self._cpu.items() if self._template.get(k))

    def _run(self):
        n = 0
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._sample())
            if n % 25 == 0:
                self.loads.append(os.getloadavg()[0])
            n += 1
            self._stop.wait(self.every)
        self.own_cpu = time.thread_time()  # the sampling's own CPU, not the check's

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.loads.append(os.getloadavg()[0])

    def load(self) -> str:
        if not self.loads:
            return "?"
        mean = sum(self.loads) / len(self.loads)
        return f"{min(self.loads):.1f}-{max(self.loads):.1f} (mean {mean:.1f})"


def _cpu_s() -> float:
    """CPU seconds of this process."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _steps(text: str | None) -> set[int] | None:
    if not text:
        return None
    out = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        out |= set(range(int(a), int(b or a) + 1))
    return out


def _answer_cohort(folder: Path, done, kind_of) -> None:
    import nbformat

    from pecdata.teaching.course import demo

    solutions = {}
    for name in done.notebooks:
        source = ROOT / "solutions" / name
        if source.is_file():
            solutions.update(demo.solutions_by_exercise(nbformat.read(source, as_version=4)))
    for person in done.added:
        for name in done.notebooks:
            path, mine = folder / person / name, f"answered by {person}"
            kind = kind_of[person]
            if kind == "complete":
                demo.answer(path, solutions, signature=mine)
            elif kind == "partial":
                demo.answer(path, solutions, n=2, signature=mine)
            elif kind == "one wrong":
                demo.answer(path, solutions, wrong=f"{name[:2]}-core-2", signature=mine)


def _cell_roles(path: Path) -> dict[int, str]:
    """Cell index -> 'setup' (opens the region), 'exercise' or 'check', from the notebook."""
    import nbformat

    from pecdata.teaching.course.runner import notebook_exercises

    nb = nbformat.read(path, as_version=4)
    roles = {i: "setup" for i, c in enumerate(nb.cells) if "open_region(" in c.get("source", "")}
    for ex in notebook_exercises(nb):
        roles[ex["check_cell"]] = "check"
        if ex["exercise_cell"] is not None:
            roles[ex["exercise_cell"]] = "exercise"
    return roles


def _profile(folder: Path, done, records: dict) -> None:
    """Per step: mean wall and CPU of a notebook run, and where its CPU went."""
    parts = defaultdict(lambda: defaultdict(list))
    for name in done.notebooks:
        roles = _cell_roles(folder / done.added[0] / name)
        for person in done.added:
            record = records.get(f"{person}/{name}")
            if not record:
                continue
            p = parts[name[:2]]
            p["wall"].append(record.get("seconds", 0.0))
            p["cpu"].append(record.get("cpu_seconds", 0.0))
            p["start"].append(record.get("startup_seconds", 0.0))
            split = defaultdict(float)
            for index, (_, cpu) in record.get("cell_seconds", {}).items():
                split[roles.get(int(index), "other")] += cpu
            for role in ("setup", "exercise", "check", "other"):
                p[role].append(split[role])
    if not parts:
        return
    print(
        "\nPer notebook run, by step (mean seconds; CPU of the kernel by its cells' role):\n"
        f"{'step':<5} {'runs':>4} {'wall':>6} {'CPU':>6} {'start':>6} {'setup':>6} "
        f"{'exerc.':>6} {'checks':>6} {'other':>6}"
    )

    def mean(xs):
        return sum(xs) / max(1, len(xs))

    for step, p in sorted(parts.items()):
        print(
            f"{step:<5} {len(p['wall']):>4} {mean(p['wall']):>6.1f} {mean(p['cpu']):>6.1f} "
            f"{mean(p['start']):>6.1f} {mean(p['setup']):>6.1f} {mean(p['exercise']):>6.1f} "
            f"{mean(p['check']):>6.1f} {mean(p['other']):>6.1f}"
        )
    print(
        "(start: the kernel's start, wall; setup: the cell that imports pecdata and opens the "
        "region; other: parameters, progress)"
    )


def _extrapolate(done, kind_of, run, check_s, check_cpu, templates, jobs) -> None:
    """From this cohort to 26 participants of the same mix (untouched ones run once)."""
    n = len(done.added)
    per_kind = defaultdict(list)
    for person in done.added:
        cpu = sum(v for k, v in run.notebook_cpu.items() if k.startswith(person + "/"))
        if any(k.startswith(person + "/") for k in run.notebook_cpu):
            per_kind[kind_of[person]].append(cpu)
    kernels = sum(run.notebook_cpu.values())
    overhead = max(0.0, check_cpu - kernels - templates) / max(1, run.ran)  # nbclient, ours
    total = templates  # once per worker, whatever the cohort
    for i in range(TARGET_PARTICIPANTS):
        kind = KINDS[i % 4]
        if kind == "untouched" and i >= 4:
            continue  # identical to the first untouched participant's: run once
        cpus = per_kind.get(kind) or [kernels / max(1, n)]
        total += sum(cpus) / len(cpus) + overhead * len(done.notebooks)
    idle = total / jobs
    scaled = check_s * total / max(check_cpu, 1e-9)
    print(
        f"\nExtrapolation to {TARGET_PARTICIPANTS} participants x {len(done.notebooks)} notebooks "
        f"(same mix; untouched ones run once): about {total:,.0f} s of CPU; on an idle machine "
        f"with {jobs} cores about {idle / 60:.1f} min (CPU / {jobs}), {idle / CHECK_TARGET_S:.2f} "
        f"of the target; scaled from this run's wall/CPU ratio {scaled / 60:.1f} min. "
        f"Kernels' CPU per participant: "
        + ", ".join(f"{k} {sum(v) / len(v):.0f} s" for k, v in per_kind.items())
        + f"; checker overhead {overhead:.1f} s per notebook; the templates {templates:.0f} s "
        "in all."
    )


def main() -> int:
    from pecdata.teaching.course.check import check_cohort
    from pecdata.teaching.course.prepare import exercise_notebooks, prepare_cohort
    from pecdata.teaching.course.report import summary
    from pecdata.teaching.course.runner import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=TARGET_PARTICIPANTS)
    parser.add_argument("--steps", help="steps to include, e.g. 1-4 or 1,5,9 (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "region")
    parser.add_argument("--keep", type=Path, help="write the cohort here (default: a temp dir)")
    args = parser.parse_args()
    if not (args.data_dir / "metadata.json").is_file():
        print(f"no region in {args.data_dir}: run `make data` first", file=sys.stderr)
        return 1
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}: load average {os.getloadavg()[0]:.1f}, "
        f"{os.cpu_count()} cores"
    )
    steps = _steps(args.steps)
    with tempfile.TemporaryDirectory(prefix="pecdata-bench-course-") as tmp:
        tmp = Path(tmp)
        os.environ["PECDATA_CACHE_DIR"] = str(tmp / "user-cache")  # the kernels' too
        exercises = tmp / "exercises"
        exercises.mkdir()
        for path in exercise_notebooks(ROOT / "exercises"):
            if steps is None or int(path.name[:2]) in steps:
                shutil.copy2(path, exercises / path.name)
        folder = args.keep or tmp / "cohort"
        roster = tmp / "roster.csv"
        roster.write_text(
            "name,email\n"
            + "".join(f"p{i:02d},p{i:02d}@example.se\n" for i in range(args.participants)),
            encoding="utf-8",
        )
        with TreeMonitor() as prep_tree:
            t0, c0 = time.perf_counter(), _cpu_s()
            done = prepare_cohort(roster, folder, exercises, args.data_dir)
            prepare_s, prepare_cpu = time.perf_counter() - t0, _cpu_s() - c0
        prepare_cpu += prep_tree.descendants_cpu() - prep_tree.own_cpu
        kind_of = {person: KINDS[i % 4] for i, person in enumerate(done.added)}
        _answer_cohort(folder, done, kind_of)
        notebooks = len(done.added) * len(done.notebooks)
        with TreeMonitor() as check_tree:
            t0, c0 = time.perf_counter(), _cpu_s()
            run = check_cohort(folder, Settings(), jobs=args.jobs, progress=True)
            check_s, check_cpu = time.perf_counter() - t0, _cpu_s() - c0
        check_cpu += check_tree.descendants_cpu() - check_tree.own_cpu
        with TreeMonitor() as again_tree:
            t0, c0 = time.perf_counter(), _cpu_s()
            again = check_cohort(folder, Settings(), jobs=args.jobs, progress=False)
            again_s, again_cpu = time.perf_counter() - t0, _cpu_s() - c0
        again_cpu += again_tree.descendants_cpu() - again_tree.own_cpu
        print(summary(run.verdicts, "Benchmark cohort").split("\nPass rate")[0])
        odd = [v for v in run.verdicts if v.verdict in ("error", "timeout", "kernel_died")]
        for v in odd[:5]:  # the cohort has no broken notebooks: these would be the checker's
            print(f"  {v.verdict}: {v.participant} {v.exercise}: {v.detail} ({v.cell})")
        kernels_cpu = sum(run.notebook_cpu.values())
        check_cpu = max(check_cpu, kernels_cpu)  # kernels shorter than a sample
        size = f"{len(done.added)} participants x {len(done.notebooks)} notebooks"
        rows = [
            ("prepare", prepare_s, prepare_cpu, prep_tree, PREPARE_TARGET_S, size),
            (
                "check",
                check_s,
                check_cpu,
                check_tree,
                CHECK_TARGET_S,
                f"{notebooks} notebooks ({run.ran} run, {notebooks - run.ran} identical to "
                f"another), {args.jobs} jobs",
            ),
            (
                "check again",
                again_s,
                again_cpu,
                again_tree,
                CHECK_TARGET_S,
                f"nothing changed ({again.cached} cached)",
            ),
        ]
        print(
            f"\n{'what':<12} {'wall s':>8} {'CPU s':>8} {'target s':>9} {'wall/target':>11} "
            f"{'peak MiB':>9}  {'load average':<22} size"
        )
        for what, wall, cpu, tree, target, detail in rows:
            print(
                f"{what:<12} {wall:>8.1f} {cpu:>8.1f} {target:>9} {wall / target:>11.2f} "
                f"{tree.peak_mb:>9.0f}  {tree.load():<22} {detail}"
            )
        print(
            f"(CPU: this process and all its descendants; the kernels alone {kernels_cpu:.0f} s, "
            f"the warm kernels' templates {check_tree.templates_cpu():.0f} s. "
            f"Peak MiB: the whole process tree, kernels included; the largest kernel "
            f"{run.peak_rss_mb:.0f} MiB. The targets are for {TARGET_PARTICIPANTS} participants "
            f"x all nine steps on 2 cores.)"
        )
        _profile(folder, done, {k: _record(run, k) for k in run.notebook_cpu})
        if len(done.added) != TARGET_PARTICIPANTS:
            _extrapolate(
                done, kind_of, run, check_s, check_cpu, check_tree.templates_cpu(), args.jobs
            )
    return 0


def _record(run, key: str) -> dict:
    return run.records.get(key, {})


if __name__ == "__main__":
    sys.exit(main())
