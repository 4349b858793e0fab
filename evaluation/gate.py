"""`--fail-under hit@5=0.95,cited=0.8`: bars a run must reach, so CI can hold the project to them.

For metrics where lower is better (false_abstention, latency) the bar is a ceiling.
"""

from __future__ import annotations

from core.errors import ConfigError

from .metrics import LOWER_IS_BETTER, METRICS, WRITTEN_METRICS


def parse_bars(spec: str) -> dict[str, float]:
    bars: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise ConfigError(f"--fail-under part {part!r} must look like METRIC=VALUE, e.g. hit@5=0.95")
        if name not in METRICS and name not in WRITTEN_METRICS:
            raise ConfigError(f"unknown metric {name!r} in --fail-under; choose from: {', '.join([*METRICS, *WRITTEN_METRICS])}")
        try:
            bars[name] = float(value)
        except ValueError:
            raise ConfigError(f"--fail-under value {value!r} for {name} is not a number") from None
    if not bars:
        raise ConfigError("--fail-under is empty; give e.g. hit@5=0.95,cited=0.8")
    return bars


def failures(summary: dict, bars: dict[str, float]) -> list[str]:
    """One line per metric that misses its bar (a missing metric misses it too)."""
    out = []
    for name, bar in bars.items():
        value = summary.get(name)
        if value is None:
            out.append(f"{name} is n/a (no questions measure it), bar {bar}")
        elif name in LOWER_IS_BETTER and value > bar:
            out.append(f"{name} = {value:.3f} is above its ceiling {bar}")
        elif name not in LOWER_IS_BETTER and value < bar:
            out.append(f"{name} = {value:.3f} is below its bar {bar}")
    return out
