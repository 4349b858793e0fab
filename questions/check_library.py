#!/usr/bin/env python3
"""Check an evaluation library folder (standard library only); each library's check.py calls `main`
with its own folder and minimums.

Verifies that:
  * every document in documents/ is a non-empty UTF-8 .txt file (no sidecars);
  * every question in tune.jsonl and holdout.jsonl is well formed: unique id,
    valid kind, answerable flag consistent with kind, evidence a list of
    strings, history only (and always) on follow-ups;
  * every evidence string is contained in at least one document after folding
    whitespace, case and curly/straight quotes, and - where sources.json names
    the document(s) an evidence string was copied from - that it is contained
    in exactly those documents and no others;
  * change-over-time (timeline) questions draw on at least two documents;
  * per-kind and per-split counts meet the library's minimums.

Each evidence string's containing files are printed (use --quiet to print
only problems and the summary). Exit status is 0 when everything passes.

Usage (from a library folder): python3 check.py [--quiet]
"""

import json
import os
import re
import sys
from collections import Counter

from collections import namedtuple

SPLITS = ("tune", "holdout")
# the least a library must hold: documents, questions of each answerable kind, unanswerable ones, in all
Minimums = namedtuple("Minimums", "documents per_answerable_kind unanswerable total")

ANSWERABLE_KINDS = (
    "factual", "paraphrase", "disambiguation", "timeline", "followup",
    "numeric", "who", "when", "judgement",
)
KINDS = ANSWERABLE_KINDS + ("unanswerable",)
EVIDENCE_WORDS = (5, 25)  # advisory range; outside it is a warning only

QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
}
_QUOTE_RE = re.compile("[" + "".join(QUOTE_MAP) + "]")
_WS_RE = re.compile(r"\s+")


def fold(text):
    """Fold curly quotes to straight ones, case, and runs of whitespace."""
    text = _QUOTE_RE.sub(lambda m: QUOTE_MAP[m.group(0)], text)
    text = text.casefold()
    return _WS_RE.sub(" ", text).strip()


class Report:
    def __init__(self, quiet):
        self.quiet = quiet
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)
        print("ERROR: " + msg)

    def warn(self, msg):
        self.warnings.append(msg)
        print("warning: " + msg)

    def info(self, msg):
        if not self.quiet:
            print(msg)


def load_documents(rep, here, minimum):
    doc_dir = os.path.join(here, "documents")
    docs = {}
    if not os.path.isdir(doc_dir):
        rep.error("documents/ folder is missing")
        return docs
    for name in sorted(os.listdir(doc_dir)):
        path = os.path.join(doc_dir, name)
        if not os.path.isfile(path):
            rep.error("documents/%s is not a plain file" % name)
            continue
        if not name.endswith(".txt"):
            rep.error("documents/%s is not a .txt file (no sidecars allowed)" % name)
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            rep.error("documents/%s is not valid UTF-8" % name)
            continue
        if not text.strip():
            rep.error("documents/%s is empty" % name)
            continue
        docs[name] = fold(text)
    if len(docs) < minimum:
        rep.error("only %d documents (need at least %d)" % (len(docs), minimum))
    return docs


def load_split(here, split, rep):
    path = os.path.join(here, split + ".jsonl")
    items = []
    if not os.path.exists(path):
        rep.error("%s.jsonl is missing" % split)
        return items
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rep.error("%s.jsonl line %d: invalid JSON (%s)" % (split, lineno, exc))
                continue
            if not isinstance(obj, dict):
                rep.error("%s.jsonl line %d: not a JSON object" % (split, lineno))
                continue
            items.append((lineno, obj))
    return items


def check_record(split, lineno, q, rep):
    where = "%s.jsonl line %d (%s)" % (split, lineno, q.get("id", "?"))
    ok = True
    for key, typ in (("id", str), ("question", str), ("evidence", list),
                     ("answerable", bool), ("reference_answer", str), ("kind", str)):
        if key not in q:
            rep.error("%s: missing field %r" % (where, key))
            ok = False
        elif not isinstance(q[key], typ):
            rep.error("%s: field %r should be %s" % (where, key, typ.__name__))
            ok = False
    if not ok:
        return False
    if not q["question"].strip():
        rep.error("%s: empty question" % where)
    if not q["reference_answer"].strip():
        rep.error("%s: empty reference_answer" % where)
    kind = q["kind"]
    if kind not in KINDS:
        rep.error("%s: invalid kind %r" % (where, kind))
        return False
    if any(not isinstance(e, str) or not e.strip() for e in q["evidence"]):
        rep.error("%s: every evidence item must be a non-empty string" % where)
        return False
    if kind == "unanswerable":
        if q["answerable"]:
            rep.error("%s: unanswerable question marked answerable" % where)
        if q["evidence"]:
            rep.error("%s: unanswerable question must have empty evidence" % where)
    else:
        if not q["answerable"]:
            rep.error("%s: kind %r must be answerable" % (where, kind))
        if not q["evidence"]:
            rep.error("%s: answerable question has no evidence" % where)
    extra = set(q) - {"id", "question", "evidence", "answerable",
                      "reference_answer", "kind", "history"}
    if extra:
        rep.warn("%s: unexpected fields %s" % (where, sorted(extra)))
    if kind == "followup":
        hist = q.get("history")
        if not isinstance(hist, list) or not hist or \
                any(not isinstance(h, str) or not h.strip() for h in hist):
            rep.error("%s: follow-up needs a non-empty list of earlier questions in 'history'" % where)
    elif "history" in q:
        rep.error("%s: only follow-up questions may carry 'history'" % where)
    return True


