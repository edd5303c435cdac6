"""Read a plan (Kế hoạch) from its text: who must do what, who owes which report to whom,
and by when. Child-protection plans first, but the rules are those of Vietnamese
administrative plans of any field, not of particular files.

Pure functions: no database, no Telegram; safe to run in a worker thread. Entry points:

    parse_plan(text, year=None, *, budget_s=1.5) -> ParsedPlan   (or PlanTooComplex)
    ParsedPlan.to_json() -> dict (the CLI's --json)   ParsedPlan.draft_json() -> dict
    is_plan(parsed) -> bool                            normalize_name(name) -> str

Every step takes time linear in the text's length (paragraphs are joined once, names and
subjects are read in bounded windows), and the whole parse runs under a CPU budget (the
calling thread's time): a text that needs more is refused (`PlanTooComplex`).

The algorithm, step by step
---------------------------
1. Clean the lines (`_clean_lines`). NFC; odd spaces and zero-width characters go; Markdown
   residue (`**`, `*italics*`, `__`, `###`, `>`, `\\.` escapes, `* ` bullets, rules, `|`
   table bars) is stripped; URLs are cut out and URL-only lines dropped; lines without a
   letter or digit, page numbers ("2", "- 2 -", "Trang 2/10") and running headers (a
   titled line repeated 3+ times) go. A bold span that runs on to the next line
   (`**III. TỔ CHỨC` / `THỰC HIỆN**`) glues the two; one that closes a line it opened ends
   a heading there. Blank lines break paragraphs unless the text puts a blank line
   between almost every line (as PDF exports do) or a removed page number sits among
   them. Text copied from a web page keeps Markdown's paragraphs: blank lines between
   paragraphs and hard wraps inside them; then every line of a block is one paragraph.
2. Join hard-wrapped lines into paragraphs (`_join_lines`). The wrap width is the 90th
   percentile of line lengths, if most lines come close to it (else the text has one
   paragraph per line, as .docx does). A marker alone on its line ("3.", "III.") takes
   the next line as its text. A line starting with an item marker, "Nơi nhận", "Trên đây
   là", a signature ("KT.", "TM.") or an upper-case title starts a paragraph (a dash a
   wrap put in front of "- 2030" or "- xã hội" does not); an upper-case heading carries
   on into the next upper-case line ("III. TỔ CHỨC" / "THỰC HIỆN"). Otherwise a line
   continues the previous one when it starts in lower case, a digit or a bracket; when
   the previous line ends with a comma, a dash or a linking word ("và", "của", "các",
   "Đề nghị"...); when a numbered heading goes on with the rest of a name ("5. Ban Quản
   lý Khu kinh tế" / "Đông Nam"); and, in wrapped text, when the previous line does not
   end a sentence (the first line of a paragraph may be short: "- Phối hợp với Sở Công"
   / "Thương và ..."), or is "full" (80% of the width, or it lost a URL). A duty verb
   ("Chủ trì", "Phối hợp", "Định hướng"...) after a numbered heading starts a new one.
3. Split items written inline after a sentence ("...quy định. 5. Sở Du lịch: ...",
   "...sau: a) ...", "...: - Chủ trì") into their own paragraphs.
4. Classify each paragraph by its marker (`_classify`): roman heading ("IV."), number
   item ("3.", "3)"), sub-item ("a)", "a/", "1.2."), bullet ("-", "+", "•") or plain.
5. Cut the document into sections at roman headings (and at short bare upper-case
   titles such as "TỔ CHỨC THỰC HIỆN"). A section's kind comes from its title, not its
   numeral (numerals repeat or skip): organisation (TỔ CHỨC THỰC HIỆN, PHÂN CÔNG NHIỆM
   VỤ, TRÁCH NHIỆM THỰC HIỆN...), report (CHẾ ĐỘ BÁO CÁO...), targets (CHỈ TIÊU),
   funding, other; a section titled otherwise whose number items mostly name bodies
   ("IV. NHIỆM VỤ CỤ THỂ" over "1. Sở Nông nghiệp và Môi trường") is an organisation
   section too. "Nơi nhận" and the signature start the end matter, which is ignored;
   "Trên đây là..." starts the closing, read for report sentences only.
6. Agencies (`_agencies_in`): in each organisation section every number item whose
   heading names a body is one agency. A name starts with a word bodies' names start
   with (sở, ban, UBND, công an, bộ chỉ huy, hội, liên hiệp, công ty, doanh nghiệp,
   chủ đầu tư, cơ sở, báo, đài, "các cơ quan"..., after "Trách nhiệm của" if any), or,
   among items that name bodies, is any short heading standing over its duties. A number
   item over sub-items that are all bodies' headings, or that names none itself ("1.
   Các sở, ngành: a) Sở Y tế: ...", "2. Trách nhiệm thực hiện" over "- Sở Nội vụ hướng
   dẫn ..."), gives one agency per such sub-item or bullet. Number items written unlike
   the first body heading ("1)" under "1.") are sub-items. The heading gives the name:
   "Đề nghị"/"Khuyến khích" in front marks a request (requested=true, the word is
   dropped), "Giao" is dropped, text after a colon is an inline task (unless it only
   lists names: "Ủy ban nhân dân các xã: Gia Thuận, ..."), a heading that runs on into
   its duty is cut before the first duty verb or adverb ("chủ trì", "phát huy", "chủ
   động", "bằng"...; not after "các", "việc", nor "tổ chức chính trị - xã hội"), except
   that a class of bodies standing alone over its duties keeps its verbs ("Các Sở, ngành
   chủ trì, quản lý ... Chương trình", "Các tổ chức cung cấp dịch vụ chi trả"); a note
   "(cơ quan thường trực)" is dropped. Several bodies in one heading stay one agency
   (the draft notes "many_bodies", the coordinator may split it); a name from no list
   is noted "unknown_name"; the same body twice is merged. Items are not trusted to be
   numbered 1, 2, 3 (a warning notes gaps and repeats). A number item "Chế độ báo cáo"
   or a closing paragraph ("Trên đây là", "Giao ... theo dõi", "Yêu cầu các ...", "Các
   sở, ngành ... báo cáo ...") ends the list; items that name no body and what follows
   are read as report text. Without an organisation section, a run of 3+ number items
   that only name bodies is used instead.
7. Tasks (`_tasks`): if the agency has sub-items (a, b, c) each is a task and bullets or
   paragraphs under them belong to it; otherwise each top-level bullet is a task
   ("+" under "-" belongs to the task above, as does anything under a line ending with
   a colon) and a paragraph after the bullets is a task whose dash was lost; otherwise
   each paragraph is a task. An intro ending with ":" is not a task.
8. Report obligations (`_deadlines`): every sentence of the report sections and of the
   organisation sections' report text, and every sentence elsewhere (agencies' duties,
   other sections, the closing) that reports, sends or submits ("báo cáo", "gửi",
   "nộp"), is searched for "trước/chậm nhất/hạn/định kỳ (ngày) dd/mm[/yyyy]" (also
   "ngày d tháng m năm y", "ngày dd.mm.yyyy" and lists "ngày 01/6 và 15/11"), for
   relative limits ("trong vòng 10 ngày kể từ ngày nhận được Kế hoạch": date null, the
   phrase in `relative`, counted from the plan's receipt or from an event) and for
   monthly or quarterly ones ("trước ngày 20 của tháng cuối quý": only the day).
   Owners: the agency whose duty the sentence is (every body when that agency is "Các
   sở, ban, ngành ..."); else the bodies the subject names ("Giao Sở Y tế tổng hợp ...");
   else every body but those the report goes to ("về Sở Y tế", "(qua Sở Y tế)").
   Recurrence: "hằng năm", "định kỳ", "6 tháng" make a dated deadline yearly. Year: as
   written; else the plan's year for a plan for one year ("... năm 2025"); else, in a
   standing plan ("giai đoạn 2026 - 2030", "đến năm 2030", "tầm nhìn đến năm 2045" or
   none), the first such day on or after the plan's issue date; never a horizon year.
   The period comes from the nearest words before the date ("6 tháng", "sơ kết" ->
   half-year; "báo cáo năm", "hằng năm" -> annual; events, "quý", "đột xuất" ->
   other), else from the month (5-6 half-year, 10-12 annual, else other); each date of a
   list goes by its month. The reporting period covered is kept when stated ("từ ngày
   15/12 năm trước ... đến ngày 14/12"). Nothing is invented: a plan without dates gets
   no dated deadline and the warning "no_dated_deadline".
9. Header (`_read_header`), from the lines up to the "KẾ HOẠCH" title (found past a web
   page's furniture): "Số: 27/KH-UBND" (only with the colon, so cited documents are not
   taken), "<Nơi>, ngày 12 tháng 3 năm 2024" or "ngày 12/3/2024" (blank day and month
   give the year only), and the issuing body from the upper-case header lines, the
   motto's pieces left out however they wrap, the last body named there ("UBND TỈNH X /
   SỞ Y TẾ" -> "SỞ Y TẾ"), as written. Else the intro sentence ("Ủy ban nhân dân tỉnh
   Ninh Thuận ban hành Kế hoạch"; "của UBND tỉnh" cites another document), completed
   with the date line's place when it only says "UBND tỉnh". Year: the `year` argument,
   else the title's "năm 2024" (not "đến năm", "giai đoạn", "tầm nhìn"), else the date
   line's, else the commonest in the preamble.
10. Coordinator (`_coordinator`): from report sentences, "(qua Sở Y tế)", then
    "báo cáo/gửi/phản ánh ... về|cho|tới Sở X", then "gửi Sở X", then "Giao Sở X ...
    theo dõi/tổng hợp", a candidate that is one of the agencies winning; then the same in
    every other sentence that reports, sends or reports problems; else the first
    candidate; else the agency noted "(cơ quan thường trực)", one whose duty says "đầu
    mối", or one whose duty is to consolidate reports ("tổng hợp ... báo cáo").
11. Targets: items "Chỉ tiêu N: ..." (or the number items of a CHỈ TIÊU section); their
    owners are the agencies whose tasks say "chỉ tiêu 01, 02, ..." (ranges allowed).
12. Events: a fixed list of canonical seasonal events (`EVENT_VARIANTS`) matched by
    variants anywhere before the end matter.

Warnings (stable codes): no_number, no_issue_date, no_year, no_authority,
no_coordinator, no_org_section, no_agencies, agency_without_tasks, irregular_numbering,
no_dated_deadline, deadline_without_year.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from services.names import DASHES_RE, SPACED_DASH_RE, SPACES_RE, normalize_name

# CPU seconds a parse may take. Real plans take well under half a second; a text that
# needs more is not a plan (or is an attack), and is refused rather than read.
PARSE_BUDGET_S = 1.5


class PlanTooComplex(Exception):
    """Parsing took more than its time budget: the text is not a plan one can read."""


class Budget:
    """CPU time a parse may take, on the calling thread's clock (a worker thread's time
    is its own, whatever else the process does). `tick()` is called in the loops over
    lines, items and sentences and looks at the clock every `every` calls."""

    def __init__(self, seconds: float | None, every: int = 256) -> None:
        self.limit = None if seconds is None else time.thread_time() + seconds
        self.every, self.count = every, 0

    def check(self) -> None:
        if self.limit is not None and time.thread_time() > self.limit:
            raise PlanTooComplex

    def tick(self) -> None:
        self.count += 1
        if self.count % self.every == 0:
            self.check()


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "plan_parser_budget", default=None
)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.tick()


# --- results -----------------------------------------------------------------------------


@dataclass
class Agency:
    name: str
    requested: bool = False
    tasks: list[str] = field(default_factory=list)
    label: str = ""  # the item number as written, e.g. "12"
    lead: bool = False  # named "(cơ quan thường trực)" or "(đầu mối)" in its heading
    notes: list[str] = field(default_factory=list)  # what the coordinator should check

    def to_json(self) -> dict:
        return {"name": self.name, "requested": self.requested, "tasks": list(self.tasks)}

    def draft_json(self) -> dict:
        return {**self.to_json(), "notes": list(self.notes)}


@dataclass
class Deadline:
    """A report obligation: who owes it (`owners`, agency names), to whom, by when."""

    date: dt.date | None
    month: int | None
    day: int | None
    period: str  # "half-year" | "annual" | "other"
    relative: str | None
    text: str
    owners: list[str] = field(default_factory=list)
    recurrence: str | None = None  # "yearly" | "quarterly" | "monthly"
    recipient: str | None = None
    covers: str | None = None  # the reporting period when the plan states it: "15/12–14/12"
    explicit_year: bool = False
    relative_days: int | None = None
    relative_from: str | None = None  # "receipt" (of the plan) | "event"
    working_days: bool = False

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat() if self.date else None,
            "month": self.month,
            "day": self.day,
            "period": self.period,
            "relative": self.relative,
            "text": self.text,
            "owners": list(self.owners),
            "recurrence": self.recurrence,
        }

    def draft_json(self) -> dict:
        return {
            **self.to_json(),
            "recipient": self.recipient,
            "covers": self.covers,
            "relative_days": self.relative_days,
            "relative_from": self.relative_from,
            "working_days": self.working_days,
        }


@dataclass
class Target:
    number: int
    text: str
    owners: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"number": self.number, "text": self.text, "owners": list(self.owners)}


@dataclass
class ParsedPlan:
    number: str | None = None
    issued: dt.date | None = None
    year: int | None = None
    authority: str | None = None
    coordinator: str | None = None
    agencies: list[Agency] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    has_org_section: bool = False
    has_plan_title: bool = False
    single_year: int | None = None  # a plan for one year (else a standing plan)
    period_end: int | None = None  # the last year the plan covers, when it says

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "issued": self.issued.isoformat() if self.issued else None,
            "year": self.year,
            "authority": self.authority,
            "coordinator": self.coordinator,
            "agencies": [agency.to_json() for agency in self.agencies],
            "deadlines": [deadline.to_json() for deadline in self.deadlines],
            "targets": [target.to_json() for target in self.targets],
            "events": list(self.events),
        }

    def draft_json(self) -> dict:
        """What a draft keeps: the public shape, plus what activation and the review
        need (recipients, relative deadlines, the coordinator's notes on bodies, the
        years the plan covers)."""
        return {
            **self.to_json(),
            "agencies": [agency.draft_json() for agency in self.agencies],
            "deadlines": [deadline.draft_json() for deadline in self.deadlines],
            "single_year": self.single_year,
            "period_end": self.period_end,
        }


def is_plan(parsed: ParsedPlan) -> bool:
    """True when the text reads as a plan: it assigns bodies, or has an organisation
    section (a plan whose bodies could not be read is still a plan, to be mended)."""
    return bool(parsed.agencies) or parsed.has_org_section


# --- names -------------------------------------------------------------------------------

NON_DIGITS_RE = re.compile(r"\D")
DIGITS_RE = re.compile(r"\d{1,3}")


def _display_name(name: str) -> str:
    """A body name as shown: dashes unified, spaces collapsed, ends trimmed, capitalised."""
    text = DASHES_RE.sub("-", name)
    text = SPACES_RE.sub(" ", text).strip(" \t.,;:-")
    text = SPACED_DASH_RE.sub(" - ", text)
    if text.count("(") < text.count(")"):
        text = text.rstrip(")").strip()
    return text[:1].upper() + text[1:]


# --- step 1: cleaning --------------------------------------------------------------------

INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
ODD_SPACE_RE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
MD_BOLD_RE = re.compile(r"\*\*|__")
MD_HEADING_RE = re.compile(r"^\s*#{1,6}\s*")
MD_QUOTE_RE = re.compile(r"^\s*>\s?")
MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
MD_LINK_RE = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)")
MD_BULLET_RE = re.compile(r"^\s*\*\s+(?=\S)")
MD_RULE_RE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$|^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*$")
TABLE_BAR_RE = re.compile(r"^\s*\|+|\|+\s*$")
HAS_WORD_RE = re.compile(r"[^\W_]")
ESCAPED = "\ue000"  # stands for a Markdown-escaped character while markers are stripped
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
URL_TAIL_RE = re.compile(r"^[A-Za-z0-9\-._~%/?=&#:+]{20,}$")
PAGE_NUMBER_RE = re.compile(
    r"^(?:-\s*)?(?:(?:trang|page)\s*)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*-)?$", re.IGNORECASE
)
RUNNING_HEADER_MIN_REPEATS = 3
RUNNING_HEADER_MIN_LEN, RUNNING_HEADER_MAX_LEN = 8, 120
# Text copied from a web page keeps Markdown's paragraphs: a blank line between
# paragraphs, hard wraps inside them (then every line of a block is one paragraph).
BLOCK_BLANK_RATIO = (0.05, 0.75)
BLANKS_SEPARATE_RATIO = 0.5  # more blank lines than this: a PDF export, one per line


class Line(str):
    """A cleaned line. `cut`: a URL was removed from it or right after it, so it is not
    the short last line of a paragraph. `glue`: a Markdown bold span (`**...`) runs on
    into the next line, as in `**III. TỔ CHỨC` / `THỰC HIỆN**`."""

    cut: bool = False
    glue: bool = False
    bold_end: bool = False  # ends a bold span that began a line: a heading ends here


def _clean_line(raw: str) -> Line:
    line = INVISIBLE_RE.sub("", raw)
    line = ODD_SPACE_RE.sub(" ", line)
    line = MD_LINK_RE.sub(r"\1", line)
    escaped: list[str] = []

    def protect(match: re.Match) -> str:
        escaped.append(match.group(1))
        return ESCAPED

    line = MD_ESCAPE_RE.sub(protect, line)
    line = MD_BOLD_RE.sub("", line)
    line = MD_BULLET_RE.sub("- ", line)
    line = line.replace("*", "")  # italics ("*Nghệ An, ngày...*", "*2.1. Sở Tài chính*")
    line = MD_HEADING_RE.sub("", line)
    line = MD_QUOTE_RE.sub("", line)
    line = TABLE_BAR_RE.sub("", line)
    if escaped:
        pieces = iter(escaped)
        line = re.sub(ESCAPED, lambda _: next(pieces), line)
    line, urls = URL_RE.subn(" ", line)
    cleaned = Line(SPACES_RE.sub(" ", line).strip())
    cleaned.cut = bool(urls)
    return cleaned


def _is_noise(line: str) -> bool:
    return bool(
        not HAS_WORD_RE.search(line)  # "-------", "|", "* *"
        or PAGE_NUMBER_RE.match(line)
        or MD_RULE_RE.match(line)
        or ("/" in line and URL_TAIL_RE.match(line) and line.count("/") >= 2)
    )


def _may_be_running_header(line: str) -> bool:
    """Repeated wrap tails ("trẻ em.") are text; a running header is a titled line."""
    return (
        RUNNING_HEADER_MIN_LEN <= len(line) <= RUNNING_HEADER_MAX_LEN
        and not line[0].islower()
        and line[-1] not in ".,;:"
        and not MARKER_RE.match(line)
    )


@dataclass
class CleanText:
    """Cleaned lines (None marks a paragraph break) and how they are wrapped."""

    lines: list[Line | None]
    width: int  # the hard-wrap width, 0 when lines are whole paragraphs
    blocks: bool  # blank lines separate paragraphs and every block is one paragraph


def _clean_lines(text: str) -> CleanText:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    cleaned: list[Line | str | None] = []  # "" blank, None removed
    last_text: Line | None = None
    bold_open = heading_span = False
    for raw in text.split("\n"):
        if not raw.strip():
            cleaned.append("")
            bold_open = False  # a bold span never crosses a blank line
            continue
        line = _clean_line(raw)
        inside_bold = bold_open
        stripped = raw.strip()
        if not bold_open and stripped.startswith("**"):
            heading_span = True
        elif not bold_open:
            heading_span = False
        bold_open ^= raw.count("**") % 2 == 1
        if line and not bold_open and heading_span and stripped.endswith("**"):
            line.bold_end = True
        if not line or _is_noise(line):
            if last_text is not None and (not line and line.cut):
                last_text.cut = True  # a URL-only line: the text before it ran on
            cleaned.append(None)  # removed: neither text nor a paragraph break
            continue
        if inside_bold and last_text is not None and cleaned[-1] is last_text:
            last_text.glue = True
        cleaned.append(line)
        last_text = line
    repeats = Counter(line for line in cleaned if line)
    headers = {
        line
        for line, count in repeats.items()
        if count >= RUNNING_HEADER_MIN_REPEATS and _may_be_running_header(line)
    }
    for index, item in enumerate(cleaned):
        if item in headers:
            cleaned[index] = None
    end = next(
        (i for i, line in enumerate(cleaned) if line and PARAGRAPH_END_MATTER_RE.match(line)),
        len(cleaned),
    )
    non_blank = blank_gaps = 0
    blanks = sum(1 for line in cleaned[:end] if line == "")
    gap: list[str | None] = []  # blank ("") and removed (None) lines between two text lines
    for item in cleaned[:end]:
        if not item:
            gap.append(item)
            continue
        non_blank += 1
        blank_gaps += bool(gap) and None not in gap
        gap = []
    blanks_separate = blanks < BLANKS_SEPARATE_RATIO * max(non_blank, 1)
    width = _wrap_width([line for line in cleaned if line])
    low, high = (ratio * max(non_blank, 1) for ratio in BLOCK_BLANK_RATIO)
    blocks = bool(width) and low < blank_gaps < high
    blanks_separate = blanks_separate or blocks
    out: list[Line | None] = []
    gap = []
    for item in cleaned:
        if not item:
            gap.append(item)
            continue
        # a gap breaks the paragraph only if blank lines are meaningful and no page
        # number or running header sits in it (a page break runs on the paragraph)
        if out and blanks_separate and "" in gap and None not in gap:
            out.append(None)
        gap = []
        assert isinstance(item, Line)
        out.append(item)
    return CleanText(out, width, blocks)


# --- step 2: joining wrapped lines -------------------------------------------------------

ROMAN_RE = re.compile(
    r"^(?P<label>(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3}))\s*[.):/-]\s*(?P<text>\S.*)$"
)
SUBNUM_RE = re.compile(r"^(?P<label>\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)\.?\s+(?P<text>\S.*)$")
NUM_RE = re.compile(r"^(?P<label>\d{1,3})\s*(?P<delim>[.)])\s*(?!\d)(?P<text>\S.*)$")
LETTER_RE = re.compile(r"^(?!v/v)(?P<label>[a-zđ])\s*[)/]\s*(?P<text>\S.*)$")
LETTER_DOT_RE = re.compile(r"^(?P<label>[a-hk-uxyđ])\.\s+(?P<text>\S.*)$")
BULLET_RE = re.compile(r"^(?P<label>[-–—•·+▪►◦‣○●■□✓➢➤→])\s*(?P<text>\S.*)$")
MARKER_RE = re.compile(
    r"^(?:(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})\s*[.):/-]\s*\S|\d{1,3}(?:\.\d{1,2})*\s*[.)]\s*(?!\d)\S"
    r"|(?!v/v)[a-zđ]\s*[)/]\s*\S|[-–—•·+▪►◦‣○●■□✓➢➤→]\s*\S)"
)
# A marker alone on its line ("3.", "III.", "a)"): the item's text is on the next line.
BARE_MARKER_RE = re.compile(
    r"^(?:(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})|\d{1,3}(?:\.\d{1,2})*|[a-zđ])\s*[.)/:]?$"
)
# A dash that a wrap put at the start of a line: "giai đoạn 2026" / "- 2030", "kinh tế" /
# "- xã hội".
WRAPPED_DASH_RE = re.compile(r"^[-–]\s*(?:\d|[a-zà-ỹđ])")
LINKING_END_RE = re.compile(
    r"(?:[,\-–(/&]|\b(?:và|của|các|với|về|cho|tại|theo|số|trong|những|nhằm|đối với|hoặc"
    r"|ngày|tháng|năm|như|gồm|là|được|để|từ|đến|trên|Hội|Ban|Sở|Phòng|[Đđ]ề nghị))$"
)
DUTY_VERB_RE = re.compile(
    r"^(?:Chủ trì|Phối hợp|Tham mưu|Hướng dẫn|Chỉ đạo|Triển khai|Tăng cường|Đẩy mạnh|"
    r"Thực hiện|Căn cứ|Tổ chức|Xây dựng|Rà soát|Kiểm tra|Bố trí|Là cơ quan|Có trách nhiệm|"
    r"Chịu trách nhiệm|Theo dõi|Tiếp tục|Nâng cao|Cân đối|Tuyên truyền|Đôn đốc|Giám sát|"
    r"Vận động|Quản lý|Hỗ trợ|Cung cấp|Đảm bảo|Bảo đảm|Thiết lập|Nghiên cứu|Lồng ghép|"
    r"Phát động|Duy trì|Củng cố|Huy động|Ưu tiên|Thường xuyên|Định kỳ|Giao|Trên cơ sở|"
    r"Phê duyệt|Báo cáo|Tổng hợp|Chủ động|Phổ biến|Ban hành|Trình|Đề xuất|Hoàn thiện|"
    r"Thẩm định|Phân bổ|Tích cực|Khẩn trương|Định hướng|Quán triệt|Tiếp nhận|Tập trung|"
    r"Khuyến khích|Tham gia|Chấp hành|Tuân thủ|Phát triển|Ứng dụng|Sửa đổi|Bổ sung|Đánh giá|"
    r"Tổng kết|Sơ kết|Biểu dương|Khen thưởng|Thanh tra|Xử lý|Phát hiện|Ngăn chặn|Phòng ngừa|"
    r"Chuẩn bị|Thành lập|Kiện toàn|Chia sẻ|Cập nhật|Công bố|Thu thập|Điều tra|Khảo sát|"
    r"Xác định|Đào tạo|Bồi dưỡng|Tập huấn|Vận hành|Kêu gọi|Thu hút|Mời gọi|Tích hợp|Kết nối|"
    r"Lựa chọn|Tiến hành|Đổi mới|Phân công|Chỉ tiêu|Nhiệm vụ|Thời gian|Kinh phí)\b"
)
ITEM_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,2})*\s*[.)]|[a-zđ]\s*[)/]|[IVXL]+\s*[.)])\s*\S")
# Lines that always start a paragraph: end matter, the closing, signature blocks.
PARAGRAPH_START_RE = re.compile(r"^(?:Nơi nhận|Trên đây là|KT\.\s*\S|TM\.\s*\S)")
PARAGRAPH_END_MATTER_RE = re.compile(r"^Nơi nhận\b")
MAX_TITLE_LINE = 100
MAX_FRAGMENT_WORDS = 6
FULL_LINE_RATIO = 0.8
WRAPPED_MIN_WIDTH, WRAPPED_MAX_WIDTH = 40, 160


def _wrap_width(lines: list) -> int:
    """The hard-wrap width, or 0 when lines are whole paragraphs (most lines of wrapped
    text are nearly as long as the longest ones; paragraphs vary)."""
    lengths = sorted(len(line) for line in lines if line and len(line) > 30)
    if len(lengths) < 5:
        return 0
    width = lengths[int(len(lengths) * 0.9)]
    median = lengths[len(lengths) // 2]
    wrapped = WRAPPED_MIN_WIDTH <= width <= WRAPPED_MAX_WIDTH and median >= FULL_LINE_RATIO * width
    return width if wrapped else 0


def _is_title_line(line: str) -> bool:
    """An upper-case title line ("TỔ CHỨC THỰC HIỆN"), not a wrapped "HIV/AIDS;"."""
    return (
        len(line) <= MAX_TITLE_LINE
        and len(line.split()) >= 2
        and line[-1] not in ",;"
        and _is_upper_title(line)
    )


def _starts_paragraph(line: str) -> bool:
    return bool(MARKER_RE.match(line) or PARAGRAPH_START_RE.match(line) or _is_title_line(line))


def _is_heading_line(line: str) -> bool:
    """A numbered heading that may wrap: "III. TỔ CHỨC", "5. Ban Quản lý Khu kinh tế"."""
    return bool(
        (ROMAN_RE.match(line) or NUM_RE.match(line) or SUBNUM_RE.match(line))
        and len(line) < MAX_TITLE_LINE
        and line[-1] not in ".;:!?"
    )


def _is_name_fragment(line: str) -> bool:
    """The end of a body's name carried to the next line ("Đông Nam", "Du lịch")."""
    words = line.split()
    return (
        len(words) <= MAX_FRAGMENT_WORDS
        and line[-1] not in ".;!?"
        and not DUTY_VERB_RE.match(line)
        and sum(word[0].isupper() for word in words) * 2 >= len(words)
    )


