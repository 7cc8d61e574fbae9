"""Warm kernels for ``pecdata course check``: forked from a process that has imported pecdata.

Every notebook of a cohort runs in a kernel of its own, and a new kernel spends about
4 s of CPU before the first exercise: starting IPython and importing pecdata (pandas,
pyarrow, scipy, matplotlib, seaborn, pandera). For 26 x 9 notebooks on two cores that
alone is most of the 10 minutes. So each checking worker starts one *template* process
(:func:`serve`) that imports all that once, and every kernel is a ``fork`` of it: a
fresh process, with its own memory (copy on write), its own environment, working
folder, memory limit and standard streams, that starts ``IPKernelApp`` as
``python -m ipykernel_launcher`` would. Nothing else is shared: nothing of a
participant's runs before the fork, and no kernel sees another's.

jupyter_client needs a process it started itself, to signal and to watch: that is a
small stand-in (``_warm_kernel.py``, standard library only) which asks the template
for a kernel, hands it its standard streams and limits, forwards interrupts and other
signals to it and exits when it ends. The kernel ends itself when the stand-in is gone
(killed at shutdown). Its pid is written to ``PECDATA_KERNEL_PID_FILE`` so that the
runner measures the kernel's memory and CPU, not the stand-in's.

The template can also load the cohort's region once (``region``): the first
``open_region`` of it in each kernel then gets its own copy (copy on write) instead of
reading the Parquet files again, if none of them changed since (see
:func:`pecdata.teaching.region.preload`). It also works out every exercise's
expectation for that warehouse with the default focus, and so the region-level work the
checks share (the cleaned region, PEC, the planning baseline, ...), in the checks' own
per-warehouse cache (:func:`pecdata.teaching.feedback.cached`). A kernel's checks then
find them, as they would have found them after their first check in the same kernel:
computed from the region as loaded, before any participant code ran.

The template forks only while it has no thread of its own running Python code (the
idle background threads of jemalloc and DuckDB, and Arrow's thread pool, which
restarts itself after a ``fork``, are safe across it). If it
cannot start, :func:`server` returns None and the runner starts ordinary kernels.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["server", "kernel_argv", "manager_class", "serve", "PID_FILE_VARIABLE"]

PID_FILE_VARIABLE = "PECDATA_KERNEL_PID_FILE"
_STAND_IN = Path(__file__).with_name("_warm_kernel.py")
#: What the template imports: what every exercise notebook's kernel imports first.
PRELOAD = ("ipykernel.kernelapp", "IPython", "pecdata", "pecdata.teaching.region")
_SERVER: dict = {}
#: What a stand-in sends: its kernel arguments, folder, environment, memory limit, pid.
_REQUEST = {"argv": list, "cwd": str, "env": dict, "rlimit_as": list, "client": int}


def server(env: dict, region: str | None = None, timeout: float = 600) -> str | None:
    """This worker's template process (started on first use): its socket, or None.

    ``region``: a warehouse folder the template loads once for the kernels' first
    ``open_region`` of it (see :func:`pecdata.teaching.region.preload`).
    """
    proc = _SERVER.get("process")
    wanted = (dict(env), region)
    if _SERVER.get("failed") == wanted:
        return None  # it did not start: ordinary kernels for this worker
    if proc is not None and proc.poll() is None and _SERVER.get("wanted") == wanted:
        return _SERVER["socket"]
    _stop()
    folder = tempfile.mkdtemp(prefix="pecdata-warm-")
    path = os.path.join(folder, "template.sock")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve; serve({path!r}, {region!r})"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(folder, "template.log"), "wb"),  # noqa: SIM115
            cwd=folder,
        )
    except OSError:
        return None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else b""
    if line.strip() != b"ready":
        proc.kill()
        proc.wait()
        _SERVER["failed"] = wanted
        return None
    _SERVER.update(process=proc, socket=path, wanted=wanted)
    return path


def _stop() -> None:
    proc = _SERVER.pop("process", None)
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def kernel_argv(socket_path: str) -> list[str]:
    """The kernel command that asks the template at ``socket_path`` for a kernel."""
    return [sys.executable, "-I", "-S", str(_STAND_IN), socket_path, "-f", "{connection_file}"]


def manager_class(socket_path: str):
    """A kernel manager class (for nbclient) whose kernels come from the template."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if getattr(self, "_warm_spec", None) is None:
                base = super().kernel_spec
                self._warm_spec = KernelSpec(
                    argv=kernel_argv(socket_path),
                    display_name=base.display_name,
                    language=base.language,
                    env=dict(base.env or {}),
                    interrupt_mode="signal",
                    metadata=dict(base.metadata or {}),
                    resource_dir=base.resource_dir,
                )
            return self._warm_spec

    return WarmKernelManager


# --- the template process -----------------------------------------------------------------------
def serve(path: str, region: str | None = None) -> None:
    """Import what kernels need (and load ``region``), then fork a kernel per request."""
    import importlib
    import threading

    for name in PRELOAD:
        importlib.import_module(name)
    if region:
        try:
            _preload(region)
        except Exception:  # an invalid region: each kernel's open_region says why
            pass
    if threading.active_count() != 1:  # a Python thread could hold a lock at fork time
        sys.exit(1)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, _reap)
    parent = os.getppid()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while os.getppid() == parent:  # ends with the worker that started it
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        fds: list[int] = []
        try:
            message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            request = json.loads(message)
            missing = [k for k in _REQUEST if not isinstance(request.get(k), _REQUEST[k])]
            if missing or len(fds) != 3:
                raise ValueError(f"a request needs {', '.join(missing) or 'three streams'}")
            pid = os.fork()
            if pid == 0:
                try:
                    _become_kernel(listener, conn, request, fds)
                finally:
                    os._exit(1)
            conn.send(json.dumps({"pid": pid}).encode())
        except Exception as exc:  # a bad request: the stand-in gets no pid and ends
            try:
                conn.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            except OSError:
                pass
        finally:
            for fd in fds:
                os.close(fd)
            conn.close()


def _preload(region: str) -> None:
    """Load the region, and work out every exercise's expectation for it (default focus)."""
    from pecdata.teaching import feedback
    from pecdata.teaching.region import _PRELOADED, preload
    from pecdata.warehouse import Warehouse

    preload(region)
    for _, wh in _PRELOADED.values():
        for exercise_id in sorted(feedback._registry()):
            try:
                feedback.expected(exercise_id, wh)
            except Exception:  # the kernel's own check will say what is wrong
                pass
    for held in [w for _, w in _PRELOADED.values()] + [
        v for pair in feedback._CACHE.values() for v in pair
    ]:
        if isinstance(held, Warehouse):
            held.close()  # no DuckDB connection (and its threads) across the fork


def _reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(listener, conn, request: dict, fds: list[int]) -> None:
    """In the forked child: take the request's streams, folder, environment and limits."""
    import resource
    import threading

    listener.close()
    conn.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    soft, hard = request["rlimit_as"]
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    stand_in = os.pidfd_open(request["client"])

    def watch() -> None:  # the stand-in was killed (kernel shutdown): end too
        select.select([stand_in], [], [])
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = ["ipykernel_launcher", *request["argv"]]
    IPKernelApp.launch_instance(argv=request["argv"])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
