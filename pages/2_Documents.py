"""Documents: upload PDF, text and Markdown files with their metadata, ingest them, remove documents.

The third page of the Streamlit app (`streamlit run app.py`; Streamlit lists files in pages/).
It shares the chat page's service through `get_service`, whose definition must stay identical,
character for character, to the one in app.py (see pages/1_Evaluation.py).

All file handling (checks, safe names, sidecars, the uploads folder) lives in
inspection_qa/uploads.py; this page only lays out widgets and reports outcomes. Uploaded files
are kept under `settings.data_dir / "uploads"`, each with its `NAME.meta.toml` sidecar.
Document text, titles and file names are untrusted: they reach the page through
`escape_line` / `escape_markdown` only.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from core.errors import InspectionQAError, UnreadableFileError  # noqa: E402
from core.kinds import SOURCE_KINDS  # noqa: E402
from core.settings import Settings  # noqa: E402
from inspection_qa.access import logout_button, require_user  # noqa: E402
from inspection_qa.app_service import get_service  # noqa: E402
from inspection_qa.markdown_safe import escape_line  # noqa: E402
from inspection_qa.service import QAService  # noqa: E402
from inspection_qa.uploads import (  # noqa: E402
    ACCEPTED_SUFFIXES,
    check_date,
    check_upload,
    discard_upload,
    in_folder,
    save_upload,
    uploads_dir,
)

OUTCOMES_KEY = "documents_outcomes"
NOTICE_KEY = "documents_notice"
UPLOADER_GEN_KEY = "documents_uploader_gen"
CONFIRM_KEY = "documents_confirm_remove"

st.set_page_config(page_title="Documents · Inspection QA", page_icon=":material/folder_open:", layout="wide")
user = require_user()


@dataclass
class Row:
    """What became of one uploaded file."""

    upload: str  # the name it was uploaded under
    saved: str  # the name it was saved under ("" if never saved)
    status: str  # added | replaced | unchanged | duplicate | failed
    chunks: int = 0
    reason: str = ""


def size_label(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def show_row(row: Row) -> None:
    name = escape_line(row.upload)
    renamed = f" (saved as {escape_line(row.saved)})" if row.saved and row.saved != row.upload else ""
    if row.status in ("added", "replaced"):
        st.success(f"{name}{renamed}: {row.status}, {row.chunks} passages", icon=":material/check_circle:")
    elif row.status == "unchanged":
        st.info(f"{name}{renamed}: unchanged ({escape_line(row.reason)}); to change its title, date or kind, "
                "remove it below and upload it again", icon=":material/info:")
    elif row.status == "duplicate":
        st.warning(f"{name}: not added ({escape_line(row.reason)})", icon=":material/content_copy:")
    else:
        st.error(f"{name}: failed ({escape_line(row.reason)})", icon=":material/error:")


def ingest_uploads(service: QAService, items: list[tuple[str, bytes, dict]]) -> list[Row]:
    """Save each upload with its sidecar, ingest them all with a progress bar, report each file."""
    folder = uploads_dir(service.settings.data_dir)
    documents = service.index.docstore.documents()
    rows: dict[str, Row] = {}
    saved: list[tuple[str, Path, bool]] = []  # (upload name, saved path, a file of that name was there before)
    failed: list[Row] = []
    for name, data, meta in items:
        try:
            before = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
            path = save_upload(folder, name, data, documents, service.settings.max_upload_mb, **meta)
            saved.append((name, path, path.name in before))
        except UnreadableFileError as exc:
            failed.append(Row(name, "", "failed", reason=exc.reason))
        except OSError as exc:
            failed.append(Row(name, "", "failed", reason=f"cannot be saved ({exc.strerror or exc})"))
    if saved:
        bar = st.progress(0.0, text=f"Ingesting {len(saved)} file(s)… (the model loads on first use)")
        done = 0

        def on_file(outcome) -> None:
            nonlocal done
            done += 1
            bar.progress(done / len(saved), text=f"{done} of {len(saved)}: {escape_line(Path(outcome.path).name)}")

        by_path = {str(p): (n, existed) for n, p, existed in saved}
        try:
            report = service.ingest([p for _, p, _ in saved], on_file=on_file)
        except InspectionQAError as exc:
            for n, p, existed in saved:
                if not existed:
                    discard_upload(p, folder)
            bar.empty()
            return failed + [Row(n, "", "failed", reason=str(exc)) for n, _, _ in saved]
        bar.empty()
        for o in report.outcomes:
            upload, existed = by_path.get(o.path, (Path(o.path).name, True))
            if o.status in ("failed", "duplicate") and not existed:
                discard_upload(o.path, folder)  # keep the folder to what the index holds
            rows[o.path] = Row(upload, Path(o.path).name, o.status, o.chunks, o.reason)
    return failed + list(rows.values())


# -- the service ---------------------------------------------------------------------------
st.title("Documents")
try:
    settings = Settings.from_env(os.environ)
    service = get_service(str(settings.data_dir), settings.embedding_model, settings.embedder)
    service.index.refresh()
    documents = service.index.docstore.documents()
except InspectionQAError as exc:
    st.error("Error: " + escape_line(str(exc)), icon=":material/error:")
    st.stop()

with st.sidebar:
    if user != "local":
        st.caption("Logged in as " + escape_line(user))
    logout_button()

for row in st.session_state.pop(OUTCOMES_KEY, []):
    show_row(row)
notice = st.session_state.pop(NOTICE_KEY, None)
if notice:
    st.success(notice, icon=":material/check_circle:")

# -- upload ----------------------------------------------------------------------------------
st.subheader("Add documents")
st.caption(
    f"PDF, plain text or Markdown, up to {settings.max_upload_mb} MB each. Give a title, date or kind to "
    "override what is read from the text; leave them blank to let the app find them."
)
generation = st.session_state.setdefault(UPLOADER_GEN_KEY, 0)
uploaded = st.file_uploader(
    "Files", type=[s.lstrip(".") for s in ACCEPTED_SUFFIXES], accept_multiple_files=True,
    key=f"uploader_{generation}", max_upload_size=settings.max_upload_mb,
) or []

ready: list[tuple[str, bytes, dict]] = []
invalid = False
for i, f in enumerate(uploaded):
    data = f.getvalue()
    try:
        check_upload(f.name, data, settings.max_upload_mb)
    except UnreadableFileError as exc:
        st.error(f"{escape_line(f.name)}: {escape_line(exc.reason)}", icon=":material/block:")
        continue
    with st.container(border=True):
        st.markdown(f"**{escape_line(f.name)}** · {size_label(len(data))}")
        left, middle, right = st.columns([3, 1, 1])
        title = left.text_input("Title", key=f"title_{generation}_{i}", placeholder="from the document")
        date = middle.text_input("Date (YYYY[-MM[-DD]])", key=f"date_{generation}_{i}", placeholder="from the text")
        kind = right.selectbox(
            "Kind", options=[""] + list(SOURCE_KINDS), key=f"kind_{generation}_{i}",
            format_func=lambda k: SOURCE_KINDS.get(k, "guess from the text"),
        )
        try:
            check_date(date)
        except ValueError as exc:
            st.error(escape_line(str(exc)), icon=":material/event_busy:")
            invalid = True
    ready.append((f.name, data, {"title": title, "date": date, "kind": kind or None}))

if ready:
    label = "Ingest 1 file" if len(ready) == 1 else f"Ingest {len(ready)} files"
    if st.button(label, type="primary", icon=":material/upload:", disabled=invalid, key="ingest_uploads"):
        rows = ingest_uploads(service, ready)
        st.session_state[OUTCOMES_KEY] = rows
        st.session_state[UPLOADER_GEN_KEY] = generation + 1  # a fresh, empty uploader
        st.rerun()

# -- what is ingested ------------------------------------------------------------------------
st.subheader("Ingested documents")
if not documents:
    st.caption("None yet.")
folder = uploads_dir(settings.data_dir)
confirm = st.session_state.get(CONFIRM_KEY)
for meta in documents:
    with st.container(border=True):
        text, action = st.columns([5, 1], vertical_alignment="center")
        text.markdown(
            f"**{escape_line(meta.title)}**  \n"
            f"{escape_line(meta.kind_label)} · {escape_line(meta.date or 'undated')} · {escape_line(meta.filename)}"
        )
        if confirm == meta.doc_id:
            uploaded_here = in_folder(meta.source_path, folder)
            text.warning(
                "Remove this document from the index" + (" and delete its uploaded file?" if uploaded_here else "?"),
                icon=":material/warning:",
            )
            yes, no = action.columns(2)
            if yes.button("Remove", type="primary", key=f"confirm_remove_{meta.doc_id}"):
                try:
                    removed = service.remove(meta.doc_id)
                    if uploaded_here:
                        discard_upload(meta.source_path, folder)
                    st.session_state[NOTICE_KEY] = f"Removed {escape_line(removed.title)}."
                except InspectionQAError as exc:
                    st.session_state[OUTCOMES_KEY] = [Row(meta.filename, "", "failed", reason=str(exc))]
                st.session_state.pop(CONFIRM_KEY, None)
                st.rerun()
            if no.button("Cancel", key=f"cancel_remove_{meta.doc_id}"):
                st.session_state.pop(CONFIRM_KEY, None)
                st.rerun()
        elif action.button("Remove", icon=":material/delete:", key=f"remove_{meta.doc_id}"):
            st.session_state[CONFIRM_KEY] = meta.doc_id
            st.rerun()
