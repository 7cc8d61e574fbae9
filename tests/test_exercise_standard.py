"""The exercise standard of issue 10, for every step that has a lesson and a solution.

* Transfer, not copy: no exercise's right answer appears in the outputs of its
  lesson notebook, in any usual formatting, at the default seed (the stored
  outputs) and on two other seeds (the lesson re-executed with papermill). On the
  other seeds an answer counts as read off the lesson when it shows on both: a lesson
  that computes an exercise's figure prints it on every seed, while two unrelated
  figures that agree to three digits on one region (a ward's occupancy of 0.407 and a
  share of 40.7 %) are a coincidence that no participant can use.
* Text and outputs agree: the unit ids a lesson's text cites appear in its
  outputs when it runs on another seed.
* Hints work: every hint's code (a fenced ``python`` block in the exercise's
  description) runs in the exercise notebook at the point of its exercise.
* A focus for each participant: each exercise notebook's parameters cell has the
  step's focus parameters with their registered defaults.

Generic over ``solutions/NN_*.ipynb`` and their lessons ``notebooks/NN_*.ipynb``, so
it covers steps 5-9 as they land.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from pecdata.teaching import exercises as X
from pecdata.teaching import feedback as F
from pecdata.teaching import focus as FOCUS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LESSONS = {p.name: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
PAIRS = [s for s in SOLUTIONS if s.name in LESSONS]
#: The other seed the lessons are re-executed on, generated in memory: the size and seed of
#: the tests' shared ``region`` (big enough that answers are not small numbers that any
#: table might print by chance).
OTHER = {"residents": 20_000, "seed": 7, "years": 3}
#: The second other seed, of the same size.
SECOND = {"residents": 20_000, "seed": 8, "years": 3}
HINT = re.compile(r"```python\n(.*?)```", re.S)
#: A unit id of the generated region: site or municipality, then one or two parts (PC-HAV-01).
UNIT_ID = re.compile(r"(?<![\w-])(?:PC-[A-Z]{3}-\d{2}|[A-Z]{3}-(?:W-)?[A-Z]{2,3})(?![\w-])")


# --- what an answer looks like when printed ------------------------------------------------------
def _digits(text: str) -> int:
    return len(re.sub(r"\D", "", text).lstrip("0"))


def _number_strings(n: F.Number) -> set[str]:
    """The ways a lesson could print the right answer of ``n``."""
    v = float(n.value)
    tol = max(n.tolerance, n.rel * abs(v))
    places = 0 if tol >= 0.5 or (tol == 0 and v.is_integer()) else 1 if tol >= 0.05 else 2
    exact = tol == 0 and v.is_integer()
    out = set()
    for p in {places} if exact else {places, places + 1}:
        for sep in (",", " ", "\u00a0", ""):
            out.add(f"{v:,.{p}f}".replace(",", sep))
    if places == 0 and not exact:
        out.add(f"{v:.1f}")
    if n.percent:
        out |= {f"{v / 100:.3f}", f"{v / 100:.4f}", f"{v / 100:.1%}"}
    if "million" in n.unit:
        out |= {f"{v:,.1f} M".replace(",", " "), f"{v * 1e6:,.0f}".replace(",", " ")}
    if abs(v) >= 1e6:
        out.add(f"{v / 1e6:.1f} M")
    return {s for s in out if _digits(s) >= 3}


def _appears(needle: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(needle)}(?![\d]|\.\d)", text) is not None


def _label_shown(label, text: str) -> bool:
    def shown(s):
        return re.search(rf"(?<![\w-]){re.escape(str(s))}(?![\w-])", text, re.I) is not None

    known = [k for k in label.known if str(k).strip()]
    if known and all(shown(k) for k in known):
        return False  # a complete listing of every candidate reveals nothing
    return shown(label.value)


def leaks(expectation, text: str) -> list[str]:
    """The forms of the right answer that appear in ``text``."""
    if isinstance(expectation, F.Finding):
        return leaks(expectation.label, text) + leaks(expectation.number, text)
    if isinstance(expectation, F.Label):
        return [str(expectation.value)] if _label_shown(expectation, text) else []
    if isinstance(expectation, F.Number):
        return sorted(s for s in _number_strings(expectation) if _appears(s, text))
    return []


def output_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append(o.get("text", ""))
            for kind in ("text/plain", "text/markdown"):
                parts.append(o.get("data", {}).get(kind, ""))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _exercise_ids(solution: Path) -> list[str]:
    return [e.exercise_id for e in X.find_exercises(nbformat.read(solution, as_version=4))]


def _defaults(solution: Path) -> dict:
    return FOCUS.focus_defaults(int(solution.name[:2]))


def test_leak_detection_recognises_the_usual_formats():
    n = F.Number(217.01, unit="million SEK", tolerance=0.05)
    assert leaks(n, "Unused capacity: 217.0 M SEK")
    assert leaks(F.Number(70347.2, unit="SEK", tolerance=0.5), "episode: 70 347 SEK")
    assert leaks(F.Number(70347.2, unit="SEK", tolerance=0.5), "episode: 70,347")
    assert leaks(F.Number(18.8213, tolerance=0.005), "= 18.82 SEK per minute")
    assert not leaks(F.Number(18.8213, tolerance=0.005), "rate 118.82 or 18.825")
    assert leaks(F.Number(5.66, percent=True, tolerance=0.05), "share 0.0566")
    ward = F.Label("VAL-W-SUR", known=["VAL-W-SUR", "HAV-W-SUR"])
    assert leaks(ward, "14  VAL-W-SUR    24") and not leaks(ward, "VAL-W-SURGERY")
    assert not leaks(F.Label("LAX", known=["LAX", "HAV"]), "HAV 0.06\nLAX 0.08")


def answers_shown(solution: Path, wh, lesson) -> dict[str, list[str]]:
    """Exercise id -> the forms of its right answer (default focus) in the lesson's outputs."""
    text = output_text(lesson)
    found = {}
    for exercise_id in _exercise_ids(solution):
        shown = leaks(F.expected(exercise_id, wh, **_defaults(solution)), text)
        if shown:
            found[exercise_id] = shown
    return found


