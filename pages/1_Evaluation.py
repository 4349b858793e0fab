"""Evaluation: upload a question set (CSV or JSON Lines), run it, see the metrics, download the results.

The second page of the Streamlit app (`streamlit run app.py`; Streamlit lists files in pages/).
It shares the chat page's service (index and model) through `inspection_qa.app_service.get_service`.

Document text is untrusted: it reaches the page through dataframes (plain text) or through
`escape_markdown` / `escape_line`, never through `unsafe_allow_html`.

Tests and automation can skip the uploader: with `st.session_state["questions_path"]` set to a
question-set file on the server, the page reads that file instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import json  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.errors import InspectionQAError, QuestionSetError  # noqa: E402
from core.settings import Settings  # noqa: E402
from evaluation.metrics import METRICS, EvalResult, format_value, score, score_record  # noqa: E402
from evaluation.questions import Question, load_questions, unmatched_evidence  # noqa: E402
from evaluation.report import KIND_CHART_METRICS, ordered, render_html, render_markdown  # noqa: E402
from evaluation.runner import question_dicts, run_question  # noqa: E402
from inspection_qa.access import require_user  # noqa: E402
from inspection_qa.app_service import get_service  # noqa: E402
from inspection_qa.markdown_safe import escape_line, escape_markdown  # noqa: E402
from inspection_qa.service import QAService  # noqa: E402

MAX_WARNINGS_SHOWN = 20
RESULT_KEY = "evaluation_run"

st.set_page_config(page_title="Evaluation · Inspection QA", page_icon=":material/fact_check:", layout="wide")
user = require_user()  # with a login configured, this page is closed to anyone not logged in


# -- the work, as plain functions ------------------------------------------------------------

def doc_texts(service: QAService) -> dict[str, str]:
    """File name -> stored text of every ingested document (for citation validity)."""
    docstore = service.index.docstore
    return {m.filename: docstore.text(m.doc_id) or "" for m in docstore.documents()}


def parse_upload(name: str, data: bytes) -> list[Question]:
    """Parse an uploaded question set by way of a temporary file; errors name the upload, not the temp path."""
    safe = Path(name).name or "questions.jsonl"
    suffix = Path(safe).suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise QuestionSetError(f"{safe}: expected a .csv or .jsonl file")
    with tempfile.TemporaryDirectory(prefix="inspection-qa-questions-") as tmp:
        path = Path(tmp) / ("questions" + suffix)
        path.write_bytes(data)
        try:
            return load_questions(path)
        except QuestionSetError as exc:
            raise QuestionSetError(str(exc).replace(str(path), safe)) from None


def evaluate(service: QAService, questions: list[Question], texts: dict[str, str],
             on_step: Callable[[int, int, float | None], None] | None = None,
             warnings: list[str] | None = None) -> tuple[list[dict], EvalResult]:
    """Answer every question in turn; `on_step(done, total, hit@5 so far)` after each one.

    A failure part-way (the index changed, the model failed) keeps what was answered and says so
    in the result's warnings."""
    qdicts = question_dicts(questions)
    by_id = {q["id"]: q for q in qdicts}
    warnings = list(warnings or [])
    records: list[dict] = []
    hits = total = 0
    service.index.embedder.embed_query("warm up")  # latencies are measured with the model loaded
    for i, q in enumerate(questions, start=1):
        try:
            record = run_question(service, q)
        except InspectionQAError as exc:
            warnings.append(f"stopped after {i - 1} of {len(questions)} questions: {exc}")
            break
        records.append(record)
        ranks = score_record(record, by_id[q.id], None).ranks
        hits += sum(1 for r in ranks if r is not None and r <= 5)
        total += len(ranks)
        if on_step:
            on_step(i, len(questions), hits / total if total else None)
    return records, score(records, qdicts, texts, warnings)


def records_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def metric_frame(result: EvalResult) -> pd.DataFrame:
    return pd.DataFrame(
        [{"metric": m, "value": format_value(m, result.summary.get(m)), "definition": d} for m, d in METRICS.items()]
    ).set_index("metric")


