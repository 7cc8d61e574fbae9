"""``pecdata course progress``: the overview from the feedback logs, without running anything.

During a session every check a participant runs appends a JSON line to
``feedback_log.jsonl`` in their folder (the prepared notebooks' setup cell sets
``PECDATA_FEEDBACK_LOG``; see :mod:`pecdata.teaching.feedback`). The latest line of each
exercise gives its verdict; an exercise never checked is "not started". Logs kept
elsewhere (one shared file with a ``participant`` field, say) can be added.
"""

from __future__ import annotations

import json
from pathlib import Path

from pecdata.teaching.course.check import expected_exercises, read_text
from pecdata.teaching.course.layout import FEEDBACK_FILE, Cohort
from pecdata.teaching.course.verdicts import Verdict, from_log

__all__ = ["read_log", "cohort_progress"]


def read_log(path: Path) -> list[dict]:
    """The JSON lines of a feedback log (a broken line, from a crash mid-write, is skipped)."""
    text = read_text(path)
    lines = []
    for raw in (text or "").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and "exercise" in line:
            lines.append(line)
    return lines


def cohort_progress(folder: str | Path, extra_logs: list[str | Path] = ()) -> list[Verdict]:
    """The verdicts of every participant's exercises from the logs of their checks.

    Parameters
    ----------
    folder : str or Path
        The cohort folder.
    extra_logs : list of str or Path
        More logs whose lines name their ``participant``.

    Returns
    -------
    list of Verdict
    """
    cohort = Cohort.open(folder)
    people = cohort.participants()
    names = cohort.notebook_names()
    texts = {(p, n): read_text(cohort.folder / p / n) for p in people for n in names}
    expected = {n: ids for n, ids in expected_exercises(cohort, texts).items() if n in names}
    lines = {p: read_log(cohort.folder / p / FEEDBACK_FILE) for p in people}
    for log in extra_logs:
        for line in read_log(Path(log)):
            if line.get("participant") in lines:
                lines[line["participant"]].append(line)
    verdicts = []
    for person in people:
        verdicts += from_log(person, expected, lines[person])
    return verdicts
