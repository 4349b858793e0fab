"""Make hostile input files in a folder, at test time (no binary blobs are committed).

Each `make_*` function writes one file into `folder` and returns its path. PDFs that need a
specific broken structure are written by hand with `build_pdf`, which lays out objects and
a cross-reference table with correct offsets, so the only defect is the one intended.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pypdf

from tests.paths import LETTER_PDF

HELLO = b"BT /F1 12 Tf 72 720 Td (Inspectors found that supervision of social workers was regular.) Tj ET"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def stream(data: bytes, extra: bytes = b"") -> bytes:
    """An uncompressed stream object body."""
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF whose object i+1 is objects[i], with a correct xref table and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _page(parent: int, contents: int, font: int) -> bytes:
    return (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (parent, contents, font))


# -- broken copies of the real letter ---------------------------------------------------------
def make_truncated_pdf(folder: Path, name: str = "truncated.pdf", keep: float = 0.4) -> Path:
    data = LETTER_PDF.read_bytes()
    path = folder / name
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_corrupt_xref_pdf(folder: Path, name: str = "corrupt-xref.pdf") -> Path:
    """The letter with every xref offset and the startxref value overwritten by garbage."""
    data = LETTER_PDF.read_bytes()
    start = data.rindex(b"\nxref\n")
    head, tail = data[:start], data[start:]
    tail = re.sub(rb"\d{10} (\d{5}) ([nf])", lambda m: b"99999x#7!q " + m.group(1) + b" " + m.group(2), tail)
    tail = re.sub(rb"startxref\s+\d+", b"startxref\n99999999", tail)
    path = folder / name
    path.write_bytes(head + tail)
    return path


def make_garbled_pdf(folder: Path, name: str = "garbled.pdf") -> Path:
    """A PDF header followed by bytes that are not PDF syntax at all."""
    path = folder / name
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return path


def make_encrypted_pdf(folder: Path, name: str = "encrypted.pdf", password: str = "secret") -> Path:
    writer = pypdf.PdfWriter(clone_from=str(LETTER_PDF))
    writer.encrypt(password)
    path = folder / name
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def make_empty(folder: Path, name: str = "empty.pdf") -> Path:
    path = folder / name
    path.write_bytes(b"")
    return path


# -- hand-written hostile structures ----------------------------------------------------------
def make_decompression_bomb_pdf(folder: Path, name: str = "bomb.pdf", unpacked_mb: int = 200) -> Path:
    """One page whose content stream inflates to `unpacked_mb` MB of spaces (valid content syntax).

    Compressed in a streaming way, so neither the test nor the file needs the unpacked size:
    200 MB of spaces is about 200 KB on disk, well past pypdf's 75 MB FlateDecode limit.
    """
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    parts = [comp.compress(HELLO + b"\n")]
    for _ in range(unpacked_mb):
        parts.append(comp.compress(block))
    parts.append(comp.compress(b"\n" + HELLO))
    parts.append(comp.flush())
    packed = b"".join(parts)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(2, 4, 5),
        stream(packed, b"/Filter /FlateDecode"),
        FONT,
    ]
    path = folder / name
    path.write_bytes(build_pdf(objects))
    return path


def make_slow_pdf(folder: Path, name: str = "slow.pdf", pages: int = 40, stream_mb: int = 10) -> Path:
    """`pages` pages that all share one content stream of `stream_mb` MB of spaces.

    Under pypdf's per-stream limit and tiny on disk (about 10 KB), but every page re-reads
    the stream: about a second per page, so the whole file outlasts any sane time limit.
    """
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    packed = comp.compress(HELLO + b"\n") + b"".join(comp.compress(block) for _ in range(stream_mb))
    packed += comp.compress(b"\n" + HELLO) + comp.flush()
    contents, font = 3 + pages, 4 + pages
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [_page(2, contents, font) for _ in range(pages)]
    objects += [stream(packed, b"/Filter /FlateDecode"), FONT]
    path = folder / name
    path.write_bytes(build_pdf(objects))
    return path


def make_cyclic_page_tree_pdf(folder: Path, name: str = "cyclic-pages.pdf") -> Path:
    """A /Pages node whose only kid is a /Pages node whose only kid is the first one again."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        stream(HELLO),
        FONT,
    ]
    path = folder / name
    path.write_bytes(build_pdf(objects))
    return path


def make_self_kid_page_tree_pdf(folder: Path, name: str = "self-kid-pages.pdf") -> Path:
    """A real page plus a /Pages node that lists itself among its kids."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
        _page(2, 4, 5),
        stream(HELLO),
        FONT,
    ]
    path = folder / name
    path.write_bytes(build_pdf(objects))
    return path


def make_cyclic_outline_pdf(folder: Path, name: str = "cyclic-outline.pdf") -> Path:
    """A readable one-page PDF whose outline items point at each other in a loop (/Next, /Parent)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R /PageMode /UseOutlines >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(2, 4, 5),
        stream(HELLO),
        FONT,
        b"<< /Type /Outlines /First 7 0 R /Last 8 0 R /Count 2 >>",
        b"<< /Title (One) /Parent 6 0 R /Next 8 0 R /Prev 8 0 R /First 8 0 R /Dest [3 0 R /Fit] >>",
        b"<< /Title (Two) /Parent 7 0 R /Next 7 0 R /Prev 7 0 R /First 7 0 R /Dest [3 0 R /Fit] >>",
    ]
    path = folder / name
    path.write_bytes(build_pdf(objects))
    return path


