"""The step notebooks and the solutions run under papermill with other parameters.

Each notebook is executed into a temporary folder with a different seed and a small
region generated in memory (no files needed), so the parameters cell and the
warehouse fallback are exercised too. Strict nbval on the stored outputs is run by
the Makefile (``pytest --nbval notebooks solutions``), not here.

All nine steps: every solution runs with a focus other than its default (its checks
must accept it); the lessons of steps 1-4 run here on the small region, those of
steps 5-9 in their own fidelity tests (``test_steps56.py``, ``test_steps789.py``), which
run them on other seeds and without planted findings. The time budget at teaching size
is measured here for every lesson but steps 5 and 6 (``test_steps56.py`` does those).
"""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
STEP_NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("0[1-9]_*.ipynb"))
#: Steps whose lessons another test runs on other regions (papermill, other seeds).
FIDELITY_TESTED = {5, 6, 7, 8, 9}
#: Steps whose lessons another test times at teaching size.
TIMED_ELSEWHERE = {5, 6}


def _step(path: Path) -> int:
    return int(path.name[:2])


#: A small region of another seed: generated in memory in about a second.
OTHER = {"residents": 4_000, "seed": 7, "years": 3}
#: The time budget of one step notebook at the default teaching size (seconds).
BUDGET_SECONDS = 30

pytestmark = pytest.mark.slow


def run_notebook(path: Path, out_dir: Path, **parameters) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook with papermill into ``out_dir``; return it and the seconds it took."""
    import papermill as pm

    out = out_dir / path.name
    start = time.perf_counter()
    pm.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
    )
    return nbformat.read(out, as_version=4), time.perf_counter() - start


def check_messages(nb: nbformat.NotebookNode) -> list[str]:
    """The text each check cell printed, in order."""
    found = []
    for cell in nb.cells:
        if "check" in cell.get("metadata", {}).get("tags", []):
            texts = [
                o.get("data", {}).get("text/plain", "")
                for o in cell.get("outputs", [])
                if o.get("output_type") in ("execute_result", "display_data")
            ]
            found.append(" ".join(texts))
    return found


def _parameters(tmp_path: Path) -> dict:
    return {"data_dir": str(tmp_path / "no_saved_region"), **OTHER}


def other_focus(step: int) -> dict:
    """A focus other than the default for each of a step's focus parameters (on OTHER)."""
    from pecdata.generation import generate
    from pecdata.teaching.focus import focus_options

    options = focus_options(generate(**OTHER), step)
    return {name: next(v for v in o["values"] if v != o["default"]) for name, o in options.items()}


def _injected(nb) -> dict:
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    return {k: v for k, v in OTHER.items() if f"{k} = {v}" in cell.source}


def test_the_nine_steps_and_their_solutions_exist():
    assert [p.name for p in STEP_NOTEBOOKS] == [p.name for p in SOLUTIONS], (
        "every step notebook needs its exercise source in solutions/ under the same name"
    )
    assert [_step(p) for p in STEP_NOTEBOOKS] == list(range(1, 10))


@pytest.mark.parametrize(
    "path",
    [p for p in STEP_NOTEBOOKS if _step(p) not in FIDELITY_TESTED] + SOLUTIONS,
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_notebook_runs_with_other_parameters(path, tmp_path):
    parameters = _parameters(tmp_path)
    if path.parent.name == "solutions":
        parameters.update(other_focus(int(path.name[:2])))
    nb, _ = run_notebook(path, tmp_path, **parameters)
    assert _injected(nb) == OTHER, (
        "papermill did not inject the parameters after a cell tagged 'parameters'"
    )
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    given = {
        t.id: ast.literal_eval(node.value)
        for node in ast.parse(injected.source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
    }
    assert {k: v for k, v in parameters.items() if k.startswith("focus_")}.items() <= given.items()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    if path.parent.name == "solutions":
        messages = check_messages(nb)
        wrong = [m for m in messages if "Correct" not in m]
        assert messages and not wrong, (
            f"a solution is not accepted on another region and focus: {wrong}"
        )


@pytest.mark.parametrize(
    "path", [p for p in STEP_NOTEBOOKS if _step(p) not in TIMED_ELSEWHERE], ids=lambda p: p.stem
)
def test_notebook_runs_within_budget_at_teaching_size(path, tmp_path, teaching_dir):
    """At the default size, reading the saved teaching region (``make data``)."""
    if os.environ.get("PECDATA_SKIP_TIMING") == "1":
        pytest.skip("PECDATA_SKIP_TIMING=1")
    _, seconds = run_notebook(path, tmp_path, data_dir=str(teaching_dir))
    assert seconds <= BUDGET_SECONDS, (
        f"{path.name} took {seconds:.1f} s (budget {BUDGET_SECONDS} s)"
    )
