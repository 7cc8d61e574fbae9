"""Plain-language feedback on the exercises of the step notebooks.

Every exercise has a stable id such as ``"02-core-1"`` (step, tier, number) and
a check registered with :func:`exercise`. A check computes the right answer
from the participant's own warehouse, so it works for any seed and size, and
says in plain words whether an answer is right, what to look at next, or that
the exercise is not answered yet. It never raises and never shows the answer.

In an exercise notebook::

    duplicates = ...            # the participant replaces ... with code
    check("02-core-1", duplicates, wh)

An exercise about a subject the participant was given (see
:mod:`pecdata.teaching.focus`) takes it as keyword arguments,
``check("03-core-1", rate, wh, **focus)``, and its check computes the right answer
for that subject.

The checks of each step live in :mod:`pecdata.teaching.checks` (one module per step).
An expectation from :mod:`pecdata.teaching.checks.expectations` (``Number``, ``Label``,
``Labels``, ``Values``, ``Custom``; also importable from here) describes what a
right answer looks like and which common mistakes deserve their own hint.

Every result is kept in :data:`RESULTS` for :func:`progress`, and appended as a
JSON line to the file named by the environment variable ``PECDATA_FEEDBACK_LOG``
if it is set (for the trainer's progress overview). Each line records the
exercise, its status, the check's message (which never reveals the answer), the
time (UTC) and, when ``PECDATA_PARTICIPANT`` is set, who ran it, so a whole
cohort can write to one shared log. ``pecdata course check`` and ``pecdata
course progress`` (:mod:`pecdata.teaching.course`) read these structured
results instead of the notebooks' text.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from pecdata.teaching.checks import STEP_MODULES
from pecdata.teaching.checks.expectations import (
    Custom,
    Expectation,
    Finding,
    Label,
    Labels,
    Number,
    Unreadable,
    Values,
)
from pecdata.teaching.focus import PARAMETERS, FocusError, resolve_focus

__all__ = [
    "check",
    "exercise",
    "progress",
    "cached",
    "expected",
    "Feedback",
    "Exercise",
    "Number",
    "Label",
    "Labels",
    "Values",
    "Finding",
    "Custom",
    "REGISTRY",
    "RESULTS",
    "TIERS",
    "LOG_VARIABLE",
    "PARTICIPANT_VARIABLE",
]

TIERS = ("core", "extension", "challenge")
LOG_VARIABLE = "PECDATA_FEEDBACK_LOG"
PARTICIPANT_VARIABLE = "PECDATA_PARTICIPANT"
_ID = re.compile(r"^(\d{2})-(core|extension|challenge)-(\d+)$")
#: How each status looks: symbol, heading, colour of the box.
_LOOK = {
    "correct": ("✅", "Correct", "#009E73"),
    "incorrect": ("🔎", "Not yet", "#E69F00"),
    "not_answered": ("✏️", "Not answered yet", "#56B4E9"),
    "unreadable": ("⚠️", "Cannot read your answer", "#D55E00"),
    "error": ("⚠️", "The check could not run", "#D55E00"),
}


@dataclass(frozen=True)
class Feedback:
    """The result of one check: which exercise, its status and a message.

    ``status`` is one of ``correct``, ``incorrect``, ``not_answered``,
    ``unreadable`` (the answer has a form the check cannot use) and ``error``
    (the check itself could not run). Shown as a coloured box in a notebook.

    Examples
    --------
    >>> Feedback("01-core-1", "not_answered", "Replace ... with your answer.")
    ✏️ Not answered yet (01-core-1): Replace ... with your answer.
    """

    exercise_id: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        symbol, heading, _ = _LOOK[self.status]
        return f"{symbol} {heading} ({self.exercise_id}): {self.message}"

    def _repr_html_(self) -> str:
        symbol, heading, colour = _LOOK[self.status]
        return (
            f'<div style="border-left: 5px solid {colour}; padding: 0.4em 0.8em; '
            f'margin: 0.3em 0;"><strong>{symbol} {heading}</strong> '
            f"<small>({html.escape(self.exercise_id)})</small><br>"
            f"{html.escape(self.message)}</div>"
        )


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its id, tier, title, focus parameters and how to find the
    right answer (``expect(wh, **focus)``)."""

    id: str
    title: str
    expect: Callable = field(repr=False)
    focus: tuple = ()

    @property
    def step(self) -> int:
        return int(self.id[:2])

    @property
    def tier(self) -> str:
        return self.id.split("-")[1]