def main(here, minimums, argv=None):
    """Check the library in folder `here` against `minimums`; 0 when everything passes, else 1."""
    quiet = "--quiet" in (sys.argv[1:] if argv is None else argv)
    rep = Report(quiet)
    docs = load_documents(rep, here, minimums.documents)

    sources = {}
    sources_file = os.path.join(here, "sources.json")
    if os.path.exists(sources_file):
        with open(sources_file, encoding="utf-8") as fh:
            sources = json.load(fh)
    else:
        rep.warn("sources.json not found: containing files are reported but not compared")

    seen_ids = {}
    per_split = {s: Counter() for s in SPLITS}
    n_evidence = 0
    n_shared = 0
    doc_use = Counter()

    for split in SPLITS:
        for lineno, q in load_split(here, split, rep):
            if not check_record(split, lineno, q, rep):
                continue
            qid = q["id"]
            if qid in seen_ids:
                rep.error("duplicate id %s (%s and %s.jsonl)" % (qid, seen_ids[qid], split))
            seen_ids[qid] = split + ".jsonl"
            per_split[split][q["kind"]] += 1

            expected = sources.get(qid)
            if expected is not None and len(expected) != len(q["evidence"]):
                rep.error("%s: sources.json lists %d sources for %d evidence strings"
                          % (qid, len(expected), len(q["evidence"])))
                expected = None
            if sources and expected is None and q["evidence"]:
                rep.warn("%s: no entry in sources.json" % qid)

            rep.info("%s [%s/%s] %s" % (qid, split, q["kind"], q["question"]))
            q_docs = set()
            for i, ev in enumerate(q["evidence"]):
                n_evidence += 1
                fev = fold(ev)
                found = sorted(name for name, text in docs.items() if fev in text)
                q_docs.update(found)
                doc_use.update(found)
                words = len(ev.split())
                rep.info("    evidence %d (%d words) -> %s" % (i + 1, words, ", ".join(found) or "NOT FOUND"))
                if not found:
                    rep.error("%s: evidence %d not found in any document: %r" % (qid, i + 1, ev))
                    continue
                if len(found) > 1:
                    n_shared += 1
                if not (EVIDENCE_WORDS[0] <= words <= EVIDENCE_WORDS[1]):
                    rep.warn("%s: evidence %d has %d words (advised %d-%d)"
                             % (qid, i + 1, words, EVIDENCE_WORDS[0], EVIDENCE_WORDS[1]))
                if expected is not None:
                    want = expected[i]
                    want = sorted([want] if isinstance(want, str) else want)
                    missing = [w for w in want if w not in docs]
                    if missing:
                        rep.error("%s: sources.json names unknown document(s) %s" % (qid, missing))
                    elif found != want:
                        rep.error("%s: evidence %d is in %s but is meant to be in %s"
                                  % (qid, i + 1, found, want))
                elif len(found) > 1:
                    rep.warn("%s: evidence %d occurs in %d documents" % (qid, i + 1, len(found)))
            if q["kind"] == "timeline" and expected is not None:
                distinct = {e if isinstance(e, str) else tuple(e) for e in expected}
                if len(distinct) < 2:
                    rep.error("%s: timeline question should draw on at least two documents" % qid)
            elif q["kind"] == "timeline" and len(q_docs) < 2:
                rep.error("%s: timeline question should draw on at least two documents" % qid)

    unknown = set(sources) - set(seen_ids)
    if unknown:
        rep.warn("sources.json has entries for unknown ids: %s" % sorted(unknown))

    # Counts
    total = Counter()
    for split in SPLITS:
        total.update(per_split[split])
    n_total = sum(total.values())
    print()
    print("Documents: %d" % len(docs))
    print("Questions: %d (tune %d, holdout %d)" % (
        n_total, sum(per_split["tune"].values()), sum(per_split["holdout"].values())))
    print("Evidence strings: %d, of which %d occur in more than one document" % (n_evidence, n_shared))
    unused = sorted(set(docs) - set(doc_use))
    print("Documents cited by no evidence: %d%s" % (len(unused), (" (" + ", ".join(unused) + ")") if unused else ""))
    print()
    print("%-16s %6s %8s %6s" % ("kind", "tune", "holdout", "total"))
    for kind in KINDS:
        print("%-16s %6d %8d %6d" % (kind, per_split["tune"][kind], per_split["holdout"][kind], total[kind]))
    print("%-16s %6d %8d %6d" % ("all", sum(per_split["tune"].values()),
                                  sum(per_split["holdout"].values()), n_total))

    for kind in KINDS:
        need = minimums.unanswerable if kind == "unanswerable" else minimums.per_answerable_kind
        if total[kind] < need:
            rep.error("kind %r has %d questions (need at least %d)" % (kind, total[kind], need))
        for split in SPLITS:
            if per_split[split][kind] == 0:
                rep.error("kind %r is missing from %s.jsonl" % (kind, split))
    if n_total < minimums.total:
        rep.error("only %d questions (need at least %d)" % (n_total, minimums.total))
    if n_total:
        share = sum(per_split["tune"].values()) / n_total
        print("tune share: %.0f%%" % (100 * share))
        if not 0.6 <= share <= 0.8:
            rep.warn("tune share %.0f%% is far from 70%%" % (100 * share))

    print()
    if rep.errors:
        print("FAIL: %d error(s), %d warning(s)" % (len(rep.errors), len(rep.warnings)))
        return 1
    print("PASS: 0 errors, %d warning(s)" % len(rep.warnings))
    return 0

