"""Sphinx extension for the pecdata handbook: make sure the offline JavaScript is there.

The handbook loads MathJax, RequireJS and the ipywidgets embed manager from
``book/_vendor`` instead of public CDNs (see ``_config.yml``). Those files are
not committed; ``book/fetch_assets.sh`` fetches them from the npm registry. This
extension runs that script at the start of every HTML build (it returns at once
when the files are already in place) so that a plain ``jupyter-book build .``
works on a fresh clone, and it stops the build with a clear message when the
files cannot be fetched, instead of publishing pages whose formulas stay blank
offline.

Pages with code cells outside notebooks/ (the data dictionary, for example) are
executed when Sphinx reads them. Sphinx re-reads a page only when its own source
changes, so the extension declares that such pages also depend on the pecdata
library's source and on the generated region's completion stamp: change the
schema and the data dictionary is rebuilt on the next incremental build.

It also makes sure that a change to a static file (CSS, the vendored scripts)
reaches _build on an incremental build: Sphinx copies static files only when at
least one page is rewritten, so a static-only change would otherwise be ignored.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

HERE = Path(__file__).resolve().parent
BOOK = HERE.parent
ROOT = BOOK.parent
SCRIPT = BOOK / "fetch_assets.sh"
#: Folders whose notebooks are rendered from their stored outputs, never executed here.
NOT_EXECUTED = ("notebooks/",)


def _required_files(app: Sphinx, config: Config) -> list[Path]:
    """The vendored files the configuration points at, as paths in the source tree."""
    static_dirs = [Path(app.confdir, p) for p in config.html_static_path]
    wanted = [config.mathjax_path, *dict(getattr(config, "nb_ipywidgets_js", None) or {})]
    files = []
    for rel in wanted:
        if not rel or "://" in rel:
            continue  # a URL: nothing local to check
        candidates = [d / rel for d in static_dirs]
        found = next((c for c in candidates if c.is_file()), None)
        files.append((found or candidates[0]) if candidates else Path(rel))
    return files


def ensure_offline_assets(app: Sphinx, config: Config) -> None:
    missing = [f for f in _required_files(app, config) if not f.is_file()]
    stamp = BOOK / "_vendor" / ".complete"
    if not missing and stamp.is_file():
        return
    try:
        proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True,
                              timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExtensionError(f"could not run {SCRIPT}: {exc}") from exc
    if proc.stdout.strip():
        print(proc.stdout.strip())
    missing = [f for f in _required_files(app, config) if not f.is_file()]
    if proc.returncode != 0 or missing:
        raise ExtensionError(
            "The handbook's offline JavaScript (MathJax, RequireJS, widget manager) is missing "
            f"and {SCRIPT.name} could not fetch it.\n{proc.stderr.strip()}\n"
            f"Missing: {', '.join(str(m) for m in missing) or '-'}\n"
            "Fetch it with `bash book/fetch_assets.sh` (needs npm or access to the npm "
            "registry) and build again.")


def _static_files_changed(app: Sphinx) -> bool:
    """True when one of the handbook's own static files differs from its copy in the output."""
    out = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        src_dir = Path(app.confdir, entry).resolve()
        if not src_dir.is_dir() or BOOK not in src_dir.parents:
            continue  # extensions' static folders (templates etc.) are not ours
        for src in src_dir.rglob("*"):
            rel = src.relative_to(src_dir)
            if not src.is_file() or any(part.startswith(".") for part in rel.parts):
                continue  # Sphinx does not copy hidden files
            dest = out / rel
            try:
                d, s = dest.stat(), src.stat()
            except FileNotFoundError:
                return True
            # Sphinx copies the source's modification time along with the file.
            if d.st_size != s.st_size or s.st_mtime > d.st_mtime + 1:
                return True
    return False


def rewrite_when_static_changed(app: Sphinx, env, added, changed, removed) -> list[str]:
    if app.builder is None or app.builder.format != "html" or added or changed:
        return []
    if _static_files_changed(app):
        return [app.config.root_doc]
    return []


def _has_code_cells(docname: str, text: str) -> bool:
    if docname.startswith(NOT_EXECUTED):
        return False
    return "{code-cell}" in text or '"cell_type": "code"' in text


def note_code_dependencies(app: Sphinx, docname: str, source: list[str]) -> None:
    """Make executed pages depend on the library (and the data) they run."""
    if not _has_code_cells(docname, source[0]):
        return
    for path in sorted((ROOT / "pecdata").rglob("*.py")):
        app.env.note_dependency(str(path))
    data = os.environ.get("PECDATA_DIR")
    if data and Path(data, ".complete").is_file():
        app.env.note_dependency(str(Path(data, ".complete").resolve()))


def setup(app: Sphinx) -> dict:
    # Before Sphinx validates html_static_path (config-inited, priority 500).
    app.connect("config-inited", ensure_offline_assets, priority=100)
    app.connect("env-get-outdated", rewrite_when_static_changed)
    app.connect("source-read", note_code_dependencies)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
