"""An evaluation run as one self-contained HTML page, and a short Markdown summary for a pull request.

The HTML comes from the Jinja2 template `templates/report.html.j2`, rendered with autoescaping on: every
piece of text from a question set, an eval record or the run's metadata reaches the page only through
Jinja2's escaping. The page has no network references at all: inline CSS, charts as inline SVG (their
geometry is computed here, as numbers), no JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .compare import Comparison
from .metrics import EvalResult, QuestionResult, format_value, metric_definitions

TITLE = "inspection-qa evaluation"
TEMPLATE = "report.html.j2"
KIND_CHART_METRICS = ("hit@5", "cited", "abstention", "false_abstention")
# why a by-kind chart has nothing to draw when no kind has a value for its metric
KIND_CHART_NO_DATA = {
    "hit@5": "no answerable question in this set has evidence",
    "cited": "no answerable question in this set has evidence",
    "abstention": "no unanswerable questions in this set",
    "false_abstention": "no answerable questions in this set",
}
KIND_TABLE_KEYS = ("questions", "hit@5", "cited", "abstention", "false_abstention")

GOOD = "#1a7f37"
BAD = "#cf222e"
BAR = "#3b6fb6"
MUTED = "#6e7781"


def _blank_none(value: Any) -> Any:
    """A missing value (None) prints as nothing, not as "None"; anything else is left for autoescaping."""
    return "" if value is None else value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for the report: templates from this package, autoescaping always on."""
    return Environment(
        loader=PackageLoader("evaluation", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        finalize=_blank_none,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def format_delta(metric: str, delta: float | None) -> str:
    if delta is None:
        return "n/a"
    sign = "+" if delta > 0 else ("" if delta < 0 else "±")
    return sign + format_value(metric, float(delta))


def ordered(questions: Iterable[QuestionResult]) -> list[QuestionResult]:
    """Failures first, then passes; each group in run order."""
    questions = list(questions)
    return [q for q in questions if not q.passed] + [q for q in questions if q.passed]


# -- SVG chart geometry (the template draws it) -----------------------------------------------

def bar_chart_geometry(metric: str, by_kind: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Horizontal bars, one per question kind, on a 0–1 scale: positions and sizes for the template."""
    label_w, bar_w, value_w, row_h, top = 112, 112, 46, 26, 30
    width = label_w + bar_w + value_w
    height = top + max(1, len(by_kind)) * row_h + 8
    rows = []
    for i, (kind, summary) in enumerate(by_kind.items()):
        y = top + i * row_h
        value = summary.get(metric)
        rows.append({
            "kind": kind, "text_y": y + 15, "bar_y": y + 2,
            "value": None if value is None else format_value(metric, value),
            "bar_w": None if value is None else f"{max(0.0, min(1.0, float(value))) * bar_w:.1f}",
        })
    return {
        "metric": metric, "label": f"{metric} by question kind", "width": width, "height": height,
        "axis_x": label_w, "axis_y1": top - 4, "axis_y2": height - 6, "label_x": label_w - 6,
        "inset_x": label_w + 6, "empty_y": top + 16, "value_x": label_w + bar_w + 6,
        "track_w": bar_w, "bar_h": row_h - 8, "color": BAD if metric == "false_abstention" else BAR, "rows": rows,
    }


def _ms(value: float, span: float) -> str:
    return f"{value:.0f}" if span >= 20 else f"{value:.1f}"


def latency_histogram_geometry(latencies: list[float]) -> dict[str, Any]:
    """Counts of questions per latency bin (ms): positions, sizes and labels for the template."""
    width, height = 600, 240
    left, right, top, bottom = 44, 16, 44, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    chart: dict[str, Any] = {"label": "latency per question (ms)", "width": width, "height": height,
                             "left": left, "top": top, "empty_y": top + 20, "empty": not latencies}
    if not latencies:
        return chart
    bins = max(1, min(12, math.ceil(math.sqrt(len(latencies))) + 1))
    counts, edges = np.histogram(np.asarray(latencies, dtype=float), bins=bins)
    peak = int(counts.max()) or 1
    span = float(edges[-1] - edges[0])
    bw = plot_w / len(counts)
    base = top + plot_h
    ticks = []
    for tick in sorted({0, peak // 2, peak}):
        y = base - tick / peak * plot_h
        ticks.append({"y": f"{y + 4:.1f}", "label": tick})
    bars = []
    for i, count in enumerate(counts):
        x = left + i * bw
        h = count / peak * plot_h
        bars.append({"x": f"{x + 1:.1f}", "y": f"{base - h:.1f}", "width": f"{max(bw - 2, 1):.1f}",
                     "height": f"{h:.1f}", "lo": _ms(edges[i], span), "hi": _ms(edges[i + 1], span),
                     "count": int(count), "label_x": f"{x + bw / 2:.1f}", "label_y": f"{base - h - 4:.1f}"})
    step = max(1, math.ceil((len(edges)) / 7))  # at most ~7 edge labels
    chart.update(
        base=base, right_x=left + plot_w, tick_x=left - 6, color=BAR, ticks=ticks, bars=bars,
        edges=[{"x": f"{left + i * bw:.1f}", "label": _ms(edges[i], span)} for i in range(0, len(edges), step)],
        edge_y=base + 16, footer_x=f"{left + plot_w / 2:.1f}", footer_y=height - 6, n=len(latencies),
    )
    return chart


# -- HTML --------------------------------------------------------------------------------------

def _metric_rows(result: EvalResult, comparison: Comparison | None) -> list[dict[str, Any]]:
    rows = []
    for metric, definition in metric_definitions(result.summary).items():
        value = result.summary.get(metric)
        row = {"metric": metric, "definition": definition, "value": format_value(metric, value)}
        if comparison is not None:
            old, _new, delta = comparison.deltas.get(metric, (None, value, None))
            verdict = comparison.improved(metric) if metric in comparison.deltas else None
            row.update(old=format_value(metric, old), change=format_delta(metric, delta),
                       verdict={True: "better", False: "worse", None: "same"}[verdict])
        rows.append(row)
    return rows


def _citation(c: dict, valid: bool | None) -> dict[str, Any]:
    page = c.get("page")  # as shown: the printed label where the file defines one
    pages = c.get("page_labels") or c.get("pages") or ([page] if page is not None else [])
    return {
        "marker": c.get("marker"), "document": c.get("document") or "?", "date": c.get("date") or "undated",
        "where": "p. " + ", ".join(str(p) for p in pages) if pages else "no page",
        "invalid": valid is False, "quote": c.get("quote", ""),
    }


def _rank_note(rank: int | None) -> str:
    return f"retrieved at rank {rank}" if rank is not None else "not in the retrieved passages"


def _question(q: QuestionResult, anchor: str) -> dict[str, Any]:
    notes = []
    if q.abstained:
        notes.append("declined to answer" + ("" if q.answerable else " (correctly: unanswerable)"))
    elif not q.answerable:
        notes.append("answered an unanswerable question")
    withheld = [s for s in q.sentences if not s.get("supported")]
    if q.model:
        notes.append(f"written by {q.model}: " + (
            f"{len(q.sentences) - len(withheld)} of {len(q.sentences)} sentences supported" if q.sentences else "no sentences"))
    valid = list(q.valid) + [None] * (len(q.citations) - len(q.valid))
    return {
        "anchor": anchor, "status": "pass" if q.passed else "fail", "passed": str(q.passed).lower(),
        "id": q.id, "kind": q.kind, "question": q.question,
        "searched": q.searched_question if q.searched_question and q.searched_question != q.question else None,
        "notes": notes, "answer": q.answer,
        "citations": [_citation(c, v) for c, v in zip(q.citations, valid)],
        "missed": [{"evidence": e, "note": _rank_note(r)} for e, r, c in zip(q.evidence, q.ranks, q.cited) if not c],
        "withheld": [{"text": s.get("text", ""), "reason": s.get("reason", "")} for s in withheld],
    }


def _flips(ids: list[str], anchors: dict[str, str]) -> list[dict[str, Any]]:
    return [{"id": i, "anchor": anchors.get(i)} for i in ids]


def render_html(result: EvalResult, comparison: Comparison | None = None, meta: dict | None = None) -> str:
    """One self-contained HTML page: metrics, charts, flips, warnings and every question."""
    questions = ordered(result.questions)
    anchors = {q.id: f"q{i}" for i, q in enumerate(questions)}
    failed = sum(1 for q in questions if not q.passed)
    return environment().get_template(TEMPLATE).render(
        title=TITLE,
        meta=list((meta or {}).items()),
        total=len(questions), passed=len(questions) - failed, failed=failed,
        compared=comparison is not None,
        metric_rows=_metric_rows(result, comparison),
        kind_charts=[bar_chart_geometry(m, result.by_kind) for m in KIND_CHART_METRICS],
        kind_keys=KIND_TABLE_KEYS,
        kind_rows=[{"kind": kind, "cells": [format_value(k, s.get(k)) for k in KIND_TABLE_KEYS]}
                   for kind, s in result.by_kind.items()],
        latency=latency_histogram_geometry([q.latency_ms for q in result.questions]),
        newly_failed=_flips(comparison.newly_failed, anchors) if comparison is not None else [],
        newly_passed=_flips(comparison.newly_passed, anchors) if comparison is not None else [],
        warnings=list(result.warnings),
        questions=[_question(q, anchors[q.id]) for q in questions],
    )


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
    for metric in metric_definitions(result.summary):
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
