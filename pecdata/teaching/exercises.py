"""Exercise notebooks, generated from the solutions.

Each step has one source notebook in ``solutions/`` (the trainers' copy). In it

* a code cell tagged ``exercise`` holds the participant's task, with the
  solution between the lines ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  (as in nbgrader and otter-grader);
* the next code cell is tagged ``check`` and calls
  ``check("02-core-1", answer_name, wh)`` (see :mod:`pecdata.teaching.feedback`);
* cells tagged ``solution-only`` appear only in the trainers' copy.

``python -m pecdata.teaching.exercises build`` writes ``exercises/`` from ``solutions/``:
the solution block becomes a hint and ``answer_name = ...``, outputs and
execution counts are removed, check cells are locked against editing, and
every exercise cell records its id in ``metadata.pecdata.exercise``. The output
depends only on the sources, so a second build changes nothing;
``python -m pecdata.teaching.exercises check`` exits with status 1 when ``exercises/``
is out of date.

:func:`open_region` (in :mod:`pecdata.teaching.region`) gives every step notebook the
warehouse it works on.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from pecdata.teaching.region import open_region  # noqa: F401 - where it used to be

__all__ = [
    "BEGIN",
    "END",
    "ExerciseCell",
    "find_exercises",
    "strip_solution",
    "exercise_notebook",
    "build",
    "out_of_sync",
    "open_region",
    "main",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
EXERCISE_TAG, CHECK_TAG, SOLUTION_ONLY_TAG = "exercise", "check", "solution-only"
#: Source notebooks: two-digit step, underscore, name.
PATTERN = re.compile(r"^\d{2}_[A-Za-z0-9_]+\.ipynb$")
GENERATED_NOTE = (
    "Generated from {source} by `python -m pecdata.teaching.exercises build`; edit the "
    "source, not this file."
)


@dataclass(frozen=True)
class ExerciseCell:
    """An exercise in a source notebook: its id, the name of its answer and its cell."""

    exercise_id: str
    answer_name: str
    cell_index: int


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _check_call(source: str, where: str) -> tuple[str, str]:
    """The exercise id and answer name of a check cell: ``check("02-core-1", answer, wh)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"{where}: the check cell is not valid Python ({exc.msg})") from None
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if (
            name in ("check", "check_answer")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and isinstance(node.args[1], ast.Name)
        ):
            return node.args[0].value, node.args[1].id
    raise ValueError(
        f'{where}: the check cell must call pecdata.check_answer("SS-tier-N", '
        f'answer_name, wh), e.g. pecdata.check_answer("02-core-1", duplicates, wh); '
        f"it has: {source.strip()[:80]!r}"
    )


def find_exercises(nb, name: str = "notebook") -> list[ExerciseCell]:
    """The exercises of a source notebook, checking that each is well formed.

    Parameters
    ----------
    nb : NotebookNode
        A source notebook (from ``solutions/``).
    name : str
        Its name, for error messages.

    Returns
    -------
    list of ExerciseCell

    Raises
    ------
    ValueError
        If an exercise cell lacks its solution markers or its check cell, or two
        exercises share an id.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("### BEGIN SOLUTION\\nn = 6\\n### END SOLUTION",
    ...                               metadata={"tags": ["exercise"]}),
    ...     nbformat.v4.new_code_cell('check("01-core-1", n, wh)', metadata={"tags": ["check"]})])
    >>> find_exercises(nb)
    [ExerciseCell(exercise_id='01-core-1', answer_name='n', cell_index=0)]
    """
    found, seen = [], set()
    cells = nb.cells
    for i, cell in enumerate(cells):
        if EXERCISE_TAG not in _tags(cell):
            continue
        where = f"{name}, cell {i + 1}"
        if cell.cell_type != "code":
            raise ValueError(f"{where}: only code cells can be tagged {EXERCISE_TAG!r}")
        lines = [line.strip() for line in cell.source.splitlines()]
        if (
            lines.count(BEGIN) != 1
            or lines.count(END) != 1
            or lines.index(BEGIN) > lines.index(END)
        ):
            raise ValueError(
                f"{where}: an exercise cell needs one line {BEGIN!r} followed by one "
                f"line {END!r} around the solution"
            )
        if i + 1 >= len(cells) or CHECK_TAG not in _tags(cells[i + 1]):
            raise ValueError(
                f"{where}: the cell after an exercise must be a code cell tagged "
                f"{CHECK_TAG!r} that calls check(...)"
            )
        exercise_id, answer = _check_call(cells[i + 1].source, f"{name}, cell {i + 2}")
        if exercise_id in seen:
            raise ValueError(f"{where}: exercise {exercise_id!r} appears twice")
        seen.add(exercise_id)
        found.append(ExerciseCell(exercise_id, answer, i))
    return found


