"""The cohort folder: one sub-folder per participant, and the trainer's ``_course`` folder.

::

    cohort/
        cohort.json            what was prepared: region, notebooks and their exercises, roster
        anna/                  a participant: their notebooks, README.md and, once they run
            01_frame_the_question.ipynb     a check, feedback_log.jsonl
            ...
        _course/               the trainer's: overview pages and the check cache
            cache/
            check.csv  check.html  progress.csv  progress.html

Folders whose names start with ``_`` or ``.`` are not participants.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cohort", "COHORT_FILE", "TRAINER_DIR", "FEEDBACK_FILE"]

COHORT_FILE = "cohort.json"
TRAINER_DIR = "_course"
#: The log each participant's notebooks write (set by the prepared notebooks' setup cell).
FEEDBACK_FILE = "feedback_log.jsonl"


@dataclass
class Cohort:
    """A cohort folder and what ``cohort.json`` records about it (empty if there is none)."""

    folder: Path
    record: dict = field(default_factory=dict)

    @classmethod
    def open(cls, folder: str | Path) -> Cohort:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"no cohort folder {folder}")
        file = folder / COHORT_FILE
        record = {}
        if file.is_file():
            try:
                record = json.loads(file.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"{file} is not valid JSON ({exc})") from None
        return cls(folder, record)

    def participants(self) -> list[str]:
        """Every participant's folder name, sorted.

        In a prepared cohort: those on its roster (also when their folder has gone
        missing) and any other folder with notebooks in it, so that a region or a folder
        of handouts kept beside them is not taken for a participant. Without
        ``cohort.json``: every folder.
        """
        folders = [
            p for p in self.folder.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
        ]
        recorded = set(self.record.get("participants", {}))
        if not recorded:
            return sorted(p.name for p in folders)
        return sorted(recorded | {p.name for p in folders if any(p.glob("*.ipynb"))})

    @property
    def exercises(self) -> dict[str, list[str]]:
        """Notebook name -> its exercise ids, as prepared (empty without ``cohort.json``)."""
        return {k: list(v) for k, v in self.record.get("notebooks", {}).items()}

    def notebook_names(self) -> list[str]:
        """The notebooks every participant should have.

        Those prepared (``cohort.json``); in a folder without it, every notebook found in
        a participant's folder. Notebooks a participant made themselves are not checked.
        """
        names = set(self.exercises)
        if names:
            return sorted(names)
        for p in self.participants():
            names |= {f.name for f in (self.folder / p).glob("*.ipynb")}
        return sorted(names)

    def region_fingerprint(self) -> str:
        """A hash of the region's ``metadata.json`` (its checksums), if the cohort names one."""
        data_dir = self.record.get("region", {}).get("data_dir")
        if not data_dir:
            return ""
        file = Path(data_dir) / "metadata.json"
        return hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else ""

    def trainer_dir(self) -> Path:
        path = self.folder / TRAINER_DIR
        path.mkdir(exist_ok=True)
        return path

    def cache_dir(self) -> Path:
        path = self.trainer_dir() / "cache"
        path.mkdir(exist_ok=True)
        return path
