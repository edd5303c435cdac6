"""Coordinators' corrections to a task: its title, its deadline, cancelling it (with a
reason, kept and shown in history), or moving it to another body.

Each change is one history row (who, from what, to what), and the agency's contacts are
told in a message queued in the same transaction. A new deadline brings its own reminder
schedule: the old schedule's unsent rows are deleted (those set aside for an unreachable
chat too, so they never come back), and services.reminders makes the new ones. A move
takes the task's unsent reminders away from the old body's contacts and gives the new
body's contacts theirs; a cancelled task has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, Task, TaskEvent
from services import clock, outbox, reminders
from services.agencies import get_agency
from services.audit import Who
from services.errors import DomainError
from services.names import strip_diacritics
from services.settings import get_settings
from services.status import CANCELLED, CLOSED
from services.tasks import TaskView, view

TITLE_MAX = 2000
REASON_MAX = 500
SCHEDULE_KINDS = ("reminder", "escalation")
YEARS_BACK, YEARS_AHEAD = 1, 10  # a deadline typed outside this is a typing mistake


@dataclass(frozen=True)
class Edited:
    task: TaskView
    action: str  # title_edited | due_edited | cancelled | moved
    old: str | None
    new: str | None
    old_due: dt.date | None = None
    old_agency: str | None = None
    reason: str | None = None


async def _task(session: AsyncSession, task_id: int) -> tuple[Task, Agency]:
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("task_id_unknown", id=task_id)
    agency = await session.get(Agency, task.agency_id)
    assert agency is not None
    if task.progress == CANCELLED:
        raise DomainError("task_cancelled", title=task.title)
    return task, agency


def _history(
    session: AsyncSession,
    task: Task,
    who: Who,
    action: str,
    old: str | None,
    new: str | None,
    note: str | None = None,
    *,
    now: dt.datetime,
) -> TaskEvent:
    event = TaskEvent(
        task_id=task.id,  # type: ignore[arg-type]
        at=now,
        action=action,
        from_value=old,
        to_value=new,
        note=note,
        actor_contact_id=who.contact_id,
        actor_name=who.name,
    )
    session.add(event)
    return event


async def drop_schedule(session: AsyncSession, task_id: int) -> None:
    """Delete a task's reminders and escalations not sent (pending, or set aside)."""
    await session.execute(
        sa.delete(outbox.OUTBOX).where(
            outbox.OUTBOX.c.task_id == task_id,
            outbox.OUTBOX.c.kind.in_(SCHEDULE_KINDS),
            outbox.OUTBOX.c.state.in_(("pending", "skipped")),
        )
    )


async def _tell_agency(
    session: AsyncSession, agency_id: int, event: TaskEvent, payload: dict[str, Any]
) -> None:
    """The body's contacts hear of the change (jobs/render.py renders `task_changed`)."""
    await session.flush()  # the history row's id names the messages
    await outbox.insert(
        session,
        [
            outbox.row(
                kind="task_changed",
                chat_id=contact.chat_id,
                contact_id=contact.id,
                task_id=event.task_id,
                dedupe_key=f"tc:{event.id}:{contact.id}",
                payload=payload,
            )
            for contact in await reminders.recipients_of(session, agency_id)
        ],
    )


def check_due(due: dt.date) -> None:
    today = clock.today_vn()
    low, high = today.year - YEARS_BACK, today.year + YEARS_AHEAD
    if not low <= due.year <= high:
        raise DomainError("due_out_of_range", date=due, low=low, high=high)


async def edit_title(session: AsyncSession, *, task_id: int, title: str, who: Who) -> Edited:
    task, agency = await _task(session, task_id)
    title = " ".join(title.split())[:TITLE_MAX]
    if not title:
        raise DomainError("title_empty")
    if title == task.title:
        raise DomainError("nothing_to_change")
    now = clock.now()
    old = task.title
    task.title, task.updated_at = title, now
    event = _history(session, task, who, "title_edited", old, title, now=now)
    await _tell_agency(
        session, agency.id or 0, event, {"change": "title", "old": old, "new": title}
    )
    await session.commit()
    return Edited(task=view(task, agency, now), action="title_edited", old=old, new=title)


async def edit_due(session: AsyncSession, *, task_id: int, due: dt.date | None, who: Who) -> Edited:
    """A new deadline (None: no deadline); the reminders follow it."""
    task, agency = await _task(session, task_id)
    if due is not None:
        check_due(due)
    if due == task.due_date:
        raise DomainError("nothing_to_change")
    now = clock.now()
    old = task.due_date
    task.due_date, task.updated_at = due, now
    event = _history(
        session,
        task,
        who,
        "due_edited",
        old.isoformat() if old else None,
        due.isoformat() if due else None,
        now=now,
    )
    await drop_schedule(session, task.id or 0)
    await session.flush()
    if task.progress not in CLOSED:
        await reminders.sync_task(session, task, get_settings())
    await _tell_agency(
        session,
        agency.id or 0,
        event,
        {
            "change": "due",
            "title": task.title,
            "old": old.isoformat() if old else None,
            "new": due.isoformat() if due else None,
        },
    )
    await session.commit()
    return Edited(
        task=view(task, agency, now),
        action="due_edited",
        old=old.isoformat() if old else None,
        new=due.isoformat() if due else None,
        old_due=old,
    )


