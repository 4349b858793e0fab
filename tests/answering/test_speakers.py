"""A speaker's words are quoted whole: the sentence that names the speaker runs on to the words it
introduces, even where the passage ends between them and the next passage opens with the quotation.

Real model (the default backend), real ingestion of a news report written for this test.
"""

from __future__ import annotations

import pytest

from tests.paths import FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("speakers") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "speakers"]).failures
    return svc


def test_a_quotation_in_the_next_passage_is_quoted_with_its_speaker(service):
    docstore = service.index.docstore
    doc = docstore.documents()[0]
    chunks = docstore.chunks(docstore.chunk_ids(doc.doc_id))
    opener = next(c for c in chunks if "Councillor Alma Reddish said" in c.text)
    follower = next(c for c in chunks if c.text.startswith('"The council is paying'))
    assert opener.id != follower.id  # the case itself: the speaker ends one passage, her words open the next

    answer = service.ask("What did the council leader say about the overspend?")
    lead = answer.citations[0]
    assert lead.quote.startswith("Borough council leader Councillor Alma Reddish said"), lead.quote
    assert "because we fund the trust" in lead.quote, lead.quote
    assert docstore.text(doc.doc_id)[lead.start:lead.end] == lead.quote  # still the document's own characters
