"""Turn an uploaded plan file (.txt, .docx, .pdf) into plain text.

`extract_text(data, filename)` returns the document's text, one paragraph (or one PDF
line) per line, Unicode NFC. It raises `DocumentError(code)` with a stable English code
that the caller maps to a Vietnamese message:

    empty            no bytes, or a document with no text at all
    too_large        more than `max_bytes` (default 20 MB); checked before any parsing
    binary           not text and not a known document format
    unsupported_type a known format we do not read (.doc, .xls, .odt, images, archives...)
    scanned_pdf      a PDF without a text layer (a scan): it needs OCR first
    corrupt          a .docx or .pdf that cannot be opened (damaged, or encrypted)
    too_big_unpacked a .docx whose parts would expand past `MAX_UNPACKED_BYTES` (XML:
                     `MAX_UNPACKED_XML_BYTES`) or by more than `MAX_RATIO` (a zip bomb),
                     read from the archive's directory before anything is expanded
    too_long         text of more than `MAX_CHARS` characters or `MAX_LINES` lines, or a
                     line (paragraph) longer than `MAX_LINE_CHARS`

Bounds come before work: the byte size first, a .docx's declared part sizes and
compression ratios next (zipfile never expands a member past its declared size, so the
declaration is a real bound), then the text's length. A PDF's text is counted page by
page and reading stops at the bound. The caller still runs all this in a child process
under CPU and memory limits (services/isolation.py): the bounds answer well-formed
monsters with a reason, the limits stop the ones no bound foresaw.

How the format is chosen: the content is sniffed first (``%PDF-`` -> PDF, a zip holding
``word/document.xml`` -> .docx, the OLE2 signature of legacy .doc/.xls -> unsupported),
then the file name's extension; anything else is tried as text.

Text files: UTF-8 (a BOM is dropped), UTF-16 when it starts with a BOM, otherwise
Windows-1258, the Vietnamese Windows code page (its combining tone marks are composed by
NFC). Bytes with NULs or many control characters are "binary". Legacy Vietnamese font
encodings (TCVN3/ABC, VNI) are not recognised: they decode to wrong letters.

.docx: body paragraphs and table cells in document order (each cell's paragraphs on their
own lines, a merged cell once). Word's automatic list numbering ("1.", "a)", bullets) is
not part of a paragraph's text, so it is rendered from the numbering definitions and put
in front of the paragraph, as a reader sees it.

.pdf: pypdf's text of each page, pages separated by a newline. A PDF whose pages hold
almost no letters (fewer than `MIN_LETTERS_PER_PAGE` on average) is a scan.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from typing import Any

# pypdf reports damaged files through logging as well as by raising; the raise is what
# we act on, and its log lines would reach the person at the terminal as noise.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

MAX_BYTES = 20 * 1024 * 1024
MIN_LETTERS_PER_PAGE = 40
# A plan is some 20-150 thousand characters; ten times the longest is still a plan.
MAX_CHARS = 2_000_000
MAX_LINES = 50_000
MAX_LINE_CHARS = 20_000
# A .docx's XML parts, expanded (a 300-page plan's document.xml is under 5 MB; parsed,
# XML takes some ten times its size in memory), and all its parts (pictures too).
MAX_UNPACKED_XML_BYTES = 8 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_MEMBERS = 5_000
# Word's XML compresses some 5-20 times; a part over 1 MB that compresses 200 times is a
# repetition built to expand, not a document.
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024

TEXT_EXTENSIONS = {"", "txt", "text", "md", "markdown", "csv"}
UNSUPPORTED_EXTENSIONS = {
    "doc",
    "dot",
    "rtf",
    "odt",
    "ott",
    "xls",
    "xlsx",
    "ods",
    "ppt",
    "pptx",
    "odp",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "bmp",
    "tif",
    "tiff",
    "webp",
    "heic",
    "zip",
    "rar",
    "7z",
    "gz",
    "tar",
    "xml",
    "html",
    "htm",
    "epub",
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_BOM = b"\xef\xbb\xbf"
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class DocumentError(Exception):
    """A document that cannot be read; `code` is one of the module docstring's codes."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail


