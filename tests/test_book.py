"""Checks of the built handbook in _build/html (build it first: ``make book``).

Without a build these tests are skipped, unless PECDATA_REQUIRE_BOOK=1 (as in CI),
in which case they fail and say how to build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
TOC = ROOT / "_toc.yml"
CONFIG = ROOT / "_config.yml"

#: External URLs a page may still reference: thebe's launcher loads its library lazily
#: (only when a reader clicks "launch"), and it appears as a constant in an inline script.
ALLOWED_EXTERNAL = re.compile(r"^https://unpkg\.com/thebe@")


@pytest.fixture(scope="module")
def html_dir() -> Path:
    if not (HTML / "index.html").is_file():
        msg = (
            f"the handbook is not built ({HTML / 'index.html'} is missing); "
            "build it with `make book`"
        )
        if os.environ.get("PECDATA_REQUIRE_BOOK") == "1":
            pytest.fail(msg + " (PECDATA_REQUIRE_BOOK=1)", pytrace=False)
        pytest.skip(msg)
    return HTML


def _strip_anchor(text: str) -> str:
    """Normalise whitespace and drop the permalink sign Sphinx appends to headings and terms."""
    return " ".join(text.split()).rstrip("#¶").strip()


class _Page(HTMLParser):
    """Collects what the tests look at in one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.inline_scripts: list[str] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self.glossary_terms: list[str] = []
        self.glossary_definitions: list[str] = []
        self._stack: list[str] = []
        self._in_script = False
        self._script_buf: list[str] = []
        self._heading_buf: list[str] | None = None
        self._glossary_depth = 0
        self._dl_depth = 0
        self._dt_buf: list[str] | None = None
        self._dd_buf: list[str] | None = None
        self._dd_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.resources.append((tag, "src", a["src"]))
            self._in_script = True
            self._script_buf = []
        elif tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "modulepreload", "icon")):
                self.resources.append((tag, "href", a["href"]))
        elif tag in ("img", "iframe", "video", "audio", "source", "embed") and a.get("src"):
            self.resources.append((tag, "src", a["src"]))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading_buf = []
        if tag == "dl":
            self._dl_depth += 1
            if "glossary" in (a.get("class") or "").split() and not self._glossary_depth:
                self._glossary_depth = self._dl_depth
        if self._glossary_depth and self._dl_depth == self._glossary_depth:
            if tag == "dt":
                self._dt_buf = []
            elif tag == "dd" and self._dd_buf is None:
                self._dd_buf = []
                self._dd_depth = 0
        if self._dd_buf is not None and tag == "dd":
            self._dd_depth += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
            self.inline_scripts.append("".join(self._script_buf))
        if re.fullmatch(r"h[1-6]", tag) and self._heading_buf is not None:
            self.headings.append(_strip_anchor("".join(self._heading_buf)))
            self._heading_buf = None
        if tag == "dt" and self._dt_buf is not None:
            self.glossary_terms.append(_strip_anchor("".join(self._dt_buf)))
            self._dt_buf = None
        if tag == "dd" and self._dd_buf is not None:
            self._dd_depth -= 1
            if self._dd_depth == 0:
                self.glossary_definitions.append(" ".join("".join(self._dd_buf).split()))
                self._dd_buf = None
        if tag == "dl":
            if self._glossary_depth == self._dl_depth:
                self._glossary_depth = 0
            self._dl_depth -= 1

    def handle_data(self, data):
        if self._in_script:
            self._script_buf.append(data)
            return
        self.text.append(data)
        if self._heading_buf is not None:
            self._heading_buf.append(data)
        if self._dt_buf is not None:
            self._dt_buf.append(data)
        if self._dd_buf is not None:
            self._dd_buf.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def toc_files() -> list[str]:
    """Every document named in _toc.yml (root, parts, chapters, sections), without suffix."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(node["file"]))
            if "glob" in node:
                for p in sorted(ROOT.glob(str(node["glob"]))):
                    found.append(str(p.relative_to(ROOT).with_suffix("")))
            for key in ("parts", "chapters", "sections", "entries", "subtrees"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    found.append(str(toc["root"]))
    walk(toc)
    return [re.sub(r"\.(md|ipynb|rst)$", "", f) for f in found]


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in ("http", "https")


def html_pages(html_dir: Path) -> list[Path]:
    return [
        p
        for p in html_dir.rglob("*.html")
        if "_static" not in p.relative_to(html_dir).parts
        and "_sources" not in p.relative_to(html_dir).parts
    ]


# --- The table of contents -------------------------------------------------------------------


def test_toc_lists_the_handbook_pages():
    files = toc_files()
    assert files[0] == "book/intro", "the landing page must be the root of the TOC"
    for page in (
        "book/method",
        "book/getting_started",
        "book/glossary",
        "book/data_dictionary",
        "book/calibration",
        "book/references",
    ):
        assert page in files, f"{page} is missing from _toc.yml"
    assert len(files) == len(set(files)), "a page is listed twice in _toc.yml"


def test_every_toc_page_has_html(html_dir):
    missing = [f for f in toc_files() if not (html_dir / f"{f}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML in {html_dir}: {missing}"
    for f in toc_files():
        page = parse(html_dir / f"{f}.html")
        assert page.headings, f"{f}.html has no heading: is the page empty?"


def test_index_redirects_to_the_landing_page(html_dir):
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    assert "book/intro.html" in index


# --- Offline: no resources from the internet -------------------------------------------------


def test_no_external_scripts_or_styles(html_dir):
    offenders = []
    pages = html_pages(html_dir)
    assert pages
    for path in pages:
        page = parse(path)
        for tag, attr, url in page.resources:
            if is_external(url) and not ALLOWED_EXTERNAL.match(url):
                offenders.append(f"{path.relative_to(html_dir)}: <{tag} {attr}={url!r}>")
        # Inline scripts may not inject remote scripts either (thebe's lazy URL excepted).
        for body in page.inline_scripts:
            for url in re.findall(r"https?://[^\s\"'`]+", body):
                if not ALLOWED_EXTERNAL.match(url):
                    offenders.append(f"{path.relative_to(html_dir)}: inline script uses {url}")
    assert not offenders, "the handbook loads resources from the internet:\n" + "\n".join(offenders)


def test_no_external_urls_in_stylesheets(html_dir):
    offenders = []
    for css in (html_dir / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"(?:url\(|@import\s+)[\"']?((?:https?:)?//[^\"')\s]+)", text):
            offenders.append(f"{css.relative_to(html_dir)}: {url}")
    assert not offenders, "stylesheets fetch from the internet:\n" + "\n".join(offenders)


def _local_script(html_dir: Path, page: Path, needle: str) -> Path:
    srcs = [url for tag, attr, url in parse(page).resources if tag == "script" and needle in url]
    assert srcs, f"{page.name} loads no script matching {needle!r}"
    url = srcs[0]
    assert not is_external(url), f"{needle} is loaded from the internet: {url}"
    return (page.parent / urlsplit(url).path).resolve()


def test_mathjax_is_local_and_present(html_dir):
    method = html_dir / "book" / "method.html"
    mathjax = _local_script(html_dir, method, "mathjax")
    assert mathjax.is_file(), f"the MathJax file the page refers to does not exist: {mathjax}"
    assert mathjax.stat().st_size > 100_000, f"{mathjax} is too small to be MathJax"
    assert html_dir.resolve() in mathjax.parents, "MathJax must be served from the book itself"
    fonts = list(mathjax.parent.glob("output/chtml/fonts/woff-v2/*.woff"))
    assert fonts, "MathJax's CHTML fonts are missing next to the script"
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert mathjax.as_posix().endswith(config["sphinx"]["config"]["mathjax_path"])


def test_math_on_the_method_page(html_dir):
    text = (html_dir / "book" / "method.html").read_text(encoding="utf-8")
    assert "capacity cost rate" in text
    # Sphinx leaves TeX in the page for MathJax to typeset in the browser.
    assert text.count('class="math') >= 3, "the method page should carry its formulas"


def test_widget_pages_use_local_scripts(html_dir):
    """Pages with ipywidgets must load RequireJS and the widget manager from _static."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    wanted = list(config["sphinx"]["config"]["nb_ipywidgets_js"])
    assert wanted, "nb_ipywidgets_js must point at local copies"
    for rel in wanted:
        assert not is_external(rel), f"nb_ipywidgets_js entry is a URL: {rel}"
        assert (html_dir / "_static" / rel).is_file(), f"_static/{rel} is missing"
    for path in html_pages(html_dir):
        text = path.read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-state+json" not in text:
            continue
        srcs = [urlsplit(u).path for t, a, u in parse(path).resources if t == "script"]
        for rel in wanted:
            assert any(s.endswith(rel) for s in srcs), f"{path.name} does not load {rel}"