# --- transfer, not copy: the default seed --------------------------------------------------------
@pytest.mark.parametrize("solution", PAIRS, ids=lambda p: p.stem)
def test_no_exercise_answer_appears_in_its_lesson(solution, teaching_dir):
    """At the default seed, in the lesson's stored outputs."""
    from pecdata.warehouse import load

    lesson = nbformat.read(LESSONS[solution.name], as_version=4)
    found = answers_shown(solution, load(teaching_dir), lesson)
    assert not found, f"the lesson prints these exercises' answers: {found}"


# --- the lessons on two other seeds --------------------------------------------------------------
def _runs(tmp_path_factory, params):
    from test_notebooks import run_notebook

    out = tmp_path_factory.mktemp("lessons")
    params = {"data_dir": str(out / "no_saved_region"), **params}
    return {name: run_notebook(path, out, **params)[0] for name, path in LESSONS.items()}


@pytest.fixture(scope="module")
def other_seed_runs(tmp_path_factory):
    """Each lesson executed with papermill on a small region of another seed."""
    return _runs(tmp_path_factory, OTHER)


@pytest.fixture(scope="module")
def second_seed_runs(tmp_path_factory):
    """Each lesson executed on a region of a second other seed."""
    return _runs(tmp_path_factory, SECOND)


@pytest.fixture(scope="module")
def other_region(region):
    from conftest import TEST_RESIDENTS, TEST_SEED

    assert (TEST_RESIDENTS, TEST_SEED) == (OTHER["residents"], OTHER["seed"])
    return region


@pytest.fixture(scope="module")
def second_region():
    from pecdata.generation import generate

    return generate(**SECOND)


def read_off(first: dict, second: dict) -> dict:
    """Exercises whose answer the lesson shows on both seeds (a coincidence is on one)."""
    return {e: (first[e], second[e]) for e in sorted(first.keys() & second.keys())}


def test_an_answer_shown_on_both_seeds_is_read_off_and_one_seed_is_chance():
    assert read_off({"a": ["1.23"], "b": ["4.56"]}, {"a": ["7.89"]}) == {"a": (["1.23"], ["7.89"])}
    assert read_off({"b": ["4.56"]}, {"c": ["0.407"]}) == {}


