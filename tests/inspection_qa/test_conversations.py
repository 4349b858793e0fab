"""Kept conversations: one JSON file each, per user, written atomically, unreadable ones skipped."""

from __future__ import annotations

import json
import logging
import os

import pytest

from core.errors import NotFoundError
from inspection_qa.conversations import ID, ConversationStore, user_key
from tests.answering.test_types import answer


@pytest.fixture
def store(tmp_path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations")


def test_a_conversation_round_trips_with_its_citations(store):
    turns = [answer(), answer()]
    turns[1].question = "Second question?"
    cid = store.save("ann@example.org", turns)
    assert ID.match(cid)
    saved = store.load("ann@example.org", cid)
    assert saved.title == turns[0].question
    assert [t.question for t in saved.turns] == ["And for new staff?", "Second question?"]
    assert saved.turns[0].citations == turns[0].citations
    assert saved.turns[0].constraints == turns[0].constraints
    assert len(saved.turns[0].retrieved) == 3  # an abstention's nearest passages are kept
    (summary,) = store.list("ann@example.org")
    assert (summary.id, summary.title, summary.questions) == (cid, turns[0].question, 2)
    assert summary.shown_date[:4].isdigit() and len(summary.shown_date) == 16


def test_saving_again_updates_the_same_file_and_keeps_created(store):
    cid = store.save("local", [answer()])
    first = store.load("local", cid)
    store.save("local", [answer(), answer()], conversation_id=cid)
    again = store.load("local", cid)
    assert len(again.turns) == 2 and again.created == first.created
    assert [p.name for p in store.user_folder("local").iterdir()] == [f"{cid}.json"]


def test_file_and_folder_names_never_come_from_user_text(store):
    user = "../../etc/passwd"
    first = answer()
    first.question = "../../../evil/../name?"
    cid = store.save(user, [first])
    files = [p for p in store.folder.rglob("*") if p.is_file()]
    assert files == [store.folder / user_key(user) / f"{cid}.json"]
    assert user_key(user) != user and len(user_key(user)) == 32
    for bad in ("../x", "x" * 32, cid.upper(), "", None, cid + "/.."):
        with pytest.raises(NotFoundError):
            store.load(user, bad)


def test_each_user_sees_only_their_own(store):
    ann = store.save("ann", [answer()])
    bob = store.save("bob", [answer()])
    assert [s.id for s in store.list("ann")] == [ann]
    assert [s.id for s in store.list("bob")] == [bob]
    assert store.list("carol") == []
    with pytest.raises(NotFoundError):
        store.load("bob", ann)
    with pytest.raises(NotFoundError):
        store.delete("bob", ann)
    with pytest.raises(NotFoundError):
        store.rename("bob", ann, "mine now")
    assert store.load("ann", ann).title == answer().question


def test_rename_survives_later_answers(store):
    cid = store.save("local", [answer()])
    summary = store.rename("local", cid, "  Supervision,\n in short  ")
    assert summary.title == "Supervision, in short"
    store.save("local", [answer(), answer()], conversation_id=cid)
    assert store.load("local", cid).title == "Supervision, in short"
    assert store.list("local")[0].title == "Supervision, in short"
    assert store.rename("local", cid, "   ").title == "Supervision, in short"  # a blank name changes nothing


def test_delete(store):
    keep = store.save("local", [answer()])
    gone = store.save("local", [answer()])
    store.delete("local", gone)
    assert [s.id for s in store.list("local")] == [keep]
    with pytest.raises(NotFoundError):
        store.load("local", gone)
    with pytest.raises(NotFoundError):
        store.delete("local", gone)


def test_the_list_is_latest_first(store, monkeypatch):
    import inspection_qa.conversations as module

    stamps = iter(["2031-01-01T10:00:00+00:00", "2031-01-02T10:00:00+00:00", "2031-01-03T10:00:00+00:00"])
    monkeypatch.setattr(module, "now", lambda: next(stamps))
    old = store.save("local", [answer()])
    new = store.save("local", [answer()])
    assert [s.id for s in store.list("local")] == [new, old]
    store.save("local", [answer()], conversation_id=old)  # answered again: now the latest
    assert [s.id for s in store.list("local")] == [old, new]


def test_a_corrupt_file_is_skipped_with_a_warning(store, caplog):
    good = store.save("local", [answer()])
    folder = store.user_folder("local")
    cut = "0" * 32
    (folder / f"{cut}.json").write_text('{"format": 1, "id": "' + cut + '", "turns": [', "utf-8")
    wrong = "1" * 32
    (folder / f"{wrong}.json").write_text(json.dumps({"format": 1, "id": wrong, "user": "local", "title": "t",
                                                      "created": "x", "updated": "x", "turns": [{"text": 1}]}), "utf-8")
    moved = "2" * 32  # another user's file copied in: its user does not match its place
    record = json.loads((folder / f"{good}.json").read_text("utf-8"))
    (folder / f"{moved}.json").write_text(json.dumps({**record, "id": moved, "user": "mallory"}), "utf-8")
    (folder / "notes.json").write_text("not a conversation", "utf-8")
    with caplog.at_level(logging.WARNING, logger="inspection_qa.conversations"):
        listed = store.list("local")
    assert [s.id for s in listed] == [good]
    assert sum("unreadable conversation" in r.getMessage() for r in caplog.records) == 3
    with pytest.raises(NotFoundError):
        store.load("local", cut)
    # saving over an unreadable file writes it afresh
    store.save("local", [answer()], conversation_id=cut)
    assert {s.id for s in store.list("local")} == {good, cut}


def test_a_failed_write_leaves_the_old_file_and_no_temporary(store, monkeypatch):
    cid = store.save("local", [answer()])
    path = store.path("local", cid)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save("local", [answer(), answer()], conversation_id=cid)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_writes_go_through_a_temporary_file_in_the_same_folder(store, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append((os.fspath(src), os.fspath(dst)))
        assert os.path.exists(src)
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    cid = store.save("local", [answer()])
    ((src, dst),) = seen
    assert os.path.dirname(src) == os.path.dirname(dst) and dst.endswith(f"{cid}.json") and src != dst
    assert json.loads(open(dst, encoding="utf-8").read())["id"] == cid


@pytest.mark.slow
def test_a_reopened_conversation_answers_a_follow_up_as_if_never_closed(corpus_service):
    """Through the service, with the real corpus and model: the reopened turns carry the context."""
    user = "test-reopen"
    first = "What did the 2011 letter say about supervision?"
    follow_up = "And for newly qualified staff?"
    straight = corpus_service.conversation(user=user)
    straight.ask(first)
    kept = corpus_service.conversation(user=user)
    kept.ask(first)
    cid = corpus_service.save_conversation(kept)
    try:
        assert [s.id for s in corpus_service.saved_conversations(user)] == [cid]
        assert corpus_service.saved_conversations("someone-else") == []
        reopened = corpus_service.open_conversation(cid, user=user)
        assert reopened.id == cid and reopened.user == user
        assert reopened.turns[0].citations == kept.turns[0].citations
        expected = straight.ask(follow_up)
        again = reopened.ask(follow_up)
        assert again.searched_question == expected.searched_question != follow_up
        assert again.text == expected.text
        assert again.citations == expected.citations
        corpus_service.save_conversation(reopened)
        assert corpus_service.saved_conversations(user)[0].questions == 2
        corpus_service.rename_conversation(cid, "Supervision", user=user)
        assert corpus_service.saved_conversations(user)[0].title == "Supervision"
    finally:
        corpus_service.delete_conversation(cid, user=user)
    assert corpus_service.saved_conversations(user) == []
