"""Understand an official's free-text reply to a task message.

Pure functions: no Telegram, no clock (the caller passes ``today``), no database.

Public API
----------
``parse_reply(text, today) -> Reply``
    ``Reply.intent`` is one of "done", "in_progress", "blocked", "extension", "unknown".
    ``Reply.note``: for "blocked" the reason as the person wrote it (NFC, trimmed of the
    keyword, of separators such as ":" "-", of connectors such as "do", "vì", "về" and of
    courtesy words such as "dạ", "ạ"): "vướng: thiếu kinh phí" -> "thiếu kinh phí". When
    the obstacle word is itself the reason ("thiếu ...", "hết kinh phí", "không kịp",
    "không thể ...", "bị lỗi") the note starts with it, or with a short subject just
    before it ("phần mềm bị lỗi không gửi được"). Nothing after the obstacle word: the
    words before it in its clause ("kinh phí chưa về nên bị vướng" -> "kinh phí chưa
    về"), else None ("em đang gặp khó khăn ạ"). Line breaks inside are kept.
    For "extension" the rest of the message: what follows the date, normally the reason
    ("... đến 5/12 vì chưa đủ số liệu" -> "chưa đủ số liệu"); if no date was given,
    whatever followed the request ("thêm 1 tuần", "đến thứ 6"), so nothing the official
    wrote is lost; else a reason written between request and date or before the request
    ("Do thiếu số liệu nên em xin gia hạn ..." -> "thiếu số liệu").
    None for the other intents.
    ``Reply.new_due``: the requested date of an extension, only when it is usable.
    ``Reply.problem``: for an extension without a usable date: "date_missing",
    "date_invalid" (31/11, 32/12, 0/5 ...), "date_out_of_range" (a year outside
    YEARS_BACK..YEARS_AHEAD of today's: 31/12/9999), "date_past" (written with a year,
    today or before) or "date_ambiguous" (no year, and the day just gone is nearer than
    the next); ``new_due`` is then None so a caller can never store a bad date by mistake,
    and ``Reply.suggested`` is the date to offer instead for the last two (the same day
    and month after today: "30/11/2026 đã qua — ý anh/chị là 30/11/2027?").
``find_date(text, today) -> date | None | "invalid"``
    The first date-like expression anywhere in free text.
``parse_date(text, today) -> date | None``
    The whole text must be one date ("30/11", "ngày 30 tháng 11 năm 2026"); invalid or
    anything else gives None. Meant for command-line arguments and form fields.
``requested_date(text, today) -> RequestedDate(value, problem, suggested)``
    The first date in free text judged as a new deadline, exactly as ``parse_reply``
    judges an extension's date (for the answer to "đến ngày nào?").
``date_in_range(value, today) -> bool``
    Whether a typed date is within this year - YEARS_BACK .. + YEARS_AHEAD.
``task_pointer(text) -> (number | None, rest)``
    The task number an answer names ("việc 2 đã xong", "việc số 2: ...", "nv2", "#2",
    "2. đã xong") and the answer without it; "việc 2 tuần nữa" names no task.
``title_choice(text, titles) -> index | None``
    The title an answer points at by its words ("báo cáo năm đã gửi" -> "Báo cáo năm"),
    None when none or several alike (status words and dates point at nothing).
``normalize(text) -> str``
    The matching form: NFC then compatibility-decomposed, lower case, no diacritics
    (``unicodedata`` NFKD with combining marks dropped, "đ" -> "d"), single spaces.

Dates
-----
Accepted: dd/mm, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, d/m/yy (20yy), yyyy-mm-dd (also with
"/" or "."), "ngày 30 tháng 11", "30 tháng 11 năm 2026", "30 thg 11", "30/11 năm 2026". A
date without a year is its next occurrence on or after ``today`` ("5/1" said in December is
next January); asked for as a new deadline, the next one after today. Impossible dates are
"invalid", never corrected; validation is done by ``datetime.date`` itself. In free text, a
yearless "30-11" or "30.11" is only taken as a date at the start of the text or after a word
such as "đến", "tới", "ngày", "hết", "trước", "hạn" (otherwise "kinh phí 1.5 tỷ" would hold
a date), and a yearless number pair followed by a unit ("1/2 tháng", "50/60 xã") is not a
date. Relative expressions ("thứ 6", "tuần sau", "cuối tháng", "thêm 3 ngày") are not dates:
an extension with only those gets "date_missing" and the bot asks for a date.

Decisions on ambiguous replies (a wrong "done" is the costly mistake, so doubt never
becomes "done"; "unknown" makes the bot ask with buttons, which is cheap)
---------------------------------------------------------------------------
* Priority: an extension request wins over everything (an obstacle mentioned with it
  becomes its note); then an obstacle ("blocked"); then "in_progress"; then "done".
  "đang làm nhưng vướng kinh phí" -> blocked, note "kinh phí".
* Negations. "chưa ..." (not yet: "chưa xong", "chưa hoàn thành được", "chưa gửi báo
  cáo") -> unknown: it says nothing about whether the work is moving or stuck (but "chưa
  có kinh phí" names an obstacle -> blocked).
  "không ..." / "không thể" / "không kịp" (will not / cannot: "không hoàn thành kịp") ->
  blocked, the note being the sentence from the negation on ("không hoàn thành kịp"),
  so that it reaches the coordinator. Done and "chưa xong" together ("xong phần xã,
  phần huyện chưa xong") -> in_progress.
* Questions are never done nor in progress: a clause ending in "?", containing "khi nào",
  "bao giờ", "thế nào", ..., or ending in "chưa" / "không" ("đã xong chưa", "gửi báo
  cáo chưa ạ"). Clauses are judged separately, so "Đã gửi báo cáo, anh nhận được chưa
  ạ?" is done. A polite question still asks for an extension ("xin gia hạn đến 30/11
  được không ạ?") and a question about an obstacle still reports it.
* Future or partial wording is in progress: "sẽ", "sắp", "gần", "đang", "dự kiến",
  "cơ bản" before a done word; "80%", "một phần" after it ("đã hoàn thành 80%").
  Obligation and condition ("phải", "cần", "nếu", "khi") make a done word meaningless.
  Uncertainty ("không biết", "hình như") too.
* Bare acknowledgements are unknown: "ok", "vâng", "dạ", "rồi ạ", "đã nhận", "đã xem",
  emoji and stickers ("👍", "✅" alone). "em gửi báo cáo ạ" (no "đã"/"rồi") is unknown
  too: it may announce an attachment that has not arrived.
* "đã triển khai" is in progress (started), "đã thực hiện" / "đã tổ chức" are done.
* "không có vướng mắc", "không gặp khó khăn gì", "vướng mắc: không" are not obstacles.
* Extensions: a yearless date that is nearer in the past than in the future is
  "date_ambiguous" ("xin gia hạn đến 20/11" written on 23/11: 20/11 of next year is
  offered, and the bot asks before taking a 362-day extension); a date with a year that
  is today or gone is "date_past", with the same day of a later year offered. Among
  several dates after the request, one after "đến"/"tới"/"hết"/"sang" is preferred.
* Colliding spellings once diacritics are gone: "Vương"/"vuông" (names, "square") are not
  "vướng"; "thiểu số" (ethnic minority) is not "thiếu"; "gọi" (to call) is not "gởi". A
  capitalised "Vuong"/"Thieu" inside a sentence is taken as a name.
* Typing noise accepted: no diacritics, wrong tone marks, "gởi" for "gửi", "song" for
  "xong" after "đã", "ra hạn" for "gia hạn", repeated letters ("xonggg"), glued words
  ("daxong"), Telex or VNI residue ("ddax xong", "hoafn thafnh", "da4 xong"), casing,
  punctuation and emoji.

Speed: only the first ``MAX_CHARS_EXAMINED`` (500) characters are examined, so a pasted
10,000-character report parses in well under a millisecond; a status word that appears
only after that point is not seen (the reply then comes out "unknown" and the bot asks).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

__all__ = [
    "MAX_CHARS_EXAMINED",
    "YEARS_AHEAD",
    "YEARS_BACK",
    "Intent",
    "Problem",
    "Reply",
    "RequestedDate",
    "date_in_range",
    "find_date",
    "normalize",
    "parse_date",
    "parse_reply",
    "requested_date",
    "task_pointer",
    "title_choice",
]

Intent = Literal["done", "in_progress", "blocked", "extension", "unknown"]
Problem = Literal[
    "date_missing", "date_invalid", "date_past", "date_ambiguous", "date_out_of_range"
]

# A date a person types is taken only within these years around today's (issue 10): a
# typo such as 31/12/9999 gets a clear answer instead of a deadline nobody meant.
YEARS_BACK = 1
YEARS_AHEAD = 10

# Only this many characters of a message are examined (speed on huge pastes).
MAX_CHARS_EXAMINED = 500


@dataclass(frozen=True)
class Reply:
    intent: Intent
    note: str | None = None
    new_due: date | None = None
    problem: Problem | None = None
    suggested: date | None = None  # for "date_past" / "date_ambiguous": the date to offer
    # The date as the person meant it when it was gone: to say so ("30/11/2026 đã qua").
    written: date | None = field(default=None, compare=False)


def date_in_range(value: date, today: date) -> bool:
    """Whether a typed date lies within YEARS_BACK .. YEARS_AHEAD years of today's."""
    return today.year - YEARS_BACK <= value.year <= today.year + YEARS_AHEAD


