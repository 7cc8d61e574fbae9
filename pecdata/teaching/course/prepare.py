"""``pecdata course prepare``: one folder of exercise notebooks per participant.

For every participant of the roster (:mod:`pecdata.teaching.course.roster`) and every
exercise notebook in ``exercises/`` (all the steps there are), papermill writes a copy
with the cohort's region and the participant's focus values injected after the
notebook's ``parameters`` cell (parameterised only, never executed). A setup cell after
it makes the notebook's checks log to the participant's folder
(``feedback_log.jsonl``), which ``pecdata course progress`` reads. A short README says
what to do.

An existing participant folder is never touched: running ``prepare`` again with a
longer roster adds the new participants only. Each folder is written under a temporary
name and renamed when complete, so a failure never leaves half a folder.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pecdata.teaching.course.layout import COHORT_FILE, FEEDBACK_FILE, TRAINER_DIR
from pecdata.teaching.course.roster import Participant, read_roster, region_values
from pecdata.teaching.course.runner import SETUP_TAG, notebook_exercises

__all__ = ["Prepared", "prepare_cohort", "declared_parameters", "exercise_notebooks"]

REGION_PARAMETERS = ("residents", "years", "seed")
SETUP_SOURCE = """\
# Added by `pecdata course prepare` for {name}. Your checks also write their results
# to feedback_log.jsonl in this folder, so that your trainer can follow the group.
# Please leave this cell as it is.
import os

os.environ.setdefault("PECDATA_PARTICIPANT", {quoted})
os.environ.setdefault("PECDATA_FEEDBACK_LOG", os.path.abspath("{log}"))"""
README = """\
# Exercises for {name}

These are your exercise notebooks for the course, one per step of the method:

{steps}

How to work:

1. Open a notebook in JupyterLab and run its cells from the top
   (**Run → Run All Cells** the first time). The first cells open the course's region.
2. In each exercise, replace the `...` with your code, then run the check cell below it.
   The check says whether your answer is right, or what to look at next. It never shows
   the answer.
3. Check cells are locked: leave them as they are, and keep the notebooks' file names.
4. If a notebook gets stuck or shows an error you do not understand, choose
   **Kernel → Restart Kernel and Run All Cells**; if that does not help, ask your trainer.

Your checks write their results to `{log}` in this folder, so that your trainer can see
who needs help. It holds the exercise, whether the answer was right, the check's message
and the time; never your code or your answers. Do not delete it.