def _continues(previous: Line, line: Line, text: CleanText, head: str) -> bool:
    """Whether `line` carries on the paragraph ending with `previous` (`head`: the
    paragraph's first line)."""
    if previous.glue or BARE_MARKER_RE.match(previous):
        return True
    if BARE_MARKER_RE.match(line):
        return False  # "10." alone: an item starts, its text on the next line
    if previous.bold_end and line[0].isupper() and not LINKING_END_RE.search(previous):
        return False
    upper_heading = _is_upper_title(previous) and (
        ROMAN_RE.match(previous) or _is_title_line(previous)
    )
    upper_line = _is_upper_line(line) and not MARKER_RE.match(line)
    if upper_heading and upper_line and previous[-1] not in ".:;":
        return not PLAN_TITLE_RE.match(previous)  # "III. TỔ CHỨC" / "THỰC HIỆN"
    if MARKER_RE.match(line) or PARAGRAPH_START_RE.match(line):
        return bool(
            WRAPPED_DASH_RE.match(line) and previous[-1] not in ".:;!?" and not previous.glue
        )
    if text.blocks:
        return not (_is_title_line(line) or _is_title_line(previous))
    if _is_title_line(line) or _is_title_line(previous):
        return False  # a title ("KẾ HOẠCH", "I. MỤC ĐÍCH, YÊU CẦU") is a paragraph
    first = line[0]
    if not first.isupper() and first not in "“\"'":
        return True
    if LINKING_END_RE.search(previous):
        return True
    if ITEM_RE.match(head) and DUTY_VERB_RE.match(line):
        return False  # "1. Sở Y tế" / "Chủ trì, ...": the heading ends, its duty starts
    if _is_heading_line(previous) and _is_name_fragment(line):
        return True
    if previous.cut:
        return True
    if not text.width:
        return False
    if previous[-1] not in ".;:!?":
        # wrapped text: a paragraph ends with punctuation, a line that does not runs on
        # (its first line may be short: "- Phối hợp với Sở Công" / "Thương và Du lịch")
        return True
    return len(previous) >= FULL_LINE_RATIO * text.width and previous[-1] not in ":"


