"""A synthetic corpus of inspection letters, reports and news at any size, from real wording.

Sentences and headings are taken from the real corpus (corpus/: the PDF letter and the news
text, read through the project's own DocumentBuilder), then recombined and perturbed with a
seeded RNG: numbers, days, months, years and places are swapped from small lists, a few words
are replaced by near-synonyms and some sentences are spliced at a comma with another sentence.
Documents get letter or report structure: address block, date line, title, pages of
paragraphs under headings, bullet lists, a closing. They are written as PDFs (reportlab, with
running headers and page numbers, as real letters have) or as text / Markdown files.

Document `i` of a generator depends only on (seed, i), so a corpus of N documents is a prefix
of a corpus of N+1 documents: sizes can share work.

    python -m bench.corpus OUT --docs 20 --pdf-share 0.75 --seed 7
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"

PLACES = [
    "Birmingham", "Leeds", "Bristol", "Sheffield", "Norfolk", "Croydon", "Kent", "Devon", "Lancashire",
    "Hackney", "Sunderland", "Cumbria", "Derby", "Plymouth", "Suffolk", "Wirral", "Bradford", "Swindon",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
NAMES = ["Ms Eleanor Brazil", "Mr Peter Hay", "Ms Andrea Hollis", "Mr Colin Tucker", "Dr Jane Ridley",
         "Ms Priya Shah", "Mr Tom Ashworth", "Ms Ruth Okafor", "Mr David Lane", "Ms Helen Marsh"]
INSPECTORS = ["Pauline Turner", "Mark Fenton", "Lisa Carrington", "Simon Barraclough", "Joanna Pike",
              "Rachel Dennis", "Tim Wilcox"]
SYNONYMS = {
    "inspectors": ["the inspection team", "inspecting officers"],
    "staff": ["practitioners", "employees", "workers"],
    "good": ["strong", "effective"],
    "improved": ["strengthened", "got better"],
    "significant": ["considerable", "marked"],
    "children": ["young people", "children and young people"],
    "managers": ["leaders", "team managers"],
    "clear": ["evident", "well defined"],
    "progress": ["headway", "improvement"],
    "timely": ["prompt", "swift"],
}
LETTER_HEADINGS = [
    "The service meets the requirements of statutory guidance in the following areas",
    "Areas for development",
    "Areas of strength",
    "Progress since the previous inspection",
    "Leadership and management",
    "Quality of practice",
    "Supervision and workforce",
    "Recommendations",
]
REPORT_HEADINGS = [
    "Summary of findings", "What needs to improve", "Leadership and management", "The experiences and progress "
    "of children who need help and protection", "Children in care", "Care leavers", "Workforce and caseloads",
    "Quality assurance and performance management", "Partnership working", "Next steps",
]
KINDS = ("letter", "report", "monitoring", "news")


# -- the pool of real wording ---------------------------------------------------------------
@dataclass
class Pool:
    sentences: list[str]
    headings: list[str]
    comma_sentences: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.comma_sentences = [s for s in self.sentences if ", " in s[10:-10]]


_POOL: Pool | None = None


def load_pool(corpus_dir: Path = CORPUS_DIR) -> Pool:
    """Sentences of paragraphs and bullets, and headings, from every document in `corpus_dir`."""
    global _POOL
    if _POOL is not None and corpus_dir == CORPUS_DIR:
        return _POOL
    from ingest.builder import DocumentBuilder
    from ingest.pipeline import collect_files
    from ingest.sentences import split_sentences

    sentences: list[str] = []
    headings: list[str] = []
    for path in collect_files([corpus_dir]):
        doc = DocumentBuilder().run(path)
        for block in doc.blocks:
            text = doc.text[block.start:block.end]
            if block.block_kind == "heading":
                if 3 <= len(text.split()) <= 16:
                    headings.append(text.strip())
                continue
            for span in split_sentences(doc.text, block.start, block.end):
                s = " ".join(doc.text[span.start:span.end].split())
                # whole sentences only: no address lines, role lines or contact details
                if (len(s.split()) >= 6 and 30 <= len(s) <= 450 and s[0].isupper() and s[-1] in ".!?”\"'"
                        and "@" not in s and "www." not in s):
                    sentences.append(s)
    if not sentences:
        raise RuntimeError(f"no sentences found in {corpus_dir}")
    pool = Pool(sorted(set(sentences)), sorted(set(headings)))
    if corpus_dir == CORPUS_DIR:
        _POOL = pool
    return pool


# -- one document ---------------------------------------------------------------------------
@dataclass
class SyntheticDoc:
    name: str  # file stem
    kind: str  # letter | report | monitoring | news
    title: str
    date: str  # "9 November 2011"
    year: int
    place: str
    header: list[str]  # address / preamble lines (letters)
    blocks: list[tuple[str, str]]  # (heading | para | bullet, text)
    running_header: str

    def text_chars(self) -> int:
        return sum(len(t) for _, t in self.blocks)


class Perturber:
    """Swaps numbers, dates, places and a few words; splices sentences at commas."""

    def __init__(self, rng: random.Random, place: str, year_shift: int) -> None:
        self.rng, self.place, self.year_shift = rng, place, year_shift

    def __call__(self, s: str, pool: Pool) -> str:
        rng = self.rng
        if rng.random() < 0.15 and ", " in s[10:-10] and pool.comma_sentences:
            other = rng.choice(pool.comma_sentences)
            a = s.split(", ")
            b = other.split(", ")
            cut_a = rng.randrange(1, len(a))
            cut_b = rng.randrange(1, len(b))
            s = ", ".join(a[:cut_a] + b[cut_b:])
        s = re.sub(r"\bBirmingham\b", self.place, s)
        s = re.sub(r"\b(19|20)\d\d\b", lambda m: str(min(2025, max(2000, int(m.group(0)) + self.year_shift))), s)
        s = re.sub(r"\b(" + "|".join(MONTHS) + r")\b", lambda m: rng.choice(MONTHS), s)
        s = re.sub(r"(?<![\d.])\b(\d{1,3})\b(?![\d.])", lambda m: self._number(int(m.group(1))), s)

        def swap(m: re.Match) -> str:
            word = m.group(0)
            options = SYNONYMS.get(word.lower())
            if not options or rng.random() > 0.12:
                return word
            alt = rng.choice(options)
            return alt[0].upper() + alt[1:] if word[0].isupper() else alt

        return re.sub(r"\b[A-Za-z]+\b", swap, s)

    def _number(self, n: int) -> str:
        if n <= 31:
            return str(self.rng.randint(1, 28))
        return str(max(1, int(n * self.rng.uniform(0.5, 1.5))))


class CorpusGenerator:
    """Document `i` depends only on (seed, i)."""

    def __init__(self, seed: int = 0, pool: Pool | None = None) -> None:
        self.seed = seed
        self.pool = pool or load_pool()

    def document(self, i: int, pages: int | None = None, kind: str | None = None) -> SyntheticDoc:
        rng = random.Random(f"{self.seed}:{i}")
        kind = kind or rng.choices(KINDS, weights=(4, 3, 2, 1))[0]
        pages = pages or (rng.randint(1, 2) if kind == "news" else rng.randint(2, 6) if kind == "letter"
                          else rng.randint(3, 10))
        place = rng.choice(PLACES)
        year = rng.randint(2008, 2024)
        p = Perturber(rng, place, year - 2011)
        pool = self.pool
        day, month = rng.randint(1, 28), rng.choice(MONTHS)
        date = f"{day} {month} {year}"
        target = pages * 2600  # characters of body text per page, roughly, in the PDF layout below
        blocks: list[tuple[str, str]] = []
        header: list[str] = []
        council = f"{place} City Council" if rng.random() < 0.5 else f"{place} County Council"

        def para(n_min: int = 2, n_max: int = 6) -> str:
            return " ".join(p(rng.choice(pool.sentences), pool) for _ in range(rng.randint(n_min, n_max)))

        if kind == "letter":
            title = (f"Annual unannounced inspection of contact, referral and assessment arrangements within "
                     f"{council} children's services")
            header = [date, rng.choice(NAMES), "Director of Children's Services", council, f"{place} {rng.choice('BLMNS')}"
                      f"{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"]
            blocks.append(("para", f"Dear {header[1].split(' ', 1)[0]} {header[1].split()[-1]}"))
            blocks.append(("para", title))
            headings = LETTER_HEADINGS + pool.headings
        elif kind == "news":
            title = f"{place} children's services {rng.choice(['improve', 'still require improvement', 'praised', 'criticised'])}, Ofsted finds"
            blocks.append(("para", f"By {rng.choice(INSPECTORS)}, {date}"))
            headings = []
        else:
            word = "Inspection of children's social care services" if kind == "report" else "Monitoring visit to"
            title = f"{word} {council}"
            d2 = min(28, day + rng.randint(1, 9))
            blocks.append(("para", f"Inspection dates: {day} {month} to {d2} {month} {year}"))
            blocks.append(("para", f"Lead inspector: {rng.choice(INSPECTORS)}, Her Majesty's Inspector"))
            headings = REPORT_HEADINGS + pool.headings

        chars = 0
        if kind != "news":
            blocks.append(("para", para(3, 6)))
        while chars < target:
            if headings and rng.random() < 0.8:
                blocks.append(("heading", rng.choice(headings)))
            for _ in range(rng.randint(1, 3)):
                blocks.append(("para", para()))
            if kind != "news" and rng.random() < 0.6:
                for _ in range(rng.randint(2, 6)):
                    blocks.append(("bullet", p(rng.choice(pool.sentences), pool)))
            chars = sum(len(t) for _, t in blocks)
        if kind == "letter":
            blocks.append(("para", "Yours sincerely"))
            blocks.append(("para", rng.choice(INSPECTORS)))
            blocks.append(("para", "Her Majesty's Inspector"))
        name = f"{i:05d}-{place.lower()}-{kind}-{year}"
        running = f"{title[:60]} | {place}" if kind != "news" else ""
        return SyntheticDoc(name, kind, title, date, year, place, header, blocks, running)

    def documents(self, n: int, start: int = 0) -> Iterator[SyntheticDoc]:
        for i in range(start, start + n):
            yield self.document(i)

    # -- writing ----------------------------------------------------------------------------
    def write(self, out_dir: Path, n_docs: int, pdf_share: float = 0.75, start: int = 0,
              sidecars: bool = False) -> list[Path]:
        """Write documents [start, start + n_docs) into `out_dir`: a share as PDFs, the rest as
        .txt (news, letters) or .md (reports). Returns the paths, in order."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for doc in self.documents(n_docs, start):
            as_pdf = random.Random(f"{self.seed}:{doc.name}:fmt").random() < pdf_share and doc.kind != "news"
            if as_pdf:
                path = write_pdf(doc, out_dir / f"{doc.name}.pdf")
            elif doc.kind in ("report", "monitoring"):
                path = write_markdown(doc, out_dir / f"{doc.name}.md")
            else:
                path = write_text(doc, out_dir / f"{doc.name}.txt")
            if sidecars:
                write_sidecar(doc, path)
            paths.append(path)
        return paths


