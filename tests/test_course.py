"""Running a cohort (issue 14): prepare, check, progress and the overview.

A cohort of eleven hand-built participants covers every way a notebook can go:
complete, partial, untouched, erroring, never-ending, memory-hungry, waiting for
``input()``, killing its kernel, using widgets, corrupt and missing. Their notebooks are
small (three exercises registered in the notebook itself) so that the check stays quick;
one real exercise notebook (step 1) is prepared and checked on a small saved region.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import pecdata
from pecdata.teaching import feedback as F
from pecdata.teaching.course import demo
from pecdata.teaching.course.check import check_cohort
from pecdata.teaching.course.layout import FEEDBACK_FILE
from pecdata.teaching.course.prepare import prepare_cohort
from pecdata.teaching.course.progress import cohort_progress
from pecdata.teaching.course.report import summary, to_csv, to_html
from pecdata.teaching.course.roster import RosterError
from pecdata.teaching.course.runner import Settings

ROOT = Path(__file__).resolve().parents[1]
MEMORY_MB = 3072
#: Short enough for a quick test, long enough for ``import pecdata`` on a busy machine.
SETTINGS = Settings(cell_timeout=20, memory_mb=MEMORY_MB)
SETUP = """\
import pecdata
from pecdata.teaching.feedback import Number, exercise

for _n in (1, 2, 3):
    exercise(f"00-core-{_n}", f"The number {_n * 10}")(lambda wh, _n=_n: Number(_n * 10))"""
LIMIT = f"""\
import resource
assert resource.getrlimit(resource.RLIMIT_AS)[0] == {MEMORY_MB} * 2**20, "no memory limit\""""
WIDGETS = """\
import ipywidgets as widgets
slider = widgets.IntSlider(value=10)
display(slider)
widgets.interact(lambda x: x, x=5)
answer1 = slider.value"""
#: participant -> the code of their three exercise cells.
CASES = {
    "complete": ["answer1 = 10", "answer2 = 20", "answer3 = 30"],
    "partial": ["answer1 = 10", "answer2 = 21", "answer3 = ..."],
    "untouched": ["answer1 = ...", "answer2 = ...", "answer3 = ..."],
    "erroring": ["answer1 = 10", "answer2 = 1 / 0", "answer3 = 30"],
    "endless": ["answer1 = 10", "while True:\n    pass", "answer3 = 30"],
    "hungry": ["answer1 = 10", "hog = bytearray(8 * 2**30)\nanswer2 = 20", "answer3 = 30"],
    "stdin": ["answer1 = int(input('Your answer? '))", "answer2 = 20", "answer3 = 30"],
    "killer": ["answer1 = 10", "import os\nos._exit(1)", "answer3 = 30"],
    "widgets": [WIDGETS, "answer2 = 20", "answer3 = 30"],
}
EXPECTED = {
    "complete": ["correct", "correct", "correct"],
    "partial": ["correct", "wrong", "not_started"],
    "untouched": ["not_started"] * 3,
    "erroring": ["correct", "error", "correct"],
    "endless": ["correct", "timeout", "correct"],
    "hungry": ["correct", "error", "correct"],
    "stdin": ["error", "correct", "correct"],
    "killer": ["correct", "kernel_died", "kernel_died"],
    "widgets": ["correct"] * 3,
    "corrupt": ["unreadable"] * 3,
    "missing": ["unreadable"] * 3,
}


def small_notebook(answers: list[str], extra: str = ""):
    cells = [new_markdown_cell("# A test notebook"), new_code_cell(SETUP)]
    if extra:
        cells.append(new_code_cell(extra))
    for n, code in enumerate(answers, start=1):
        cells.append(new_markdown_cell(f"## Exercise {n}"))
        cells.append(new_code_cell(code, metadata={"tags": ["exercise"]}))
        cells.append(
            new_code_cell(
                f'pecdata.check_answer("00-core-{n}", answer{n}, None)',
                metadata={"tags": ["check"]},
            )
        )
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=cells, metadata={"kernelspec": kernelspec})


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every participant file's content hash and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).parts[0].startswith("_")
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    for name, answers in CASES.items():
        (folder / name).mkdir()
        extra = LIMIT if name == "complete" else ""
        nbformat.write(small_notebook(answers, extra), folder / name / "00_test.ipynb")
    (folder / "corrupt").mkdir()
    (folder / "corrupt" / "00_test.ipynb").write_text('{"cells": [ not json', encoding="utf-8")
    (folder / "missing").mkdir()
    before = snapshot(folder)
    first = check_cohort(folder, SETTINGS, progress=False)
    second = check_cohort(folder, SETTINGS, progress=False)
    return folder, before, first, second


