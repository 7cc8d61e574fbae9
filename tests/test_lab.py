"""The scenario explorer in a real JupyterLab, driven by headless Chromium.

The test starts ``jupyter lab`` on 127.0.0.1 with a token and no browser, in a temporary
folder holding a copy of the step 7 notebook (``notebooks/07_model_interventions.ipynb``),
or, until that notebook exists, a small notebook that opens the teaching region and
shows ``pecdata.explore_scenarios(...)``. Playwright drives Debian's chromium
(``executable_path=/usr/bin/chromium``; never ``playwright install``): it opens the
notebook, runs every cell, moves a slider of the explorer and waits until the scenario's
figure and table change.

It measures each update two ways and reports both (``pytest -s`` prints them; they are
also written to ``_build/lab/explorer_timing.json`` with a screenshot ``explorer.png``):

* compute: the explorer's own "recomputed in N ms" (target <= 100 ms);
* redraw: from the key press in the browser to the new table on screen, the kernel's round
  trip included (target <= 1 s).

The assertions use generous bounds (a shared 2-core machine), the targets are reported.
The server (and its kernels) is always stopped. Skipped without chromium or Playwright,
unless PECDATA_REQUIRE_BOOK=1.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
STEP7 = ROOT / "notebooks" / "07_model_interventions.ipynb"
OUT = ROOT / "_build" / "lab"
CHROMIUM = os.environ.get("PECDATA_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("PECDATA_REQUIRE_BOOK") == "1"
#: Targets of issue 13 (reported) and the bounds asserted on a busy shared machine.
TARGET_COMPUTE_MS, TARGET_REDRAW_MS = 100, 1_000
BOUND_COMPUTE_MS, BOUND_REDRAW_MS = 1_000, 5_000
#: Slider moves measured (the median is reported).
MOVES = 4

#: The stand-in for step 7 until notebooks/07_model_interventions.ipynb lands: the
#: teaching region (PECDATA_DIR) if it is there, else a small region generated in memory.
FALLBACK_CELLS = [
    "import os\n\nimport pecdata\n\n"
    'data_dir = os.environ.get("PECDATA_DIR", "../data/region")\n'
    "wh = pecdata.open_region(data_dir, residents=50_000, years=3, seed=2022)\n"
    "baseline = pecdata.build_baseline(wh)",
    'explorer = pecdata.explore_scenarios(baseline, include=["mobile_home_team"])\nexplorer',
]


def _missing(msg: str) -> None:
    if REQUIRE:
        pytest.fail(msg + " (PECDATA_REQUIRE_BOOK=1)", pytrace=False)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(folder: Path) -> Path:
    """Step 7's notebook when it exists, else the small stand-in."""
    if STEP7.is_file():
        return Path(shutil.copy(STEP7, folder / STEP7.name))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FALLBACK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`jupyter lab` on 127.0.0.1 with a token, in a temporary folder; always stopped."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no chromium at {CHROMIUM}; install it with `make browser`")
    pytest.importorskip("playwright.sync_api")
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    notebook = _notebook(work)
    # No "would you like news?" prompt over the explorer (and no request for it).
    news = (
        home
        / "settings"
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")
    token, port = secrets.token_hex(16), _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PECDATA_DIR": os.environ.get("PECDATA_DIR", str(ROOT / "data" / "region")),
        # A clean Jupyter of its own: no user settings, workspaces or running servers.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--expose-app-in-browser",  # window.jupyterapp: run the notebook by its command
    ]
    if os.geteuid() == 0:  # CI and these machines run as root
        cmd.append("--allow-root")
    log = open(home / "server.log", "w+", encoding="utf-8")  # closed in the finally below
    proc = subprocess.Popen(
        cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("jupyter lab did not answer within 60 s")
            time.sleep(0.3)
        yield {"base": base, "token": token, "notebook": notebook, "log": home / "server.log"}
    finally:
        # Stop the server and the kernels it started (their process group).
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: Jupyter shuts its kernels down and exits
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything left in its session
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1500})
            external: list[str] = []

            def route(r):
                host = urlsplit(r.request.url).hostname
                if host in ("127.0.0.1", "localhost") or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    external.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            p = context.new_page()
            rel = lab["notebook"].name
            p.goto(f"{lab['base']}/lab/tree/{rel}?token={lab['token']}", wait_until="load")
            p.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
            p.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
            # The kernel is ready when its status says idle.
            p.wait_for_function(
                "() => { const w = window.jupyterapp.shell.currentWidget;"
                " return w && w.sessionContext && w.sessionContext.session"
                " && w.sessionContext.session.kernel"
                " && w.sessionContext.session.kernel.status === 'idle'; }",
                timeout=60_000,
            )
            yield p, external
        finally:
            browser.close()


#: The text of the first error output (a traceback) in the notebook, or null.
ERROR_TEXT = """() => {
    const sel = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']";
    const err = [...document.querySelectorAll(sel)].find(
        e => /Traceback|\\w+Error\\b/.test(e.textContent));
    return err ? err.textContent : null;
}"""
#: How long running the notebook may take (step 7 at teaching size on a busy machine).
RUN_TIMEOUT_MS = 240_000
#: The explorer's box, once found and marked by FIND_EXPLORER.
EXPLORER = "[data-pecdata-test=explorer]"
#: Marks the widget VBox holding the "capacity released" slider; true when found.
FIND_EXPLORER = """() => {
    for (const box of document.querySelectorAll('.widget-vbox')) {
        const sliders = [...box.children].filter(c => c.classList.contains('widget-slider'));
        if (sliders.some(s => /capacity released/.test(s.textContent))) {
            box.setAttribute('data-pecdata-test', 'explorer');
            return true;
        }
    }
    return false;
}"""