@pytest.mark.slow
@pytest.mark.parametrize("solution", PAIRS, ids=lambda p: p.stem)
def test_no_exercise_answer_appears_in_its_lesson_on_other_seeds(
    solution, other_seed_runs, other_region, second_seed_runs, second_region
):
    first = answers_shown(solution, other_region, other_seed_runs[solution.name])
    second = answers_shown(solution, second_region, second_seed_runs[solution.name])
    shown = read_off(first, second)
    assert not shown, (
        f"on seeds {OTHER['seed']} and {SECOND['seed']} the lesson prints these answers: {shown}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LESSONS), ids=lambda n: n[:-6])
def test_lesson_text_cites_the_units_its_outputs_show(name, other_seed_runs):
    """A unit id in a lesson's text must be one its outputs show on another seed too."""
    nb = other_seed_runs[name]
    cited = {
        u
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for u in UNIT_ID.findall(
            re.sub(r"`[^`]*`", "", cell.source) + " ".join(re.findall(r"`([^`]*)`", cell.source))
        )
    }
    text = output_text(nb) + "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    missing = sorted(u for u in cited if u not in text)
    assert not missing, (
        f"{name}: the text cites {missing}, which its outputs on seed {OTHER['seed']} do not "
        "show; take the name from the data (a printed sentence or glue)"
    )


# --- hints ---------------------------------------------------------------------------------------
def _hints(source: Path) -> dict[str, list[str]]:
    """The hint code of each exercise: fenced python blocks in the cell before it."""
    nb = nbformat.read(source, as_version=4)
    out = {}
    for e in X.find_exercises(nb, source.name):
        before = nb.cells[e.cell_index - 1] if e.cell_index else None
        if before is not None and before.cell_type == "markdown":
            out[e.exercise_id] = HINT.findall(before.source)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("source", SOLUTIONS, ids=lambda p: p.stem)
def test_every_hint_runs_in_the_exercise_notebook(source, tmp_path):
    from test_notebooks import run_notebook

    hints = _hints(source)
    nb = nbformat.read(ROOT / "exercises" / source.name, as_version=4)
    cells = []
    for cell in nb.cells:
        exercise_id = cell.metadata.get("pecdata", {}).get("exercise")
        for code in hints.get(exercise_id, []):
            cells.append(nbformat.v4.new_code_cell(code, metadata={"tags": ["hint", exercise_id]}))
        cells.append(cell)
    nb.cells = cells
    path = tmp_path / "with_hints" / source.name
    path.parent.mkdir()
    nbformat.write(nb, path)
    # run from exercises/ so that relative paths behave as for a participant
    small = {**OTHER, "residents": 4_000}
    ran, _ = run_notebook(path, tmp_path, data_dir=str(tmp_path / "none"), **small)
    errors = [
        (c.metadata.get("tags"), o.get("evalue"))
        for c in ran.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors, f"a hint fails in the exercise notebook: {errors}"


def test_hints_with_code_exist_and_name_only_what_the_exercise_notebook_defines():
    lesson_only = {"population", "by_municipality", "spending", "rates", "occupancy"}
    for source in SOLUTIONS:
        for exercise_id, blocks in _hints(source).items():
            for code in blocks:
                compile(code, exercise_id, "exec")
                first_use = re.findall(r"^(\w+)\.", code, re.M)
                assert not set(first_use) & lesson_only - set(
                    re.findall(r"^(\w+) =", code, re.M)
                ), (exercise_id, code)


# --- focus ---------------------------------------------------------------------------------------
def _parameters_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


@pytest.mark.parametrize("source", SOLUTIONS, ids=lambda p: p.stem)
def test_exercise_notebooks_take_the_steps_focus_parameters(source):
    defaults = _defaults(source)
    assert defaults, f"{source.name}: no exercise of the step has a focus parameter"
    cell = ast.parse(_parameters_cell(ROOT / "exercises" / source.name))
    assigned = {
        t.id: ast.literal_eval(node.value)
        for node in cell.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for t in node.targets
    }
    for name, value in defaults.items():
        assert assigned.get(name) == value, (
            f"{source.name}: the parameters cell needs `{name} = {value!r}`"
        )
    nb = nbformat.read(source, as_version=4)
    for e in X.find_exercises(nb, source.name):
        check = nb.cells[e.cell_index + 1].source
        if F.REGISTRY[e.exercise_id].focus:
            assert "**focus" in check, f"{e.exercise_id}: the check cell must pass **focus"
