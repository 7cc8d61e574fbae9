"""`pecdata brief`: the planning brief rendered without its code to HTML and to PDF.

A participant's filled-in brief (the template with every ✎ prompt answered, on a small
region generated in memory) is rendered once through the command line; the tests read
the two files it writes. Bad input must give one clear message and a non-zero exit.
Needs Debian's chromium (``make browser``) for the PDF.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pecdata.cli import main
from pecdata.teaching.brief import OMIT_TAG, PROMPT_MARK, PROMPT_TAG, find_chromium

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "notebooks" / "10_planning_brief.ipynb"
#: A small region of another seed, generated in memory by the notebook itself.
SMALL = {"residents": 3_000, "seed": 5}
#: What the participant "writes" in each prompt; the tests look for it in both files.
ANSWER = "Our group answers section {n} here: HAVSLAND-ANSWER-{n}."


def _fill(nb, data_dir: Path) -> int:
    """Answer every prompt and point the parameters at a small in-memory region."""
    n = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags:
            src = re.sub(r"(?m)^data_dir = .*$", f"data_dir = {str(data_dir)!r}", cell.source)
            for key, value in SMALL.items():
                src, k = re.subn(rf"(?m)^{key} = [\d_]+", f"{key} = {value}", src)
                assert k == 1, f"the parameters cell has no `{key} = ...` line"
            cell.source = src
        if cell.cell_type == "markdown" and PROMPT_TAG in tags:
            n += 1
            lines = []
            for line in cell.source.splitlines():
                if PROMPT_MARK in line:
                    line = line[: line.index(PROMPT_MARK)] + ANSWER.format(n=n)
                lines.append(line)
            cell.source = "\n".join(lines)
    return n


def _chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("PECDATA_REQUIRE_BOOK") == "1":
            pytest.fail("no chromium (make browser)", pytrace=False)
        pytest.skip("no chromium to print the PDF with (make browser)")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The filled-in brief rendered by `python -m pecdata.cli brief` (a real process)."""
    _chromium()
    folder = tmp_path_factory.mktemp("brief")
    nb = nbformat.read(TEMPLATE, as_version=4)
    prompts = _fill(nb, folder / "no_saved_region")
    src = folder / "our_brief.ipynb"
    nbformat.write(nb, src)
    out = folder / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pecdata.cli", "brief", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, f"pecdata brief failed:\n{proc.stderr[-3000:]}"
    print(proc.stdout)  # "Wrote ... in N s." (pytest -s shows the render time)
    return {
        "notebook": src,
        "out": out,
        "html": out / "our_brief.html",
        "pdf": out / "our_brief.pdf",
        "prompts": prompts,
        "proc": proc,
        "nb": nb,
    }


def test_the_template_is_a_brief_to_fill_in():
    nb = nbformat.read(TEMPLATE, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1, "one papermill parameters cell"
    prompts = [c for c, t in zip(nb.cells, tags) if PROMPT_TAG in t]
    text = " ".join(c.source for c in prompts).lower()
    for section in ("question", "found", "propose", "pilot plan", "how we will know"):
        assert section in text, f"the template has no prompt for {section!r}"
    assert all(PROMPT_MARK in c.source for c in prompts), "each prompt shows where to write"
    assert any(OMIT_TAG in t for t in tags), "the instructions are tagged brief-omit"


def test_the_brief_is_the_last_chapter_of_the_steps():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    steps = next(p for p in toc["parts"] if "step" in p["caption"].lower())
    assert steps["chapters"][-1]["file"] == "notebooks/10_planning_brief"


def test_html_is_self_contained_without_code(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    # The participant's text is there, the template's instructions are not.
    for n in range(1, rendered["prompts"] + 1):
        assert f"HAVSLAND-ANSWER-{n}" in html, f"the answer to prompt {n} is missing"
    assert PROMPT_MARK not in html
    assert "How to use this template" not in html, "a brief-omit cell was rendered"
    # No code: no input cells, and no line of any code cell's source.
    classes = " ".join(re.findall(r'class="([^"]*)"', html)).split()
    for cls in ("jp-InputPrompt", "jp-InputArea-editor", "jp-CodeMirrorEditor", "highlight"):
        assert cls not in classes, f"the brief shows a code cell ({cls})"
    code_lines = {
        line.strip()
        for cell in rendered["nb"].cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line.strip()) > 25 and not line.strip().startswith(("#", '"', 'f"'))
    }
    shown = [line for line in code_lines if line in html]
    assert not shown, f"code is shown in the brief: {shown[:3]}"
    # The region's figures, embedded; nothing fetched from the internet.
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]{2000,})"', html)
    assert len(images) >= 3, f"expected the brief's figures embedded, found {len(images)}"
    remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', html)
    assert not remote, f"the brief loads files from the internet: {remote}"
    # Figures computed for this region (seed, size) and read aloud in sentences.
    assert "residents at" in html and "SEK per resident" in html
    assert "costliest 5 %" in html
    assert html.count("<table") >= 5


def test_pdf_is_printed(rendered):
    data = rendered["pdf"].read_bytes()
    assert data.startswith(b"%PDF-"), "not a PDF"
    assert data.rstrip().endswith(b"%%EOF"), "the PDF is cut short"
    try:
        from pypdf import PdfReader
    except ImportError:
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        assert pages >= 2, f"the PDF has {pages} page(s); the brief needs several"
        assert data.count(b"/Subtype /Image") + data.count(b"/Subtype/Image") >= 3
    else:
        reader = PdfReader(rendered["pdf"])
        assert len(reader.pages) >= 2
        text = " ".join(p.extract_text() for p in reader.pages)
        assert "HAVSLAND-ANSWER-1" in text


def test_no_unfinished_prompts_reported(rendered):
    assert "still hold the template" not in rendered["proc"].stderr


def test_never_overwrites_without_force(rendered, capsys):
    html, pdf = rendered["html"], rendered["pdf"]
    before = (html.stat().st_mtime_ns, pdf.stat().st_mtime_ns)
    args = ["brief", str(rendered["notebook"]), "--out", str(rendered["out"]), "--no-execute"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "already exist" in err and "--force" in err and "Traceback" not in err
    assert (html.stat().st_mtime_ns, pdf.stat().st_mtime_ns) == before
    assert main([*args, "--force", "--no-pdf"]) == 0
    assert html.stat().st_mtime_ns > before[0]


def _error(capsys, *args) -> str:
    status = main(["brief", *map(str, args)])
    err = capsys.readouterr().err
    assert status == 1, f"exit status {status} for {args}"
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, f"not one message: {err!r}"
    return err


def test_missing_notebook(tmp_path, capsys):
    assert "no notebook at" in _error(capsys, tmp_path / "nothing.ipynb", "--no-pdf")


def test_not_a_notebook(tmp_path, capsys):
    path = tmp_path / "brief.ipynb"
    path.write_text("# a Markdown file, not a notebook\n", encoding="utf-8")
    assert "is not a Jupyter notebook" in _error(capsys, path, "--no-pdf")
    assert "is a folder" in _error(capsys, tmp_path, "--no-pdf")


def test_failing_cell_names_the_cell_and_writes_nothing(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Our brief"),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("share = 'no data' / 100"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    err = _error(capsys, path, "--no-pdf")
    assert "cell 3" in err and "TypeError" in err and "share = " in err
    assert not (tmp_path / "broken.html").exists(), "a failed brief must not be written"
