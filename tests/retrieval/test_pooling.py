"""Sentence vectors pooled from a passage's own forward pass: the helper and every backend."""

import numpy as np
import pytest

from retrieval.embedders import HashingEmbedder
from retrieval.pooling import fill_missing, pool_spans

TEXT = ("Assessments: Most initial assessments were completed on time. Managers did not always record their "
        "decisions. Agency staff covered a third of the posts in the east team.")


def spans_of(text: str) -> list[tuple[int, int]]:
    out, start = [], text.index(":") + 2
    for part in text[start:].split(". "):
        end = start + len(part.rstrip("."))
        out.append((start, end + 1 if text[end:end + 1] == "." else end))
        start = end + 2
    return out


def test_pool_spans_averages_the_tokens_inside_each_span():
    tokens = np.array([[9, 9], [1, 0], [0, 1], [3, 4], [9, 9]], dtype=np.float32)  # [CLS] a b c [SEP]
    offsets = np.array([[0, 0], [0, 1], [2, 3], [4, 5], [0, 0]])
    vecs, missing = pool_spans(tokens, offsets, [(0, 3), (4, 5), (7, 9)])
    assert missing == [2]  # past the truncation: no token covers it
    np.testing.assert_allclose(vecs[0], np.array([1, 1]) / np.sqrt(2), atol=1e-6)  # specials never count
    np.testing.assert_allclose(vecs[1], [0.6, 0.8], atol=1e-6)
    assert not vecs[2].any()


def test_fill_missing_embeds_the_span_text_alone():
    emb = HashingEmbedder()
    pooled = [np.zeros((2, emb.dim), dtype=np.float32)]
    fill_missing(emb.embed_documents, [TEXT], [spans_of(TEXT)[:2]], pooled, [(0, 1)])
    a, b = spans_of(TEXT)[1]
    np.testing.assert_allclose(pooled[0][1], emb.embed_query(TEXT[a:b]))
    assert not pooled[0][0].any()


@pytest.fixture(params=["hashing", "sentence-transformers", "onnx-int8"])
def backend(request):
    if request.param == "hashing":
        return HashingEmbedder()
    return request.getfixturevalue("real_embedder" if request.param == "sentence-transformers" else "default_embedder")


def test_every_backend_gives_a_unit_vector_per_span_and_the_texts_own_vector(backend):
    texts = [TEXT, "No heading here. Just two sentences about supervision.", "Empty spans list."]
    spans = [spans_of(TEXT), [(0, 16), (17, 54)], []]
    vectors, pooled = backend.embed_with_spans(texts, spans)
    np.testing.assert_allclose(vectors, backend.embed_documents(texts), atol=1e-5)
    assert [len(p) for p in pooled] == [3, 2, 0]
    for p in pooled[:2]:
        np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    assert backend.embed_with_spans([], []) [1] == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sentence-transformers", "onnx-int8"])
def test_a_pooled_sentence_is_nearest_its_own_words(request, name):
    """Read in context, each sentence's vector is still closest to that sentence embedded alone,
    and a span over the whole text is (almost) the text's own vector."""
    emb = request.getfixturevalue("real_embedder" if name == "sentence-transformers" else "default_embedder")
    spans = spans_of(TEXT)
    vectors, pooled = emb.embed_with_spans([TEXT], [spans])
    alone = emb.embed_documents([TEXT[a:b] for a, b in spans])
    sims = pooled[0] @ alone.T
    assert list(sims.argmax(axis=1)) == [0, 1, 2]
    whole = emb.embed_with_spans([TEXT], [[(0, len(TEXT))]])[1][0][0]
    assert float(whole @ vectors[0]) > 0.99


@pytest.mark.slow
def test_sentences_past_the_models_truncation_are_embedded_alone(real_embedder):
    filler = " ".join(f"Paragraph {i} describes the work of team {i} in some detail." for i in range(60))
    text = filler + " The last sentence is about fostering placements."
    tail = (len(filler) + 1, len(text))
    _, pooled = real_embedder.embed_with_spans([text], [[(0, 40), tail]])
    alone = real_embedder.embed_query(text[tail[0]:tail[1]])
    assert float(pooled[0][1] @ alone) > 0.999  # not a zero row, not pooled from nothing
