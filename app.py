"""Streamlit chat over the ingested inspection letters: `streamlit run app.py` (or `make run`).

Every answer quotes its sources verbatim; each citation opens onto the quote inside its
surrounding passage, with document, date, page, section and character offsets. Each user's
conversations are kept (`QAService.save_conversation`) and listed in the sidebar to reopen,
rename or delete.

This file is the app's entry point: it names the pages (`st.navigation`: "Chat", here, and the
files of pages/) and runs the one chosen.

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
from inspection_qa.conversations import ConversationSummary  # noqa: E402
from inspection_qa.markdown_safe import context_window, escape_line, escape_markdown, escape_stream, highlight  # noqa: E402
from inspection_qa.presentation import (  # noqa: E402
    NEAREST,
    answer_as_text,
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
LISTED_CONVERSATIONS = 30  # the latest kept conversations listed in the sidebar
ASKED_KEY = "asked_example"  # an example question clicked, asked on this run
CONFIRM_DELETE_KEY = "confirm_delete_conversation_id"  # the conversation whose Delete awaits its confirmation


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def quote_in_context(service: QAService, c: Citation) -> tuple[str, int, int]:
    """The quote inside ~300 characters of its stored document text, with the quote's offsets."""
    text = service.document_text(c.doc_id)
    if text is None or text[c.start:c.end] != c.quote:
        # The document was removed or replaced since this answer: show the quote on its own.
        return c.quote, 0, len(c.quote)
    return context_window(text, c.start, c.end, margin=CONTEXT_MARGIN)


def show_answer(message: dict, service: QAService) -> None:
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
                    st.caption(passage_caption_markdown(chunk, answer.page_labels.get(chunk.doc_id)))
                    st.markdown(escape_markdown(snippet(chunk.text, NEAREST_CHARS)))
        return
    for c, (passage, start, end) in zip(answer.citations, message["contexts"]):
        key = f"page_{id(answer)}_{c.marker}"
        # a rerun (the Show page toggle's own) would fold the expander away from the page it just opened
        with st.expander(citation_label_markdown(c), expanded=bool(st.session_state.get(key))):
            if not c.pages and c.section:  # a Word file or web page: the passage under its section heading
                st.markdown(f"**{escape_line(c.section)}**")
            st.markdown(highlight(passage, start, end))
            st.caption(citation_caption_markdown(c))
            if c.pages and service.has_page_view(c.doc_id):
                show_page_view(service, c, key=key)


def show_page_view(service: QAService, c: Citation, key: str) -> None:
    """"Show page": each page the quote is on, as printed, the quote's lines highlighted (cropped to them,
    with the whole page a toggle away)."""
    if not st.toggle("Show page", key=key, help="The page of the PDF, the quote highlighted on it."):
        return
    whole = st.toggle("Whole page", key=key + "_whole")
    if c.ocr:
        st.caption("A scanned page, read by OCR: the quote is marked on the lines OCR read, in proportion to their "
                   "characters; check its words against the image.")
    try:
        for label in c.shown_pages:
            png = service.page_image(c.document, label, c.start, c.end, crop=not whole)
            st.image(str(png), caption=f"{c.document}, page {label}", width="stretch")
    except InspectionQAError as exc:
        show_error(exc)


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


def show_message(message: dict, service: QAService) -> None:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(escape_markdown(message["text"]))
        elif "error" in message:
            st.error("Error: " + escape_line(message["error"]), icon=":material/error:")
        else:
            show_answer(message, service)
            if not message["answer"].abstained:
                copy_block(message["answer"])


def new_conversation(service: QAService, user: str) -> None:
    st.session_state.messages = []
    st.session_state.conversation = service.conversation(user=user)


def user_message(text: str) -> dict:
    return {"role": "user", "text": text}


def answer_message(service: QAService, answer: Answer) -> dict:
    return {"role": "assistant", "answer": answer, "contexts": [quote_in_context(service, c) for c in answer.citations]}


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


# -- kept conversations ----------------------------------------------------------------------

