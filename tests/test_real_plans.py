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
