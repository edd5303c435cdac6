"""Tasks: what an agency owes, its status, and every change to it with its history."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.keyed import PerEngine
from db.models import Agency, MessageLink, Submission, Task, TaskEvent
from services import clock, outbox, reminders
from services.agencies import get_agency
from services.errors import DomainError
from services.parsing import date_in_range
from services.refs import AgencyRef, ContactRef
from services.settings import get_settings
from services.status import CANCELLED, CLOSED, days_until, task_status

ACTIONS = ("done", "progress", "blocked", "extend")
NOTE_MAX = 1000


@dataclass(frozen=True)
class TaskView:
    """A task as a person sees it at one moment."""

    id: int
    title: str
    agency_id: int
    agency_name: str
    agency_code: str
    requested: bool
    due_date: dt.date | None
    status: str
    days_left: int | None
    blocked: bool
    block_note: str | None
    extension_requested: bool
    extension_date: dt.date | None
    updated_at: dt.datetime
    progress: str


@dataclass(frozen=True)
class Actor:
    """Who is acting: the chat's contact and the person in it."""

    contact: ContactRef
    user_id: int | None
    name: str
    chat_id: int
    message_id: int | None = None


@dataclass(frozen=True)
class Change:
    task: TaskView
    action: str
    changed: bool
    note: str | None = None
    new_due: dt.date | None = None
    file_name: str | None = None


def view(task: Task | SimpleNamespace, agency: Agency | AgencyRef, now: dt.datetime) -> TaskView:
    """`task` is a table row (Task) or the plain values the change path reads (_split)."""
    today = now.astimezone(clock.VN_TZ).date()
    return TaskView(
        id=task.id or 0,
        title=task.title,
        agency_id=agency.id or 0,
        agency_name=agency.name,
        agency_code=agency.code,
        requested=agency.requested,
        due_date=task.due_date,
        status=task_status(
            progress=task.progress,
            due_date=task.due_date,
            due_time=task.due_time,
            done_at=task.done_at,
            now=now,
        ),
        days_left=days_until(task.due_date, today),
        blocked=task.blocked,
        block_note=task.block_note,
        extension_requested=task.extension_requested,
        extension_date=task.extension_date,
        updated_at=task.updated_at,
        progress=task.progress,
    )


