"""Cutting text to what a phone screen and Telegram take, at a word, with «…».

Pure functions. Titles, notes and names come from documents and people and may be of any
length; the database keeps them whole, and every message shows them through these.
"""

from __future__ import annotations

from services.plaintext import plain

ELLIPSIS = "…"
_BACK_OFF = 0.3  # a cut may move back this share of the limit to end at a word
_TRAILING = " \t\n,;:-–—(/"


def one_line(text: str) -> str:
    """Whitespace (line breaks included) as single spaces."""
    return " ".join(text.split())


def clip(text: str | None, limit: int, *, keep_lines: bool = False) -> str:
    """`text` in at most `limit` characters: whole if it fits, else cut at the last word
    boundary near the limit and ended with «…». Whitespace is collapsed to single spaces
    unless `keep_lines` (a whole message: then it is kept as written)."""
    text = plain(text)  # what others read is plain text: no bidi or hidden characters
    if not text:
        return ""
    # A message keeps its lines and their indentation as written; a title is one line.
    text = text.rstrip() if keep_lines else one_line(text)
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= (limit - 1) * (1 - _BACK_OFF):
        cut = cut[:space]
    return cut.rstrip(_TRAILING) + ELLIPSIS


def fit_lines(lines: list[str], limit: int, more: str = ELLIPSIS) -> str:
    """Lines joined by newlines, whole if they fit in `limit` characters; else as many as
    fit followed by `more` (a line saying what was left out, "{count}": how many)."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        tail = more.format(count=len(lines) - i)
        if size + len(line) + 1 + len(tail) > limit:
            out.append(tail)
            break
        out.append(line)
        size += len(line) + 1
    return clip("\n".join(out), limit, keep_lines=True)
