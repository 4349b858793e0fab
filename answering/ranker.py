"""The learned sentence ranker: P(this sentence holds the answer) from its features (answering/features.py).

A logistic model whose weights, and the abstention threshold and extra-quote ratio used with it, are
fitted by `scripts/fit_ranker.py` on the dev library's tuning split (questions/library/tune.jsonl) and
checked on its held-out split; the fitted values and the figures they reached live in `ranker.json`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from core.errors import ConfigError

from .features import NAMES

DEFAULT_MODEL = Path(__file__).with_name("ranker.json")


class SentenceRanker:
    """Scores candidates with the fitted logistic model: `score = sigmoid(w . features + b)`, in (0, 1).

    Raises `ConfigError` naming the file when the model is missing a feature the code computes, or
    cannot be read.
    """

    def __init__(self, path: Path = DEFAULT_MODEL) -> None:
        try:
            model = json.loads(Path(path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the ranker model ({exc}); run scripts/fit_ranker.py") from None
        weights = dict(zip(model["features"], model["weights"]))
        missing = [n for n in NAMES if n not in weights]
        if missing:
            raise ConfigError(f"{path}: the ranker model lacks features {missing}; run scripts/fit_ranker.py")
        self.path = Path(path)
        self.weights = [float(weights[n]) for n in NAMES]
        self.bias = float(model["bias"])
        self.means = [float(x) for x in model.get("means", [0.0] * len(NAMES))]
        self.scales = [float(x) or 1.0 for x in model.get("scales", [1.0] * len(NAMES))]
        self.threshold = float(model["threshold"])
        self.extra_ratio = float(model.get("extra_ratio", 0.5))
        abstain = model.get("abstain") or {}
        self.abstain_features = list(abstain.get("features", []))
        self.abstain_weights = [float(w) for w in abstain.get("weights", [])]
        self.abstain_bias = float(abstain.get("bias", 10.0))
        self.abstain_means = [float(x) for x in abstain.get("means", [0.0] * len(self.abstain_features))]
        self.abstain_scales = [float(x) or 1.0 for x in abstain.get("scales", [1.0] * len(self.abstain_features))]
        self.answer_threshold = float(abstain.get("threshold", 0.0))
        self.model = model

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * (values[n] - m) / s for w, n, m, s in zip(self.weights, NAMES, self.means, self.scales))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def answerable(self, values: dict[str, float]) -> float:
        """P(the library answers the question) from question-level features (1.0 when no model is fitted)."""
        if not self.abstain_features:
            return 1.0
        z = self.abstain_bias + sum(w * (values[n] - m) / s for w, n, m, s in zip(
            self.abstain_weights, self.abstain_features, self.abstain_means, self.abstain_scales))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def run(self, candidates: list) -> None:
        """Set each candidate's `score` from its `features`."""
        for cand in candidates:
            cand.score = self.probability(cand.features)