def extract_text(data: bytes, filename: str, max_bytes: int = MAX_BYTES) -> str:
    """Return the text of an uploaded .txt, .docx or .pdf document (see module docstring)."""
    if len(data) > max_bytes:
        raise DocumentError("too_large", f"{len(data)} bytes > {max_bytes}")
    if not data or not data.strip():
        raise DocumentError("empty")
    kind = _detect_kind(data, _extension(filename))
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "docx":
        check_archive(data)
        text = _docx_text(data)
    elif kind == "unsupported":
        raise DocumentError("unsupported_type", filename)
    else:
        text = _decode_text(data)
    check_text(text)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise DocumentError("empty")
    return text


def check_archive(data: bytes) -> None:
    """Refuse a zip whose members, as its directory declares them, expand past the
    bounds (`too_big_unpacked`); nothing is decompressed here."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("corrupt", str(exc)) from exc
    if len(members) > MAX_MEMBERS:
        raise DocumentError("too_big_unpacked", f"{len(members)} members")
    total = xml = 0
    for member in members:
        total += member.file_size
        if member.filename.lower().endswith((".xml", ".rels")):
            xml += member.file_size
        ratio = member.file_size / max(1, member.compress_size)
        if member.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise DocumentError("too_big_unpacked", f"{member.filename}: ratio {ratio:.0f}")
    if total > MAX_UNPACKED_BYTES or xml > MAX_UNPACKED_XML_BYTES:
        raise DocumentError("too_big_unpacked", f"{total} bytes unpacked, {xml} of XML")


def check_text(text: str) -> None:
    """Refuse text longer than the bounds (`too_long`), in one linear pass."""
    if len(text) > MAX_CHARS:
        raise DocumentError("too_long", f"{len(text)} characters")
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise DocumentError("too_long", f"{lines} lines")
    longest = max(map(len, text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        raise DocumentError("too_long", f"a line of {longest} characters")


def _extension(filename: str) -> str:
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _detect_kind(data: bytes, extension: str) -> str:
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if extension == "docx" or _zip_has(data, "word/document.xml"):
            return "docx"
        return "unsupported"
    if data.startswith(OLE2_MAGIC):
        return "unsupported"
    if extension == "pdf":
        return "pdf"  # no PDF header: _pdf_text reports it as corrupt
    if extension == "docx":
        return "docx"
    if extension in UNSUPPORTED_EXTENSIONS:
        return "unsupported"
    return "text"


def _zip_has(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# --- plain text --------------------------------------------------------------------------


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError("binary", "bad UTF-16") from exc
    if b"\x00" in data:
        raise DocumentError("binary", "NUL bytes")
    data = data.removeprefix(UTF8_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise DocumentError("binary", "not UTF-8 nor Windows-1258") from exc
    sample = text[:200_000]
    if sample and len(CONTROL_CHARS_RE.findall(sample)) > max(2, len(sample) // 200):
        raise DocumentError("binary", "control characters")
    return text


# --- .docx -------------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DocumentError("unsupported_type", "python-docx missing") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError("corrupt", str(exc)) from exc
    except Exception as exc:  # lxml errors and other damage inside the package
        raise DocumentError("corrupt", str(exc)) from exc
    numbering = _Numbering(document)
    lines: list[str] = []
    _docx_block_lines(document.element.body, document, numbering, lines)
    return "\n".join(lines)


def _docx_block_lines(parent, document, numbering: _Numbering, lines: list[str]) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            label = numbering.label(paragraph)
            text = paragraph.text
            lines.append(f"{label} {text}" if label and text.strip() else text)
        elif tag == "tbl":
            seen: set[int] = set()
            for row in Table(child, document).rows:
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in each grid column
                        continue
                    seen.add(id(cell._tc))
                    _docx_block_lines(cell._tc, document, numbering, lines)
        elif tag == "sdt":  # content controls wrap ordinary paragraphs
            content = child.find(_qn("w:sdtContent"))
            if content is not None:
                _docx_block_lines(content, document, numbering, lines)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


class _Numbering:
    """Renders Word's automatic list labels ("1.", "a)", "-") for paragraphs."""

    def __init__(self, document) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        # A style's numbering, looked up once per style: python-docx finds a paragraph's
        # style (the default one, when it names none) by scanning every style.
        self.style_numbering: dict[str | None, Any] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str | None, dict[int, tuple[str, str, int]]] = {}  # None: no id given
        for node in root.findall(_qn("w:abstractNum")):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in node.findall(_qn("w:lvl")):
                ilvl = int(lvl.get(_qn("w:ilvl"), "0"))
                fmt = _child_val(lvl, "w:numFmt") or "decimal"
                text = _child_val(lvl, "w:lvlText") or ""
                start = int(_child_val(lvl, "w:start") or "1")
                levels[ilvl] = (fmt, text, start)
            abstract[node.get(_qn("w:abstractNumId"))] = levels
        for num in root.findall(_qn("w:num")):
            ref = _child_val(num, "w:abstractNumId")
            for ilvl, level in abstract.get(ref, {}).items():
                self.levels[(num.get(_qn("w:numId")), ilvl)] = level

    def label(self, paragraph) -> str:
        if not self.levels:
            return ""
        num_id, ilvl = _num_pr(paragraph, self.style_numbering)
        if num_id is None or (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        fmt, text, start = self.levels[(num_id, ilvl)]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        if fmt == "bullet" or not text:
            return "-"
        label = text
        for level in range(ilvl + 1):
            level_fmt = self.levels.get((num_id, level), ("decimal", "", 1))[0]
            value = counters[level] or self.levels.get((num_id, level), ("", "", 1))[2]
            label = label.replace(f"%{level + 1}", _format_number(value, level_fmt))
        return label.strip()


def _child_val(node, tag: str) -> str | None:
    child = node.find(_qn(tag))
    return None if child is None else child.get(_qn("w:val"))


def _num_pr(paragraph, by_style: dict[str | None, Any]) -> tuple[str | None, int]:
    """The (numId, level) of a paragraph's list numbering, from itself or its style."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.find(_qn("w:numPr")) if p_pr is not None else None
    if num_pr is None:
        style_id = paragraph._p.style
        if style_id not in by_style:
            style, found = paragraph.style, None
            while found is None and style is not None:
                s_pr = style.element.find(_qn("w:pPr"))
                found = s_pr.find(_qn("w:numPr")) if s_pr is not None else None
                style = style.base_style
            by_style[style_id] = found
        num_pr = by_style[style_id]
    if num_pr is None:
        return None, 0
    num_id = _child_val(num_pr, "w:numId")
    ilvl = int(_child_val(num_pr, "w:ilvl") or "0")
    return (None if num_id in (None, "0") else num_id), ilvl


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = "abcdefghijklmnopqrstuvwxyz"
        label = letters[(value - 1) % 26] * ((value - 1) // 26 + 1)
        return label.upper() if fmt == "upperLetter" else label
    if fmt in ("lowerRoman", "upperRoman"):
        label = _roman(value)
        return label.lower() if fmt == "lowerRoman" else label
    return str(value)


def _roman(value: int) -> str:
    numerals = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ]
    out = []
    for number, numeral in numerals:
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


# --- .pdf --------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    page_errors = (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        ZeroDivisionError,
        RecursionError,
        OSError,
    )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("corrupt", "encrypted")
        pages = list(reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError("corrupt", str(exc)) from exc
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise DocumentError("corrupt", f"{type(exc).__name__}: {exc}") from exc
    if not pages:
        raise DocumentError("empty", "no pages")
    texts: list[str] = []
    failures = 0
    size = 0
    for page in pages:
        try:
            texts.append(page.extract_text() or "")
        except page_errors:  # one damaged page: keep the others
            failures += 1
            texts.append("")
        size += len(texts[-1]) + 1
        if size > MAX_CHARS:
            raise DocumentError("too_long", f"over {MAX_CHARS} characters")
    if failures == len(pages):
        raise DocumentError("corrupt", "no page could be read")
    letters = sum(sum(ch.isalpha() for ch in text) for text in texts)
    if letters < MIN_LETTERS_PER_PAGE * len(pages):
        raise DocumentError("scanned_pdf")
    return "\n".join(texts)
