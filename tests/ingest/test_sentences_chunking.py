from ingest.builder import DocumentBuilder
from ingest.chunking import Chunker
from ingest.sentences import split_sentences
from tests.paths import LETTER_PDF, NEWS_TXT


def test_sentence_offsets_and_abbreviations():
    text = "Ms. Brazil met Dr. Smith on 9 Nov. 2011. Then they left! Was it 20% lower? Yes."
    spans = split_sentences(text)
    got = [text[s.start:s.end] for s in spans]
    assert got == ["Ms. Brazil met Dr. Smith on 9 Nov. 2011.", "Then they left!", "Was it 20% lower?", "Yes."]


def test_chunks_follow_structure_and_carry_provenance():
    for path in (LETTER_PDF, NEWS_TXT):
        doc = DocumentBuilder().run(path)
        chunks = Chunker(600, 1000).run(doc)
        assert chunks
        for c in chunks:
            assert c.text == doc.text[c.start:c.end]
            assert c.sentences and c.sentences[-1].end == c.end  # never mid-sentence
            assert c.pages and c.doc_id == doc.meta.doc_id and c.filename == path.name
            for s in c.sentences:
                assert c.start <= s.start < s.end <= c.end
        # bullets kept whole: every bullet block lies inside one chunk
        for b in (b for b in doc.blocks if b.block_kind == "bullet"):
            assert any(c.start <= b.start and b.end <= c.end for c in chunks), doc.text[b.start:b.end][:60]


def test_bullet_chunks_know_their_section():
    doc = DocumentBuilder().run(LETTER_PDF)
    chunks = Chunker().run(doc)
    target = next(c for c in chunks if "quality of analysis in assessments remains too variable" in c.text)
    assert target.section == "Areas for development"
    assert target.pages == (3,)


def test_long_paragraph_split_at_sentence_ends_with_overlap():
    doc = DocumentBuilder().run(NEWS_TXT)
    chunks = Chunker(200, 300).run(doc)
    headings = {b.start: b for b in doc.blocks if b.block_kind == "heading"}
    led_by_heading = 0
    for c in chunks:
        assert c.sentences[-1].end == c.end
        if c.start in headings:  # the chunk opens with its section's heading, then the first sentence
            heading = headings[c.start]
            assert c.sentences[0].start > c.start
            assert doc.text[heading.end:c.sentences[0].start].strip() == ""
            led_by_heading += 1
        else:
            assert c.sentences[0].start == c.start
    assert led_by_heading == len(headings) == 2  # the news story's two headings each open a chunk


def test_ids_are_deterministic():
    a = Chunker().run(DocumentBuilder().run(LETTER_PDF))
    b = Chunker().run(DocumentBuilder().run(LETTER_PDF))
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
