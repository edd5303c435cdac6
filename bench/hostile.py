"""Hostile plan documents, built in memory (never committed): what an attacker or a careless
coordinator sends. Used by tests/test_hostile_inputs.py and bench/documents.py."""

from __future__ import annotations

import io
import zipfile

WORDS = [
    "và",
    "của",
    "các",
    "trẻ",
    "em",
    "bảo",
    "vệ",
    "chăm",
    "sóc",
    "trong",
    "năm",
    "tỉnh",
    "sở",
    "ngành",
    "thực",
    "hiện",
    "báo",
    "cáo",
]


def lowercase_text(count: int = 3000, width: int = 85) -> str:
    """`count` lowercase lines that wrap into one paragraph (3,000: some 339 KB), the text
    that once took the parser time growing with the square of its length."""
    return "\n".join(
        " ".join(WORDS[(n + i) % len(WORDS)] for i in range(width // 3))[:width]
        for n in range(count)
    )


def lowercase_lines(count: int = 3000, width: int = 85) -> bytes:
    """The same text as a file's bytes (UTF-8)."""
    return lowercase_text(count, width).encode()


def docx_bomb(characters: int = 100_000_000) -> bytes:
    """A valid .docx of a few hundred KB whose document.xml holds one paragraph of
    `characters` letters: it expands a thousand times. Written part by part (streamed
    into the archive), so building it never holds the expanded text."""
    import docx

    plain = io.BytesIO()
    docx.Document().save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    chunk = b"tre em " * 150_000  # 1.05 MB
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, source.read(info))
                continue
            with bomb.open("word/document.xml", "w") as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
                )
                left = characters
                while left > 0:
                    piece = chunk[:left]
                    part.write(piece)
                    left -= len(piece)
                part.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()
