"""Fit the sentence ranker, the abstention threshold and the extra-quote ratio on a dev library.

    python scripts/fit_ranker.py \\
        --tune questions/library/documents questions/library/tune.jsonl \\
        --tune corpus questions/dev.jsonl \\
        --check questions/library/documents questions/library/holdout.jsonl \\
        [--data-dir /tmp/fit-data] [--out answering/ranker.json]

Each `--tune`/`--check` names a folder of documents and a question set about them; several libraries
of different sizes (many councils; one letter and its news) calibrate the threshold for both.
1. Ingests each folder into its own data folder (unchanged files are skipped) with the default backend.
2. Asks every tuning question through the service (history first, in one conversation), keeping every
   candidate sentence with its features (answering/features.py). A candidate is labelled 1 when it holds
   one of the question's evidence strings (folded containment either way, docs/FORMAT.md), else 0.
3. Fits scikit-learn's LogisticRegression on standardised features; C is chosen by 5-fold
   cross-validation grouped by question, on the share of answerable questions whose best candidate holds
   evidence.
4. Chooses the abstention threshold on the best candidate's probability: most tuning questions right
   (answerable: answered with evidence first; unanswerable: declined) with at most 5% of the answerable
   ones declined. Then the extra-quote ratio: a further quote is shown when its probability is at least
   ratio x the best's; the ratio with the most evidence cited, less QUOTE_COST per quote shown.
5. Writes the model with the figures it reached on the tuning split and on the held-out `--check` split,
   which takes no part in fitting.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from answering.features import NAMES, generic  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.text import fold  # noqa: E402
from evaluation.questions import load_questions  # noqa: E402
from inspection_qa.service import QAService  # noqa: E402

MAX_FALSE_ABSTENTION = 0.05
RATIO_TOLERANCE = 0.005
QUOTE_COST = 0.02  # evidence cited a further quote must add to be worth showing ("only when they add something")


def holds(text: str, evidence: list[str]) -> bool:
    t = fold(text)
    return any(fold(e) in t or (len(t.split()) >= 6 and t in fold(e)) for e in evidence)


def collect(service: QAService, questions) -> list[dict]:
    """Per question: answerable, evidence, declined-by-rule reason, candidates' features and labels."""
    out = []
    for q in questions:
        conv = service.conversation()
        for earlier in q.history:
            conv.ask(earlier)
        answer = conv.ask(q.question)
        fitted = ("best evidence scores", "what was retrieved does not address")
        rule = answer.reason if answer.abstained and not answer.reason.startswith(fitted) else ""
        cands = answer.candidates
        qf = answer.question_features or {}
        at = answer.constraints.answer_type if answer.constraints is not None else "what"
        out.append({
            "id": q.id, "kind": q.question_kind, "answerable": q.answerable, "evidence": q.evidence, "rule": rule,
            "X": np.array([[c.features[n] for n in NAMES] for c in cands], dtype=float).reshape(-1, len(NAMES)),
            "y": np.array([holds(c.text, q.evidence) if q.answerable else False for c in cands], dtype=int),
            "texts": [c.text for c in cands],
            "specific": np.array([not generic(c, at, "sign_off" if c.block == "sign_off" else
                                              "address" if c.block == "address" else "") for c in cands], dtype=bool),
            "static": [qf.get("coverage", 1.0), qf.get("terms", 0.0), qf.get("constrained", 0.0)],
        })
    return out


def top1(model, scaler, rows) -> float:
    hits = [r["y"][int(np.argmax(model.predict_proba(scaler.transform(r["X"]))[:, 1]))] if len(r["y"]) else 0
            for r in rows if r["answerable"] and r["y"].any()]
    return float(np.mean(hits)) if hits else 0.0


QUESTION_FEATURES = ["top", "second", "coverage", "terms", "constrained"]


def question_rows(rows, probs) -> np.ndarray:
    """The question-level features the answerer computes (answering.answerer.question_features)."""
    out = []
    for r, p in zip(rows, probs):
        idx = [i for i in np.argsort(-p) if r["specific"][i]] if len(p) else []
        top = idx[0] if idx else None
        out.append([p[top] if top is not None else 0.0, p[idx[1]] if len(idx) > 1 else 0.0, *r["static"]])
    return np.array(out, dtype=float)


