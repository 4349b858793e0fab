"""Prompt templates for the optional language-model path, as LangChain chat prompt templates.

Each `NAME.txt` here holds a `[system]` section and a `[human]` section (in that order); `{variable}`
marks what is filled in (f-string syntax, so a literal brace is written `{{` or `}}`). Values filled in
are never read as template syntax, so document text with braces is safe.
"""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from core.errors import ConfigError, UnknownNameError

HERE = Path(__file__).parent
_SECTION = re.compile(r"(?m)^\[(system|human)\][ \t]*\n")


def names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.txt"))


def load(name: str) -> ChatPromptTemplate:
    """The template `prompts/NAME.txt` as a `ChatPromptTemplate` (system message, then human message).

    Raises `UnknownNameError` (listing the valid names) for a name with no file, `ConfigError` for a file
    without its `[system]` and `[human]` sections."""
    path = HERE / f"{name}.txt"
    if not path.exists():
        raise UnknownNameError("prompt", name, names())
    parts = _SECTION.split(path.read_text("utf-8"))
    roles = parts[1::2]
    if roles != ["system", "human"]:
        raise ConfigError(f"{path}: a prompt needs a [system] section, then a [human] section; found {roles or 'neither'}")
    return ChatPromptTemplate.from_messages([(role, text.strip()) for role, text in zip(roles, parts[2::2])])
