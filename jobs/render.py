"""Texts and keyboards of queued messages, made at send time from fresh data."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from bot import texts
from bot.keyboards import extension_keyboard, markup_to_json

Rows = list[list[list[str]]]


@dataclass
class Outgoing:
    text: str
    keyboard: Rows | None = None
    link_task_ids: list[int] = field(default_factory=list)
    link_purpose: str = "card"
    late: bool = False
    file_id: str | None = None
    file_kind: str | None = None  # document | photo: `text` is then the caption


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def notice_line(p: dict) -> str:
    action = p["action"]
    if action == "done":
        change = texts.CHANGE_DONE.format(status=texts.STATUS[p["status"]])
    elif action == "progress":
        change = texts.CHANGE_PROGRESS
    elif action == "blocked":
        change = texts.CHANGE_BLOCKED.format(note=p.get("note") or "")
    elif action == "extend":
        note = f" — {p['note']}" if p.get("note") else ""
        change = texts.CHANGE_EXTENSION.format(date=texts.date_vn(_date(p["date"])), note=note)  # type: ignore[arg-type]
    else:  # submission
        change = texts.CHANGE_SUBMISSION.format(
            file=p.get("file") or "", status=texts.STATUS[p["status"]]
        )
    return texts.NOTIFY_LINE.format(
        who=p["who"], agency=p["agency"], title=p["title"], change=change
    )


def render_payload(kind: str, payload: str | None, text: str | None) -> Outgoing:
    p = json.loads(payload) if payload else {}
    if kind == "notice":  # one line per row, as queued before jobs/notices.py
        return Outgoing(notice_line(p))
    if kind == "extension_request":
        date = _date(p["date"])
        assert date is not None
        return Outgoing(
            notice_line(p),
            keyboard=markup_to_json(extension_keyboard(p["task_id"], date)),
            link_task_ids=[p["task_id"]],
            link_purpose="extension",
        )
    if kind == "extension_decision":
        template = (
            texts.EXTENSION_APPROVED_OFFICIAL if p["approved"] else texts.EXTENSION_REFUSED_OFFICIAL
        )
        date = _date(p.get("date"))
        return Outgoing(
            template.format(title=p["title"], date=texts.date_vn(date) if date else texts.NO_DUE),
            link_task_ids=[p["task_id"]],
        )
    if text is not None:
        return Outgoing(text, keyboard=p.get("keyboard"))
    raise ValueError(f"cannot render outbox kind {kind!r}")
