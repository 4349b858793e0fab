"""Documents: upload PDF, text and Markdown files with their metadata, ingest them, remove documents.

The third page of the Streamlit app (`streamlit run app.py`; Streamlit lists files in pages/).
It shares the chat page's service through `inspection_qa.webapp.start_page`.

All file handling (checks, safe names, sidecars, the uploads folder) lives in the service
(`QAService.add_uploads`, `QAService.remove`) and inspection_qa/uploads.py; this page only lays
out widgets and reports outcomes. Document text, titles and file names are untrusted: they reach
the page through `escape_line` / `escape_markdown` only.
"""

from __future__ import annotations

from inspection_qa.webapp import start_page  # first: sets the offline defaults

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from core.errors import InspectionQAError, UnreadableFileError  # noqa: E402
from core.kinds import SOURCE_KINDS  # noqa: E402
from inspection_qa.access import logout_button  # noqa: E402
from inspection_qa.markdown_safe import escape_line  # noqa: E402
from inspection_qa.presentation import document_warning  # noqa: E402
from inspection_qa.service import UploadOutcome  # noqa: E402
from inspection_qa.uploads import ACCEPTED_SUFFIXES, check_date, check_upload, upload_limit_text  # noqa: E402

OUTCOMES_KEY = "documents_outcomes"
NOTICE_KEY = "documents_notice"
UPLOADER_GEN_KEY = "documents_uploader_gen"
CONFIRM_KEY = "documents_confirm_remove"

service, user = start_page("Documents · Inspection QA", ":material/folder_open:", heading="Documents")
settings = service.settings


def size_label(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def show_row(row: UploadOutcome) -> None:
    name = escape_line(row.upload)
    renamed = f" (saved as {escape_line(row.saved)})" if row.saved and row.saved != row.upload else ""
    if row.status in ("added", "replaced"):
        passages = "1 passage" if row.chunks == 1 else f"{row.chunks} passages"
        st.success(f"{name}{renamed}: {row.status}, {passages}", icon=":material/check_circle:")
        if row.warning:
            st.warning(f"{name}: {escape_line(row.warning)}", icon=":material/report:")
    elif row.status == "unchanged":
        st.info(f"{name}{renamed}: unchanged ({escape_line(row.reason)}); to change its title, date or kind, "
                "remove it below and upload it again", icon=":material/info:")
    elif row.status == "duplicate":
        st.warning(f"{name}: not added ({escape_line(row.reason)})", icon=":material/content_copy:")
    else:
        st.error(f"{name}: failed ({escape_line(row.reason)})", icon=":material/error:")


def ingest_uploads(items: list[tuple[str, bytes, dict]]) -> list[UploadOutcome]:
    """Save and ingest the uploads through the service, with a progress bar."""
    bar = st.progress(0.0, text=f"Ingesting {len(items)} file(s)… (the model loads on first use)")
    done = 0

    def on_file(outcome) -> None:
        nonlocal done
        done += 1
        bar.progress(min(1.0, done / len(items)), text=f"{done} of {len(items)}: {escape_line(Path(outcome.path).name)}")

    try:
        return service.add_uploads(items, on_file=on_file)
    finally:
        bar.empty()


st.title("Documents")
try:
    documents = service.documents()
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
    f"PDF (scans are read by OCR), Word (.docx), saved web pages (.html), plain text or Markdown, "
    f"{upload_limit_text(settings.max_upload_mb)}. Give a title, date or kind to "
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
        rows = ingest_uploads(ready)
        st.session_state[OUTCOMES_KEY] = rows
        st.session_state[UPLOADER_GEN_KEY] = generation + 1  # a fresh, empty uploader
        st.rerun()

# -- what is ingested ------------------------------------------------------------------------
st.subheader("Ingested documents")
if not documents:
    st.caption("None yet.")
confirm = st.session_state.get(CONFIRM_KEY)
for meta in documents:
    with st.container(border=True):
        text, action = st.columns([5, 1], vertical_alignment="center")
        text.markdown(
            f"**{escape_line(meta.title)}**  \n"
            f"{escape_line(meta.kind_label)} · {escape_line(meta.shown_date)} · {escape_line(meta.filename)}"
        )
        warning = document_warning(meta)
        if warning:
            text.warning(escape_line(warning), icon=":material/report:")
        if confirm == meta.doc_id:
            uploaded_here = service.is_upload(meta)
            text.warning(
                "Remove this document from the index" + (" and delete its uploaded file?" if uploaded_here else "?"),
                icon=":material/warning:",
            )
            yes, no = action.columns(2)
            if yes.button("Remove", type="primary", key=f"confirm_remove_{meta.doc_id}"):
                try:
                    removed = service.remove(meta.doc_id, delete_upload=True)
                    st.session_state[NOTICE_KEY] = f"Removed {escape_line(removed.title)}."
                except InspectionQAError as exc:
                    st.session_state[OUTCOMES_KEY] = [UploadOutcome(meta.filename, "", "failed", reason=str(exc))]
                st.session_state.pop(CONFIRM_KEY, None)
                st.rerun()
            if no.button("Cancel", key=f"cancel_remove_{meta.doc_id}"):
                st.session_state.pop(CONFIRM_KEY, None)
                st.rerun()
        elif action.button("Remove", icon=":material/delete:", key=f"remove_{meta.doc_id}"):
            st.session_state[CONFIRM_KEY] = meta.doc_id
            st.rerun()