def write_sidecar(doc: SyntheticDoc, path: Path) -> Path:
    kind = {"letter": "inspection_letter", "report": "inspection_report", "monitoring": "monitoring_visit",
            "news": "news"}[doc.kind]
    side = path.with_name(path.name + ".meta.toml")
    title = doc.title.replace('"', "'")
    side.write_text(f'title = "{title}"\nkind = "{kind}"\npublisher = "{"press" if doc.kind == "news" else "Ofsted"}"\n',
                    encoding="utf-8")
    return side


def write_text(doc: SyntheticDoc, path: Path) -> Path:
    lines = [doc.title, ""]
    lines += [h for h in doc.header] + ([""] if doc.header else [])
    for kind, text in doc.blocks:
        if kind == "bullet":
            lines.append(f"\u2022 {text}")
        else:
            lines += ["", text, ""] if kind == "heading" else [text, ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_markdown(doc: SyntheticDoc, path: Path) -> Path:
    lines = [f"# {doc.title}", ""]
    for kind, text in doc.blocks:
        if kind == "heading":
            lines += ["", f"## {text}", ""]
        elif kind == "bullet":
            lines.append(f"- {text}")
        else:
            lines += ["", text, ""]
    path.write_text(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n", encoding="utf-8")
    return path


def write_pdf(doc: SyntheticDoc, path: Path) -> Path:
    """A letter or report laid out as Ofsted's are: running header, page numbers, bullets."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    size = A4
    margin = 25 * mm
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=13, spaceAfter=6)
    small = ParagraphStyle("small", parent=body, spaceAfter=1)
    head = ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=11.5, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=13, spaceAfter=10)

    def on_page(canvas, d):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        if doc.running_header and d.page > 1:
            canvas.drawString(margin, size[1] - 12 * mm, doc.running_header)
        canvas.drawCentredString(size[0] / 2, 12 * mm, f"Page {d.page}")
        canvas.restoreState()

    story: list = []
    if doc.header:
        story += [Paragraph(escape(line), small) for line in doc.header] + [Spacer(1, 8)]
    else:
        story.append(Paragraph(escape(doc.title), title))
    pending: list = []

    def flush() -> None:
        if pending:
            story.append(ListFlowable([ListItem(x, value="\u2022") for x in pending], bulletType="bullet",
                                      start="\u2022", leftIndent=12))
            pending.clear()

    for kind, text in doc.blocks:
        if kind == "bullet":
            pending.append(Paragraph(escape(text), body))
            continue
        flush()
        story.append(Paragraph(escape(text), head if kind == "heading" else body))
    flush()
    template = SimpleDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=22 * mm,
                                 bottomMargin=22 * mm, title=doc.title, author="")
    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--pdf-share", type=float, default=0.75)
    ap.add_argument("--sidecars", action="store_true")
    args = ap.parse_args(argv)
    paths = CorpusGenerator(args.seed).write(args.out, args.docs, args.pdf_share, args.start, args.sidecars)
    print(f"wrote {len(paths)} documents to {args.out}")


if __name__ == "__main__":
    main()
