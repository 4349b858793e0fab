"""An evaluation run as one self-contained HTML page, and a short Markdown summary for a pull request.

The HTML has no network references at all: inline CSS, charts as inline SVG drawn here, no
JavaScript. Every piece of text (answers and quotes come from documents, questions from a
question set) goes through `html.escape`.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .compare import Comparison
from .metrics import METRICS, EvalResult, QuestionResult, format_value

TITLE = "inspection-qa evaluation"
KIND_CHART_METRICS = ("hit@5", "cited", "abstention", "false_abstention")
KIND_TABLE_KEYS = ("questions", "hit@5", "cited", "abstention", "false_abstention")

GOOD = "#1a7f37"
BAD = "#cf222e"
BAR = "#3b6fb6"
MUTED = "#6e7781"


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def format_delta(metric: str, delta: float | None) -> str:
    if delta is None:
        return "n/a"
    sign = "+" if delta > 0 else ("" if delta < 0 else "±")
    return sign + format_value(metric, float(delta))


def ordered(questions: Iterable[QuestionResult]) -> list[QuestionResult]:
    """Failures first, then passes; each group in run order."""
    questions = list(questions)
    return [q for q in questions if not q.passed] + [q for q in questions if q.passed]


# -- SVG charts ------------------------------------------------------------------------------

def _svg_open(width: int, height: int, label: str, cls: str = "chart") -> str:
    return (f'<svg class="{cls}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{esc(label)}"><title>{esc(label)}</title>')


def bar_chart(metric: str, by_kind: dict[str, dict[str, Any]]) -> str:
    """Horizontal bars, one per question kind, on a 0–1 scale."""
    label_w, bar_w, value_w, row_h, top = 112, 112, 46, 26, 30
    width = label_w + bar_w + value_w
    rows = list(by_kind.items())
    height = top + max(1, len(rows)) * row_h + 8
    out = [_svg_open(width, height, f"{metric} by question kind") + "\n",
           f'<text x="0" y="18" class="chart-title">{esc(metric)} by kind</text>\n',
           f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{height - 6}" stroke="#8c959f"/>\n']
    if not rows:
        out.append(f'<text x="{label_w + 6}" y="{top + 16}" class="na">no questions</text>\n')
    for i, (kind, summary) in enumerate(rows):
        y = top + i * row_h
        value = summary.get(metric)
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{esc(kind)}</text>\n')
        out.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 8}" fill="#eaeef2"/>\n')
        if value is None:
            out.append(f'<text x="{label_w + 6}" y="{y + 15}" class="na">n/a</text>\n')
            continue
        w = max(0.0, min(1.0, float(value))) * bar_w
        color = BAD if metric == "false_abstention" else BAR
        out.append(f'<rect class="bar" x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 8}" '
                   f'fill="{color}"><title>{esc(kind)}: {esc(format_value(metric, value))}</title></rect>\n')
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{esc(format_value(metric, value))}</text>\n')
    out.append("</svg>")
    return "".join(out)


def _ms(value: float, span: float) -> str:
    return f"{value:.0f}" if span >= 20 else f"{value:.1f}"


def latency_histogram(latencies: list[float]) -> str:
    """Counts of questions per latency bin (ms)."""
    width, height = 600, 240
    left, right, top, bottom = 44, 16, 44, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [_svg_open(width, height, "latency per question (ms)") + "\n",
           '<text x="0" y="18" class="chart-title">latency per question (ms)</text>\n']
    if not latencies:
        out.append(f'<text x="{left}" y="{top + 20}" class="na">no questions</text></svg>')
        return "".join(out)
    bins = max(1, min(12, math.ceil(math.sqrt(len(latencies))) + 1))
    counts, edges = np.histogram(np.asarray(latencies, dtype=float), bins=bins)
    peak = int(counts.max()) or 1
    span = float(edges[-1] - edges[0])
    bw = plot_w / len(counts)
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#8c959f"/>\n')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#8c959f"/>\n')
    for tick in sorted({0, peak // 2, peak}):
        y = base - tick / peak * plot_h
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>\n')
    for i, count in enumerate(counts):
        x = left + i * bw
        h = count / peak * plot_h
        lo, hi = _ms(edges[i], span), _ms(edges[i + 1], span)
        out.append(f'<rect class="bar" x="{x + 1:.1f}" y="{base - h:.1f}" width="{max(bw - 2, 1):.1f}" '
                   f'height="{h:.1f}" fill="{BAR}"><title>{lo}–{hi} ms: {int(count)}</title></rect>\n')
        if count:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                       f'class="tick">{int(count)}</text>\n')
    step = max(1, math.ceil((len(edges)) / 7))  # at most ~7 edge labels
    for i in range(0, len(edges), step):
        x = left + i * bw
        out.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" class="tick">'
                   f'{_ms(edges[i], span)}</text>\n')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
               f'ms per question ({len(latencies)} questions)</text>\n')
    out.append("</svg>")
    return "".join(out)


# -- HTML --------------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 24px auto; max-width: 1200px; padding: 0 20px; color: #1f2328; line-height: 1.4; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 4px; margin-top: 32px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.meta dt { font-weight: 600; color: #57606a; }
dl.meta dd { margin: 0; }
.headline { font-size: 1.1em; margin: 8px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table#metrics td.def { color: #57606a; }
td.better { color: #1a7f37; background: #dafbe1; font-weight: 600; }
td.worse { color: #cf222e; background: #ffebe9; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 20px 24px; }
svg.chart { font-size: 12px; fill: #1f2328; overflow: visible; }
svg.chart .chart-title { font-weight: 600; font-size: 13px; }
svg.chart .na, svg.chart .tick { fill: #57606a; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600;
         font-size: 12px; }
.badge.pass { background: #1a7f37; }
.badge.fail { background: #cf222e; }
tr.fail td:first-child { border-left: 4px solid #cf222e; }
tr.pass td:first-child { border-left: 4px solid #1a7f37; }
table#questions td { overflow-wrap: break-word; }
table#questions td.nowrap { white-space: nowrap; }
table#questions .text { white-space: pre-wrap; }
.searched { color: #57606a; font-size: 13px; margin-top: 4px; }
.note { color: #9a6700; font-size: 13px; }
ol.citations { margin: 0; padding-left: 20px; }
ol.citations li { margin-bottom: 6px; }
.cite-meta { color: #57606a; font-size: 12px; }
blockquote { margin: 2px 0 0; padding: 2px 8px; border-left: 3px solid #d0d7de; white-space: pre-wrap; }
.invalid { color: #cf222e; font-weight: 600; font-size: 12px; }
ul.missed { margin: 0; padding-left: 18px; color: #cf222e; }
ul.warnings li { color: #9a6700; }
.flips { display: flex; gap: 48px; flex-wrap: wrap; }
"""


