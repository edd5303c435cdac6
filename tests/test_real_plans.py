"""The parser on real plans: the twelve development plans of other fields (Markdown
exports of a legal-document website) and the three child-protection seeds, against
expectations written by reading them (tests/plan_expectations.py); the same plans
copied as people copy them (Markdown markers lost, blank lines lost, both, re-wrapped,
.docx); and plans written for these tests with each failure pattern seen in the field.
"""

from __future__ import annotations

import io
import re

import docx
import pytest

from bench.hostile import lowercase_lines, lowercase_text
from services.documents import extract_text
from services.names import normalize_name
from services.plan_parser import ParsedPlan, is_plan, parse_plan
from tests.plan_expectations import ALL, REAL, SEEDS, Expected


def parse_file(expected: Expected) -> ParsedPlan:
    return parse_plan(extract_text(expected.path.read_bytes(), expected.path.name))


def body_table(parsed: ParsedPlan) -> list[tuple[str, bool, int]]:
    return [(a.name, a.requested, len(a.tasks)) for a in parsed.agencies]


def assert_bodies(parsed: ParsedPlan, expected: Expected, *, tasks: bool = True) -> None:
    got = [(normalize_name(n), r, c) for n, r, c in body_table(parsed)]
    want = [(normalize_name(n), r, c) for n, r, c in expected.bodies]
    if not tasks:
        got = [(n, r, None) for n, r, _ in got]
    got = [
        (n, r, None if w is None else c) for (n, r, c), (_, _, w) in zip(got, want, strict=False)
    ]
    assert got == [(n, r, c if tasks else None) for n, r, c in want]


def assert_deadlines(parsed: ParsedPlan, expected: Expected) -> None:
    dated = [d for d in parsed.deadlines if d.date]
    assert [d.date.isoformat() for d in dated] == [d.date for d in expected.deadlines]
    names = expected.body_names
    for found, want in zip(dated, expected.deadlines, strict=True):
        assert sorted(map(normalize_name, found.owners)) == sorted(
            map(normalize_name, want.owners.resolve(names))
        ), found.date
        assert found.recurrence == want.recurrence, found.date


@pytest.mark.parametrize("key", list(ALL))
def test_plan_as_published(key):
    expected = ALL[key]
    parsed = parse_file(expected)
    assert is_plan(parsed)
    assert_bodies(parsed, expected)
    assert_deadlines(parsed, expected)
    assert parsed.coordinator == expected.coordinator
    assert parsed.year == expected.year
    if key in REAL:
        assert (parsed.number, parsed.authority) == (expected.number, expected.authority)
        assert parsed.issued.isoformat() == expected.issued
    for agency in parsed.agencies:
        for task in agency.tasks:
            assert "**" not in task and "|" not in task and not task.startswith(("-", "*"))


def test_horizon_years_never_date_a_deadline():
    for expected in REAL.values():
        parsed = parse_file(expected)
        assert all(d.date.year <= 2026 for d in parsed.deadlines if d.date)
        assert parsed.year == 2025


# --- the same plans, copied as people copy them -----------------------------------------

BOLD_RE = re.compile(r"\*\*|(?<!\*)\*(?!\*)")


def plain(text: str) -> str:
    """Markdown markers lost (text copied from the rendered page)."""
    return BOLD_RE.sub("", text)


def no_blank_lines(text: str) -> str:
    """Blank lines lost (as some sites and editors give it)."""
    return "\n".join(line for line in text.split("\n") if line.strip())


def docx_paragraphs(text: str) -> str:
    """Each Markdown paragraph (each line, in a text without blank lines) as one .docx
    paragraph."""
    document = docx.Document()
    blocks = re.split(r"\n\s*\n", plain(text))
    if len(blocks) < 20:  # no paragraph structure: a line per paragraph
        blocks = plain(text).split("\n")
    for block in blocks:
        joined = " ".join(line.strip() for line in block.split("\n") if line.strip())
        if joined and joined != "|":
            document.add_paragraph(joined.replace("|", "").strip())
    out = io.BytesIO()
    document.save(out)
    return extract_text(out.getvalue(), "plan.docx")


