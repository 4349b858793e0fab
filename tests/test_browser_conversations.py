"""The chat in a real browser (Debian's headless Chromium through Selenium, as tests/test_browser.py): a question
is answered, the page reloaded, and the conversation found in the sidebar and reopened with its citations.
The app is started as `make run` starts it, with the project's .streamlit/config.toml: no "Deploy" button, the
chat page named "Chat" beside Evaluation and Documents, which still open. The time from the input box showing
to the first answer is printed (the model loads in the background as the app starts), not asserted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from core.settings import Settings
from inspection_qa.service import QAService
from tests.paths import CORPUS, ROOT
from tests.test_browser import SKIP_REASON, browser_available, chrome, free_port, shut_down, wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

QUESTION = "What did inspectors say about supervision?"
CHAT_BOX = 'textarea[data-testid="stChatInputTextArea"]'
CITATIONS = '[data-testid="stChatMessage"] [data-testid="stExpander"] summary'
NAV_LINKS = '[data-testid="stSidebarNavLink"]'


def label(element) -> str:
    """An element's text without the name of its Material icon, which comes first on a line of its own."""
    return element.text.splitlines()[-1].strip() if element.text.strip() else ""


def test_a_conversation_survives_a_reload_and_reopens(tmp_path, default_embedder):
    if not browser_available():
        pytest.skip(SKIP_REASON)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    data = tmp_path / "data"
    service = QAService(Settings(data_dir=data), embedder=default_embedder)  # the real model
    assert not service.ingest([CORPUS]).failures
    service.index.docstore.close()

    # the project's Streamlit settings (and no secrets: no login) in an otherwise empty working folder
    run_dir = tmp_path / "run"
    (run_dir / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", run_dir / ".streamlit" / "config.toml")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSPECTION_QA_") or k == "INSPECTION_QA_MODELS_DIR"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", INSPECTION_QA_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    log = tmp_path / "streamlit.log"
    proc = driver = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                cwd=run_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        wait_healthy(proc, port, log)
        driver = chrome(tmp_path)
        from selenium.common.exceptions import StaleElementReferenceException

        # Streamlit redraws elements as a run goes on: an element found a moment ago may be gone; look again
        wait = WebDriverWait(driver, 90, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
        driver.get(f"http://127.0.0.1:{port}/")
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, CHAT_BOX))
        shown = time.monotonic()
        box.send_keys(QUESTION)
        box.send_keys(Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, CITATIONS) or None)
        print(f"\nfirst answer {time.monotonic() - shown:.2f} s after the input box showed")
        # the answer is whole once the run has ended: the sidebar's download, filled last, is enabled
        wait.until(lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] '
                                                                          '[data-testid="stDownloadButton"] button')
                              if b.is_enabled()] or None)
        labels = [label(e) for e in driver.find_elements(By.CSS_SELECTOR, CITATIONS)]
        assert labels and labels[0].startswith("[1] ")

        # "Show page" under the first citation shows the PDF page as an image
        first = driver.find_elements(By.CSS_SELECTOR, CITATIONS)[0]
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", first)
        toggle = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"] '
                                                                       'input[aria-label="Show page"]') or None)[0]
        driver.execute_script("arguments[0].click();", toggle)
        page = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"] '
                                                                     '[data-testid="stImage"] img') or None)
        wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", page[0]))
        assert page[0].get_attribute("naturalWidth") and int(page[0].get_attribute("naturalWidth")) > 500
        # the citation stays open on the page it showed (the toggle's rerun does not fold it away)
        details = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"] [data-testid="stExpander"] details')
        assert details[0].get_attribute("open")
        driver.save_screenshot(str(tmp_path / "show-page.png"))

        # the toolbar has no Deploy button; the pages are Chat, Evaluation and Documents
        assert not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stAppDeployButton"]')
        assert "Deploy" not in driver.find_element(By.CSS_SELECTOR, "header").text
        links = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, NAV_LINKS) or None)
        assert [label(a) for a in links] == ["Chat", "Evaluation", "Documents"]

        # reload: a new session; the conversation is listed in the sidebar, and reopens with its citations
        driver.refresh()
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, CHAT_BOX))
        listed = wait.until(lambda d: [b for b in d.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] button')
                                       if label(b).startswith(QUESTION)] or None)
        assert not driver.find_elements(By.CSS_SELECTOR, CITATIONS)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", listed[0])
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, CITATIONS)) >= len(labels) or None)
        assert [label(e) for e in driver.find_elements(By.CSS_SELECTOR, CITATIONS)] == labels
        messages = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"]')
        assert QUESTION in messages[0].text
        driver.save_screenshot(str(tmp_path / "reopened.png"))

        # the other pages still open from the navigation
        for name, heading in (("Evaluation", "Evaluate a question set"), ("Documents", "Documents")):
            link = next(a for a in driver.find_elements(By.CSS_SELECTOR, NAV_LINKS) if label(a) == name)
            driver.execute_script("arguments[0].click();", link)
            wait.until(lambda d: heading in [h.text for h in d.find_elements(By.TAG_NAME, "h1")] or None)
            assert driver.current_url.rstrip("/").endswith("/" + name)
        assert "Inotify" not in log.read_text(errors="replace")
    finally:
        shut_down(driver, proc)
