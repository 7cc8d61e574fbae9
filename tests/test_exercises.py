"""The exercise system: generation from the solutions, and the checks' feedback."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pecdata.teaching import exercises as X
from pecdata.teaching import feedback as F

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SOURCES = sorted(SOLUTIONS.glob("0[1-9]_*.ipynb"))
IDS = [e.id for e in sorted(F._registry().values(), key=F._order)]
STATUSES_THAT_ARE_NOT_RIGHT = ("incorrect", "unreadable")


# --- generation ----------------------------------------------------------------------------------
def test_exercises_folder_is_in_sync_with_the_solutions():
    problems = X.out_of_sync(SOLUTIONS, EXERCISES)
    assert not problems, "exercises/ is out of date; run `make exercises`:\n" + "\n".join(problems)


def test_build_is_deterministic_and_rebuilds_what_changed(tmp_path):
    solutions, out = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, solutions)
    first = X.build(solutions, out)
    assert sorted(p.name for p in first) == [p.name for p in SOURCES]
    stored = {p.name: p.read_bytes() for p in out.iterdir()}
    assert X.build(solutions, out) == [], "a second build must change nothing"
    assert stored == {p.name: (EXERCISES / p.name).read_bytes() for p in out.iterdir()}
    # an edited source makes the check fail until the next build
    nb = nbformat.read(solutions / SOURCES[0].name, as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, solutions / SOURCES[0].name)
    assert X.out_of_sync(solutions, out) == [
        f"{out / SOURCES[0].name} differs from what {solutions / SOURCES[0].name} gives"
    ]
    assert X.main(["check", "--solutions", str(solutions), "--exercises", str(out)]) == 1
    assert X.main(["build", "--solutions", str(solutions), "--exercises", str(out)]) == 0
    assert X.main(["check", "--solutions", str(solutions), "--exercises", str(out)]) == 0
    # a generated notebook whose source is gone is removed; other files are left alone
    (solutions / SOURCES[0].name).unlink()
    (out / "notes.ipynb").write_text("{}", encoding="utf-8")
    assert X.out_of_sync(solutions, out) == [
        f"{out / SOURCES[0].name} has no source in {solutions}"
    ]
    X.build(solutions, out)
    assert not (out / SOURCES[0].name).exists() and (out / "notes.ipynb").exists()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_step_has_tiered_exercises_with_registered_checks(source):
    nb = nbformat.read(source, as_version=4)
    found = X.find_exercises(nb, source.name)
    step = source.name[:2]
    ids = [e.exercise_id for e in found]
    assert len(ids) >= 3
    assert {F.REGISTRY[i].tier for i in ids} == set(F.TIERS), "core, extension and challenge"
    assert all(i.startswith(step + "-") for i in ids)
    registered = [i for i in IDS if i.startswith(step + "-")]
    assert sorted(ids) == sorted(registered), "every registered check needs its exercise"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_exercise_notebooks_hide_the_solutions(source):
    nb = nbformat.read(EXERCISES / source.name, as_version=4)
    nbformat.validate(nb)
    text = json.dumps(nb)
    assert X.BEGIN not in text and X.END not in text
    assert "Trainers' copy" not in text, "solution-only cells must be dropped"
    solution = nbformat.read(source, as_version=4)
    for e in X.find_exercises(solution, source.name):
        cell = next(
            c for c in nb.cells if c.metadata.get("pecdata", {}).get("exercise") == e.exercise_id
        )
        assert re.search(rf"^{e.answer_name} = \.\.\.$", cell.source, re.M)
        body = solution.cells[e.cell_index].source.split(X.BEGIN)[1].split(X.END)[0]
        hidden = {line.strip() for line in body.splitlines() if re.search(r"\w{3}", line)}
        assert not hidden & {line.strip() for line in cell.source.splitlines()}
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if "check" in cell.metadata.get("tags", []):
            assert cell.metadata["editable"] is False


def _nb(*cells):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in cells]
    )


@pytest.mark.parametrize(
    "cells, message",
    [
        ([("x = 1", ["exercise"]), ('check("01-core-1", x, wh)', ["check"])], "BEGIN SOLUTION"),
        ([(f"{X.BEGIN}\nx = 1\n{X.END}", ["exercise"])], "tagged 'check'"),
        (
            [(f"{X.BEGIN}\nx = 1\n{X.END}", ["exercise"]), ("print(x)", ["check"])],
            "must call pecdata.check_answer",
        ),
        (
            [
                (f"{X.BEGIN}\nx = 1\n{X.END}", ["exercise"]),
                ('check("01-core-1", x, wh)', ["check"]),
                (f"{X.BEGIN}\ny = 1\n{X.END}", ["exercise"]),
                ('check("01-core-1", y, wh)', ["check"]),
            ],
            "appears twice",
        ),
    ],
)
def test_malformed_sources_give_clear_errors(cells, message):
    with pytest.raises(ValueError, match=message):
        X.find_exercises(_nb(*cells), "bad.ipynb")


def test_solution_block_keeps_indentation_and_surrounding_code():
    source = f"rows = []\nif True:\n    {X.BEGIN}\n    n = 2\n    {X.END}\nprint(n)"
    assert X.strip_solution(source, "n").splitlines() == [
        "rows = []",
        "if True:",
        "    # Your code here: put your answer in `n`, then run the check cell below.",
        "    n = ...",
        "print(n)",
    ]


# --- checks --------------------------------------------------------------------------------------
def _formats(value) -> list[str]:
    """Ways a number could be written in a message."""
    v = float(value)
    out = {
        f"{v:.1f}",
        f"{v:.2f}",
        f"{v:,.1f}".replace(",", " "),
        f"{round(v):,}".replace(",", " "),
        f"{round(v):,}",
    }
    return [s for s in out if len(s.strip("-0.")) >= 2]


def _revealed(expectation, message: str) -> list[str]:
    """Parts of the right answer that appear in a message."""
    if isinstance(expectation, F.Number):
        truths = _formats(expectation.value)
    elif isinstance(expectation, F.Label):
        return [expectation.value] if expectation.value.casefold() in message.casefold() else []
    elif isinstance(expectation, F.Values):
        truths = [s for v in expectation.values.values() for s in _formats(v)]
    else:
        return []
    return [t for t in truths if re.search(rf"(?<![\d.]){re.escape(t)}(?![\d])", message)]


@pytest.mark.parametrize("exercise_id", IDS)
def test_check_accepts_the_right_answer_and_rejects_wrong_ones(exercise_id, region):
    expectation = F.expected(exercise_id, region)
    right = F.check(exercise_id, expectation.right_answer(), region)
    assert right.status == "correct", right.message
    wrong_answers = expectation.wrong_answers()
    assert wrong_answers, "each check needs wrong answers to be tested with"
    for wrong in wrong_answers:
        result = F.check(exercise_id, wrong, region)
        assert result.status in STATUSES_THAT_ARE_NOT_RIGHT, (wrong, result)
        assert result.message and not _revealed(expectation, result.message), result


@pytest.mark.parametrize("exercise_id", IDS)
def test_check_never_raises_and_says_what_is_missing(exercise_id, small_region):
    for unanswered in (..., None):
        result = F.check(exercise_id, unanswered, small_region)
        assert result.status == "not_answered" and "Not answered yet" in repr(result)
    odd = [
        pd.DataFrame({"a": [1, 2], "b": [3, 4]}),
        "a text",
        True,
        float("nan"),
        [1, 2, 3],
        {"unexpected": "dict"},
        object(),
    ]
    for answer in odd:
        result = F.check(exercise_id, answer, small_region)
        assert result.status in STATUSES_THAT_ARE_NOT_RIGHT, (answer, result)
        assert "Traceback" not in result.message


def test_feedback_names_known_mistakes_and_numbers_in_the_wrong_form(monkeypatch):
    n = F.Number(
        42.0, unit="%", percent=True, tolerance=0.05, mistakes=[(84.0, "You counted both copies.")]
    )
    assert n.assess(42.04)[0] == "correct"
    assert n.assess(84) == ("incorrect", "You counted both copies.")
    assert "percentage" in n.assess(0.42)[1]
    assert "a little lower" in n.assess(41.0)[1]
    monkeypatch.setitem(F.REGISTRY, "09-core-8", F.Exercise("09-core-8", "t", lambda wh: n))
    assert F.check("09-core-8", pd.DataFrame({"n": [42.0]}), {}).correct  # a one-cell SQL result
    result = F.check("09-core-8", pd.DataFrame({"n": [1, 2]}), {})
    assert result.status == "unreadable" and "2 rows" in result.message


def test_a_failing_check_is_reported_not_raised(monkeypatch):
    def broken(wh):
        raise KeyError("encounters")

    monkeypatch.setitem(F.REGISTRY, "09-core-9", F.Exercise("09-core-9", "broken", broken))
    result = F.check("09-core-9", 5, {})
    assert result.status == "error" and "Tell your trainer" in result.message
    assert F.check("99-core-1", 5).status == "error"


def test_results_are_recorded_for_progress_and_the_trainers_log(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(F.LOG_VARIABLE, str(log))
    F.check("01-core-1", F.expected("01-core-1", None).right_answer(), None)
    F.check("01-core-2", ..., None)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["exercise"], r["status"]) for r in lines] == [
        ("01-core-1", "correct"),
        ("01-core-2", "not_answered"),
    ]
    assert all("participant" not in r for r in lines)
    monkeypatch.setenv(F.PARTICIPANT_VARIABLE, "anna")
    F.check("01-core-2", ..., None)
    assert json.loads(log.read_text().splitlines()[-1])["participant"] == "anna"
    table = F.progress(step=1).set_index("exercise")
    assert table.loc["01-core-1", "status"] == "correct"
    assert table.loc["01-core-2", "status"] == "not answered"
    assert set(table.tier) == set(F.TIERS)


# --- the notebooks as handed out -----------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_untouched_exercise_notebook_runs_and_reports_not_answered(source, tmp_path):
    from test_notebooks import OTHER, check_messages, run_notebook

    nb, _ = run_notebook(
        EXERCISES / source.name, tmp_path, data_dir=str(tmp_path / "no_saved_region"), **OTHER
    )
    messages = check_messages(nb)
    assert len(messages) == len(X.find_exercises(nbformat.read(source, as_version=4)))
    assert all("Not answered yet" in m for m in messages), messages


# --- focus: a subject for each participant -------------------------------------------------------
FOCUSED = [i for i in IDS if F.REGISTRY[i].focus]


@pytest.mark.parametrize("exercise_id", FOCUSED)
def test_checks_compute_the_answer_for_the_chosen_focus(exercise_id, region):
    """Another valid subject has its own right answer, and the default's answer is wrong."""
    from pecdata.teaching.focus import focus_options

    e = F.REGISTRY[exercise_id]
    options = focus_options(region, e.step)
    default = F.expected(exercise_id, region)
    for name in e.focus:
        assert options[name]["default"] in options[name]["values"]
        other = next(v for v in options[name]["values"] if v != options[name]["default"])
        chosen = F.expected(exercise_id, region, **{name: other})
        assert F.check(exercise_id, chosen.right_answer(), region, **{name: other}).correct
        if chosen.right_answer() != default.right_answer():
            result = F.check(exercise_id, default.right_answer(), region, **{name: other})
            assert result.status == "incorrect", result


