"""Names, titles and notes as plain text, whatever their author typed into them.

A name or a note reaches other people (coordinators' notices, lists, the workbook, the
chart). Unicode's invisible format characters (category Cf) let its author change how
others read it: U+202E turns the rest of a line around («‮gnp.exe» reads "exe.png"),
U+2066-2069 isolate and reorder, zero-width spaces and word joiners hide a difference
between two names that look the same. `plain()` removes them all, and control characters
other than a line break or a tab, except two that Vietnamese and emoji need: the zero-width
joiner (👨‍👩‍👧) and non-joiner. The text is otherwise kept as typed.

Applied at render: every message shows a title, name or note through
`services.textfit.clip`, which calls `plain()`; the chart and the workbook call it on
their cells. The database keeps what was typed.
"""

from __future__ import annotations

import re

# Categories Cf and Cc of Unicode 14 (Python 3.11's unicodedata), less ZWNJ, ZWJ, "\n" and
# "\t"; written out, as computing it means reading a million code points at import.
HIDDEN_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891"
    "\u08e2\u180e\u200b\u200e-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def plain(text: str | None) -> str:
    """`text` without invisible format and control characters (see the module docstring)."""
    if not text:
        return ""
    return HIDDEN_RE.sub("", text)
