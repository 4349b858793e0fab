"""Answering reads the sentence vectors ingestion stored: a question embeds the question alone."""

import sqlite3

import pytest

from core.settings import Settings
from inspection_qa.service import QAService


class CountingEmbedder:
    """Wraps an embedder and counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.texts: list[str] = []

    @property
    def name(self):
        return self.inner.name

    def embed_documents(self, texts):
        self.texts += list(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        self.texts.append(text)
        return self.inner.embed_query(text)

    def embed_with_spans(self, texts, spans):
        self.texts += list(texts)
        return self.inner.embed_with_spans(texts, spans)


@pytest.mark.slow
def test_a_question_embeds_only_itself(corpus_service):
    counting = CountingEmbedder(corpus_service.index.embedder)
    service = QAService(corpus_service.settings, embedder=counting)
    answer = service.ask("How regularly is supervision held?")
    assert not answer.abstained and answer.citations
    assert counting.texts == ["How regularly is supervision held?"]
    answer = service.conversation().ask("How has reliance on agency staff changed since 2011?")
    assert len(counting.texts) <= 3  # a change question also embeds its topic


def test_an_index_without_stored_sentence_vectors_answers_the_same(tmp_path, corpus_copy):
    """Indexes built before sentence vectors were stored: the passages are pooled at question time."""
    settings = Settings(data_dir=tmp_path / "data", embedder="hashing")
    service = QAService(settings)
    assert not service.ingest([corpus_copy]).failures
    questions = ["How regularly is supervision held?", "What did inspectors find about assessments?"]
    before = [service.ask(q).text for q in questions]
    with sqlite3.connect(tmp_path / "data" / "documents.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0] > 0
        conn.execute("DELETE FROM sentence_vectors")
    counting = CountingEmbedder(service.index.embedder)
    legacy = QAService(settings, embedder=counting)
    assert [legacy.ask(q).text for q in questions] == before
    assert len(counting.texts) > len(questions)  # the passages were embedded now