def test_focus_options_list_each_steps_parameters_and_reject_invalid_values(region):
    from pecdata.teaching.focus import PARAMETERS, focus_defaults, focus_options

    steps = sorted({F.REGISTRY[i].step for i in IDS})
    for step in steps:
        options = focus_options(region, step)
        assert options and set(options) == set(focus_defaults(step))
        for name, option in options.items():
            assert option["values"] and option["exercises"]
            assert all(v not in option["values"] for v in PARAMETERS[name].exclude)
    e = FOCUSED[0]
    name = F.REGISTRY[e].focus[0]
    result = F.check(e, 1.0, region, **{name: "no such subject"})
    assert result.status == "error" and name in result.message and "choose one of" in result.message


def test_feedback_names_the_real_mistake_for_share_vs_percent_and_exact_counts():
    n = F.Number(5.7, unit="%", percent=True, tolerance=0.05, mistakes=[(2.4, "Both EDs.")])
    assert "percentage" in n.assess(0.057)[1], "a share for a percentage is named as such"
    assert "Both EDs" in n.assess(0.024)[1] and "percentage" in n.assess(0.024)[1]
    count = F.Number(584, unit="encounters", rel=0.0)
    for off_by_one in (583, 585):
        status, message = count.assess(off_by_one)
        assert status == "incorrect" and "exact" in message and "rounding" not in message
    finding = F.Finding(
        F.Label("VAL-W-SUR", what="unit_id", known=["VAL-W-SUR", "HAV-W-SUR"]),
        F.Number(12.5, tolerance=0.05, mistakes=[(3.1, "That is its largest single pool.")]),
    )
    assert finding.assess(("VAL-W-SUR", 12.5))[0] == "correct"
    assert "largest single pool" in finding.assess(pd.Series({"VAL-W-SUR": 3.1}))[1]
    assert finding.assess(("HAV-W-SUR", 12.5))[0] == "incorrect"
    with pytest.raises(ValueError, match="label and its figure"):
        finding.assess("VAL-W-SUR")


def test_the_frame_check_says_the_trainer_reviews_the_content():
    frame = F.expected("01-core-1", None)
    for answer in [frame.right_answer(), *frame.wrong_answers()[1:]]:
        assert "trainer, who reviews the content" in F.check("01-core-1", answer).message


def _numbers(expectation):
    """The Number expectations inside an exercise's expectation."""
    if isinstance(expectation, F.Number):
        return [expectation]
    if isinstance(expectation, F.Finding):
        return _numbers(expectation.number)
    return []


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_known_mistake_gives_the_right_answer(exercise_id, region):
    """A mistake the check names must be told apart from the right answer on the shared
    region: one that gives the same figure would be accepted as right (the wrong method
    passing by coincidence), and its hint could never be shown."""
    for n in _numbers(F.expected(exercise_id, region)):
        same = [hint for value, hint in n.mistakes if n._close(float(value), float(n.value))]
        assert not same, f"{exercise_id}: {n.value} is also what these mistakes give: {same}"
