"""Paths the tests share (the corpus copy and the reference text live in the repo)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"
LETTER_PDF = CORPUS / "ofsted-2011-11-09-birmingham-unannounced-inspection.pdf"
NEWS_TXT = CORPUS / "birmingham-childrens-trust-ofsted-progress-news.txt"
REFERENCE_TXT = FIXTURES / "ofsted-2011-11-09-birmingham-unannounced-inspection.txt"
EXAMPLE_QUESTIONS = FIXTURES / "example-questions.jsonl"