def outcomes(rows, probs, threshold: float, ratio: float, max_quotes: int = 4, answerable_p=None,
             answer_threshold: float = 0.0) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    declined_answerable = right = cited = quotes = answered = declined_unanswerable = 0
    for n, (r, p) in enumerate(zip(rows, probs)):
        spec = [i for i in np.argsort(-p) if r["specific"][i]] if len(p) else []
        declined = bool(r["rule"]) or not spec or p[spec[0]] < threshold or (
            answerable_p is not None and answerable_p[n] < answer_threshold)
        if not r["answerable"]:
            right += declined
            declined_unanswerable += declined
            continue
        if declined:
            declined_answerable += 1
            continue
        order = spec
        chosen = [i for i in order[:max_quotes] if p[i] >= ratio * p[order[0]]]
        got = [any(fold(e) in fold(r["texts"][i]) for i in chosen) for e in r["evidence"]]
        cited += float(np.mean(got)) if got else 0.0
        right += bool(r["y"][order[0]])
        quotes += len(chosen)
        answered += 1
    n = len(rows)
    unanswerable = n - len(answerable)
    return {"right": right / n if n else 0.0, "false_abstention": declined_answerable / max(1, len(answerable)),
            "cited": cited / max(1, len(answerable)), "quotes_per_answer": quotes / max(1, answered),
            "abstention": declined_unanswerable / max(1, unanswerable),
            "objective": (cited + declined_unanswerable) / n if n else 0.0}


