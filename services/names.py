"""Agency names: one normal form to compare them, and short codes made from them."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n.,;:!?\"'()[]*#«»“”"
_CODE_OK = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def normalize_name(name: str) -> str:
    """Casefold, NFC, one kind of dash, single spaces, no punctuation at the ends.

    "Sở Y Tế" and "Sở  Y tế." compare equal; diacritics are kept, since "Sở Tư pháp"
    and a hypothetical "Sở Tu phap" are different words to a Vietnamese reader.
    """
    text = unicodedata.normalize("NFC", name)
    text = _DASHES.sub("-", text)
    text = _SPACES.sub(" ", text).strip(_EDGE_PUNCT)
    text = re.sub(r"\s*-\s*", " - ", text)
    return text.casefold()


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def code_from_name(name: str) -> str:
    """Initials of the words, without diacritics: "Sở Y tế" -> "SYT"."""
    words = re.findall(r"[^\W_]+", strip_diacritics(name))
    initials = "".join(word[0] for word in words).upper()
    return (initials or "CQ")[:12]


def is_valid_code(code: str) -> bool:
    return bool(_CODE_OK.match(code))
