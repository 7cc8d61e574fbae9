"""The planning brief: a participant's notebook rendered as a document for leadership.

``pecdata brief NOTEBOOK`` executes the notebook (``notebooks/10_planning_brief.ipynb``
filled in by a participant) and writes two files beside it, or into ``--out``:

* ``NAME.html``: one self-contained file (styles inline, figures embedded as data URIs,
  no script or style from the internet), without the code cells;
* ``NAME.pdf``: the same page printed by headless Chromium (no LaTeX).

Cells tagged ``brief-omit`` (the template's instructions to the participant) are left out
of the rendered brief; they stay in the notebook and in the handbook.

Every expected problem (no such file, not a notebook, a cell that fails, no Chromium, an
output that already exists) is raised as :class:`BriefError` with one sentence saying what
to do; the command line (``pecdata brief``, registered in :mod:`pecdata.cli`) prints it
without a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BriefError", "BriefResult", "render_brief", "find_chromium", "OMIT_TAG", "PROMPT_TAG"]

#: Cells with this tag are instructions for the participant, not part of the brief.
OMIT_TAG = "brief-omit"
#: Markdown cells with this tag are the places the participant writes; while they still
#: hold the template's text (marked ✎) the brief is not finished.
PROMPT_TAG = "brief-prompt"
PROMPT_MARK = "✎"
#: How long one cell may run (seconds).
DEFAULT_TIMEOUT = 300
#: Flags verified for Debian's chromium on these machines (see the handbook's browser tests).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--virtual-time-budget=5000",
)

#: The lab template without the scripts it would fetch from the internet (RequireJS,
#: MathJax, Mermaid, the widget manager), plus a print layout for A4.
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block stream_stdout -%}
<div class="jp-RenderedText jp-OutputArea-output pecdata-stdout" data-mime-type="text/plain">
<pre>{{- output.text | ansi2html -}}</pre>
</div>
{%- endblock stream_stdout -%}
{%- block extra_css -%}
<meta name="generator" content="pecdata brief">
<style type="text/css">
  body.jp-Notebook { max-width: 46em; margin: 0 auto; padding: 1.5em 1em; }
  .jp-Cell { padding: 0.1em 0; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; }
  .jp-RenderedHTMLCommon table { font-size: 0.85em; }
  /* Printed sentences read as text, not as console output; wide tables wrap. */
  .jp-RenderedText.pecdata-stdout pre {
    font-family: var(--jp-content-font-family) !important;
    font-size: var(--jp-content-font-size1) !important;
    white-space: pre-wrap !important; word-break: normal !important;
    overflow-wrap: break-word !important; line-height: 1.5 !important;
  }
  .jp-OutputArea-output { overflow-x: visible !important; }
  .jp-RenderedHTMLCommon table { max-width: 100%; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th {
    white-space: normal !important; overflow-wrap: break-word;
  }
  @page { size: A4; margin: 16mm 14mm; }
  @media print {
    body.jp-Notebook { max-width: none; padding: 0; }
    .jp-OutputArea-output img, .jp-RenderedHTMLCommon table { break-inside: avoid; }
    h1, h2, h3 { break-after: avoid; }
  }
</style>
{%- endblock extra_css -%}
"""


class BriefError(ValueError):
    """A problem with the brief that the participant can fix (printed without a traceback)."""


@dataclass(frozen=True)
class BriefResult:
    """What :func:`render_brief` wrote."""

    html: Path
    pdf: Path | None
    seconds: float
    unfinished: tuple[str, ...] = ()
    #: Seconds per stage: "execute", "html", "pdf".
    stages: tuple[tuple[str, float], ...] = ()

    def __str__(self) -> str:
        files = [str(self.html)] + ([str(self.pdf)] if self.pdf else [])
        parts = ", ".join(f"{name} {sec:.1f} s" for name, sec in self.stages)
        return f"Wrote {' and '.join(files)} in {self.seconds:.1f} s" + (
            f" ({parts})." if parts else "."
        )


def find_chromium() -> str | None:
    """The Chromium to print with: ``$PECDATA_CHROMIUM``, else ``chromium`` on the PATH.

    Examples
    --------
    >>> path = find_chromium()
    >>> path is None or Path(path).name.startswith("chrom")
    True
    """
    env = os.environ.get("PECDATA_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _read(path: Path):
    import nbformat

    if not path.exists():
        raise BriefError(f"there is no notebook at {path}")
    if path.is_dir():
        raise BriefError(f"{path} is a folder; give the brief's .ipynb file")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises json, unicode and validation errors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BriefError(f"{path} is not a Jupyter notebook ({reason[:200]})") from None
    if not nb.cells:
        raise BriefError(f"{path} is a notebook without cells; start from the brief's template")
    return nb


def unfinished_prompts(nb) -> list[str]:
    """Headings (or first lines) of prompt cells that still hold the template's text.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_markdown_cell("**Our question**\\n\\n✎ Write it here.")
    >>> cell.metadata["tags"] = ["brief-prompt"]
    >>> unfinished_prompts(nbformat.v4.new_notebook(cells=[cell]))
    ['**Our question**']
    """
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and PROMPT_TAG in cell.metadata.get("tags", []):
            lines = [ln.strip() for ln in cell.source.splitlines() if ln.strip()]
            if any(PROMPT_MARK in ln for ln in lines):
                out.append(lines[0][:80])
    return out


def _execute(nb, path: Path, timeout: int) -> None:
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    try:
        # The kernel's own chatter (e.g. ipykernel's transport warning) is not the brief's.
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        raise BriefError(_cell_failure(nb, exc)) from None
    except CellTimeoutError:
        raise BriefError(
            f"a cell of {path.name} ran longer than {timeout} s (raise it with --timeout)"
        ) from None
    except DeadKernelError:
        raise BriefError(f"the kernel running {path.name} died (out of memory?)") from None
    except NoSuchKernel:
        raise BriefError(
            f"{path.name} asks for the kernel {kernel!r}, which is not installed here"
        ) from None


def _cell_failure(nb, exc) -> str:
    """'cell 7 (first line ...) failed: KeyError: ...' from nbclient's error."""
    number, first = None, ""
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code" and any(
            o.get("output_type") == "error" for o in cell.get("outputs", [])
        ):
            number = i
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")[:60]
            break
    ename = getattr(exc, "ename", "") or "Error"
    evalue = " ".join(str(getattr(exc, "evalue", "") or "").split())[:300]
    where = f"cell {number} ({first!r})" if number else "a cell"
    return (
        f"{where} of the brief failed: {ename}: {evalue} "
        "(open the notebook in JupyterLab and run it to see the whole error)"
    )


