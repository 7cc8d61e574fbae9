"""The built handbook in a real browser, offline (build it first: ``make book``; the browser is
Debian's chromium: ``make browser``).

- Screenshots of the main pages with headless chromium must not be blank.
- With Playwright driving the same chromium, and every request to a non-local host blocked and
  recorded, MathJax must typeset the method page's formulas, every page must load without a
  request to the internet or a missing local file, and ipywidgets must render.

Skipped when the book or chromium is missing, unless PECDATA_REQUIRE_BOOK=1.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("PECDATA_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("PECDATA_REQUIRE_BOOK") == "1"
#: Flags verified on these machines (../shared/toolchain.md). --virtual-time-budget is needed:
#: index.html is a redirect, and without it chromium writes no PNG and says nothing.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",
    "--window-size=1280,900",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: thebe's library is only fetched when a reader presses "launch"; nothing else may leave.
ALLOWED_EXTERNAL = re.compile(r"^https://unpkg\.com/thebe@")
SCREENSHOT_PAGES = [
    "index.html",
    "book/intro.html",
    "book/method.html",
    "book/glossary.html",
    "book/data_dictionary.html",
]


def _missing(msg: str) -> None:
    if REQUIRE:
        pytest.fail(msg + " (PECDATA_REQUIRE_BOOK=1)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def html_dir() -> Path:
    if not (HTML / "index.html").is_file():
        _missing(
            f"the handbook is not built ({HTML / 'index.html'} is missing); "
            "build it with `make book`"
        )
    return HTML


@pytest.fixture(scope="module")
def chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no chromium at {CHROMIUM}; install it with `make browser`")
    return CHROMIUM


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server(html_dir):
    """The book served on 127.0.0.1 (like `python -m http.server --bind 127.0.0.1`)."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _toc_pages() -> list[str]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [str(toc["root"])]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(node["file"]))
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key, []))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [re.sub(r"\.(md|ipynb|rst)$", "", f) + ".html" for f in found]


# --- Screenshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", SCREENSHOT_PAGES)
def test_screenshot_is_not_blank(page, server, chromium, tmp_path):
    from PIL import Image, ImageStat

    png = tmp_path / "page.png"
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                server + page,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert png.is_file(), (
        f"chromium wrote no screenshot of {page} (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
    )
    with Image.open(png) as im:
        assert im.size == (1280, 900)
        gray = im.convert("L")
        variance = ImageStat.Stat(gray).var[0]
        hist = gray.histogram()
    background = max(hist)
    ink = 1 - background / sum(hist)
    assert variance > 100, f"{page}: screenshot is blank (pixel variance {variance:.1f})"
    assert ink > 0.03, f"{page}: screenshot is almost empty ({ink:.1%} non-background pixels)"


# --- Playwright --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield b
        finally:
            b.close()


class _OfflinePage:
    """A page whose requests to non-local hosts are blocked and recorded."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _response(self, response):
        if response.status >= 400 and not urlsplit(response.url).path.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser):
    p = _OfflinePage(browser)
    try:
        yield p
    finally:
        p.close()


def test_mathjax_renders_the_formulas_offline(offline_page, server, html_dir):
    page = offline_page.page
    source = (html_dir / "book" / "method.html").read_text(encoding="utf-8")
    n_math = len(re.findall(r'class="math[ "]', source))
    assert n_math >= 3, "the method page should contain its formulas"
    page.goto(server + "book/method.html", wait_until="load")
    page.wait_for_selector("mjx-container", timeout=30_000)
    page.wait_for_load_state("networkidle")
    containers = page.locator("mjx-container")
    assert containers.count() >= n_math, (
        f"MathJax typeset {containers.count()} of {n_math} formulas"
    )
    assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    box = containers.first.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 10, f"formula has no size: {box}"
    assert not offline_page.external, f"requests to the internet: {offline_page.external}"
    assert not offline_page.failed, f"missing local files: {offline_page.failed}"


def test_every_page_loads_without_internet(offline_page, server, html_dir):
    pages = [p for p in _toc_pages() if (html_dir / p).is_file()]
    assert pages
    problems = []
    for rel in pages:
        offline_page.external.clear()
        offline_page.failed.clear()
        offline_page.page.goto(server + rel, wait_until="load")
        offline_page.page.wait_for_load_state("networkidle")
        external = [u for u in offline_page.external if not ALLOWED_EXTERNAL.match(u)]
        if external:
            problems.append(f"{rel}: requests to the internet {external}")
        if offline_page.failed:
            problems.append(f"{rel}: missing files {offline_page.failed}")
    assert not problems, "\n".join(problems)


def test_widgets_render_offline(offline_page, server, html_dir):
    widget_pages = [
        p
        for p in _toc_pages()
        if (html_dir / p).is_file()
        and "application/vnd.jupyter.widget-state+json"
        in (html_dir / p).read_text(encoding="utf-8")
    ]
    if not widget_pages:
        pytest.skip("no page with ipywidgets in the book yet")
    for rel in widget_pages:
        offline_page.external.clear()
        offline_page.failed.clear()
        offline_page.page.goto(server + rel, wait_until="load")
        offline_page.page.wait_for_selector(".jupyter-widgets", timeout=30_000)
        offline_page.page.wait_for_load_state("networkidle")
        assert not offline_page.external, f"{rel}: requests to the internet {offline_page.external}"
        assert not offline_page.failed, f"{rel}: missing files {offline_page.failed}"


# --- The whole handbook: search, the nine steps' chapters, code without scroll bars ----------


def _step_chapters() -> list[str]:
    """The chapters of the "nine steps" part of _toc.yml, in order (steps 5-9 when they land)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    part = next(p for p in toc["parts"] if "step" in p.get("caption", "").lower())
    return [re.sub(r"\.(md|ipynb)$", "", c["file"]) for c in part["chapters"]]