def _metric_table(result: EvalResult, comparison: Comparison | None) -> str:
    if comparison is None:
        head = '<tr><th>metric</th><th class="num">value</th><th>definition</th></tr>'
    else:
        head = ('<tr><th>metric</th><th class="num">old</th><th class="num">new</th>'
                '<th class="num">change</th><th>definition</th></tr>')
    rows = []
    for metric, definition in METRICS.items():
        value = result.summary.get(metric)
        if comparison is None:
            cells = f'<td class="num">{esc(format_value(metric, value))}</td>'
        else:
            old, _new, delta = comparison.deltas.get(metric, (None, value, None))
            verdict = comparison.improved(metric) if metric in comparison.deltas else None
            cls = {True: "better", False: "worse", None: "same"}[verdict]
            cells = (f'<td class="num">{esc(format_value(metric, old))}</td>'
                     f'<td class="num">{esc(format_value(metric, value))}</td>'
                     f'<td class="num {cls}">{esc(format_delta(metric, delta))}</td>')
        rows.append(f'<tr data-metric="{esc(metric)}"><th>{esc(metric)}</th>{cells}'
                    f'<td class="def">{esc(definition)}</td></tr>')
    return f'<table id="metrics"><thead>{head}</thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def _kind_table(by_kind: dict[str, dict[str, Any]]) -> str:
    head = "<tr><th>kind</th>" + "".join(f'<th class="num">{esc(k)}</th>' for k in KIND_TABLE_KEYS) + "</tr>"
    rows = [f"<tr><th>{esc(kind)}</th>" + "".join(f'<td class="num">{esc(format_value(k, s.get(k)))}</td>'
                                                  for k in KIND_TABLE_KEYS) + "</tr>"
            for kind, s in by_kind.items()]
    return f'<table id="by-kind"><thead>{head}</thead><tbody>' + "".join(rows) + "</tbody></table>"


