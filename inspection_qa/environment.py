"""The process environment at the edges (CLI, every app page): offline defaults, then settings.

Nothing may be fetched from a model hub, and Chroma sends no telemetry, unless the user says
otherwise: these defaults are set (never overridden) before any model library is imported.
"""

from __future__ import annotations

import os
from typing import Any, MutableMapping

from core.settings import Settings

OFFLINE_DEFAULTS = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def apply_offline_defaults(env: MutableMapping[str, str] = os.environ) -> None:
    """Set each of `OFFLINE_DEFAULTS` that the environment does not already set."""
    for key, value in OFFLINE_DEFAULTS.items():
        env.setdefault(key, value)


def settings_from_environment(**overrides: Any) -> Settings:
    """`Settings` from `INSPECTION_QA_*` variables, with flags (non-None `overrides`) on top."""
    return Settings.from_env(os.environ, **overrides)
