"""Search filters by document, kind and date, applied alike to the dense and lexical sides."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspection_qa.errors import ConfigError
from inspection_qa.records import KINDS, DocumentMeta

from ingest.metadata import normalise_kind


def _date_bound(value: str, upper: bool) -> int:
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
    if not m:
        raise ConfigError(f"date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if upper:
        return int(f"{year}{int(month or 12):02d}{int(day or 31):02d}")
    return int(f"{year}{int(month or 1):02d}{int(day or 1):02d}")


@dataclass(frozen=True)
class SearchFilter:
    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        kinds = tuple(normalise_kind(k) for k in self.kinds)
        for k in kinds:
            if k not in KINDS:
                raise ConfigError(f"unknown kind {k!r}; choose one of: {', '.join(KINDS)}")
        object.__setattr__(self, "kinds", kinds)
        for bound, upper in ((self.since, False), (self.until, True)):
            if bound:
                _date_bound(bound, upper)

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.kinds or self.since or self.until)

    def describe(self) -> str:
        parts = []
        if self.doc_ids:
            parts.append("document " + " or ".join(self.doc_ids))
        if self.kinds:
            parts.append("kind " + " or ".join(self.kinds))
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        return ", ".join(parts) or "no filter"

    def to_dict(self) -> dict:
        return {"doc": list(self.doc_ids), "kind": list(self.kinds), "since": self.since, "until": self.until}

    def matches(self, meta: DocumentMeta) -> bool:
        if self.doc_ids and meta.doc_id not in self.doc_ids:
            return False
        if self.kinds and meta.kind not in self.kinds:
            return False
        if self.since or self.until:
            if not meta.date:
                return False  # an undated document cannot be shown to fall in the range
            low, high = _date_bound(meta.date, False), _date_bound(meta.date, True)
            if self.since and high < _date_bound(self.since, False):
                return False
            if self.until and low > _date_bound(self.until, True):
                return False
        return True

    def chroma_where(self, doc_ids: list[str]) -> dict | None:
        """Resolved to the matching documents' ids, so both sides filter on the same set."""
        if self.empty:
            return None
        if len(doc_ids) == 1:
            return {"doc_id": doc_ids[0]}
        return {"doc_id": {"$in": doc_ids}}
