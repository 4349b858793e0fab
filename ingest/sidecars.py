"""Sidecars: a document's facts (title, date, kind, publisher) in a file beside it, read and written here.

A sidecar sits beside its document as `NAME.meta.toml` (or `NAME.meta.json`); every key is optional.
Dates follow the one rule of `core.dates` (YYYY, YYYY-MM or YYYY-MM-DD of a real day) and kinds
the list of `core.kinds`, whether a person wrote the file or the app's Documents page did.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path

from core.dates import check_date_value
from core.errors import UnreadableFileError
from core.files import atomic_write
from core.kinds import SOURCE_KINDS, normalise_source_kind

SIDECAR_SUFFIX = ".meta.toml"  # what this module writes
SIDECAR_SUFFIXES = (SIDECAR_SUFFIX, ".meta.json")  # what it reads
KEYS = ("title", "date", "kind", "publisher", "bodies", "reported")


@dataclass
class Sidecar:
    title: str | None = None
    date: str | None = None
    kind: str | None = None
    publisher: str | None = None
    bodies: tuple[str, ...] = ()  # the councils, trusts or partnerships the document is about
    reported: str | None = None  # the date of the inspection or visit it reports


def sidecar_for(path: Path) -> Path:
    """Where the sidecar of `path` is written: `NAME.meta.toml` beside it."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_path(path: Path) -> Path | None:
    """The sidecar that exists beside `path` (TOML first), or None."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIXES)


def check_date(value: str | None) -> str | None:
    """A sidecar date, stripped; None when empty. ValueError naming the value otherwise."""
    return check_date_value(value)


def check_kind(value: str | None) -> str | None:
    """A source kind (aliases such as `letter` normalised); None when empty. ValueError otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    kind = normalise_source_kind(value)
    if kind not in SOURCE_KINDS:
        raise ValueError(f"kind {value!r} is not one of {', '.join(SOURCE_KINDS)}")
    return kind


def read_sidecar(path: Path) -> Sidecar:
    """The sidecar of `path`, or an empty one.

    Raises `UnreadableFileError` naming the sidecar and the fault when it is malformed, has
    unknown keys, or holds a date or kind that `check_date` / `check_kind` refuse.
    """
    side = sidecar_path(path)
    if side is None:
        return Sidecar()
    try:
        data = tomllib.loads(side.read_text("utf-8")) if side.suffix == ".toml" else json.loads(side.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(side, f"malformed sidecar ({exc})") from exc
    if not isinstance(data, dict):
        raise UnreadableFileError(side, f"a sidecar must be a table of keys {', '.join(KEYS)}")
    unknown = set(data) - set(KEYS)
    if unknown:
        raise UnreadableFileError(side, f"unknown sidecar keys {sorted(unknown)}; use {', '.join(KEYS)}")
    date = data.get("date")
    if isinstance(date, _date):
        date = date.isoformat()
    kind = data.get("kind")
    reported = data.get("reported")
    if isinstance(reported, _date):
        reported = reported.isoformat()
    bodies = data.get("bodies", ())
    if isinstance(bodies, str):
        bodies = (bodies,)
    if not isinstance(bodies, (list, tuple)) or not all(isinstance(b, str) and b.strip() for b in bodies):
        raise UnreadableFileError(side, "bodies must be a name or a list of names, e.g. bodies = [\"Oakvale\"]")
    try:
        date = check_date(None if date is None else str(date))
        kind = check_kind(None if kind is None else str(kind))
        reported = check_date(None if reported is None else str(reported))
    except ValueError as exc:
        raise UnreadableFileError(side, str(exc)) from None
    return Sidecar(title=data.get("title"), date=date, kind=kind, publisher=data.get("publisher"),
                   bodies=tuple(b.strip() for b in bodies), reported=reported)


def _toml_string(text: str) -> str:
    # one line, no control characters; a JSON string is then a valid TOML basic string
    text = " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())
    return json.dumps(text, ensure_ascii=False)


def write_sidecar(path: Path, title: str | None = None, date: str | None = None, kind: str | None = None) -> Path:
    """Write `NAME.meta.toml` beside `path` with the keys given (empty ones left to the text).

    Always writes (an empty sidecar replaces a stale one), atomically; raises `UnreadableFileError`
    naming the file when the date or kind is invalid, before anything is written.
    """
    path = Path(path)
    try:
        date = check_date(date)
        kind = check_kind(kind)
    except ValueError as exc:
        raise UnreadableFileError(path.name, str(exc)) from None
    lines = ["# written by inspection-qa"]
    title = (title or "").strip()
    if title:
        lines.append(f"title = {_toml_string(title)}")
    if date:
        lines.append(f'date = "{date}"')
    if kind:
        lines.append(f'kind = "{kind}"')
    side = sidecar_for(path)
    atomic_write(side, ("\n".join(lines) + "\n").encode("utf-8"))
    return side