# ---------------------------------------------------------------------------------------
# Matching vocabulary. Written with diacritics for readability; every entry is folded
# with the same function as the message, so "vướng" also matches "vuong", "VƯỚNG", ...
# ---------------------------------------------------------------------------------------

DONE_PHRASES = (
    "xong",
    "xog",
    "đã xong",
    "xong rồi",
    "đã xong rồi",
    "đã song",
    "song rồi",
    "hoàn thành",
    "đã hoàn thành",
    "hoàn thành rồi",
    "hoàn tất",
    "đã hoàn tất",
    "đã gửi",
    "gửi rồi",
    "đã gửi rồi",
    "đã gửi báo cáo",
    "gửi báo cáo rồi",
    "đã gửi bc",
    "gửi bc rồi",
    "đã gởi báo cáo",
    "đã gởi bc",
    "gởi báo cáo rồi",
    "đã gởi văn bản",
    "đã gởi file",
    "đã gởi mail",
    "đã gởi email",
    "đã nộp",
    "nộp rồi",
    "đã nộp báo cáo",
    "đã báo cáo",
    "báo cáo rồi",
    "đã chuyển",
    "đã thực hiện",
    "đã tổ chức",
    "đã ban hành",
    "đã cập nhật",
    "đã hoàn thiện",
    "đã làm rồi",
    "làm rồi",
    "đã upload",
    "đã tải lên",
    "done",
    "đã được gửi",
    "đã được nộp",
    "đã ht",
    "ht rồi",
    "đã sog",
)

IN_PROGRESS_PHRASES = (
    "đang làm",
    "đang thực hiện",
    "đang triển khai",
    "đang tổng hợp",
    "đang xây dựng",
    "đang soạn",
    "đang soạn thảo",
    "đang hoàn thiện",
    "đang xử lý",
    "đang chuẩn bị",
    "đang tiến hành",
    "đang viết",
    "đang tập hợp",
    "đang thu thập",
    "đang rà soát",
    "đang trình",
    "đang trình ký",
    "đang chờ",
    "đang đợi",
    "đang gửi",
    "đang cập nhật",
    "đang tiếp tục",
    "đang khẩn trương",
    "đang gấp rút",
    "đang làm dở",
    "làm dở",
    "chờ ký",
    "chờ lãnh đạo ký",
    "chờ duyệt",
    "chờ lãnh đạo duyệt",
    "trình ký",
    "sẽ gửi",
    "sẽ nộp",
    "sẽ thực hiện",
    "sẽ triển khai",
    "đã triển khai",
    "đã bắt đầu",
    "bắt đầu làm",
    "đúng tiến độ",
    "đảm bảo tiến độ",
    "theo tiến độ",
    "trong tiến độ",
)

# Obstacle words that introduce a reason: the note is what follows them.
BLOCKED_MARKERS = (
    "vướng",
    "vướg",
    "vướng mắc",
    "bị vướng",
    "vướng phải",
    "khó khăn",
    "gặp khó khăn",
    "gặp khó",
    "trở ngại",
    "gặp trở ngại",
    "gặp vấn đề",
    "có vấn đề",
    "bị kẹt",
    "bế tắc",
)

# Words that are themselves the reason: the note starts with them.
BLOCKED_REASONS = (
    "thiếu",
    "chưa có kinh phí",
    "không có kinh phí",
    "chưa được cấp kinh phí",
    "chưa cấp kinh phí",
    "hết kinh phí",
    "không đủ",
    "ko đủ",
    "không kịp",
    "ko kịp",
    "k kịp",
    "không thể",
    "ko thể",
    "k thể",
    "không gửi được",
    "không nộp được",
    "không làm được",
    "bị lỗi",
    "lỗi hệ thống",
    "lỗi phần mềm",
)

