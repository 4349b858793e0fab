"""The HTML and Markdown evaluation reports, from hand-written eval records."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from evaluation.compare import compare
from evaluation.metrics import METRICS, score
from evaluation.report import render_html, render_markdown, write_report

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
DOC = (f"The council has improved supervision. Managers said {SCRIPT} was found in a file. "
       f"Staff morale is improving. A caption read {IMG} here. Delta epsilon zeta.")
META = {"question set": "synthetic.jsonl", "date": "2025-01-02", "data folder": ".data", "model": "all-MiniLM-L6-v2"}


def _cite(quote: str, marker: int = 1, doc: str = DOC, page: int = 3) -> dict:
    start = doc.find(quote)
    start = 0 if start < 0 else start
    return {"marker": marker, "document": "letter.txt", "date": "2011-11-09", "page": page, "pages": [page],
            "quote": quote, "start": start, "end": start + len(quote)}


def _record(qid: str, answer: str, quotes: list[str], retrieved: list[str], abstained=False, latency=10.0,
            searched: str | None = None) -> dict:
    question = next(q["question"] for q in QUESTIONS if q["id"] == qid)
    return {
        "id": qid, "question": question, "searched_question": searched or question,
        "answer": answer, "abstained": abstained,
        "citations": [_cite(q, i + 1) for i, q in enumerate(quotes)],
        "retrieved": [{"chunk_id": str(i), "document": "letter.txt", "page": 1, "text": t, "score": 1.0}
                      for i, t in enumerate(retrieved)],
        "latency_ms": latency,
    }


QUESTIONS = [
    {"id": "s1", "question": "What about supervision?", "evidence": ["improved supervision"], "answerable": True},
    {"id": "s2", "question": "What was found in a file?", "evidence": [f"{SCRIPT} was found"], "answerable": True},
    {"id": "s3", "question": "What did the caption read?", "evidence": ["A caption read"], "answerable": True},
    {"id": "c1", "question": "How has morale changed over time?", "evidence": ["Staff morale is improving",
                                                                              "Delta epsilon"], "answerable": True},
    {"id": "f1", "question": "And the managers?", "history": ["What about supervision?"],
     "evidence": ["Managers said"], "answerable": True},
    {"id": "u1", "question": "What is the weather on Mars?", "evidence": [], "answerable": False},
    {"id": "u2", "question": "Who won the 1966 World Cup?", "evidence": [], "answerable": False},
]


def _records(variant: str = "new") -> list[dict]:
    recs = [
        _record("s1", "The council has improved supervision [1].", ["The council has improved supervision."],
                ["The council has improved supervision."], latency=12.0),
        _record("s2", f"Managers said {SCRIPT} was found [1].", [f"Managers said {SCRIPT} was found in a file."],
                ["x", DOC], latency=25.0),
        # fails: the quote holding the <img onerror> misses the evidence's words ("caption read")
        _record("s3", f"It read {IMG} [1].", [f"{IMG} here."], ["nothing"] * 10, latency=40.0),
        # fails: second evidence string not cited
        _record("c1", "Morale is improving [1].", ["Staff morale is improving."], [DOC], latency=18.0),
        _record("f1", "Managers said so [1].", [f"Managers said {SCRIPT}"], [DOC], latency=22.0,
                searched="What about supervision? And the managers?"),
        _record("u1", "The documents do not say.", [], ["x"], abstained=True, latency=8.0),
        # fails: answered an unanswerable question
        _record("u2", "England [1].", ["Delta epsilon zeta."], ["x"], latency=30.0),
    ]
    if variant == "old":  # s3 passed before; s1 failed before (declined); s2's evidence was not retrieved
        recs[1] = _record("s2", "Found [1].", [f"Managers said {SCRIPT} was found in a file."], ["x"], latency=20.0)
        recs[0] = _record("s1", "The documents do not say.", [], ["nothing"], abstained=True, latency=9.0)
        recs[2] = _record("s3", "A caption read so [1].", ["A caption read"], [DOC], latency=15.0)
    return recs


@pytest.fixture
def result():
    return score(_records(), QUESTIONS, {"letter.txt": DOC}, warnings=["question zz: evidence '<b>x</b>' stands nowhere"])


@pytest.fixture
def comparison(result):
    old = score(_records("old"), QUESTIONS, {"letter.txt": DOC})
    return compare(old, result)


class _Table(HTMLParser):
    """Rows of <table id="questions">'s body: (data-id, data-passed)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
        self._in = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "questions":
            self._in = True
        if self._in and tag == "tr" and "question" in (a.get("class") or "").split():
            self.rows.append((a["data-id"], a["data-passed"]))

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = False


