"""The chat page's kept conversations, example questions and download, driven through AppTest over the real
corpus and model (as tests/test_app.py)."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from inspection_qa.conversations import conversations_dir
from tests.test_app import APP, TIMEOUT, ask, assert_ran_cleanly, texts, unescape

pytestmark = [pytest.mark.app, pytest.mark.slow]

QUESTION = "What did the 2011 letter say about supervision?"
FOLLOW_UP = "And for newly qualified staff?"


@pytest.fixture
def data_dir(corpus_service, monkeypatch):
    """The session's real-corpus index, with no kept conversations before or after the test."""
    folder = corpus_service.settings.data_dir
    shutil.rmtree(conversations_dir(folder), ignore_errors=True)
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(folder))
    yield folder
    shutil.rmtree(conversations_dir(folder), ignore_errors=True)


def run_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()


def kept(at: AppTest) -> list:
    """The sidebar's buttons that reopen a kept conversation."""
    return [b for b in at.sidebar.button if (b.key or "").startswith("open_")]


def download(at: AppTest):
    (button,) = at.sidebar.get("download_button")
    return button


def citation_labels(message) -> list[str]:
    return [unescape(e.label) for e in message.expander if e.label.startswith("\\[")]


def test_example_questions_on_an_empty_chat_and_clicking_one_asks_it(data_dir):
    at = run_app()
    assert_ran_cleanly(at)
    examples = [b for b in at.main.button if (b.key or "").startswith("example_")]
    assert len(examples) == 3
    questions = [unescape(b.label) for b in examples]
    assert len(set(questions)) == 3 and all(q.startswith("What ") and q.endswith("?") for q in questions)
    examples[0].click()
    at = at.run()
    assert_ran_cleanly(at)
    assert len(at.chat_message) == 2
    assert unescape(at.chat_message[0].markdown[0].value) == questions[0]
    assert not [b for b in at.main.button if (b.key or "").startswith("example_")]  # the chat is no longer empty


def test_an_answer_is_kept_listed_and_downloadable_at_once(data_dir):
    at = run_app()
    assert download(at).proto.disabled
    assert not kept(at)
    at = ask(at, QUESTION)
    assert_ran_cleanly(at)
    assert not download(at).proto.disabled  # after the first answer, not the second
    (listed,) = kept(at)
    assert unescape(listed.label).startswith(QUESTION + " · ")
    assert at.session_state["conversation"].id == listed.key.removeprefix("open_")
    files = list(conversations_dir(data_dir).rglob("*.json"))
    assert [f.stem for f in files] == [at.session_state["conversation"].id]
    # a copy block holds the answer with its sources as plain text
    copy = at.chat_message[-1].code[0].value
    assert "Sources:" in copy and "[1]" in copy
    at = ask(at, FOLLOW_UP)
    assert_ran_cleanly(at)
    assert len(kept(at)) == 1  # the same conversation, now of two questions
    assert "2 questions" in kept(at)[0].help


def test_a_kept_conversation_reopens_with_its_citations_and_continues(data_dir):
    first = ask(run_app(), QUESTION)
    assert_ran_cleanly(first)
    labels = citation_labels(first.chat_message[-1])
    assert labels

    at = run_app()  # another session: a reload of the page
    assert len(at.chat_message) == 0
    (listed,) = kept(at)
    listed.click()
    at = at.run()
    assert_ran_cleanly(at)
    assert len(at.chat_message) == 2
    assert unescape(at.chat_message[0].markdown[0].value) == QUESTION
    assert citation_labels(at.chat_message[1]) == labels
    quote = at.chat_message[1].expander[0].markdown[0].value
    assert ":orange-background[" in quote  # the quote shown inside its passage again
    assert not download(at).proto.disabled

    at = ask(at, FOLLOW_UP)  # the reopened conversation keeps its context
    assert_ran_cleanly(at)
    captions = texts(at.chat_message[-1], ("caption",))
    assert any(c.startswith("Searched as: " + QUESTION) for c in captions), captions
    assert len(kept(at)) == 1 and "2 questions" in kept(at)[0].help


def test_rename_and_delete_the_open_conversation(data_dir):
    at = ask(run_app(), QUESTION)
    cid = at.session_state["conversation"].id
    at.sidebar.text_input(key=f"rename_{cid}").set_value("Supervision in 2011")
    at.sidebar.button(key="rename_conversation").click()
    at = at.run()
    assert_ran_cleanly(at)
    assert unescape(kept(at)[0].label).startswith("Supervision in 2011 · ")
    at.sidebar.button(key="delete_conversation").click()  # asks first, as removing a document does
    at = at.run()
    assert_ran_cleanly(at)
    assert len(kept(at)) == 1 and list(conversations_dir(data_dir).rglob("*.json"))
    at.sidebar.button(key="keep_conversation").click()  # taken back: nothing deleted
    at = at.run()
    assert len(kept(at)) == 1
    at.sidebar.button(key="delete_conversation").click()
    at = at.run()
    at.sidebar.button(key="confirm_delete_conversation").click()
    at = at.run()
    assert_ran_cleanly(at)
    assert not kept(at) and len(at.chat_message) == 0
    assert not list(conversations_dir(data_dir).rglob("*.json"))
    assert any(unescape(s.value) == "Conversation deleted." for s in at.sidebar.success)


def test_a_corrupt_conversation_file_does_not_break_the_sidebar(data_dir):
    at = ask(run_app(), QUESTION)
    folder = next(conversations_dir(data_dir).iterdir())
    (folder / ("f" * 32 + ".json")).write_text("{ cut short", "utf-8")
    at = run_app()
    assert_ran_cleanly(at)
    assert len(kept(at)) == 1