VARIANTS = {
    "plain": plain,
    "no_blank_lines": no_blank_lines,
    "plain_no_blank_lines": lambda text: no_blank_lines(plain(text)),
    "docx": docx_paragraphs,
    "crlf": lambda text: text.replace("\n", "\r\n"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("key", list(REAL))
def test_real_plan_copied_otherwise(key, variant):
    expected = REAL[key]
    text = VARIANTS[variant](expected.path.read_text(encoding="utf-8"))
    parsed = parse_plan(text)
    assert is_plan(parsed)
    assert_bodies(parsed, expected, tasks=variant in ("crlf", "docx", "plain"))
    assert_deadlines(parsed, expected)
    assert parsed.coordinator == expected.coordinator
    assert (parsed.number, parsed.authority) == (expected.number, expected.authority)


def test_seeds_expectations_are_the_seed_tests():
    from tests import test_plan_parser

    for key, expected in SEEDS.items():
        assert [(n, r, c) for n, r, c in expected.bodies] == test_plan_parser.AGENCIES[key]


# --- plans written for these tests, one failure pattern of the field in each part -------

PATTERNS = FIXTURES_DIR = REAL["KH160"].path.parent.parent / "patterns"
YT = "Sở Y tế"
WEB_BODIES = [
    (YT, False, 2),  # "**1." / "Sở Y tế:**": the number alone on its line
    ("Sở Giáo dục và Đào tạo", False, 2),  # "**2. Sở Giáo dục và" / "Đào tạo**"
    ("Công ty Điện lực Quảng Ngãi", False, 1),  # bodies of kinds no list names
    ("Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh", False, 1),
    ("Các doanh nghiệp viễn thông trên địa bàn tỉnh", False, 2),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các Đoàn thể", True, 1),  # cut at a wrap
    ("Các tổ chức cung cấp dịch vụ chi trả", True, 1),  # "cung cấp" is also a duty verb
    ("Ban Quản lý Khu kinh tế Dung Quất", False, 1),  # "... Khu kinh tế" / "Dung Quất**"
    ("Bộ Chỉ huy Quân sự tỉnh", False, 1),  # "**9. Bộ" / "Chỉ huy Quân sự tỉnh**"
    ("Các chủ đầu tư dự án khu dân cư, khu đô thị", False, 1),
    ("UBND các xã, phường, đặc khu", False, 2),
]
EVERY_BUT_YT = [name for name, _, _ in WEB_BODIES if name != YT]
WEB_DEADLINES = [  # (date, owners)
    ("2026-03-31", EVERY_BUT_YT),  # in section II, "gửi danh sách về Sở Y tế", no «báo cáo»
    ("2026-06-15", EVERY_BUT_YT),  # every body reports "về UBND tỉnh (qua Sở Y tế)"
    ("2026-07-10", ["UBND các xã, phường, đặc khu"]),  # a duty of the communes
    ("2026-11-15", EVERY_BUT_YT),
    ("2026-11-25", [YT]),  # "Giao Sở Y tế tổng hợp, báo cáo UBND tỉnh và Bộ Y tế"
]


def assert_web_plan(parsed: ParsedPlan, *, tasks: bool = True) -> None:
    assert (parsed.number, parsed.authority, parsed.year) == (
        "45/KH-UBND",
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        2026,
    )
    assert parsed.issued.isoformat() == "2026-03-10"
    assert parsed.coordinator == YT
    table = body_table(parsed)
    assert [(n, r) for n, r, _ in table] == [(n, r) for n, r, _ in WEB_BODIES]
    if tasks:
        assert table == WEB_BODIES
    assert parsed.agencies[0].tasks[1].startswith("Phối hợp với Sở Công Thương và Sở Văn hóa")
    dated = [(d.date.isoformat(), d.owners) for d in parsed.deadlines if d.date]
    assert dated == WEB_DEADLINES
    relative = [d for d in parsed.deadlines if d.relative]
    assert [(d.relative_days, d.relative_from, d.owners) for d in relative] == [
        (10, "receipt", EVERY_BUT_YT)
    ]
    assert {"Tháng hành động vì trẻ em", "Tết Trung thu", "Diễn đàn trẻ em"} <= set(parsed.events)


def test_web_export_with_every_failure_pattern():
    assert_web_plan(parse_plan((PATTERNS / "web_child_protection_2026.md").read_text()))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_web_export_copied_otherwise(variant):
    text = VARIANTS[variant]((PATTERNS / "web_child_protection_2026.md").read_text())
    assert_web_plan(parse_plan(text), tasks=variant != "plain_no_blank_lines")


def test_standing_plan_with_a_horizon_year():
    """ "giai đoạn 2026 - 2030, tầm nhìn đến năm 2045", issued 20/11/2025: yearly reports
    are due from this year, never in 2045; "IV. TỔ CHỨC" / "THỰC HIỆN" and "1." alone."""
    parsed = parse_plan((PATTERNS / "standing_plan_horizon.txt").read_text())
    assert (parsed.number, parsed.year, parsed.single_year, parsed.period_end) == (
        "218/KH-UBND",
        2025,
        None,
        2030,
    )
    assert parsed.authority == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert body_table(parsed) == [
        (YT, False, 1),
        ("Sở Giáo dục và Đào tạo", False, 1),
        ("Công an tỉnh", False, 1),  # "3. Công an tỉnh chủ trì, ..."
        ("Tỉnh Đoàn, Hội Liên hiệp Phụ nữ tỉnh", True, 1),
        ("UBND các xã, phường", False, 1),
    ]
    assert "many_bodies" in parsed.agencies[3].notes
    assert (
        parsed.agencies[1]
        .tasks[0]
        .endswith("phối hợp với Sở Văn hóa, Thể thao và Du lịch tổ chức dạy bơi cho học sinh.")
    )
    assert [(d.date.isoformat(), d.owners, d.recurrence) for d in parsed.deadlines] == [
        ("2025-11-30", ["UBND các xã, phường"], "yearly"),
        ("2025-12-15", [YT], "yearly"),
    ]


# --- bounded work ------------------------------------------------------------------------


def test_thousands_of_lowercase_lines_parse_in_linear_time():
    """The 3,000-line, 339 KB text that once froze the bot (quadratic joining): one
    paragraph, nothing to assign, read within the parse budget (no PlanTooComplex)."""
    text = lowercase_text(3000, 85)
    assert 300_000 < len(text.encode()) < 400_000
    parsed = parse_plan(text)
    assert parsed.agencies == [] and not is_plan(parsed)


def test_a_parse_over_its_budget_is_refused():
    from services.plan_parser import PlanTooComplex

    with pytest.raises(PlanTooComplex):
        parse_plan(lowercase_text(2000, 100), budget_s=0.0)
    items = "KẾ HOẠCH\nIV. TỔ CHỨC THỰC HIỆN\n" + "1. Sở Y tế\n- Chủ trì.\n" * 5000
    with pytest.raises(PlanTooComplex):
        parse_plan(items, budget_s=0.0)


def test_read_plan_names_a_text_too_complex(monkeypatch):
    from services import plan_data, plan_parser
    from services.errors import DomainError

    monkeypatch.setattr(plan_parser, "PARSE_BUDGET_S", 0.0)

    def slow(text, year=None):
        return plan_parser.parse_plan(text, year, budget_s=0.0)

    monkeypatch.setattr(plan_data, "parse_plan", slow)
    with pytest.raises(DomainError) as error:
        plan_data.read_plan(lowercase_lines(2000, 100), "x.txt")
    assert error.value.code == "too_complex"


def test_plan_with_an_organisation_section_but_no_body_is_not_refused():
    """Cà Mau's budget plan: "GIẢI PHÁP TỔ CHỨC THỰC HIỆN" and no body assigned: a draft
    that says no body was read (the coordinator adds them), not a refusal."""
    from services.plan_data import read_plan

    expected = REAL["KH0204"]
    parsed = read_plan(expected.path.read_bytes(), expected.path.name)
    assert parsed.agencies == [] and "no_agencies" in parsed.warnings


def test_a_date_of_the_next_year_in_a_plan_for_one_year():
    text = (
        "KẾ HOẠCH\nCông tác trẻ em năm 2025\nIV. TỔ CHỨC THỰC HIỆN\n1. Sở Y tế\n- Chủ trì.\n"
        "2. Sở Tư pháp\n- Phối hợp.\nV. CHẾ ĐỘ BÁO CÁO\nCác sở báo cáo năm trước ngày 15/01"
        " năm sau về Sở Y tế; báo cáo 6 tháng trước ngày 15/6.\n"
    )
    parsed = parse_plan(text)
    assert [(d.date.isoformat(), d.owners) for d in parsed.deadlines] == [
        ("2025-06-15", ["Sở Tư pháp"]),
        ("2026-01-15", ["Sở Tư pháp"]),
    ]
