"""The overview of a cohort: a CSV, one self-contained HTML page and a terminal summary.

The page is a heatmap of participants (rows) by exercises (columns) in the verdicts'
colours, from the Okabe-Ito palette (safe for colour-blind readers) and with a symbol in
every cell, so that colour is never the only cue. Under it: the pass rate of each
exercise, who is stuck where (each participant's first exercise not yet right) and the
problems; every message is one click away in a ``<details>`` element. No script, no
external file: it opens from disk in any browser.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from datetime import UTC, datetime

from pecdata.teaching.course.verdicts import LABELS, VERDICTS, Verdict

__all__ = ["COLOURS", "SYMBOLS", "to_csv", "to_html", "summary", "exercise_order", "stuck"]

#: Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
COLOURS = {
    "correct": ("#009E73", "#ffffff"),
    "wrong": ("#E69F00", "#000000"),
    "not_started": ("#eeeeee", "#555555"),
    "error": ("#D55E00", "#ffffff"),
    "timeout": ("#CC79A7", "#000000"),
    "kernel_died": ("#000000", "#ffffff"),
    "unreadable": ("#56B4E9", "#000000"),
}
SYMBOLS = {
    "correct": "✓",
    "wrong": "✗",
    "not_started": "·",
    "error": "!",
    "timeout": "∞",
    "kernel_died": "☠",
    "unreadable": "?",
}
CSV_COLUMNS = ["participant", "notebook", "exercise", "verdict", "detail", "cell"]


def exercise_order(verdicts: list[Verdict]) -> list[str]:
    seen = {}
    for v in verdicts:
        seen.setdefault(v.exercise, (v.notebook, len(seen)))
    return sorted(seen, key=lambda e: seen[e])


def to_csv(verdicts: list[Verdict]) -> str:
    """One row per participant and exercise."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in verdicts:
        writer.writerow([getattr(v, c) for c in CSV_COLUMNS])
    return out.getvalue()


def stuck(verdicts: list[Verdict]) -> dict[str, Verdict]:
    """Each participant's first exercise that is not yet right (in the exercises' order)."""
    first: dict[str, Verdict] = {}
    for v in verdicts:
        if not v.passed and v.participant not in first:
            first[v.participant] = v
    return first


def _rates(verdicts, exercises):
    by = {e: [v for v in verdicts if v.exercise == e] for e in exercises}
    return {e: (sum(v.passed for v in vs), len(vs)) for e, vs in by.items()}