Prepared {date} for the region with seed {seed}{focus}.
"""


@dataclass
class Prepared:
    """What a prepare did: participants added, participants kept as they were, notebooks."""

    folder: Path
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)


def exercise_notebooks(exercises: str | Path) -> list[Path]:
    """Every exercise notebook of the folder (``NN_name.ipynb``), sorted by step."""
    from pecdata.teaching.exercises import PATTERN

    folder = Path(exercises)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder} with exercise notebooks")
    found = sorted(p for p in folder.iterdir() if PATTERN.match(p.name))
    if not found:
        raise FileNotFoundError(f"no exercise notebooks (NN_name.ipynb) in {folder}")
    return found


def declared_parameters(nb) -> dict[str, object]:
    """The names a notebook's ``parameters`` cell assigns, with their values when literal.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("seed = 2022\\nfocus_unit = 'HAV-ED'  # a unit",
    ...                                  metadata={"tags": ["parameters"]})
    >>> declared_parameters(nbformat.v4.new_notebook(cells=[cell]))
    {'seed': 2022, 'focus_unit': 'HAV-ED'}
    """
    for cell in nb.cells:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        out = {}
        for node in ast.parse(cell.source).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    try:
                        out[target.id] = ast.literal_eval(node.value)
                    except (ValueError, SyntaxError, TypeError):
                        out[target.id] = None  # computed, e.g. from os.environ
        return out
    return {}


def _region(data_dir: Path) -> dict:
    file = data_dir / "metadata.json"
    if not file.is_file():
        raise FileNotFoundError(
            f"no region in {data_dir} (no metadata.json); generate the cohort's region first: "
            f"pecdata generate --seed N --out {data_dir} && pecdata cost {data_dir}"
        )
    meta = json.loads(file.read_text(encoding="utf-8")).get("meta", {})
    return {"data_dir": str(data_dir), **{k: meta.get(k) for k in REGION_PARAMETERS}}


def _coerce(value: str, default, where: str):
    if isinstance(default, bool) or not isinstance(default, int | float):
        return value
    try:
        return type(default)(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a number") from None


def prepare_cohort(
    roster: str | Path, out: str | Path, exercises: str | Path = "exercises", data_dir=None
) -> Prepared:
    """Write one folder per participant with their parameterised exercise notebooks.

    Parameters
    ----------
    roster : str or Path
        The roster CSV (see :mod:`pecdata.teaching.course.roster`).
    out : str or Path
        The cohort folder (created; an existing cohort gets its new participants only).
    exercises : str or Path
        The folder of exercise notebooks (every ``NN_name.ipynb`` in it).
    data_dir : str or Path, optional
        The cohort's region (default: ``PECDATA_DIR``, else ``data/region``).

    Returns
    -------
    Prepared
    """
    import nbformat

    out = Path(out)
    data_dir = Path(data_dir or os.environ.get("PECDATA_DIR") or "data/region").resolve()
    region = _region(data_dir)
    sources = {p.name: nbformat.read(p, as_version=4) for p in exercise_notebooks(exercises)}
    declared = {name: declared_parameters(nb) for name, nb in sources.items()}
    focus = {k: v for d in declared.values() for k, v in d.items() if k.startswith("focus_")}
    valid = {}
    if focus:
        from pecdata.warehouse import load

        wh = load(data_dir, validate=False)
        valid = {k: region_values(wh, k, v) for k, v in focus.items()}
    people = read_roster(roster, focus, valid)
    record = _cohort_record(out, region)
    done = Prepared(out, notebooks=sorted(sources))
    for person in people:
        target = out / person.name
        if target.exists() or person.name.lower() in {p.lower() for p in record["participants"]}:
            done.kept.append(person.name)
            continue
        _write_participant(person, target, sources, declared, region, roster)
        record["participants"][person.name] = {
            "email": person.email,
            "focus": person.focus,
            "prepared": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        done.added.append(person.name)
    for name, nb in sources.items():
        record["notebooks"][name] = [e["id"] for e in notebook_exercises(nb)]
    tmp = out / f".{COHORT_FILE}.tmp"
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / COHORT_FILE)
    return done


def _cohort_record(out: Path, region: dict) -> dict:
    file = out / COHORT_FILE
    if file.is_file():
        record = json.loads(file.read_text(encoding="utf-8"))
        if record.get("region") != region:
            raise ValueError(
                f"{out} was prepared for another region ({record.get('region')}); "
                f"give a new --out folder for a cohort on {region['data_dir']}"
            )
        return record
    if out.exists() and any(p.name != TRAINER_DIR for p in out.iterdir()):
        raise FileExistsError(
            f"{out} exists and is not a cohort folder (no {COHORT_FILE}); choose a new --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    return {"format": 1, "region": region, "notebooks": {}, "participants": {}}


def _write_participant(person: Participant, target, sources, declared, region, roster) -> None:
    import nbformat
    import papermill as pm

    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for name, source in sources.items():
            params = declared[name]
            values = {k: v for k, v in region.items() if k in params}
            for key, value in person.focus.items():
                if key in params:
                    where = f"{roster}, row {person.row} ({person.name})"
                    values[key] = _coerce(value, params[key], f"{where}: {key}")
            nb = pm.execute_notebook(
                nbformat.from_dict(source),
                None,
                parameters=values,
                prepare_only=True,
                progress_bar=False,
                log_output=False,
            )
            _add_setup_cell(nb, person.name)
            nbformat.write(nb, tmp / name)
        steps = "\n".join(f"- `{name}`" for name in sources)
        chosen = ", ".join(f"{k.removeprefix('focus_')} {v}" for k, v in person.focus.items())
        (tmp / "README.md").write_text(
            README.format(
                name=person.name,
                steps=steps,
                log=FEEDBACK_FILE,
                date=datetime.now(UTC).date().isoformat(),
                seed=region.get("seed"),
                focus=f"; your focus: {chosen}" if chosen else "",
            ),
            encoding="utf-8",
        )
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _add_setup_cell(nb, name: str) -> None:
    import nbformat

    tags = [c.get("metadata", {}).get("tags", []) for c in nb.cells]
    after = next((i for i, t in enumerate(tags) if "injected-parameters" in t), None)
    if after is None:
        after = next((i for i, t in enumerate(tags) if "parameters" in t), -1)
    cell = nbformat.v4.new_code_cell(
        SETUP_SOURCE.format(
            name=name, quoted=json.dumps(name, ensure_ascii=False), log=FEEDBACK_FILE
        ),
        metadata={"tags": [SETUP_TAG], "editable": False, "deletable": False},
    )
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        cell.pop("id", None)
    nb.cells.insert(after + 1, cell)