# -- text files ---------------------------------------------------------------------------
def make_binary_txt(folder: Path, name: str = "binary.txt") -> Path:
    path = folder / name
    path.write_bytes(bytes(range(256)) * 64)
    return path


CP1252_TEXT = (
    "Inspectors said the council\u2019s \u201cfront door\u201d was working well \u2013 referrals were "
    "screened within 24 hours. The director\u2019s caf\u00e9 meetings were praised.\r\n\r\n"
    "Managers\u2019 oversight was \u201cconsistent\u201d and visible.\r\n"
)


def make_cp1252_txt(folder: Path, name: str = "windows-quotes.txt") -> Path:
    """Windows-1252 bytes (curly quotes 0x91-0x94, en dash 0x96): invalid UTF-8, valid text."""
    path = folder / name
    path.write_bytes(CP1252_TEXT.encode("cp1252"))
    return path


def make_utf16_txt(folder: Path, name: str = "utf16.txt") -> Path:
    """UTF-16 with a byte-order mark, as Windows Notepad saves "Unicode": full of NUL bytes, yet text."""
    path = folder / name
    path.write_bytes(CP1252_TEXT.replace("front door", "duty desk").encode("utf-16"))
    return path


def make_control_bytes_txt(folder: Path, name: str = "controls.txt") -> Path:
    """Binary data with no NUL byte in it, named .txt."""
    path = folder / name
    path.write_bytes(bytes(b for b in range(1, 256)) * 40)
    return path


def make_enormous_line_txt(folder: Path, name: str = "one-line.txt", mb: int = 20) -> Path:
    """`mb` MB of ordinary sentences with no newline at all."""
    sentence = b"Inspectors found that plans for children were reviewed regularly by managers. "
    path = folder / name
    with open(path, "wb") as fh:
        block = sentence * ((1 << 20) // len(sentence) + 1)
        for _ in range(mb):
            fh.write(block[: 1 << 20])
    return path


def make_all(folder: Path) -> dict[str, Path]:
    """Every hostile file above, keyed by a short label."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "truncated": make_truncated_pdf(folder),
        "corrupt-xref": make_corrupt_xref_pdf(folder),
        "garbled": make_garbled_pdf(folder),
        "encrypted": make_encrypted_pdf(folder),
        "empty": make_empty(folder),
        "bomb": make_decompression_bomb_pdf(folder),
        "slow": make_slow_pdf(folder),
        "cyclic-pages": make_cyclic_page_tree_pdf(folder),
        "self-kid-pages": make_self_kid_page_tree_pdf(folder),
        "cyclic-outline": make_cyclic_outline_pdf(folder),
        "binary-txt": make_binary_txt(folder),
        "cp1252": make_cp1252_txt(folder),
        "utf16": make_utf16_txt(folder),
        "controls-txt": make_control_bytes_txt(folder),
        "one-line": make_enormous_line_txt(folder),
    }


# -- workers that misbehave, for SandboxedParser(parse=hostile.Sleeper().run, ...) ----------
class Sleeper:
    """Never finishes in time. Writes its worker's pid to PATH.worker first, so a test can
    check that the worker was ended."""

    def run(self, path):
        import os
        import time
        from pathlib import Path

        Path(f"{path}.worker").write_text(str(os.getpid()))
        time.sleep(60)


class Segfault:
    """Crashes the worker with SIGSEGV."""

    def run(self, path):
        import ctypes

        ctypes.string_at(0)


class Recurse:
    """Recurses without end, as a parser might on a self-referencing structure."""

    def run(self, path):
        return self.run(path)


class Hog:
    """Allocates until the memory limit stops it."""

    def run(self, path):
        hoard = []
        while True:
            hoard.append(bytearray(16 << 20))


class Broken:
    """Fails with an exception no parser should raise."""

    def run(self, path):
        raise ValueError("unexpected structure")


class Rendezvous:
    """Parses as usual, but only once every file in `names` is being parsed at the same time.

    Each parse first writes its helper's pid beside its file (PATH.helper; `os.getppid()` in the
    forked worker is the pid of the helper that forked it), then waits, for at most `wait_s`,
    until the marker of every file in `names` (in the same folder) exists. A parse that waits in
    vain fails with an error saying which files never started, so a run of parses succeeds only
    if all of them were running at once. No clock is compared."""

    def __init__(self, names, wait_s: float = 20.0):
        self.names = tuple(names)
        self.wait_s = wait_s

    def run(self, path):
        import os
        import time
        from pathlib import Path

        from ingest.builder import DocumentBuilder

        path = Path(path)
        marker = Path(f"{path}.helper")
        partial = marker.with_name(marker.name + ".partial")
        partial.write_text(str(os.getppid()))
        os.replace(partial, marker)  # the marker appears whole, never half-written
        others = [path.with_name(f"{name}.helper") for name in self.names]
        deadline = time.monotonic() + self.wait_s
        while not all(m.exists() for m in others):
            if time.monotonic() > deadline:
                missing = [m.name for m in others if not m.exists()]
                raise RuntimeError(f"{path.name} waited {self.wait_s:g} s alone; never started: {missing}")
            time.sleep(0.01)
        return DocumentBuilder().run(path)