EXTENSION_PHRASES = (
    "gia hạn",
    "xin gia hạn",
    "xin ra hạn",
    "xin da hạn",
    "lùi hạn",
    "xin lùi",
    "lùi thời hạn",
    "lùi lại",
    "dời hạn",
    "dời lại",
    "xin dời",
    "xin hoãn",
    "hoãn lại",
    "xin khất",
    "khất hạn",
    "thêm thời gian",
    "kéo dài thời hạn",
    "kéo dài thời gian",
    "xin nộp muộn",
    "xin gửi muộn",
    "xin nộp chậm",
    "xin gửi chậm",
    "xin phép nộp muộn",
    "xin phép gửi muộn",
    "xin phép nộp chậm",
    "xin phép gửi chậm",
    "cho nộp muộn",
)

# Words before a done/in-progress word that change its meaning (nearest one wins).
NOT_YET_WORDS = ("chưa", "chx", "chưa thể", "chưa kịp")
NOT_WORDS = (
    "không",
    "ko",
    "k",
    "kg",
    "khg",
    "hok",
    "khum",
    "chẳng",
    "chả",
    "đâu có",
    "không thể",
    "ko thể",
    "k thể",
    "chẳng thể",
    "không kịp",
)
FUTURE_WORDS = (
    "sẽ",
    "sắp",
    "gần",
    "gần như",
    "đang",
    "chuẩn bị",
    "cố gắng",
    "dự kiến",
    "tiếp tục",
    "ngày mai",
    "tuần sau",
    "tuần tới",
    "cơ bản",
    "bước đầu",
)
CONDITION_WORDS = (
    "phải",
    "cần",
    "hãy",
    "nhớ",
    "yêu cầu",
    "đề nghị",
    "nếu",
    "khi",
    "để",
    "muốn",
    "định",
    "có thể",
)
UNCERTAIN_WORDS = (
    "không biết",
    "ko biết",
    "k biết",
    "không rõ",
    "chưa rõ",
    "không chắc",
    "chưa chắc",
    "hình như",
    "quên",
)
# After a done word, in the same clause: only partly done.
PARTIAL_WORDS = ("một phần", "1 phần", "phần lớn", "một nửa", "nửa", "được một nửa")
QUESTION_PHRASES = (
    "khi nào",
    "bao giờ",
    "thế nào",
    "như thế nào",
    "làm sao",
    "tại sao",
    "vì sao",
    "ở đâu",
    "phải không",
    "đúng không",
    "được chưa",
    "hay chưa",
    "hay không",
    "có phải",
)
# Last meaningful word of a clause that turns it into a question (or a denial: "đâu").
QUESTION_ENDINGS = ("chưa", "chx", "không", "ko", "k", "hok", "khum", "đâu")
# Words that end the reach of a negation or a future marker, looking backwards.
SCOPE_BREAKERS = ("đã", "vì", "do", "nên", "mà", "và", "nhưng")
# Words that may stand between a negation and the word it negates.
DONE_NEGATION_GAP = (
    "làm",
    "kịp",
    "thể",
    "được",
    "có",
    "hề",
    "gửi",
    "nộp",
    "thực",
    "hiện",
    "xử",
    "lý",
    "viết",
    "tổng",
    "hợp",
    "triển",
    "khai",
    "báo",
    "cáo",
    "bc",
)
BLOCKED_NEGATION_GAP = (
    "có",
    "gặp",
    "bị",
    "còn",
    "phát",
    "sinh",
    "thấy",
    "hề",
    "gì",
    "khó",
    "khăn",
    "vướng",
    "mắc",
    "trở",
    "ngại",
    "vấn",
    "đề",
    "điều",
    "nào",
    "là",
    "chi",
    "cả",
)
BLOCKED_NEGATORS = NOT_YET_WORDS + NOT_WORDS + ("hết", "đã hết", "không còn")
EXTENSION_NEGATION_GAP = ("cần", "phải", "xin", "muốn", "định", "có", "được", "đề", "nghị")

# Cues that a piece of text before an extension request is its reason.
REASON_CUES = (
    "do",
    "vì",
    "lý do",
    "lí do",
    "bởi",
    "tại vì",
    "vướng",
    "khó khăn",
    "thiếu",
    "chưa",
    "không",
    "ko",
    "hết",
    "kịp",
    "bị",
    "ốm",
)
NOT_REASON_CUES = ("đơn vị", "tài chính")  # "vị"/"tài" fold like "vì"/"tại"

# Trimmed from the start / end of a note.
NOTE_LEAD_TRIM = (
    "dạ",
    "vâng",
    "thưa",
    "ạ",
    "em",
    "anh",
    "nhưng",
    "do",
    "vì",
    "bởi",
    "bởi vì",
    "tại vì",
    "lý do",
    "lí do",
    "lý do là",
    "lí do là",
    "vì lý do",
    "là",
    "về",
    "ở",
    "trong",
    "trong việc",
    "với",
    "thì",
    "đó là",
    "cụ thể",
    "như sau",
    "bên em",
    "đơn vị",
    "chúng tôi",
    "hiện",
    "hiện tại",
    "hiện nay",
    "và",
)
NOTE_TRAIL_TRIM = (
    "ạ",
    "à",
    "ah",
    "nhé",
    "nha",
    "ơi",
    "nhỉ",
    "thế",
    "vậy",
    "anh ạ",
    "chị ạ",
    "anh chị ạ",
    "được không",
    "được không ạ",
    "được ko",
    "được k",
    "đc không",
    "đc ko",
    "đc k",
    "dc k",
    "dc ko",
    "được chưa",
    "không ạ",
    "nên",
    "nên em",
    "nên bên em",
    "nên đơn vị",
    "nên chúng tôi",
    "nên bị",
    "nên đang",
    "vì vậy",
    "do đó",
    "vậy nên",
    "cho nên",
    "thì",
    "thì bị",
    "bị",
    "rồi",
    "em xin",
    "cho em xin",
    "xin",
    "đang",
    "gặp",
    "mà",
    "và",
    "nhưng",
    "với",
    "đến",
    "tới",
    "đến ngày",
    "tới ngày",
    "đến hết",
    "đến hết ngày",
    "hết ngày",
    "sang",
)
# Words that carry no reason on their own.
NOTE_FILLER = (
    "dạ",
    "vâng",
    "thưa",
    "em",
    "anh",
    "chị",
    "ạ",
    "ah",
    "nhé",
    "nha",
    "ơi",
    "nhỉ",
    "thế",
    "vậy",
    "đang",
    "bị",
    "gặp",
    "có",
    "bên",
    "đơn",
    "vị",
    "chúng",
    "tôi",
    "mình",
    "làm",
    "rồi",
    "thì",
    "nên",
    "cũng",
    "vẫn",
    "còn",
    "hiện",
    "tại",
    "nay",
    "xin",
    "ok",
    "oke",
    "và",
    "mà",
    "nhưng",
    "là",
    "rất",
    "quá",
    "lắm",
    "được",
)
# A note made only of these, with a negation, means "no obstacle" ("vướng mắc: không").
NO_OBSTACLE_WORDS = (
    "không",
    "ko",
    "k",
    "chưa",
    "có",
    "gì",
    "nào",
    "hết",
    "cả",
    "ạ",
    "nhé",
    "đâu",
    "vấn",
    "đề",
    "chi",
)
NO_OBSTACLE_NEGATORS = ("không", "ko", "k", "chưa", "hết")