class _Links(HTMLParser):
    """Every tag name, and every src/href/xlink:href/action value."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action", "srcset", "poster")]


def _escaped(text: str) -> re.Pattern:
    """`text` as it stands in HTML once escaped: &, <, > as entities, and a quote as any of the usual entities
    (html.escape writes &quot; and &#x27;, Jinja2's autoescape &#34; and &#39;)."""
    entities = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "(?:&quot;|&#34;|&#x22;)", "'": "(?:&#39;|&#x27;|&apos;)"}
    return re.compile("".join(entities.get(ch, re.escape(ch)) for ch in text))


def test_html_is_escaped_and_self_contained(result):
    page = render_html(result, meta=META)
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert _escaped(IMG).search(page)
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # warnings are escaped too
    assert "http://" not in page and "https://" not in page
    links = _Links()
    links.feed(page)
    assert links.tags == {"html", "head", "meta", "title", "style", "body", "header", "h1", "dl", "dt", "dd", "p",
                          "strong", "section", "h2", "table", "thead", "tbody", "tr", "th", "td", "div", "span",
                          "svg", "text", "line", "rect", "ol", "li", "blockquote", "ul"}
    assert all(value.startswith("#") for value in links.refs)  # in-page anchors only
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "inspection-qa evaluation" in page
    for key, value in META.items():
        assert key in page and value in page


def test_html_has_metrics_charts_and_every_question(result):
    page = render_html(result, meta=META)
    assert page.count('<svg class="chart"') == 5  # hit@5, cited, abstention, false_abstention by kind + latency
    assert '<table id="metrics"' in page
    for metric, definition in METRICS.items():
        assert f'data-metric="{metric}"' in page
        assert _escaped(definition).search(page)
    parser = _Table()
    parser.feed(page)
    ids = [i for i, _ in parser.rows]
    assert sorted(ids) == sorted(q["id"] for q in QUESTIONS)
    passed = [p for _, p in parser.rows]
    assert passed == sorted(passed)  # "false" (failures) all come before "true"
    assert {i for i, p in parser.rows if p == "false"} == {"s3", "c1", "u2"}
    assert "searched as: What about supervision? And the managers?" in page
    assert "Delta epsilon" in page  # c1's missed evidence
    assert "answered an unanswerable question" in page
    assert 'id="warnings"' in page
    assert "4 of <strong>7</strong>" not in page and "<strong>4</strong> of <strong>7</strong>" in page
    assert 'id="flips"' not in page


def test_html_with_comparison_shows_deltas_and_flips(result, comparison):
    assert comparison.newly_failed == ["s3"] and comparison.newly_passed == ["s1"]
    page = render_html(result, comparison, META)
    assert "<th>old</th>" in page.replace(' class="num"', "")
    assert 'id="flips"' in page
    failed = re.search(r'<ul id="newly-failed">(.*?)</ul>', page).group(1)
    passed = re.search(r'<ul id="newly-passed">(.*?)</ul>', page).group(1)
    assert ">s3<" in failed and ">s1<" in passed
    old, new, delta = comparison.deltas["hit@5"]
    assert delta > 0
    row = re.search(r'<tr data-metric="hit@5">(.*?)</tr>', page).group(1)
    assert f"+{delta:.3f}" in row and 'class="num better"' in row
    old, new, delta = comparison.deltas["latency_p50_ms"]  # lower is better
    row = re.search(r'<tr data-metric="latency_p50_ms">(.*?)</tr>', page).group(1)
    assert ("better" if delta < 0 else "worse") in row


def test_markdown_summary(result, comparison):
    md = render_markdown(result, meta=META)
    for metric in METRICS:
        assert metric in md
    assert "single document" in md and "unanswerable" in md
    assert "**3 of 7 questions fail**" in md
    for qid in ("s3", "c1", "u2"):
        assert qid in md
    md = render_markdown(result, comparison)
    assert "| metric | old | new | change |" in md
    assert "pass → fail: s3" in md and "fail → pass: s1" in md
    assert "(better)" in md