def extend_model(path: Path) -> None:
    """Collecting candidates runs the answerer, which needs a model with every feature the code computes:
    a feature new since the last fit enters the model with weight 0 (mean 0, scale 1) until it is fitted."""
    model = json.loads(path.read_text("utf-8"))
    missing = [n for n in NAMES if n not in model["features"]]
    if not missing:
        return
    print(f"{path}: new features {missing} enter with weight 0 for collection", file=sys.stderr)
    model["features"] += missing
    model["weights"] += [0.0] * len(missing)
    model["means"] += [0.0] * len(missing)
    model["scales"] += [1.0] * len(missing)
    path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tune", nargs=2, action="append", metavar=("DOCUMENTS", "QUESTIONS"), required=True)
    ap.add_argument("--check", nargs=2, action="append", metavar=("DOCUMENTS", "QUESTIONS"), default=[])
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/inspection-qa-fit"))
    ap.add_argument("--out", type=Path, default=ROOT / "answering" / "ranker.json")
    args = ap.parse_args()

    extend_model(args.out)
    services: dict[str, QAService] = {}

    def gather(sets) -> list[dict]:
        rows = []
        for documents, questions in sets:
            if documents not in services:
                resolved = Path(documents).resolve()
                folder = args.data_dir / f"{resolved.name}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"
                services[documents] = QAService(Settings.from_env(os.environ, data_dir=folder))
                report = services[documents].ingest(services[documents].files_to_ingest([Path(documents)]))
                print(f"{documents}: {report.summary()}", file=sys.stderr)
            rows += collect(services[documents], load_questions(Path(questions)))
        return rows

    tune = gather(args.tune)
    rows = [r for r in tune if len(r["y"])]
    X = np.vstack([r["X"] for r in rows])
    y = np.concatenate([r["y"] for r in rows])
    groups = np.concatenate([[i] * len(r["y"]) for i, r in enumerate(rows)])
    scaler = StandardScaler().fit(X)
    cv = {}
    for C in (0.01, 0.03, 0.1, 0.3, 1.0, 3.0):
        scores = []
        for train, test in GroupKFold(n_splits=5).split(X, y, groups):
            m = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(scaler.transform(X[train]), y[train])
            test_rows = [r for i, r in enumerate(rows) if i in set(groups[test])]
            scores.append(top1(m, scaler, test_rows))
        cv[C] = (float(np.mean(scores)), float(np.std(scores) / np.sqrt(len(scores))))
        print(f"C={C}: cross-validated top-1 {cv[C][0]:.3f} (standard error {cv[C][1]:.3f})", file=sys.stderr)
    # the one-standard-error rule (Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, 7.10):
    # the most regularised C whose score is within one standard error of the best; refits on data this size
    # otherwise swing between C values whose scores differ by less than their noise
    top_mean, top_se = max(cv.values())
    C = min(c for c, (mean, _) in cv.items() if mean >= top_mean - top_se)
    best = (cv[C][0], C)
    model = LogisticRegression(C=best[1], class_weight="balanced", max_iter=2000).fit(scaler.transform(X), y)

    def probs(data):
        return [model.predict_proba(scaler.transform(r["X"]))[:, 1] if len(r["y"]) else np.zeros(0) for r in data]

    tune_probs = probs(tune)
    # the question-level model: does the library answer this question at all?
    qX = question_rows(tune, tune_probs)
    qy = np.array([r["answerable"] for r in tune], dtype=int)
    qscaler = StandardScaler().fit(qX)
    qmodel = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(qscaler.transform(qX), qy)
    tune_answerable = qmodel.predict_proba(qscaler.transform(qX))[:, 1]
    fits = []
    for t in np.round(np.arange(0.05, 0.91, 0.05), 2):
        for a in np.round(np.arange(0.0, 0.91, 0.05), 2):
            o = outcomes(tune, tune_probs, float(t), 0.5, answerable_p=tune_answerable, answer_threshold=float(a))
            if o["false_abstention"] <= MAX_FALSE_ABSTENTION:
                fits.append((o["objective"], float(t), float(a)))
    # the best objective is often reached on a plateau of thresholds (the rules decline most questions):
    # the middle of the plateau, not its edge, so that a small shift in probabilities does not cross it
    top = max(f[0] for f in fits)
    plateau = sorted(f for f in fits if f[0] >= top - 1e-9)
    _, threshold, answer_threshold = sorted(plateau, key=lambda f: (f[1], f[2]))[len(plateau) // 2]
    print(f"best objective {top:.4f} on {len(plateau)} (threshold, answer threshold) pairs from "
          f"{plateau[0][1:]} to {plateau[-1][1:]}; chose {threshold}, {answer_threshold}", file=sys.stderr)
    values = {}
    for r in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01):
        o = outcomes(tune, tune_probs, threshold, r, answerable_p=tune_answerable, answer_threshold=answer_threshold)
        values[r] = o["cited"] - QUOTE_COST * o["quotes_per_answer"]
        print(f"extra-quote ratio {r}: cited {o['cited']:.3f}, {o['quotes_per_answer']:.2f} quotes, "
              f"value {values[r]:.4f}", file=sys.stderr)
    # values within RATIO_TOLERANCE of the best are a tie at this data's size: the lowest such ratio (more
    # evidence shown) wins, so that refitting does not swing between two near-equal ratios
    ratio = min(r for r, v in values.items() if v >= max(values.values()) - RATIO_TOLERANCE)
    figures = {"tune": outcomes(tune, tune_probs, threshold, ratio, answerable_p=tune_answerable,
                                answer_threshold=answer_threshold),
               "tune_top1_cv": best[0], "C": best[1]}
    for documents, questions in args.check:
        check = gather([(documents, questions)])
        check_probs = probs(check)
        check_answerable = qmodel.predict_proba(qscaler.transform(question_rows(check, check_probs)))[:, 1]
        figures[f"check {questions}"] = outcomes(check, check_probs, threshold, ratio, answerable_p=check_answerable,
                                                 answer_threshold=answer_threshold)
    out = {
        "note": "fitted by scripts/fit_ranker.py; do not edit by hand",
        "fitted_on": [q for _, q in args.tune], "checked_on": [q for _, q in args.check],
        "date": date.today().isoformat(), "features": list(NAMES),
        "weights": [round(float(w), 6) for w in model.coef_[0]], "bias": round(float(model.intercept_[0]), 6),
        "means": [round(float(m), 6) for m in scaler.mean_], "scales": [round(float(s), 6) for s in scaler.scale_],
        "threshold": threshold, "extra_ratio": ratio,
        "abstain": {"features": QUESTION_FEATURES, "weights": [round(float(w), 6) for w in qmodel.coef_[0]],
                    "bias": round(float(qmodel.intercept_[0]), 6),
                    "means": [round(float(m), 6) for m in qscaler.mean_],
                    "scales": [round(float(x), 6) for x in qscaler.scale_], "threshold": answer_threshold},
        "figures": figures,
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