# With diacritics these are other words that fold like a keyword.
COLLIDING_WORDS = frozenset({"vương", "vuông", "thiểu", "thiêu", "thiều", "gọi", "gói"})
# Capitalised inside a sentence these are names, not keywords.
NAME_LIKE = frozenset({"vuong", "thieu"})

# ---------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------

_LETTER_MAP = {"đ": "d", "ð": "d"}
_VOWELS = frozenset("aeiouy")
_TELEX_RESIDUE = frozenset("fjrsxz")
_WORD_RE = re.compile(r"[^\W_]+")
_REPEAT_RE = re.compile(r"([a-z])\1+")
_DIGIT_RE = re.compile(r"\d")
_CLAUSE_BREAK_RE = re.compile(r"[.,;:!?\n\r\u2026]|(?:^|\s)[-\u2013\u2014]+(?:\s|$)")
_CLAUSE_STARTERS = frozenset({"nhung", "tuy"})
_CLOSERS = ")]}\"'%\u00bb\u201d\u2019"  # closing brackets, quotes, per cent


def _cap(text: str) -> str:
    """The first MAX_CHARS_EXAMINED characters, without a word cut in half at the end."""
    if len(text) <= MAX_CHARS_EXAMINED:
        return text
    head = text[:MAX_CHARS_EXAMINED]
    if text[MAX_CHARS_EXAMINED].isalnum():
        cut = len(head)
        while cut > 0 and head[cut - 1].isalnum():
            cut -= 1
        if cut > 0:
            head = head[:cut]
    return head


def _fold_chars(text: str) -> tuple[str, list[int]]:
    """Lower case, compatibility-decompose and drop diacritics, keeping for every output
    character the index of the input character it came from."""
    out: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.lower()):
            if unicodedata.combining(c):
                continue
            out.append(_LETTER_MAP.get(c, c))
            pos.append(i)
    return "".join(out), pos


def normalize(text: str) -> str:
    """The form used for matching: no diacritics, "đ" -> "d", lower case, single spaces."""
    return " ".join(_fold_chars(unicodedata.normalize("NFC", text))[0].split())


def _fold_token(token: str) -> str:
    """Undo typing noise in one folded word: VNI digits, repeated letters, Telex marks.

    Unaccented Vietnamese never has f, j, r, s, x, z or w after its first vowel unless a
    vowel follows (glued words like "daxong"), so those are Telex tone/shape keys."""
    if token.isdigit():
        return token
    if token[0].isalpha() and _DIGIT_RE.search(token):
        token = _DIGIT_RE.sub("", token)
    token = _REPEAT_RE.sub(r"\1", token)
    out: list[str] = []
    seen_vowel = False
    for i, c in enumerate(token):
        if seen_vowel and (
            c == "w"
            or (c in _TELEX_RESIDUE and (i + 1 == len(token) or token[i + 1] not in _VOWELS))
        ):
            continue
        if c in _VOWELS:
            seen_vowel = True
        out.append(c)
    return "".join(out)


def _phrase(text: str) -> tuple[str, ...]:
    folded, _ = _fold_chars(unicodedata.normalize("NFC", text))
    return tuple(_fold_token(w) for w in _WORD_RE.findall(folded))


@dataclass(frozen=True)
class _Tok:
    key: str  # folded matching form
    start: int  # span in the NFC text
    end: int
    fstart: int  # span in the folded text
    fend: int
    clause: int


class _Text:
    """A message cut to MAX_CHARS_EXAMINED, folded, split into words and clauses."""

    def __init__(self, text: str) -> None:
        self.orig = unicodedata.normalize("NFC", _cap(text))
        self.folded, pos = _fold_chars(self.orig)
        toks: list[_Tok] = []
        questions: set[int] = set()
        clause = 0
        prev_end = 0
        for m in _WORD_RE.finditer(self.folded):
            key = _fold_token(m.group())
            if toks:
                gap = self.folded[prev_end : m.start()]
                if _CLAUSE_BREAK_RE.search(gap):
                    if "?" in gap:
                        questions.add(clause)
                    clause += 1
                elif key in _CLAUSE_STARTERS:
                    clause += 1
            toks.append(_Tok(key, pos[m.start()], pos[m.end() - 1] + 1, m.start(), m.end(), clause))
            prev_end = m.end()
        if "?" in self.folded[prev_end:]:
            questions.add(clause)
        self.toks = toks
        self.keys = [t.key for t in toks]
        # Each word as typed (lower case, with its diacritics if any).
        self.marked = [self.orig[t.start : t.end].lower() for t in toks]
        self.questions = questions
        self.words = " ".join(self.keys)
        self.word_starts: list[int] = []
        offset = 0
        for k in self.keys:
            self.word_starts.append(offset)
            offset += len(k) + 1
        self._clause_bounds: dict[int, tuple[int, int]] = {}
        for i, t in enumerate(toks):
            first = self._clause_bounds.get(t.clause, (i, i))[0]
            self._clause_bounds[t.clause] = (first, i + 1)
        self._asks: dict[int, bool] = {}

    def clause_asks(self, i: int) -> bool:
        """Whether token i's clause is a question by its mark or its question words."""
        clause = self.toks[i].clause
        if clause not in self._asks:
            a, b = self._clause_bounds[clause]
            self._asks[clause] = clause in self.questions or any(
                _QUESTION.starts_at(self, k, b) for k in range(a, b)
            )
        return self._asks[clause]

    def clause_start(self, i: int) -> int:
        """Index of the first token of token i's clause."""
        return self._clause_bounds[self.toks[i].clause][0]

    def clause_end(self, i: int) -> int:
        """Index after the last token of token i's clause."""
        return self._clause_bounds[self.toks[i].clause][1]

    def span_text(self, a: int, b: int) -> str:
        """The original text of tokens [a, b), with closing brackets/quotes/% kept."""
        end = self.toks[b - 1].end
        while end < len(self.orig) and self.orig[end] in _CLOSERS:
            end += 1
        return self.orig[self.toks[a].start : end]