async def cancel(session: AsyncSession, *, task_id: int, reason: str, who: Who) -> Edited:
    """Cancel with a reason: the task is kept, shown in history, counted apart, and gets
    no more reminders."""
    task, agency = await _task(session, task_id)
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise DomainError("cancel_reason_empty")
    now = clock.now()
    old = task.progress
    task.progress, task.cancelled_at, task.cancel_note = CANCELLED, now, reason
    task.blocked, task.extension_requested = False, False
    task.updated_at = now
    event = _history(session, task, who, "cancelled", None, None, reason, now=now)
    await drop_schedule(session, task.id or 0)
    await _tell_agency(
        session,
        agency.id or 0,
        event,
        {"change": "cancelled", "title": task.title, "reason": reason},
    )
    await session.commit()
    return Edited(
        task=view(task, agency, now), action="cancelled", old=old, new=CANCELLED, reason=reason
    )


async def move(session: AsyncSession, *, task_id: int, agency_ref: str, who: Who) -> Edited:
    """Give the task to another body: its history stays, its unsent reminders go to the new
    body's contacts, and both bodies are told."""
    task, old_agency = await _task(session, task_id)
    new_agency = await get_agency(session, agency_ref)
    if new_agency.id == old_agency.id:
        raise DomainError("same_agency", agency=old_agency.name)
    now = clock.now()
    event = await move_task(session, task, old_agency, new_agency, who=who, now=now)
    payload = {
        "title": task.title,
        "from": old_agency.name,
        "to": new_agency.name,
        "due": task.due_date.isoformat() if task.due_date else None,
    }
    await _tell_agency(session, old_agency.id or 0, event, {**payload, "change": "moved_away"})
    await _tell_agency(session, new_agency.id or 0, event, {**payload, "change": "moved_in"})
    await session.commit()
    return Edited(
        task=view(task, new_agency, now),
        action="moved",
        old=old_agency.name,
        new=new_agency.name,
        old_agency=old_agency.name,
    )


async def move_task(
    session: AsyncSession,
    task: Task,
    old: Agency,
    new: Agency,
    *,
    who: Who,
    now: dt.datetime,
    note: str | None = None,
) -> TaskEvent:
    """Move one task in the caller's transaction (a move, or a split of its body)."""
    task.agency_id, task.updated_at = new.id, now  # type: ignore[assignment]
    event = _history(session, task, who, "moved", old.name, new.name, note, now=now)
    await drop_schedule(session, task.id or 0)
    await session.flush()
    if task.progress not in CLOSED:
        await reminders.sync_task(session, task, get_settings())
    return event


def _plain(text: str) -> str:
    return strip_diacritics(text.casefold())


async def find(session: AsyncSession, *, words: str, limit: int = 10) -> tuple[list[TaskView], int]:
    """Tasks whose title holds every word given, in any case, with or without diacritics;
    open ones first, nearest deadline first. Returns the first `limit` and how many matched."""
    wanted = [_plain(w) for w in words.split()[:8]]
    titles = (await session.execute(sa.select(col(Task.id), col(Task.title)))).all()
    ids = [tid for tid, title in titles if all(w in _plain(title) for w in wanted)]
    if not ids:
        return [], 0
    now = clock.now()
    rows = (
        await session.execute(
            select(Task, Agency)
            .join(Agency, col(Agency.id) == Task.agency_id)
            .where(Task.id.in_(ids[:500]))  # type: ignore[union-attr]
        )
    ).all()
    views = [view(t, a, now) for t, a in rows]
    views.sort(key=lambda v: (v.progress in CLOSED, v.due_date or dt.date.max, v.id))
    return views[:limit], len(ids)


async def get_view(session: AsyncSession, task_id: int) -> tuple[TaskView, Task]:
    task = await session.get(Task, task_id)
    if task is None:
        raise DomainError("task_id_unknown", id=task_id)
    agency = await session.get(Agency, task.agency_id)
    assert agency is not None
    return view(task, agency, clock.now()), task


# --- reading /suaviec ------------------------------------------------------------------------

EDIT_WORDS = {
    "ten": "title",
    "tieu de": "title",
    "han": "due",
    "huy": "cancel",
    "chuyen": "move",
    "chuyen sang": "move",
}
NO_DUE_WORDS = ("khong", "bo", "khong co", "bo han")


@dataclass(frozen=True)
class EditCommand:
    """What `/suaviec ...` asks for."""

    action: str  # usage | search | show | title | due | cancel | move | bad_date
    task_id: int | None = None
    value: str = ""
    due: dt.date | None = None


def parse_edit(text: str, today: dt.date) -> EditCommand:
    """`<id>`, `<id> tên <title>`, `<id> hạn <date|không>`, `<id> huỷ <reason>`,
    `<id> chuyển <agency>`, or words to look for (diacritics and case free)."""
    from services.parsing import parse_date

    text = " ".join(text.split())
    if not text:
        return EditCommand("usage")
    head, _, rest = text.partition(" ")
    number = head.lstrip("#")
    if not number.isdigit() or len(number) > 12:
        return EditCommand("search", value=text)
    task_id = int(number)
    if not rest:
        return EditCommand("show", task_id=task_id)
    words = rest.split(" ")
    for size in (2, 1):  # "chuyển sang" before "chuyển"
        key = _plain(" ".join(words[:size])).strip(":")
        action = EDIT_WORDS.get(key)
        if action is not None and len(words) >= size:
            value = " ".join(words[size:]).lstrip(":").strip()
            break
    else:
        return EditCommand("usage", task_id=task_id)
    if action != "due":
        return EditCommand(action, task_id=task_id, value=value)
    if _plain(value) in NO_DUE_WORDS:
        return EditCommand("due", task_id=task_id, due=None, value=value)
    due = parse_date(value, today) if value else None
    if due is None:
        return EditCommand("bad_date", task_id=task_id, value=value)
    return EditCommand("due", task_id=task_id, due=due, value=value)
