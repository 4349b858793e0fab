"""Document metadata found in the text itself: dates, source kinds and titles (sidecars: `ingest.sidecars`)."""

from __future__ import annotations

import re
from datetime import date as _date
from pathlib import Path

from core.records import Fact
from core.text import is_boilerplate

MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
# ("2 October2031": a scan's OCR may lose the space before the year)
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s*((?:19|20)\d\d)\b", re.I)
MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
# "09/11/2031", "9.11.31", "09-11-2031": day first, as British documents write them
NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2((?:19|20)?\d\d)(?![\d/.-]|\.\d)")


def _iso(year: str, month: int, day: str | int) -> str | None:
    try:
        return _date(int(year), month, int(day)).isoformat()
    except ValueError:
        return None


def numeric_convention(text: str) -> str:
    """How the text writes numeric dates: "day-first" (the British default, and wherever only dates such as
    25/11/2031 show which part is the day), "month-first" (only dates such as 11/25/2031 show), or "mixed"
    (both show: a date such as 03/04/2031 then reads either way and is not guessed)."""
    day_first = month_first = False
    for m in NUMERIC_DATE.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        day_first |= 12 < a <= 31 and 1 <= b <= 12
        month_first |= 1 <= a <= 12 and 12 < b <= 31
    return "mixed" if day_first and month_first else "month-first" if month_first else "day-first"


def _numeric_iso(m: re.Match, convention: str) -> str | None:
    a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
    if len(year) == 2:
        year = ("20" if int(year) < 50 else "19") + year
    if convention == "mixed" and a <= 12 and b <= 12 and a != b:
        return None  # reads as two dates: reported by `ambiguous_date_line`, never guessed
    day, month = (b, a) if convention == "month-first" or (convention == "mixed" and b > 12) else (a, b)
    return _iso(year, month, day)


def find_dates(text: str, convention: str | None = None) -> list[tuple[int, str]]:
    """Every full date in the text, as (offset, ISO date): "9 November 2031", "November 9, 2031", "2031-11-09",
    "09/11/2031" and "9.11.31" (numeric dates read by `convention`, else by the text's own `numeric_convention`)."""
    found: list[tuple[int, str]] = []
    for m in DAY_MONTH_YEAR.finditer(text):
        iso = _iso(m.group(3), MONTHS[m.group(2).lower()], m.group(1))
        if iso:
            found.append((m.start(), iso))
    for m in MONTH_DAY_YEAR.finditer(text):
        iso = _iso(m.group(3), MONTHS[m.group(1).lower()], m.group(2))
        if iso:
            found.append((m.start(), iso))
    for m in ISO_DATE.finditer(text):
        iso = _iso(m.group(1), int(m.group(2)), m.group(3))
        if iso:
            found.append((m.start(), iso))
    numeric = list(NUMERIC_DATE.finditer(text))
    if numeric:
        convention = convention or numeric_convention(text)
        for m in numeric:
            iso = _numeric_iso(m, convention)
            if iso:
                found.append((m.start(), iso))
    return sorted(found)


DATE_LINE_LABEL = re.compile(r"(?im)^\s*(?:date of (?:the )?meeting|meeting date|date of letter|letter date|date)\s*:"
                             r"[^\n]*$")


def ambiguous_date_line(text: str) -> str | None:
    """The document's date line ("Date: 03/04/2031") where the text writes numeric dates both day-first and
    month-first, so that its date reads as two different days; else None."""
    if numeric_convention(text) != "mixed":
        return None
    for m in DATE_LINE_LABEL.finditer(text[:3000]):
        line = m.group(0).strip()
        if not find_dates(line, "mixed") and any(_numeric_iso(d, "day-first") for d in NUMERIC_DATE.finditer(line)):
            return line
    return None


MEETING_HEADING = re.compile(r"(?i)\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|committee|panel|"
                             r"board|cabinet|commission)\b")