def by_participant(verdicts):
    out = {}
    for v in verdicts:
        out.setdefault(v.participant, []).append(v)
    return out


def test_every_verdict_of_the_cohort(cohort):
    _, _, run, _ = cohort
    got = {p: [v.verdict for v in vs] for p, vs in by_participant(run.verdicts).items()}
    assert got == EXPECTED


def test_verdicts_say_what_and_where(cohort):
    _, _, run, _ = cohort
    v = by_participant(run.verdicts)
    assert "Your answer is" in v["partial"][1].detail  # the check's own message
    assert v["erroring"][1].detail == "ZeroDivisionError: division by zero"
    assert v["erroring"][1].cell == "cell 7 (answer2 = 1 / 0)"
    assert "while True:" in v["endless"][1].cell
    assert "MemoryError" in v["hungry"][1].detail and "memory limit" in v["hungry"][1].detail
    assert "StdinNotImplementedError" in v["stdin"][0].detail and "input(" in v["stdin"][0].cell
    assert v["killer"][1].cell == "cell 7 (import os)"
    assert v["killer"][2].cell == v["killer"][1].cell  # died before it: not passed
    assert "before this exercise" in v["killer"][2].detail
    assert "JSON" in v["corrupt"][0].detail and "missing" in v["missing"][0].detail


def test_participant_files_are_never_changed(cohort):
    folder, before, _, _ = cohort
    cohort_progress(folder)
    assert snapshot(folder) == before
    assert not list(folder.glob(f"*/{FEEDBACK_FILE}"))  # the checks logged elsewhere


def test_a_second_run_with_nothing_changed_runs_nothing(cohort):
    _, _, first, second = cohort
    assert first.ran == 10 and second.ran == 0 and second.cached == 10
    assert second.verdicts == first.verdicts
    assert second.seconds < first.seconds / 5


def test_a_changed_notebook_is_run_again(cohort, tmp_path):
    folder, _, first, _ = cohort
    copy = tmp_path / "cohort"
    shutil.copytree(folder, copy)
    nbformat.write(
        small_notebook(["answer1 = 10", "answer2 = 20", "answer3 = 31"]),
        copy / "partial" / "00_test.ipynb",
    )
    run = check_cohort(copy, SETTINGS, progress=False)
    assert run.ran == 1
    assert [v.verdict for v in by_participant(run.verdicts)["partial"]] == [
        "correct",
        "correct",
        "wrong",
    ]


def test_check_and_progress_on_the_command_line(cohort, capsys):
    from pecdata.cli import main

    folder, before, _, _ = cohort
    args = ["--no-open"]
    assert (
        main(["course", "check", str(folder), "--timeout", "20", "--memory", str(MEMORY_MB)] + args)
        == 0
    )
    out = capsys.readouterr().out
    assert "ran 0 notebook(s), 10 from the cache" in out and "11 participants x 3" in out
    rows = list(csv.DictReader((folder / "_course" / "check.csv").open(encoding="utf-8")))
    assert {r["participant"] for r in rows if r["verdict"] == "kernel_died"} == {"killer"}
    assert main(["course", "progress", str(folder)] + args) == 0
    assert "nothing was run" in capsys.readouterr().out
    assert (folder / "_course" / "progress.html").is_file()
    assert snapshot(folder) == before


