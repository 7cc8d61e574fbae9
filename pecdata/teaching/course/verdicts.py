"""The verdict of each exercise: from a checked run, or from the feedback logs of a session.

Seven verdicts, in :data:`VERDICTS`:

========================  ===========================================================
``correct``               the check says the answer is right
``wrong``                 attempted but wrong (or unreadable): the check's message
``not_started``           the ``...`` is still there, or (in a session) no check ran
``error``                 a cell of the exercise raised: the exception's last line and the cell
``timeout``               a cell ran past the time-out: which cell
``kernel_died``           the kernel died (os._exit, a crash, the memory limit) in this
                          exercise or before it: which cell; never counted as passed
``unreadable``            the notebook is missing or is not a notebook
========================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VERDICTS", "LABELS", "Verdict", "from_run", "from_log"]

VERDICTS = ("correct", "wrong", "not_started", "error", "timeout", "kernel_died", "unreadable")
LABELS = {
    "correct": "correct",
    "wrong": "attempted, not yet right",
    "not_started": "not started",
    "error": "error",
    "timeout": "timed out",
    "kernel_died": "kernel died",
    "unreadable": "unreadable notebook",
}
_FROM_STATUS = {
    "correct": "correct",
    "incorrect": "wrong",
    "unreadable": "wrong",
    "not_answered": "not_started",
    "error": "error",
}


@dataclass(frozen=True)
class Verdict:
    """One exercise of one participant: the verdict, what it is about and where."""

    participant: str
    notebook: str
    exercise: str
    verdict: str
    detail: str = ""
    cell: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "correct"


def _label(record: dict, index) -> str:
    labels = record.get("labels", {})
    return labels.get(index) or labels.get(str(index)) or f"cell {int(index) + 1}"


def _first(indices, low: int, high: int):
    inside = sorted(int(i) for i in indices if low <= int(i) <= high)
    return inside[0] if inside else None


def from_run(participant: str, notebook: str, expected: list[str], record: dict) -> list[Verdict]:
    """The verdicts of a notebook's exercises from its run (see :func:`runner.run_notebook`).

    Parameters
    ----------
    participant, notebook : str
    expected : list of str
        The exercise ids this notebook should have (from the cohort), in order; ids
        found only in the notebook are added after them.
    record : dict
        What :func:`pecdata.teaching.course.runner.run_notebook` returned, or None
        when the notebook is missing.

    Returns
    -------
    list of Verdict
    """
    ids = list(expected)
    if record is None or not record.get("readable", False):
        reason = "the notebook is missing" if record is None else record.get("reason", "")
        return [Verdict(participant, notebook, e, "unreadable", reason) for e in ids]
    if record.get("checker_failed"):
        reason = next(iter(record.get("errors", {}).values()), "the checker failed")
        return [Verdict(participant, notebook, e, "error", reason) for e in ids]
    found = {e["id"]: e for e in record["exercises"]}
    ids += [e for e in found if e not in ids]
    errors = {int(k): v for k, v in record.get("errors", {}).items()}
    timeouts = [int(i) for i in record.get("timeouts", [])]
    died, stopped = record.get("died"), record.get("stopped")
    first_block = min((e["block"][0] for e in found.values()), default=0)
    setup_error = _first(errors, -1, first_block - 1)
    setup_timeout = _first(timeouts, 0, first_block - 1)
    results: dict[str, list[dict]] = {}
    for line in record.get("results", []):
        results.setdefault(line.get("exercise"), []).append(line)

    def verdict(kind, detail="", cell=None) -> Verdict:
        where = "" if cell is None else _label(record, cell)
        return Verdict(participant, notebook, exercise_id, kind, detail, where)

    out = []
    for exercise_id in ids:
        ex = found.get(exercise_id)
        if ex is None:
            out.append(verdict("error", "the check cell of this exercise is not in the notebook"))
            continue
        low, check_cell = ex["block"]
        if died is not None and int(died) <= check_cell:
            at = "in this exercise" if int(died) >= low else "before this exercise"
            said = record.get("kernel_log", "")
            detail = f"the kernel died {at}" + (f" (its last words: {said})" if said else "")
            out.append(verdict("kernel_died", detail, died))
            continue
        own_timeout = _first(timeouts, low, check_cell)
        if own_timeout is not None:
            out.append(verdict("timeout", "the cell ran past the time-out", own_timeout))
            continue
        if stopped is not None and int(stopped) < low:
            out.append(verdict("timeout", "not run: an earlier cell did not stop", stopped))
            continue
        own = [r for r in results.get(exercise_id, []) if r.get("cell") == check_cell]
        latest = (own or results.get(exercise_id, [None]))[-1]
        own_error = _first(errors, low, check_cell)
        if latest is not None and latest.get("status") == "correct":
            out.append(verdict("correct"))
        elif own_error is not None and own_error != check_cell:
            out.append(verdict("error", errors[own_error], own_error))
        elif latest is not None:
            kind = _FROM_STATUS.get(latest.get("status"), "error")
            out.append(verdict(kind, latest.get("message", "") if kind != "not_started" else ""))
        elif own_error is not None:
            out.append(verdict("error", errors[own_error], own_error))
        elif setup_error is not None:
            cell = None if setup_error < 0 else setup_error
            out.append(verdict("error", f"before the exercises: {errors[setup_error]}", cell))
        elif setup_timeout is not None:
            out.append(verdict("timeout", "a cell before the exercises ran past the time-out"))
        else:
            out.append(verdict("error", "the check cell gave no result", check_cell))
    return out


def from_log(participant: str, expected: dict[str, list[str]], lines: list[dict]) -> list[Verdict]:
    """The verdicts from the checks a participant ran in a session (their feedback log).

    The latest result of each exercise counts; an exercise whose check never ran is
    ``not_started``.

    Examples
    --------
    >>> lines = [{"exercise": "01-core-1", "status": "incorrect", "message": "Look again."},
    ...          {"exercise": "01-core-1", "status": "correct", "message": "Right."}]
    >>> [v.verdict for v in from_log("anna", {"01_x.ipynb": ["01-core-1", "01-core-2"]}, lines)]
    ['correct', 'not_started']
    """
    latest: dict[str, dict] = {}
    for line in sorted(lines, key=lambda r: str(r.get("time", ""))):
        latest[line.get("exercise")] = line
    out = []
    for notebook, ids in expected.items():
        for exercise_id in ids:
            line = latest.get(exercise_id)
            if line is None:
                out.append(Verdict(participant, notebook, exercise_id, "not_started"))
                continue
            kind = _FROM_STATUS.get(line.get("status"), "error")
            detail = "" if kind in ("correct", "not_started") else line.get("message", "")
            out.append(Verdict(participant, notebook, exercise_id, kind, detail))
    return out
