"""The Streamlit app driven through AppTest over the real corpus and the real embedding model."""

from __future__ import annotations

import re
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from answering.types import ABSTAIN_TEXT
from core.settings import Settings
from inspection_qa.service import QAService
from tests.paths import CORPUS, ROOT

APP = ROOT / "app.py"  # AppTest resolves a relative path against this test file, not the cwd
TIMEOUT = 120

pytestmark = [pytest.mark.app, pytest.mark.slow]


def unescape(markdown: str) -> str:
    """What a reader sees of escaped Markdown source (the app escapes all document text)."""
    seen = re.sub(r"\\(.)", r"\1", markdown.replace("&#32;", " ").replace("&#9;", "\t"), flags=re.S)
    return seen.replace("\u2060", "")  # invisible word joiners keep addresses from becoming links


def texts(node, kinds=("markdown", "caption", "warning", "info", "error")) -> list[str]:
    return [unescape(el.value) for kind in kinds for el in getattr(node, kind)]


def corpus_documents() -> list[tuple[str, str]]:
    """(file name, sidecar title) of each corpus document."""
    out = []
    for side in sorted(CORPUS.glob("*.meta.toml")):
        name = side.name.removesuffix(".meta.toml")
        out.append((name, tomllib.loads(side.read_text("utf-8"))["title"]))
    return out


@pytest.fixture(scope="module")
def corpus_data_dir(corpus_service):
    """The app pointed at the session's real-corpus index (conftest: real model, real corpus)."""
    data_dir = corpus_service.settings.data_dir
    assert corpus_service.status()["documents"] == len(corpus_documents()) == 2
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSPECTION_QA_DATA_DIR", str(data_dir))
        yield data_dir


def run_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    return at.run()


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question)
    return at.run()


def assert_ran_cleanly(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_app_starts_and_lists_the_documents(corpus_data_dir):
    at = run_app()
    assert_ran_cleanly(at)
    sidebar = "\n".join(texts(at.sidebar))
    for filename, title in corpus_documents():
        assert title in sidebar
        assert filename in sidebar
    assert "inspection letter · 2011-11-09" in sidebar
    assert "news report · 2019-01" in sidebar
    assert "2 documents" in sidebar
    assert at.sidebar.button[0].label == "New conversation"
    assert len(at.chat_input) == 1


def test_a_question_is_answered_with_citations(corpus_data_dir):
    at = ask(run_app(), "What did inspectors say about supervision?")
    assert_ran_cleanly(at)
    assistant = at.chat_message[-1]
    answer = "\n".join(texts(assistant, ("markdown",)))
    assert "[1]" in answer
    labels = [unescape(e.label) for e in assistant.expander]
    assert labels and any("p." in label for label in labels)
    assert labels[0].startswith("[1] ")
    shown = "\n".join(answer for answer in texts(assistant))
    assert "supervision" in shown.lower()
    # each citation shows its quote highlighted inside a passage, with provenance
    first = assistant.expander[0]
    body = first.markdown[0].value
    assert ":orange-background[" in body
    assert "characters " in first.caption[0].value
    assert "ofsted" in unescape(first.caption[0].value)


def test_show_page_shows_the_cited_pdf_page_with_the_quote_highlighted(corpus_data_dir):
    """Issue 13, item 1: a PDF citation's "Show page" renders its page (cropped to the quote, the whole page
    a toggle away); the image files are cached under the data folder."""
    at = ask(run_app(), "Who signed the letter?")
    assert_ran_cleanly(at)
    assistant = at.chat_message[-1]
    toggles = [t for t in assistant.toggle if t.label == "Show page"]
    assert toggles, "no Show page on a PDF citation"
    toggles[0].set_value(True)
    at = at.run()
    assert_ran_cleanly(at)
    assistant = at.chat_message[-1]
    images = assistant.expander[0].get("image")
    assert len(images) == 2, "the sign-off runs from page 3 onto page 4: both pages are shown"
    cached = sorted((corpus_data_dir / "pages").glob("*.png"))
    assert cached and all(p.read_bytes()[:4] == b"\x89PNG" for p in cached)
    whole = [t for t in assistant.toggle if t.label == "Whole page"]
    assert whole and not whole[0].value


def test_an_out_of_corpus_question_abstains(corpus_data_dir):
    at = ask(run_app(), "What is the capital of France?")
    assert_ran_cleanly(at)
    assistant = at.chat_message[-1]
    assert any(ABSTAIN_TEXT in w for w in texts(assistant, ("warning",)))
    assert ABSTAIN_TEXT == "The ingested documents don't answer this."
    assert "**Nearest passages**" in texts(assistant, ("markdown",))
    nearest = texts(assistant, ("caption",))
    assert len(nearest) == 3 and all(" — p. " in c for c in nearest), nearest
    assert not assistant.expander


def test_a_follow_up_uses_the_earlier_question(corpus_data_dir):
    at = ask(run_app(), "What did the 2011 letter say about supervision?")
    assert_ran_cleanly(at)
    at = ask(at, "And for newly qualified staff?")
    assert_ran_cleanly(at)
    assert len(at.chat_message) == 4
    second = at.chat_message[-1]
    captions = texts(second, ("caption",))
    assert any(c.startswith("Searched as: What did the 2011 letter say about supervision?") for c in captions), captions
    cited = "\n".join(unescape(md.value) for e in second.expander for md in e.markdown)
    assert "newly qualified" in cited
    # the first turn is still on screen
    assert "[1]" in "\n".join(texts(at.chat_message[1], ("markdown",)))


def test_new_conversation_clears_the_chat(corpus_data_dir):
    at = ask(run_app(), "What did inspectors say about supervision?")
    assert len(at.chat_message) == 2
    at.sidebar.button[0].click().run()
    assert_ran_cleanly(at)
    assert len(at.chat_message) == 0
    assert at.session_state["conversation"].turns == []


def test_an_empty_index_tells_the_user_to_ingest(tmp_path, monkeypatch):
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(tmp_path / "empty"))
    at = run_app()
    assert not at.exception, [e.value for e in at.exception]
    info = "\n".join(texts(at, ("info",)))
    assert "inspection-qa ingest corpus/" in info and "make run" in info
    assert not at.chat_input