def _long_code_lines(chapter: str, limit: int = 88) -> list[str]:
    """Code lines over ``limit`` characters in the chapter's notebook (none for Markdown)."""
    import nbformat

    path = ROOT / f"{chapter}.ipynb"
    if not path.is_file():
        return []
    nb = nbformat.read(path, as_version=4)
    return [
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > limit
    ]


@pytest.mark.parametrize("term, page", [("PEC", "book/method.html"), ("vårdförlopp", None)])
def test_search_finds_the_course_terms(term, page, offline_page, server):
    """Sphinx's search runs in the browser on the built index (searchindex.js), offline."""
    p = offline_page.page
    p.goto(server + "search.html?q=" + term, wait_until="load")
    p.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li').length > 0"
        " || /did not match|no documents/i.test("
        "(document.querySelector('#search-results') || {}).textContent || '')",
        timeout=30_000,
    )
    hrefs = p.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs, f"the handbook's search finds nothing for {term!r}"
    if page is not None:
        assert any(page in h for h in hrefs), f"searching {term!r} does not find {page}: {hrefs}"
    assert not offline_page.external, f"search requests the internet: {offline_page.external}"


def test_the_steps_part_lists_every_step():
    chapters = _step_chapters()
    steps = [c for c in chapters if re.match(r"notebooks/0[1-9]_", c)]
    assert [c[len("notebooks/") :][:2] for c in steps] == [f"{i:02d}" for i in range(1, 10)][
        : len(steps)
    ], f"the step chapters are out of order or have a gap: {steps}"
    assert chapters[-1] == "notebooks/10_planning_brief", "the brief closes the steps part"


@pytest.mark.parametrize("chapter", _step_chapters())
def test_step_chapter_renders_with_its_figures(chapter, offline_page, server, html_dir):
    if not (html_dir / f"{chapter}.html").is_file():
        pytest.fail(f"{chapter} is in _toc.yml but has no page in the build", pytrace=False)
    p = offline_page.page
    p.goto(server + f"{chapter}.html", wait_until="load")
    p.wait_for_load_state("networkidle")
    title = p.locator("article.bd-article h1").first
    assert title.is_visible(), f"{chapter}: no visible title"
    figures = p.eval_on_selector_all(
        ".cell_output img",
        "els => els.map(e => [e.complete && e.naturalWidth, e.getBoundingClientRect().width])",
    )
    assert figures, f"{chapter}: no figures in the rendered chapter"
    broken = [i for i, (natural, shown) in enumerate(figures) if not natural or shown < 100]
    assert not broken, f"{chapter}: figures {broken} of {len(figures)} did not render"
    errors = p.locator(".cell_output .output.traceback, .cell_output .output.error").count()
    assert errors == 0, f"{chapter}: the page shows {errors} error output(s)"
    assert not offline_page.failed, f"{chapter}: missing files {offline_page.failed}"


@pytest.mark.parametrize("chapter", _step_chapters())
def test_code_cells_fit_without_a_scroll_bar(chapter, offline_page, server, html_dir):
    """A reader sees every code line whole: no code cell needs a horizontal scroll bar."""
    if not (html_dir / f"{chapter}.html").is_file():
        pytest.fail(f"{chapter} has no page in the build", pytrace=False)
    p = offline_page.page
    p.goto(server + f"{chapter}.html", wait_until="load")
    p.wait_for_load_state("networkidle")
    wide = p.eval_on_selector_all(
        "div.cell_input pre",
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 2)"
        ".map(e => [e.scrollWidth, e.clientWidth, e.textContent.split('\\n')"
        ".reduce((a, b) => (b.length > a.length ? b : a), '').slice(0, 100)])",
    )
    too_long = [w for w in wide if len(w[2]) > 88]
    if wide and len(too_long) == len(wide):
        # KNOWN (issue 10): steps 1-4 still have code lines over 88 characters, which
        # another branch is shortening. Only that cause is tolerated here, and reported;
        # a cell that scrolls with lines <= 88 characters fails below.
        pytest.xfail(
            f"{chapter}: {len(wide)} code cell(s) scroll, each with a line over 88 "
            f"characters ({len(_long_code_lines(chapter))} such lines; issue 10)"
        )
    wide = [w for w in wide if len(w[2]) <= 88]
    assert not wide, (
        f"{chapter}: {len(wide)} code cell(s) need a horizontal scroll bar although every "
        f"line is <= 88 characters (the theme's code width is too narrow): {wide[:3]}"
    )


def test_method_diagram_is_a_drawn_figure(offline_page, server, html_dir):
    source = (html_dir / "book" / "method.html").read_text(encoding="utf-8")
    assert "Understand   1 Question" not in source, "the ASCII diagram is still there"
    p = offline_page.page
    p.goto(server + "book/method.html", wait_until="load")
    p.wait_for_load_state("networkidle")
    figure = p.locator(".graphviz object, .graphviz img, .graphviz svg").first
    assert figure.count() == 1, "the method page has no Graphviz figure"
    box = figure.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100, f"the diagram has no size: {box}"
    svg = next(html_dir.rglob("graphviz-*.svg"), None)
    assert svg is not None, "the diagram's SVG is not in the build"
    text = svg.read_text(encoding="utf-8")
    for n in range(1, 10):
        assert re.search(rf">\s*{n}(?:\s|&#160;|\xa0)+\w", text), f"no box for step {n}"
    assert not offline_page.failed, f"missing files {offline_page.failed}"