def _citation(c: dict, valid: bool | None) -> str:
    page = c.get("page")
    pages = c.get("pages") or ([page] if page is not None else [])
    where = "p. " + ", ".join(str(p) for p in pages) if pages else "no page"
    parts = [esc(c.get("document") or "?"), esc(c.get("date") or "undated"), esc(where)]
    flag = ' <span class="invalid">not verbatim in its document</span>' if valid is False else ""
    marker = f"[{esc(c.get('marker'))}] " if c.get("marker") is not None else ""
    return (f'<li><div class="cite-meta">{marker}{" · ".join(parts)}{flag}</div>'
            f'<blockquote>{esc(c.get("quote", ""))}</blockquote></li>')


def _rank_note(rank: int | None) -> str:
    return f"retrieved at rank {rank}" if rank is not None else "not in the retrieved passages"


def _question_row(q: QuestionResult, anchor: str) -> str:
    status = "pass" if q.passed else "fail"
    question = f'<div class="text">{esc(q.question)}</div>'
    if q.searched_question and q.searched_question != q.question:
        question += f'<div class="searched">searched as: {esc(q.searched_question)}</div>'
    notes = []
    if q.abstained:
        notes.append("declined to answer" + ("" if q.answerable else " (correctly: unanswerable)"))
    elif not q.answerable:
        notes.append("answered an unanswerable question")
    answer = "".join(f'<div class="note">{esc(n)}</div>' for n in notes) + f'<div class="text">{esc(q.answer)}</div>'
    if q.citations:
        valid = list(q.valid) + [None] * (len(q.citations) - len(q.valid))
        citations = '<ol class="citations">' + "".join(_citation(c, v) for c, v in zip(q.citations, valid)) + "</ol>"
    else:
        citations = '<span class="na">none</span>'
    missed = [(e, r) for e, r, c in zip(q.evidence, q.ranks, q.cited) if not c]
    if missed:
        missed_html = '<ul class="missed">' + "".join(
            f'<li>{esc(e)} <span class="cite-meta">({esc(_rank_note(r))})</span></li>' for e, r in missed) + "</ul>"
    else:
        missed_html = ""
    return (f'<tr id="{anchor}" class="question {status}" data-id="{esc(q.id)}" data-passed="{str(q.passed).lower()}">'
            f'<td class="nowrap"><span class="badge {status}">{status}</span></td>'
            f'<td class="nowrap">{esc(q.id)}</td>'
            f"<td>{esc(q.kind)}</td><td>{question}</td><td>{answer}</td>"
            f"<td>{citations}</td><td>{missed_html}</td></tr>")


def _flip_list(title: str, ids: list[str], anchors: dict[str, str], cls: str) -> str:
    items = "".join(
        f'<li><a href="#{anchors[i]}">{esc(i)}</a></li>' if i in anchors else f"<li>{esc(i)}</li>" for i in ids
    ) or "<li>none</li>"
    return f'<div><h3>{esc(title)}</h3><ul id="{cls}">{items}</ul></div>'


