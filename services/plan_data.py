"""A plan as a draft holds it: reading a document into one, and the plain facts about it
(its identity, report titles, deadlines already past). No database here, so the command
line's `plan import --dry-run` and any worker thread can use it cheaply."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Protocol

from services.documents import DocumentError, extract_text
from services.errors import DomainError
from services.names import normalize_name
from services.plan_parser import ParsedPlan, PlanTooComplex, is_plan, parse_plan

REPORT_TITLES = {"half-year": "Báo cáo 6 tháng", "annual": "Báo cáo năm", "other": "Báo cáo"}
MAX_BYTES = 20 * 1024 * 1024


class Stored(Protocol):
    parsed_json: str


def read_plan(data: bytes, filename: str, year: int | None = None) -> ParsedPlan:
    """Text out of a .txt/.docx/.pdf, then the plan out of the text; a DomainError with the
    document's problem (empty, binary, scanned_pdf, too_large, too_complex, not_a_plan...)
    otherwise. Pure and synchronous: callers may run it in a worker thread."""
    try:
        text = extract_text(data, filename, max_bytes=MAX_BYTES)
    except DocumentError as error:
        raise DomainError(error.code) from None
    try:
        parsed = parse_plan(text, year)
    except PlanTooComplex:
        raise DomainError("too_complex") from None
    if not is_plan(parsed):
        raise DomainError("not_a_plan")
    return parsed


def plan_key(parsed: ParsedPlan | dict) -> str:
    """What makes two versions of a document the same plan."""
    data = parsed if isinstance(parsed, dict) else parsed.to_json()
    if data.get("number"):
        return normalize_name(f"{data['number']}|{data.get('year') or ''}")
    return normalize_name(
        f"{data.get('year') or ''}|{data.get('authority') or ''}|{data.get('coordinator') or ''}"
    )


def source_digest(parsed: ParsedPlan) -> str:
    """What the document said, as read: equal for the same document imported twice."""
    blob = json.dumps(parsed.draft_json(), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def parsed_of(plan: Stored) -> dict[str, Any]:
    return json.loads(plan.parsed_json)["plan"]


def warnings_of(plan: Stored) -> list[str]:
    return json.loads(plan.parsed_json).get("warnings", [])


def report_title(deadline: dict, deadlines: list[dict] | None = None) -> str:
    """ "Báo cáo 6 tháng", "Báo cáo năm"; with its date when the plan has two of a kind."""
    title = REPORT_TITLES[deadline["period"]]
    if deadline["period"] == "other" or deadline["date"] is None:
        return f"{title}: {deadline['text'][:120]}"
    same = [d for d in deadlines or [] if d["period"] == deadline["period"] and d["date"]]
    if len(same) > 1:
        day = dt.date.fromisoformat(deadline["date"])
        title = f"{title} (hạn {day:%d/%m/%Y})"
    return title


def past_deadlines(data: dict, today: dt.date) -> tuple[int, int]:
    """(dated deadlines already past, dated deadlines) of a draft."""
    dated = [d for d in data["deadlines"] if d.get("date")]
    past = [d for d in dated if dt.date.fromisoformat(d["date"]) < today]
    return len(past), len(dated)