def _state(p) -> dict:
    """What the reader sees: the table's text, the figure's source and the timing line."""
    return p.evaluate(
        """(sel) => {
        const box = document.querySelector(sel);
        const tables = [...box.querySelectorAll('.widget-html-content')];
        const table = tables.find(t => t.querySelector('table'));
        const img = box.querySelector('img');
        const timing = tables.map(t => t.textContent).find(t => /recomputed in/.test(t));
        return {table: table ? table.innerText : '', image: img ? img.src : '',
                timing: timing || ''};
    }""",
        EXPLORER,
    )


def test_explorer_updates_in_jupyterlab(page, lab):
    p, external = page
    t0 = time.perf_counter()
    p.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # Until the explorer shows, or a cell fails (then say which error, at once).
    p.wait_for_function(
        f"() => ({FIND_EXPLORER})() || ({ERROR_TEXT})() !== null", timeout=RUN_TIMEOUT_MS
    )
    error = p.evaluate(ERROR_TEXT)
    if error:
        pytest.fail(
            f"a cell of {lab['notebook'].name} failed in JupyterLab:\n{error[-2000:]}",
            pytrace=False,
        )
    p.wait_for_function(
        "(sel) => { const b = document.querySelector(sel);"
        " return b && b.querySelector('table') && b.querySelector('img')"
        " && b.querySelector('img').naturalWidth > 0; }",
        arg=EXPLORER,
        timeout=60_000,
    )
    run_seconds = time.perf_counter() - t0
    box = p.locator(EXPLORER).first
    # Make sure one intervention is included, so that its sliders move the scenario.
    checkbox = box.locator(".widget-checkbox input[type=checkbox]").first
    if not checkbox.is_checked():
        before = _state(p)
        checkbox.check()
        p.wait_for_function(
            "([sel, t]) => { const b = document.querySelector(sel);"
            " return [...b.querySelectorAll('.widget-html-content')]"
            ".some(x => x.querySelector('table') && x.innerText !== t); }",
            arg=[EXPLORER, before["table"]],
            timeout=30_000,
        )
    # The first intervention's "reach (share)" slider, moved with the keyboard.
    handle = box.locator(".widget-hbox").first.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    redraw_ms, compute_ms = [], []
    for i in range(MOVES):
        before = _state(p)
        key = "ArrowLeft" if i % 2 else "ArrowRight"  # stay inside the slider's range
        handle.focus()
        t_press = time.perf_counter()
        p.keyboard.press(key)
        p.wait_for_function(
            "([sel, t]) => [...document.querySelector(sel)"
            ".querySelectorAll('.widget-html-content')]"
            ".some(x => x.querySelector('table') && x.innerText !== t)",
            arg=[EXPLORER, before["table"]],
            polling="raf",
            timeout=30_000,
        )
        elapsed = 1000 * (time.perf_counter() - t_press)
        p.wait_for_function(
            "([sel, src]) => { const i = document.querySelector(sel).querySelector('img');"
            " return i && i.src !== src && i.complete && i.naturalWidth > 0; }",
            arg=[EXPLORER, before["image"]],
            timeout=10_000,
        )
        after = _state(p)
        m = re.search(r"recomputed in (\d+) ms", after["timing"])
        assert m, f"the explorer shows no timing line: {after['timing']!r}"
        redraw_ms.append(elapsed)
        compute_ms.append(int(m.group(1)))
    OUT.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(OUT / "explorer.png"))
    result = {
        "notebook": STEP7.name if STEP7.is_file() else "stand-in (no step 7 notebook yet)",
        "run_all_seconds": round(run_seconds, 1),
        "compute_ms": compute_ms,
        "redraw_ms": [round(x) for x in redraw_ms],
        "median_compute_ms": statistics.median(compute_ms),
        "median_redraw_ms": round(statistics.median(redraw_ms)),
        "targets_ms": {"compute": TARGET_COMPUTE_MS, "redraw": TARGET_REDRAW_MS},
    }
    (OUT / "explorer_timing.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"\nexplorer in JupyterLab ({result['notebook']}): run all {run_seconds:.1f} s; "
        f"compute {compute_ms} ms (median {result['median_compute_ms']} ms, target "
        f"<= {TARGET_COMPUTE_MS}); key press to new table {result['redraw_ms']} ms (median "
        f"{result['median_redraw_ms']} ms, target <= {TARGET_REDRAW_MS}); screenshot "
        f"{OUT / 'explorer.png'}"
    )
    assert max(compute_ms) <= BOUND_COMPUTE_MS, f"recompute too slow: {compute_ms} ms"
    assert statistics.median(redraw_ms) <= BOUND_REDRAW_MS, f"redraw too slow: {redraw_ms} ms"
    assert not external, f"JupyterLab requested the internet: {sorted(set(external))[:5]}"