def _head_of(pieces: list[str]) -> str:
    """A paragraph's first line, with its text when the first line is only "3."."""
    if len(pieces) > 1 and BARE_MARKER_RE.match(pieces[0]):
        return pieces[0] + pieces[1]
    return pieces[0]


def _join_lines(text: CleanText) -> list[str]:
    """Paragraphs, in time linear in the text's length (pieces are joined once)."""
    paragraphs: list[str] = []
    pieces: list[str] = []
    last_line = Line("")
    for line in text.lines:
        _tick()
        if line is None:
            if pieces:
                paragraphs.append("".join(pieces))
            pieces = []
            continue
        if pieces and _continues(last_line, line, text, _head_of(pieces)):
            tail = pieces[-1]
            # "23/QĐ-" + "TTg", "Covid-" + "19": a word broken at its hyphen
            glued = len(tail) > 1 and tail[-1] == "-" and (tail[-2].isalnum())
            pieces.append(line if glued else " " + line)
        else:
            if pieces:
                paragraphs.append("".join(pieces))
            pieces = [line]
        last_line = line
    if pieces:
        paragraphs.append("".join(pieces))
    return paragraphs


# --- step 3: inline items ----------------------------------------------------------------

INLINE_MARKER_RE = re.compile(r"(?<=[.;:])\s+(?=(?:\d{1,2}\.|[a-zđ]\)|[-–•+])\s+(\S))")