def test_vendored_assets_are_not_committed():
    """book/_vendor is fetched at build time (book/fetch_assets.sh) and must be gitignored."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree")
    probe = subprocess.run(
        ["git", "check-ignore", "-q", "book/_vendor/.complete"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert probe.returncode == 0, "add book/_vendor/ to .gitignore"


# --- Page contents ---------------------------------------------------------------------------


def test_glossary_has_at_least_35_terms(html_dir):
    page = parse(html_dir / "book" / "glossary.html")
    definitions = [d for d in page.glossary_definitions if d]
    assert len(definitions) >= 35, f"only {len(definitions)} glossary entries"
    short = [d for d in definitions if len(d) < 40]
    assert not short, f"glossary definitions too short to be useful: {short}"
    terms = {t.lower() for t in page.glossary_terms}
    for required in (
        "vårdtillfälle",
        "besök",
        "vårdnivå",
        "vårdförlopp",
        "nära vård",
        "kpp",
        "fast vårdkontakt",
        "undvikbar slutenvård",
        "practical capacity",
        "capacity cost rate",
        "unused capacity",
        "tdabc",
    ):
        assert required in terms, f"the glossary lacks {required!r}"


def test_data_dictionary_lists_every_table(html_dir):
    from pecdata.warehouse.schema import TABLES

    path = html_dir / "book" / "data_dictionary.html"
    page = parse(path)
    raw = path.read_text(encoding="utf-8")
    for marker in (
        "Traceback",
        "ModuleNotFoundError",
        'class="output traceback',
        'class="output stderr',
    ):
        assert marker not in raw, f"the data dictionary page shows an error ({marker})"

    def norm(s: str) -> str:
        return " ".join(s.lower().replace("_", " ").replace("`", "").split())

    headings = [norm(h) for h in page.headings]
    text = " ".join(page.text)
    missing_tables = [name for name in TABLES if not any(norm(name) in h for h in headings)]
    assert not missing_tables, f"tables without a section in the data dictionary: {missing_tables}"
    missing_columns = [
        f"{t.name}.{c}" for t in TABLES.values() for c in t.column_names if c not in text
    ]
    assert not missing_columns, f"columns missing from the data dictionary: {missing_columns}"


def test_intro_tells_the_story(html_dir):
    path = html_dir / "book" / "intro.html"
    text = " ".join(parse(path).text)
    for name in (
        "Region Havsland",
        "Havsfors",
        "Norrmarka",
        "Vallsberg",
        "Falkhamra",
        "Laxvik",
        "Skogsnäs",
    ):
        assert name in text, f"the landing page does not mention {name}"
    first_cells = re.findall(r"<tr[^>]*>\s*<td[^>]*>\s*<p>([1-9])</p>", path.read_text("utf-8"))
    assert sorted(set(first_cells)) == list("123456789"), (
        "the landing page should have a table of the nine steps"
    )


def test_calibration_page_keeps_its_sources(html_dir):
    path = html_dir / "book" / "calibration.html"
    text = " ".join(parse(path).text)
    cited = set(re.findall(r"\[S(\d+)\]", text))
    # The list of sources is a table whose first column is the key (S1, S2, ...).
    listed = set(re.findall(r"<td[^>]*>\s*<p>S(\d+)</p>", path.read_text("utf-8")))
    assert cited, "the calibration page cites no sources"
    assert cited <= listed, f"cited but not listed: {sorted(cited - listed, key=int)}"
    assert "343,746" in text and "52.28" in text


# --- One bibliography -------------------------------------------------------------------------

BIB = ROOT / "book" / "references.bib"
#: {cite}`a,b`, {cite:p}`a`, {cite:t}`a` ... in Markdown pages and notebooks.
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def bib_keys() -> set[str]:
    from pybtex.database import parse_file

    return set(parse_file(str(BIB)).entries)


def cited_keys() -> dict[str, set[str]]:
    """Citation keys used by each page of the book (Markdown and notebooks in _toc.yml)."""
    found: dict[str, set[str]] = {}
    for f in toc_files():
        for suffix in (".md", ".ipynb"):
            path = ROOT / f"{f}{suffix}"
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                keys = {k.strip() for m in CITE.findall(text) for k in m.split(",")}
                if keys:
                    found[f] = keys
    return found


def test_every_citation_is_in_the_bibliography():
    known = bib_keys()
    missing = {page: sorted(keys - known) for page, keys in cited_keys().items() if keys - known}
    assert not missing, f"cited but not in {BIB.name}: {missing}"


def test_the_chapters_cite_their_sources():
    cited = cited_keys()
    for page in ("book/intro", "book/method", "book/calibration"):
        assert cited.get(page), f"{page} cites nothing from the bibliography"
    # The foundations of PEC are cited where the method explains it.
    assert {"S58", "S60", "S63"} <= cited["book/method"]


def test_every_calibration_source_is_in_the_bibliography():
    """The calibration page's list of sources (S1, S2, ...) and the .bib agree, both ways."""
    text = (ROOT / "book" / "calibration.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (S\d+) \|", text, re.M))
    keys = {k for k in bib_keys() if re.fullmatch(r"S\d+", k)}
    assert listed, "the calibration page lists no sources"
    assert listed == keys, (
        f"only on the page: {sorted(listed - keys)}; only in the .bib: {sorted(keys - listed)}"
    )
    # The generator's assumptions quote these keys too.
    quoted = set(re.findall(r"\bS\d+\b", (ROOT / "pecdata/generation/assumptions.py").read_text()))
    assert quoted <= keys, f"assumptions.py quotes unknown sources: {sorted(quoted - keys)}"


def test_references_page_lists_every_source(html_dir):
    path = html_dir / "book" / "references.html"
    raw = path.read_text(encoding="utf-8")
    entries = re.findall(r'<div class="citation" id="id\d+"|<dt class="label" id="', raw)
    keys = bib_keys()
    assert len(entries) >= len(keys), f"{len(entries)} entries on the page, {len(keys)} in the .bib"
    text = " ".join(" ".join(parse(path).text).split()).lower()
    for needle in ("time-driven activity-based costing", "how to solve the cost crisis"):
        assert needle in text, f"the references page lacks {needle!r}"


def test_citations_link_to_the_references(html_dir):
    for page in ("book/method", "book/intro", "book/calibration"):
        raw = (html_dir / f"{page}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="(?:\.\./)?(?:book/)?references\.html#id\d+"', raw)
        assert links, f"{page}.html has no citation linking to the references page"
    raw = (html_dir / "book" / "calibration.html").read_text(encoding="utf-8")
    n_sources = len(re.findall(r"<td[^>]*>\s*<p>S(\d+)</p>", raw))
    n_links = len(re.findall(r'href="references\.html#id\d+"', raw))
    assert n_links >= n_sources, f"{n_sources} sources listed, {n_links} link to the references"
