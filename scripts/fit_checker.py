"""Fit the sentence checker's thresholds (generation/checker.json) on a calibration set.

    python scripts/fit_checker.py [--calibration tests/fixtures/generation/calibration.jsonl]
                                  [--out generation/checker.json] [--models-dir DIR]

The calibration set holds sentences a model might write against one or two numbered quotations, each
labelled supported or not by what the quotations carry (copies, paraphrases and summaries; contradictions,
invented content, overreach, and a true sentence citing the wrong quotation). Each line:
{"id", "quotes": {"1": text, ...}, "sentence": "... [1].", "supported": bool, "kind": str}.

1. Every sentence goes through the checker's hard rules (generation/checker.py `rule_reason`); a sentence
   they withhold counts as predicted unsupported whatever the thresholds.
2. For the rest, two measures: `words` (share of content words in the cited quotations) and `similarity`
   (cosine to the closest cited quotation, with the default embedding backend).
3. A sentence the rules pass is supported when words >= `words_min`, or words >= `words_with_similarity_min`
   and similarity >= `similarity_min` (a paraphrase: fewer of the same words, the same meaning); with an
   index of another embedder, when words >= `words_only_min`. The thresholds are the candidate cut points
   (midpoints between observed values) that minimise the cost over the whole set, a supported verdict on an unsupported sentence costing FALSE_SUPPORT_COST and a withheld supported
   sentence 1; ties go to the stricter thresholds.
4. Leave-one-out: each sentence judged by thresholds fitted on the others; those figures are written
   beside the thresholds, with the training figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FALSE_SUPPORT_COST = 3.0  # showing a sentence the quotations do not carry is worse than withholding a true one


def cut_points(values: np.ndarray) -> np.ndarray:
    v = np.unique(np.round(values, 4))
    return np.concatenate([[v[0] - 1e-3], (v[:-1] + v[1:]) / 2, [v[-1] + 1e-3]]) if len(v) else np.array([0.0])


def cost(pred: np.ndarray, label: np.ndarray) -> float:
    return float(FALSE_SUPPORT_COST * np.sum(pred & ~label) + np.sum(~pred & label))


def fit(words: np.ndarray, sim: np.ndarray | None, rules_ok: np.ndarray,
        label: np.ndarray) -> tuple[float, float, float]:
    """(words_min, words_with_similarity_min, similarity_min) with the least cost: a sentence passing the rules
    is supported when words >= words_min, or words >= words_with_similarity_min and similarity >=
    similarity_min. With `sim` None, only words_min is fitted (the others are returned as 1 and 1)."""
    w_cuts = cut_points(words[rules_ok]) if rules_ok.any() else np.array([0.0])
    if sim is None:
        costs = [(cost(rules_ok & (words >= w), label), -w) for w in w_cuts]
        c, neg_w = min(costs)
        return round(-neg_w, 4), 1.0, 1.0
    s_cuts = cut_points(sim[rules_ok]) if rules_ok.any() else np.array([1.0])
    best: tuple | None = None
    for w_lo in w_cuts:
        # (len(s_cuts), n): the second path, for every similarity cut at once
        second = rules_ok & (words >= w_lo) & (sim[None, :] >= s_cuts[:, None])
        for w_hi in w_cuts[w_cuts >= w_lo]:
            first = rules_ok & (words >= w_hi)
            pred = first[None, :] | second
            costs = FALSE_SUPPORT_COST * np.sum(pred & ~label, axis=1) + np.sum(~pred & label, axis=1)
            i = int(np.lexsort((-s_cuts, costs))[0])  # least cost, then the strictest similarity cut
            key = (float(costs[i]), -float(w_hi), -float(w_lo), -float(s_cuts[i]))
            if best is None or key < best:
                best = key
    assert best is not None
    return round(-best[1], 4), round(-best[2], 4), round(-best[3], 4)


def predict(words: np.ndarray, sim: np.ndarray, rules_ok: np.ndarray, t: tuple[float, float, float]) -> np.ndarray:
    return rules_ok & ((words >= t[0]) | ((words >= t[1]) & (sim >= t[2])))


def figures(pred: np.ndarray, label: np.ndarray) -> dict:
    unsupported, supported = int(np.sum(~label)), int(np.sum(label))
    return {
        "accuracy": round(float(np.mean(pred == label)), 4),
        "false_support": round(float(np.sum(pred & ~label) / max(unsupported, 1)), 4),
        "kept_supported": round(float(np.sum(pred & label) / max(supported, 1)), 4),
        "sentences": len(label), "supported": supported, "unsupported": unsupported,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibration", type=Path, default=ROOT / "tests/fixtures/generation/calibration.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "generation/checker.json")
    parser.add_argument("--models-dir", default=os.environ.get("INSPECTION_QA_MODELS_DIR", ""))
    args = parser.parse_args(argv)

    from core.settings import Settings
    from generation.checker import SentenceChecker, Thresholds, rule_reason, without_markers
    from retrieval.embedders import make_embedder

    rows = [json.loads(line) for line in args.calibration.read_text("utf-8").splitlines() if line.strip()]
    embedder = make_embedder(Settings(models_dir=args.models_dir))
    # the measures, from the checker itself (no thresholds needed to compute them)
    probe = SentenceChecker(embedder, Thresholds(0.0, 0.0, -1.0, 0.0, embedder.name))
    label, rules_ok, words, sim, reasons = [], [], [], [], []
    for r in rows:
        quotes = {int(k): v for k, v in r["quotes"].items()}
        reason = rule_reason(r["sentence"], quotes)
        m = probe.measures(r["sentence"], quotes)
        label.append(bool(r["supported"]))
        rules_ok.append(not reason)
        reasons.append(reason)
        words.append(m["words"])
        sim.append(m.get("similarity", -1.0))
    label_a, ok_a, words_a, sim_a = map(np.asarray, (label, rules_ok, words, sim))
    label_a, ok_a = label_a.astype(bool), ok_a.astype(bool)

    fitted = fit(words_a, sim_a, ok_a, label_a)
    wo_min = fit(words_a, None, ok_a, label_a)[0]
    judged = predict(words_a, sim_a, ok_a, fitted)
    train = figures(judged, label_a)
    train_words_only = figures(ok_a & (words_a >= wo_min), label_a)

    loo, loo_wo = np.zeros(len(rows), bool), np.zeros(len(rows), bool)
    for i in range(len(rows)):
        keep = np.arange(len(rows)) != i
        t = fit(words_a[keep], sim_a[keep], ok_a[keep], label_a[keep])
        wo = fit(words_a[keep], None, ok_a[keep], label_a[keep])[0]
        loo[i] = predict(words_a[i:i + 1], sim_a[i:i + 1], ok_a[i:i + 1], t)[0]
        loo_wo[i] = ok_a[i] and words_a[i] >= wo

    rule_withheld = {"supported": int(np.sum(~ok_a & label_a)), "unsupported": int(np.sum(~ok_a & ~label_a))}
    out = {
        "words_min": fitted[0], "words_with_similarity_min": fitted[1], "similarity_min": fitted[2],
        "words_only_min": wo_min, "embedder": embedder.name,
        "false_support_cost": FALSE_SUPPORT_COST,
        "fitted_on": str(args.calibration.relative_to(ROOT)) if args.calibration.is_relative_to(ROOT) else str(args.calibration),
        "fitted": date.today().isoformat(),
        "withheld_by_rules": rule_withheld,
        "training": train, "training_words_only": train_words_only,
        "leave_one_out": figures(loo, label_a), "leave_one_out_words_only": figures(loo_wo, label_a),
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    wrong = [(r["id"], r["kind"], r["supported"], reasons[i] or f"words {words[i]:.2f} similarity {sim[i]:.2f}",
              without_markers(r["sentence"]))
             for i, r in enumerate(rows) if bool(judged[i]) != label[i]]
    print(f"\n{len(wrong)} sentences judged wrongly with the fitted thresholds:")
    for w in wrong:
        print("  ", *w)


if __name__ == "__main__":
    main()
