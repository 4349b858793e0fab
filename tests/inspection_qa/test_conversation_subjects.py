"""A conversation's subject gives way when a question names another document: by its form ("the scanned
letter", "the Word document") or by a name the library holds that no profile knows as a body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mixed_service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService
    from tests.ingest.test_formats import make_word_letter
    from tests.ingest.test_ocr import SCAN, make_scan

    folder = tmp_path_factory.mktemp("mixed")
    (folder / "oakvale-report.txt").write_text(
        "Inspection of Oakvale children's services\n\nInspection dates: 3 to 14 March 2031\n\n"
        "Oakvale's front door responds quickly: contacts are screened within a day and thresholds are applied "
        "consistently.\n\nSocial workers in Oakvale have manageable caseloads and see children regularly.\n",
        encoding="utf-8")
    (folder / "annual-review.txt").write_text(
        "Annual review 2033\n\nIn Westfold, placement stability improved: the share of children with three or more "
        "moves in a year fell from twelve per cent to seven per cent.\n", encoding="utf-8")
    make_word_letter(folder / "wexley-monitoring-visit.docx")
    make_scan(folder / "scanned-letter.pdf", SCAN)
    service = QAService(Settings(data_dir=tmp_path_factory.mktemp("mixed-data")), embedder=default_embedder)
    assert not service.ingest([folder]).failures
    return service


@pytest.mark.parametrize("follow_up, document", [
    ("Who signed the scanned letter?", "scanned-letter.pdf"),
    ("What did the Word document say about return home interviews?", "wexley-monitoring-visit.docx"),
])
def test_a_question_naming_a_document_by_its_form_leaves_the_conversations_body(mixed_service, follow_up, document):
    conversation = mixed_service.conversation()
    first = conversation.ask("What did inspectors find about Oakvale's front door?")
    assert first.citations and first.citations[0].document == "oakvale-report.txt"
    answer = conversation.ask(follow_up)
    assert not answer.abstained, answer.reason
    assert answer.citations[0].document == document, [c.document for c in answer.citations]
    assert "bodies" not in answer.constraints.inherited


def test_a_name_the_library_holds_but_no_profile_knows_leaves_the_conversations_body(mixed_service):
    """"Westfold" is in the library's text, in no document's profile and no English word: the question is not
    about Oakvale, so it is not declined for Oakvale's documents' silence."""
    conversation = mixed_service.conversation()
    conversation.ask("What did inspectors find about Oakvale's front door?")
    answer = conversation.ask("What did the Westfold review say about placement stability?")
    assert not answer.abstained and "bodies" not in answer.constraints.inherited, answer.reason
    assert any("In Westfold, placement stability improved" in c.quote for c in answer.citations)


def test_a_follow_up_naming_nothing_new_keeps_the_body(mixed_service):
    conversation = mixed_service.conversation()
    conversation.ask("What did inspectors find about Oakvale's front door?")
    answer = conversation.ask("And what about caseloads?")
    assert answer.citations and answer.citations[0].document == "oakvale-report.txt"
    assert "bodies" in answer.constraints.inherited


def test_who_signed_quotes_the_sign_off_alone(mixed_service):
    answer = mixed_service.ask("Who signed the scanned letter?")
    assert answer.citations and all("Sam Oduya" in c.quote for c in answer.citations), \
        [c.quote for c in answer.citations]