#: Every registered exercise by id (filled when :mod:`pecdata.teaching.checks` is imported).
REGISTRY: dict[str, Exercise] = {}
#: Every check run in this session, in order.
RESULTS: list[Feedback] = []


def exercise(exercise_id: str, title: str, focus=()):
    """Register ``expect(wh, **focus) -> Expectation`` as the check of an exercise.

    Parameters
    ----------
    exercise_id : str
        ``"SS-tier-N"``: two-digit step, tier (core, extension or challenge), number.
    title : str
        What the exercise asks, in a few words (shown in :func:`progress`).
    focus : tuple of str
        The focus parameters (:mod:`pecdata.teaching.focus`) the exercise is about;
        ``expect`` receives each as a keyword argument.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Examples
    --------
    >>> @exercise("00-core-1", "Count the municipalities")
    ... def _municipalities(wh):
    ...     return Number(len(wh["municipalities"]), unit="municipalities")
    >>> import pandas as pd
    >>> check("00-core-1", 6, {"municipalities": pd.DataFrame({"code": list("ABCDEF")})})
    ✅ Correct (00-core-1): 6 municipalities is right.
    >>> del REGISTRY["00-core-1"]
    """
    if not _ID.match(exercise_id):
        raise ValueError(
            f"exercise id {exercise_id!r} must look like '02-core-1' (two-digit step, "
            f"tier {'/'.join(TIERS)}, number)"
        )
    unknown = [n for n in focus if n not in PARAMETERS]
    if unknown:
        raise ValueError(
            f"exercise {exercise_id!r}: no focus parameter {unknown}; register it with "
            "pecdata.teaching.focus.focus_parameter first"
        )

    def register(expect: Callable) -> Callable:
        if exercise_id in REGISTRY and REGISTRY[exercise_id].expect is not expect:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        REGISTRY[exercise_id] = Exercise(exercise_id, title, expect, tuple(focus))
        return expect

    return register


def _registry() -> dict[str, Exercise]:
    """Every exercise, after importing the checks of every step (which registers them)."""
    for name in STEP_MODULES:
        importlib.import_module(f"pecdata.teaching.checks.{name}")
    return REGISTRY


def expected(exercise_id: str, wh, **focus) -> Expectation:
    """The expectation of an exercise for a warehouse and a focus (computed once for each).

    Focus parameters the exercise does not use are ignored; missing ones take
    their defaults. Raises :class:`~pecdata.teaching.focus.FocusError` for a focus
    value the warehouse does not have.
    """
    e = _registry()[exercise_id]
    chosen = resolve_focus(wh, e.focus, focus)
    key = f"expect:{exercise_id}:" + repr(sorted(chosen.items()))
    return cached(wh, key, lambda: e.expect(wh, **chosen))


_CACHE: dict[tuple[str, int], tuple[object, object]] = {}


def cached(wh, key: str, compute: Callable):
    """``compute()`` once per warehouse and key, shared by the checks of a step.

    For results several checks need, such as the PEC costing of a year.

    Examples
    --------
    >>> wh = {}
    >>> cached(wh, "answer", lambda: 42), cached(wh, "answer", lambda: 0)
    (42, 42)
    """
    k = (key, id(wh))
    if k not in _CACHE or _CACHE[k][0] is not wh:
        if len(_CACHE) > 100:
            _CACHE.clear()
        _CACHE[k] = (wh, compute())
    return _CACHE[k][1]


def _not_answered(answer) -> bool:
    return answer is ... or answer is None


