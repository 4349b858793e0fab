"""Evaluation: upload a question set (CSV or JSON Lines), run it, see the metrics, download the results.

The second page of the Streamlit app (`streamlit run app.py`; Streamlit lists files in pages/).
It shares the chat page's service (index and model) through `inspection_qa.webapp.start_page`.
Question sets come only from the uploader: the page never reads a file of the server (it reads the
project's own docs/FORMAT.md and example set, to show and offer the format). They are held to the
app's one upload limit (`settings.max_upload_mb`, as on the Documents page) and parsed by
`inspection_qa.uploads.load_question_upload`; a file with bad lines is listed line by line.

Document text is untrusted: it reaches the page through dataframes (plain text) or through
`escape_markdown` / `escape_line`, never through `unsafe_allow_html`.
"""

from __future__ import annotations

from inspection_qa.webapp import show_error, start_page  # first: sets the offline defaults

import json  # noqa: E402
import math  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.errors import BadQuestionLinesError, InspectionQAError, QuestionSetError  # noqa: E402
from evaluation.metrics import METRICS, EvalResult, format_value, score  # noqa: E402
from evaluation.questions import CSV_COLUMNS, SEPARATOR, Question, format_guide, unmatched_evidence  # noqa: E402
from evaluation.report import KIND_CHART_METRICS, KIND_CHART_NO_DATA, ordered, render_html, render_markdown  # noqa: E402
from evaluation.runner import Progress, question_dicts  # noqa: E402
from inspection_qa.markdown_safe import escape_line, escape_markdown  # noqa: E402
from inspection_qa.service import QAService  # noqa: E402
from inspection_qa.uploads import load_question_upload, upload_limit_text  # noqa: E402

MAX_WARNINGS_SHOWN = 20
RESULT_KEY = "evaluation_run"

service, user = start_page("Evaluation · Inspection QA", ":material/fact_check:", heading="Evaluate a question set")


# -- the work, as plain functions ------------------------------------------------------------

def evaluate(service: QAService, questions: list[Question], texts: dict[str, str],
             on_progress=None, warnings: list[str] | None = None) -> tuple[list[dict], EvalResult]:
    """Run the set through the service's evaluation runner and score it; a run that stopped part-way
    keeps what was answered and says why in the result's warnings."""
    run = service.evaluate(questions, on_progress=on_progress)
    warnings = list(warnings or []) + ([run.stopped] if run.stopped else [])
    return run.records, score(run.records, question_dicts(questions), texts, warnings)


def records_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def metric_frame(result: EvalResult) -> pd.DataFrame:
    return pd.DataFrame(
        [{"metric": m, "value": format_value(m, result.summary.get(m))} for m in METRICS]
    ).set_index("metric")


def definition_frame() -> pd.DataFrame:
    """Each metric's definition, whole (a table wraps its text), from `evaluation.metrics.METRICS`."""
    return pd.DataFrame([{"metric": m, "definition": d} for m, d in METRICS.items()]).set_index("metric")


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


def progress_text(p: Progress) -> str:
    return f"{p.done}/{p.total} questions · hit@5 so far {format_value('hit@5', p.hit5)}"


