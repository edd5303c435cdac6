"""Tests for services.plan_parser and services.documents.

The expectations below were written by reading the three real plans in
tests/fixtures/plans/ (copies of shared/seeds/) by hand, never from the parser's output.
Variants are made here from the seed texts (rewrapped lines, Markdown residue, page
numbers and running headers, inline items, the report section moved, dates removed,
.docx and .pdf files) and must give the same results.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from services.documents import DocumentError, extract_text
from services.plan_parser import is_plan, normalize_name, parse_plan
from tests.plan_expectations import PLAN_JSON_KEYS

FIXTURES = Path(__file__).parent / "fixtures" / "plans"
SEEDS = {
    "000": "000_3871e53a5050826a.txt",
    "002": "002_d40e51dcf3231fc4.txt",
    "004": "004_4295d422e4411f9f.txt",
}
LDTBXH = "Sở Lao động - Thương binh và Xã hội"

# --- hand-written expectations -----------------------------------------------------------
# (name, requested, number of tasks) for every body under the organisation section.

AGENCIES = {
    "000": [  # IV. TỔ CHỨC THỰC HIỆN, items 1-13; item 6 has two b); items 7, 8 one paragraph
        (LDTBXH, False, 8),
        ("Sở Giáo dục và Đào tạo", False, 4),
        ("Sở Y tế", False, 5),
        ("Sở Tư pháp", False, 3),
        ("Sở Văn hóa, Thể thao và Du lịch", False, 3),
        ("Sở Thông tin và Truyền thông", False, 3),
        ("Sở Kế hoạch và Đầu tư", False, 1),
        ("Sở Tài chính", False, 1),
        ("Công an tỉnh", False, 3),
        ("Tòa án nhân dân tỉnh, Viện Kiểm sát nhân dân tỉnh", True, 2),
        ("Báo Ninh Thuận, Đài Phát thanh và Truyền hình tỉnh", False, 2),
        (
            (
                "Ủy ban Nhân dân Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức đoàn thể chính trị"
                " - xã hội có liên quan"
            ),
            True,
            4,
        ),
        ("Ủy ban nhân dân các huyện, thành phố", False, 10),
    ],
    "002": [  # numbering skips 5 and repeats 12; item 4 ends with a paragraph without dash
        ("Phòng Lao động - Thương binh và Xã hội", False, 7),
        ("Phòng Giáo dục và Đào tạo", False, 6),
        ("Phòng Y tế, Trung tâm Y tế", False, 5),
        ("Phòng Văn hóa và Thông tin; Trung tâm Văn hóa - Thông tin và Thể thao", False, 6),
        ("Phòng Tài chính - Kế hoạch", False, 1),
        ("Phòng Tư pháp", False, 1),
        ("Phòng Nội vụ", False, 2),
        ("Công an huyện", False, 3),
        ("Ủy ban Mặt trận Tổ quốc Việt Nam huyện", True, 1),
        ("Huyện Đoàn Thanh niên Cộng sản Hồ Chí Minh", True, 3),
        ("Hội Liên hiệp Phụ nữ huyện, Hội Nông dân huyện, Hội chữ thập đỏ huyện", True, 4),
        ("Liên đoàn Lao động huyện", True, 1),
        ("Ủy ban nhân dân các xã, thị trấn", False, 7),
    ],
    "004": [  # V. TỔ CHỨC THỰC HIỆN; item 7 inline after a colon; "+" bullets under one "-"
        ("Sở Y tế", False, 14),
        ("Sở Tài chính", False, 2),
        ("Sở Tư pháp", False, 4),
        ("Sở Giáo dục và Đào tạo", False, 9),
        ("Sở Văn hóa, Thể thao và Du lịch", False, 7),
        ("Công an tỉnh", False, 6),
        ("Sở Khoa học và Công nghệ", False, 1),
        ("Sở Xây dựng", False, 2),
        ("Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh", True, 2),
        (
            (
                "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Tỉnh Đoàn, Hội Liên hiệp Phụ nữ Việt Nam"
                " tỉnh và các tổ chức thành viên"
            ),
            True,
            3,
        ),
        ("UBND các huyện, thị xã, thành phố", False, 3),
    ],
}

DEADLINES = {  # (date, month, day, period)
    "000": [("2023-05-15", 5, 15, "half-year"), ("2023-11-15", 11, 15, "annual")],
    "002": [("2023-05-20", 5, 20, "half-year"), ("2023-11-15", 11, 15, "annual")],
    "004": [("2025-11-10", 11, 10, "annual"), ("2025-11-20", 11, 20, "annual")],
}

HEADER = {  # number, issued, year, authority, coordinator
    "000": (None, None, 2023, "Ủy ban nhân dân tỉnh Ninh Thuận", LDTBXH),
    "002": (
        None,
        None,
        2023,
        "Ủy ban nhân dân huyện An Lão",
        "Phòng Lao động - Thương binh và Xã hội",
    ),
    "004": (None, None, 2025, "UBND tỉnh Bình Phước", "Sở Y tế"),
}

WARNINGS = {
    "000": {"no_number", "no_issue_date"},
    "002": {"no_number", "no_issue_date", "irregular_numbering"},
    "004": {"no_number", "no_issue_date"},
}

EVENTS = {
    "000": {
        "Tháng hành động vì trẻ em",
        "Ngày Quốc tế thiếu nhi",
        "Diễn đàn trẻ em",
        "Đối thoại với trẻ em",
        "Hoạt động hè",
        "Ngày toàn dân đưa trẻ đến trường",
        "Tết Trung thu",
    },
    "002": {
        "Tháng hành động vì trẻ em",
        "Ngày Quốc tế thiếu nhi",
        "Diễn đàn trẻ em",
        "Hoạt động hè",
        "Tết Trung thu",
    },
    "004": {
        "Tháng hành động vì trẻ em",
        "Ngày Quốc tế thiếu nhi",
        "Diễn đàn trẻ em",
        "Hoạt động hè",
        "Tết Trung thu",
    },
}

_YT, _GD, _TP = "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Tư pháp"
TARGET_OWNERS_004 = {  # "chỉ tiêu 01, 02, ..." in the tasks of section V
    1: [_YT],
    2: [_YT],
    3: [_YT],
    4: [_YT],
    5: [_YT],
    6: [_YT],
    7: [_GD],
    8: [_YT],
    9: [_YT, "Công an tỉnh"],
    10: [_YT],
    11: [_YT],
    12: [_YT],
    13: [_TP],
    14: [_TP],
    15: [_GD],
    16: [_GD],
    17: [_GD],
    18: [_GD],
    19: [_GD],
    20: [_GD],
    21: ["Sở Văn hóa, Thể thao và Du lịch"],
    22: [_YT],
    23: [_YT],
    24: [_YT],
}
TARGET_TEXTS_004 = {
    1: "76,9% tỷ lệ xã, phường, thị trấn đạt tiêu chuẩn phù hợp với trẻ em.",
    6: "2% tỷ lệ lây truyền HIV từ mẹ sang con.",
    24: "Tỷ lệ trẻ em từ 11 tuổi trở lên được tham gia vào các mô hình, hoạt động thúc đẩy"
    " quyền tham gia của trẻ em đạt 30%.",
}


def seed_text(key: str) -> str:
    return (FIXTURES / SEEDS[key]).read_text(encoding="utf-8")


def agency_table(parsed) -> list[tuple[str, bool, int]]:
    return [(a.name, a.requested, len(a.tasks)) for a in parsed.agencies]


def deadline_table(parsed) -> list[tuple]:
    return [
        (d.date.isoformat() if d.date else None, d.month, d.day, d.period) for d in parsed.deadlines
    ]


def assert_seed(parsed, key: str, *, deadlines: bool = True, header: bool = True) -> None:
    assert agency_table(parsed) == AGENCIES[key]
    if deadlines:
        assert deadline_table(parsed) == DEADLINES[key]
    if header:
        number, issued, year, authority, _ = HEADER[key]
        assert (parsed.number, parsed.issued, parsed.year, parsed.authority) == (
            number,
            issued,
            year,
            authority,
        )
    assert parsed.coordinator == HEADER[key][4]
    assert set(parsed.events) == EVENTS[key]
    if key == "004":
        assert {t.number: t.owners for t in parsed.targets} == TARGET_OWNERS_004
    else:
        assert parsed.targets == []
    assert is_plan(parsed)
    for agency in parsed.agencies:
        for task in agency.tasks:
            assert task and "http" not in task and "**" not in task and "##" not in task


# --- the seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", SEEDS)
def test_seed(key):
    parsed = parse_plan(seed_text(key))
    assert_seed(parsed, key)
    assert set(parsed.warnings) == WARNINGS[key]


def test_seed_004_targets():
    parsed = parse_plan(seed_text("004"))
    assert [t.number for t in parsed.targets] == list(range(1, 25))
    texts = {t.number: t.text for t in parsed.targets}
    for number, text in TARGET_TEXTS_004.items():
        assert texts[number] == text
    assert texts[3].startswith("Phấn đấu giảm tỷ suất tử vong trẻ sơ sinh")


def test_seed_000_task_texts():
    parsed = parse_plan(seed_text("000"))
    by_name = {a.name: a for a in parsed.agencies}
    planning = by_name["Sở Kế hoạch và Đầu tư"].tasks
    assert planning == [
        (
            "Chủ trì, phối hợp với Sở Lao động – Thương binh và Xã hội đưa các mục tiêu, nội dung"
            " của công tác bảo vệ, chăm sóc và giáo dục trẻ em vào kế hoạch phát triển kinh tế -"
            " xã hội của tỉnh. Cân đối nguồn lực thực hiện chương trình bảo vệ, chăm sóc và giáo"
            " dục trẻ em."
        )
    ]
    assert by_name[LDTBXH].tasks[-1] == (
        "Tham mưu, tổng hợp, báo cáo kết quả bảo vệ, chăm sóc trẻ em theo quy định."
    )
    front = by_name[AGENCIES["000"][11][0]].tasks
    assert front[3].startswith("Hội Liên hiệp Phụ nữ tỉnh: Chỉ đạo Hội phụ nữ các cấp")


def test_seed_002_dashless_paragraph_and_page_numbers():
    parsed = parse_plan(seed_text("002"))
    culture = parsed.agencies[3].tasks
    assert culture[-1].startswith("Phối hợp với các ngành liên quan tăng cường tuyên truyền")
    police = parsed.agencies[7].tasks
    # a page number ("10") sat inside this duty in the source
    assert police[-1] == (
        "Phối hợp với ngành Lao động - Thương binh và Xã hội trong công tác"
        " tiếp nhận thông tin, xử lý, can thiệp, hỗ trợ các trường hợp trẻ em"
        " bị xâm hại."
    )


def test_seed_004_sub_bullets_stay_in_their_task():
    parsed = parse_plan(seed_text("004"))
    education = parsed.agencies[3].tasks
    assert education[6].startswith("Căn cứ vào hướng dẫn của cấp có thẩm quyền: + Chủ trì")
    assert education[6].count("+ Chủ trì") == 2


def test_deadline_texts_and_json_shape():
    parsed = parse_plan(seed_text("000"))
    data = parsed.to_json()
    json.dumps(data, ensure_ascii=False)
    assert set(data) == PLAN_JSON_KEYS
    assert set(data["agencies"][0]) == {"name", "requested", "tasks"}
    assert data["deadlines"][0] == {
        "date": "2023-05-15",
        "month": 5,
        "day": 15,
        "period": "half-year",
        "relative": None,
        "text": data["deadlines"][0]["text"],
        # every body of the plan but the one the results are sent to
        "owners": [name for name, _, _ in AGENCIES["000"] if name != LDTBXH],
        "recurrence": "yearly",
    }
    assert "báo cáo định kỳ 6 tháng (trước ngày 15/5)" in data["deadlines"][0]["text"]
    targets = parse_plan(seed_text("004")).to_json()["targets"]
    assert set(targets[0]) == {"number", "text", "owners"}


def test_year_argument_sets_deadlines_without_year():
    parsed = parse_plan(seed_text("000"), year=2024)
    assert parsed.year == 2024
    assert deadline_table(parsed) == [
        ("2024-05-15", 5, 15, "half-year"),
        ("2024-11-15", 11, 15, "annual"),
    ]
    # explicit years in the text are kept
    assert deadline_table(parse_plan(seed_text("002"), year=2030)) == DEADLINES["002"]


# --- variants of the seeds ---------------------------------------------------------------

MARK_RE = re.compile(r"^(?:[IVX]+\.\s|\d{1,2}\.\s|[a-zđ]\)\s|[-+]\s)")
ROMAN_LINE_RE = re.compile(r"^\s*([IVX]+)\.\s+(.*)$")
SHORT_END = 62


def source_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def paragraphs(text: str) -> list[str]:
    """The seed's paragraphs, by a rule written for these seeds (independent of the parser):
    a marker starts one; so does any line after a short line ending in . : ; and an
    upper-case line after a short numbered heading without end punctuation. The seeds'
    own page numbers (bare digits) are left out."""
    out: list[str] = []
    previous = ""
    for line in source_lines(text):
        if line.isdigit():
            continue
        heading = MARK_RE.match(previous) and len(previous) < 60 and previous[-1].isalnum()
        new = (
            not out
            or MARK_RE.match(line)
            or (previous[-1] in ".:;" and len(previous) < SHORT_END)
            or (heading and line[0].isupper())
        )
        if new:
            out.append(line)
        elif re.search(r"\w-$", out[-1]):
            out[-1] += line
        else:
            out[-1] += " " + line
        previous = line
    return out


def wrap(paragraph: str, width: int) -> list[str]:
    """Greedy word wrap that never starts a line with a lone marker-like token."""
    lines: list[str] = []
    for word in paragraph.split():
        marker_like = re.fullmatch(r"[-–+]|\d{1,2}[.)]|[a-zđ]\)", word)
        if lines and (len(lines[-1]) + 1 + len(word) <= width or marker_like):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def reflow(text: str, width: int) -> str:
    return "\n".join(line for p in paragraphs(text) for line in wrap(p, width))


def unwrap(text: str) -> str:
    return "\n".join(paragraphs(text))


def org_span(lines: list[str]) -> tuple[int, int]:
    start = next(i for i, line in enumerate(lines) if "TỔ CHỨC THỰC HIỆN" in line)
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if ROMAN_LINE_RE.match(lines[i]) or lines[i].startswith("Nơi nhận")
        ),
        len(lines),
    )
    return start, end


def markdown(text: str) -> str:
    out = []
    for index, line in enumerate(source_lines(text)):
        if ROMAN_LINE_RE.match(line):
            line = "### " + line
        elif re.match(r"^\d{1,2}\.\s", line):
            line = "**" + line.replace(". ", "\\. ", 1) + "**" if index % 2 else "**" + line + "**"
        elif re.match(r"^[a-zđ]\)\s", line):
            line = "**" + line[:2] + "**" + line[2:]
        elif line.startswith("- "):
            line = "* " + line[2:]
        else:
            line = line.replace("trẻ em", "**trẻ em**", 1)
        out.append(line)
    return "\n\n".join(out)


def page_breaks(text: str, every: int = 23) -> str:
    out = []
    for index, line in enumerate(source_lines(text), start=1):
        out.append(line)
        if index % every == 0:
            out += ["", f"- {index // every + 1} -", "", "UBND tỉnh - Kế hoạch công tác trẻ em", ""]
    return "\n".join(out)


def urls(text: str) -> str:
    out = []
    for index, line in enumerate(source_lines(text)):
        words = line.split()
        if index % 5 == 0 and len(words) > 6 and not MARK_RE.match(" ".join(words[3:])):
            words.insert(3, "https://thuvienphapluat.vn/van-ban/Quyen-dan-su/Luat-tre-em-2016.aspx")
        out.append(" ".join(words))
    return "\n\n".join(out)


def broken_names(text: str) -> str:
    """Break every long numbered heading of the organisation section before a lower-case word."""
    lines = source_lines(text)
    start, end = org_span(lines)
    out = lines[: start + 1]
    for line in lines[start + 1 : end]:
        words = line.split()
        cut = next((i for i in range(len(words) // 2, len(words)) if words[i][0].islower()), None)
        if re.match(r"^\d{1,2}\.\s", line) and len(words) >= 5 and cut:
            out += [" ".join(words[:cut]), " ".join(words[cut:])]
        else:
            out.append(line)
    return "\n\n".join(out + lines[end:])


def inline_items(text: str) -> str:
    """Agency bodies written inline: "7. Sở X: Chủ trì ..." and "...: a) ... b) ..." on one line."""
    paras = paragraphs(text)
    start, end = org_span(paras)
    org: list[str] = []
    for para in paras[start + 1 : end]:
        previous = org[-1] if org else ""
        heading = re.match(r"^\d{1,2}\.\s", previous) and "\n" not in previous
        if org and heading and not MARK_RE.match(para) and not previous.endswith(":"):
            org[-1] = previous + ": " + para
        elif (
            org
            and MARK_RE.match(para)
            and not re.match(r"^\d", para)
            and previous[-1] in ".;:"
            and para[2:].lstrip()[:1].isupper()
        ):
            org[-1] = previous + " " + para
        else:
            org.append(para)
    return "\n".join(paras[: start + 1] + org + paras[end:])


def move_report(text: str) -> str:
    """Put the report section before the organisation section, with the same numeral."""
    lines = source_lines(text)
    org = next(i for i, line in enumerate(lines) if "TỔ CHỨC THỰC HIỆN" in line)
    rep = next(i for i, line in enumerate(lines) if "CHẾ ĐỘ BÁO CÁO" in line)
    end = next(
        i
        for i in range(rep + 1, len(lines))
        if lines[i].startswith(("Trên đây", "Nơi nhận")) or ROMAN_LINE_RE.match(lines[i])
    )
    numeral = ROMAN_LINE_RE.match(lines[org]).group(1)
    report = [f"{numeral}. CHẾ ĐỘ BÁO CÁO"] + lines[rep + 1 : end]
    rest = lines[:rep] + lines[end:]
    return "\n\n".join(rest[:org] + report + rest[org:])


def no_dates(text: str) -> str:
    return re.sub(r"\(?trước\s+ngày\s+\d{1,2}/\d{1,2}(?:/\d{4})?\)?", "", text)


VARIANTS = {
    "reflow_58": lambda t: reflow(t, 58),
    "reflow_105": lambda t: reflow(t, 105),
    "unwrapped": unwrap,
    "markdown": markdown,
    "page_breaks": page_breaks,
    "urls": urls,
    "broken_names": broken_names,
    "inline_items": inline_items,
    "crlf_tabs": lambda t: t.replace("\n", "\r\n").replace("  ", "\t"),
    "nfd": lambda t: unicodedata.normalize("NFD", t),
    "messy": lambda t: page_breaks(markdown(reflow(urls(t), 70)), every=31),
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("key", SEEDS)
def test_variant(key, variant):
    parsed = parse_plan(VARIANTS[variant](seed_text(key)))
    assert_seed(parsed, key)
    assert_same_as_text(parsed, key)


def test_inline_variant_really_is_inline():
    text = inline_items(seed_text("000"))
    assert "7. Sở Kế hoạch và Đầu tư: Chủ trì" in text
    assert "1. Sở Lao động - Thương binh và Xã hội: a) Chủ trì" in text
    assert re.search(r"trên địa bàn\. .*b\) Chủ trì", text)


@pytest.mark.parametrize("key", ["000", "004"])
def test_report_section_before_organisation(key):
    text = move_report(seed_text(key))
    assert text.index("CHẾ ĐỘ BÁO CÁO") < text.index("TỔ CHỨC THỰC HIỆN")
    parsed = parse_plan(text)
    assert_seed(parsed, key)
    assert_same_as_text(parsed, key)


@pytest.mark.parametrize("key", SEEDS)
def test_no_dates_gives_no_deadline_and_a_warning(key):
    text = no_dates(seed_text(key))
    assert "trước ngày" not in text
    parsed = parse_plan(text)
    assert parsed.deadlines == []
    assert "no_dated_deadline" in parsed.warnings
    assert_seed(parsed, key, deadlines=False)


# --- a plan written for these tests: header, commune level, other layouts ----------------


def test_synthetic_commune_plan():
    parsed = parse_plan((FIXTURES / "synthetic_commune_plan.txt").read_text(encoding="utf-8"))
    assert parsed.number == "112/KH-UBND"
    assert parsed.issued.isoformat() == "2025-08-05"
    assert parsed.year == 2025
    assert parsed.authority == "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA"
    assert parsed.coordinator == "Sở Y Tế"  # as the agency list writes it
    assert agency_table(parsed) == [
        ("Sở Y Tế", False, 2),  # "(cơ quan thường trực)" is not part of the name
        ("Sở Giáo dục và Đào tạo", False, 1),
        ("Sở Văn hoá, Thể thao và Du lịch", False, 1),
        ("Công an tỉnh", False, 1),  # "2. Công an tỉnh chủ trì, ..." runs on into its duty
        ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội", True, 1),
        ("UBND các xã, phường, đặc khu", False, 3),
    ]
    assert parsed.agencies[3].tasks == [
        "Chủ trì, phối hợp với các đơn vị liên quan phòng ngừa, xử lý các hành vi xâm hại trẻ em."
    ]
    assert [
        (d.date.isoformat() if d.date else None, d.period, d.relative) for d in parsed.deadlines
    ] == [
        ("2025-05-20", "half-year", None),  # "Định kỳ ngày 20/5 và 20/11 trong năm"
        ("2025-11-20", "annual", None),
        ("2025-12-10", "annual", None),  # in a commune duty: "Báo cáo ... trước ngày 10/12/2025"
        (None, "other", "trong vòng 15 ngày sau khi kết thúc Diễn đàn"),
        (None, "other", "trong vòng 10 ngày kể từ ngày nhận được Kế hoạch này"),
    ]
    assert set(parsed.events) == {
        "Hoạt động hè",
        "Tết Trung thu",
        "Ngày Gia đình Việt Nam",
        "Diễn đàn trẻ em",
        "Ngày toàn dân đưa trẻ đến trường",
        "Ngày Thế giới vì trẻ em",
    }
    assert parsed.warnings == []
    assert is_plan(parsed)


def test_a_province_of_120_numbered_bodies():
    """Items 100 and beyond are bodies too: a province lists its communes after its
    departments, and 20 departments plus 100 communes reach three-digit numbers."""
    seed = (FIXTURES / SEEDS["000"]).read_text(encoding="utf-8")
    head, _, _ = seed.partition("IV. TỔ CHỨC THỰC HIỆN")
    items = [
        f"{n}. UBND xã Thử Nghiệm {n:03d}\n- Xây dựng kế hoạch thực hiện trên địa bàn xã.\n"
        for n in range(1, 121)
    ]
    parsed = parse_plan(head + "IV. TỔ CHỨC THỰC HIỆN\n" + "".join(items))
    names = [a.name for a in parsed.agencies]
    assert names == [f"UBND xã Thử Nghiệm {n:03d}" for n in range(1, 121)]
    assert all(len(a.tasks) == 1 for a in parsed.agencies)


def test_synthetic_unwrapped_plan():
    """One paragraph per line (as from .docx), a draft header with blanks, a report
    paragraph closing the organisation section."""
    parsed = parse_plan((FIXTURES / "synthetic_unwrapped_plan.txt").read_text(encoding="utf-8"))
    assert (parsed.number, parsed.issued, parsed.year) == (None, None, 2025)  # "Số:   /KH-UBND"
    assert parsed.authority == "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP"
    assert parsed.coordinator == "Sở Y tế"
    assert agency_table(parsed) == [
        ("Sở Y tế", False, 2),
        ("Sở Giáo dục và Đào tạo", False, 1),
        ("Sở Tài chính", False, 1),
        ("UBND các xã, phường", False, 2),
    ]
    assert parsed.agencies[-1].tasks[-1] == "Bố trí người làm công tác trẻ em."
    assert deadline_table(parsed) == [
        ("2025-11-15", 11, 15, "annual"),
        ("2025-11-25", 11, 25, "annual"),
    ]
    assert set(parsed.events) == {
        "Tháng hành động vì trẻ em",
        "Diễn đàn trẻ em",
        "Hoạt động hè",
        "Tết Trung thu",
    }
    assert set(parsed.warnings) == {"no_number", "no_issue_date"}


SUB_NUMBERED_PLAN = """\
UBND TỈNH QUẢNG TRỊ
SỞ Y TẾ
Số: 45/KH-SYT
Quảng Trị, ngày 3 tháng 4 năm 2024
KẾ HOẠCH
Thực hiện công tác trẻ em năm 2024
Căn cứ Luật Trẻ em năm 2016;
I. Mục đích, yêu cầu
Bảo đảm quyền trẻ em.
II. Tổ chức thực hiện
1. Trách nhiệm của các sở, ngành
1.1. Sở Y tế: chủ trì, hướng dẫn thực hiện Kế hoạch.
1.2. Sở Tư pháp
- Phổ biến, giáo dục pháp luật về trẻ em.
- Trợ giúp pháp lý cho trẻ em.
2. Trách nhiệm của UBND cấp xã
Xây dựng kế hoạch tại địa phương và báo cáo kết quả.
3. Chế độ báo cáo
Các cơ quan, đơn vị báo cáo kết quả về Sở Y tế chậm nhất ngày 15 tháng 11 năm 2024; báo \
cáo sơ kết 6 tháng trước ngày 10/6 hằng năm. Báo cáo quý gửi trước ngày 20 của tháng cuối quý.
"""


def test_sub_numbered_agencies_and_a_department_as_issuer():
    parsed = parse_plan(SUB_NUMBERED_PLAN)
    assert (parsed.number, parsed.issued.isoformat(), parsed.authority, parsed.coordinator) == (
        "45/KH-SYT",
        "2024-04-03",
        "SỞ Y TẾ",
        "Sở Y tế",
    )
    assert agency_table(parsed) == [
        ("Sở Y tế", False, 1),
        ("Sở Tư pháp", False, 2),
        ("UBND cấp xã", False, 1),
    ]
    assert [
        (d.date.isoformat() if d.date else None, d.day, d.period, d.relative)
        for d in parsed.deadlines
    ] == [
        ("2024-06-10", 10, "half-year", None),
        ("2024-11-15", 15, "annual", None),
        (None, 20, "other", "trước ngày 20 của tháng cuối quý"),
    ]


BULLETED_PLAN = """\
KẾ HOẠCH
Triển khai Tháng hành động vì trẻ em năm 2024
Ủy ban nhân dân huyện Tuy Phong ban hành Kế hoạch như sau:
I. MỤC ĐÍCH
Tổ chức tốt Tháng hành động vì trẻ em.
II. TỔ CHỨC THỰC HIỆN
- Phòng Lao động - Thương binh và Xã hội: chủ trì tổ chức Lễ phát động Tháng hành động.
- Phòng Văn hóa và Thông tin: tuyên truyền trên hệ thống truyền thanh.
- Đề nghị Huyện Đoàn: tổ chức các hoạt động vui chơi nhân ngày Quốc tế thiếu nhi.
III. CHẾ ĐỘ BÁO CÁO
Các đơn vị báo cáo kết quả định kỳ 6 tháng (trước ngày 20/6) và hằng năm (trước ngày 15/12) \
về Phòng Lao động - Thương binh và Xã hội; báo cáo kết quả Tháng hành động trước ngày 10/7/2024.
"""


def test_bulleted_agencies():
    parsed = parse_plan(BULLETED_PLAN)
    assert parsed.authority == "Ủy ban nhân dân huyện Tuy Phong"
    assert parsed.coordinator == "Phòng Lao động - Thương binh và Xã hội"
    assert agency_table(parsed) == [
        ("Phòng Lao động - Thương binh và Xã hội", False, 1),
        ("Phòng Văn hóa và Thông tin", False, 1),
        ("Huyện Đoàn", True, 1),
    ]
    assert deadline_table(parsed) == [
        ("2024-06-20", 6, 20, "half-year"),
        ("2024-07-10", 7, 10, "other"),
        ("2024-12-15", 12, 15, "annual"),
    ]


def test_duties_numbered_unlike_the_agencies():
    text = (
        "KẾ HOẠCH\nCông tác trẻ em năm 2024\nIV. TỔ CHỨC THỰC HIỆN\n1. Sở Y tế\n"
        "1) Chủ trì triển khai Kế hoạch.\n2) Tổng hợp kết quả.\n2. Sở Tư pháp\n"
        "1) Phổ biến pháp luật.\n"
    )
    assert agency_table(parse_plan(text)) == [("Sở Y tế", False, 2), ("Sở Tư pháp", False, 1)]


HEADERS = {  # a typical two-column header, as a table (docx) or as lines
    "000": (
        "ỦY BAN NHÂN DÂN\nTỈNH NINH THUẬN",
        "Số: 27/KH-UBND",
        "Ninh Thuận, ngày 12 tháng 3 năm 2023",
        "2023-03-12",
        "27/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
    ),
    "002": (
        "UBND THÀNH PHỐ HẢI PHÒNG\nỦY BAN NHÂN DÂN HUYỆN AN LÃO",
        "Số: 58 /KH-UBND",
        "An Lão, ngày 20/3/2023",
        "2023-03-20",
        "58/KH-UBND",
        "ỦY BAN NHÂN DÂN HUYỆN AN LÃO",
    ),
    "004": (
        "ỦY BAN NHÂN DÂN\nTỈNH BÌNH PHƯỚC",
        "Số: 1712/KH-UBND",
        "Bình Phước, ngày 21 tháng 5 năm 2025",
        "2025-05-21",
        "1712/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC",
    ),
}
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"


def assert_same_as_text(parsed, key: str) -> None:
    """The same agencies with the same task texts, deadlines, targets and events."""
    expected = parse_plan(seed_text(key)).to_json()
    got = parsed.to_json()
    for field in ("agencies", "deadlines", "targets", "events", "coordinator", "year"):
        assert got[field] == expected[field], field


def assert_header(parsed, key: str) -> None:
    _, _, _, issued, number, authority = HEADERS[key]
    assert (parsed.number, parsed.issued.isoformat(), parsed.authority) == (
        number,
        issued,
        authority,
    )
    assert "no_number" not in parsed.warnings and "no_issue_date" not in parsed.warnings


@pytest.mark.parametrize("key", SEEDS)
def test_header_as_merged_pdf_columns(key):
    left, number, date, *_ = HEADERS[key]
    left_lines = left.split("\n")
    motto = MOTTO.split("\n")
    header = [
        f"{left_lines[0]}    {motto[0]}",
        f"{left_lines[-1]}    {motto[1]}",
        f"{number}    {date}",
        "",
    ]
    parsed = parse_plan("\n".join(header) + "\n" + seed_text(key))
    assert_seed(parsed, key, header=False)
    assert_header(parsed, key)


# --- .docx and .pdf built from the seeds -------------------------------------------------


def build_docx(paragraph_texts: list[str], header_key: str | None = None) -> bytes:
    document = docx.Document()
    if header_key:
        left, number, date, *_ = HEADERS[header_key]
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = left + "\n" + number
        table.cell(0, 1).text = MOTTO + "\n" + date
    for text in paragraph_texts:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("key", SEEDS)
def test_docx_with_header_table(key):
    data = build_docx(source_lines(seed_text(key)), header_key=key)
    parsed = parse_plan(extract_text(data, "ke-hoach.docx"))
    assert_seed(parsed, key, header=False)
    assert_header(parsed, key)
    assert_same_as_text(parsed, key)


@pytest.mark.parametrize("key", SEEDS)
def test_docx_one_paragraph_per_paragraph(key):
    data = build_docx(paragraphs(seed_text(key)))
    parsed = parse_plan(extract_text(data, "ke-hoach.docx"))
    assert_seed(parsed, key)
    assert_same_as_text(parsed, key)


def test_docx_automatic_numbering_is_rendered():
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Công tác trẻ em năm 2025")
    document.add_paragraph("IV. TỔ CHỨC THỰC HIỆN")
    document.add_paragraph("Sở Y tế", style="List Number")
    document.add_paragraph("Chủ trì, theo dõi việc thực hiện Kế hoạch.", style="List Bullet")
    document.add_paragraph("Tổng hợp báo cáo trước ngày 15/11/2025.", style="List Bullet")
    document.add_paragraph("Đề nghị Tỉnh Đoàn", style="List Number")
    document.add_paragraph("Tổ chức hoạt động hè cho thiếu nhi.", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    text = extract_text(buffer.getvalue(), "plan.docx")
    assert "1. Sở Y tế" in text and "2. Đề nghị Tỉnh Đoàn" in text and "- Chủ trì" in text
    parsed = parse_plan(text)
    assert agency_table(parsed) == [("Sở Y tế", False, 2), ("Tỉnh Đoàn", True, 1)]
    assert deadline_table(parsed) == [("2025-11-15", 11, 15, "annual")]


FONT_CANDIDATES = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]


def unicode_font() -> Path:
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for path in [*FONT_CANDIDATES, bundled]:
        if path.exists():
            return path
    pytest.skip("no Unicode TTF font")


def build_pdf(
    paragraph_texts: list[str], running_header: str = "", align: str = "L", size: int = 12
) -> bytes:
    class Plan(FPDF):
        def header(self):
            if running_header:
                self.set_font("dejavu", size=8)
                self.cell(0, 5, running_header, new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-12)
            self.set_font("dejavu", size=8)
            self.cell(0, 5, str(self.page_no()), align="C")

    pdf = Plan()
    pdf.add_font("dejavu", fname=str(unicode_font()))
    pdf.set_margins(22, 15, 18)
    pdf.add_page()
    pdf.set_font("dejavu", size=size)
    for text in paragraph_texts:
        pdf.multi_cell(0, size / 2, text, align=align, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.mark.parametrize("key", SEEDS)
def test_pdf_with_text_layer(key):
    data = build_pdf(paragraphs(seed_text(key)), running_header="Kế hoạch công tác trẻ em")
    text = extract_text(data, "ke-hoach.pdf")
    assert "Kế hoạch công tác trẻ em" in text  # the running header is in the text layer
    parsed = parse_plan(text)
    assert_seed(parsed, key)
    assert_same_as_text(parsed, key)


# Justified at another width. Not 002: there a paragraph that lost its dash follows a line
# that ends a duty; when that line happens to be full, nothing in the text layer tells
# the two apart (the parser then keeps the paragraph in the duty before it).
@pytest.mark.parametrize("key", ["000", "004"])
def test_pdf_justified(key):
    data = build_pdf(paragraphs(seed_text(key)), align="J", size=13)
    assert_seed(parse_plan(extract_text(data, "ke-hoach.pdf")), key)


def test_scanned_pdf():
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
    with pytest.raises(DocumentError) as error:
        extract_text(bytes(pdf.output()), "scan.pdf")
    assert error.value.code == "scanned_pdf"


# --- text encodings ----------------------------------------------------------------------


def to_cp1258(text: str) -> bytes:
    """Windows-1258: precomposed base vowels (â, ê, ơ...) plus combining tone marks."""
    out = bytearray()
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        candidates = (
            [char]
            + [
                unicodedata.normalize("NFC", decomposed[0] + mark)
                + "".join(m for m in decomposed[1:] if m != mark)
                for mark in decomposed[1:]
            ]
            + [decomposed]
        )
        for candidate in candidates:
            try:
                out += candidate.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            raise AssertionError(f"cannot encode {char!r}")
    return bytes(out)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1258"])
def test_text_encodings(encoding):
    text = seed_text("000")
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    extracted = extract_text(data, "ke-hoach.txt")
    assert extracted.lstrip("\ufeff") == text
    assert_seed(parse_plan(extracted), "000")


# --- bad input ---------------------------------------------------------------------------


def error_code(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(DocumentError) as error:
        extract_text(data, filename, **kwargs)
    return error.value.code


def test_empty_files():
    assert error_code(b"", "plan.txt") == "empty"
    assert error_code(b"  \r\n\n\t ", "plan.txt") == "empty"
    assert error_code(build_docx([]), "plan.docx") == "empty"


def test_binary_files():
    assert error_code(bytes(range(256)) * 64, "plan.txt") == "binary"
    assert error_code(bytes([0x81, 0x8A, 0x9D, 0x9E]) * 1000, "plan") == "binary"
    assert error_code(b"\x01\x02\x03\x04\x05abc\x06\x07\x08" * 500, "plan.txt") == "binary"


def test_unsupported_types():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000  # legacy .doc / .xls
    assert error_code(ole2, "ke-hoach.doc") == "unsupported_type"
    assert error_code(ole2, "ke-hoach.txt") == "unsupported_type"
    assert error_code(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.png") == "unsupported_type"
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert error_code(archive.getvalue(), "bang.xlsx") == "unsupported_type"


def test_corrupt_documents():
    assert error_code(b"PK\x03\x04" + b"not really a zip" * 50, "plan.docx") == "corrupt"
    assert error_code(b"%PDF-1.7\n" + b"garbage \x00\xff" * 200, "plan.pdf") == "corrupt"
    assert error_code(b"this is not a pdf at all" * 10, "plan.pdf") == "corrupt"


def test_too_large_is_checked_before_parsing(tmp_path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:  # a sparse 50 MB file, made in no time
        handle.truncate(50 * 1024 * 1024)
    data = path.read_bytes()
    assert len(data) == 50 * 1024 * 1024
    assert error_code(data, "huge.pdf") == "too_large"
    assert error_code(b"x" * 101, "small.txt", max_bytes=100) == "too_large"


def test_document_error_carries_code():
    error = DocumentError("binary", "NUL bytes")
    assert error.code == "binary" and "binary" in str(error)


def test_news_article_is_not_a_plan():
    text = extract_text((FIXTURES / "news_article.txt").read_bytes(), "tin-tuc.txt")
    parsed = parse_plan(text)
    assert not is_plan(parsed)
    assert parsed.agencies == []
    assert {"no_org_section", "no_agencies", "no_dated_deadline"} <= set(parsed.warnings)


def test_prose_without_structure_is_not_a_plan():
    parsed = parse_plan("Hôm nay trời đẹp. Các em thiếu nhi vui chơi trong công viên.\n" * 20)
    assert not is_plan(parsed)
    assert parse_plan("").agencies == [] and not is_plan(parse_plan(""))


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "left, right",
    [
        ("Sở Y Tế", "Sở Y tế"),
        ("  Sở Y tế: ", "sở   y tế"),
        ("Sở Văn hoá, Thể thao và Du lịch", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở Lao động – Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở Lao động -Thương binh và Xã hội.", "Sở Lao động - Thương binh và Xã hội"),
        ("UBND các xã, phường", "Ủy ban nhân dân các xã, phường"),
        ("Uỷ ban MTTQ tỉnh", "Ủy ban Mặt trận Tổ quốc tỉnh"),
        ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
    ],
)
def test_normalize_name_equal(left, right):
    assert normalize_name(left) == normalize_name(right)
    assert normalize_name(unicodedata.normalize("NFD", left)) == normalize_name(right)


@pytest.mark.parametrize(
    "left, right",
    [
        ("Sở Y tế", "Sở Tư pháp"),
        ("Phòng Y tế", "Sở Y tế"),
        ("Công an tỉnh", "Công an huyện"),
    ],
)
def test_normalize_name_different(left, right):
    assert normalize_name(left) != normalize_name(right)
