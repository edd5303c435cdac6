"""Texts and keyboards of queued messages, made at send time from fresh data."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from bot import texts
from bot.keyboards import extension_keyboard, markup_to_json
from services.textfit import clip

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


NOTICE_TITLE = 60  # a notice names its task; the whole paragraph is one tap away
NOTICE_NOTE = 120


def notice_line(p: dict) -> str:
    """One short line for coordinators: who, which body, which task, what changed."""
    action = p["action"]
    if action == "done":
        change = texts.CHANGE_DONE.format(status=texts.STATUS[p["status"]])
    elif action == "progress":
        change = texts.CHANGE_PROGRESS
    elif action == "blocked":
        change = texts.CHANGE_BLOCKED.format(note=clip(p.get("note"), NOTICE_NOTE))
    elif action == "extend":
        note = f" — {clip(p['note'], NOTICE_NOTE)}" if p.get("note") else ""
        change = texts.CHANGE_EXTENSION.format(date=texts.date_vn(_date(p["date"])), note=note)  # type: ignore[arg-type]
    else:  # submission
        change = texts.CHANGE_SUBMISSION.format(
            file=clip(p.get("file"), 60), status=texts.STATUS[p["status"]]
        )
    return texts.NOTIFY_LINE.format(
        who=clip(p["who"], 40),
        agency=clip(p["agency"], 60),
        title=clip(p["title"], NOTICE_TITLE),
        change=change,
    )


def report_file_caption(p: dict) -> str:
    return clip(
        texts.REPORT_FILE_CAPTION.format(
            who=clip(p["who"], 40),
            agency=clip(p["agency"], 60),
            title=clip(p["title"], 200),
            status=texts.STATUS[p["status"]],
            file=clip(p.get("file"), 80) or texts.FILE_NO_NAME,
        ),
        1000,
        keep_lines=True,
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
    if kind == "report_file":
        return Outgoing(report_file_caption(p), file_id=p["file_id"], file_kind="document")
    if kind == "extension_decision":
        template = (
            texts.EXTENSION_APPROVED_OFFICIAL if p["approved"] else texts.EXTENSION_REFUSED_OFFICIAL
        )
        date = _date(p.get("date"))
        return Outgoing(
            template.format(
                title=clip(p["title"], NOTICE_TITLE * 2),
                date=texts.date_vn(date) if date else texts.NO_DUE,
            ),
            link_task_ids=[p["task_id"]],
        )
    if kind == "task_changed":
        return Outgoing(task_changed_text(p))
    if kind == "contact_state":
        return Outgoing(contact_state_text(p))
    if text is not None:
        return Outgoing(text, keyboard=p.get("keyboard"))
    raise ValueError(f"cannot render outbox kind {kind!r}")


# As bot.render cuts them in every message (TITLE_IN_LINE, NAME_SHOWN, NOTE_SHOWN).
_TITLE, _NAME, _NOTE = 90, 70, 160


def _day(value: str | None) -> str:
    day = _date(value)
    return texts.date_vn(day) if day else texts.NO_DUE


def task_changed_text(p: dict) -> str:
    """What a body's contacts are told of a coordinator's change (services/task_admin.py);
    titles, names and the reason cut as in every message."""
    change = p["change"]
    title = clip(p.get("title"), _TITLE)
    if change == "title":
        return texts.TASK_NOTICE_TITLE.format(
            old=clip(p["old"], _TITLE), new=clip(p["new"], _TITLE)
        )
    if change == "due":
        return texts.TASK_NOTICE_DUE.format(title=title, old=_day(p["old"]), new=_day(p["new"]))
    if change == "cancelled":
        return texts.TASK_NOTICE_CANCELLED.format(title=title, reason=clip(p["reason"], _NOTE))
    if change == "moved_away":
        return texts.TASK_NOTICE_MOVED_AWAY.format(title=title, agency=clip(p["to"], _NAME))
    return texts.TASK_NOTICE_MOVED_IN.format(
        agency=clip(p["to"], _NAME), title=title, due=_day(p["due"])
    )


def contact_state_text(p: dict) -> str:
    """Coordinators told that a contact can no longer be reached, or can again."""
    agency = clip(p.get("agency"), _NAME) or texts.ROLE_COORDINATOR_AGENCY
    who = clip(p["who"], _NAME)
    if p["reachable"]:
        template = texts.CONTACT_BACK_GROUP if p.get("group") else texts.CONTACT_BACK_PRIVATE
        return template.format(who=who, agency=agency)
    template = texts.CONTACT_GONE_GROUP if p.get("group") else texts.CONTACT_GONE_PRIVATE
    text = template.format(who=who, agency=agency)
    if p.get("agency") and not p.get("others"):
        text += "\n" + texts.CONTACT_GONE_NOBODY.format(agency=agency)
    return text