def test_overview_csv_html_and_summary(cohort):
    _, _, run, _ = cohort
    rows = list(csv.DictReader(io.StringIO(to_csv(run.verdicts))))
    assert len(rows) == 11 * 3 and {r["verdict"] for r in rows} >= {"kernel_died", "timeout"}
    page = to_html(run.verdicts, "Test cohort")
    assert "<script" not in page and "http" not in page.replace('lang="en"', "")
    assert page.count('data-participant="') == 11 and "<details>" in page
    text = summary(run.verdicts)
    assert "11 participants x 3 exercises" in text and "00-core-2" in text
    assert "killer 00-core-2: kernel died" in text


def test_the_page_renders_in_a_browser(cohort):
    chromium = Path(os.environ.get("PECDATA_CHROMIUM", "/usr/bin/chromium"))
    playwright = pytest.importorskip("playwright.sync_api")
    if not chromium.exists():
        pytest.skip("no chromium (make browser)")
    folder, _, run, _ = cohort
    page_file = folder / "_course" / "test.html"
    page_file.write_text(to_html(run.verdicts, "Test cohort"), encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            rows = page.locator("#heatmap tbody tr")
            assert rows.count() == 11
            assert page.locator("#heatmap td.v").count() == 33
            killer = page.locator('tr[data-participant="killer"] td.kernel_died').first
            colour = killer.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(0, 0, 0)"
            message = page.locator('tr[data-participant="erroring"] td.error details div')
            assert not message.is_visible()
            page.locator('tr[data-participant="erroring"] td.error summary').click()
            assert "ZeroDivisionError" in message.inner_text()
            rates = page.locator("tfoot td.rate").all_inner_texts()
            assert rates[0] == f"{round(100 * 7 / 11)}%"
        finally:
            browser.close()


# --- prepare --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def region_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region") / "region"
    pecdata.save(pecdata.generate(residents=2_000, years=3, seed=11), folder)
    return folder


@pytest.fixture
def exercises(tmp_path):
    """A copy of the step 1 exercise notebook and a tiny one with a focus parameter."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / "01_frame_the_question.ipynb", folder)
    params = new_code_cell(
        'data_dir = "../data/region"\nresidents = 50_000\nseed = 2022\nyears = 3\n'
        'focus_municipality = "HAV"  # the municipality of the exercise',
        metadata={"tags": ["parameters"]},
    )
    nb = small_notebook(["answer1 = ..."])
    nb.cells.insert(1, params)
    nbformat.write(nb, folder / "00_focus.ipynb")
    return folder


def roster(tmp_path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_prepare_writes_one_parameterised_folder_per_participant(tmp_path, exercises, region_dir):
    people = roster(
        tmp_path, "name,email,focus_municipality\nAnna Åberg,anna@x.se,NOR\nBo,bo@x.se,\n"
    )
    done = prepare_cohort(people, tmp_path / "c", exercises, region_dir)
    assert done.added == ["Anna Åberg", "Bo"]
    anna = tmp_path / "c" / "Anna Åberg"
    assert sorted(p.name for p in anna.iterdir()) == [
        "00_focus.ipynb",
        "01_frame_the_question.ipynb",
        "README.md",
    ]
    nb = nbformat.read(anna / "00_focus.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'focus_municipality = "NOR"' in injected.source
    assert (
        f'data_dir = "{region_dir.resolve()}"' in injected.source and "seed = 11" in injected.source
    )
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")  # not executed
    bo = nbformat.read(tmp_path / "c" / "Bo" / "00_focus.ipynb", as_version=4)
    assert "focus_municipality" not in "".join(
        c.source for c in bo.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    record = json.loads((tmp_path / "c" / "cohort.json").read_text(encoding="utf-8"))
    assert record["notebooks"]["01_frame_the_question.ipynb"][0] == "01-core-1"
    assert "Anna Åberg" in (anna / "README.md").read_text(encoding="utf-8")


def test_a_roster_saved_by_a_swedish_spreadsheet(tmp_path, exercises, region_dir):
    text = "\ufeffname;email;focus_municipality\nÖrjan Ås;orjan@x.se;VAL\n"
    done = prepare_cohort(roster(tmp_path, text), tmp_path / "c", exercises, region_dir)
    assert done.added == ["Örjan Ås"]


def test_prepare_never_overwrites_and_adds_new_participants(tmp_path, exercises, region_dir):
    out = tmp_path / "c"
    prepare_cohort(roster(tmp_path, "name,email\nAnna,anna@x.se\n"), out, exercises, region_dir)
    (out / "Anna" / "00_focus.ipynb").write_text("my work", encoding="utf-8")
    before = snapshot(out)
    done = prepare_cohort(
        roster(tmp_path, "name,email\nAnna,anna@x.se\nCarin,carin@x.se\n"),
        out,
        exercises,
        region_dir,
    )
    assert done.added == ["Carin"] and done.kept == ["Anna"]
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k.startswith("Anna")} == {
        k: v for k, v in before.items() if k.startswith("Anna")
    }
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not a cohort folder"):
        prepare_cohort(
            roster(tmp_path, "name,email\nAnna,a@x.se\n"), tmp_path / "other", exercises, region_dir
        )


@pytest.mark.parametrize(
    "text, message",
    [
        ("name\nAnna\n", "row 1: no column 'email'"),
        ("name,email,notes\nAnna,a@x.se,hi\n", "row 1: unknown column 'notes'"),
        ("name,email\nAnna,a@x.se\n,b@x.se\n", "row 3: the name is empty"),
        (
            "name,email\nAnna,a@x.se\nanna,b@x.se\n",
            "row 3 (anna): the name 'anna' is already on row 2",
        ),
        (
            "name,email\n../etc,a@x.se\n",
            "row 2 (../etc): the name '../etc' cannot be a folder name",
        ),
        ("name,email\nA/B,a@x.se\n", "row 2 (A/B): the name 'A/B' cannot be"),
        ("name,email\n.hidden,a@x.se\n", "cannot be a folder name"),
        (
            "name,email\nAnna,a@x.se\nBo,A@x.se\n",
            "row 3 (Bo): the e-mail 'A@x.se' is already on row 2",
        ),
        ("name,email\nAnna,not-an-address\n", "row 2 (Anna): 'not-an-address' is not an e-mail"),
        ("name,email,focus_unit\nAnna,a@x.se,X\n", "unknown focus column 'focus_unit'"),
        (
            "name,email,focus_municipality\nAnna,a@x.se,HAV\nBo,b@x.se,XYZ\n",
            "row 3 (Bo): focus_municipality 'XYZ' is not in the region",
        ),
        ("name,email\n", "lists no participants"),
        ("name,email\nAnna,a@x.se,extra\n", "row 2: 3 values for 2 columns"),
    ],
)
def test_a_bad_roster_gets_one_clear_error_naming_the_row(
    tmp_path, exercises, region_dir, text, message
):
    with pytest.raises(RosterError, match=re.escape(message)):
        prepare_cohort(roster(tmp_path, text), tmp_path / "c", exercises, region_dir)
    assert not (tmp_path / "c").exists()


def test_a_bad_roster_on_the_command_line(tmp_path, exercises, region_dir, capsys):
    from pecdata.cli import main

    people = roster(tmp_path, "name,email\nAnna,a@x.se\nAnna,b@x.se\n")
    status = main(
        [
            "course",
            "prepare",
            "--roster",
            str(people),
            "--out",
            str(tmp_path / "c"),
            "--exercises",
            str(exercises),
            "--data-dir",
            str(region_dir),
        ]
    )
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("error: ") and "row 3" in err
    assert "Traceback" not in err


def test_a_real_prepared_notebook_is_checked_and_followed(tmp_path, region_dir, monkeypatch):
    """Step 1 prepared for two participants: one answers everything (one wrong), one nothing."""
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    shutil.copy(ROOT / "exercises" / "01_frame_the_question.ipynb", exercises)
    out = tmp_path / "c"
    people = "name,email\nAnna,a@x.se\nBo,b@x.se\nCarin,c@x.se\n"
    prepare_cohort(roster(tmp_path, people), out, exercises, region_dir)
    shutil.rmtree(out / "Carin")  # lost her folder
    (out / "handouts").mkdir()  # not a participant: no notebooks, not on the roster
    (out / "handouts" / "slides.txt").write_text("x", encoding="utf-8")
    solutions = demo.solutions_by_exercise(
        nbformat.read(ROOT / "solutions" / "01_frame_the_question.ipynb", as_version=4)
    )
    demo.answer(out / "Anna" / "01_frame_the_question.ipynb", solutions, wrong="01-core-2")
    before = snapshot(out)
    run = check_cohort(out, Settings(cell_timeout=120, memory_mb=6144), progress=False)
    assert snapshot(out) == before
    got = {p: [v.verdict for v in vs] for p, vs in by_participant(run.verdicts).items()}
    assert got == {
        "Anna": ["correct", "wrong", "correct", "correct", "correct"],
        "Bo": ["not_started"] * 5,
        "Carin": ["unreadable"] * 5,
    }
    # A session: Bo's notebook logs to his folder through the setup cell, then progress reads it.
    nb = nbformat.read(out / "Bo" / "01_frame_the_question.ipynb", as_version=4)
    setup = next(c for c in nb.cells if "course-setup" in c.metadata.get("tags", []))
    for name in (F.LOG_VARIABLE, F.PARTICIPANT_VARIABLE):
        monkeypatch.setenv(name, "")  # so that monkeypatch restores them, set or not
        monkeypatch.delenv(name)
    monkeypatch.chdir(out / "Bo")
    exec(setup.source, {})
    assert os.environ[F.LOG_VARIABLE] == str(out / "Bo" / FEEDBACK_FILE)
    wh = pecdata.load(region_dir)
    F.check("01-core-2", -1, wh)
    F.check("01-core-2", F.expected("01-core-2", wh).right_answer(), wh)
    F.check("01-extension-1", "nowhere", wh)
    progress = by_participant(cohort_progress(out))
    assert [v.verdict for v in progress["Bo"]] == [
        "not_started",
        "correct",
        "wrong",
        "not_started",
        "not_started",
    ]
    assert progress["Bo"][2].detail  # the check's message
    assert [v.verdict for v in progress["Anna"]] == ["not_started"] * 5


# --- the trainer's edition -----------------------------------------------------------------
def _toc_files(path: Path) -> list[str]:
    import yaml

    toc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        entry.get("file") or entry.get("glob")
        for part in toc["parts"]
        for entry in part["chapters"]
    ]


def test_the_published_book_has_no_solutions_and_no_answer_key():
    import yaml

    published = _toc_files(ROOT / "_toc.yml")
    assert not [f for f in published if "solution" in f or "answer_key" in f or "data/" in f]
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert {"solutions", "data"} <= set(config["exclude_patterns"])
    trainer = _toc_files(ROOT / "_toc_trainer.yml")
    assert "data/trainer/answer_key" in trainer and "data/trainer/solutions/*" in trainer
    assert set(published) - {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("0*")} <= set(
        trainer
    )


def test_trainer_sources_are_for_the_cohorts_region(tmp_path, region_dir):
    import yaml

    from pecdata.teaching.course.trainer import write_trainer_sources

    written = write_trainer_sources(region_dir, tmp_path / "trainer")
    key = (tmp_path / "trainer" / "answer_key.md").read_text(encoding="utf-8")
    assert "seed 11" in key and "Trainers only" in key
    solutions = sorted(p.name for p in (tmp_path / "trainer" / "solutions").iterdir())
    assert solutions == sorted(p.name for p in (ROOT / "solutions").glob("0*.ipynb"))
    nb = nbformat.read(tmp_path / "trainer" / "solutions" / solutions[0], as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "seed = 11" in injected.source and "residents = 2000" in injected.source
    config = yaml.safe_load((tmp_path / "trainer" / "_config.yml").read_text(encoding="utf-8"))
    assert "solutions" not in config["exclude_patterns"] and "trainer" in config["title"]
    assert len(written) == len(solutions) + 2
