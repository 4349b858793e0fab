"""The project's metrics agree with an independent scorer written from FORMAT.md alone."""

import json
import re
import subprocess
import sys

import pytest

from core.errors import ConfigError, QuestionSetError
from evaluation.compare import compare
from evaluation.gate import failures, parse_bars
from evaluation.metrics import score
from evaluation.questions import load_questions, unmatched_evidence
from tests.paths import ROOT


def independent_fold(s: str) -> str:
    for a, b in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("•", " "), ("\x7f", " ")):
        s = s.replace(a, b)
    return " ".join(s.split()).lower()


def independent_scores(records, questions, docs):
    """Straight from FORMAT.md's 'How a record is scored', sharing no code with the project."""
    qmap = {q["id"]: q for q in questions}
    hit5, cited, valid, abst = [], [], [], []
    for r in records:
        q = qmap[r["id"]]
        if q.get("answerable", True):
            for e in q["evidence"]:
                fe = independent_fold(e)
                hit5.append(any(fe in independent_fold(p["text"]) for p in r["retrieved"][:5]))
                cited.append(any(fe in independent_fold(c["quote"]) for c in r["citations"]))
        else:
            abst.append(r["abstained"])
        for c in r["citations"]:
            valid.append(c["quote"] in docs[c["document"]] and docs[c["document"]][c["start"]:c["end"]] == c["quote"])
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    return {"hit@5": mean(hit5), "cited": mean(cited), "validity": mean(valid), "abstention": mean(abst)}


@pytest.mark.slow
def test_metrics_agree_with_an_independent_scorer(corpus_service, tmp_path):
    from evaluation.runner import question_dicts

    qs = load_questions(ROOT / "questions" / "dev.jsonl")
    records = corpus_service.evaluate(qs, output=tmp_path / "r.jsonl").records
    docs = {m.filename: corpus_service.index.docstore.text(m.doc_id) for m in corpus_service.index.docstore.documents()}
    ours = score(records, question_dicts(qs), docs).summary
    theirs = independent_scores([json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()],
                                question_dicts(qs), docs)
    for k, v in theirs.items():
        assert round(ours[k], 3) == round(v, 3), k


CSV_OK = (
    "id,question,history,evidence,answerable,reference_answer\n"
    'c1,How regularly is supervision held?,,"In the majority of cases, supervision is held regularly",TRUE,Regularly\n'
    "c2,And for newly qualified staff?,What did the 2011 letter say about supervision?,"
    "additional supervision || The support varies though across the council,yes,\n"
    "c3,What is the Trust's annual budget?,,,FALSE,\n"
)


def test_csv_question_set_from_a_spreadsheet(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(("\ufeff" + CSV_OK).encode("utf-8"))  # Excel's 'CSV UTF-8' starts with a BOM
    qs = load_questions(path)
    assert [q.id for q in qs] == ["c1", "c2", "c3"]
    assert qs[1].history == ["What did the 2011 letter say about supervision?"]
    assert qs[1].evidence == ["additional supervision", "The support varies though across the council"]
    assert qs[2].answerable is False and qs[0].reference_answer == "Regularly"
    semi = tmp_path / "semi.csv"
    semi.write_text(CSV_OK.replace(",", ";").replace('"In the majority of cases; supervision', '"In the majority of cases, supervision'))
    assert len(load_questions(semi)) == 3


@pytest.mark.parametrize("content, where", [
    ("id,question,evidence\nc1,,x\n", r"sheet.csv:2: field 'question'"),
    ("id,question,evidence,answerable\nc1,Q?,x,perhaps\n", r"sheet.csv:2: field 'answerable'"),
    ("id,question,evidence\nc1,Q?,x\nc1,Q2?,y\n", r"sheet.csv:3: field 'id'"),
    ("id,question,evidence,colour\nc1,Q?,x,red\n", r"sheet.csv:1: unknown column"),
    ("id,question,evidence,answerable\nc1,Q?,,true\n", r"sheet.csv:2: field 'evidence'"),
])
def test_broken_csv_is_refused_with_line_and_field(tmp_path, content, where):
    path = tmp_path / "sheet.csv"
    path.write_text(content)
    with pytest.raises(QuestionSetError, match=where):
        load_questions(path)


def test_evidence_in_no_document_is_reported(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "q?", "evidence": ["not in any text", "alpha beta"]}) + "\n")
    warnings = unmatched_evidence(load_questions(path), {"d.txt": "Alpha  Beta gamma"})
    assert len(warnings) == 1 and "not in any text" in warnings[0] and "question x" in warnings[0]


