"""Streamlit chat over the ingested inspection letters: `streamlit run app.py` (or `make run`).

Every answer quotes its sources verbatim; each citation opens onto the quote inside its
surrounding passage, with document, date, page, section and character offsets.

Document text is untrusted: it reaches Markdown only through `escape_markdown` / `highlight`
(inspection_qa/markdown_safe.py) and is never rendered as HTML.
"""

from __future__ import annotations

from inspection_qa.webapp import show_error, start_page  # first: sets the offline defaults

import streamlit as st  # noqa: E402

from answering.types import Answer, Citation  # noqa: E402
from core.errors import InspectionQAError  # noqa: E402
from core.kinds import source_kind_label  # noqa: E402
from inspection_qa.access import logout_button  # noqa: E402
from inspection_qa.markdown_safe import context_window, escape_line, escape_markdown, highlight  # noqa: E402
from inspection_qa.presentation import (  # noqa: E402
    NEAREST,
    citation_caption_markdown,
    citation_label_markdown,
    conversation_markdown,
    passage_caption_markdown,
    profile_line,
    snippet,
)
from inspection_qa.service import Conversation, QAService  # noqa: E402
from retrieval.filters import SearchFilter  # noqa: E402

CONTEXT_MARGIN = 150  # characters either side of a quote: a window of about 300 around it
NEAREST_CHARS = 600

service, user = start_page("Inspection QA", ":material/search:", heading="Inspection QA")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def quote_in_context(service: QAService, c: Citation) -> tuple[str, int, int]:
    """The quote inside ~300 characters of its stored document text, with the quote's offsets."""
    text = service.document_text(c.doc_id)
    if text is None or text[c.start:c.end] != c.quote:
        # The document was removed or replaced since this answer: show the quote on its own.
        return c.quote, 0, len(c.quote)
    return context_window(text, c.start, c.end, margin=CONTEXT_MARGIN)


def show_answer(message: dict) -> None:
    answer: Answer = message["answer"]
    if answer.abstained:
        st.warning(escape_markdown(answer.text), icon=":material/help:")
    else:
        st.markdown(escape_markdown(answer.text))
    if answer.searched_question != answer.question:
        st.caption("Searched as: " + escape_line(answer.searched_question))
    if answer.abstained:
        if answer.retrieved:
            st.markdown("**Nearest passages**")
            for hit in answer.retrieved[:NEAREST]:
                chunk = hit.chunk
                with st.container(border=True):
                    st.caption(passage_caption_markdown(chunk))
                    st.markdown(escape_markdown(snippet(chunk.text, NEAREST_CHARS)))
        return
    for c, (passage, start, end) in zip(answer.citations, message["contexts"]):
        with st.expander(citation_label_markdown(c)):
            if not c.pages and c.section:  # a Word file or web page: the passage under its section heading
                st.markdown(f"**{escape_line(c.section)}**")
            st.markdown(highlight(passage, start, end))
            st.caption(citation_caption_markdown(c))
            if c.pages and service.has_page_view(c.doc_id):
                show_page_view(c, key=f"page_{id(answer)}_{c.marker}")


def show_page_view(c: Citation, key: str) -> None:
    """"Show page": each page the quote is on, as printed, the quote's lines highlighted (cropped to them,
    with the whole page a toggle away)."""
    if not st.toggle("Show page", key=key, help="The page of the PDF, the quote highlighted on it."):
        return
    whole = st.toggle("Whole page", key=key + "_whole")
    try:
        for label in c.shown_pages:
            png = service.page_image(c.document, label, c.start, c.end, crop=not whole)
            st.image(str(png), caption=f"{c.document}, page {label}", width="stretch")
    except InspectionQAError as exc:
        show_error(exc)


def show_message(message: dict) -> None:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(escape_markdown(message["text"]))
        elif "error" in message:
            st.error("Error: " + escape_line(message["error"]), icon=":material/error:")
        else:
            show_answer(message)


def new_conversation(service: QAService) -> None:
    st.session_state.messages = []
    st.session_state.conversation = service.conversation(user=user)