class _Vocab:
    """A set of phrases, matched on folded words.

    A ``strict`` vocabulary also compares the diacritics of words typed with them, so
    that "đó"/"độ" are not the connector "do" and "vị" is not "vì"; words typed without
    diacritics still match on their folded form."""

    def __init__(self, phrases: Iterable[str], strict: bool = False) -> None:
        self.strict = strict
        self.forms: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for text in phrases:
            folded = _phrase(text)
            marked = tuple(_WORD_RE.findall(unicodedata.normalize("NFC", text).lower()))
            if folded:
                self.forms.setdefault(folded, set()).add(marked)
        self.phrases = frozenset(self.forms)
        self.maxlen = max(len(p) for p in self.phrases)
        ordered = sorted(self.phrases, key=lambda p: (-len(p), -sum(map(len, p))))
        # Words of a phrase may be glued together ("daxong").
        alts = "|".join(" ?".join(map(re.escape, p)) for p in ordered)
        self.regex = re.compile(rf"(?<![^ ])(?:{alts})(?![^ ])")
        self.words = frozenset(w for p in self.phrases for w in p)

    def find(self, tx: _Text) -> list[tuple[int, int]]:
        """Token ranges [i, j) of the matches, within one clause, without false friends."""
        found = []
        for m in self.regex.finditer(tx.words):
            i = bisect_left(tx.word_starts, m.start())
            j = bisect_left(tx.word_starts, m.end())
            if tx.toks[i].clause != tx.toks[j - 1].clause or _false_friend(tx, i, j):
                continue
            found.append((i, j))
        return found

    def _matches(self, tx: _Text, a: int, b: int) -> bool:
        marked_forms = self.forms.get(tuple(tx.keys[a:b]))
        if marked_forms is None:
            return False
        if not self.strict:
            return True
        typed = tx.marked[a:b]
        return any(
            all(word.isascii() or word == form[x] for x, word in enumerate(typed))
            for form in marked_forms
            if len(form) == len(typed)
        )

    def ends_at(self, tx: _Text, k: int, floor: int = 0) -> int:
        """Length of the longest phrase whose last token is k (0 if none)."""
        for n in range(min(self.maxlen, k - floor + 1), 0, -1):
            if self._matches(tx, k - n + 1, k + 1):
                return n
        return 0

    def starts_at(self, tx: _Text, k: int, limit: int) -> int:
        """Length of the longest phrase starting at token k and ending before limit."""
        for n in range(min(self.maxlen, limit - k), 0, -1):
            if self._matches(tx, k, k + n):
                return n
        return 0


def _false_friend(tx: _Text, i: int, j: int) -> bool:
    for k in range(i, j):
        tok = tx.toks[k]
        word = tx.orig[tok.start : tok.end]
        if word.lower() in COLLIDING_WORDS:
            return True
        if tok.key in NAME_LIKE and word.istitle() and k != tx.clause_start(k):
            return True
        if tok.key == "thieu" and k > 0 and tx.keys[k - 1] == "toc":  # dân tộc thiểu số
            return True
    return False


def _set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(w for p in words for w in _phrase(p))


_DONE = _Vocab(DONE_PHRASES)
_IN_PROGRESS = _Vocab(IN_PROGRESS_PHRASES)
_MARKERS = _Vocab(BLOCKED_MARKERS)
_REASONS = _Vocab(BLOCKED_REASONS)
_EXTENSION = _Vocab(EXTENSION_PHRASES)
_NOT_YET = _Vocab(NOT_YET_WORDS)
_NOT = _Vocab(NOT_WORDS)
_FUTURE = _Vocab(FUTURE_WORDS)
_CONDITION = _Vocab(CONDITION_WORDS)
_UNCERTAIN = _Vocab(UNCERTAIN_WORDS)
_PARTIAL = _Vocab(PARTIAL_WORDS)
_QUESTION = _Vocab(QUESTION_PHRASES)
_BLOCKED_NEGATORS = _Vocab(BLOCKED_NEGATORS)
_NEGATORS = _Vocab(NOT_YET_WORDS + NOT_WORDS)
_REASON_CUES = _Vocab(REASON_CUES, strict=True)
_NOT_REASON_CUES = _Vocab(NOT_REASON_CUES)
_LEAD_TRIM = _Vocab(NOTE_LEAD_TRIM, strict=True)
_TRAIL_TRIM = _Vocab(NOTE_TRAIL_TRIM, strict=True)
_FILLER = _Vocab(NOTE_FILLER, strict=True)
_QUESTION_ENDINGS = _set(QUESTION_ENDINGS)
_SCOPE_BREAKERS = _set(SCOPE_BREAKERS)
_DONE_GAP = _set(DONE_NEGATION_GAP)
_BLOCKED_GAP = _set(BLOCKED_NEGATION_GAP)
_EXTENSION_GAP = _set(EXTENSION_NEGATION_GAP)
_NO_OBSTACLE = _set(NO_OBSTACLE_WORDS)
_NO_OBSTACLE_NEG = _set(NO_OBSTACLE_NEGATORS)
_TAIL_PARTICLES = _set(
    (
        "ạ",
        "nhỉ",
        "vậy",
        "thế",
        "nhé",
        "nha",
        "ơi",
        "anh",
        "chị",
        "em",
        "ad",
        "admin",
        "rồi",
        "à",
        "mà",
    )
)

# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"""
    (?<![\d/.\-])
    (?:
        (?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})
      | (?P<d>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})
        (?: \s*(?P=sep)\s*(?P<y>\d+) | \s*,?\s*nam\s*(?P<y2>\d+) )?
      | (?P<td>\d{1,2})\s*(?:thang|thg|th)\.?\s*(?P<tm>\d{1,2})
        (?: \s*,?\s*nam\s*(?P<ty>\d+) )?
    )
    (?![\d/\-]|\.\d)
    """,
    re.VERBOSE,
)
# Before a yearless "30-11" / "30.11" inside free text, one of these words must stand.
_DATE_LEAD_RE = re.compile(r"(?:^|[^a-z])(?:ngay|den|toi|het|truoc|han|sang|lui)\W*$")
# A lead that marks the date as the target of a request ("đến 30/11").
_TARGET_LEAD_RE = re.compile(r"(?:^|[^a-z])(?:den|toi|het|sang)\W*(?:ngay\W*)?$")
# A yearless number pair followed by a unit is a fraction or a count, not a date.
_UNIT_AFTER_RE = re.compile(
    r"\s*(?:thang|tuan|ngay|gio|phut|trieu|ty|dong|xa|phuong|nguoi|tre|ho|lan|%)(?![a-z])"
)
_MAX_YEARS_AHEAD = 9  # enough to reach the next 29 February


@dataclass(frozen=True)
class _DateHit:
    fstart: int
    fend: int
    day: int
    month: int
    year: int | None  # None when not written
    value: date | None  # None when invalid
    targeted: bool  # preceded by "đến", "tới", "hết", "sang"


def _year(digits: str) -> int | None:
    if len(digits) == 2:
        return 2000 + int(digits)
    if len(digits) == 4:
        return int(digits)
    return None


def _next_occurrence(day: int, month: int, today: date) -> date | None:
    try:
        date(2000, month, day)  # a leap year: is the day possible at all?
    except ValueError:
        return None
    for year in range(today.year, today.year + _MAX_YEARS_AHEAD):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _previous_occurrence(day: int, month: int, today: date) -> date | None:
    for year in range(today.year, today.year - _MAX_YEARS_AHEAD, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate < today:
            return candidate
    return None


def _hit(m: re.Match[str], folded: str, today: date, free_text: bool) -> _DateHit | None:
    g = m.groupdict()
    year_text: str | None
    if g["iy"]:
        day, month, year_text = int(g["id"]), int(g["im"]), g["iy"]
    elif g["d"]:
        day, month, year_text = int(g["d"]), int(g["m"]), g["y"] or g["y2"]
        if g["sep"] == "." and re.search(r"\s", m.group()):
            return None  # "xong. 5" is a sentence end, not 5 December
        if year_text is None and free_text:
            if _UNIT_AFTER_RE.match(folded, m.end()):
                return None
            if (
                g["sep"] != "/"
                and folded[: m.start()].strip(" \t\n.,:;-")
                and not _DATE_LEAD_RE.search(folded, 0, m.start())
            ):
                return None  # "1-2 ngày", "1.5 tỷ"; but a reply that is just "30.11" is a date
    else:
        day, month, year_text = int(g["td"]), int(g["tm"]), g["ty"]
    before = folded[max(0, m.start() - 20) : m.start()]
    targeted = bool(_TARGET_LEAD_RE.search(before))
    if year_text is None:
        return _DateHit(
            m.start(), m.end(), day, month, None, _next_occurrence(day, month, today), targeted
        )
    year = _year(year_text)
    value = None
    if year is not None:
        try:
            value = date(year, month, day)
        except ValueError:
            value = None
    return _DateHit(m.start(), m.end(), day, month, year, value, targeted)


def _date_hits(folded: str, today: date) -> list[_DateHit]:
    hits = []
    for m in _DATE_RE.finditer(folded):
        hit = _hit(m, folded, today, free_text=True)
        if hit is not None:
            hits.append(hit)
    return hits


def find_date(text: str, today: date) -> date | None | Literal["invalid"]:
    """The first date written anywhere in ``text`` (first MAX_CHARS_EXAMINED characters).

    Returns the date, ``"invalid"`` when the first date-like expression is impossible
    (31/2, 32/12, 0/5, 30/11/20266), or None when there is none."""
    folded, _ = _fold_chars(unicodedata.normalize("NFC", _cap(text)))
    hits = _date_hits(folded, today)
    if not hits:
        return None
    return hits[0].value if hits[0].value is not None else "invalid"


def parse_date(text: str, today: date) -> date | None:
    """``text`` as a single date ("30/11", "ngày 30 tháng 11 năm 2026"), else None.

    Invalid dates and any other words around the date give None; use ``find_date`` to
    look for a date inside a sentence."""
    folded = normalize(_cap(text)).strip(" .,;!")
    folded = re.sub(r"^ngay\s*", "", folded)
    m = _DATE_RE.fullmatch(folded)
    if m is None:
        return None
    hit = _hit(m, folded, today, free_text=False)
    return hit.value if hit is not None else None


# ---------------------------------------------------------------------------------------
# Reading a reply
# ---------------------------------------------------------------------------------------


def _all_in(tx: _Text, a: int, b: int, words: frozenset[str]) -> bool:
    return all(tx.keys[k] in words for k in range(a, b))


def _negated(tx: _Text, i: int, negators: _Vocab, gap: frozenset[str], reach: int) -> int:
    """Index of the negation governing token i (looking back in its clause), or -1."""
    floor = tx.clause_start(i)
    k = i - 1
    while k >= floor and i - k <= reach:
        if tx.keys[k] in _SCOPE_BREAKERS:
            break
        n = negators.ends_at(tx, k, floor)
        if n and _all_in(tx, k + 1, i, gap):
            return k - n + 1
        k -= 1
    return -1


def _is_question(tx: _Text, i: int, j: int) -> bool:
    return tx.clause_asks(i) or _ends_in_question(tx, i, j)


def _partial_after(tx: _Text, j: int) -> bool:
    if j >= len(tx.toks):
        return False
    b = min(tx.clause_end(j - 1), j + 5)
    for k in range(j, b):
        if _PARTIAL.starts_at(tx, k, b):
            return True
        tok = tx.toks[k]
        if tok.key.isdigit() and tx.orig[tok.end : tok.end + 2].lstrip().startswith("%"):
            return int(tok.key) < 100
    return False


def _done_verdict(tx: _Text, i: int, j: int) -> tuple[str, int]:
    """How a done word at [i, j) reads in its context: ("done" | "in_progress" |
    "not_yet" | "not" | "drop", index where a negation starts)."""
    if _is_question(tx, i, j):
        return "drop", -1
    if _partial_after(tx, j):
        return "in_progress", -1
    floor = tx.clause_start(i)
    k = i - 1
    while k >= floor and i - k <= 6:
        if tx.keys[k] in _SCOPE_BREAKERS:
            break
        # The longest marker ending at k decides (e.g. "không chắc" over "không").
        best = max(
            (
                (v.ends_at(tx, k, floor), verdict)
                for v, verdict in (
                    (_UNCERTAIN, "drop"),
                    (_NOT_YET, "not_yet"),
                    (_NOT, "not"),
                    (_FUTURE, "in_progress"),
                    (_CONDITION, "drop"),
                )
            ),
            key=lambda x: x[0],
        )
        n, verdict = best
        if n:
            if verdict in ("not_yet", "not") and not _all_in(tx, k + 1, i, _DONE_GAP):
                k -= 1
                continue
            return verdict, k - n + 1
        k -= 1
    return "done", -1


def _trim(tx: _Text, a: int, b: int, lead: bool = True) -> tuple[int, int]:
    changed = True
    while a < b and changed:
        changed = False
        n = _LEAD_TRIM.starts_at(tx, a, b) if lead else 0
        if n:
            a += n
            changed = True
        n = _TRAIL_TRIM.ends_at(tx, b - 1, a) if a < b else 0
        if n:
            b -= n
            changed = True
    return a, b


def _meaningful(tx: _Text, a: int, b: int) -> bool:
    return any(not _FILLER.starts_at(tx, k, k + 1) for k in range(a, b))


def _has_reason_cue(tx: _Text, a: int, b: int) -> bool:
    k = a
    while k < b:
        n = _NOT_REASON_CUES.starts_at(tx, k, b)
        if n:
            k += n
            continue
        if _REASON_CUES.starts_at(tx, k, b):
            return True
        k += 1
    return False


_SUBJECT_MAX_WORDS = 3
# A subject with these words is a status or a clause of its own, not the subject.
_STATUS_WORDS = _set(("đang", "đã", "sẽ", "vẫn", "xong", *SCOPE_BREAKERS))


def _marker_note(tx: _Text, i: int, j: int) -> tuple[bool, str | None]:
    """(denied, reason) for an obstacle word at [i, j): the reason is what follows it, or
    what stands before it in its clause if nothing follows; "vướng mắc: không" denies."""
    n = len(tx.toks)
    while j < n and (skip := _MARKERS.starts_at(tx, j, n)):  # "Khó khăn, vướng mắc: ..."
        j += skip
    a, b = _trim(tx, j, n)
    if (
        a < b
        and _all_in(tx, a, b, _NO_OBSTACLE)
        and any(tx.keys[k] in _NO_OBSTACLE_NEG for k in range(a, b))
    ):
        return True, None
    if _meaningful(tx, a, b):
        return False, tx.span_text(a, b)
    a, b = _trim(tx, tx.clause_start(i), i)
    if _meaningful(tx, a, b):
        return False, tx.span_text(a, b)
    return False, None


def _reason_note(tx: _Text, start: int) -> str | None:
    """The note for a word that is itself the reason ("thiếu ...", "không kịp"): from the
    word on, or from the start of its clause when only a short subject stands before it
    ("phần mềm bị lỗi", "có thể không kịp")."""
    a = tx.clause_start(start)
    while a < start and (skip := _LEAD_TRIM.starts_at(tx, a, start)):
        a += skip
    if start - a <= _SUBJECT_MAX_WORDS and not any(
        tx.keys[k] in _STATUS_WORDS for k in range(a, start)
    ):
        start = a
    a, b = _trim(tx, start, len(tx.toks), lead=False)
    return tx.span_text(a, b) if a < b else None


def _blocked(tx: _Text, done_negations: list[int]) -> Reply | None:
    """The first obstacle in the text that is not denied, with its note."""
    marker, reason, negation = 0, 1, 2
    candidates = sorted(
        [(i, marker, j) for i, j in _MARKERS.find(tx)]
        + [(i, reason, j) for i, j in _REASONS.find(tx)]
        + [(k, negation, k) for k in done_negations]
    )
    for i, kind, j in candidates:
        if kind == marker:
            if _negated(tx, i, _BLOCKED_NEGATORS, _BLOCKED_GAP, 5) >= 0:
                continue
            if _ends_in_question(tx, i, j):  # "có khó khăn gì không?" asks, not reports
                continue
            denied, note = _marker_note(tx, i, j)
            if denied:
                continue
            return Reply("blocked", note=note)
        if kind == reason and _negated(tx, i, _BLOCKED_NEGATORS, _BLOCKED_GAP, 3) >= 0:
            continue
        return Reply("blocked", note=_reason_note(tx, i))
    return None


def _ends_in_question(tx: _Text, i: int, j: int) -> bool:
    """Whether the clause of [i, j) ends, after j, with "chưa", "không", ... ("xong chưa")."""
    b = tx.clause_end(i)
    last = b - 1
    while last >= j and tx.keys[last] in _TAIL_PARTICLES:
        last -= 1
    return last >= j and tx.keys[last] in _QUESTION_ENDINGS


def _extension(tx: _Text, i: int, j: int, today: date) -> Reply:
    hits = _date_hits(tx.folded, today)
    kw_end = tx.toks[j - 1].fend
    after = [h for h in hits if h.fstart >= kw_end]
    chosen = next((h for h in after if h.targeted), after[0] if after else None)
    if chosen is None:
        before = [h for h in hits if h.fend <= tx.toks[i].fstart and h.targeted]
        chosen = before[-1] if before else None

    found = _requested_date(chosen, today)
    return Reply(
        "extension",
        note=_extension_note(tx, i, j, chosen),
        new_due=found.value,
        problem=found.problem,
        suggested=found.suggested,
        written=found.written,
    )


class RequestedDate(NamedTuple):
    value: date | None
    problem: Problem | None = None
    suggested: date | None = None
    written: date | None = None  # for "date_past" / "date_ambiguous": the day gone


def _after(day: int, month: int, today: date) -> date | None:
    """The first (day, month) strictly after today, or None if there is no such day."""
    try:
        date(2000, month, day)  # a leap year: is the day possible at all?
    except ValueError:
        return None
    for year in range(today.year, today.year + _MAX_YEARS_AHEAD):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate > today:
            return candidate
    return None


def _requested_date(hit: _DateHit | None, today: date) -> RequestedDate:
    """A date asked for as a new deadline, or why it cannot be one as written.

    * today itself -> "date_past" (a new deadline is after today), nothing to offer;
    * written with a year: outside YEARS_BACK..YEARS_AHEAD -> "date_out_of_range"; gone
      -> "date_past", suggesting the same day and month after today ("30/11/2026" on
      02/12/2026 -> 30/11/2027?);
    * without a year: the first such day after today, unless the one just gone is nearer
      ("30/11" on 02/12) -> "date_ambiguous", suggesting that first day after today.
    """
    if hit is None:
        return RequestedDate(None, "date_missing")
    if hit.value is None:
        return RequestedDate(None, "date_invalid")
    if hit.year is not None:
        if not date_in_range(hit.value, today):
            return RequestedDate(None, "date_out_of_range")
        if hit.value == today:
            return RequestedDate(None, "date_past")
        if hit.value < today:
            return RequestedDate(None, "date_past", _after(hit.day, hit.month, today), hit.value)
        return RequestedDate(hit.value)
    if (hit.day, hit.month) == (today.day, today.month):
        return RequestedDate(None, "date_past")  # "đến hôm nay 23/11": not a new deadline
    upcoming = _after(hit.day, hit.month, today)
    if upcoming is None:
        return RequestedDate(None, "date_invalid")
    gone = _previous_occurrence(hit.day, hit.month, today)
    if gone is not None and today - gone < upcoming - today:
        return RequestedDate(None, "date_ambiguous", upcoming, gone)
    return RequestedDate(upcoming)


def requested_date(text: str, today: date) -> RequestedDate:
    """The first date in ``text`` read as a requested new deadline, as ``parse_reply``
    reads an extension: ``(date, None, None)`` or ``(None, problem, suggestion)`` (see
    ``_requested_date``). For answers to "đến ngày nào?"."""
    folded, _ = _fold_chars(unicodedata.normalize("NFC", _cap(text)))
    hits = _date_hits(folded, today)
    return _requested_date(hits[0] if hits else None, today)


def _extension_note(tx: _Text, i: int, j: int, date_hit: _DateHit | None) -> str | None:
    """What follows the date (or the request, if no date follows it); else a reason
    written between the request and the date; else one written before the request."""
    rest, segments = j, []
    if date_hit is not None and date_hit.fstart >= tx.toks[j - 1].fend:
        starts = [t.fstart for t in tx.toks]
        rest = bisect_left(starts, date_hit.fend)
        segments.append((j, bisect_left(starts, date_hit.fstart)))
    a, b = _trim(tx, rest, len(tx.toks))
    if _meaningful(tx, a, b):
        return tx.span_text(a, b)
    k = tx.clause_start(i)
    segments.append((k, i))
    while k > 0:
        start = tx.clause_start(k - 1)
        segments.append((start, k))
        k = start
    for a, b in segments:
        if a < b and _has_reason_cue(tx, a, b):
            a, b = _trim(tx, a, b)
            return tx.span_text(a, b) if _meaningful(tx, a, b) else None
    return None


def parse_reply(text: str, today: date) -> Reply:
    """Read an official's reply to a task message. See the module docstring."""
    tx = _Text(text)
    if not tx.toks:
        return Reply("unknown")

    for i, j in _EXTENSION.find(tx):
        if _negated(tx, i, _NEGATORS, _EXTENSION_GAP, 4) < 0:
            return _extension(tx, i, j, today)

    verdicts = [_done_verdict(tx, i, j) for i, j in _DONE.find(tx)]
    blocked = _blocked(tx, [k for verdict, k in verdicts if verdict == "not"])
    if blocked is not None:
        return blocked

    for i, j in _IN_PROGRESS.find(tx):
        if not _is_question(tx, i, j) and _negated(tx, i, _NEGATORS, frozenset(), 1) < 0:
            return Reply("in_progress")
    kinds = {verdict for verdict, _ in verdicts}
    if "in_progress" in kinds or {"done", "not_yet"} <= kinds:
        return Reply("in_progress")
    if "done" in kinds:
        return Reply("done")
    return Reply("unknown")


