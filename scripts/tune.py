"""Fit the sentence-scoring weights and the abstention threshold on dev question sets.

Usage: python scripts/tune.py DATA_DIR questions/dev.jsonl [more.jsonl ...]
Prints, for each setting tried, evidence cited, abstention and false abstention.
"""
import itertools
import json
import sys

import numpy as np

from answering.answerer import AbstentionPolicy
from answering.question_analysis import is_change_question, query_terms, unknown_names
from answering.scoring import SentenceScorer
from core.settings import Settings
from evaluation.metrics import contains
from inspection_qa.service import QAService

svc = QAService(Settings(data_dir=sys.argv[1]))
qs = [json.loads(line) for path in sys.argv[2:] if path.endswith(".jsonl") for line in open(path)]
cases = []
for q in qs:
    conv = svc.conversation()
    for h in q.get("history", []):
        conv.ask(h)
    ans = conv.ask(q["question"])
    terms = query_terms(ans.searched_question)
    unknown = [t for t in terms if svc.index.lexical.document_frequency(t) == 0]
    names = unknown_names(q["question"], lambda t: svc.index.lexical.document_frequency(t) > 0)
    cases.append((q, ans, terms, unknown, names))

answerer = svc.answerer
results = []
for wd, wl, wp, wc, thr, margin, mq in itertools.product(
    [0.5], [0.25], [0.3], [0.0], [0.3], [0.2], [4]) if "--quick" in sys.argv else itertools.product(
    [0.4, 0.5, 0.6], [0.25, 0.35, 0.45], [0.0, 0.15, 0.3], [0.0, 0.2, 0.4], [0.3, 0.35, 0.4], [0.12, 0.16, 0.2], [4]
):
    answerer.settings = answerer.settings.replace(max_quotes=mq)
    answerer.policy = AbstentionPolicy(threshold=thr)
    cited, abst_u, abst_a = [], [], []
    for q, ans, terms, unknown, names in cases:
        scorer = SentenceScorer(wd, wl, wp, wc)
        for c in ans.candidates:
            c.score = scorer.combine(c)
        ranked = sorted(ans.candidates, key=lambda c: -c.score)
        reason = answerer.policy.decide(q["question"], ranked, unknown, terms, names)
        if not q.get("answerable", True):
            abst_u.append(bool(reason))
            continue
        abst_a.append(bool(reason))
        chosen = [] if reason else answerer.choose(ranked, is_change_question(q["question"]), margin=margin)
        for ev in q["evidence"]:
            cited.append(any(contains(c.text, ev) for c in chosen))
    results.append((np.mean(cited), np.mean(abst_u), np.mean(abst_a), (wd, wl, wp, wc, thr, margin, mq)))
results.sort(key=lambda r: -(r[0] + r[1] - 3 * max(0, r[2] - 0.03)))
for r in results[:25]:
    print("cited %.3f abst %.3f false_abst %.3f  w=%s" % r)

if "--show" in sys.argv:
    wd, wl, wp, thr = 0.5, 0.35, 0.3, 0.3
    for q, ans, terms, unknown, names in cases:
        if q.get("answerable", True):
            continue
        for c in ans.candidates:
            c.score = SentenceScorer(wd, wl, wp).combine(c)
        ranked = sorted(ans.candidates, key=lambda c: -c.score)
        b = ranked[0]
        print(f"UNANS {b.score:.2f} d={b.dense:.2f} l={b.lexical:.2f} unk={unknown} terms={terms} | {q['question'][:60]} -> {b.text[:70]}")
    low = []
    for q, ans, terms, unknown, names in cases:
        if not q.get("answerable", True):
            continue
        for c in ans.candidates:
            c.score = SentenceScorer(wd, wl, wp).combine(c)
        b = max(ans.candidates, key=lambda c: c.score)
        low.append((b.score, b.dense, b.lexical, unknown, terms, q["question"][:60]))
    for row in sorted(low)[:15]:
        print("ANS %.2f d=%.2f l=%.2f unk=%s terms=%s | %s" % row)
