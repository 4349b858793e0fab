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
from inspection_qa.markdown_safe import context_window, escape_line, escape_markdown, escape_stream, highlight  # noqa: E402
from inspection_qa.presentation import (  # noqa: E402
    NEAREST,
    citation_caption_markdown,
    citation_label_markdown,
    conversation_markdown,
    passage_caption_markdown,
    profile_line,
    snippet,
    written_label,
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
    show_written(answer)
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
            st.markdown(highlight(passage, start, end))
            st.caption(citation_caption_markdown(c))


def show_written(answer: Answer) -> None:
    """Under an answer a language model was asked for: who wrote it, its notice, and what was withheld."""
    if answer.generated:
        st.caption(escape_line(written_label(answer)))
    if answer.notice:
        st.info(escape_line(answer.notice), icon=":material/info:")
    if answer.withheld and not answer.abstained:
        with st.expander(f"{plural(len(answer.withheld), 'sentence')} not supported by the documents"):
            for s in answer.withheld:
                st.markdown(f"- {escape_line(s.text)}  \n  *{escape_line(s.reason)}*")


def sidebar_llm(service: QAService) -> tuple[str, str]:
    """The optional language model that writes answers in words (off when empty): (PROVIDER:MODEL, server URL)."""
    with st.expander("Written answer", icon=":material/edit_note:"):
        llm = st.text_input("Language model", value=service.settings.llm, key="llm", placeholder="ollama:llama3.1:8b",
                            help="PROVIDER:MODEL (ollama or openai). Every sentence it writes is checked against "
                                 "the quotes; empty: quotes only.").strip()
        url = st.text_input("Server URL", value=service.settings.llm_base_url, key="llm_base_url",
                            placeholder="http://127.0.0.1:11434",
                            help="Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio) or Ollama's; "
                                 "empty: the provider's own.").strip()
    try:
        service.written_answerer(llm, url)
    except InspectionQAError as exc:
        show_error(exc)
        return "", ""
    return llm, url


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
    llm, llm_base_url = sidebar_llm(service)
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
            conversation.llm, conversation.llm_base_url = llm, llm_base_url
            stream = conversation.ask_streaming(question)
        if stream.live:  # the model's words as they come, then the checked answer in their place
            slot = st.empty()
            with slot.container(), st.chat_message("assistant"):
                st.write_stream(escape_stream(stream))
            slot.empty()
        answer = stream.answer
        reply = {
            "role": "assistant",
            "answer": answer,
            "contexts": [quote_in_context(service, c) for c in answer.citations],
        }
    except InspectionQAError as exc:
        reply = {"role": "assistant", "error": str(exc)}
    st.session_state.messages.append(reply)
    show_message(reply)