# ---------------------------------------------------------------------------------------
# Which task an answer is about
# ---------------------------------------------------------------------------------------

# "việc 2", "việc số 2", "nhiệm vụ 2", "nv2", "#2", or "2." / "2)" / "2:" opening the text;
# not "việc 2 tuần nữa" (a number of days, weeks...).
_POINTER_RE = re.compile(
    r"""
    (?:
        (?:^|(?<=[^a-z0-9]))(?:cong\s*viec|viec|nhiem\s*vu|nv|muc)\s*(?:so\s*)?[:.]?\s*
        (?P<n>\d{1,3})
      | \#\s*(?P<h>\d{1,3})
      | ^\s*(?P<lead>\d{1,3})\s*[.):]
    )
    (?![\d/\-]|[.,]\d|\s*(?:tuan|ngay|thang|nam|gio|phut|%)(?![a-z]))
    """,
    re.VERBOSE,
)


def task_pointer(text: str) -> tuple[int | None, str]:
    """The task number an answer names ("việc 2 đã xong" -> 2) and the answer without it
    ("đã xong"); (None, text) when it names none. Numbers are those of the bot's list."""
    head = unicodedata.normalize("NFC", _cap(text))
    folded, pos = _fold_chars(head)
    m = _POINTER_RE.search(folded)
    if m is None:
        return None, text
    number = int(m["n"] or m["h"] or m["lead"])
    if number == 0:
        return None, text
    start, end = pos[m.start()], pos[m.end() - 1] + 1
    rest = (head[:start] + " " + head[end:] + text[len(head) :]).strip(" \t\n,.:;-–—")
    return number, re.sub(r"[ \t]+", " ", rest).strip()


