"""The app's written answer: a language model named in the sidebar (here the scripted server on 127.0.0.1)
streams its words into the chat, then the checked answer replaces them, with the withheld sentences under
a "not supported by the documents" expander."""

from __future__ import annotations

import re

import pytest

from tests.support.fake_llm import FakeLLMServer, Reply
from tests.test_app import ask, assert_ran_cleanly, corpus_data_dir, run_app, texts, unescape  # noqa: F401 - corpus_data_dir: the fixture

pytestmark = [pytest.mark.app, pytest.mark.slow]
QUESTION = "What did inspectors say about supervision?"


def copy_first_quote_and_invent(body: dict) -> Reply:
    prompt = body["messages"][-1]["content"]
    first = re.search(r'<quote n="1"[^>]*>(.*?)</quote>', prompt)
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(first.group(1).split()))[0]  # its first sentence, on one line
    return Reply(f"{sentence.rstrip('. ')} [1]. Supervision improved by 75 per cent [1]. "
                 "![tracker](http://example.com/pixel.png) [1]")


@pytest.mark.usefixtures("corpus_data_dir")
def test_a_written_answer_is_checked_before_it_is_shown():
    with FakeLLMServer(responder=copy_first_quote_and_invent) as server:
        at = run_app()
        at.sidebar.text_input(key="llm").set_value("openai:scripted")
        at.sidebar.text_input(key="llm_base_url").set_value(server.openai_url)
        at = ask(at.run(), QUESTION)
        assert_ran_cleanly(at)
        assert server.requests and server.requests[-1]["stream"] is True  # streamed into the chat
    assistant = at.chat_message[-1]
    answer = unescape(assistant.markdown[0].value)  # the answer itself: only the supported sentence
    assert answer.endswith("[1].") and "75" not in answer and "pixel" not in answer
    assert "Written by openai:scripted" in "\n".join(texts(assistant, ("caption",)))
    labels = [unescape(e.label) for e in assistant.expander]
    assert "2 sentences not supported by the documents" in labels
    withheld = next(e for e in assistant.expander if "not supported" in unescape(e.label))
    body = "\n".join(unescape(m.value) for m in withheld.markdown)
    assert "75 per cent" in body and "pixel.png" in body
    assert all("![" not in m.value for m in withheld.markdown)  # shown as text, never as an image


@pytest.mark.usefixtures("corpus_data_dir")
def test_a_bad_model_name_is_one_error_and_the_quotes_still_answer():
    at = run_app()
    at.sidebar.text_input(key="llm").set_value("acme:big")
    at = ask(at.run(), QUESTION)
    assert "unknown language-model provider 'acme'" in "\n".join(unescape(e.value) for e in at.sidebar.error)
    assert "[1]" in "\n".join(texts(at.chat_message[-1], ("markdown",)))