def kind_frame(result: EvalResult) -> pd.DataFrame:
    rows = {kind: {m: s.get(m) for m in ("questions", *KIND_CHART_METRICS)} for kind, s in result.by_kind.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("kind")


def question_frame(result: EvalResult) -> pd.DataFrame:
    return pd.DataFrame([
        {"result": "pass" if q.passed else "FAIL", "id": q.id, "kind": q.kind, "question": q.question,
         "answer": q.answer, "citations": len(q.citations), "missed evidence": " || ".join(q.missed_evidence)}
        for q in ordered(result.questions)
    ])


def report_meta(service: QAService, source: str, questions: int) -> dict[str, str]:
    status = service.status()
    return {
        "question set": source,
        "questions": str(questions),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "data folder": str(service.settings.data_dir),
        "model": str(status.get("model")),
        "documents": str(status.get("documents")),
    }


def progress_text(done: int, total: int, hit5: float | None) -> str:
    return f"{done}/{total} questions · hit@5 so far {format_value('hit@5', hit5)}"


def cell(value):
    """A by-kind table cell: fractions to three places, missing values as n/a."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format_value("", value) if isinstance(value, float) else value


def show_error(exc: Exception) -> None:
    st.error("Error: " + escape_line(str(exc)), icon=":material/error:")


def show_results(run: dict) -> None:
    result: EvalResult = run["result"]
    failed = [q for q in result.questions if not q.passed]
    st.subheader("Results")
    st.caption(
        f"{escape_line(run['meta']['question set'])} · {escape_line(run['meta']['date'])} · "
        f"{len(result.questions) - len(failed)} of {len(result.questions)} questions passed"
    )
    for warning in result.warnings:
        if warning.startswith("stopped after"):
            st.warning(escape_markdown(warning), icon=":material/warning:")

    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Metrics**")
        st.dataframe(metric_frame(result), width="stretch")
    with right:
        st.markdown("**By question kind**")
        st.dataframe(kind_frame(result).map(cell), width="stretch")

    frame = kind_frame(result)
    if not frame.empty:
        cols = st.columns(len(KIND_CHART_METRICS))
        for col, metric in zip(cols, KIND_CHART_METRICS):
            with col:
                st.markdown(f"**{escape_markdown(metric)}** by kind")
                st.bar_chart(frame[[metric]].astype(float).fillna(0.0), height=220, y_label="", x_label="")

    st.markdown("**Questions** (failures first)")
    st.dataframe(question_frame(result), width="stretch", hide_index=True)

    stem = Path(run["meta"]["question set"]).stem or "questions"
    a, b, c = st.columns(3)
    a.download_button("Download records (JSONL)", run["records_jsonl"], file_name=f"{stem}-results.jsonl",
                      mime="application/jsonl", icon=":material/download:", key="download_records")
    b.download_button("Download HTML report", run["html"], file_name=f"{stem}-report.html", mime="text/html",
                      icon=":material/download:", key="download_html")
    c.download_button("Download summary (Markdown)", run["markdown"], file_name=f"{stem}-report.md",
                      mime="text/markdown", icon=":material/download:", key="download_markdown")


# -- the page --------------------------------------------------------------------------------
st.title("Evaluate a question set")
st.caption(
    "Upload a question set (JSON Lines as in FORMAT.md, or CSV with the columns "
    "id, question, history, evidence, answerable, reference\\_answer), run it, and download the results."
)

try:
    settings = Settings.from_env(os.environ)
    service = get_service(str(settings.data_dir), settings.embedding_model, settings.embedder)
    service.index.refresh()
    if service.status()["documents"] == 0:
        st.info(
            f"The index in {escape_line(str(settings.data_dir))} is empty. Ingest the letters first: run "
            "`inspection-qa ingest corpus/`, then reload this page.",
            icon=":material/info:",
        )
        st.stop()
    texts = doc_texts(service)
except InspectionQAError as exc:
    show_error(exc)
    st.stop()

questions: list[Question] | None = None
source = ""
preset = st.session_state.get("questions_path")
try:
    if preset:
        source = Path(preset).name
        questions = load_questions(Path(preset))
    else:
        upload = st.file_uploader("Question set", type=["csv", "jsonl"], key="question_file")
        if upload is not None:
            source = Path(upload.name).name
            questions = parse_upload(upload.name, upload.getvalue())
except QuestionSetError as exc:
    st.error(escape_line(str(exc)), icon=":material/error:")
    questions = None

if questions:
    kinds = pd.Series([q.question_kind for q in questions]).value_counts()
    st.markdown(
        f"**{len(questions)} questions** in {escape_line(source)}: "
        + ", ".join(f"{n} {escape_line(k)}" for k, n in kinds.items())
    )
    unmatched = unmatched_evidence(questions, texts)
    if unmatched:
        shown = "\n".join(f"- {escape_line(w)}" for w in unmatched[:MAX_WARNINGS_SHOWN])
        more = f"\n\n…and {len(unmatched) - MAX_WARNINGS_SHOWN} more." if len(unmatched) > MAX_WARNINGS_SHOWN else ""
        st.warning(
            f"{len(unmatched)} evidence string(s) stand in no ingested document; those questions will fail "
            f"whatever the tool does:\n\n{shown}{more}",
            icon=":material/warning:",
        )

    if st.button("Run evaluation", type="primary", icon=":material/play_arrow:", key="run_evaluation"):
        bar = st.progress(0.0, text=progress_text(0, len(questions), None))

        def step(done: int, total: int, hit5: float | None) -> None:
            bar.progress(done / total, text=progress_text(done, total, hit5))

        try:
            with st.spinner("Answering the questions…"):
                records, result = evaluate(service, questions, texts, on_step=step, warnings=unmatched)
        except InspectionQAError as exc:
            show_error(exc)
        else:
            meta = report_meta(service, source, len(questions))
            st.session_state[RESULT_KEY] = {
                "meta": meta, "result": result, "records_jsonl": records_jsonl(records),
                "html": render_html(result, meta=meta), "markdown": render_markdown(result, meta=meta),
            }
            bar.empty()
elif not preset and st.session_state.get("question_file") is None:
    st.info("Upload a question set to begin.", icon=":material/upload_file:")

if RESULT_KEY in st.session_state:
    show_results(st.session_state[RESULT_KEY])
