"""Kinds of source document, the one list every stage, the sidecars and the front ends use.

A source kind says what a document is (an inspection letter, a news report, ...). It is not a
block kind (heading/paragraph/bullet, `core.records.Block.block_kind`) nor a question kind
(`evaluation.questions.Question.kind`, from the question set).
"""

from __future__ import annotations

# Kinds of source with their labels. Primary sources are the inspectorate's own words.
SOURCE_KINDS: dict[str, str] = {
    "inspection_letter": "inspection letter",
    "inspection_report": "inspection report",
    "monitoring_visit": "monitoring visit",
    "focused_visit": "focused visit",
    "reinspection": "re-inspection",
    "annual_report": "annual report",
    "council_minutes": "council minutes",
    "council_report": "council report",
    "news": "news report",
    "guidance": "guidance",
    "other": "document",
}
PRIMARY_SOURCE_KINDS = frozenset({"inspection_letter", "inspection_report", "monitoring_visit", "focused_visit",
                                  "reinspection"})
# a body's own record: what it is about is the body whose name heads it, whichever neighbours it discusses
OWN_RECORD_KINDS = frozenset({"council_minutes", "council_report"})
_ALIASES = {"letter": "inspection_letter", "report": "inspection_report", "news_report": "news",
            "monitoring_visit_letter": "monitoring_visit", "press": "news", "minutes": "council_minutes",
            "re_inspection": "reinspection", "focused_visit_letter": "focused_visit"}


def normalise_source_kind(kind: str) -> str:
    """`"Monitoring visit"`, `"monitoring-visit"` -> `"monitoring_visit"`; aliases such as `letter`
    map to their kind. The result may still be unknown: check it against `SOURCE_KINDS`."""
    key = kind.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


def source_kind_label(kind: str) -> str:
    """The words shown to a user for a source kind (the kind itself when unknown)."""
    return SOURCE_KINDS.get(kind, kind)
