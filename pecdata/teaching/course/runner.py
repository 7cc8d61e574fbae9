"""Run one participant notebook, in a copy, in a kernel of its own, and record what happened.

:func:`run_notebook` is what each worker of ``pecdata course check`` does. It never
touches the participant's file: it gets the notebook's text, writes a copy into a
temporary folder, starts a kernel there and executes the code cells one by one with
nbclient, so that it knows for every cell whether it raised, timed out or killed the
kernel. The kernel

* has no standard input (nbclient's kernel client sets ``allow_stdin`` to False): an
  ``input()`` raises ``StdinNotImplementedError``, a cell error and not a hang;
* runs under a memory limit (``RLIMIT_AS``, set in the kernel process before it
  starts): a memory-hungry cell gets a ``MemoryError`` or kills the kernel, never the
  laptop;
* writes the checks' results as JSON lines to a log of its own
  (``PECDATA_FEEDBACK_LOG``, see :mod:`pecdata.teaching.feedback`): the verdicts are
  read from those structured results, not from the notebook's text.

A cell that runs longer than the per-cell time-out is interrupted; if the kernel
answers again, the rest of the notebook runs, otherwise the run stops there. Widgets
are harmless: their messages are recorded by nbclient and nothing waits for them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Settings", "run_notebook", "notebook_exercises", "cell_label", "SETUP_TAG"]

#: Tag of the cell ``pecdata course prepare`` adds after the injected parameters.
SETUP_TAG = "course-setup"
_CHECK_CALL = re.compile(r"""check(?:_answer)?\(\s*["'](\d{2}-[a-z]+-\d+)["']""")
#: Threads of the numerical libraries in a kernel: the notebooks run side by side.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Settings:
    """How each notebook is run.

    Parameters
    ----------
    cell_timeout : float
        Seconds a cell may run before it is interrupted.
    memory_mb : int
        Address space a kernel may use (``RLIMIT_AS``), in MiB; 0 for no limit.
    notebook_timeout : float
        Seconds a whole notebook may run.
    startup_timeout : float
        Seconds to wait for a kernel to start.
    kernel_name : str
        The kernel every notebook is run with (whatever its metadata says).
    warm_kernels : bool
        Fork each ``python3`` kernel from a process that has imported pecdata
        (:mod:`pecdata.teaching.course.warm`), which saves about 4 s of CPU a
        notebook; ordinary kernels if False or if that process cannot start.
    """

    cell_timeout: float = 120
    memory_mb: int = 6144
    notebook_timeout: float = 900
    startup_timeout: float = 60
    kernel_name: str = "python3"
    warm_kernels: bool = True

    def fingerprint(self) -> str:
        return json.dumps(
            {k: float(v) if isinstance(v, int | float) else v for k, v in asdict(self).items()},
            sort_keys=True,
        )


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def notebook_exercises(nb) -> list[dict]:
    """The exercises of a notebook: id, index of its exercise cell and of its check cell.

    A check cell is a code cell tagged ``check`` (or marked by the exercise build in
    ``metadata.pecdata.check``) that calls ``check_answer("SS-tier-N", ...)``; its
    exercise cell is the nearest code cell before it. The block of an exercise runs
    from the cell after the previous check cell to its own check cell.
    """
    found, start = [], None
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        meta_id = cell.get("metadata", {}).get("pecdata", {}).get("check")
        match = _CHECK_CALL.search(cell.get("source", ""))
        if not ("check" in _tags(cell) or meta_id):
            continue
        exercise_id = meta_id or (match.group(1) if match else None)
        if not exercise_id:
            continue
        before = [j for j in range(start or 0, i) if nb.cells[j].get("cell_type") == "code"]
        exercise_cell = before[-1] if before else None
        if start is None:  # the first exercise: the cells before it set the notebook up
            start = exercise_cell if exercise_cell is not None else i
        found.append(
            {
                "id": exercise_id,
                "exercise_cell": exercise_cell,
                "check_cell": i,
                "block": [start, i],
            }
        )
        start = i + 1
    return found


def cell_label(index: int, source: str) -> str:
    """How a cell is named in the overview: its number (from 1) and its first line.

    Examples
    --------
    >>> cell_label(4, "while True:\\n    pass")
    'cell 5 (while True:)'
    """
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"cell {index + 1} ({first})" if first else f"cell {index + 1}"


def _error_line(output) -> str:
    """The last line of an exception: ``ZeroDivisionError: division by zero``."""
    name, value = output.get("ename", "Error"), str(output.get("evalue", "")).strip()
    value = value.splitlines()[-1] if value else ""
    return f"{name}: {value}" if value else name


def _why(output, settings: Settings) -> str:
    """What an error means here, for the two that the checking itself causes."""
    name = output.get("ename", "")
    if name == "MemoryError" and settings.memory_mb:
        return f" (the notebook went over the memory limit of {settings.memory_mb:,} MiB)"
    if name == "StdinNotImplementedError":
        return " (input() cannot be answered when the notebooks are checked)"
    return ""


def _memory_limiter(limit_bytes: int):
    def limit() -> None:  # runs in the kernel process, after fork and before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return limit


def _new_log_lines(log: Path, offset: int) -> tuple[list[dict], int]:
    if not log.is_file():
        return [], offset
    with open(log, "rb") as f:
        f.seek(offset)
        data = f.read()
    lines = []
    for raw in data.decode("utf-8", "replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    return lines, offset + len(data)


def run_notebook(
    text: str, participant: str, settings: Settings | None = None, region: str | None = None
) -> dict:
    """Execute a notebook given as text in a fresh kernel and record every cell's fate.

    Parameters
    ----------
    text : str
        The notebook file's content (the file itself is never opened here).
    participant : str
        Who it belongs to (``PECDATA_PARTICIPANT`` in the kernel).
    settings : Settings, optional
    region : str, optional
        The cohort's region folder, which warm kernels' template loads once.

    Returns
    -------
    dict
        ``readable`` (False with a ``reason`` when the text is not a notebook),
        ``exercises`` (see :func:`notebook_exercises`), ``labels`` (cell index ->
        label), ``errors`` (cell index -> the exception's last line), ``timeouts``
        (cell indices), ``died`` (the cell in which the kernel died), ``stopped``
        (the cell after which nothing more ran), ``results`` (the checks' JSON lines,
        each with the ``cell`` that wrote it), ``seconds``, the kernel's ``cpu_seconds``
        (user and system, as of its last cell), ``cell_seconds`` (cell index -> wall and
        CPU seconds), ``startup_seconds`` (the kernel's start) and ``peak_rss_mb``.
    """
    import nbformat

    settings = settings or Settings()
    started = time.monotonic()
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # a dead kernel's pending reads
    record = {
        "readable": True,
        "reason": "",
        "exercises": [],
        "labels": {},
        "errors": {},
        "timeouts": [],
        "died": None,
        "stopped": None,
        "results": [],
        "seconds": 0.0,
        "cpu_seconds": 0.0,
        "cell_seconds": {},
        "startup_seconds": 0.0,
        "peak_rss_mb": 0.0,
    }
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        if not any(c.get("cell_type") == "code" for c in nb.cells):
            raise ValueError("it has no code cells")
    except Exception as exc:  # any broken file is a verdict, not a crash
        record.update(readable=False, reason=f"{type(exc).__name__}: {str(exc)[:200]}")
        return record
    record["exercises"] = notebook_exercises(nb)
    with tempfile.TemporaryDirectory(prefix="pecdata-check-") as tmp:
        workdir = Path(tmp)
        (workdir / "notebook.ipynb").write_text(text, encoding="utf-8")  # the copy
        log = workdir / "feedback.jsonl"
        env = dict(os.environ)
        env.update({v: "1" for v in _THREAD_VARIABLES})
        env.update(
            PECDATA_FEEDBACK_LOG=str(log),
            PECDATA_PARTICIPANT=participant,
            MALLOC_ARENA_MAX="2",  # glibc reserves 64 MiB of address space per thread else
            MPLBACKEND="agg",  # no figures are rendered: nobody looks at them here
            PYTHONUNBUFFERED="1",
        )
        _execute(nb, workdir, env, log, settings, record, started, region)
    record["seconds"] = round(time.monotonic() - started, 2)
    return record


def _execute(nb, workdir: Path, env: dict, log: Path, settings: Settings, record, started, region):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    extra = {}
    if settings.warm_kernels and settings.kernel_name == "python3":
        from pecdata.teaching.course import warm

        private = ("PECDATA_FEEDBACK_LOG", "PECDATA_PARTICIPANT")
        socket_path = warm.server({k: v for k, v in env.items() if k not in private}, region)
        if socket_path:
            extra["kernel_manager_class"] = warm.manager_class(socket_path)
            env = {**env, warm.PID_FILE_VARIABLE: str(workdir / "kernel.pid")}
    client = NotebookClient(
        nb,
        **extra,
        timeout=int(settings.cell_timeout),
        startup_timeout=int(settings.startup_timeout),
        kernel_name=settings.kernel_name,
        allow_errors=True,
        interrupt_on_timeout=False,
        shutdown_kernel="immediate",
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    kernel_log = open(workdir / "kernel.log", "wb")  # noqa: SIM115 - closed below
    kwargs = {"env": env, "cwd": str(workdir), "stdout": kernel_log, "stderr": kernel_log}
    if settings.memory_mb:
        kwargs["preexec_fn"] = _memory_limiter(settings.memory_mb * 2**20)
    offset = 0
    index = None
    try:
        began = time.monotonic()
        with client.setup_kernel(**kwargs):
            process = _kernel_process(client, workdir / "kernel.pid" if extra else None)
            record["startup_seconds"] = round(time.monotonic() - began, 2)
            for index, cell in list(enumerate(nb.cells)):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                record["labels"][index] = cell_label(index, cell.source)
                left = settings.notebook_timeout - (time.monotonic() - started)
                if left <= 1:
                    record["timeouts"].append(index)
                    record["stopped"] = index
                    break
                client.timeout = int(max(1, min(settings.cell_timeout, left)))
                cell_began, cpu_before = time.monotonic(), record["cpu_seconds"]
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    record["timeouts"].append(index)
                    if not _recover(client, index):
                        record["stopped"] = index
                        break
                except DeadKernelError:
                    record["died"] = index
                    break
                finally:
                    lines, offset = _new_log_lines(log, offset)
                    record["results"] += [dict(line, cell=index) for line in lines]
                    record["peak_rss_mb"] = max(record["peak_rss_mb"], _rss_mb(process))
                    record["cpu_seconds"] = max(record["cpu_seconds"], _cpu_seconds(process))
                    record["cell_seconds"][index] = [
                        round(time.monotonic() - cell_began, 2),
                        round(record["cpu_seconds"] - cpu_before, 2),
                    ]
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error":
                        record["errors"][index] = _error_line(output) + _why(output, settings)
                        break
    except DeadKernelError:
        record["died"] = index if index is not None else 0
    except Exception as exc:  # the kernel would not start, or nbclient failed
        if index is None:
            record["errors"][-1] = f"the kernel could not start ({type(exc).__name__}: {exc})"
        else:
            record["died"] = index
            record["errors"].setdefault(index, f"{type(exc).__name__}: {exc}")
    finally:
        kernel_log.close()
    if record["died"] is not None:
        record["kernel_log"] = _last_line(workdir / "kernel.log")


def _last_line(path: Path) -> str:
    lines = [
        line.strip()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip() and "WARNING | Kernel is running over TCP" not in line
    ]
    return lines[-1][:200] if lines else ""


def _recover(client, index: int) -> bool:
    """After a time-out: interrupt the kernel and see whether it answers again."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync

    try:
        run_sync(client.km.interrupt_kernel)()
        client.timeout = 15
        probe = nbformat.v4.new_code_cell("pass")
        client.execute_cell(probe, index)  # replaces the cell in the copy only
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        return False


def _kernel_process(client, pid_file: Path | None):
    """The kernel's process: a warm kernel's pid is in ``pid_file``, else the one started."""
    try:
        import psutil

        for _ in range(40 if pid_file else 0):
            text = pid_file.read_text().strip() if pid_file.is_file() else ""
            if text:
                return psutil.Process(int(text))
            time.sleep(0.05)
        return psutil.Process(client.km.provisioner.process.pid)
    except Exception:
        return None


def _rss_mb(process) -> float:
    """The kernel's peak resident memory so far (Linux: VmHWM), else its current one."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return round(int(peak.split()[1]) / 1024, 1)
    except Exception:
        pass
    try:
        return round(process.memory_info().rss / 2**20, 1)
    except Exception:
        return 0.0


def _cpu_seconds(process) -> float:
    """CPU time (user + system) the kernel has used so far."""
    try:
        t = process.cpu_times()
        return round(t.user + t.system, 2)
    except Exception:
        return 0.0