def test_write_report_writes_both_files(tmp_path, result, comparison):
    html_path, md_path = write_report(tmp_path / "out" / "deep" / "report.html", result, comparison, META)
    assert html_path == tmp_path / "out" / "deep" / "report.html" and md_path == html_path.with_suffix(".md")
    assert html_path.read_text("utf-8") == render_html(result, comparison, META)
    assert md_path.read_text("utf-8") == render_markdown(result, comparison, META)
    with pytest.raises(ValueError):
        write_report(tmp_path / "report.md", result)


def test_empty_result_renders():
    empty = score([], [])
    page = render_html(empty)
    assert page.count('<svg class="chart"') == 5
    assert "no questions" in page
    assert "0 of 0" in render_markdown(empty)


ATTACK = '<script>alert(1)</script>" onmouseover="x'


class _Page(HTMLParser):
    """Every tag, every attribute (name, value) and the text of each element with class "text"."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "div" and ("class", "text") in attrs:
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "div" and self._text is not None:
            self.texts.append("".join(self._text))
            self._text = None


def test_hostile_text_is_escaped_everywhere():
    """Markup in a question (and in every other field that comes from data) is shown as text: it opens no
    tag and, inside an attribute, adds none (the attribute value cannot be closed early)."""
    questions = [
        {"id": "h1", "question": ATTACK, "evidence": [ATTACK], "answerable": True},
        {"id": f"h2{ATTACK}", "question": "plain?", "evidence": [], "answerable": False, "kind": ATTACK},
    ]
    doc = f"Before {ATTACK} after."

    def records(h2_abstains: bool) -> list[dict]:
        cite = {"marker": ATTACK, "document": ATTACK, "date": ATTACK, "page": None, "pages": [ATTACK],
                "quote": ATTACK, "start": 7, "end": 7 + len(ATTACK)}
        return [
            {"id": "h1", "question": ATTACK, "searched_question": f"{ATTACK} (searched)", "answer": ATTACK,
             "abstained": False, "citations": [cite], "latency_ms": 5.0,
             "retrieved": [{"chunk_id": "0", "document": ATTACK, "page": 1, "text": "x", "score": 1.0}]},
            {"id": f"h2{ATTACK}", "question": "plain?", "answer": ATTACK, "abstained": h2_abstains,
             "citations": [], "retrieved": [], "latency_ms": 7.0},
        ]

    new = score(records(False), questions, {ATTACK: doc}, warnings=[ATTACK])
    old = score(records(True), questions, {ATTACK: doc})
    comparison = compare(old, new)
    assert comparison.newly_failed == [f"h2{ATTACK}"]  # so the id also stands in the flips list, as a link
    page = render_html(new, comparison, {ATTACK: ATTACK})

    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert _escaped(ATTACK).search(page)
    assert 'onmouseover="x' not in page  # the quote that would end an attribute value is escaped
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]  # no event handler attribute got in
    assert ("data-id", f"h2{ATTACK}") in parsed.attrs  # an attribute value holds the text whole
    assert ATTACK in parsed.texts  # the question (and the answer) read back as the literal text
    md = render_markdown(new, comparison, {ATTACK: ATTACK})
    assert re.search(r"(?<!\\)<", md) is None  # the Markdown summary backslash-escapes every "<"


def test_template_is_autoescaped_and_marks_nothing_safe():
    from evaluation.report import TEMPLATE, environment

    env = environment()
    assert env.autoescape(TEMPLATE) is True  # select_autoescape: on for this template (and by default)
    source = env.loader.get_source(env, TEMPLATE)[0]
    assert "|safe" not in source.replace(" ", "") and "Markup" not in source
    assert "<script" not in source.lower()


def test_template_ships_with_the_package():
    import tomllib

    from tests.paths import ROOT

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "templates/*" in config["tool"]["setuptools"]["package-data"]["evaluation"]
    assert (ROOT / "evaluation" / "templates" / "report.html.j2").is_file()


def _chromium(args: list[str], tmp_path) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_renders_in_a_real_browser(tmp_path, result, comparison):
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    html_path, _ = write_report(tmp_path / "report.html", result, comparison, META)
    png = tmp_path / "report.png"
    proc = _chromium([f"--screenshot={png}", "--window-size=1280,2400", html_path.as_uri()], tmp_path)
    assert png.exists(), proc.stderr[-2000:]
    assert png.stat().st_size > 20_000

    proc = _chromium(["--dump-dom", html_path.as_uri()], tmp_path)
    dom = proc.stdout
    assert '<table id="questions">' in dom, proc.stderr[-2000:]
    assert dom.count('<svg class="chart"') == 5
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
