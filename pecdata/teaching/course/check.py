"""``pecdata course check``: run every participant's notebooks in copies and give verdicts.

The participants' files are only read (never written, moved or touched): each
notebook's text goes to a worker of a process pool (one per core), which runs it in a
temporary copy with a kernel of its own (:mod:`pecdata.teaching.course.runner`). One
broken notebook never stops the rest: whatever happens to it becomes its verdicts.

Results are cached in the cohort's own folder (``_course/cache``) under a hash of what
the run depends on: the notebook's cells (without the participant's setup cell), the
run's settings, the checks' source code and the region's ``metadata.json``. A second
run with nothing changed runs nothing, and identical notebooks (untouched ones, say)
run once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from pecdata.teaching.course.layout import Cohort
from pecdata.teaching.course.runner import SETUP_TAG, Settings, notebook_exercises, run_notebook
from pecdata.teaching.course.verdicts import Verdict, from_run

__all__ = ["CheckRun", "check_cohort", "cache_key", "workers", "expected_exercises", "read_text"]

_PACKAGE = Path(__file__).resolve().parents[1]  # pecdata/teaching


@dataclass
class CheckRun:
    """The outcome of a check: every verdict, and how many notebooks ran or came from the cache."""

    verdicts: list[Verdict]
    ran: int = 0
    cached: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    notebook_seconds: dict[str, float] = field(default_factory=dict)
    notebook_cpu: dict[str, float] = field(default_factory=dict)
    #: ``participant/notebook`` -> the run's record (see :func:`run_notebook`), of those run.
    records: dict[str, dict] = field(default_factory=dict)


def workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _code_fingerprint() -> str:
    h = hashlib.sha256()
    for path in sorted([_PACKAGE / "feedback.py", *(_PACKAGE / "checks").glob("*.py")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_key(text: str, settings: Settings, context: str = "") -> str:
    """A hash of what a notebook's run depends on.

    The cells' types and code count; outputs, markdown and the setup cell (which
    only names the participant) do not. Text that is not a notebook is hashed as is.
    """
    try:
        cells = json.loads(text)["cells"]
        body = json.dumps(
            [
                (
                    c.get("cell_type"),
                    "".join(c.get("source", "")) if c.get("cell_type") == "code" else "",
                )
                for c in cells
                if SETUP_TAG not in c.get("metadata", {}).get("tags", [])
            ]
        )
    except Exception:
        body = "raw:" + text
    h = hashlib.sha256()
    for part in (settings.fingerprint(), context, body):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def read_text(path: Path) -> str | None:
    """A notebook's text, or None when it is missing (reading leaves the file as it is)."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return None


def expected_exercises(
    cohort: Cohort, texts: dict[tuple[str, str], str | None]
) -> dict[str, list[str]]:
    """The exercises of every notebook name: from the cohort's record, else from the copies."""
    import nbformat

    expected = {name: list(ids) for name, ids in cohort.exercises.items()}
    for (_, name), text in sorted(texts.items()):
        if text is None or expected.get(name):
            continue
        try:
            found = [e["id"] for e in notebook_exercises(nbformat.reads(text, as_version=4))]
        except Exception:
            continue
        ids = expected.setdefault(name, [])
        ids += [e for e in found if e not in ids]
    return expected


def check_cohort(
    folder: str | Path,
    settings: Settings | None = None,
    jobs: int | None = None,
    progress: bool = True,
    use_cache: bool = True,
) -> CheckRun:
    """Run every participant's notebooks in copies and return the verdicts.

    Parameters
    ----------
    folder : str or Path
        A cohort folder (written by ``pecdata course prepare``, or any folder with one
        sub-folder of notebooks per participant).
    settings : Settings, optional
        Time-outs and memory limit.
    jobs : int, optional
        Notebooks run at the same time (default: the available cores).
    progress : bool
        Show a progress bar (tqdm, on stderr).
    use_cache : bool
        Reuse the results of notebooks that have not changed.

    Returns
    -------
    CheckRun
    """
    import time

    from tqdm.auto import tqdm

    t0 = time.monotonic()
    settings = settings or Settings()
    cohort = Cohort.open(folder)
    names = cohort.notebook_names()
    texts = {(p, n): read_text(cohort.folder / p / n) for p in cohort.participants() for n in names}
    expected = expected_exercises(cohort, texts)
    context = _code_fingerprint() + cohort.region_fingerprint()
    keys = {job: cache_key(t, settings, context) for job, t in texts.items() if t is not None}
    cache = cohort.cache_dir()
    records: dict[str, dict] = {}
    if use_cache:
        for key in set(keys.values()):
            hit = cache / f"{key}.json"
            if hit.is_file():
                try:
                    records[key] = json.loads(hit.read_text(encoding="utf-8"))
                except ValueError:
                    pass
    todo = {}
    for job, key in keys.items():
        if key not in records and key not in todo:
            todo[key] = job
    run = CheckRun([], cached=sum(1 for k in keys.values() if k in records))
    bar = tqdm(total=len(todo), desc="Checking notebooks", unit="nb", disable=not progress)
    region = cohort.record.get("region", {}).get("data_dir")
    for key, record in _run_all(todo, texts, settings, jobs or workers(), region):
        records[key] = record
        run.ran += 1
        run.peak_rss_mb = max(run.peak_rss_mb, record.get("peak_rss_mb", 0.0))
        participant, name = todo[key]
        run.notebook_seconds[f"{participant}/{name}"] = record.get("seconds", 0.0)
        run.notebook_cpu[f"{participant}/{name}"] = record.get("cpu_seconds", 0.0)
        run.records[f"{participant}/{name}"] = record
        if not record.get("checker_failed"):
            tmp = cache / f".{key}.tmp"
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, cache / f"{key}.json")
        bar.update(1)
    bar.close()
    for participant in cohort.participants():
        for name in names:
            record = records.get(keys.get((participant, name)))
            run.verdicts += from_run(participant, name, expected.get(name, []), record)
    run.seconds = round(time.monotonic() - t0, 2)
    return run


def _run_all(todo: dict, texts: dict, settings: Settings, jobs: int, region: str | None = None):
    """Yield ``(key, record)`` for every notebook to run, in a pool of ``jobs`` workers.

    If a worker process itself dies (not a kernel: those are handled in the worker),
    the pool is rebuilt and the notebooks not yet done are tried once more.
    """
    import multiprocessing

    left = dict(todo)
    for attempt in range(2):
        if not left:
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(left)), mp_context=context) as pool:
            futures = {
                pool.submit(run_notebook, texts[job], job[0], settings, region): key
                for key, job in left.items()
            }
            for future in as_completed(futures):
                key = futures[future]
                try:
                    record = future.result()
                except BrokenProcessPool:
                    continue  # tried again in a new pool
                except Exception as exc:
                    record = _failed(f"{type(exc).__name__}: {exc}")
                left.pop(key, None)
                yield key, record
        if attempt == 0 and left:
            print(f"a checking process died; trying {len(left)} notebook(s) again", file=sys.stderr)
    for key in list(left):
        yield key, _failed("the checking process died twice on this notebook")


def _failed(reason: str) -> dict:
    return {
        "readable": True,
        "exercises": [],
        "errors": {"-1": f"the checker could not run this notebook ({reason})"},
        "timeouts": [],
        "died": None,
        "stopped": None,
        "results": [],
        "labels": {},
        "checker_failed": True,
    }
