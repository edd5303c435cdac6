"""Agency names: one normal form to compare them, and short codes made from them."""

from __future__ import annotations

import re
import unicodedata

_CODE_OK = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

DASHES_RE = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")
SPACES_RE = re.compile(r"\s+")
SPACED_DASH_RE = re.compile(r"\s+-\s*|\s*-\s+")  # a dash between words, not "Covid-19"
END_PUNCT = " \t.,;:!?-()[]\"'“”‘’*_/\\"
# Old ("hoá", "Uỷ") and new ("hóa", "Ủy") tone placement spell the same syllable.
OLD_TONE_PLACEMENT = {
    "oá": "óa",
    "oà": "òa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oé": "óe",
    "oè": "òe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uý": "úy",
    "uỳ": "ùy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
OLD_TONE_RE = re.compile("|".join(OLD_TONE_PLACEMENT))
ABBREVIATIONS = {
    "ubnd": "ủy ban nhân dân",
    "ub": "ủy ban",
    "mttq": "mặt trận tổ quốc",
    "mttqvn": "mặt trận tổ quốc việt nam",
    "lđtbxh": "lao động - thương binh và xã hội",
    "lđ-tb&xh": "lao động - thương binh và xã hội",
    "gd&đt": "giáo dục và đào tạo",
    "gdđt": "giáo dục và đào tạo",
    "vhttdl": "văn hóa, thể thao và du lịch",
    "vh,tt&dl": "văn hóa, thể thao và du lịch",
    "tttt": "thông tin và truyền thông",
    "tt&tt": "thông tin và truyền thông",
    "kh&đt": "kế hoạch và đầu tư",
    "khđt": "kế hoạch và đầu tư",
    "hđnd": "hội đồng nhân dân",
    "tp": "thành phố",
    "tp.": "thành phố",
}
ABBREVIATION_RE = re.compile(
    r"(?<![\w&])("
    + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w&])"
)


def normalize_name(name: str) -> str:
    """A key to compare body names: NFC, casefold, one tone-mark placement, common
    abbreviations spelled out (UBND, MTTQ, LĐTBXH...), "&" as "và", one kind of dash
    with spaces around, single spaces, no punctuation at the ends."""
    key = unicodedata.normalize("NFC", name or "").casefold()
    key = OLD_TONE_RE.sub(lambda m: OLD_TONE_PLACEMENT[m.group(0)], key)
    key = DASHES_RE.sub("-", key)
    key = ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], key)
    key = key.replace("&", " và ")
    key = SPACED_DASH_RE.sub(" - ", key)
    key = SPACES_RE.sub(" ", key)
    return key.strip(END_PUNCT)


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# The codes people use for well-known bodies, matched on the normalised name's start.
KNOWN_CODES: list[tuple[str, str]] = [
    (r"sở y tế", "SYT"),
    (r"sở tư pháp", "STP"),
    (r"sở giáo dục và đào tạo", "SGDDT"),
    (r"sở khoa học và công nghệ", "SKHCN"),
    (r"sở văn hóa, thể thao và du lịch", "SVHTTDL"),
    (r"sở văn hóa và thể thao", "SVHTT"),
    (r"sở lao động - thương binh và xã hội", "SLDTBXH"),
    (r"sở tài chính", "STC"),
    (r"sở nội vụ", "SNV"),
    (r"sở xây dựng", "SXD"),
    (r"sở công thương", "SCT"),
    (r"sở nông nghiệp và môi trường", "SNNMT"),
    (r"sở nông nghiệp và phát triển nông thôn", "SNNPTNT"),
    (r"sở tài nguyên và môi trường", "STNMT"),
    (r"sở thông tin và truyền thông", "STTTT"),
    (r"sở kế hoạch và đầu tư", "SKHDT"),
    (r"sở giao thông vận tải", "SGTVT"),
    (r"sở ngoại vụ", "SNGV"),
    (r"sở dân tộc và tôn giáo", "SDTTG"),
    (r"công an (?:tỉnh|thành phố)", "CAT"),
    (r"công an (?:huyện|quận|thị xã)", "CAH"),
    (r"viện kiểm sát nhân dân", "VKSND"),
    (r"tòa án nhân dân", "TAND"),
    (r"ủy ban (?:nhân dân )?mặt trận tổ quốc|mặt trận tổ quốc", "UBMTTQ"),
    (r"(?:tỉnh|thành|huyện) đoàn|đoàn thanh niên", "TD"),
    (r"hội liên hiệp phụ nữ", "HLHPN"),
    (r"hội nông dân", "HND"),
    (r"hội cựu chiến binh", "HCCB"),
    (r"hội chữ thập đỏ", "HCTD"),
    (r"liên đoàn lao động", "LDLD"),
    (r"bộ chỉ huy quân sự|bộ chqs", "BCHQS"),
    (r"bộ chỉ huy bộ đội biên phòng", "BDBP"),
    (r"bảo hiểm xã hội", "BHXH"),
    (r"đài phát thanh và truyền hình", "DPTTH"),
    (r"báo và phát thanh, truyền hình", "BPTTH"),
    (r"ban quản lý khu kinh tế", "BQLKKT"),
    (r"ngân hàng chính sách xã hội", "NHCSXH"),
    (r"ủy ban nhân dân (?:các |cấp )?(?:xã|phường)", "UBNDXA"),
    (r"ủy ban nhân dân (?:các |cấp )?(?:huyện|quận)", "UBNDHUYEN"),
]
KNOWN_CODE_RES = [(re.compile(rf"^(?:{pattern})\b"), code) for pattern, code in KNOWN_CODES]
MAX_CODE = 12


def code_from_name(name: str) -> str:
    """The code people use for a body: a well-known abbreviation ("Sở Giáo dục và Đào
    tạo" -> "SGDDT", "Công an tỉnh" -> "CAT"), else the initials of its words without
    "và" and diacritics ("Ban Dân tộc tỉnh" -> "BDTT"); `add_agency` makes it unique."""
    key = normalize_name(name)
    for regex, code in KNOWN_CODE_RES:
        if regex.match(key):
            return code
    words = [w for w in re.findall(r"[^\W_]+", strip_diacritics(name)) if w.casefold() != "va"]
    initials = "".join(word[0] for word in words).upper()
    return (initials or "CQ")[:MAX_CODE]


def is_valid_code(code: str) -> bool:
    return bool(_CODE_OK.match(code))