def open_saved(service: QAService, user: str, conversation_id: str) -> None:
    """Reopen a kept conversation: its answers, with their citations, and follow-ups that build on them."""
    try:
        conversation = service.open_conversation(conversation_id, user=user)
    except InspectionQAError as exc:
        st.session_state.conversation_notice = str(exc)
        return
    st.session_state.conversation = conversation
    st.session_state.messages = [m for answer in conversation.turns
                                 for m in (user_message(answer.question), answer_message(service, answer))]


def rename_saved(service: QAService, user: str, conversation_id: str) -> None:
    title = st.session_state.get(f"rename_{conversation_id}", "")
    try:
        service.rename_conversation(conversation_id, title, user=user)
    except InspectionQAError as exc:
        st.session_state.conversation_notice = str(exc)


def delete_saved(service: QAService, user: str, conversation_id: str) -> None:
    st.session_state.pop(CONFIRM_DELETE_KEY, None)
    try:
        service.delete_conversation(conversation_id, user=user)
        st.session_state.conversation_done = "Conversation deleted."
    except InspectionQAError as exc:
        st.session_state.conversation_notice = str(exc)
    if st.session_state.conversation.id == conversation_id:
        new_conversation(service, user)


def ask_to_delete(conversation_id: str | None) -> None:
    """"Delete" asks first (as removing a document does); None takes the question back."""
    if conversation_id is None:
        st.session_state.pop(CONFIRM_DELETE_KEY, None)
    else:
        st.session_state[CONFIRM_DELETE_KEY] = conversation_id


def keep_conversation(service: QAService, conversation: Conversation) -> None:
    try:
        service.save_conversation(conversation)
    except (OSError, InspectionQAError) as exc:
        st.warning("This conversation could not be kept: " + escape_line(str(exc)), icon=":material/warning:")


def conversation_label(summary: ConversationSummary) -> str:
    return f"{escape_line(summary.title)} · {escape_line(summary.shown_date)}"


def kept_conversations(service: QAService, user: str) -> None:
    """The user's kept conversations, latest first: click one to reopen it; rename or delete the open one."""
    st.subheader("Conversations")
    notice = st.session_state.pop("conversation_notice", None)
    if notice:
        st.warning(escape_line(notice), icon=":material/warning:")
    done = st.session_state.pop("conversation_done", None)
    if done:
        st.success(escape_line(done), icon=":material/check_circle:")
    summaries = service.saved_conversations(user)
    if not summaries:
        st.caption("None kept yet: each conversation is kept as you ask.")
    current = st.session_state.conversation.id
    for summary in summaries[:LISTED_CONVERSATIONS]:
        st.button(conversation_label(summary), key=f"open_{summary.id}", on_click=open_saved,
                  args=(service, user, summary.id), width="stretch", icon=":material/chat:",
                  type="primary" if summary.id == current else "secondary",
                  help=plural(summary.questions, "question"))
    if len(summaries) > LISTED_CONVERSATIONS:
        st.caption(f"and {len(summaries) - LISTED_CONVERSATIONS} older")
    shown = next((s for s in summaries if s.id == current), None)
    if shown is not None:
        with st.expander("Rename or delete this conversation", icon=":material/edit:"):
            st.text_input("Name", value=shown.title, key=f"rename_{shown.id}")
            st.button("Rename", key="rename_conversation", on_click=rename_saved, args=(service, user, shown.id))
            if st.session_state.get(CONFIRM_DELETE_KEY) == shown.id:
                st.warning("Delete this conversation? It cannot be undone.", icon=":material/warning:")
                st.button("Delete", key="confirm_delete_conversation", type="primary", on_click=delete_saved,
                          args=(service, user, shown.id), icon=":material/delete:")
                st.button("Keep it", key="keep_conversation", on_click=ask_to_delete, args=(None,))
            else:
                st.button("Delete", key="delete_conversation", on_click=ask_to_delete, args=(shown.id,),
                          icon=":material/delete:")


def download_conversation() -> None:
    turns = [m["answer"] for m in st.session_state.messages if "answer" in m]
    st.download_button(
        "Download this conversation", data=conversation_markdown(turns), file_name="conversation.md",
        mime="text/markdown", icon=":material/download:", disabled=not turns, width="stretch",
    )


def conversation_panel(service: QAService, user: str) -> None:
    """Filled at the end of the run (a sidebar placeholder), so it counts the answer this run just gave."""
    download_conversation()
    kept_conversations(service, user)


