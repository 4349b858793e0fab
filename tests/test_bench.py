"""The benchmark machinery: the synthetic corpus generator and a tiny bench run.

These check that the bench runs and reports every figure; they never assert timing targets
(wall-clock numbers depend on the machine and on what else runs on it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_generator_writes_pdfs_and_text_the_pipeline_reads(tmp_path):
    import pypdf

    from bench.corpus import CorpusGenerator, load_pool
    from ingest.builder import DocumentBuilder
    from ingest.chunking import Chunker

    pool = load_pool()
    assert len(pool.sentences) > 50  # real wording from corpus/
    gen = CorpusGenerator(seed=3)
    paths = gen.write(tmp_path, 6, pdf_share=0.6)
    assert len(paths) == 6 and all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert {p.suffix for p in paths} & {".pdf"} and {p.suffix for p in paths} & {".txt", ".md"}
    # seed 3 draws no news story (the one kind written without headings or bullets)
    assert [d.kind for d in gen.documents(6)] == ["report", "letter", "monitoring", "report", "report", "letter"]
    for p in paths:
        if p.suffix == ".pdf":
            assert len(pypdf.PdfReader(str(p)).pages) >= 1
        doc = DocumentBuilder().run(p)
        chunks = Chunker().run(doc)
        assert chunks and all(doc.text[c.start:c.end] == c.text for c in chunks)
        kinds = {b.block_kind for b in doc.blocks}
        assert {"bullet", "heading"} <= kinds, (p.name, kinds)  # the structure written comes back

    # seeded: the same document again, another with another seed; a document depends only on (seed, i)
    assert gen.document(4) == CorpusGenerator(seed=3).document(4)
    assert gen.document(4) != CorpusGenerator(seed=4).document(4)
    # perturbed, not copied: some sentences differ from every real one
    body = [t for d in gen.documents(6) for k, t in d.blocks if k == "bullet"]
    assert body and any(t not in pool.sentences for t in body)


def test_tiny_bench_reports_every_figure(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "bench.run", "--quick", "--sizes", "500", "--ingest-docs", "2", "--questions", "5",
           "--base-vectors", "100", "--cold-runs", "1", "--out", str(out), "--work", str(tmp_path / "work")]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    results = json.loads((out / "results.json").read_text())
    names = results["meta"]["embedders"]
    assert names[0] == "sentence-transformers"
    # another backend (onnx-int8) that cannot load is reported under errors, not fatal to the run
    names = [n for n in names if n not in results["errors"]]
    assert names[0] == "sentence-transformers"

    def positive(d: dict, *keys: str) -> None:
        for k in keys:
            assert isinstance(d[k], (int, float)) and d[k] > 0, (k, d[k])

    for name in names:
        ing = results["ingest"][name]
        positive(ing, "files", "pages", "chunks", "ingest_s", "ingest_pages_per_s", "ingest_chunks_per_s",
                 "raw_chunks_per_s", "ingest_to_raw_ratio", "reingest_s", "reingest_share")
        assert ing["reingest_all_unchanged"] and ing["raw_same_texts"]
        qa = results["corpus_qa"][name]
        # the first five questions of questions/dev.jsonl, each with one evidence string
        assert qa["questions"] == 5 and qa["evidence"] == 5 and 0 <= qa["found"] <= 5
        assert qa["hit@5"] == round(qa["found"] / qa["evidence"], 4)
        positive(qa["latency"], "p50_ms", "p95_ms")
        positive(results["cold_start"][name], "median_s", "min_s")
        scale = results["scale"][name]
        assert [s["chunks"] for s in scale["sizes"]] == [500]
        size = scale["sizes"][0]
        assert size["build"]["chunks"] == 500 and size["build"]["dense_entries"] == 500
        positive(size["serve"]["latency"], "p50_ms", "p95_ms")
        positive(size["serve"], "peak_rss_mb", "warm_up_s")
        positive(size["build"], "peak_rss_mb", "total_s")
        assert 0.0 < scale["composed_vs_real_cosine"]["mean"] <= 1.0

    for variant in ("default", "torch_threads_1", "omp_wait_policy_passive"):
        positive(results["thread_check"][variant], "median_ms")

    tut = results["tutorial"]
    positive(tut, "chunks", "ingest_s", "ingest_pages_per_s", "ingest_chunks_per_s")
    # the tutorial answers the same questions as every backend, so it looks for the same evidence
    assert {results["corpus_qa"][n]["evidence"] for n in names} == {tut["evidence"]}
    assert 0 <= tut["found"] <= tut["evidence"]
    assert tut["hit@5"] == round(tut["found"] / tut["evidence"], 4)
    positive(tut["latency"], "p50_ms", "p95_ms")
    positive(results["comparison"], "ingest_pages_per_s_project_over_tutorial")

    targets = {(t["embedder"], t["name"]): t for t in results["targets"]}
    assert targets[("sentence-transformers", "ingest_to_raw_ratio")]["value"] > 0
    # whether a timing target is met depends on the machine; that "met" agrees with the value and
    # the target does not. The quick run measures no 10,000- or 100,000-chunk scale: those have no value.
    compare = {">=": lambda v, b: v >= b, "<=": lambda v, b: v <= b, "<": lambda v, b: v < b, ">": lambda v, b: v > b}
    for key, t in targets.items():
        op, bar = t["target"].split()
        if t["value"] is None:
            assert t["met"] is None and key[1].endswith(("@10000", "@100000")), t
        elif t["value"] != float(bar):  # (a value rounded onto the bar no longer shows its side)
            assert t["met"] is compare[op](t["value"], float(bar)), t
    for name in names:
        share = results["ingest"][name]["reingest_share"]
        assert targets[(name, "reingest_share")]["value"] == round(share, 4)
    default = results["meta"]["default_embedder"]
    against_tutorial = targets.get((default, "dev hit@5 minus the tutorial's"))
    if default in names:
        assert against_tutorial["value"] == round(results["corpus_qa"][default]["hit@5"] - tut["hit@5"], 4)
    else:  # the default backend could not load here: nothing to compare
        assert against_tutorial is None
    md = (out / "results.md").read_text()
    assert "| backend | metric | value | target | met |" in md and "ingest/raw" in md
