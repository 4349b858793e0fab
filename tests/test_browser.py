"""Hostile document text in a real browser: the served app, Debian's headless Chromium, Selenium.

AppTest (tests/test_app.py) checks the Markdown source the app emits; this checks what a
browser makes of it. A document holding a <script>, an <img onerror>, a javascript: link and
a remote Markdown image is ingested with the real model, the app is started as a user starts it,
a question that cites those lines is asked through the chat box, and every citation is opened.
Nothing may run, no image or link may appear, and a canary TCP listener standing in for the
remote host must see no connection; the text must show literally.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import Settings
from inspection_qa.audit import AuditLog
from inspection_qa.service import QAService
from tests.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SKIP_REASON = "Debian chromium/chromium-driver not installed"
QUESTION = "What did inspectors find about caseload supervision?"


def browser_available() -> bool:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Canary:
    """A TCP listener that records every connection made to it (none may come)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                head = conn.recv(200).decode("latin-1", "replace")
            except OSError:
                head = ""
            self.connections.append(head.split("\r\n", 1)[0] or "(connected)")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def hostile_text(port: int) -> str:
    return f"""Inspection of caseload supervision

Inspectors found that caseload supervision was weak <script>window.__pwned=1;fetch("http://127.0.0.1:{port}/x")</script> in every team.

Inspectors found caseload supervision records <img src=x onerror="window.__pwned=2"> were late in two teams.

Inspectors found caseload supervision notes [click](javascript:window.__pwned=3) were missing from most files.

Inspectors found caseload supervision plans ![pixel](http://127.0.0.1:{port}/pixel.png) were out of date.
"""


def wait_healthy(proc: subprocess.Popen, port: int, log: Path, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not become healthy in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def shut_down(driver, proc) -> None:
    """Quit the browser and stop the served app (killed if it will not stop within 10 s); either may be None."""
    if driver is not None:
        driver.quit()
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def chrome(tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", "--window-size=1400,1400", f"--user-data-dir={tmp_path / 'chrome-profile'}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@dataclass
class Rendered:
    """What the browser showed after the question was answered and every citation opened."""

    pwned: object
    page_text: str
    images: list[str]
    handlers: int  # elements with inline event handlers, or scripts loading from the canary
    hrefs: list[str]
    canary_host: str
    canary_connections: list[str]
    audit: list[dict]
    screenshot: Path
    seconds: float


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, default_embedder) -> Rendered:
    """One run of the real app in headless Chromium, shared by the checks below."""
    if not browser_available():
        pytest.skip(SKIP_REASON)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.monotonic()
    tmp_path = tmp_path_factory.mktemp("browser")
    canary = Canary()
    proc = driver = None
    try:
        docs = tmp_path / "docs"
        docs.mkdir()
        (docs / "hostile-letter.txt").write_text(hostile_text(canary.port), "utf-8")
        data = tmp_path / "data"
        service = QAService(Settings(data_dir=data), embedder=default_embedder)  # the real model
        assert not service.ingest([docs]).failures
        stored = service.index.docstore.text("hostile-letter.txt")
        assert "<script>window.__pwned=1" in stored and "javascript:window.__pwned=3" in stored
        service.index.docstore.close()

        # the app as a user starts it, from an empty working folder so no project secrets/config apply
        port = free_port()
        audit = tmp_path / "audit.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECTION_QA_")}
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", INSPECTION_QA_DATA_DIR=str(data),
                   INSPECTION_QA_AUDIT_LOG=str(audit), PYTHONPATH=str(ROOT))
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        log = tmp_path / "streamlit.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none"],
                cwd=run_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        wait_healthy(proc, port, log)

        driver = chrome(tmp_path)
        driver.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(driver, 60, poll_frequency=0.25)
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, 'textarea[data-testid="stChatInputTextArea"]'))
        box.send_keys(QUESTION)
        box.send_keys(Keys.ENTER)
        citations = '[data-testid="stChatMessage"] [data-testid="stExpander"] summary'
        count = len(wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, citations) or None))
        for i in range(count):  # open every citation (found afresh: opening one moves the rest)
            summary = driver.find_elements(By.CSS_SELECTOR, citations)[i]
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", summary)
        wait.until(lambda d: "<script>" in d.find_element(By.TAG_NAME, "body").text)
        time.sleep(1.0)  # let anything that would load or run, load or run
        shot = tmp_path / "hostile-answer.png"
        driver.save_screenshot(str(shot))
        canary_host = f"127.0.0.1:{canary.port}"
        return Rendered(
            pwned=driver.execute_script("return window.__pwned"),
            page_text=driver.find_element(By.TAG_NAME, "body").text,
            images=[img.get_attribute("src") or "" for img in driver.find_elements(By.TAG_NAME, "img")],
            handlers=len(driver.find_elements(
                By.CSS_SELECTOR, f"[onerror], [onload], [onclick], script[src*='{canary_host}']")),
            hrefs=[(a.get_attribute("href") or "").strip() for a in driver.find_elements(By.TAG_NAME, "a")],
            canary_host=canary_host,
            canary_connections=list(canary.connections),
            audit=AuditLog(audit).entries(),
            screenshot=shot,
            seconds=time.monotonic() - started,
        )
    finally:
        shut_down(driver, proc)
        canary.close()


def test_no_script_ran(rendered):
    assert rendered.pwned is None
    assert rendered.handlers == 0


def test_no_image_loads_from_the_document(rendered):
    assert not [src for src in rendered.images if rendered.canary_host in src], rendered.images


def test_no_javascript_link(rendered):
    assert not [h for h in rendered.hrefs if h.lower().startswith("javascript:")], rendered.hrefs


def test_no_request_reached_the_canary(rendered):
    assert rendered.canary_connections == []


def test_the_markup_shows_as_literal_text(rendered):
    text = rendered.page_text.replace("\u2060", "")  # word joiners keep addresses from becoming links
    assert '<script>window.__pwned=1;fetch("http://127.0.0.1:' in text
    shown = [s for s in ('<img src=x onerror="window.__pwned=2">', "[click](javascript:window.__pwned=3)",
                         f"![pixel](http://{rendered.canary_host}/pixel.png)") if s in text]
    assert len(shown) >= 2, text
    assert "Inspectors found" in text and "hostile-letter.txt" in text
    assert rendered.screenshot.stat().st_size > 10_000


def test_the_question_is_in_the_audit_trail(rendered):
    (entry,) = rendered.audit
    assert entry["user"] == "local" and entry["question"] == QUESTION
    assert entry["citations"] and all(c["sha256"] for c in entry["citations"])


def test_urls_in_document_text_are_not_links(rendered):
    assert not [h for h in rendered.hrefs if rendered.canary_host in h], rendered.hrefs
