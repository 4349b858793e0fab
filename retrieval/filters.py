"""Search filters by document, kind and date, applied alike to the dense and lexical sides."""

from __future__ import annotations

from dataclasses import dataclass

from core.dates import date_bound
from core.errors import ConfigError
from core.kinds import SOURCE_KINDS, normalise_source_kind
from core.records import DocumentMeta


def _date_bound(value: str, upper: bool) -> int:
    try:
        return date_bound(value, upper)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class SearchFilter:
    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        kinds = tuple(normalise_source_kind(k) for k in self.kinds)
        for k in kinds:
            if k not in SOURCE_KINDS:
                raise ConfigError(f"unknown kind {k!r}; choose one of: {', '.join(SOURCE_KINDS)}")
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
        if self.kinds and meta.source_kind not in self.kinds:
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