def to_html(nb) -> str:
    """The notebook as one self-contained HTML page: no code, no prompts, no remote files.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    >>> html = to_html(nb)
    >>> "1 + 1" in html, "2" in html, 'src="http' in html
    (False, True, False)
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {OMIT_TAG}
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        extra_loaders=[DictLoader({"pecdata_brief.html.j2": _TEMPLATE})],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.template_file = "pecdata_brief.html.j2"
    body, _ = exporter.from_notebook_node(nb)
    # Remaining remote references would make the file depend on the internet.
    remote = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"(https?://[^\"]+)", body)
    if remote:
        raise BriefError(f"the rendered brief would load {remote[0]} from the internet")
    return body


def to_pdf(html: Path, pdf: Path, chromium: str, timeout: int = 120) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium (A4, no header or footer)."""
    with tempfile.TemporaryDirectory(prefix="pecdata-chromium-") as profile:
        tmp = pdf.with_name(pdf.name + ".part")
        try:
            proc = subprocess.run(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={tmp}",
                    html.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BriefError(f"Chromium did not print {html.name} within {timeout} s") from None
        if not tmp.is_file() or not tmp.read_bytes()[:5] == b"%PDF-":
            tmp.unlink(missing_ok=True)
            tail = " ".join(proc.stderr.split()[-30:])
            raise BriefError(
                f"Chromium wrote no PDF of {html.name} (exit {proc.returncode}): {tail}"
            )
        tmp.replace(pdf)


def render_brief(
    notebook: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    force: bool = False,
    execute: bool = True,
    pdf: bool = True,
    timeout: int = DEFAULT_TIMEOUT,
) -> BriefResult:
    """Execute the brief and write ``NAME.html`` and ``NAME.pdf``.

    Parameters
    ----------
    notebook : path
        The filled-in brief (``.ipynb``). It runs in its own folder, like in JupyterLab.
    out : path, optional
        Folder for the two files (created if needed). Default: the notebook's folder.
    force : bool
        Replace files that already exist (otherwise: :class:`BriefError`, nothing written).
    execute : bool
        Run the notebook first (default). ``False`` renders the outputs stored in it.
    pdf : bool
        Also print the PDF with headless Chromium.
    timeout : int
        Seconds one cell may run.

    Returns
    -------
    BriefResult
        The paths written, the time taken and the prompts still unanswered.

    Raises
    ------
    BriefError
        With one sentence saying what is wrong and what to do.

    Examples
    --------
    >>> render_brief("no/such/brief.ipynb")
    Traceback (most recent call last):
    ...
    pecdata.teaching.brief.BriefError: there is no notebook at no/such/brief.ipynb
    """
    t0 = time.perf_counter()
    path = Path(notebook)
    nb = _read(path)
    folder = Path(out) if out is not None else path.parent
    html_path = folder / f"{path.stem}.html"
    pdf_path = folder / f"{path.stem}.pdf"
    targets = [html_path] + ([pdf_path] if pdf else [])
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise BriefError(f"{' and '.join(existing)} already exist(s); add --force to replace")
    if folder.exists() and not folder.is_dir():
        raise BriefError(f"--out {folder} is a file, not a folder")
    chromium = find_chromium() if pdf else None
    if pdf and chromium is None:
        raise BriefError(
            "no Chromium to print the PDF with (install Debian's chromium: `make browser`, "
            "set PECDATA_CHROMIUM, or render only the HTML with --no-pdf)"
        )
    stages = []
    if execute:
        t = time.perf_counter()
        _execute(nb, path.resolve(), timeout)
        stages.append(("execute", time.perf_counter() - t))
    t = time.perf_counter()
    body = to_html(nb)
    folder.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    stages.append(("html", time.perf_counter() - t))
    if pdf:
        t = time.perf_counter()
        to_pdf(html_path, pdf_path, chromium)
        stages.append(("pdf", time.perf_counter() - t))
    return BriefResult(
        html_path,
        pdf_path if pdf else None,
        time.perf_counter() - t0,
        tuple(unfinished_prompts(nb)),
        tuple(stages),
    )
