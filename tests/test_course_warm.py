"""Warm kernels (forked from a process that imported pecdata) behave as ordinary ones.

The cohort of ``test_course.py`` runs with warm kernels (the default) and covers every
verdict; here one notebook shows what a kernel sees, with and without them, and that no
kernel outlives its run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from pecdata.teaching.course.runner import Settings, run_notebook

PROBE = """\
import json, os, resource, sys
print(json.dumps({
    "preloaded": "pecdata" in sys.modules,
    "pid": os.getpid(),
    "parent": os.getppid(),
    "cwd": os.getcwd(),
    "participant": os.environ.get("PECDATA_PARTICIPANT"),
    "log": os.environ.get("PECDATA_FEEDBACK_LOG"),
    "limit": resource.getrlimit(resource.RLIMIT_AS)[0],
    "stdin": sys.stdin.read() if not sys.stdin.isatty() else None,
}))"""
SLOW = "import time\nwhile True:\n    time.sleep(0.1)"


def _run(warm: bool, cells=(PROBE,)):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    settings = Settings(cell_timeout=8, memory_mb=2048, warm_kernels=warm)
    seen = {}
    from pecdata.teaching.course import runner

    real = runner._execute

    def keep(nb, *args, **kwargs):
        real(nb, *args, **kwargs)
        for output in nb.cells[0].get("outputs", []):
            if output.get("name") == "stdout":
                seen.update(json.loads(output["text"]))

    runner._execute = keep
    try:
        record = run_notebook(nbformat.writes(nb), "anna", settings)
    finally:
        runner._execute = real
    return record, seen


@pytest.mark.parametrize("warm", [True, False])
def test_a_kernel_sees_its_own_folder_environment_and_limit(warm):
    record, seen = _run(warm)
    assert not record["errors"] and record["died"] is None
    assert seen["preloaded"] is warm  # the only difference: pecdata is already imported
    assert seen["participant"] == "anna"
    assert Path(seen["log"]).parent == Path(seen["cwd"])  # the run's temporary copy
    assert seen["limit"] == 2048 * 2**20
    assert seen["stdin"] == ""  # no standard input
    assert record["cpu_seconds"] > 0 and record["peak_rss_mb"] > 0
    deadline = time.monotonic() + 10
    while psutil.pid_exists(seen["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    gone = not psutil.pid_exists(seen["pid"])
    assert gone or psutil.Process(seen["pid"]).status() == psutil.STATUS_ZOMBIE


def test_a_warm_kernel_is_interrupted_after_a_time_out_and_runs_on():
    record, _ = _run(True, cells=(SLOW, "x = 1"))
    assert record["timeouts"] == [0]
    assert record["stopped"] is None and record["died"] is None
    assert list(record["errors"]) == [0]  # KeyboardInterrupt in the endless cell, not after
    assert 1 in record["labels"]


REGION_PROBE = """\
import json
import pecdata
from pecdata.teaching import region as R

before = {{k: v[1] for k, v in R._PRELOADED.items()}}
wh = pecdata.open_region({d!r}, residents=2000, years=3, seed=11)
again = pecdata.open_region({d!r}, residents=2000, years=3, seed=11)
print(json.dumps({{
    "preloaded": any(wh is v for v in before.values()),
    "again": any(again is v for v in before.values()) or again is wh,
    "rows": len(wh.encounters),
    "path": str(wh.path),
}}))"""


def test_a_warm_kernel_gets_the_preloaded_region_unless_a_file_changed(small_region, tmp_path):
    from pecdata.teaching.course import runner

    folder = small_region.save(tmp_path / "region")
    nb = new_notebook(cells=[new_code_cell(REGION_PROBE.format(d=str(folder)))])
    settings = Settings(cell_timeout=60, memory_mb=4096)
    seen = []
    real = runner._execute

    def keep(nb, *args, **kwargs):
        real(nb, *args, **kwargs)
        out = [o for o in nb.cells[0].get("outputs", []) if o.get("name") == "stdout"]
        seen.append(json.loads(out[0]["text"]) if out else nb.cells[0].get("outputs"))

    runner._execute = keep
    try:
        runner.run_notebook(nbformat.writes(nb), "anna", settings, region=str(folder))
        (folder / "units.parquet").touch()  # same content, but the file was written to
        runner.run_notebook(nbformat.writes(nb), "anna", settings, region=str(folder))
    finally:
        runner._execute = real
    first, second = seen
    rows = len(small_region.encounters)
    assert first == {"preloaded": True, "again": False, "rows": rows, "path": str(folder)}
    assert second == {"preloaded": False, "again": False, "rows": rows, "path": str(folder)}


def test_the_template_answers_bad_requests_and_stays_up():
    import os
    import socket

    from pecdata.teaching.course import warm

    path = warm.server(dict(os.environ))
    assert path
    for message in (b"not json", b'{"no": "fields"}'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
            conn.connect(path)
            socket.send_fds(conn, [message], [0, 1, 2])
            assert "error" in json.loads(conn.recv(1 << 16))
    assert warm._SERVER["process"].poll() is None
    warm._stop()