def _split_inline(paragraph: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in INLINE_MARKER_RE.finditer(paragraph):
        follower = match.group(1)
        marker = paragraph[match.end() : match.end() + 2]
        if not follower[0].isupper() and not marker[0].isalpha():
            continue  # numbers and bullets start a sentence; "a)" may not
        parts.append(paragraph[start : match.start()].strip())
        start = match.end()
    parts.append(paragraph[start:].strip())
    return [part for part in parts if part]


# --- step 4: classifying paragraphs ------------------------------------------------------


@dataclass
class Block:
    kind: str  # "roman" | "num" | "sub" | "bullet" | "plain"
    label: str
    text: str
    delim: str = ""  # "." or ")" after a number


def _classify(paragraph: str) -> Block:
    for kind, regex in (
        ("roman", ROMAN_RE),
        ("sub", SUBNUM_RE),
        ("num", NUM_RE),
        ("sub", LETTER_RE),
        ("bullet", BULLET_RE),
    ):
        match = regex.match(paragraph)
        if match:
            delim = match.groupdict().get("delim") or ""
            return Block(kind, match.group("label"), match.group("text").strip(), delim)
    match = LETTER_DOT_RE.match(paragraph)
    if match and match.group("text")[0].isupper():
        return Block("sub", match.group("label"), match.group("text").strip())
    return Block("plain", "", paragraph.strip())


# --- step 5: sections --------------------------------------------------------------------

ORG_TITLE_RE = re.compile(
    r"tổ chức thực hiện|phân công (?:nhiệm vụ|thực hiện|trách nhiệm)|trách nhiệm (?:thực hiện|của)"
    r"|nhiệm vụ (?:của )?các (?:cơ quan|sở|đơn vị|ngành)"
)
REPORT_TITLE_RE = re.compile(r"báo cáo")
TARGET_TITLE_RE = re.compile(r"chỉ tiêu")
FUNDING_TITLE_RE = re.compile(r"kinh phí")
END_MATTER_RE = re.compile(
    r"^(?:Nơi nhận|KT\.\s*CHỦ TỊCH|TM\.\s*(?:ỦY|UỶ) BAN|CHỦ TỊCH$|PHÓ CHỦ TỊCH$)", re.IGNORECASE
)
CLOSING_RE = re.compile(r"^Trên đây là\b")
SECTION_KEYWORD_RE = re.compile(
    r"tổ chức thực hiện|phân công|báo cáo|chỉ tiêu|kinh phí|mục đích|mục tiêu|yêu cầu|nội dung"
    r"|nhiệm vụ|giải pháp"
)
MAX_HEADING_LEN = 160
MAX_BARE_TITLE_WORDS = 10


@dataclass
class Section:
    kind: str  # "preamble" | "org" | "report" | "targets" | "funding" | "other" | "closing" | "end"
    title: str
    blocks: list[Block] = field(default_factory=list)


def _upper_share(text: str, minimum: int) -> bool:
    """At least `minimum` letters, 90% of them capitals (counted in C: map, not a loop)."""
    lower = sum(map(str.islower, text))
    if lower > 0.1 * len(text):
        return False
    letters = sum(map(str.isalpha, text))
    return letters >= minimum and letters - lower >= 0.9 * letters


def _is_upper_title(text: str) -> bool:
    return _upper_share(text, 4)


def _section_kind(title: str) -> str:
    key = title.casefold()
    if ORG_TITLE_RE.search(key):
        return "org"
    if REPORT_TITLE_RE.search(key):
        return "report"
    if TARGET_TITLE_RE.search(key):
        return "targets"
    if FUNDING_TITLE_RE.search(key):
        return "funding"
    return "other"


def _heading_title(block: Block) -> str | None:
    if len(block.text) > MAX_HEADING_LEN:
        return None
    if block.kind == "roman":
        return block.text
    upper = block.kind in ("plain", "num") and _is_upper_title(block.text)
    short = len(block.text.split()) <= MAX_BARE_TITLE_WORDS
    keyword = SECTION_KEYWORD_RE.match(block.text.casefold())
    return block.text if upper and short and keyword else None


def _sections(blocks: list[Block]) -> list[Section]:
    sections = [Section("preamble", "")]
    for block in blocks:
        _tick()
        current = sections[-1]
        if current.kind == "end":
            current.blocks.append(block)
            continue
        if block.kind in ("plain", "bullet") and END_MATTER_RE.match(block.text):
            sections.append(Section("end", block.text, [block]))
            continue
        if block.kind == "plain" and CLOSING_RE.match(block.text):
            sections.append(Section("closing", block.text, [block]))
            continue
        title = _heading_title(block)
        if title is not None:
            sections.append(Section(_section_kind(title), title))
            continue
        current.blocks.append(block)
    return sections


# --- step 6 and 7: agencies and tasks ----------------------------------------------------

# The words a body's name starts with (after "các"): sở, ban, UBND, công an, hội, báo...
BODY_WORDS = (
    r"sở|phòng|ủy ban|uỷ ban|ubnd|ub mttq|ubmttq|mặt trận|công an|bộ chỉ huy|bộ chqs|ban|báo|"
    r"đài|hội|liên đoàn|liên minh|liên hiệp|tỉnh đoàn|huyện đoàn|thành đoàn|thị đoàn|đoàn|"
    r"viện|tòa án|toà án|trung tâm|bảo hiểm|ngân hàng|kho bạc|cục|chi cục|văn phòng|thanh tra|"
    r"bệnh viện|trường|cơ quan|đơn vị|tổ chức|chi nhánh|quỹ|nhà thiếu nhi|cung thiếu nhi|"
    r"hội đồng|bộ đội|bưu điện|công ty|tổng công ty|tập đoàn|hiệp hội|thường trực|thủ trưởng|"
    r"chủ tịch|giám đốc|người đứng đầu|địa phương|bộ|đồn|chi hội|đảng ủy|đảng uỷ|cấp ủy|cấp uỷ|"
    r"doanh nghiệp|nhà đầu tư|chủ đầu tư|cơ sở|hợp tác xã|điện lực|viễn thông|thuế|hải quan|"
    r"kiểm toán|học viện|đại học|cảng vụ|ngành|đoàn thể|lực lượng|nhà trường|nhà xuất bản|"
    r"tạp chí|ủy ban nhân dân|uỷ ban nhân dân|các cấp|cấp"
)
BODY_HEAD_RE = re.compile(r"^(?:các\s+|những\s+)?(?:" + BODY_WORDS + r")(?=\W|$)")
NOT_BODY_RE = re.compile(
    r"^(?:các\s+)?(?:báo cáo|ban hành|hội nghị|hội thi|hội thảo|hội diễn|đoàn kết|đoàn kiểm tra|"
    r"tổ chức (?:thực hiện|triển khai|các|hoạt động|tuyên truyền|tập huấn|kiểm tra)|"
    r"cơ quan chức năng|bộ chỉ tiêu|bộ tiêu chí|đơn vị tính|trường hợp|cơ sở dữ liệu|"
    r"cơ sở vật chất|cơ sở pháp lý|"
    r"cơ sở hạ tầng|ngành,? nghề|cấp (?:độ|phép|kinh phí|có thẩm quyền)|cơ quan có thẩm quyền|"
    r"hội viên|đoàn viên|doanh nghiệp nhỏ và vừa)"
)
# A number item that heads the list of bodies rather than naming one.
ORG_HEAD_RE = re.compile(
    r"^(?:trách nhiệm (?:thực hiện|của các)|phân công (?:nhiệm vụ|thực hiện|trách nhiệm)"
    r"|tổ chức thực hiện|nhiệm vụ (?:của )?các (?:cơ quan|sở|đơn vị|ngành))\b",
    re.IGNORECASE,
)
REQUEST_RE = re.compile(r"^(?:kính\s+)?(?:đề\s+nghị|khuyến\s+khích|mời)\s*:?\s*", re.IGNORECASE)
ASSIGN_HEAD_RE = re.compile(r"^giao\s+(?:cho\s+)?", re.IGNORECASE)
DUTY_OF_RE = re.compile(
    r"^(?:trách\s+nhiệm|nhiệm\s+vụ|phân\s+công)\s+(?:của|cho)\s+", re.IGNORECASE
)
REQUEST_SUFFIX_RE = re.compile(r"\s*\(\s*đề nghị\s*\)\s*$", re.IGNORECASE)
ROLE_SUFFIX_RE = re.compile(
    r"\s*\(([^()]*(?:thường trực|đầu mối|chủ trì)[^()]*)\)\s*$", re.IGNORECASE
)
LEAD_ROLE_RE = re.compile(r"thường trực|đầu mối", re.IGNORECASE)
# Where a heading that runs on into its duty stops naming the body: "9. Công an tỉnh chủ
# trì, ...". Duty verbs and adverbs in lower case (names capitalise their words: "Trung tâm
# Hỗ trợ"), a few capitalised ones that never go on a name, and prepositions of manner.
NAME_VERB_RE = re.compile(
    r"\s(?:chủ trì|phối hợp|có trách nhiệm|chịu trách nhiệm|tham mưu|hướng dẫn|chỉ đạo|"
    r"triển khai|thực hiện|căn cứ|tăng cường|đẩy mạnh|là cơ quan|theo chức năng|"
    r"xây dựng|rà soát|kiểm tra|bố trí|theo dõi|tiếp tục|nâng cao|cân đối|tuyên truyền|"
    r"đôn đốc|giám sát|vận động|quản lý|hỗ trợ|cung cấp|đảm bảo|bảo đảm|thiết lập|"
    r"nghiên cứu|lồng ghép|phát động|duy trì|củng cố|huy động|ưu tiên|thường xuyên|"
    r"chủ động|tích cực|khẩn trương|nghiêm túc|phát huy|tiên phong|dẫn dắt|mở thêm|mở|"
    r"phân công|tổ chức|tổng hợp|báo cáo|phê duyệt|ban hành|trình|đề xuất|hoàn thiện|"
    r"thẩm định|phân bổ|tập trung|tuân thủ|chấp hành|quan tâm|tiếp nhận|đăng ký|sắp xếp|"
    r"rà soát|chuẩn bị|bằng|trên cơ sở|trong phạm vi|theo thẩm quyền|"
    r"Chủ trì|Phối hợp|Tham mưu|Căn cứ|Là cơ quan|Có trách nhiệm|Chịu trách nhiệm)\b"
)
# A verb after these words is a noun ("các tổ chức", "việc thực hiện").
NOUN_BEFORE_RE = re.compile(
    r"(?:\b(?:các|những|việc|của|để|khi|nhằm|được|cho|về|sự|công tác|hoạt động)|[(])\s*$",
    re.IGNORECASE,
)
ORGANISATION_AFTER_RE = re.compile(
    r"\s+(?:chính trị|xã hội|đoàn thể|thành viên|cá nhân|có liên quan|liên quan|quốc tế"
    r"|phi chính phủ|kinh tế|tín dụng|hội|tôn giáo)\b"
)
REPORT_HEAD_RE = re.compile(
    r"^(?:(?:chế độ|thời gian|tiến độ|thời hạn)(?:\s+thông tin,?)?|thông tin,?)\s+báo cáo",
    re.IGNORECASE,
)
ORG_END_RE = re.compile(
    r"^(?:Trên đây|Nơi nhận|Trong quá trình|Quá trình (?:tổ chức )?thực hiện"
    r"|Yêu cầu (?:các|Thủ trưởng)|(?:Ủy|Uỷ) ban nhân dân (?i:tỉnh|thành phố)\s+yêu cầu"
    r"|Giao\s.{0,150}?(?:theo dõi|đôn đốc|tổng hợp)|Chế độ (?:thông tin,? )?báo cáo"
    r"|Căn cứ (?:vào )?(?:nội dung )?(?:Kế hoạch này|nhiệm vụ được giao)"
    r"|(?:Các|Thủ trưởng các|Đề nghị các)\s+(?:sở|cơ quan|đơn vị|địa phương)[^.]{0,200}?báo cáo)"
)
MAX_NAME_WORDS = 80  # "Đề nghị Văn phòng Tỉnh ủy ..., Chi cục Hải quan khu vực XI": one item
MAX_HEADING_NAME_WORDS = 40
LONG_NAME_WORDS = 25
MAX_COLON_NAME_CHARS = 220
MIN_BODY_ITEMS = 2
BODY_ITEM_SHARE = 0.6


@dataclass
class Head:
    """What an item heading says: the body it names, and a duty written after it."""

    name: str
    inline: str
    requested: bool
    lead: bool
    known: bool  # the name starts with a word bodies' names start with


def _is_body(name: str) -> bool:
    key = name.casefold().strip()
    words = key.split()
    return (
        bool(BODY_HEAD_RE.match(key))
        and not NOT_BODY_RE.match(key)
        and 0 < len(words) <= MAX_NAME_WORDS
        and not key.endswith(".")
    )


def _is_generic(name: str) -> bool:
    """ "Các sở, ngành ...", "Các tổ chức cung cấp dịch vụ": a class of bodies, whose
    name may hold a verb ("chủ trì, quản lý ...") as a relative clause."""
    return name.casefold().startswith(("các ", "những "))


def _name_verb(name: str) -> int | None:
    """Where a heading that runs on into its duty stops naming the body."""
    for match in NAME_VERB_RE.finditer(name):
        before = name[: match.start()]
        if len(before.split()) < 2 or NOUN_BEFORE_RE.search(before):
            continue
        if match.group(0).strip() == "tổ chức" and (
            before.rstrip().endswith((",", " và")) or ORGANISATION_AFTER_RE.match(name, match.end())
        ):
            continue  # "các sở, ngành, tổ chức chính trị - xã hội": organisations
        return match.start()
    return None


def _read_head(text: str, standalone: bool = False) -> Head:
    """Split an item heading into the body's name and an inline duty. `standalone`: the
    heading is a paragraph of its own over its duties (not a sentence), so a class of
    bodies keeps a verb in its name ("Các Sở, ngành chủ trì, quản lý ... Chương trình")."""
    text = DUTY_OF_RE.sub("", text.strip())  # "Trách nhiệm của UBND cấp xã"
    requested = False
    match = REQUEST_RE.match(text)
    if match:
        requested, text = True, text[match.end() :]
    else:
        text = ASSIGN_HEAD_RE.sub("", text)  # "Giao Sở Tài chính bố trí kinh phí"
    colon = text.find(":")
    if 0 < colon <= MAX_COLON_NAME_CHARS:
        name, inline = text[:colon], text[colon + 1 :].strip()
        if standalone and _is_name_list(inline):  # "Ủy ban nhân dân các xã: Gia Thuận, ..."
            name, inline = f"{name} {inline}", ""
    else:
        name, inline = text, ""
    keep_verbs = standalone and not inline and _is_generic(name)
    verb = None if keep_verbs else _name_verb(name)
    if verb is not None:
        inline = (name[verb:].strip() + (": " + inline if inline else "")).strip()
        name = name[:verb]
    suffix = REQUEST_SUFFIX_RE.search(name)
    if suffix:
        requested, name = True, name[: suffix.start()]
    lead = False
    role = ROLE_SUFFIX_RE.search(name)
    if role:
        lead, name = bool(LEAD_ROLE_RE.search(role.group(1))), name[: role.start()]
    name = _display_name(name)
    return Head(name, inline, requested, lead, _is_body(name))


def _is_name_list(text: str) -> bool:
    """Proper names after a colon ("Gia Thuận, Tân Điền, Gò Công Đông"), not a duty."""
    words = text.replace(",", " ").split()
    return (
        0 < len(words) <= MAX_FRAGMENT_WORDS * 2
        and text[-1:] not in ".;"
        and all(word[0].isupper() or word in ("và", "-") for word in words)
    )


def _several_bodies(name: str) -> bool:
    """ "Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh": two bodies in one item."""
    parts = re.split(r",\s*|;\s*|\s+và\s+", name)
    named = [p for p in parts if p[:1].isupper() and BODY_HEAD_RE.match(p.casefold())]
    return len(named) >= 2


def _is_standalone(head: Block, children: list[Block]) -> bool:
    return bool(children) and head.text.rstrip()[-1:] not in ".;"


def _is_body_heading(block: Block, strict: bool = False) -> bool:
    """A sub-item or bullet that names a body ("a) Sở Y tế", "- Sở Y tế: ...",
    "- Sở Nội vụ hướng dẫn khen thưởng ..."). `strict`: only a name, or a name before a
    colon (not a sentence whose subject is a body: "a) Các doanh nghiệp viễn thông ưu
    tiên ...", a duty of the body above)."""
    head = _read_head(block.text)
    words = head.name.split()
    if strict and head.inline and ":" not in block.text[: len(head.name) + 40]:
        return False
    return head.known and len(words) <= MAX_HEADING_NAME_WORDS


def _strip_end(text: str) -> str:
    return SPACES_RE.sub(" ", text).strip().rstrip(";,").strip()


def _tasks(inline: str, children: list[Block]) -> list[str]:
    """The duties under one agency heading (step 7)."""
    kinds = {block.kind for block in children}
    mode = "sub" if "sub" in kinds else "bullet" if "bullet" in kinds else "plain"
    top = next((block.label for block in children if block.kind == "bullet"), "-")
    tasks: list[tuple[bool, list[str]]] = []  # (is an item, pieces)
    if inline:
        tasks.append((False, [inline]))
    for block in children:
        open_intro = bool(tasks) and tasks[-1][1][-1].rstrip().endswith(":")
        if mode == "sub":
            starts_task = block.kind == "sub"
        elif mode == "bullet":
            starts_task = (block.kind == "bullet" and block.label == top) or (
                block.kind == "plain" and not open_intro
            )
        else:
            starts_task = not open_intro
        is_item = block.kind == mode or (mode == "bullet" and block.kind == "plain")
        if starts_task or not tasks:
            tasks.append((is_item, [block.text]))
        else:
            marker = f"{block.label} " if block.kind in ("bullet", "sub") else ""
            tasks[-1][1].append(marker + block.text)
    texts = [(is_item, _strip_end(" ".join(pieces))) for is_item, pieces in tasks]
    if len(texts) > 1 and not texts[0][0] and texts[0][1].endswith(":"):
        texts = texts[1:]  # "Sở X có trách nhiệm:" introduces the items
    return [text[:1].upper() + text[1:] for _, text in texts if text]


def _group(blocks: list[Block], kinds: tuple[str, ...]) -> tuple[list[Block], list[list[Block]]]:
    """Split blocks at every block of one of `kinds`: (blocks before, groups)."""
    before: list[Block] = []
    groups: list[list[Block]] = []
    for block in blocks:
        if block.kind in kinds:
            groups.append([block])
        elif groups:
            groups[-1].append(block)
        else:
            before.append(block)
    return before, groups


def _agency(head: Block, children: list[Block], parsed: Head | None = None) -> Agency:
    parsed = parsed or _read_head(head.text)
    agency = Agency(
        name=parsed.name,
        requested=parsed.requested,
        tasks=_tasks(parsed.inline, children),
        label=head.label,
        lead=parsed.lead,
    )
    if not parsed.known:
        agency.notes.append("unknown_name")
    if len(parsed.name.split()) > LONG_NAME_WORDS or _several_bodies(parsed.name):
        agency.notes.append("many_bodies")
    return agency


def _cut_tail(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """Split an organisation section at its closing paragraph (report text follows)."""
    for index, block in enumerate(blocks):
        if block.kind == "plain" and ORG_END_RE.match(block.text):
            return blocks[:index], blocks[index:]
        if block.kind in ("num", "sub") and REPORT_HEAD_RE.match(block.text):
            return blocks[:index], blocks[index:]
    return blocks, []


def _demote_other_numbering(blocks: list[Block]) -> list[Block]:
    """Number items written unlike the first body heading ("1)" under "1.") are sub-items."""
    first = next((b for b in blocks if b.kind == "num" and _read_head(b.text).known), None)
    if first is None:
        return blocks
    return [
        Block("sub", b.label, b.text, b.delim) if b.kind == "num" and b.delim != first.delim else b
        for b in blocks
    ]


def _bullet_bodies(blocks: list[Block]) -> list[Agency]:
    """Bullets that each name a body and its duty ("- Sở Nội vụ hướng dẫn ..."), when
    most top-level bullets do."""
    top = next((block.label for block in blocks if block.kind == "bullet"), None)
    _, groups = _group([b for b in blocks if b.kind != "bullet" or b.label == top], ("bullet",))
    named = [g for g in groups if _is_body_heading(g[0])]
    if len(named) < MIN_BODY_ITEMS or len(named) < BODY_ITEM_SHARE * len(groups):
        return []
    return [_agency(g[0], g[1:]) for g in named]


def _group_bodies(head: Block, children: list[Block], open_names: bool) -> list[Agency]:
    """The bodies one number item gives: itself, its sub-items, or its bullets.
    `open_names`: the item may name a body by words not on the list of body words (it
    sits among items that name bodies)."""
    _, subgroups = _group(children, ("sub",))
    standalone = _is_standalone(head, children)
    parsed = _read_head(head.text, standalone=standalone)
    org_head = bool(ORG_HEAD_RE.match(head.text))
    head_is_body = parsed.known and not org_head
    named = [g for g in subgroups if _is_body_heading(g[0], strict=head_is_body)]
    if named and (not head_is_body or len(named) == len(subgroups)):
        # "1. Các sở, ngành" over "a) Sở Y tế: ..." items: each sub-item is an agency
        return [_agency(g[0], g[1:]) for g in named]
    if head_is_body:
        return [_agency(head, children, parsed)]
    if org_head or not parsed.name:
        return _bullet_bodies(children)
    unknown_name = (
        open_names
        and standalone
        and len(parsed.name.split()) <= LONG_NAME_WORDS
        and not SECTION_KEYWORD_RE.search(parsed.name.casefold())
        and not DUTY_VERB_RE.match(parsed.name)
    )
    return [_agency(head, children, parsed)] if unknown_name else []


def _count_body_items(blocks: list[Block]) -> tuple[int, int]:
    """(number items naming a known body, number items)."""
    _, groups = _group(blocks, ("num",))
    bodies = sum(
        1
        for g in groups
        if _read_head(g[0].text, _is_standalone(g[0], g[1:])).known
        and not ORG_HEAD_RE.match(g[0].text)
    )
    return bodies, len(groups)


def _lists_bodies(blocks: list[Block]) -> bool:
    """A section titled otherwise whose number items mostly name bodies ("IV. NHIỆM VỤ CỤ
    THỂ" over "1. Sở Nông nghiệp và Môi trường", ...) assigns duties too."""
    bodies, items = _count_body_items(blocks)
    return bodies >= MIN_BODY_ITEMS and bodies >= BODY_ITEM_SHARE * items


def _agencies_in(blocks: list[Block]) -> tuple[list[Agency], list[Block]]:
    """Agencies of one organisation section, and its other text (read for report duties)."""
    blocks, tail = _cut_tail(blocks)
    blocks = _demote_other_numbering(blocks)
    agencies: list[Agency] = []
    level = "num" if any(b.kind == "num" for b in blocks) else "sub"
    before, groups = _group(blocks, (level,))
    rest = list(before)
    bodies, items = _count_body_items(blocks)
    open_names = bodies >= MIN_BODY_ITEMS and bodies >= BODY_ITEM_SHARE * items
    for group in groups:
        _tick()
        found = _group_bodies(group[0], group[1:], open_names)
        agencies.extend(found)
        if not found:
            rest.extend(group)
    if not groups:
        agencies = _bullet_bodies(blocks)
    return agencies, rest + tail


def _fallback_agencies(sections: list[Section]) -> list[Agency]:
    """Without an organisation section: the longest run of 3+ number items naming bodies."""
    best: list[Agency] = []
    for section in sections:
        if section.kind in ("preamble", "end"):
            continue
        _, groups = _group(section.blocks, ("num",))
        run: list[Agency] = []
        for group in groups:
            if _is_body_heading(group[0]):
                run.append(_agency(group[0], group[1:]))
            else:
                if len(run) > len(best):
                    best = run
                run = []
        if len(run) > len(best):
            best = run
    return best if len(best) >= 3 else []


def _merge_agencies(agencies: list[Agency]) -> list[Agency]:
    merged: dict[str, Agency] = {}
    for agency in agencies:
        key = normalize_name(agency.name)
        if key in merged:
            merged[key].tasks.extend(agency.tasks)
            merged[key].requested = merged[key].requested or agency.requested
            merged[key].lead = merged[key].lead or agency.lead
        else:
            merged[key] = agency
    return list(merged.values())


def _numbering_irregular(agencies: list[Agency]) -> bool:
    numbers = [int(a.label) for a in agencies if a.label.isdigit()]
    return bool(numbers) and numbers != list(range(numbers[0], numbers[0] + len(numbers)))


# --- step 8: deadlines -------------------------------------------------------------------

SLASH_DATE = (
    r"(?P<d{n}>\d{{1,2}})\s*[/.\-]\s*(?P<m{n}>\d{{1,2}})"
    r"(?:\s*[/.\-]\s*(?P<y{n}>\d{{4}}|\d{{2}}))?(?![\d/])"
)
WORD_DATE = r"(?P<wd{n}>\d{{1,2}})\s+tháng\s+(?P<wm{n}>\d{{1,2}})(?:\s+năm\s+(?P<wy{n}>\d{{4}}))?"
DEADLINE_PREFIX = (
    r"(?:trước|chậm\s+nhất(?:\s+là)?(?:\s+vào)?|muộn\s+nhất(?:\s+là)?|hạn\s+chót(?:\s+là)?"
    r"|hạn\s+cuối(?:\s+là)?|thời\s+hạn(?:\s+là)?|không\s+quá|không\s+muộn\s+hơn"
    r"|định\s+kỳ(?:\s+vào)?|vào(?=\s+ngày\s+\d))"
)
DEADLINE_RE = re.compile(
    r"\b"
    + DEADLINE_PREFIX
    + r"\s+(?:(?:(?:hết\s+)?ngày\s+)?"
    + SLASH_DATE.format(n=0)
    + r"|(?:hết\s+)?ngày\s+"
    + WORD_DATE.format(n=0)
    + ")",
    re.IGNORECASE,
)
NEXT_DATE_RE = re.compile(
    r"\s*(?:,|và|;|hoặc)\s*(?:trước\s+)?(?:ngày\s+)?" + SLASH_DATE.format(n=1), re.IGNORECASE
)
NUMBER_WORDS = r"\d{1,3}|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười(?:\s+(?:lăm|năm))?|hai\s+mươi"
RELATIVE_RE = re.compile(
    r"(?:(?:trong\s+(?:vòng|thời\s+hạn|thời\s+gian)|chậm\s+nhất(?:\s+là)?|trong|sau)\s+)?"
    r"(?<!\d)\(?(?:" + NUMBER_WORDS + r")\)?\s+ngày(?:\s+làm\s+việc)?\s*,?\s*"
    r"(?:kể\s+từ|sau\s+khi|từ\s+khi|sau|từ)\s+(?:(?!\s(?:và|để|thì|đồng\s+thời)\s)[^.;,\n()])+",
    re.IGNORECASE,
)
RECURRING_RE = re.compile(
    r"(?:trước|chậm\s+nhất(?:\s+là)?|vào)\s+ngày\s+(?P<day>\d{1,2})\s+(?:hằng|hàng|của|các)\s+"
    r"(?:tháng|quý)(?:(?!\s(?:và|để)\s)[^.;,\n()])*",
    re.IGNORECASE,
)
HALF_YEAR_RE = re.compile(
    r"\b(?:0?6|sáu)\s+tháng\b|giữa\s+năm|sơ\s+kết|bán\s+niên|nửa\s+năm", re.IGNORECASE
)
ANNUAL_RE = re.compile(
    r"(?:báo\s+cáo|kết\s+quả|tổng\s+kết)\s+(?:cả\s+|của\s+)?năm\b|hằng\s+năm|hàng\s+năm|cả\s+năm"
    r"|cuối\s+năm|tổng\s+kết|định\s+kỳ\s+năm|báo\s+cáo\s+năm|\bnăm\s*\(",
    re.IGNORECASE,
)
OTHER_RE = re.compile(
    r"\bquý\b|đột\s+xuất|hằng\s+tháng|hàng\s+tháng|tháng\s+hành\s+động|diễn\s+đàn|trung\s+thu"
    r"|sau\s+khi\s+kết\s+thúc|hoạt\s+động\s+hè|thiếu\s+nhi",
    re.IGNORECASE,
)
REPORT_WORD_RE = re.compile(r"báo\s+cáo", re.IGNORECASE)
REPORT_REGIME_RE = re.compile(r"chế\s+độ\s+(?:thông\s+tin,?\s+)?báo\s+cáo", re.IGNORECASE)
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")
ABBREVIATION_DOT_RE = re.compile(r"\b(?:TP|Tp|Số|số|St|TS|ThS|KT|TM)\.$")


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in SENTENCE_END_RE.finditer(text):
        nxt = text[match.end()]
        before = text[max(0, match.start() - 4) : match.start()]
        if nxt.isupper() and not ABBREVIATION_DOT_RE.search(before):
            parts.append(text[start : match.start()].strip())
            start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _period(context: str, month: int | None) -> str:
    found: list[tuple[int, str]] = []
    for regex, period in ((HALF_YEAR_RE, "half-year"), (ANNUAL_RE, "annual"), (OTHER_RE, "other")):
        for match in regex.finditer(context):
            found.append((match.end(), period))
    if found:
        return max(found)[1]
    if month in (5, 6):
        return "half-year"
    if month in (10, 11, 12):
        return "annual"
    return "other"


def _date_is_plain(found: str) -> bool:
    """ "15/5" is a date anywhere; "15.5" or "15-5" only after "ngày" ("không quá 10.5")."""
    return "/" in found or "tháng" in found.casefold() or "ngày" in found.casefold()


def _make_date(day: int, month: int, year: int | None) -> tuple[dt.date | None, bool]:
    """(date, valid): the date when the year is known; valid is False for 31/4 etc."""
    try:
        probe = dt.date(year or 2000, month, day)
    except ValueError:
        return None, False
    return (probe if year else None), True


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _dates_in_match(match: re.Match, text: str) -> tuple[list[tuple[int, int, int | None]], int]:
    """All (day, month, year) of one deadline match, following "và 20/11" lists."""
    groups = match.groupdict()
    day = groups["d0"] or groups["wd0"]
    month = groups["m0"] or groups["wm0"]
    dates = [(int(day), int(month), _year(groups["y0"] or groups["wy0"]))]
    end = match.end()
    while (nxt := NEXT_DATE_RE.match(text, end)) is not None:
        dates.append((int(nxt.group("d1")), int(nxt.group("m1")), _year(nxt.group("y1"))))
        end = nxt.end()
    return dates, end


@dataclass
class Context:
    """What a deadline's year and owners are read against."""

    plan_year: int | None  # a plan for one year ("năm 2025"): dates without year are in it
    fallback_year: int | None  # a standing plan: the year it was issued
    issued: dt.date | None
    agencies: list[Agency]


@dataclass
class Source:
    """A text searched for deadlines: the duty of an agency, or other text of the plan."""

    text: str
    in_report: bool
    agency: Agency | None = None
    _recipients: list[str] | None = None
    _covers: str | None = None

    def recipients(self) -> list[str]:
        """The bodies the text sends reports to (read once per text)."""
        if self._recipients is None:
            self._recipients = _recipients(self.text)
        return self._recipients

    def covers(self) -> str | None:
        """The period the text's reports cover, when it says ("từ ngày 15 tháng 12 năm
        trước kỳ báo cáo đến ngày 14 tháng 12"): "15/12–14/12"."""
        if self._covers is None:
            match = COVERS_RE.search(self.text)
            self._covers = "{}/{}–{}/{}".format(*map(int, match.groups())) if match else ""
        return self._covers or None


YEARLY_RE = re.compile(
    r"\b(?:hằng|hàng|mỗi)\s+năm\b|định\s+kỳ|\b(?:0?6|sáu)\s+tháng\b|năm\s+một\s+lần",
    re.IGNORECASE,
)
NEXT_YEAR_RE = re.compile(r"\s*(?:của\s+)?năm\s+(?:sau|tiếp\s+theo|kế\s+tiếp)\b", re.IGNORECASE)
MONTHLY_RE = re.compile(r"\b(?:hằng|hàng|mỗi|của\s+các)\s+tháng\b", re.IGNORECASE)
RECEIPT_RE = re.compile(
    r"(?:kể\s+từ|sau\s+khi|từ\s+khi|từ)\s+(?:ngày\s+)?(?:nhận\s+được|nhận|ban\s+hành|ký)",
    re.IGNORECASE,
)
WORKING_DAYS_RE = re.compile(r"ngày\s+làm\s+việc", re.IGNORECASE)
RELATIVE_DAYS_RE = re.compile(r"(?<!\d)\(?(" + NUMBER_WORDS + r")\)?\s+ngày", re.IGNORECASE)
NUMBER_WORD_VALUES = {
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười lăm": 15,
    "mười năm": 15,
    "hai mươi": 20,
}
COVERS_RE = re.compile(
    r"(?:tính\s+)?từ\s+ngày\s+(\d{1,2})\s*(?:tháng\s*|/)\s*(\d{1,2})(?:\s+năm\s+trước)?[^.;]{0,40}?"
    r"đến\s+(?:hết\s+)?ngày\s+(\d{1,2})\s*(?:tháng\s*|/)\s*(\d{1,2})",
    re.IGNORECASE,
)
REPORT_VERB_RE = re.compile(r"\b(?:báo\s+cáo|gửi|nộp|tổng\s+hợp)\b", re.IGNORECASE)
REPORT_OR_SEND_RE = re.compile(r"báo\s+cáo|\bgửi\b|\bnộp\b", re.IGNORECASE)
# A subject that stands for every body: "Các sở, ban, ngành ...", "các cơ quan, đơn vị".
EVERY_BODY_RE = re.compile(
    r"\bcác\s+(?:sở|cơ\s+quan|đơn\s+vị|địa\s+phương|ngành|xã|phường|huyện|thành\s+viên)\b"
    r"|\b(?:UBND|Ủy\s+ban\s+nhân\s+dân|Uỷ\s+ban\s+nhân\s+dân)\s+(?:cấp\s+xã|các)\b",
    re.IGNORECASE,
)


def _number(word: str) -> int | None:
    word = SPACES_RE.sub(" ", word.casefold().strip("() "))
    return int(word) if word.isdigit() else NUMBER_WORD_VALUES.get(word)


def _resolve_year(day: int, month: int, year: int | None, context: Context) -> int | None:
    """A date's year: as written; else the plan's year; else, in a standing plan, the
    first such day on or after the plan was issued (never a horizon year)."""
    if year:
        return year
    if context.plan_year:
        return context.plan_year
    if context.issued is not None:
        start = context.issued.year
        for candidate in (start, start + 1):
            try:
                if dt.date(candidate, month, day) >= context.issued:
                    return candidate
            except ValueError:
                return None
        return start + 1
    return context.fallback_year


def _match_agency(name: str, agencies: list[Agency]) -> Agency | None:
    """The plan's agency a name found in a sentence stands for ("Sở Khoa học Công nghệ"
    for "Sở Khoa học và Công nghệ", "Sở Y tế tỉnh" for "Sở Y tế")."""
    key = normalize_name(name).replace(" và ", " ")
    for agency in agencies:
        other = normalize_name(agency.name).replace(" và ", " ")
        if key == other or key.startswith(other + " ") or other.startswith(key + " "):
            return agency
    return None


def _recipients(text: str) -> list[str]:
    """Bodies a report goes to: "(qua Sở Y tế)", "gửi ... về Sở Y tế", "cho Bộ Y tế"."""
    names: list[str] = []
    for regex in (VIA_RE, SEND_TO_RE, SEND_RE):
        for match in regex.finditer(text):
            _tick()
            name = _read_body(text, match.end())
            if name and name not in names:
                names.append(name)
    return names


def _is_class_name(name: str) -> bool:
    """ "UBND các xã, phường", "Các sở, ban, ngành": bodies of a kind, not one body."""
    return bool(re.search(r"(?:^|\s)các\s", normalize_name(name)))


MAX_SUBJECT_CHARS = 400
MAX_DEADLINE_TEXT = 600


def _owners(
    sentence: str, at: int, source: Source, recipients: list[str], context: Context
) -> list[str]:
    """Who owes the report a sentence dates: the agency whose duty it is; else the bodies
    its subject names ("Giao Sở Y tế tổng hợp ..."); else every body but the recipients."""
    agencies = context.agencies
    excluded = {id(a) for name in recipients if (a := _match_agency(name, agencies))}
    every = [a.name for a in agencies if id(a) not in excluded] or [a.name for a in agencies]
    if source.agency is not None:
        # "Các sở, ban, ngành tỉnh, UBND các xã, phường" stands for every body
        everyone = normalize_name(source.agency.name).startswith("các ")
        return every if everyone else [source.agency.name]
    start = max(0, at - MAX_SUBJECT_CHARS)  # a clause's subject is near its verb
    clause = max(sentence.rfind(";", start, at), start)
    verb = REPORT_VERB_RE.search(sentence, clause, at)
    subject = sentence[clause : verb.start() if verb else at]
    key = normalize_name(subject)
    named = [
        a.name
        for a in agencies
        if not _is_class_name(a.name)
        and re.search(r"(?:^|\W)" + re.escape(normalize_name(a.name)) + r"(?:\W|$)", key)
    ]
    if named and not EVERY_BODY_RE.search(subject):
        return named
    return every


def _relative(match: re.Match, sentence: str) -> tuple[int | None, str, bool]:
    """(days, "receipt" | "event", working days) of "trong vòng 10 ngày kể từ ..."."""
    phrase = match.group(0)
    days = RELATIVE_DAYS_RE.search(phrase)
    count = _number(days.group(1)) if days else None
    anchor = "receipt" if RECEIPT_RE.search(phrase) else "event"
    return count, anchor, bool(WORKING_DAYS_RE.search(phrase))


def _deadlines_in(sentence: str, source: Source, context: Context) -> list[Deadline]:
    """Dated deadlines (step 8) then relative ones, in one sentence, with their owners."""
    found: list[Deadline] = []
    if not (
        DEADLINE_RE.search(sentence)
        or RELATIVE_RE.search(sentence)
        or RECURRING_RE.search(sentence)
    ):
        return found
    text = _strip_end(sentence[:MAX_DEADLINE_TEXT])
    recipients = _recipients(sentence) or source.recipients()
    recipient = recipients[0] if recipients else None
    cadence = "yearly" if YEARLY_RE.search(sentence) else None
    covers = source.covers()
    cursor = 0
    for match in DEADLINE_RE.finditer(sentence):
        _tick()
        if match.start() < cursor or not _date_is_plain(match.group(0)):
            continue
        dates, end = _dates_in_match(match, sentence)
        period_context = sentence[cursor : match.start()] if len(dates) == 1 else ""
        owners = _owners(sentence, match.start(), source, recipients, context)
        next_year = bool(NEXT_YEAR_RE.match(sentence, end))  # "trước ngày 15/01 năm sau"
        for day, month, year in dates:
            resolved = _resolve_year(day, month, year, context)
            if next_year and year is None and resolved is not None:
                resolved += 1
            date, valid = _make_date(day, month, resolved)
            if valid:
                deadline = Deadline(date, month, day, _period(period_context, month), None, text)
                deadline.owners, deadline.recurrence = list(owners), cadence
                deadline.recipient, deadline.covers = recipient, covers
                deadline.explicit_year = year is not None
                found.append(deadline)
        cursor = end
    for match in RELATIVE_RE.finditer(sentence):
        _tick()
        deadline = Deadline(None, None, None, "other", _strip_end(match.group(0)), text)
        deadline.relative_days, deadline.relative_from, deadline.working_days = _relative(
            match, sentence
        )
        deadline.owners = _owners(sentence, match.start(), source, recipients, context)
        deadline.recipient = recipient
        found.append(deadline)
    for match in RECURRING_RE.finditer(sentence):  # "trước ngày 20 của tháng cuối quý"
        _tick()
        day = int(match.group("day"))
        deadline = Deadline(None, None, day, "other", _strip_end(match.group(0)), text)
        deadline.recurrence = "monthly" if MONTHLY_RE.search(match.group(0)) else "quarterly"
        deadline.owners = _owners(sentence, match.start(), source, recipients, context)
        deadline.recipient = recipient
        found.append(deadline)
    return found


def _deadlines(
    sources: list[Source], context: Context, budget: Budget | None = None
) -> tuple[list[Deadline], list[str]]:
    """Deadlines, and the sentences that carry report duties (for the coordinator)."""
    deadlines: list[Deadline] = []
    report_sentences: list[str] = []
    for index, source in enumerate(sources):
        if budget is not None and index % 64 == 0:
            budget.check()
        for sentence in _sentences(source.text):
            _tick()
            if not source.in_report and not REPORT_OR_SEND_RE.search(sentence):
                continue
            found = _deadlines_in(sentence, source, context)
            if found or source.in_report or REPORT_REGIME_RE.search(sentence):
                report_sentences.append(sentence)
            deadlines.extend(found)
    unique: dict[tuple, Deadline] = {}
    for deadline in deadlines:
        key = (deadline.date, deadline.month, deadline.day, deadline.relative)
        kept = unique.setdefault(key, deadline)
        if kept is not deadline:  # the same date twice: owed by both sentences' owners
            kept.owners += [name for name in deadline.owners if name not in kept.owners]
            kept.recurrence = kept.recurrence or deadline.recurrence
    ordered = sorted(
        unique.values(),
        key=lambda d: (d.month is None, d.date or dt.date.max, d.month or 0, d.day or 0),
    )
    return ordered, report_sentences


# --- step 9: header ----------------------------------------------------------------------

NUMBER_RE = re.compile(r"\bSố\s*:\s*(\d+[A-Za-z]?\s*/\s*[^\s,;]+)")
DATE_LINE_RE = re.compile(
    r"(?P<place>[^\W\d_][^,\n]{0,60}?)\s*,\s*ngày\s*(?P<d>[\d.…\s_]*?)\s*(?:tháng\s*(?P<m>[\d.…\s_]*?)"
    r"\s*năm\s*(?P<y>\d{4})|/\s*(?P<m2>\d{1,2})\s*/\s*(?P<y2>\d{4}))",
    re.IGNORECASE,
)
PLAN_TITLE_RE = re.compile(r"^KẾ HOẠCH\b")
INTRO_RE = re.compile(
    r"^(?:Thực hiện|Căn cứ|Theo|Nhằm|Để|Trên cơ sở|Xét|Thi hành|Ủy ban|Uỷ ban|UBND)\b"
)
TITLE_YEAR_RE = re.compile(r"\bnăm\s+(\d{4})\b(?!\s*[-–]\s*\d{4})", re.IGNORECASE)
TITLE_RANGE_RE = re.compile(r"\b(\d{4})\s*[-–]\s*(\d{4})\b")
TITLE_UNTIL_RE = re.compile(r"\b(?:đến|tới)\s+năm\s+(\d{4})\b", re.IGNORECASE)
HORIZON_BEFORE_RE = re.compile(r"(?:tầm\s+nhìn|định\s+hướng)\s*$", re.IGNORECASE)
PERIOD_BEFORE_RE = re.compile(
    r"(?:đến|tới|tầm\s+nhìn|định\s+hướng|giai\s+đoạn|từ)\s*$", re.IGNORECASE
)
ANY_YEAR_RE = re.compile(r"\bnăm\s+(20\d\d)\b", re.IGNORECASE)
HEADER_AUTHORITY_RE = re.compile(r"(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN|UBND|\bSỞ\b|\bPHÒNG\b")
MOTTO_RE = re.compile(
    r"CỘNG\s+H[OÒ]A|(?:XÃ\s+)?HỘI\s+CHỦ\s+NGHĨA|CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập|Số\s*:",
    re.IGNORECASE,
)
INTRO_AUTHORITY_RE = re.compile(
    r"((?:Ủy|Uỷ)\s+ban\s+nhân\s+dân|UBND)\s+(tỉnh|thành\s+phố|huyện|quận|thị\s+xã|xã|phường|"
    r"đặc\s+khu)\b",
    re.IGNORECASE,
)
AUTHORITY_VERB_RE = re.compile(r"^\s*(?:ban\s+hành|xây\s+dựng|lập|thông\s+báo)\b", re.IGNORECASE)
CITED_BEFORE_RE = re.compile(r"(?:của|Chủ tịch|tịch)\s*$", re.IGNORECASE)
MAX_HEADER_LINES = 40
HEADER_LINES_WITHOUT_TITLE = 15
MAX_TITLE_SEARCH_LINES = 300
MAX_HEADER_LINE_CHARS = 300
MAX_PREAMBLE_CHARS = 20_000


@dataclass
class Header:
    number: str | None = None
    issued: dt.date | None = None
    date_year: int | None = None
    place: str | None = None
    title_year: int | None = None  # a plan for one year: "... năm 2025"
    period_end: int | None = None  # a plan for years: "giai đoạn 2026 - 2030", "đến năm 2030"
    has_plan_title: bool = False
    authority: str | None = None


def _header_lines(lines: list[Line | None]) -> tuple[list[str], list[str]]:
    """(lines before the first section heading, the header: lines up to the title).
    The "KẾ HOẠCH" title is looked for past a web page's furniture, if any."""
    text: list[str] = [line for line in lines if line is not None]
    title = next(
        (
            i
            for i, line in enumerate(text[:MAX_TITLE_SEARCH_LINES])
            if PLAN_TITLE_RE.match(line) and len(line) <= MAX_TITLE_LINE
        ),
        None,
    )
    start = max(0, title - HEADER_LINES_WITHOUT_TITLE) if title is not None else 0
    top: list[str] = []
    for line in text[start:]:
        match = ROMAN_RE.match(line)
        if (match and _is_upper_title(match.group("text"))) or len(top) >= MAX_HEADER_LINES:
            break
        top.append(line)
    header = text[start : title + 1] if title is not None else top[:HEADER_LINES_WITHOUT_TITLE]
    return top, header


def _is_upper_line(text: str) -> bool:
    return _upper_share(text, 2)


def _place(raw: str) -> str | None:
    words = raw.replace("\u2026", " ").split()
    picked: list[str] = []
    for word in reversed(words):
        if (word[0].isupper() and not word.isupper()) or word in ("-", "TP.", "TP"):
            picked.append(word)
        else:
            break
    picked.reverse()
    while picked and picked[0] in ("-",):
        picked.pop(0)
    return " ".join(picked) or None


def _read_date_line(header: Header, text: str) -> None:
    for match in DATE_LINE_RE.finditer(text):
        year = int(match.group("y") or match.group("y2"))
        day_digits = NON_DIGITS_RE.sub("", match.group("d") or "")
        month_digits = NON_DIGITS_RE.sub("", match.group("m") or match.group("m2") or "")
        header.date_year = header.date_year or year
        header.place = header.place or _place(match.group("place"))
        if day_digits and month_digits:
            try:
                header.issued = dt.date(year, int(month_digits), int(day_digits))
            except ValueError:
                continue
            header.date_year = year
            header.place = _place(match.group("place")) or header.place
            return


def _read_title(header: Header, lines: list[str]) -> None:
    for index, line in enumerate(lines):
        if not PLAN_TITLE_RE.match(line):
            continue
        header.has_plan_title = True
        title = [line[len("KẾ HOẠCH") :]]
        for offset, follower in enumerate(lines[index + 1 : index + 8]):
            if offset and (INTRO_RE.match(follower) or MARKER_RE.match(follower)):
                break
            title.append(follower)
        _title_years(header, SPACES_RE.sub(" ", " ".join(title)))
        return


def _title_years(header: Header, title: str) -> None:
    """ "năm 2025" makes a plan for one year; "giai đoạn 2026 - 2030" or "đến năm 2030"
    a plan for years (its end); "tầm nhìn đến năm 2045" is a horizon, not a year of work."""
    for match in TITLE_RANGE_RE.finditer(title):
        header.period_end = max(header.period_end or 0, int(match.group(2)))
    for match in TITLE_UNTIL_RE.finditer(title):
        if not HORIZON_BEFORE_RE.search(title[: match.start()]):
            header.period_end = max(header.period_end or 0, int(match.group(1)))
    if header.period_end:
        return
    for match in TITLE_YEAR_RE.finditer(title):
        if not PERIOD_BEFORE_RE.search(title[: match.start()]):
            header.title_year = int(match.group(1))
            return


def _header_authority(lines: list[str]) -> str | None:
    """The issuing body from the header's upper-case lines, the motto's pieces left out
    ("CỘNG HÒA XÃ" / "HỘI CHỦ NGHĨA VIỆT NAM" as a web page wraps it)."""
    block: list[str] = []
    for line in lines:
        ends = bool(NUMBER_RE.search(line) or DATE_LINE_RE.search(line))
        if PLAN_TITLE_RE.match(line):
            break
        head = MOTTO_RE.split(line)[0].strip(" -_.|")
        if head and _is_upper_line(head):
            block.append(head)
        if ends:
            break
    text = " ".join(block)
    starts = [m.start() for m in HEADER_AUTHORITY_RE.finditer(text)]
    if not starts:
        return None
    name = SPACES_RE.sub(" ", text[starts[-1] :]).strip(" -_.")
    return name if len(name.split()) >= 2 else None


def _intro_authority(text: str, place: str | None) -> str | None:
    for match in INTRO_AUTHORITY_RE.finditer(text):
        if CITED_BEFORE_RE.search(text[max(0, match.start() - 12) : match.start()]):
            continue  # "... của UBND tỉnh" cites another document
        rest = text[match.end() :]
        words = rest.split()
        proper: list[str] = []
        for word in words:
            if word[0].isupper() and word.strip(",.;:").isalpha():
                proper.append(word)
            else:
                break
        tail = rest.split(maxsplit=len(proper))[len(proper)] if len(words) > len(proper) else ""
        if not AUTHORITY_VERB_RE.match(tail):
            continue
        name = f"{match.group(1)} {match.group(2)}"
        if proper:
            return f"{name} {' '.join(proper)}"
        return f"{name} {place}" if place else name
    return None


def _read_header(lines: list[Line | None], preamble_text: str) -> Header:
    header = Header()
    top, head = _header_lines(lines)
    # header lines are short; a huge line is not one, and is not searched in full
    top = [line[:MAX_HEADER_LINE_CHARS] for line in top]
    head = [line[:MAX_HEADER_LINE_CHARS] for line in head]
    preamble_text = preamble_text[:MAX_PREAMBLE_CHARS]
    head_text = "\n".join(head)
    number = NUMBER_RE.search(head_text)
    if number:
        header.number = SPACES_RE.sub("", number.group(1)).rstrip(".")
    _read_date_line(header, head_text)
    _read_title(header, top)
    header.authority = _header_authority(head) or _intro_authority(preamble_text, header.place)
    return header


# --- step 11: targets --------------------------------------------------------------------

TARGET_ITEM_RE = re.compile(
    r"^chỉ\s+tiêu\s*(?:số\s*)?(\d{1,3})\s*[:.)\-–]\s*(?P<text>.*)$", re.IGNORECASE
)
TARGET_REF_RE = re.compile(
    r"chỉ\s+tiêu\s+(?:số\s+)?((?:\d{1,3}\s*(?:,|;|và|-|–|đến|tới)\s*)*\d{1,3})(?!\s*[%,.]\d|\d|\s*%)",
    re.IGNORECASE,
)
RANGE_RE = re.compile(r"(\d{1,3})\s*(?:-|–|đến|tới)\s*(\d{1,3})")


def _targets(sections: list[Section]) -> list[Target]:
    targets: list[Target] = []
    for section in sections:
        if section.kind in ("org", "report", "end", "closing"):
            continue
        for block in section.blocks:
            match = TARGET_ITEM_RE.match(block.text)
            if match:
                targets.append(Target(int(match.group(1)), _strip_end(match.group("text"))))
    if targets:
        return targets
    for section in sections:
        if section.kind == "targets":
            for block in section.blocks:
                if block.kind == "num":
                    targets.append(Target(int(block.label), _strip_end(block.text)))
    return targets


def _target_numbers(text: str) -> set[int]:
    numbers: set[int] = set()
    for match in TARGET_REF_RE.finditer(text):
        listed = match.group(1)
        for low, high in RANGE_RE.findall(listed):
            numbers.update(range(int(low), int(high) + 1))
        listed = RANGE_RE.sub(" ", listed)
        numbers.update(int(n) for n in DIGITS_RE.findall(listed))
    return numbers


def _assign_owners(targets: list[Target], agencies: list[Agency]) -> None:
    by_number = {target.number: target for target in targets}
    for agency in agencies:
        numbers: set[int] = set()
        for task in agency.tasks:
            numbers |= _target_numbers(task)
        for number in sorted(numbers):
            target = by_number.get(number)
            if target is not None and agency.name not in target.owners:
                target.owners.append(agency.name)


# --- step 12: events ---------------------------------------------------------------------

EVENT_VARIANTS = {
    "Tháng hành động vì trẻ em": r"tháng\s+hành\s+động\s+vì\s+trẻ\s+em",
    "Ngày Quốc tế thiếu nhi": r"quốc\s+tế\s+thiếu\s+nhi|tết\s+thiếu\s+nhi",
    "Diễn đàn trẻ em": r"diễn\s+đàn\s+(?:của\s+)?trẻ\s+em",
    "Đối thoại với trẻ em": (
        r"đối\s+thoại\s+(?:giữa\s+|với\s+)?(?:trẻ\s+em|thiếu\s+nhi)"
        r"|trẻ\s+em\s+đối\s+thoại"
    ),
    "Ngày Gia đình Việt Nam": r"ngày\s+gia\s+đình\s+việt\s+nam",
    "Hoạt động hè": (
        r"(?:hoạt\s+động|sinh\s+hoạt|dịp|nghỉ|mùa|kỳ\s+nghỉ)\s+hè\b"
        r"|\bhè\s+(?:an\s+toàn|năm\s+\d{4})"
    ),
    "Ngày toàn dân đưa trẻ đến trường": r"toàn\s+dân\s+đưa\s+trẻ\s+(?:em\s+)?(?:đến|tới)\s+trường",
    "Tết Trung thu": r"trung\s+thu\b",
    "Ngày Quốc tế Trẻ em gái": r"ngày\s+quốc\s+tế\s+trẻ\s+em\s+gái",
    "Ngày Thế giới vì trẻ em": (
        r"ngày\s+(?:thế\s+giới|quốc\s+tế)\s+vì\s+trẻ\s+em"
        r"|ngày\s+trẻ\s+em\s+thế\s+giới"
    ),
    "Tết Nguyên đán": r"tết\s+nguyên\s+đán",
}
# The canonical seasonal events, in the order of the year's work.
EVENTS: list[tuple[str, re.Pattern]] = [
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in EVENT_VARIANTS.items()
]


def _events(texts: list[str]) -> list[str]:
    joined = "\n".join(texts)
    return [name for name, regex in EVENTS if regex.search(joined)]


# --- step 10: coordinator ----------------------------------------------------------------

BODY_WORD = (
    r"(?:Sở|Phòng|Ủy\s+ban|Uỷ\s+ban|UBND|Ban|Trung\s+tâm|Văn\s+phòng|Chi\s+cục|Cục|Bộ"
    r"|Công\s+an|sở|phòng)"
)
VIA_RE = re.compile(r"\(\s*qua\s+(?=" + BODY_WORD + r"\s)")
SEND_TO_RE = re.compile(
    r"(?:gửi|nộp|báo\s+cáo|phản\s+ánh)\b[^.;]{0,200}?\b(?:về|cho|tới|đến)\s+(?="
    + BODY_WORD
    + r"\s)",
    re.IGNORECASE,
)
SEND_RE = re.compile(r"\b(?:gửi|nộp)\s+(?:về\s+)?(?=" + BODY_WORD + r"\s)", re.IGNORECASE)
ASSIGN_RE = re.compile(
    r"\bGiao\s+(?=" + BODY_WORD + r"\s)(?=[^.]{0,160}(?:theo\s+dõi|tổng\s+hợp|đôn\s+đốc))"
)
BODY_STOP_RE = re.compile(
    r"[.,;:()\[\]\n]|\s(?:tổng\s+hợp|để|trước|theo|định\s+kỳ|chậm\s+nhất|trong|khi|hoặc|qua|kèm"
    r"|bằng|vào|đúng|chịu|có\s+trách|chủ\s+trì|là\s+cơ\s+quan|tham\s+mưu|theo\s+dõi|đôn\s+đốc)\b"
    r"|\svà\s+(?=UBND|Ủy|Uỷ|Sở|Phòng|Bộ|Ban)",
)
COORDINATOR_TASK_RE = re.compile(r"đầu\s+mối|cơ\s+quan\s+thường\s+trực", re.IGNORECASE)
CONSOLIDATES_RE = re.compile(r"tổng\s+hợp[^.;]{0,80}báo\s+cáo", re.IGNORECASE)
MENTION_RE = re.compile(r"báo\s+cáo|phản\s+ánh|\bgửi\b", re.IGNORECASE)
AUTHORITY_LEVEL_RE = re.compile(
    r"^(?:ủy ban nhân dân|ubnd)\s+(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường)$"
)
MAX_BODY_WORDS = 14
MAX_BODY_CHARS = 300


def _read_body(text: str, start: int) -> str | None:
    rest = text[start : start + MAX_BODY_CHARS]
    stop = BODY_STOP_RE.search(rest)
    name = rest[: stop.start()] if stop else rest
    words = name.split()[:MAX_BODY_WORDS]
    name = _display_name(" ".join(words))
    return name if len(words) >= 2 else None


def _candidates(sentences: list[str]) -> list[str]:
    candidates: list[str] = []
    for regex in (VIA_RE, SEND_TO_RE, SEND_RE, ASSIGN_RE):
        for sentence in sentences:
            for match in regex.finditer(sentence):
                _tick()
                name = _read_body(sentence, match.end())
                if name and not AUTHORITY_LEVEL_RE.match(normalize_name(name)):
                    candidates.append(name)
    return candidates


def _coordinator(
    report_sentences: list[str], mentions: list[str], agencies: list[Agency]
) -> str | None:
    """Step 10: the first candidate of the report sentences that is one of the plan's
    agencies, else one of other sentences that send reports or problems somewhere
    ("phản ánh về Sở Nội vụ"), else the first candidate, else the agency marked lead,
    called "đầu mối" in its tasks, or whose duty is to consolidate reports."""
    first = _candidates(report_sentences)
    for name in first + _candidates(mentions):
        found = _match_agency(name, agencies)
        if found is not None:
            return found.name
    if first:
        return first[0]
    for agency in agencies:
        if agency.lead:
            return agency.name
    for agency in agencies:
        if any(COORDINATOR_TASK_RE.search(task) for task in agency.tasks):
            return agency.name
    for agency in agencies:
        if any(CONSOLIDATES_RE.search(task) for task in agency.tasks):
            return agency.name
    return None


# --- putting it together -----------------------------------------------------------------


def parse_plan(
    text: str, year: int | None = None, *, budget_s: float | None = PARSE_BUDGET_S
) -> ParsedPlan:
    """Parse a plan's text (see the module docstring for the steps). Every step takes
    time linear in the text's length; `budget_s` seconds of CPU at most (None: no
    limit), else `PlanTooComplex`."""
    budget = Budget(budget_s)
    token = _BUDGET.set(budget)
    try:
        return _parse(text, year, budget)
    finally:
        _BUDGET.reset(token)


def _parse(text: str, year: int | None, budget: Budget) -> ParsedPlan:
    clean = _clean_lines(text)
    budget.check()
    lines = clean.lines
    paragraphs = [part for paragraph in _join_lines(clean) for part in _split_inline(paragraph)]
    budget.check()
    sections = _sections([_classify(paragraph) for paragraph in paragraphs])
    budget.check()
    preamble = next(s for s in sections if s.kind == "preamble")
    header = _read_header(lines, " ".join(b.text for b in preamble.blocks))

    plan = ParsedPlan(
        number=header.number,
        issued=header.issued,
        authority=header.authority,
        has_plan_title=header.has_plan_title,
    )
    plan.year = year or header.title_year or header.date_year or _common_year(preamble)
    plan.single_year = year or header.title_year
    plan.period_end = plan.single_year or header.period_end

    for section in sections:
        if section.kind == "other" and _lists_bodies(section.blocks):
            section.kind = "org"
    org_sections = [s for s in sections if s.kind == "org"]
    plan.has_org_section = bool(org_sections)
    agencies: list[Agency] = []
    rest: list[Block] = []
    irregular = False
    for section in org_sections:
        found, other = _agencies_in(section.blocks)
        agencies.extend(found)
        rest.extend(other)
        irregular = irregular or _numbering_irregular(found)
    if not agencies and not org_sections:
        agencies = _fallback_agencies(sections)
        irregular = _numbering_irregular(agencies)
    plan.agencies = _merge_agencies(agencies)

    sources = [Source(b.text, True) for s in sections if s.kind == "report" for b in s.blocks]
    sources += [Source(b.text, b.kind == "plain") for b in rest]
    sources += [Source(task, False, agency) for agency in plan.agencies for task in agency.tasks]
    sources += [
        Source(b.text, False)
        for s in sections
        if s.kind in ("other", "targets", "closing", "funding")
        for b in s.blocks
    ]
    budget.check()
    context = Context(plan.single_year, plan.year, plan.issued, plan.agencies)
    plan.deadlines, report_sentences = _deadlines(sources, context, budget)
    budget.check()
    mentions = [
        sentence
        for source in sources
        for sentence in _sentences(source.text)
        if MENTION_RE.search(sentence)
    ]
    plan.coordinator = _coordinator(report_sentences, mentions, plan.agencies)

    plan.targets = _targets(sections)
    _assign_owners(plan.targets, plan.agencies)
    budget.check()
    plan.events = _events([b.text for s in sections if s.kind != "end" for b in s.blocks])
    plan.warnings = _warnings(plan, irregular)
    return plan


def _common_year(preamble: Section) -> int | None:
    years = Counter(int(y) for b in preamble.blocks for y in ANY_YEAR_RE.findall(b.text))
    return years.most_common(1)[0][0] if years else None


def _warnings(plan: ParsedPlan, irregular: bool) -> list[str]:
    checks = [
        ("no_number", plan.number is None),
        ("no_issue_date", plan.issued is None),
        ("no_year", plan.year is None),
        ("no_authority", plan.authority is None),
        ("no_coordinator", plan.coordinator is None),
        ("no_org_section", not plan.has_org_section),
        ("no_agencies", not plan.agencies),
        ("agency_without_tasks", any(not agency.tasks for agency in plan.agencies)),
        ("irregular_numbering", irregular),
        ("no_dated_deadline", not any(d.date for d in plan.deadlines)),
        ("deadline_without_year", any(d.month and not d.date for d in plan.deadlines)),
    ]
    return [code for code, failed in checks if failed]
