"""Prompt templates with named variables, for the optional language-model path."""

from __future__ import annotations

from pathlib import Path
from string import Template

from core.errors import UnknownNameError

HERE = Path(__file__).parent


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.txt"))


def load(name: str) -> Template:
    path = HERE / f"{name}.txt"
    if not path.exists():
        raise UnknownNameError("prompt", name, names())
    return Template(path.read_text("utf-8"))
