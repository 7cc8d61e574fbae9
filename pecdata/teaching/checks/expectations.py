"""What a right answer looks like: the expectations behind the exercise checks.

An expectation is computed from the participant's warehouse by an exercise's
check (see :mod:`pecdata.teaching.feedback`) and judges an answer with ``assess(answer)``,
which returns ``(status, message)``: ``correct`` or ``incorrect`` with a
plain-language message that never contains the right answer. An answer of a
form the expectation cannot use raises :class:`Unreadable` with a message
saying what to give instead.

* :class:`Number`: one number within a tolerance, with hints for known mistakes;
* :class:`Label`: one label such as a unit_id, in any letter case;
* :class:`Labels`: a set of labels;
* :class:`Values`: a number per label (a Series, a dict or a two-column table);
* :class:`Finding`: a label *and* its figure (the ward and its empty beds), so that
  a wrong method that happens to pick the right label does not pass;
* :class:`Custom`: any rule written as a function.

``right_answer()`` and ``wrong_answers()`` give examples for the tests of each check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Expectation", "Number", "Label", "Labels", "Values", "Finding", "Custom", "Unreadable"]


# --- reading answers -----------------------------------------------------------------------------
class Unreadable(ValueError):
    """The answer has a form the check cannot use (the message says what to give instead)."""


def _scalar(answer):
    """A single value from a value, a one-element Series/array or a 1 x 1 DataFrame (SQL result)."""
    if isinstance(answer, pd.DataFrame):
        if answer.shape != (1, 1):
            raise Unreadable(
                f"Your answer is a table with {answer.shape[0]:,} rows and "
                f"{answer.shape[1]} columns; give a single value (for a one-cell "
                "SQL result, .iloc[0, 0] takes the value out)."
            )
        return answer.iloc[0, 0]
    if isinstance(answer, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        if len(answer) != 1:
            raise Unreadable(f"Your answer holds {len(answer):,} values; give a single value.")
        return answer.iloc[0] if isinstance(answer, pd.Series) else list(answer)[0]
    return answer


def _number(answer) -> float:
    value = _scalar(answer)
    if isinstance(value, (bool, np.bool_)):
        raise Unreadable("Your answer is True or False; this exercise asks for a number.")
    if isinstance(value, str):
        raise Unreadable(
            f"Your answer is the text {value!r}; give the number itself, without quotes."
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Unreadable(
            f"Your answer is a {type(value).__name__}; this exercise asks for a number."
        ) from None
    if math.isnan(number):
        raise Unreadable(
            "Your answer is NaN (not a number): often a division by zero or an "
            "empty selection of rows. Look at the rows you selected."
        )
    return number


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}".replace(",", " ")
    return f"{x:,.4g}".replace(",", " ") if abs(x) < 1000 else f"{x:,.1f}".replace(",", " ")


def _text(value) -> str:
    return " ".join(str(value).split()).casefold()


# --- expectations --------------------------------------------------------------------------------
class Expectation:
    """What a right answer looks like. ``assess(answer)`` returns ``(status, message)``."""

    def assess(self, answer) -> tuple[str, str]:
        raise NotImplementedError

    def right_answer(self):
        """An answer this expectation accepts (for tests of the check)."""
        raise NotImplementedError

    def wrong_answers(self) -> list:
        """Answers it must reject: the known mistakes and a few others (for tests)."""
        raise NotImplementedError


@dataclass
class Number(Expectation):
    """A single number, right within a tolerance, with hints for known mistakes.

    Parameters
    ----------
    value : float
        The right answer.
    unit : str
        What the number counts, for messages ("encounters", "SEK per resident").
    tolerance : float
        Accepted absolute difference (e.g. 0.05 when the exercise asks for one decimal).
        When set, it alone decides: a figure for another year or unit that differs only
        in the second decimal is not accepted as right.
    rel : float
        Accepted relative difference when no ``tolerance`` is given (default 0.2 %);
        ``rel=0`` with no tolerance asks for an exact value (a count).
    mistakes : list of (value, hint)
        Wrong answers a participant is likely to give, each with its own hint.
    hint : str
        What to look at next for any other wrong answer.
    percent : bool
        The answer is a percentage: a share between 0 and 1 gets its own hint.
    explain : str
        Said after "correct": what the number means.

    Examples
    --------
    >>> n = Number(559, unit="encounters", mistakes=[(1118, "You counted both copies.")])
    >>> n.assess(559)
    ('correct', '559 encounters is right.')
    >>> n.assess(1118)
    ('incorrect', 'You counted both copies.')
    """

    value: float
    unit: str = ""
    tolerance: float = 0.0
    rel: float = 0.002
    mistakes: list = field(default_factory=list)
    hint: str = ""
    percent: bool = False
    explain: str = ""

    def _close(self, a: float, b: float) -> bool:
        limit = self.tolerance if self.tolerance > 0 else self.rel * abs(b)
        return abs(a - b) <= max(limit, 1e-9)

    def assess(self, answer):
        a = _number(answer)
        if self._close(a, self.value):
            return "correct", " ".join(
                filter(None, [f"{_fmt(a)} {self.unit}".strip() + " is right.", self.explain])
            )
        if self.percent and self.value != 0 and self._close(100 * a, self.value):
            return "incorrect", (
                "Your answer looks like a share between 0 and 1; this exercise "
                "asks for a percentage (multiply by 100)."
            )
        for value, hint in self.mistakes:
            if self._close(a, float(value)):
                return "incorrect", hint
        if self.percent:
            for value, hint in self.mistakes:
                if float(value) != 0 and self._close(100 * a, float(value)):
                    return "incorrect", (
                        "Your answer looks like a share between 0 and 1 (the exercise asks "
                        "for a percentage), and even as a percentage it is not right: " + hint
                    )
        side = "higher" if a > self.value else "lower"
        near = abs(a - self.value) <= 0.05 * abs(self.value)
        exact = self.tolerance == 0 and self.rel == 0
        if near and exact:
            text = (
                f"Your answer is a little {side} than what the data gives. This is a count, "
                "so it has to be exact: check exactly which rows you kept."
            )
        elif near:
            text = (
                f"Your answer is a little {side} than what the data gives: check the rounding "
                "and exactly which rows you kept."
            )
        else:
            text = f"Your answer is {side} than what the data gives."
        return "incorrect", " ".join(filter(None, [text, self.hint]))

    def right_answer(self):
        return self.value

    def wrong_answers(self):
        v = self.value
        others = [v * 1.5 + 1, v * 0.5 - 1, -abs(v) - 10]
        if self.tolerance == 0 and self.rel == 0 and float(v).is_integer():
            others += [v - 1, v + 1]  # a count is exact: one off is wrong
        if self.percent and not self._close(v / 100, v):  # near 0 a share is within tolerance
            others.append(v / 100)
        return [m for m, _ in self.mistakes if not self._close(m, v)] + others


@dataclass
class Label(Expectation):
    """One label such as a unit_id or a municipality, in any letter case.

    Parameters
    ----------
    value : str
        The right answer.
    what : str
        What kind of label ("unit_id", "municipality code"), for messages.
    aliases : iterable of str
        Other spellings that are also right (e.g. the municipality's name).
    known : iterable of str
        Every valid label; an answer outside it gets its own message.
    mistakes : dict of str to str
        Wrong labels a participant is likely to give, with a hint each.
    hint, explain : str
        As for :class:`Number`.

    Examples
    --------
    >>> Label("HAV-ED", what="unit_id", known=["HAV-ED", "VAL-ED"]).assess("val-ed")
    ('incorrect', "'val-ed' is not the unit_id this exercise is after.")
    """

    value: str
    what: str = "label"
    aliases: Iterable[str] = ()
    known: Iterable[str] = ()
    mistakes: Mapping[str, str] = field(default_factory=dict)
    hint: str = ""
    explain: str = ""

    def assess(self, answer):
        a = _scalar(answer)
        if not isinstance(a, str):
            raise Unreadable(
                f"Your answer is a {type(a).__name__}; give the {self.what} as text "
                "in quotes, e.g. 'HAV'."
            )
        right = {_text(self.value), *(_text(x) for x in self.aliases)}
        if _text(a) in right:
            return "correct", " ".join(filter(None, [f"{a!r} is right.", self.explain]))
        for label, hint in self.mistakes.items():
            if _text(a) == _text(label):
                return "incorrect", hint
        known = {_text(k) for k in self.known}
        if known and _text(a) not in known:
            return "incorrect", (
                f"{a!r} is not a {self.what} in this warehouse. Copy it from a "
                "table rather than typing it."
            )
        return "incorrect", " ".join(
            filter(None, [f"{a!r} is not the {self.what} this exercise is after.", self.hint])
        )

    def right_answer(self):
        return self.value

    def wrong_answers(self):
        right = {_text(self.value), *(_text(x) for x in self.aliases)}
        wrong = [m for m in self.mistakes if _text(m) not in right]
        others = [k for k in sorted(map(str, self.known)) if _text(k) not in right][:2]
        return wrong + others + ["no such label"]


def _items(answer) -> list:
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] != 1:
            raise Unreadable(
                f"Your answer is a table with {answer.shape[1]} columns; give one "
                "column or a list of the values."
            )
        answer = answer.iloc[:, 0]
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise Unreadable("Give a list of values, e.g. ['HAV-ED', 'VAL-ED'].")
    return list(answer)


@dataclass
class Labels(Expectation):
    """A set of labels (order does not matter), e.g. the tables that hold a column.

    Examples
    --------
    >>> Labels({"a", "b"}, what="tables").assess(["a", "c"])
    ('incorrect', "1 of your 2 tables is right; 'c' is not among them; 1 is missing.")
    """

    values: set
    what: str = "values"
    hint: str = ""
    explain: str = ""

    def assess(self, answer):
        got = {_text(x): x for x in _items(answer)}
        want = {_text(x) for x in self.values}
        extra = sorted(str(got[k]) for k in got.keys() - want)
        missing = len(want - got.keys())
        if not extra and not missing:
            return "correct", " ".join(
                filter(None, [f"All {len(want)} {self.what} are right.", self.explain])
            )
        parts = [
            f"{len(got.keys() & want)} of your {len(got)} {self.what} "
            f"{'is' if len(got.keys() & want) == 1 else 'are'} right"
        ]
        if extra:
            shown = ", ".join(map(repr, extra[:5])) + (" ..." if len(extra) > 5 else "")
            parts.append(f"{shown} {'is' if len(extra) == 1 else 'are'} not among them")
        if missing:
            parts.append(f"{missing} {'is' if missing == 1 else 'are'} missing")
        return "incorrect", " ".join(filter(None, ["; ".join(parts) + ".", self.hint]))

    def right_answer(self):
        return sorted(self.values)

    def wrong_answers(self):
        values = sorted(self.values)
        return [values[:-1] if len(values) > 1 else [], values + ["no such value"]]


def _pairs(answer) -> dict:
    if isinstance(answer, pd.DataFrame):
        numeric = [
            c
            for c in answer.columns
            if pd.api.types.is_numeric_dtype(answer[c])
            and not pd.api.types.is_bool_dtype(answer[c])
        ]
        keys = [c for c in answer.columns if c not in numeric]
        if len(numeric) == 1 and len(keys) == 1:
            answer = answer.set_index(keys[0])[numeric[0]]
        elif len(numeric) == 1 and not keys:
            answer = answer[numeric[0]]
        else:
            raise Unreadable(
                f"Your answer is a table with columns {list(map(str, answer.columns))}; "
                "give one column of labels and one column of numbers (or a Series)."
            )
    if isinstance(answer, pd.Series):
        return {_text(k): v for k, v in answer.items()}
    if isinstance(answer, Mapping):
        return {_text(k): v for k, v in answer.items()}
    raise Unreadable(
        "Give a Series (labels as index) or a table with a label column and a number column."
    )


@dataclass
class Values(Expectation):
    """A number for each of several labels (a Series, dict or two-column table).

    Examples
    --------
    >>> v = Values({"HAV": 10.0, "LAX": 20.0}, what="municipalities")
    >>> v.assess({"HAV": 10.0, "LAX": 25.0})[1]
    '1 of 2 municipalities match; look again at LAX.'
    """

    values: Mapping[str, float]
    what: str = "labels"
    rel: float = 0.002
    tolerance: float = 0.0
    hint: str = ""
    explain: str = ""

    def assess(self, answer):
        got = _pairs(answer)
        want = {_text(k): (str(k), float(v)) for k, v in self.values.items()}
        missing = [name for k, (name, _) in want.items() if k not in got]
        extra = sorted(str(k) for k in got.keys() - want.keys())
        wrong = []
        for k, (name, v) in want.items():
            if k in got:
                try:
                    a = _number(got[k])
                except Unreadable:
                    wrong.append(name)
                    continue
                if abs(a - v) > max(self.tolerance, self.rel * abs(v), 1e-9):
                    wrong.append(name)
        if not (missing or extra or wrong):
            return "correct", " ".join(
                filter(None, [f"All {len(want)} {self.what} match.", self.explain])
            )
        if missing or extra:
            parts = []
            if missing:
                parts.append(
                    f"{', '.join(missing[:5])} {'is' if len(missing) == 1 else 'are'} missing"
                )
            if extra:
                parts.append(f"{', '.join(extra[:5])} should not be there")
            return "incorrect", " ".join(
                filter(
                    None,
                    [
                        f"Your answer should have one number for "
                        f"each of the {len(want)} {self.what}: " + "; ".join(parts) + ".",
                        self.hint,
                    ],
                )
            )
        n_ok = len(want) - len(wrong)
        return "incorrect", " ".join(
            filter(
                None,
                [
                    f"{n_ok} of {len(want)} {self.what} match; look again at {', '.join(wrong[:5])}"
                    + (" ..." if len(wrong) > 5 else "."),
                    self.hint,
                ],
            )
        )

    def right_answer(self):
        return pd.Series(dict(self.values))

    def wrong_answers(self):
        right = self.right_answer()
        return [right * 1.5 + 1, right.iloc[:-1]]


def _finding(answer) -> tuple:
    """``(label, number)`` from a pair, a one-entry dict or a one-entry Series."""
    if isinstance(answer, pd.DataFrame) and answer.shape[0] == 1:
        answer = answer.iloc[0] if answer.shape[1] == 2 else answer.iloc[:, 0]
        if len(answer) == 2 and isinstance(answer.iloc[0], str):
            return answer.iloc[0], answer.iloc[1]
    if isinstance(answer, (pd.Series, Mapping)) and len(answer) == 1:
        return next(iter(answer.items()))
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        return answer[0], answer[1]
    raise Unreadable(
        "Give the label and its figure together: a pair such as ('HAV-W-MED', 1.5), or "
        "a Series with one entry (e.g. the result of .nlargest(1))."
    )


@dataclass
class Finding(Expectation):
    """A label and its figure, e.g. the ward with the most empty beds and how many.

    Asking for the figure as well means that a wrong method that happens to pick
    the right label (the lowest occupancy instead of the most empty beds, the
    largest single pool instead of the ward's total) does not pass: its figure
    differs, and the figure's own mistakes name the method.

    Examples
    --------
    >>> f = Finding(Label("VAL-W-SUR", what="unit_id"), Number(10.9, tolerance=0.05))
    >>> f.assess(("VAL-W-SUR", 10.9))[0], f.assess(pd.Series({"VAL-W-SUR": 3.2}))[0]
    ('correct', 'incorrect')
    """

    label: Label
    number: Number
    explain: str = ""

    def assess(self, answer):
        label, number = _finding(answer)
        status, message = self.label.assess(label)
        if status != "correct":
            return status, message
        status, message = self.number.assess(number)
        if status != "correct":
            return status, f"The {self.label.what} is right, but its figure is not. {message}"
        return "correct", " ".join(
            filter(None, [f"{label!r} and {_fmt(_number(number))} are right.", self.explain])
        )

    def right_answer(self):
        return (self.label.value, self.number.value)

    def wrong_answers(self):
        wrong = [(w, self.number.value) for w in self.label.wrong_answers()[:3]]
        return wrong + [(self.label.value, w) for w in self.number.wrong_answers()]


@dataclass
class Custom(Expectation):
    """A check written as a function ``assess(answer) -> (status, message)``.

    ``right`` and ``wrong`` give example answers for the tests of the check.
    """

    fn: Callable
    right: object = None
    wrong: list = field(default_factory=list)

    def assess(self, answer):
        return self.fn(answer)

    def right_answer(self):
        return self.right

    def wrong_answers(self):
        return list(self.wrong)