def sidebar_filter(service: QAService, documents) -> "SearchFilter | None":
    """Document, kind and date filters; the same filter reaches dense and lexical search."""
    with st.expander("Filters", icon=":material/filter_alt:"):
        names = {m.doc_id: f"{m.title} ({m.shown_date})" for m in documents}
        docs = st.multiselect("Documents", options=list(names), format_func=lambda d: names[d], key="f_docs")
        kinds = sorted({m.source_kind for m in documents})
        chosen_kinds = st.multiselect("Kinds", options=kinds, format_func=source_kind_label, key="f_kinds")
        since = st.text_input("Since (YYYY[-MM[-DD]])", key="f_since").strip() or None
        until = st.text_input("Until (YYYY[-MM[-DD]])", key="f_until").strip() or None
        st.toggle("Answer as a timeline", key="f_timeline", help="Oldest source first, closing with what changed.")
    return service.make_filter(docs, chosen_kinds, since, until)


if "messages" not in st.session_state:
    st.session_state.messages = []
conversation = st.session_state.get("conversation")
if not isinstance(conversation, Conversation) or conversation.service is not service or conversation.user != user:
    if isinstance(conversation, Conversation) and conversation.user != user:
        st.session_state.messages = []  # another user logged in on this browser session: not their chat
    st.session_state.conversation = service.conversation(user=user)

# -- sidebar -------------------------------------------------------------------------------
with st.sidebar:
    st.title("Inspection QA")
    st.caption("Answers quote the ingested documents verbatim, with document, date and page.")
    if st.button("New conversation", icon=":material/add_comment:", width="stretch"):
        new_conversation(service)
    if user != "local":
        st.caption("Logged in as " + escape_line(user))
    logout_button()
    try:
        documents = service.documents()
        status = service.status()
    except InspectionQAError as exc:
        show_error(exc)
        st.stop()
    st.subheader("Documents")
    if not documents:
        st.caption("None ingested yet.")
    profiles = service.profiles() if documents else {}
    for meta in documents:
        about = profile_line(profiles.get(meta.doc_id))
        st.markdown(
            f"**{escape_line(meta.title)}**  \n"
            f"{escape_line(meta.kind_label)} · {escape_line(meta.shown_date)}  \n"
            f"{escape_line(meta.filename)}" + (f"  \n{escape_line(about)}" if about else "")
        )
    try:
        search_filter = sidebar_filter(service, documents)
        if search_filter is not None:
            service.check_filter(search_filter)
    except InspectionQAError as exc:
        show_error(exc)
        search_filter = None
    turns = [m["answer"] for m in st.session_state.messages if "answer" in m]
    st.download_button(
        "Download this conversation", data=conversation_markdown(turns), file_name="conversation.md",
        mime="text/markdown", icon=":material/download:", disabled=not turns, width="stretch",
    )
    st.divider()
    st.caption(
        f"{plural(status['documents'], 'document')} · {plural(status['chunks'], 'passage')} · "
        f"model {escape_line(str(status['model']))}  \n"
        f"data folder {escape_line(str(status['data_dir']))}"
    )
    if status["chunks"] and (status["dense_chunks"] != status["chunks"] or status["lexical_chunks"] != status["chunks"]):
        st.warning(
            f"The index is out of step ({status['chunks']} passages, {status['dense_chunks']} embedded, "
            f"{status['lexical_chunks']} keyword-indexed); run `inspection-qa ingest corpus/` again."
        )

# -- chat ----------------------------------------------------------------------------------
st.title("Ask the inspection letters")

if status["documents"] == 0:
    st.info(
        f"The index in {escape_line(str(service.settings.data_dir))} is empty. Add documents on the **Documents** page (sidebar), or "
        "run `inspection-qa ingest corpus/` (`make run` does it) and reload this page.",
        icon=":material/info:",
    )
    st.stop()

for message in st.session_state.messages:
    show_message(message)

question = st.chat_input("Ask a question, e.g. What did inspectors say about supervision?")
if question and question.strip():
    user_message = {"role": "user", "text": question}
    st.session_state.messages.append(user_message)
    show_message(user_message)
    try:
        with st.spinner("Searching the documents…"):
            service.refresh()
            conversation = st.session_state.conversation
            conversation.search_filter = search_filter
            conversation.timeline = True if st.session_state.get("f_timeline") else None
            answer = conversation.ask(question)
            reply = {
                "role": "assistant",
                "answer": answer,
                "contexts": [quote_in_context(service, c) for c in answer.citations],
            }
    except InspectionQAError as exc:
        reply = {"role": "assistant", "error": str(exc)}
    st.session_state.messages.append(reply)
    show_message(reply)