HOSTILE_TITLE = "<script>alert(1)</script> ![t](http://evil.example/t.png)"
HOSTILE_TEXT = """Inspection findings on caseloads

Inspectors found that caseload supervision was weak ![pixel](http://evil.example/pixel.png) in every team.
Inspectors found caseload <img src=x onerror=alert(1)> records were late [click](javascript:alert(1)) too.
"""


def test_document_text_is_never_rendered_as_markup(tmp_path, monkeypatch, default_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hostile <b>letter<b> [x](y).txt").write_text(HOSTILE_TEXT, "utf-8")
    (folder / "hostile <b>letter<b> [x](y).txt.meta.toml").write_text(
        f"title = {HOSTILE_TITLE!r}\ndate = \"2020-01-01\"\nkind = \"inspection_letter\"\n".replace("'", '"'), "utf-8"
    )
    data_dir = tmp_path / "data"
    service = QAService(Settings(data_dir=data_dir), embedder=default_embedder)
    assert not service.ingest([folder]).failures
    service.index.docstore.close()
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(data_dir))
    at = ask(run_app(), "What did inspectors find about caseload supervision?")
    assert not at.exception, [e.value for e in at.exception]
    sources = [el.value for kind in ("markdown", "caption", "warning", "info", "error") for el in getattr(at, kind)]
    sources += [e.label for e in at.expander]
    shown = "\n".join(unescape(s) for s in sources)
    assert "![pixel](http://evil.example/pixel.png)" in shown or "<img src=x onerror=alert(1)>" in shown
    assert HOSTILE_TITLE in shown
    for source in sources:
        rest = re.sub(r"\\.", "", source, flags=re.S)
        for seq in ("![", "<", "](", "://", "javascript:"):
            assert seq not in rest, (seq, source)
    assert all(not getattr(el.proto, "allow_html", False) for el in at.markdown)


@pytest.mark.app
@pytest.mark.slow
def test_conversation_markdown_holds_every_answer_and_citation(corpus_service):
    from inspection_qa.presentation import conversation_markdown

    conv = corpus_service.conversation()
    first = conv.ask("What did the 2011 letter say about supervision?")
    second = conv.ask("And for newly qualified staff?")
    md = conversation_markdown(conv.turns)
    for answer in (first, second):
        for c in answer.citations:
            assert c.document.replace(".", "\\.").replace("-", "\\-") in md or c.document in md
            assert f"characters {c.start}–{c.end}" in md
    assert md.count("## ") == 2 and "Searched as" in md


def test_sidebar_date_filter_and_timeline(corpus_data_dir):
    at = run_app()
    at.text_input(key="f_since").set_value("2015")
    at = at.run()
    at = ask(at, "What did inspectors say about caseloads?")
    assert_ran_cleanly(at)
    labels = [unescape(e.label) for e in at.expander if e.label.startswith("\\[")]
    assert labels and all("2019" in label and "2011" not in label for label in labels)
    at.text_input(key="f_since").set_value("2030")
    at = at.run()
    assert any("no ingested document matches the filter" in t for t in texts(at.sidebar))