def render_html(result: EvalResult, comparison: Comparison | None = None, meta: dict | None = None) -> str:
    """One self-contained HTML page: metrics, charts, flips, warnings and every question."""
    questions = ordered(result.questions)
    anchors = {q.id: f"q{i}" for i, q in enumerate(questions)}
    failed = [q for q in questions if not q.passed]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(TITLE)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{esc(TITLE)}</h1>",
    ]
    if meta:
        parts.append('<dl class="meta">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta.items())
                     + "</dl>")
    parts.append(f'<p class="headline"><strong>{len(questions) - len(failed)}</strong> of '
                 f'<strong>{len(questions)}</strong> questions passed, <strong>{len(failed)}</strong> failed.</p>'
                 "</header>")

    parts.append("<section><h2>Metrics</h2>" + _metric_table(result, comparison) + "</section>")

    parts.append('<section><h2>By question kind</h2><div class="charts" id="kind-charts">')
    parts.extend(bar_chart(m, result.by_kind) for m in KIND_CHART_METRICS)
    parts.append("</div>" + _kind_table(result.by_kind) + "</section>")

    parts.append('<section><h2>Latency</h2><div class="charts" id="latency">'
                 + latency_histogram([q.latency_ms for q in result.questions]) + "</div></section>")

    if comparison is not None:
        parts.append('<section id="flips"><h2>Changes since the previous run</h2><div class="flips">'
                     + _flip_list("pass → fail", comparison.newly_failed, anchors, "newly-failed")
                     + _flip_list("fail → pass", comparison.newly_passed, anchors, "newly-passed")
                     + "</div></section>")

    if result.warnings:
        parts.append('<section id="warnings"><h2>Warnings</h2><ul class="warnings">'
                     + "".join(f"<li>{esc(w)}</li>" for w in result.warnings) + "</ul></section>")

    parts.append(
        "<section><h2>Questions (failures first)</h2>"
        '<table id="questions"><thead><tr><th>result</th><th>id</th><th>kind</th><th>question</th>'
        '<th style="width:24%">answer</th><th style="width:30%">citations</th><th>missed evidence</th></tr></thead>'
        "<tbody>\n" + "\n".join(_question_row(q, anchors[q.id]) for q in questions) + "\n</tbody></table></section>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


# -- Markdown ----------------------------------------------------------------------------------

_MD_SPECIALS = {ord(ch): "\\" + ch for ch in "\\`*_[]<>|~&$"}


def md_text(value: Any) -> str:
    """One line of literal text for GitHub Markdown: whitespace collapsed, markup characters escaped
    (lighter than `escape_markdown`, so the summary still reads well as source)."""
    return " ".join(str(value).split()).translate(_MD_SPECIALS)


def render_markdown(result: EvalResult, comparison: Comparison | None = None, meta: dict | None = None) -> str:
    """A short summary for a pull request description."""
    lines = [f"## {TITLE}", ""]
    if meta:
        lines += [" · ".join(f"**{md_text(str(k))}**: {md_text(str(v))}" for k, v in meta.items()), ""]
    if comparison is None:
        lines += ["| metric | value |", "|---|---:|"]
    else:
        lines += ["| metric | old | new | change |", "|---|---:|---:|---:|"]
    for metric in METRICS:
        value = format_value(metric, result.summary.get(metric))
        if comparison is None:
            lines.append(f"| `{metric}` | {value} |")
        else:
            old, _new, delta = comparison.deltas.get(metric, (None, None, None))
            verdict = comparison.improved(metric) if metric in comparison.deltas else None
            tag = {True: " (better)", False: " (worse)", None: ""}[verdict]
            lines.append(f"| `{metric}` | {format_value(metric, old)} | {value} | {format_delta(metric, delta)}{tag} |")
    lines += ["", "### By question kind", "",
              "| kind | " + " | ".join(f"`{k}`" for k in KIND_TABLE_KEYS) + " |",
              "|---|" + "---:|" * len(KIND_TABLE_KEYS)]
    for kind, s in result.by_kind.items():
        lines.append(f"| {md_text(kind)} | " + " | ".join(format_value(k, s.get(k)) for k in KIND_TABLE_KEYS) + " |")
    failed = [q.id for q in result.questions if not q.passed]
    lines += ["", f"**{len(failed)} of {len(result.questions)} questions fail**"
              + (": " + ", ".join(md_text(i) for i in failed) if failed else ".")]
    if comparison is not None:
        lines += ["", "### Flips", "",
                  "- pass → fail: " + (", ".join(md_text(i) for i in comparison.newly_failed) or "none"),
                  "- fail → pass: " + (", ".join(md_text(i) for i in comparison.newly_passed) or "none")]
    if result.warnings:
        lines += ["", f"{len(result.warnings)} warning(s) about the question set; see the HTML report."]
    return "\n".join(lines) + "\n"


def write_report(path: Path, result: EvalResult, comparison: Comparison | None = None,
                 meta: dict | None = None) -> tuple[Path, Path]:
    """The HTML at `path` and the Markdown beside it (same stem, `.md`); returns both paths."""
    path = Path(path)
    md_path = path.with_suffix(".md")
    if md_path == path:
        raise ValueError(f"{path}: give the HTML report a name that does not end in .md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, comparison, meta), encoding="utf-8")
    md_path.write_text(render_markdown(result, comparison, meta), encoding="utf-8")
    return path, md_path