def date_from_text(text: str) -> str | None:
    """The document's own date: a 'Published' line, a date standing alone near the top
    (a letter's date line), or the last day of an 'Inspection dates' line; else None."""
    # a date line that says whose date it is: "Date of meeting: 21 March 2031", "Date: 09/11/2031"
    if ambiguous_date_line(text):
        return None  # its own date reads as two days: reported at ingest, not guessed from the dates it mentions
    convention = numeric_convention(text)
    for m in DATE_LINE_LABEL.finditer(text[:3000]):
        dates = find_dates(m.group(0), convention)
        if dates:
            return dates[0][1]
    for m in re.finditer(r"(?im)^.*\b(published|date of publication|publication date|"
                         r"meeting\b[^\n]{0,160}\bheld)\b.*$", text[:3000]):
        if re.search(r"(?i)\b(?:approv\w*|confirm\w*|agree\w*|sign\w*|previous|last|next|record)\b", m.group(0)):
            continue  # "the minutes of the meeting held on 14 July were approved": another meeting's date
        if re.match(r"\s*(?:[A-Z]{1,8}/\d+|\d+(?:\.\d+)*\.?|item \d+)\s+minutes\b", m.group(0), re.I):
            continue  # an item of the agenda, "CFS/43 Minutes of the meeting held on ...": the last meeting's
        dates = find_dates(m.group(0), convention)
        if dates:
            return dates[0][1]
    head = text[:3000]
    for line in text[:600].split("\n"):  # a meeting's heading: "Scrutiny Committee - Tuesday, 7th May, 2031 2.00 pm"
        dates = find_dates(line, convention)
        if dates and MEETING_HEADING.search(line):
            return dates[0][1]
    for line in head.split("\n"):
        line = line.strip()
        dates = find_dates(line, convention)
        if dates and len(line) <= 40:
            return dates[0][1]
    salutation = re.search(r"(?m)^Dear\b", head)
    if salutation:  # a letter: its date stands above the salutation
        dates = find_dates(head[: salutation.start()], convention)
        if dates:
            return dates[-1][1]
    m = re.search(r"(?i)inspection dates?:?\s*(.{0,80})", text)
    if m:
        dates = find_dates(m.group(1), convention)
        if dates:
            return dates[-1][1]
        # "26 November to 7 December 2031": the last full date stands at the end
    return None


KIND_PATTERNS = [
    ("reinspection", re.compile(r"\bre-?inspection\b", re.I)),
    ("focused_visit", re.compile(r"\bfocused visit\b", re.I)),
    ("monitoring_visit", re.compile(r"\bmonitoring visit\b", re.I)),
    ("council_minutes", re.compile(r"\bminutes of\b|\bminutes\b.{0,80}\bmeeting\b|\bmeeting of the\b.{0,80}"
                                   r"\b(?:committee|panel|board|cabinet)\b|\bpresent\s*:", re.I | re.S)),
    ("annual_report", re.compile(r"\bannual report\b", re.I)),
    ("guidance", re.compile(r"\bguidance\b|\bpolicy\b|\bprocedure\b", re.I)),
]

def find_kind(text: str, head_chars: int = 1500) -> "Fact | None":
    """The kind of document named near its top ("monitoring visit", "minutes", ...), as a source kind."""
    head = text[:head_chars]
    for kind, pattern in KIND_PATTERNS:
        m = pattern.search(head)
        if m:
            return Fact(kind, m.start(), m.end())
    return None



