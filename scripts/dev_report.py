"""Per-question view of an eval run on the dev set: ranks, cited, abstained, scores (for tuning)."""
import json
import sys

from evaluation.metrics import score_record

qs = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1])}
for line in open(sys.argv[2]):
    r = json.loads(line)
    q = qs[r["id"]]
    res = score_record(r, q, None)
    s = {"ranks": res.ranks, "cited": res.cited}
    flag = ""
    if q.get("answerable", True) and r["abstained"]:
        flag = "FALSE-ABSTAIN"
    if not q.get("answerable", True) and not r["abstained"]:
        flag = "ANSWERED-UNANSWERABLE"
    print(f"{r['id']} {flag:22} ranks={s['ranks']} cited={s['cited']} q={q['question'][:80]!r}")
    if "-v" in sys.argv and (flag or not all(s["cited"])):
        for c in r["citations"]:
            print("      quote:", c["quote"][:120])
        for e in q["evidence"]:
            print("      evid :", e)