def _rec(qid, quote, abstained=False):
    return {"id": qid, "answer": "a", "abstained": abstained, "latency_ms": 5,
            "citations": [] if abstained else [{"document": "d", "quote": quote, "start": 0, "end": len(quote)}],
            "retrieved": [{"text": quote}]}


def test_compare_and_gate():
    qs = [{"id": "a", "question": "qa", "evidence": ["alpha"], "answerable": True},
          {"id": "b", "question": "qb", "evidence": ["beta"], "answerable": True},
          {"id": "u", "question": "qu", "evidence": [], "answerable": False}]
    old = score([_rec("a", "alpha"), _rec("b", "gamma"), _rec("u", "", True)], qs)
    new = score([_rec("a", "delta"), _rec("b", "beta"), _rec("u", "", True)], qs)
    cmp = compare(old, new)
    assert cmp.newly_failed == ["a"] and cmp.newly_passed == ["b"]
    assert cmp.deltas["cited"] == (0.5, 0.5, 0.0)
    assert parse_bars("hit@5=0.95, cited=0.8") == {"hit@5": 0.95, "cited": 0.8}
    with pytest.raises(ConfigError, match="choose from"):
        parse_bars("hits=1")
    missed = failures({"hit@5": 0.9, "cited": 0.85, "false_abstention": 0.1}, parse_bars("hit@5=0.95,cited=0.8,false_abstention=0.05"))
    assert len(missed) == 2 and any("hit@5" in m for m in missed) and any("false_abstention" in m for m in missed)


@pytest.mark.slow
def test_eval_cli_gate_compare_and_csv(corpus_service, tmp_path):
    env_dir = str(corpus_service.settings.data_dir)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(CSV_OK)
    cmd = [sys.executable, "-m", "inspection_qa.cli", "--data-dir", env_dir, "eval", str(sheet)]
    first = subprocess.run(cmd + ["--output", str(tmp_path / "old.jsonl")], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    gate = subprocess.run(cmd + ["--output", str(tmp_path / "new.jsonl"), "--compare", str(tmp_path / "old.jsonl"),
                                 "--fail-under", "hit@5=1.01,cited=0"], capture_output=True, text=True)
    assert gate.returncode == 1
    assert "FAIL hit@5" in gate.stderr and "cited" not in gate.stderr
    assert "Compared with" in gate.stdout and "pass -> fail: none" in gate.stdout
    ok = subprocess.run(cmd + ["--output", str(tmp_path / "x.jsonl"), "--fail-under", "validity=1"],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "All bars met" in ok.stdout
    assert re.search(r"hit@5\s+\d\.\d{3}", ok.stdout)


@pytest.mark.slow
def test_ctrl_c_keeps_the_records_answered_so_far(corpus_service, tmp_path):
    import signal
    import time

    out = tmp_path / "partial.jsonl"
    many = tmp_path / "many.jsonl"
    lines = (ROOT / "questions" / "dev.jsonl").read_text().splitlines()
    many.write_text("\n".join(line.replace('"id": "dev', f'"id": "r{i}-dev') for i in range(6) for line in lines) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "inspection_qa.cli", "--data-dir", str(corpus_service.settings.data_dir),
                             "eval", str(many), "--output", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    for _ in range(600):
        if out.exists() and len(out.read_text().splitlines()) >= 3:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert 3 <= len(kept) < 6 * len(lines)
    assert f"{len(kept)} of {6 * len(lines)} questions answered and kept" in stderr
    assert "hit@5" in stdout  # the metrics of what was answered are still printed