async def add_task(
    session: AsyncSession,
    *,
    agency_ref: str,
    title: str,
    due_date: dt.date | None,
    due_time: dt.time | None = None,
    kind: str = "task",
    reminder_offsets: list[int] | None = None,
) -> TaskView:
    """A task; `reminder_offsets` (days before the deadline) overrides the settings' schedule."""
    title = " ".join(title.split())
    if not title:
        raise DomainError("title_empty")
    agency = await get_agency(session, agency_ref)
    now = clock.now()
    task = Task(
        agency_id=agency.id,  # type: ignore[arg-type]
        title=title,
        due_date=due_date,
        due_time=due_time,
        kind=kind,
        reminder_offsets=",".join(str(d) for d in reminder_offsets) if reminder_offsets else None,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    session.add(TaskEvent(task_id=task.id, at=now, action="created", to_value=title))  # type: ignore[arg-type]
    await reminders.sync_task(session, task, get_settings(session))
    await session.commit()
    return view(task, agency, now)


def _order_key(v: TaskView) -> tuple:
    return (v.due_date is None, v.due_date or dt.date.max, v.id)


async def list_tasks(
    session: AsyncSession, *, agency_ref: str | None = None, open_only: bool = False
) -> list[TaskView]:
    """Tasks with their agencies, nearest deadline first."""
    query = select(Task, Agency).join(Agency, col(Agency.id) == Task.agency_id)
    if agency_ref is not None:
        agency = await get_agency(session, agency_ref)
        query = query.where(Task.agency_id == agency.id)
    if open_only:
        query = query.where(col(Task.progress).not_in(CLOSED))
    now = clock.now()
    views = [view(task, agency, now) for task, agency in (await session.execute(query)).all()]
    return sorted(views, key=_order_key)


async def open_tasks_of(session: AsyncSession, *, agency_id: int) -> tuple[Agency, list[TaskView]]:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise DomainError("agency_unknown", ref=str(agency_id))
    rows = await session.scalars(
        select(Task).where(Task.agency_id == agency_id, col(Task.progress).not_in(CLOSED))
    )
    now = clock.now()
    return agency, sorted((view(t, agency, now) for t in rows.all()), key=_order_key)


async def views_by_id(session: AsyncSession, task_ids: list[int]) -> list[TaskView]:
    """Views in the order of the ids given (missing tasks are dropped)."""
    if not task_ids:
        return []
    now = clock.now()
    found = {}
    for row in (await session.execute(_TASKS_BY_ID, {"task_ids": task_ids})).all():
        task, agency = _split(row)
        found[task.id] = view(task, agency, now)
    return [found[i] for i in task_ids if i in found]


# --- messages about tasks ---------------------------------------------------------------


async def link_message(
    session: AsyncSession,
    *,
    chat_id: int,
    message_id: int,
    task_ids: list[int],
    purpose: str = "card",
    first: int = 1,
) -> None:
    """Remember which tasks a bot message is about, with the numbers they are shown under."""
    now = clock.now()
    for position, task_id in enumerate(task_ids, first):
        session.add(
            MessageLink(
                chat_id=chat_id,
                message_id=message_id,
                task_id=task_id,
                purpose=purpose,
                position=position,
                created_at=now,
            )
        )
    await session.commit()


@dataclass(frozen=True, slots=True)
class Subject:
    """What a bot message is about."""

    purpose: str
    task_ids: tuple[int, ...]
    first: int


LINK = MessageLink.__table__  # type: ignore[attr-defined]
_SUBJECT = (
    sa.select(LINK.c.purpose, LINK.c.task_id, LINK.c.position)
    .where(
        LINK.c.chat_id == sa.bindparam("chat_id"), LINK.c.message_id == sa.bindparam("message_id")
    )
    .order_by(LINK.c.position, LINK.c.id)
)


# What a bot message is about is written once, with the message, and never changed, so a
# subject found is kept (the newest SUBJECTS_KEPT, per database): every press and reply
# asks for it. Not found is not kept, as the link may be committed a moment after the
# message was sent.
SUBJECTS_KEPT = 20_000
_subjects: PerEngine[OrderedDict[tuple[int, int], Subject]] = PerEngine(OrderedDict)


async def message_subject(
    session: AsyncSession, *, chat_id: int, message_id: int
) -> Subject | None:
    kept = _subjects.of(session)
    key = (chat_id, message_id)
    subject = kept.get(key)
    if subject is not None:
        kept.move_to_end(key)
        return subject
    rows = (await session.execute(_SUBJECT, {"chat_id": chat_id, "message_id": message_id})).all()
    if not rows:
        return None
    ids = tuple(task_id for _, task_id, _ in rows if task_id is not None)
    subject = kept[key] = Subject(purpose=rows[0][0], task_ids=ids, first=rows[0][2])
    if len(kept) > SUBJECTS_KEPT:
        kept.popitem(last=False)
    return subject


_LATEST_LIST = sa.select(sa.func.max(LINK.c.message_id)).where(
    LINK.c.chat_id == sa.bindparam("chat_id"), LINK.c.purpose == "list"
)


async def latest_list(session: AsyncSession, *, chat_id: int) -> Subject | None:
    """The newest numbered list the bot sent to a chat (/viec, a standing duties'
    check-in): what «việc 2» means in a message that replies to nothing."""
    message_id = await session.scalar(_LATEST_LIST, {"chat_id": chat_id})
    if message_id is None:
        return None
    return await message_subject(session, chat_id=chat_id, message_id=message_id)


# --- changes by officials -----------------------------------------------------------------
#
# This is the path every button press, reply and report file takes, so it is written with
# Core statements on the tables (no unit of work, no identity map): one SELECT for the task
# and its agency, one conditional UPDATE and one INSERT of the history rows, whose last row
# carries the coordinators' notice (jobs/notices.py queues it). Reminders are not touched:
# whether a task is done is checked when a reminder falls due. bench/updates.py measures it.

# SQLModel's table classes do not declare `__table__` (SQLAlchemy adds it at class creation).
TASK, AGENCY, EVENT, SUBMISSION = (
    Task.__table__,  # type: ignore[attr-defined]
    Agency.__table__,  # type: ignore[attr-defined]
    TaskEvent.__table__,  # type: ignore[attr-defined]
    Submission.__table__,  # type: ignore[attr-defined]
)
_TASK_COLUMNS = tuple(TASK.c.keys())
_CHANGEABLE = (
    "progress",
    "done_at",
    "blocked",
    "block_note",
    "extension_requested",
    "extension_date",
    "extension_note",
    "updated_at",
)

_WITH_AGENCY = sa.select(
    TASK,
    AGENCY.c.name.label("agency_name"),
    AGENCY.c.code.label("agency_code"),
    AGENCY.c.requested.label("agency_requested"),
).join(AGENCY, AGENCY.c.id == TASK.c.agency_id)
_TASK_AND_AGENCY = _WITH_AGENCY.where(TASK.c.id == sa.bindparam("task_id"))
_TASKS_BY_ID = _WITH_AGENCY.where(TASK.c.id.in_(sa.bindparam("task_ids", expanding=True)))


def _update_if_unchanged(columns: tuple[str, ...]) -> sa.Update:
    """UPDATE of `columns` (new values bound as new_<column>), only if each still holds
    what was read (old_<column>): a task someone changed meanwhile is read again, so every
    history row starts where the previous one ended. Built once: a statement made anew per
    call would have its cache key computed anew."""
    return (
        TASK.update()
        .where(
            TASK.c.id == sa.bindparam("task_id"),
            *(TASK.c[name].is_not_distinct_from(sa.bindparam(f"old_{name}")) for name in columns),
        )
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )


_UPDATE_STATUS = _update_if_unchanged(_CHANGEABLE)
_UPDATE_STATUS_AND_DEADLINE = _update_if_unchanged((*_CHANGEABLE, "due_date"))
_INSERT_EVENTS = EVENT.insert().returning(EVENT.c.id)
_INSERT_SUBMISSION = SUBMISSION.insert()


class _Raced(Exception):
    """The task changed between reading and writing it: read it again."""


def _split(row: sa.Row) -> tuple[SimpleNamespace, AgencyRef]:
    """A row of _TASK_AND_AGENCY: the task as plain values (changed in place by the
    callers that change it), and its agency."""
    m = row._mapping
    task = SimpleNamespace(**{name: m[name] for name in _TASK_COLUMNS})
    return task, AgencyRef(
        m["agency_id"], m["agency_name"], m["agency_code"], m["agency_requested"]
    )


async def _load(session: AsyncSession, task_id: int) -> tuple[SimpleNamespace, AgencyRef]:
    row = (await session.execute(_TASK_AND_AGENCY, {"task_id": task_id})).first()
    if row is None:
        raise DomainError("task_unknown")
    return _split(row)


async def _load_for_actor(
    session: AsyncSession, actor: Actor, task_id: int
) -> tuple[SimpleNamespace, AgencyRef]:
    task, agency = await _load(session, task_id)
    if actor.contact.agency_id != task.agency_id:
        raise DomainError("not_your_task")
    if task.progress == CANCELLED:
        raise DomainError("task_cancelled", title=task.title)
    return task, agency


def _history(
    events: list[dict[str, Any]],
    task: SimpleNamespace,
    actor: Actor,
    now: dt.datetime,
    action: str,
    old: str | None,
    new: str | None,
    note: str | None = None,
) -> None:
    events.append(
        {
            "task_id": task.id,
            "at": now,
            "action": action,
            "from_value": old,
            "to_value": new,
            "note": note,
            "actor_contact_id": actor.contact.id,
            "actor_user_id": actor.user_id,
            "actor_name": actor.name,
            "chat_id": actor.chat_id,
            "message_id": actor.message_id,
            "notice": None,
            "notice_state": None,
        }
    )


async def _save(
    session: AsyncSession,
    task: SimpleNamespace,
    read: dict[str, Any],
    events: list[dict[str, Any]],
    *,
    deadline: bool = False,
) -> int:
    """Write the task's new values (its deadline too, with `deadline`) if it still holds
    the values `read`, and its history; returns the newest history id."""
    statement, columns = (
        (_UPDATE_STATUS_AND_DEADLINE, (*_CHANGEABLE, "due_date"))
        if deadline
        else (_UPDATE_STATUS, _CHANGEABLE)
    )
    params = {"task_id": task.id}
    for name in columns:
        params[f"new_{name}"], params[f"old_{name}"] = getattr(task, name), read[name]
    result = await session.execute(statement, params)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _Raced
    if len(events) == 1:  # one row: a plain INSERT ... RETURNING, no executemany machinery
        return (await session.execute(_INSERT_EVENTS, events[0])).scalar_one()
    return max((await session.execute(_INSERT_EVENTS, events)).scalars().all())


def notice_of(actor: Actor, change: Change) -> dict[str, Any]:
    """What the coordinators are told of an official's change (jobs/render.notice_line)."""
    task = change.task
    return {
        "who": actor.name,
        "agency": task.agency_name,
        "title": task.title,
        "action": change.action,
        "status": task.status,
        "note": change.note,
        "date": change.new_due.isoformat() if change.new_due else None,
        "file": change.file_name,
        "task_id": task.id,
    }


def _tell_coordinators(events: list[dict[str, Any]], actor: Actor, change: Change) -> None:
    """The change's notice, on its last history row: queued for the coordinators by the
    dispatcher (jobs/notices.py), nothing more to write now."""
    events[-1]["notice"] = json.dumps(notice_of(actor, change), ensure_ascii=False)
    events[-1]["notice_state"] = "pending"


async def _ask_coordinators(
    session: AsyncSession, *, event_id: int, actor: Actor, change: Change
) -> None:
    """An extension request goes to each coordinator as its own message, with the buttons
    that approve or refuse it; it is named by its history row, so it is queued once."""
    payload = notice_of(actor, change)
    await outbox.insert(
        session,
        [
            outbox.row(
                kind="extension_request",
                chat_id=coord.chat_id,
                contact_id=coord.id,
                task_id=change.task.id,
                dedupe_key=f"ev{event_id}:{coord.id}",
                payload=payload,
            )
            for coord in await outbox.coordinators(session)
            if coord.chat_id != actor.chat_id
        ],
    )


RACE_RETRIES = 5  # then the person is asked to try again (texts: "busy")


async def _retrying(attempt: Callable[[], Awaitable[Change]]) -> Change:
    """Run `attempt` again while the task keeps changing under it (see _save)."""
    for _ in range(RACE_RETRIES):
        try:
            return await attempt()
        except _Raced:
            continue
    raise DomainError("busy")


async def apply_action(
    session: AsyncSession,
    *,
    actor: Actor,
    task_id: int,
    action: str,
    note: str | None = None,
    new_due: dt.date | None = None,
) -> Change:
    """Apply an official's answer to a task: done, in progress, blocked (with a note) or an
    extension request (with a date). Records history and tells the coordinators."""
    if action not in ACTIONS:
        raise DomainError("bad_action")
    return await _retrying(
        lambda: _apply_once(
            session, actor=actor, task_id=task_id, action=action, note=note, new_due=new_due
        )
    )


async def _apply_once(
    session: AsyncSession,
    *,
    actor: Actor,
    task_id: int,
    action: str,
    note: str | None,
    new_due: dt.date | None,
) -> Change:
    task, agency = await _load_for_actor(session, actor, task_id)
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    note = (note or "").strip()[:NOTE_MAX] or None
    read = dict(vars(task))
    events: list[dict[str, Any]] = []

    if action == "done":
        if task.progress != "done":
            _history(events, task, actor, now, "progress", task.progress, "done", note)
            task.progress, task.done_at = "done", now
            if task.blocked:
                _history(events, task, actor, now, "blocked", "yes", "no", "resolved: done")
                task.blocked = False
            if task.extension_requested:
                _history(
                    events, task, actor, now, "extension_withdrawn", str(task.extension_date), None
                )
                task.extension_requested = False
    elif action == "progress":
        if task.progress != "in_progress":
            _history(events, task, actor, now, "progress", task.progress, "in_progress", note)
            task.progress, task.done_at = "in_progress", None
    elif action == "blocked":
        if not note:
            raise DomainError("block_note_empty")
        _history(events, task, actor, now, "blocked", "yes" if task.blocked else "no", "yes", note)
        task.blocked, task.block_note = True, note
    else:  # extend
        if new_due is None:
            raise DomainError("date_missing")
        if not date_in_range(new_due, today):
            raise DomainError("date_out_of_range")
        if new_due <= today:
            raise DomainError("date_past")
        if task.due_date is not None and new_due <= task.due_date:
            raise DomainError("not_later", due=task.due_date)
        _history(
            events,
            task,
            actor,
            now,
            "extension_requested",
            str(task.due_date) if task.due_date else None,
            new_due.isoformat(),
            note,
        )
        task.extension_requested, task.extension_date, task.extension_note = True, new_due, note

    if not events:  # nothing to change (done twice, say)
        return Change(
            task=view(task, agency, now), action=action, changed=False, note=note, new_due=new_due
        )
    task.updated_at = now
    change = Change(
        task=view(task, agency, now), action=action, changed=True, note=note, new_due=new_due
    )
    if action != "extend":
        _tell_coordinators(events, actor, change)
    event_id = await _save(session, task, read, events)
    if action == "extend":
        await _ask_coordinators(session, event_id=event_id, actor=actor, change=change)
    await session.commit()
    return change


async def record_submission(
    session: AsyncSession,
    *,
    actor: Actor,
    task_id: int,
    file_id: str,
    file_unique_id: str | None,
    file_name: str | None,
    file_size: int | None,
    mime_type: str | None,
) -> Change:
    """A report file sent for a task: kept, and the task is done."""

    async def once() -> Change:
        task, agency = await _load_for_actor(session, actor, task_id)
        now = clock.now()
        read = dict(vars(task))
        events: list[dict[str, Any]] = []
        _history(events, task, actor, now, "submission", None, file_name or file_id)
        if task.progress != "done":
            _history(events, task, actor, now, "progress", task.progress, "done", "report file")
            task.progress, task.done_at = "done", now
            task.blocked = False
            task.extension_requested = False
        task.updated_at = now
        change = Change(
            task=view(task, agency, now), action="submission", changed=True, file_name=file_name
        )
        event_id = await _save(session, task, read, events)
        # The coordinators get the file itself, with a short caption (not a notice line).
        payload = {**notice_of(actor, change), "file_id": file_id}
        await outbox.insert(
            session,
            [
                outbox.row(
                    kind="report_file",
                    chat_id=coord.chat_id,
                    contact_id=coord.id,
                    task_id=task.id,
                    dedupe_key=f"ev{event_id}:{coord.id}",
                    payload=payload,
                )
                for coord in await outbox.coordinators(session)
                if coord.chat_id != actor.chat_id
            ],
        )
        await session.execute(
            _INSERT_SUBMISSION,
            {
                "task_id": task.id,
                "contact_id": actor.contact.id,
                "file_id": file_id,
                "file_unique_id": file_unique_id,
                "file_name": file_name,
                "file_size": file_size,
                "mime_type": mime_type,
                "at": now,
            },
        )
        await session.commit()
        return change

    return await _retrying(once)


# --- decisions by coordinators -------------------------------------------------------------


async def decide_extension(
    session: AsyncSession,
    *,
    actor: Actor,
    task_id: int,
    approve: bool,
    new_due: dt.date | None = None,
    expected_date: dt.date | None = None,
) -> Change:
    """Approve (with a deadline) or refuse a pending extension request; the agency's
    contacts are told either way. `expected_date` guards against a stale button."""
    if actor.contact.role != "coordinator":
        raise DomainError("coordinator_only")
    task, agency = await _load(session, task_id)
    if not task.extension_requested or (
        expected_date is not None and task.extension_date != expected_date
    ):
        raise DomainError("extension_not_pending")
    now = clock.now()
    read = dict(vars(task))
    events: list[dict[str, Any]] = []
    if approve:
        new_due = new_due or task.extension_date
        assert new_due is not None
        today = now.astimezone(clock.VN_TZ).date()
        if not date_in_range(new_due, today):
            raise DomainError("date_out_of_range")
        if new_due <= today:
            raise DomainError("date_past")
        _history(
            events, task, actor, now, "extension_approved", str(task.due_date), new_due.isoformat()
        )
        task.due_date = new_due
    else:
        _history(events, task, actor, now, "extension_refused", str(task.extension_date), None)
    task.extension_requested = False
    task.updated_at = now
    try:
        event_id = await _save(session, task, read, events, deadline=True)
    except _Raced:  # the official changed it meanwhile: the button is stale
        raise DomainError("extension_not_pending") from None
    change = Change(
        task=view(task, agency, now),
        action="approve" if approve else "refuse",
        changed=True,
        new_due=new_due,
    )
    payload = {
        "approved": approve,
        "title": task.title,
        "date": (task.due_date.isoformat() if task.due_date else None),
        "task_id": task.id,
    }
    await outbox.insert(
        session,
        [
            outbox.row(
                kind="extension_decision",
                chat_id=official.chat_id,
                contact_id=official.id,
                task_id=task.id,
                dedupe_key=f"ev{event_id}:{official.id}",
                payload=payload,
            )
            for official in await reminders.recipients_of(session, task.agency_id)
        ],
    )
    if approve:
        await reminders.sync_task(session, task, get_settings(session))
    await session.commit()
    return change


async def history(session: AsyncSession, *, task_id: int) -> list[TaskEvent]:
    rows = await session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task_id).order_by(col(TaskEvent.id))
    )
    return list(rows.all())