# Words that say how a task stands, or carry no subject: never a pointer to a title.
_NOT_TITLE_WORDS = _set(
    (
        *("đã", "đang", "sẽ", "xong", "rồi", "gửi", "gởi", "nộp", "hoàn", "thành", "tất"),
        *("làm", "thực", "hiện", "triển", "khai", "vướng", "mắc", "khó", "khăn", "xin"),
        *("gia", "hạn", "đến", "tới", "trước", "ngày", "tuần", "nay", "hôm", "mai"),
        *("em", "anh", "chị", "dạ", "vâng", "ạ", "nhé", "ok", "bên", "chúng", "tôi"),
        *("việc", "nhiệm", "vụ", "của", "cho", "và", "là", "có", "không", "chưa", "được"),
        *("các", "này", "đó", "với", "về", "trong", "theo", "thì", "mà", "nên", "vì", "do"),
        *("báo", "cáo", "bc", "file", "tệp", "kèm", "theo", "đề", "nghị", "tiến", "độ"),
    )
)
_TITLE_CHARS_EXAMINED = 300


def _title_words(text: str) -> set[str]:
    return {w for w in _phrase(text[:_TITLE_CHARS_EXAMINED]) if w not in _NOT_TITLE_WORDS}


def title_choice(text: str, titles: Sequence[str]) -> int | None:
    """The index of the title an answer points at by its words ("kinh phí đã bố trí xong"
    -> "Bố trí kinh phí thực hiện kế hoạch"), or None when it points at none or at several
    alike. Status words ("đã gửi", "đang làm", ...) and dates point at nothing; a title is
    chosen when it shares more such words with the answer than any other, and either two
    of them or one no other title has; among titles sharing as many, one whose every word
    the answer has (short titles such as "Báo cáo năm") wins."""
    words = _title_words(text) - {w for w in _phrase(text) if w.isdigit() and len(w) > 2}
    if not words or not titles:
        return None
    title_words = [_title_words(t) for t in titles]
    shared = [words & tw for tw in title_words]
    best = max(len(s) for s in shared)
    if best == 0:
        return None
    top = [i for i, s in enumerate(shared) if len(s) == best]
    if len(top) > 1:
        whole = [i for i in top if title_words[i] and title_words[i] <= words]
        return whole[0] if len(whole) == 1 else None
    chosen = top[0]
    if best >= 2:
        return chosen
    (word,) = shared[chosen]
    return chosen if sum(word in tw for tw in title_words) == 1 else None
