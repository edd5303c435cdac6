"""Vietnamese sort order for names of bodies (and any other text a list is ordered by).

Python compares code points, which puts «Ủy ban…» (U+1EE6) after «Viện…» and «Đ» after
«Z». This is the order of a Vietnamese dictionary, as ICU's `vi` collation has it:

- letters: a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z);
- tones only break ties between words spelled alike: none, huyền, hỏi, ngã, sắc, nặng
  (ba < bà < bả < bã < bá < bạ < bác), then lower case before upper case;
- spaces, then punctuation, then numbers (compared by value: «Phường 2» before
  «Phường 10», as ICU's numeric option does), then letters;
- old and new tone placement («Uỷ», «Ủy») sort the same.

PyICU would give the same order, but it builds from source against the system's ICU
(headers and a compiler on every machine); this key has no dependency and is checked
against ICU's order in tests/test_collation.py.

    sorted(names, key=vi_key)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from services.names import OLD_TONE_PLACEMENT, OLD_TONE_RE

T = TypeVar("T")

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {ch: chr(0x100 + i) for i, ch in enumerate(ALPHABET)}
# A base letter with a vowel mark is a letter of its own (â is not a with a hat).
_MODIFIED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_VOWEL_MARKS = {"\u0306", "\u0302", "\u031b"}
# Tones: huyền, hỏi, ngã, sắc, nặng (none is 0).
_TONE = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SPACE, _PUNCT, _NUMBER, _OTHER = "\x01", "\x02", "\x03", chr(0x200)
_NO_MARK = "0"
_LOWER, _UPPER = "0", "1"  # lower case first, as ICU


@lru_cache(maxsize=8192)
def vi_key(text: str) -> tuple[str, str, str, str]:
    """A sort key: primary (letters and numbers), secondary (tones), tertiary (case), and
    the text itself so that different texts never tie."""
    text = unicodedata.normalize("NFC", text or "")
    lower = text.lower()
    if len(lower) != len(text):  # a rare letter whose lower case is longer: no case level
        text = lower
    lower = OLD_TONE_RE.sub(lambda m: OLD_TONE_PLACEMENT[m.group(0)], lower)
    primary: list[str] = []
    secondary: list[str] = []
    tertiary: list[str] = []
    i, n = 0, len(lower)
    while i < n:
        ch = lower[i]
        if ch.isspace():
            while i < n and lower[i].isspace():
                i += 1
            primary.append(_SPACE)
            secondary.append(_NO_MARK)
            tertiary.append(_LOWER)
            continue
        if ch.isdigit() and ch.isascii():
            j = i
            while j < n and lower[j].isdigit() and lower[j].isascii():
                j += 1
            digits = lower[i:j].lstrip("0") or "0"
            primary.append(f"{_NUMBER}{chr(0x30 + min(len(digits), 0xCF))}{digits}")
            secondary.append(_NO_MARK)
            tertiary.append(_LOWER)
            i = j
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = 0
        extra = ""
        for mark in marks:
            if mark in _VOWEL_MARKS and (base, mark) in _MODIFIED:
                base = _MODIFIED[(base, mark)]
            elif mark in _TONE:
                tone = _TONE[mark]
            else:
                extra += mark
        letter = _LETTER.get(base)
        if letter is not None:
            primary.append(letter)
        elif base.isalpha():
            primary.append(_OTHER + base)
        else:
            primary.append(_PUNCT + base)
        secondary.append(chr(0x30 + tone) + extra)
        tertiary.append(_UPPER if text[i] != text[i].lower() else _LOWER)
        i += 1
    return "".join(primary), "".join(secondary), "".join(tertiary), text


def sort_vi(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """The items in Vietnamese order of key(item)."""
    return sorted(items, key=lambda item: vi_key(key(item)))