def check(exercise_id: str, answer, wh=None, **focus) -> Feedback:
    """Check an answer and say in plain words what is right or what to look at next.

    Never raises: an unknown exercise, an answer of the wrong form or a failing
    check become a message. Never shows the right answer.

    Parameters
    ----------
    exercise_id : str
        The exercise, e.g. ``"02-core-1"``.
    answer : object
        The participant's answer; ``...`` or None means not answered yet.
    wh : Warehouse, optional
        The warehouse the notebook works on; the right answer is computed from it.
    **focus
        The notebook's focus parameters (``focus_municipality=...``); the right
        answer is computed for them.

    Returns
    -------
    Feedback
        Shown as a coloured box in a notebook; also kept in :data:`RESULTS`.

    Examples
    --------
    >>> check("01-core-2", ...)
    ✏️ Not answered yet (01-core-2): Replace the ... in the exercise cell with your answer and run both cells again.
    >>> check("99-core-1", 5)
    ⚠️ The check could not run (99-core-1): There is no exercise '99-core-1'. Check the id in the check cell (it should not need editing).
    """
    try:
        registry = _registry()
    except Exception as exc:  # a broken checks module must not stop a participant
        return _record(
            Feedback(
                str(exercise_id),
                "error",
                f"The checks could not be loaded ({type(exc).__name__}: {exc}). Tell your trainer.",
            )
        )
    if exercise_id not in registry:
        return _record(
            Feedback(
                str(exercise_id),
                "error",
                f"There is no exercise "
                f"{exercise_id!r}. Check the id in the check cell (it should not "
                "need editing).",
            )
        )
    if _not_answered(answer):
        return _record(
            Feedback(
                exercise_id,
                "not_answered",
                "Replace the ... in the exercise cell with your answer and run both cells again.",
            )
        )
    try:
        expectation = expected(exercise_id, wh, **focus)
    except FocusError as exc:
        return _record(Feedback(exercise_id, "error", str(exc)))
    except Exception as exc:
        return _record(
            Feedback(
                exercise_id,
                "error",
                "The check could not work out the right "
                f"answer from this warehouse ({type(exc).__name__}: {exc}). "
                "Tell your trainer.",
            )
        )
    try:
        status, message = expectation.assess(answer)
    except Unreadable as exc:
        status, message = "unreadable", str(exc)
    except Exception as exc:
        status, message = (
            "unreadable",
            (f"The check could not use your answer ({type(exc).__name__}: {exc})."),
        )
    return _record(Feedback(exercise_id, status, message))


def _record(result: Feedback) -> Feedback:
    RESULTS.append(result)
    log = os.environ.get(LOG_VARIABLE)
    if log:
        try:
            record = {
                "exercise": result.exercise_id,
                "status": result.status,
                "message": result.message,
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            participant = os.environ.get(PARTICIPANT_VARIABLE)
            if participant:
                record["participant"] = participant
            with open(log, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        except OSError:
            pass  # the log is a convenience for trainers; feedback matters more
    return result


def progress(step: int | None = None) -> pd.DataFrame:
    """The latest status of every exercise (of one step) checked in this session.

    Parameters
    ----------
    step : int, optional
        Only the exercises of this step.

    Returns
    -------
    DataFrame
        Columns ``exercise``, ``tier``, ``title`` and ``status`` (``not checked``
        for exercises whose check has not run yet).

    Examples
    --------
    >>> progress(1).columns.tolist()
    ['exercise', 'tier', 'title', 'status']
    """
    latest = {r.exercise_id: r.status.replace("_", " ") for r in RESULTS}
    rows = [
        (e.id, e.tier, e.title, latest.get(e.id, "not checked"))
        for e in sorted(_registry().values(), key=_order)
        if step is None or e.step == step
    ]
    return pd.DataFrame(rows, columns=["exercise", "tier", "title", "status"])


def _order(e: Exercise) -> tuple:
    return e.step, TIERS.index(e.tier), int(e.id.split("-")[2])