def strip_solution(source: str, answer_name: str) -> str:
    """Replace the solution block of an exercise cell with a hint and ``answer_name = ...``.

    Examples
    --------
    >>> print(strip_solution("# Count the units\\n### BEGIN SOLUTION\\nn = len(units)\\n"
    ...                      "### END SOLUTION", "n"))
    # Count the units
    # Your code here: put your answer in `n`, then run the check cell below.
    n = ...
    """
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out += [
                f"{indent}# Your code here: put your answer in `{answer_name}`, then run the "
                "check cell below.",
                f"{indent}{answer_name} = ...",
            ]
            inside = True
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def exercise_notebook(nb, source_name: str):
    """The participant's notebook made from a source notebook (which is left unchanged).

    Parameters
    ----------
    nb : NotebookNode
        The source notebook.
    source_name : str
        Its path as the note in the generated notebook's metadata should give it.

    Returns
    -------
    NotebookNode
        Without solutions, solution-only cells, outputs or execution counts.
    """
    exercises = {e.cell_index: e for e in find_exercises(nb, source_name)}
    checks = {e.cell_index + 1: e for e in exercises.values()}
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = _tags(cell)
        if SOLUTION_ONLY_TAG in tags:
            continue
        new = copy.deepcopy(cell)
        new.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})
        if i in exercises:
            new.source = strip_solution(cell.source, exercises[i].answer_name)
            new.metadata["pecdata"] = {"exercise": exercises[i].exercise_id}
        if i in checks:
            new.metadata.update(
                editable=False, deletable=False, pecdata={"check": checks[i].exercise_id}
            )
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        cells.append(new)
    out = nbformat.v4.new_notebook(cells=cells)
    out.nbformat, out.nbformat_minor = nb.nbformat, nb.nbformat_minor
    kernelspec = nb.metadata.get(
        "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
    )
    out.metadata = nbformat.NotebookNode(
        {
            "kernelspec": copy.deepcopy(kernelspec),
            "language_info": {"name": "python"},
            "pecdata": {
                "generated_from": source_name,
                "note": GENERATED_NOTE.format(source=source_name),
            },
        }
    )
    return out


def _text(nb) -> str:
    return nbformat.writes(nb).rstrip("\n") + "\n"


def _sources(solutions: Path) -> list[Path]:
    if not solutions.is_dir():
        raise FileNotFoundError(f"no folder {solutions} with the source notebooks")
    return sorted(p for p in solutions.iterdir() if PATTERN.match(p.name))


def _generated(exercises: Path) -> list[Path]:
    """Notebooks in ``exercises`` that a build wrote (they carry its note)."""
    if not exercises.is_dir():
        return []
    found = []
    for p in sorted(exercises.glob("*.ipynb")):
        try:
            meta = json.loads(p.read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, ValueError):
            continue
        if "generated_from" in meta.get("pecdata", {}):
            found.append(p)
    return found


def _expected(solutions: Path) -> dict[str, str]:
    """File name -> text of every exercise notebook the sources make."""
    out = {}
    for src in _sources(solutions):
        nb = nbformat.read(src, as_version=4)
        out[src.name] = _text(exercise_notebook(nb, f"{solutions.name}/{src.name}"))
    return out


def build(solutions: str | Path = "solutions", exercises: str | Path = "exercises") -> list[Path]:
    """Write the exercise notebooks; remove generated ones whose source is gone.

    Parameters
    ----------
    solutions, exercises : str or Path
        The folders (default: ``solutions`` and ``exercises`` in the current folder).

    Returns
    -------
    list of Path
        The files written or removed (empty when everything was up to date).
    """
    solutions, exercises = Path(solutions), Path(exercises)
    wanted = _expected(solutions)
    exercises.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in wanted.items():
        target = exercises / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    for stale in _generated(exercises):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale)
    return changed


def out_of_sync(
    solutions: str | Path = "solutions", exercises: str | Path = "exercises"
) -> list[str]:
    """What a build would change, one line per file (empty when in sync)."""
    solutions, exercises = Path(solutions), Path(exercises)
    wanted = _expected(solutions)
    problems = []
    for name, text in wanted.items():
        target = exercises / name
        if not target.is_file():
            problems.append(f"{target} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{target} differs from what {solutions / name} gives")
    problems += [
        f"{p} has no source in {solutions}" for p in _generated(exercises) if p.name not in wanted
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m pecdata.teaching.exercises build|check [--solutions DIR] [--exercises DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m pecdata.teaching.exercises",
        description="Generate exercise notebooks from the solutions.",
    )
    parser.add_argument(
        "command",
        choices=("build", "check"),
        help="build: write exercises/; check: exit 1 if exercises/ is out of date",
    )
    parser.add_argument("--solutions", default="solutions", help="source folder")
    parser.add_argument("--exercises", default="exercises", help="generated folder")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            changed = build(args.solutions, args.exercises)
            print(
                f"{len(changed)} exercise notebook(s) written or removed"
                if changed
                else "exercise notebooks are up to date"
            )
            for p in changed:
                print(f"  {p}")
            return 0
        problems = out_of_sync(args.solutions, args.exercises)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    if problems:
        print(
            "run `python -m pecdata.teaching.exercises build` (or `make exercises`)",
            file=sys.stderr,
        )
        return 1
    print("exercise notebooks are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
