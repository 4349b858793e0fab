"""Optional login: the password check, the exposure warning, and the app gated through AppTest."""

from __future__ import annotations

import json
import logging
import shutil

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from inspection_qa import access
from inspection_qa.access import (
    LoginConfig,
    check_password,
    hash_password,
    is_loopback,
    login_config,
    verify_password,
    warn_if_exposed,
)
from inspection_qa.audit import AuditLog
from inspection_qa.cli import main
from tests.paths import NEWS_TXT, ROOT

APP = ROOT / "app.py"
DOCS_PAGE = ROOT / "pages" / "2_Documents.py"
ALICE_PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def alice_hash() -> str:
    return hash_password(ALICE_PASSWORD)


# -- the password check --------------------------------------------------------------------------

def test_right_password_passes(alice_hash):
    assert check_password({"alice": alice_hash}, "alice", ALICE_PASSWORD)


@pytest.mark.parametrize("password", ["wrong", "", "correct horse battery ", "Correct horse battery"])
def test_wrong_password_fails(alice_hash, password):
    assert not check_password({"alice": alice_hash}, "alice", password)


def test_unknown_user_fails(alice_hash):
    assert not check_password({"alice": alice_hash}, "bob", ALICE_PASSWORD)
    assert not check_password({"alice": alice_hash}, "", ALICE_PASSWORD)
    assert not check_password({}, "alice", ALICE_PASSWORD)


def test_hashes_are_salted_and_malformed_ones_match_nothing(alice_hash, caplog):
    again = hash_password(ALICE_PASSWORD)
    assert again != alice_hash and again.startswith("scrypt:16384:8:1:")
    assert verify_password(again, ALICE_PASSWORD)
    for bad in ["", ALICE_PASSWORD, "sha256:" + "0" * 64, "scrypt:16384:8:1:zz:00", "scrypt:1048576:8:1:00:" + "0" * 64,
                alice_hash[:-2]]:
        assert not verify_password(bad, ALICE_PASSWORD)
    with caplog.at_level(logging.WARNING):
        assert not check_password({"carol": ALICE_PASSWORD}, "carol", ALICE_PASSWORD)  # a plain password is no hash
    assert "not a scrypt hash" in caplog.text