def summary(verdicts: list[Verdict], title: str = "Cohort") -> str:
    """A few lines for the terminal: counts, pass rates, who is stuck where, problems."""
    exercises = exercise_order(verdicts)
    people = sorted({v.participant for v in verdicts})
    counts = Counter(v.verdict for v in verdicts)
    lines = [
        f"{title}: {len(people)} participants x {len(exercises)} exercises",
        "  "
        + ", ".join(f"{counts[k]} {LABELS[k]}" for k in VERDICTS if counts[k])
        + ("" if verdicts else "nothing to show"),
        "Pass rate per exercise:",
    ]
    for e, (ok, n) in _rates(verdicts, exercises).items():
        lines.append(f"  {e:<18} {ok:>3}/{n:<3} {'#' * round(20 * ok / n) if n else ''}")
    where = stuck(verdicts)
    if where:
        lines.append("Stuck at (first exercise not yet right):")
        groups: dict[str, list[str]] = {}
        for person, v in where.items():
            groups.setdefault(f"{v.exercise} ({LABELS[v.verdict]})", []).append(person)
        for key in sorted(groups, key=lambda k: exercises.index(k.split(" ")[0])):
            lines.append(f"  {key}: {', '.join(groups[key])}")
    problems = [
        v for v in verdicts if v.verdict in ("error", "timeout", "kernel_died", "unreadable")
    ]
    if problems:
        lines.append("Notebooks that need a look:")
        for v in problems[:30]:
            where_ = f" {v.cell}" if v.cell else ""
            lines.append(
                f"  {v.participant} {v.exercise}: {LABELS[v.verdict]}{where_}: {v.detail}"[:160]
            )
        if len(problems) > 30:
            lines.append(f"  ... and {len(problems) - 30} more (see the CSV)")
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:0.85em}
th,td{border:1px solid #fff;padding:0;text-align:center;min-width:2.2em}
th.p{text-align:left;padding:0 0.6em;white-space:nowrap}
thead th{writing-mode:vertical-rl;transform:rotate(180deg);padding:0.4em 0.1em;font-weight:normal}
td.v{height:2em;font-size:1.1em}
td details summary{list-style:none;cursor:pointer;padding:0.3em}
td details summary::-webkit-details-marker{display:none}
td details[open]{position:relative}
td details div{position:absolute;z-index:2;left:0;top:2.2em;width:22em;background:#fff;color:#222;
 border:1px solid #888;padding:0.5em;text-align:left;font-size:0.9em;box-shadow:0 2px 6px #0004}
.legend span{display:inline-block;padding:0.2em 0.6em;margin:0.1em;border-radius:3px}
tfoot td{font-size:0.8em;color:#222;padding:0.2em}
.problems li{margin:0.3em 0}
"""


def _cell(v: Verdict) -> str:
    bg, fg = COLOURS[v.verdict]
    label = LABELS[v.verdict]
    title = html.escape(f"{v.participant}, {v.exercise}: {label}")
    symbol = SYMBOLS[v.verdict]
    text = " ".join(x for x in (v.cell, v.detail) if x)
    inner = (
        f"<details><summary>{symbol}</summary><div><strong>{html.escape(label)}</strong>"
        f"<br>{html.escape(text)}</div></details>"
        if text
        else symbol
    )
    return (
        f'<td class="v {v.verdict}" style="background:{bg};color:{fg}" title="{title}" '
        f'data-verdict="{v.verdict}">{inner}</td>'
    )


def to_html(verdicts: list[Verdict], title: str = "Cohort overview", source: str = "") -> str:
    """The overview as one HTML page (no scripts, no external files)."""
    exercises = exercise_order(verdicts)
    people = sorted({v.participant for v in verdicts})
    grid = {(v.participant, v.exercise): v for v in verdicts}
    head = "".join(f"<th>{html.escape(e)}</th>" for e in exercises)
    body = []
    for person in people:
        cells = "".join(
            _cell(grid[(person, e)]) if (person, e) in grid else "<td></td>" for e in exercises
        )
        done = sum(grid[(person, e)].passed for e in exercises if (person, e) in grid)
        body.append(
            f'<tr data-participant="{html.escape(person)}"><th class="p">{html.escape(person)}'
            f" <small>({done}/{len(exercises)})</small></th>{cells}</tr>"
        )
    rates = _rates(verdicts, exercises)
    foot = "".join(
        f'<td class="rate" data-exercise="{html.escape(e)}">{round(100 * ok / n) if n else 0}%</td>'
        for e, (ok, n) in rates.items()
    )
    legend = "".join(
        f'<span style="background:{COLOURS[k][0]};color:{COLOURS[k][1]}">{SYMBOLS[k]} '
        f"{html.escape(LABELS[k])}</span>"
        for k in VERDICTS
    )
    groups: dict[str, list[str]] = {}
    for person, v in stuck(verdicts).items():
        groups.setdefault(v.exercise, []).append(person)
    stuck_items = "".join(
        f"<li><strong>{html.escape(e)}</strong>: {html.escape(', '.join(groups[e]))}</li>"
        for e in exercises
        if e in groups
    )
    problems = "".join(
        f"<li><details><summary>{SYMBOLS[v.verdict]} {html.escape(v.participant)}, "
        f"{html.escape(v.exercise)}: {html.escape(LABELS[v.verdict])}</summary>"
        f"{html.escape(v.notebook)} {html.escape(v.cell)}<br><code>{html.escape(v.detail)}"
        "</code></details></li>"
        for v in verdicts
        if v.verdict in ("error", "timeout", "kernel_died", "unreadable")
    )
    counts = Counter(v.verdict for v in verdicts)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    tally = ", ".join(f"{counts[k]} {LABELS[k]}" for k in VERDICTS if counts[k])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p id="counts">{len(people)} participants, {len(exercises)} exercises
({html.escape(source)}, {stamp}): {tally}.
Click a symbol for its message.</p>
<p class="legend">{legend}</p>
<table id="heatmap"><thead><tr><th class="p">participant</th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody>
<tfoot><tr><th class="p">passed</th>{foot}</tr></tfoot></table>
<h2>Who is stuck where</h2>
<p>Each participant's first exercise that is not yet right.</p>
<ul id="stuck">{stuck_items or "<li>Nobody: every exercise is right.</li>"}</ul>
<h2>Notebooks that need a look</h2>
<ul class="problems" id="problems">{problems or "<li>None.</li>"}</ul>
</body></html>
"""
