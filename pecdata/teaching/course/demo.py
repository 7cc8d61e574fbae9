"""A demonstration cohort: prepared notebooks answered with the solutions, in part or in full.

For trying ``pecdata course check`` before a course, for the tests and for
``bench/course.py``: :func:`answer` writes the solutions of the first ``n`` exercises
of a prepared notebook into it, the way a participant would, and can give one answer
a wrong value.
"""

from __future__ import annotations

from pathlib import Path

from pecdata.teaching.exercises import BEGIN, END

__all__ = ["solutions_by_exercise", "answer"]


def solutions_by_exercise(source) -> dict[str, str]:
    """Exercise id -> the solution code of a source notebook (from ``solutions/``)."""
    from pecdata.teaching.course.runner import notebook_exercises

    out = {}
    for ex in notebook_exercises(source):
        if ex["exercise_cell"] is None:
            continue
        lines = source.cells[ex["exercise_cell"]].source.splitlines()
        out[ex["id"]] = "\n".join(line for line in lines if line.strip() not in (BEGIN, END))
    return out


def answer(
    path: str | Path,
    solutions: dict[str, str],
    n: int | None = None,
    wrong: str = "",
    signature: str = "",
):
    """Answer the first ``n`` exercises of a prepared notebook with their solutions.

    Parameters
    ----------
    path : str or Path
        A prepared notebook (changed in place).
    solutions : dict
        From :func:`solutions_by_exercise`.
    n : int, optional
        How many exercises to answer (default: all).
    wrong : str
        An exercise id whose answer is then set to a wrong value (``-1``).
    signature : str
        A comment put in every exercise cell answered, so that no two participants'
        notebooks are the same (as in a real cohort).
    """
    import nbformat

    from pecdata.teaching.course.runner import notebook_exercises

    nb = nbformat.read(path, as_version=4)
    exercises = notebook_exercises(nb)
    for ex in exercises[:n]:
        if ex["exercise_cell"] is None or ex["id"] not in solutions:
            continue
        code = solutions[ex["id"]] + (f"\n# {signature}" if signature else "")
        if ex["id"] == wrong:
            name = nb.cells[ex["check_cell"]].source.split(",")[1].strip()
            code += f"\n{name} = -1"
        nb.cells[ex["exercise_cell"]].source = code
    nbformat.write(nb, path)