def kind_from_text(text: str, filename: str) -> str:
    """A best guess at the kind of source, used when no sidecar says: a byline makes news; a kind named
    in the title area (monitoring visit, focused visit, re-inspection, minutes, annual report,
    guidance) comes next; then the shape of a letter or a report."""
    low = text[:6000].lower()
    name = filename.lower()
    if re.search(r"(?m)^\s*[Bb]y [A-Z][a-z]+(?: [A-Z][a-z'’-]+)+\s*$", text[:800]) or MASTHEAD.search(text[:300]):
        return "news"  # a byline, or a newspaper's name at the top
    structured = "dear " in low[:3000] or re.search(r"(?im)^\s*(?:inspection dates?|present)\s*:", text[:3000]) \
        or re.search(r"(?i)\bminutes of\b", text[:1500])
    if not structured and len(NEWS_MARKERS.findall(text[:3000])) >= 3:
        return "news"  # a report about an inspection, not the inspection's own letter or report
    named = find_kind(text, head_chars=400)
    if named is not None:
        return named.value
    if "monitoring-visit" in name:
        return "monitoring_visit"
    if re.search(r"(?im)^\s*inspection dates?\s*:", text[:3000]) and re.search(
            r"(?i)\b(?:outstanding|good|requires improvement|inadequate)\b", text[:6000]):
        return "inspection_report"
    if ("dear " in low and ("yours sincerely" in text.lower() or "majesty" in low or "hmi" in low)) or "letter" in name:
        if "ofsted" in low or "inspect" in low:
            return "inspection_letter"
    if re.search(r"\binspection (of|report)\b", low) and ("judgement" in low or "overall effectiveness" in low):
        return "inspection_report"
    if "news" in name or ("said" in low[:3000] and re.search(r"[“\"]", text[:3000])):
        return "news"
    named = find_kind(text)
    if named is not None:
        return named.value
    if "council" in name or "cabinet" in low[:1000]:
        return "council_report"
    return "other"


# a newspaper's name on a line of its own near the top: "THE OAKVALE GAZETTE", "Oakvale Evening Post"
MASTHEAD = re.compile(r"(?im)^\s*(?:the\s+)?(?:[A-Z][\w'’-]*\s+){0,3}(?:gazette|times|post|echo|chronicle|herald|"
                      r"mercury|advertiser|telegraph|star|express|journal|observer|courier|argus|mail|standard|"
                      r"evening news|news)\s*$")
# a news report speaks of inspectors and councils in the third person and quotes people
NEWS_MARKERS = re.compile(r"(?i)\b(?:said|says|told|according to|the watchdog|inspectors found|"
                          r"ofsted (?:has |have )?(?:said|found|rated|judged|published)|"
                          r"(?:was|were|been|has been|have been) rated|the (?:report|inspection) (?:found|said|says|notes))\b")


def title_from_text(text: str, embedded: str | None, filename: str) -> str:
    """The PDF's own title; else a letter's subject line (after 'Dear ...'); else a descriptive file
    name; else the opening words of the text."""
    if embedded and len(embedded.strip()) > 3 and embedded.strip().lower() not in {"untitled", "(unspecified)"}:
        return embedded.strip()
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    for i, para in enumerate(paras[:25]):
        if re.match(r"Dear\b", para) and i + 1 < len(paras):
            subject = paras[i + 1]
            if 3 <= len(subject.split()) <= 30 and not subject.endswith("."):
                return subject
    stem = re.sub(r"[-_]+", " ", Path(filename).stem).strip()
    words = [w for w in stem.split() if not w.isdigit()]
    if len(words) >= 3:
        return stem[:1].upper() + stem[1:]
    for para in paras[:8]:
        words = para.split()
        if len(words) >= 6 and not re.match(r"By\s", para) and not is_boilerplate(para):
            return " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    return stem[:1].upper() + stem[1:] if stem else filename


MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+((?:19|20)\d\d)\b", re.I)


def latest_mentioned_date(text: str) -> str | None:
    """The latest month (or day) the text mentions: a document is written no earlier than the
    events it reports, so this bounds the date of an undated one from below."""
    found = [iso for _, iso in find_dates(text)]
    found += [f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}" for m in MONTH_YEAR.finditer(text)]
    if not found:
        return None
    latest = max(found, key=lambda d: (d[:7], len(d)))
    return latest[:7]