def cell(value):
    """A by-kind table cell: fractions to three places, missing values as n/a."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format_value("", value) if isinstance(value, float) else value


# bars of a fraction per kind, always on a 0-1 axis (an all-zero metric draws no degenerate axis)
KIND_CHART_SPEC = {
    "mark": {"type": "bar", "tooltip": True},
    "encoding": {
        "x": {"field": "kind", "type": "nominal", "sort": None, "title": None},
        "y": {"field": "value", "type": "quantitative", "title": None, "scale": {"domain": [0, 1]}},
    },
    "height": 220,
}


def show_format() -> None:
    """The question-set format as docs/FORMAT.md states it: its fields, one example line, both files to download."""
    guide = format_guide()
    if guide is None:
        st.caption("docs/FORMAT.md, which describes the format, is not beside this copy of the app; "
                   "see the project's repository.")
        return
    st.markdown("A JSON Lines question set holds one question a line, a JSON object with these fields "
                "(docs/FORMAT.md):")
    if guide.fields:
        st.table(pd.DataFrame(guide.fields, columns=["field", "type", "meaning"]).set_index("field"))
    if guide.example_line:
        st.markdown("One line of the example set:")
        st.code(guide.example_line, language="json", wrap_lines=True)
    st.caption(escape_line(
        f"A CSV file has a header row naming its columns ({', '.join(CSV_COLUMNS)}; only id and question are "
        f"required); several evidence strings or history turns in one cell are separated by ' {SEPARATOR} '."))
    a, b = st.columns(2)
    a.download_button("Download FORMAT.md", guide.text, file_name="FORMAT.md", mime="text/markdown",
                      icon=":material/description:", key="download_format")
    if guide.example_text:
        b.download_button("Download the example set", guide.example_text, file_name="example-questions.jsonl",
                          mime="application/jsonl", icon=":material/download:", key="download_example")


def show_question_error(exc: QuestionSetError) -> None:
    """A refused question set: one line, or, for a file with several bad lines, each of them (up to the cap)."""
    if isinstance(exc, BadQuestionLinesError) and exc.count > 1:
        listed = "\n".join(f"- {escape_line(line)}" for line in exc.lines)
        more = f"\n\n…and {exc.unlisted} more bad line(s)." if exc.unlisted else ""
        st.error(
            f"{escape_line(exc.name)}: {exc.count} bad lines; nothing was run. Fix each line below and upload "
            f"the file again:\n\n{listed}{more}",
            icon=":material/error:",
        )
    else:
        st.error(escape_line(str(exc)), icon=":material/error:")


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

    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Metrics**")
        st.dataframe(metric_frame(result), width="stretch", height="content")  # every metric, no scrolling
    with right:
        st.markdown("**By question kind**")
        st.dataframe(kind_frame(result).map(cell), width="stretch")
    with st.expander("What each metric means"):
        st.table(definition_frame())

    frame = kind_frame(result)
    if not frame.empty:
        cols = st.columns(len(KIND_CHART_METRICS))
        for col, metric in zip(cols, KIND_CHART_METRICS):
            with col:
                st.markdown(f"**{escape_markdown(metric)}** by kind")
                values = frame[metric].astype(float).dropna()  # a kind with no such question draws no bar
                if values.empty:
                    st.caption(f"No data: {KIND_CHART_NO_DATA[metric]}.")
                else:
                    st.vega_lite_chart(values.rename("value").reset_index(), KIND_CHART_SPEC, width="stretch")

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
    f"Upload a question set (JSON Lines or CSV, {upload_limit_text(service.settings.max_upload_mb)}), "
    "run it, and download the results."
)
with st.expander("Question-set format: the fields, an example, downloads",
                 expanded=st.session_state.get("question_file") is None):
    show_format()

try:
    if service.status()["documents"] == 0:
        st.info(
            f"The index in {escape_line(str(service.settings.data_dir))} is empty. Add documents on the **Documents** page "
            "(sidebar), or run `inspection-qa ingest corpus/` and reload this page.",
            icon=":material/info:",
        )
        st.stop()
    texts = service.document_texts()
except InspectionQAError as exc:
    show_error(exc)
    st.stop()

questions: list[Question] | None = None
source = ""
try:
    upload = st.file_uploader("Question set", type=["csv", "jsonl"], key="question_file",
                              max_upload_size=service.settings.max_upload_mb)
    if upload is not None:
        source = Path(upload.name).name
        questions = load_question_upload(upload.name, upload.getvalue(), service.settings.max_upload_mb)
except QuestionSetError as exc:
    st.session_state.pop(RESULT_KEY, None)  # a refused file leaves no earlier run's results under its error
    show_question_error(exc)
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
        bar = st.progress(0.0, text=progress_text(Progress(0, len(questions), None)))

        def step(p: Progress) -> None:
            bar.progress(p.done / p.total, text=progress_text(p))

        try:
            with st.spinner("Answering the questions…"):
                records, result = evaluate(service, questions, texts, on_progress=step, warnings=unmatched)
        except InspectionQAError as exc:
            st.session_state.pop(RESULT_KEY, None)
            bar.empty()
            show_error(exc)
        else:
            meta = report_meta(service, source, len(questions))
            st.session_state[RESULT_KEY] = {
                "meta": meta, "result": result, "records_jsonl": records_jsonl(records),
                "html": render_html(result, meta=meta), "markdown": render_markdown(result, meta=meta),
            }
            bar.empty()
elif st.session_state.get("question_file") is None:
    st.info("Upload a question set to begin.", icon=":material/upload_file:")

if RESULT_KEY in st.session_state:
    show_results(st.session_state[RESULT_KEY])