# -- the chat page -------------------------------------------------------------------------

def ask_example(question: str) -> None:
    st.session_state[ASKED_KEY] = question


def example_questions(service: QAService) -> None:
    """Three questions made from the ingested documents, on an empty chat; clicking one asks it."""
    examples = service.example_questions(3)
    if not examples:
        return
    st.caption("Try one of these, or ask your own below:")
    for i, example in enumerate(examples):
        st.button(escape_line(example), key=f"example_{i}", on_click=ask_example, args=(example,),
                  icon=":material/lightbulb:")


def copy_block(answer: Answer) -> None:
    """The answer with its citations as plain text in a code block, which has Streamlit's copy button."""
    with st.popover("Copy", icon=":material/content_copy:", type="tertiary",
                    help="The answer with its sources as plain text, to copy"):
        st.code(answer_as_text(answer), language=None, wrap_lines=True)


def ensure_conversation(service: QAService, user: str) -> None:
    if "messages" not in st.session_state:
        st.session_state.messages = []
    conversation = st.session_state.get("conversation")
    if not isinstance(conversation, Conversation) or conversation.service is not service or conversation.user != user:
        if isinstance(conversation, Conversation) and conversation.user != user:
            st.session_state.messages = []  # another user logged in on this browser session: not their chat
        st.session_state.conversation = service.conversation(user=user)


def chat_page() -> None:
    service, user = start_page("Inspection QA", ":material/search:", heading="Inspection QA")
    ensure_conversation(service, user)

    # -- sidebar ---------------------------------------------------------------------------
    with st.sidebar:
        st.title("Inspection QA")
        st.caption("Answers quote the ingested documents verbatim, with document, date and page.")
        st.button("New conversation", icon=":material/add_comment:", width="stretch",
                  on_click=new_conversation, args=(service, user))
        if user != "local":
            st.caption("Logged in as " + escape_line(user))
        logout_button()
        panel = st.container()  # the download and the kept conversations: filled at the end of the run
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

    # -- chat ------------------------------------------------------------------------------
    st.title("Ask the inspection letters")

    if status["documents"] == 0:
        st.info(
            f"The index in {escape_line(str(service.settings.data_dir))} is empty. Add documents on the **Documents** page (sidebar), or "
            "run `inspection-qa ingest corpus/` (`make run` does it) and reload this page.",
            icon=":material/info:",
        )
        with panel:
            conversation_panel(service, user)
        st.stop()

    asked = st.session_state.pop(ASKED_KEY, None)
    if not st.session_state.messages and not asked:
        example_questions(service)

    for message in st.session_state.messages:
        show_message(message, service)

    question = st.chat_input("Ask a question, e.g. What did inspectors say about supervision?") or asked
    if question and question.strip():
        asked_message = user_message(question)
        st.session_state.messages.append(asked_message)
        show_message(asked_message, service)
        conversation = st.session_state.conversation
        try:
            if service.warming:
                with st.spinner("Loading the model (the first question only)…"):
                    service.wait_warm()
            with st.spinner(f"Searching {plural(status['documents'], 'document')}…"):
                service.refresh()
                conversation.search_filter = search_filter
                conversation.timeline = True if st.session_state.get("f_timeline") else None
                conversation.llm, conversation.llm_base_url = llm, llm_base_url
                stream = conversation.ask_streaming(question)
            if stream.live:  # the model's words as they come, then the checked answer in their place
                slot = st.empty()
                with slot.container(), st.chat_message("assistant"):
                    st.write_stream(escape_stream(stream))
                slot.empty()
            reply = answer_message(service, stream.answer)
        except InspectionQAError as exc:
            reply = {"role": "assistant", "error": str(exc)}
        st.session_state.messages.append(reply)
        show_message(reply, service)
        if "answer" in reply:
            keep_conversation(service, conversation)

    with panel:
        conversation_panel(service, user)


CHAT = st.Page(chat_page, title="Chat", icon=":material/chat:", default=True)
st.navigation([
    CHAT,
    st.Page("pages/1_Evaluation.py", title="Evaluation", icon=":material/fact_check:", url_path="Evaluation"),
    st.Page("pages/2_Documents.py", title="Documents", icon=":material/folder_open:", url_path="Documents"),
]).run()
