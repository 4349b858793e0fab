"""A follow-up about the time before or after the last answer ("Had that been raised before?", "Has it
improved since then?") is answered from the conversation's documents of that time, not from the same ones."""

from __future__ import annotations

import pytest

from answering.followups import relative_period
from answering.timeline import relative_documents
from core.records import DocumentProfile, Fact
from tests.paths import FIXTURES


@pytest.mark.parametrize("question, expected", [
    ("Had that been raised before?", "before"),
    ("Was this a concern previously?", "before"),
    ("Had inspectors said so earlier?", "before"),
    ("Has it improved since then?", "after"),
    ("What happened after that?", "after"),
    ("Had that been raised before 2031?", ""),  # a year of its own: the constraints read it
    ("What did he say about the workforce?", ""),
    ("Did those improve by the next inspection?", "after"),
    ("And what was the forecast for the following year?", ""),  # a year of the topic, not a later document
])
def test_relative_period(question, expected):
    assert relative_period(question) == expected


def _profile(*dates: str) -> DocumentProfile:
    return DocumentProfile(reported=tuple(Fact(d, 0, 1) for d in dates))


def test_relative_documents_are_those_of_an_earlier_or_later_month_nearest_first():
    profiles = {"a": _profile("2030-03-11"), "b": _profile("2031-09-02"), "news": _profile("2033-02"),
                "c": _profile("2033-02-07"), "undated": DocumentProfile()}
    docs = list(profiles)
    assert relative_documents(docs, profiles, ("c",), "before") == ["b", "a"]  # the news shares c's month
    assert relative_documents(docs, profiles, ("a",), "after") == ["b", "news", "c"]
    assert relative_documents(docs, profiles, ("a",), "before") == []


@pytest.fixture(scope="module")
def service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("periods") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "periods"]).failures
    return svc


@pytest.mark.slow
def test_had_that_been_raised_before_is_answered_from_an_earlier_document(service):
    conv = service.conversation()
    first = conv.ask("What did the 2033 inspection say about foster carers in Larkspur?")
    assert first.citations and first.citations[0].document == "larkspur-inspection-2033.txt"
    answer = conv.ask("Had that been raised before?")
    assert not answer.abstained, answer.reason
    assert answer.citations[0].document in {"larkspur-monitoring-2031.txt", "larkspur-inspection-2030.txt"}
    assert any("foster carers" in c.quote for c in answer.citations)
    assert "larkspur-inspection-2033.txt" not in answer.cited_documents


@pytest.mark.slow
def test_since_then_is_answered_from_a_later_document(service):
    conv = service.conversation()
    first = conv.ask("What did the 2030 inspection say about foster carers in Larkspur?")
    assert first.citations and first.citations[0].document == "larkspur-inspection-2030.txt"
    answer = conv.ask("Has that changed since then?")
    assert not answer.abstained, answer.reason
    assert "larkspur-inspection-2030.txt" not in answer.cited_documents
    assert any("foster carers" in c.quote for c in answer.citations)
