"""Kept conversations: each user's chats saved under the data folder, one JSON file per conversation.

    <data folder>/conversations/<user key>/<conversation id>.json

The user key is a hash of the user name and the conversation id is generated here (32 hex digits), so no
file or folder name is ever made from user text; an id that is not of that form is refused before it
reaches a path. Files are written atomically (a temporary file in the same folder, then `os.replace`),
so a crash leaves the old version or the new one, never half of one. A file that cannot be read (cut
short, edited by hand, another version's format) is skipped with a WARNING and never stops the listing.

Each file holds the answers in full (`Answer.to_dict`): text, citations with their quotes and offsets,
the nearest passages of an abstention and the constraints the question was read as, which is what a
follow-up asked after reopening needs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from answering.types import Answer
from core.errors import NotFoundError

log = logging.getLogger(__name__)

FORMAT = 1
FOLDER = "conversations"
ID = re.compile(r"^[0-9a-f]{32}$")
TITLE_CHARS = 120  # a title (the first question, or a new name) is cut to this many characters
KEPT_PASSAGES = 3  # nearest passages kept with each answer (what an abstention shows; presentation.NEAREST)


def conversations_dir(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def user_key(user: str) -> str:
    """The user's folder name: a hash of the name, so any name (an e-mail, a path) is a safe folder."""
    return hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]


def new_id() -> str:
    return secrets.token_hex(16)


def clean_title(text: str) -> str:
    title = " ".join((text or "").split())
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ConversationSummary:
    """One line of a user's list: what the sidebar shows."""

    id: str
    title: str
    created: str  # ISO 8601, UTC
    updated: str
    questions: int

    @property
    def shown_date(self) -> str:
        """"2031-05-04 14:03" (UTC)."""
        return self.updated[:16].replace("T", " ")


@dataclass
class SavedConversation:
    id: str
    user: str
    title: str
    created: str
    updated: str
    turns: list[Answer] = field(default_factory=list)

    def summary(self) -> ConversationSummary:
        return ConversationSummary(self.id, self.title, self.created, self.updated, len(self.turns))


class ConversationStore:
    """Save, list, load, rename and delete one user's conversations; a user reaches only their own."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    # -- paths -------------------------------------------------------------------------------
    def user_folder(self, user: str) -> Path:
        return self.folder / user_key(user)

    def path(self, user: str, conversation_id: str) -> Path:
        if not isinstance(conversation_id, str) or not ID.match(conversation_id):
            raise NotFoundError(f"no conversation {conversation_id!r}")
        return self.user_folder(user) / f"{conversation_id}.json"

    # -- reading -----------------------------------------------------------------------------
    def _read(self, path: Path, user: str) -> SavedConversation:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a format-{FORMAT} conversation")
        if data.get("user") != user or data.get("id") != path.stem:
            raise ValueError("the file's user or id does not match its place")
        return SavedConversation(
            id=data["id"], user=data["user"], title=str(data["title"]), created=str(data["created"]),
            updated=str(data["updated"]), turns=[Answer.from_dict(t) for t in data["turns"]],
        )

    def list(self, user: str) -> list[ConversationSummary]:
        """The user's conversations, the most recently updated first; unreadable files are skipped."""
        folder = self.user_folder(user)
        if not folder.is_dir():
            return []
        found = []
        for path in folder.glob("*.json"):
            if not ID.match(path.stem):
                continue
            try:
                found.append(self._read(path, user).summary())
            except (OSError, ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
                log.warning("skipping the unreadable conversation file %s (%s: %s)", path, type(exc).__name__, exc)
        return sorted(found, key=lambda s: (s.updated, s.created, s.id), reverse=True)

    def load(self, user: str, conversation_id: str) -> SavedConversation:
        """One of the user's conversations; NotFoundError if it is not theirs, gone or unreadable."""
        path = self.path(user, conversation_id)
        try:
            return self._read(path, user)
        except FileNotFoundError:
            raise NotFoundError(f"no conversation {conversation_id!r}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read the conversation file %s (%s: %s)", path, type(exc).__name__, exc)
            raise NotFoundError(f"the conversation {conversation_id!r} cannot be read") from None

    # -- writing -----------------------------------------------------------------------------
    def save(self, user: str, turns: list[Answer], conversation_id: str | None = None,
             title: str | None = None) -> str:
        """Write the conversation (a new one when `conversation_id` is None) and return its id. Its title is
        `title`, else the one it was saved under (a rename survives later answers), else its first question."""
        conversation_id = conversation_id or new_id()
        path = self.path(user, conversation_id)
        old = None
        if path.exists():
            try:
                old = self._read(path, user)
            except (OSError, ValueError, KeyError, TypeError):
                pass  # unreadable: written afresh
        if title is not None:
            title = clean_title(title)
        title = title or (old.title if old else clean_title(turns[0].question if turns else "")) or "Untitled"
        stamp = now()
        saved = SavedConversation(conversation_id, user, title, old.created if old else stamp, stamp, list(turns))
        self._write(path, self._record(saved))
        return conversation_id

    def rename(self, user: str, conversation_id: str, title: str) -> ConversationSummary:
        saved = self.load(user, conversation_id)
        saved.title = clean_title(title) or saved.title
        self._write(self.path(user, conversation_id), self._record(saved))
        return saved.summary()

    def delete(self, user: str, conversation_id: str) -> None:
        path = self.path(user, conversation_id)
        try:
            path.unlink()
        except FileNotFoundError:
            raise NotFoundError(f"no conversation {conversation_id!r}") from None

    def _record(self, saved: SavedConversation) -> dict[str, Any]:
        return {
            "format": FORMAT, "id": saved.id, "user": saved.user, "title": saved.title, "created": saved.created,
            "updated": saved.updated, "turns": [t.to_dict(max_retrieved=KEPT_PASSAGES) for t in saved.turns],
        }

    @staticmethod
    def _write(path: Path, record: dict[str, Any]) -> None:
        """Temporary file in the same folder, flushed to disk, then renamed over the old file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, ensure_ascii=False)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
