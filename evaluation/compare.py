"""Comparing two runs: each metric's change, and the questions that flipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from .metrics import LOWER_IS_BETTER, METRICS, WRITTEN_METRICS, EvalResult


@dataclass
class Comparison:
    deltas: dict[str, tuple[float | None, float | None, float | None]]  # metric -> (old, new, new - old)
    newly_failed: list[str] = field(default_factory=list)
    newly_passed: list[str] = field(default_factory=list)

    def improved(self, metric: str) -> bool | None:
        _, _, delta = self.deltas[metric]
        if delta is None or delta == 0:
            return None
        return (delta < 0) if metric in LOWER_IS_BETTER else (delta > 0)

    def format(self) -> str:
        lines = [f"{'metric':>22}  {'old':>8}  {'new':>8}  {'change':>8}"]
        for m, (old, new, delta) in self.deltas.items():
            fmt = (lambda v: "n/a" if v is None else (f"{v:.1f}" if m.endswith("_ms") else f"{v:.3f}"))
            sign = "" if delta is None else ("+" if delta > 0 else "")
            lines.append(f"{m:>22}  {fmt(old):>8}  {fmt(new):>8}  {sign + fmt(delta):>8}")
        lines.append(f"pass -> fail: {', '.join(self.newly_failed) or 'none'}")
        lines.append(f"fail -> pass: {', '.join(self.newly_passed) or 'none'}")
        return "\n".join(lines)


def compare(old: EvalResult, new: EvalResult) -> Comparison:
    deltas = {}
    written = [m for m in WRITTEN_METRICS if m in old.summary or m in new.summary]
    for m in [*METRICS, *written]:
        a, b = old.summary.get(m), new.summary.get(m)
        deltas[m] = (a, b, None if a is None or b is None else b - a)
    before = {q.id: q.passed for q in old.questions}
    failed = [q.id for q in new.questions if before.get(q.id) is True and not q.passed]
    passed = [q.id for q in new.questions if before.get(q.id) is False and q.passed]
    return Comparison(deltas, failed, passed)