def test_hash_password_command_prints_a_secrets_line():
    result = CliRunner().invoke(main, ["hash-password", "alice"], input=f"{ALICE_PASSWORD}\n{ALICE_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    user, _, value = line.partition(" = ")
    assert json.loads(user) == "alice"
    assert check_password({"alice": json.loads(value)}, "alice", ALICE_PASSWORD)
    short = CliRunner().invoke(main, ["hash-password", "alice", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output


# -- configuration and the exposure warning --------------------------------------------------------

def test_login_config_reads_the_secrets(alice_hash):
    assert login_config({}) == LoginConfig()
    assert login_config({"passwords": {}}).mode is None
    cfg = login_config({"passwords": {"alice": alice_hash}})
    assert cfg.mode == "password" and cfg.passwords == {"alice": alice_hash}
    assert login_config({"auth": {"client_id": "x"}, "passwords": {"alice": alice_hash}}).mode == "oidc"
    assert login_config({"auth": {"redirect_uri": "x", "microsoft": {"client_id": "y"}}}).provider == "microsoft"


@pytest.mark.parametrize("address, local", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
    ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.20", False), ("example.org", False),
])
def test_is_loopback(address, local):
    assert is_loopback(address) is local


def test_exposed_without_login_warns_once(monkeypatch, caplog):
    monkeypatch.setattr(access, "_warned_exposed", False)
    with caplog.at_level(logging.WARNING, logger="inspection_qa.access"):
        assert not warn_if_exposed("127.0.0.1", None)
        assert not warn_if_exposed("0.0.0.0", "password")
        assert warn_if_exposed("0.0.0.0", None)
        assert not warn_if_exposed("0.0.0.0", None)  # once per process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0].getMessage() and "no login" in warnings[0].getMessage()


# -- the app, gated --------------------------------------------------------------------------------

@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """A one-document index (fake embedder: this is about the gate, not answers), audit on."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(NEWS_TXT, docs / NEWS_TXT.name)
    data = tmp_path / "data"
    service = QAService(Settings(data_dir=data, embedder="hashing"))
    assert not service.ingest([docs]).failures
    service.index.docstore.close()
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(data))
    monkeypatch.setenv("INSPECTION_QA_EMBEDDER", "hashing")
    monkeypatch.setenv("INSPECTION_QA_AUDIT_LOG", str(log))
    monkeypatch.setattr(access, "FAILURE_DELAY_S", 0.0)
    return log


def gated(script, alice_hash) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=120)
    at.secrets["passwords"] = {"alice": alice_hash}
    return at.run()


def log_in(at: AppTest, user: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def test_the_chat_stays_hidden_until_a_correct_login(app_env, alice_hash):
    at = gated(APP, alice_hash)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert at.text_input(key="login_password").proto.type == at.text_input(key="login_password").proto.PASSWORD
    assert not at.chat_input and not at.sidebar.button and not at.expander
    assert [b.label for b in at.button] == ["Log in"]

    at = log_in(at, "alice", "wrong password")
    assert not at.chat_input
    assert any("Wrong user name or password" in e.value for e in at.error)
    at = log_in(at, "mallory", ALICE_PASSWORD)
    assert not at.chat_input

    at = log_in(at, "alice", ALICE_PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.chat_input) == 1
    assert not [t for t in at.text_input if t.key in ("login_user", "login_password")]
    assert any("Logged in as alice" in c.value for c in at.sidebar.caption)

    # the logged-in name is the audit trail's user
    at.chat_input[0].set_value("What did Ofsted say about the trust's progress?").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e["user"] for e in AuditLog(app_env).entries()] == ["alice"]

    # logging out brings the form back and forgets the chat
    at.sidebar.button(key="logout").click().run()
    assert not at.chat_input and [t.label for t in at.text_input] == ["User name", "Password"]
    assert "messages" not in at.session_state


def test_the_documents_page_is_gated_too(app_env, alice_hash):
    at = gated(DOCS_PAGE, alice_hash)
    assert not at.file_uploader and [b.label for b in at.button] == ["Log in"]
    at = log_in(at, "alice", ALICE_PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.file_uploader) == 1


def test_without_secrets_there_is_no_login(app_env):
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [t for t in at.text_input if t.key in ("login_user", "login_password")]
    assert len(at.chat_input) == 1
    at.chat_input[0].set_value("What did Ofsted say about the trust's progress?").run()
    assert [e["user"] for e in AuditLog(app_env).entries()] == ["local"]


@pytest.mark.slow
@pytest.mark.app
def test_a_logged_in_user_gets_a_real_answer_with_the_real_model(corpus_service, tmp_path, monkeypatch, alice_hash):
    """The gate in front of the real index and model (the default backend), not the hashing stand-in."""
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(corpus_service.settings.data_dir))
    monkeypatch.delenv("INSPECTION_QA_EMBEDDER", raising=False)
    monkeypatch.setenv("INSPECTION_QA_AUDIT_LOG", str(log))
    monkeypatch.setattr(access, "FAILURE_DELAY_S", 0.0)
    at = log_in(gated(APP, alice_hash), "alice", ALICE_PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    at.chat_input[0].set_value("How regularly is supervision held?").run()
    assert not at.exception, [e.value for e in at.exception]
    entries = AuditLog(log).entries()
    assert [e["user"] for e in entries] == ["alice"] and not entries[0]["abstained"]
    quotes = " ".join(c["quote"] for c in entries[0]["citations"])
    assert "supervision is held regularly" in quotes
    assert len(at.main.expander) == len(entries[0]["citations"])  # one expander per citation shown
