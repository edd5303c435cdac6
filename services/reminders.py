"""Reminder occurrences as outbox rows: one row per reminder, per recipient.

The database is the scheduler's truth. Rows are made ahead of time (`sync_task`) from the
deadline's schedule (services.schedule), for every reachable contact of the agency, and
the dispatcher sends each when its time comes. Keys are stable (task, contact, deadline,
rule), so making them again is harmless: an INSERT that meets an existing key does
nothing, and a row already sent is never made twice. When a deadline moves, rows of the
old deadline still pending are deleted. Rows are made whatever the task's status, and a
status change does not touch them: a reminder of a task that is done when it falls due
is skipped then (jobs/reminders.py), and one reopened meanwhile gets it.

`plan_ahead` runs daily (and at start): it keeps the seasonal calendar of this year and
the next in the `event` table, makes the event notices, the escalations of tasks overdue
by N working days, and the weekly digest for coordinators.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, Contact, Event, Outbox, Task
from services import clock, outbox
from services.errors import DomainError
from services.events import (
    EVENT_NAMES,
    FORUM_REPORT_WITHIN_DAYS,
    EventKind,
    SeasonalEvent,
    event_notice_dates,
    seasonal_events,
)
from services.schedule import ReminderPolicy, escalation_date, reminder_schedule
from services.settings import Settings
from services.status import CLOSED
from services.vncalendar import is_workday, next_workday, prev_workday

REMINDER_KINDS = ("reminder", "standing")
SLICE = 20  # tasks synced between two turns of the event loop (sync_tasks)


def policy_for(task: Task | SimpleNamespace, settings: Settings) -> ReminderPolicy:
    policy = ReminderPolicy.from_settings(settings)
    if task.reminder_offsets:
        offsets = tuple(int(x) for x in task.reminder_offsets.split(",") if x.strip())
        policy = ReminderPolicy(
            offsets_days=offsets,
            at=policy.at,
            overdue_every_days=policy.overdue_every_days,
            overdue_max=policy.overdue_max,
            workdays_only=policy.workdays_only,
        )
    return policy


_INSERT_NEW = {  # by "is PostgreSQL"; built once (see services.tasks._update_if_unchanged)
    pg: (postgresql.insert if pg else sqlite.insert)(Outbox.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["dedupe_key"]
    )
    for pg in (False, True)
}


async def insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """INSERT outbox rows; a row whose dedupe_key exists is left as it is."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    # One statement, executed for many rows: cheaper than building a multi-row VALUES each time.
    stmt = _INSERT_NEW[dialect == "postgresql"]
    for start in range(0, len(rows), 1000):
        await session.execute(stmt, rows[start : start + 1000])


CONTACT = Contact.__table__  # type: ignore[attr-defined]
_RECIPIENTS = sa.select(CONTACT.c.id, CONTACT.c.chat_id).where(
    CONTACT.c.agency_id == sa.bindparam("agency_id"), CONTACT.c.reachable.is_(True)
)


async def recipients_of(session: AsyncSession, agency_id: int) -> list[outbox.Recipient]:
    """The agency's reachable contacts (id and chat)."""
    rows = await session.execute(_RECIPIENTS, {"agency_id": agency_id})
    return [outbox.Recipient(id=cid, chat_id=chat) for cid, chat in rows.all()]


OUTBOX = outbox.OUTBOX
_DELETE_PENDING = OUTBOX.delete().where(
    OUTBOX.c.task_id == sa.bindparam("task_id"),
    OUTBOX.c.kind == "reminder",
    OUTBOX.c.state == "pending",
)
_DELETE_STALE = _DELETE_PENDING.where(~OUTBOX.c.dedupe_key.like(sa.bindparam("keep")))


async def sync_task(
    session: AsyncSession,
    task: Task | SimpleNamespace,
    settings: Settings,
    contacts: list[outbox.Recipient] | None = None,
) -> int:
    """Make the task's reminder rows match its deadline. Returns rows added."""
    prefix = f"rem:{task.id}:"
    if task.due_date is None or task.due_date.year >= dt.MAXYEAR:
        # (No reminders past the calendar's end: typed dates are range-checked, this keeps
        # a stray one from failing in the date arithmetic.)
        await session.execute(_DELETE_PENDING, {"task_id": task.id})
        return 0
    if contacts is None:
        contacts = await recipients_of(session, task.agency_id)
    now = clock.now()
    stamp = task.due_date.isoformat()
    schedule = reminder_schedule(task.due_date, policy_for(task, settings), task.due_time)
    # Pending rows of another deadline are stale.
    await session.execute(_DELETE_STALE, {"task_id": task.id, "keep": f"{prefix}%:{stamp}:%"})
    rows = [
        outbox.row(
            kind="reminder",
            dedupe_key=f"{prefix}{contact.id}:{stamp}:{occ.kind}:{occ.offset_days}",
            chat_id=contact.chat_id,
            contact_id=contact.id,
            task_id=task.id,
            payload={"at": occ.at_utc.isoformat(), "rule": occ.kind, "offset": occ.offset_days},
            due_at=occ.at_utc,
        )
        for contact in contacts
        for occ in schedule
        if occ.at_utc >= now
    ]
    await insert_ignoring_duplicates(session, rows)
    await _sync_escalation(session, task, settings)
    if task.kind == "report":
        rows_added = await _sync_standing(session, task, settings, contacts)
        return len(rows) + rows_added
    return len(rows)


_DELETE_STANDING_STALE = OUTBOX.delete().where(
    OUTBOX.c.task_id == sa.bindparam("task_id"),
    OUTBOX.c.kind == "standing",
    OUTBOX.c.state == "pending",
    ~OUTBOX.c.dedupe_key.like(sa.bindparam("keep")),
)


def standing_check_at(due: dt.date, settings: Settings) -> dt.datetime:
    """When a body is asked about its standing duties ahead of a report deadline: lead days
    before it, on a working day (the one before, when that day is off), at reminder time."""
    day = due - dt.timedelta(days=settings.standing_lead_days)
    if settings.workdays_only:
        day = prev_workday(day, inclusive=True)
    return dt.datetime.combine(day, settings.reminder_time, tzinfo=clock.VN_TZ).astimezone(
        clock.UTC
    )


async def _sync_standing(
    session: AsyncSession,
    task: Task | SimpleNamespace,
    settings: Settings,
    contacts: list[outbox.Recipient],
) -> int:
    """Before each report deadline of a body, its standing duties are asked about (one
    message per contact, listing them; jobs/reminders.render_standing), so they are
    answered too. Rows are keyed by the report task and its deadline, like reminders."""
    assert task.due_date is not None
    stamp = task.due_date.isoformat()
    await session.execute(
        _DELETE_STANDING_STALE, {"task_id": task.id, "keep": f"std:{task.id}:%:{stamp}:%"}
    )
    at = standing_check_at(task.due_date, settings)
    if at < clock.now():
        return 0
    rows = [
        outbox.row(
            kind="standing",
            dedupe_key=f"std:{task.id}:{contact.id}:{stamp}:lead",
            chat_id=contact.chat_id,
            contact_id=contact.id,
            task_id=task.id,
            payload={"report": task.id},
            due_at=at,
        )
        for contact in contacts
    ]
    await insert_ignoring_duplicates(session, rows)
    return len(rows)


async def _sync_escalation(
    session: AsyncSession, task: Task | SimpleNamespace, settings: Settings
) -> None:
    """A task still open N working days after its deadline is reported to coordinators."""
    assert task.due_date is not None
    day = escalation_date(task.due_date, settings.escalate_after_workdays)
    at = dt.datetime.combine(day, settings.reminder_time, tzinfo=clock.VN_TZ).astimezone(clock.UTC)
    if at < clock.now():
        return
    coordinators = await session.scalars(
        select(Contact).where(
            col(Contact.role) == "coordinator",
            col(Contact.chat_type) == "private",  # a group never hears coordinators' notices
            col(Contact.reachable).is_(True),
        )
    )
    await insert_ignoring_duplicates(
        session,
        [
            outbox.row(
                kind="escalation",
                dedupe_key=f"esc:{task.id}:{c.id}:{task.due_date.isoformat()}",
                chat_id=c.chat_id,
                contact_id=c.id,
                task_id=task.id,
                payload={},
                due_at=at,
            )
            for c in coordinators.all()
        ],
    )


async def sync_tasks(session: AsyncSession, tasks: Iterable[Task], settings: Settings) -> int:
    added = 0
    contacts_by_agency: dict[int, list[outbox.Recipient]] = {}
    for n, task in enumerate(tasks):
        if n % SLICE == SLICE - 1:  # a turn of the event loop now and then (plan activation)
            await asyncio.sleep(0)
        if task.agency_id not in contacts_by_agency:
            contacts_by_agency[task.agency_id] = await recipients_of(session, task.agency_id)
        added += await sync_task(session, task, settings, contacts_by_agency[task.agency_id])
    return added


async def sync_agency(session: AsyncSession, agency_id: int, settings: Settings) -> int:
    """After a contact joins (or comes back): reminders of every task of the agency (those
    of a task done are skipped when due, unless it is reopened by then)."""
    agency_tasks = await session.scalars(select(Task).where(Task.agency_id == agency_id))
    added = await sync_tasks(session, agency_tasks.all(), settings)
    added += await sync_events_for(session, settings, agency_ids={agency_id})
    return added


# --- events ----------------------------------------------------------------------------


async def ensure_seasonal_events(session: AsyncSession, year: int, settings: Settings) -> None:
    existing = set((await session.scalars(select(Event.key).where(Event.year == year))).all())
    now = clock.now()
    forum = await session.scalar(
        select(Event).where(Event.key == "children_forum", Event.year == year)
    )
    for ev in seasonal_events(
        year, forum.start if forum else None, lead_days=settings.event_lead_days
    ):
        if ev.key in existing:
            continue
        session.add(
            Event(
                key=ev.key,
                year=year,
                name=ev.name,
                start=ev.start,
                end=ev.end,
                lunar=f"{ev.lunar[1]}/{ev.lunar[0]}" if ev.lunar else None,
                kind=ev.kind,
                lead_days=",".join(str(d) for d in ev.lead_days),
                source="seasonal",
                created_at=now,
            )
        )
    await session.flush()


def notice_days(event: Event, workdays_only: bool) -> list[dt.date]:
    lead = tuple(int(x) for x in event.lead_days.split(",") if x.strip())
    shape = SeasonalEvent(
        key=event.key,
        name=event.name,
        start=event.start,
        end=event.end,
        lead_days=lead,
        kind=cast(EventKind, event.kind),  # the column holds an EventKind, stored as text
    )
    return event_notice_dates(shape, workdays_only=workdays_only)


NOTICE_HORIZON = dt.timedelta(days=45)  # notice rows are made this far ahead, daily


async def sync_events_for(
    session: AsyncSession,
    settings: Settings,
    agency_ids: set[int] | None = None,
    events: list[Event] | None = None,
) -> int:
    """Notice rows for events ahead (within NOTICE_HORIZON), for every reachable contact
    they concern. Rows that exist are not written again."""
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    horizon = now + NOTICE_HORIZON
    if events is None:
        events = list(
            (
                await session.scalars(
                    select(Event).where(
                        Event.end >= today, Event.start <= (horizon + dt.timedelta(days=400)).date()
                    )
                )
            ).all()
        )
    agencies = {a.id: a for a in (await session.scalars(select(Agency))).all()}
    contacts = (
        await session.scalars(
            select(Contact).where(
                col(Contact.reachable).is_(True), col(Contact.agency_id).is_not(None)
            )
        )
    ).all()
    wanted: dict[str, dict[str, Any]] = {}
    for event in events:
        codes = (
            {c.strip().upper() for c in event.agency_codes.split(",")}
            if event.agency_codes
            else None
        )
        for day in notice_days(event, settings.workdays_only):
            at = dt.datetime.combine(day, settings.reminder_time, tzinfo=clock.VN_TZ).astimezone(
                clock.UTC
            )
            if at < now or at > horizon:
                continue
            for contact in contacts:
                agency = agencies.get(contact.agency_id)
                if agency is None or (agency_ids is not None and agency.id not in agency_ids):
                    continue
                if codes is not None and agency.code.upper() not in codes:
                    continue
                key = f"evt:{event.id}:{contact.id}:{day.isoformat()}"
                wanted[key] = outbox.row(
                    kind="event",
                    dedupe_key=key,
                    chat_id=contact.chat_id,
                    contact_id=contact.id,
                    ref_id=event.id,
                    payload={"event_id": event.id, "day": day.isoformat()},
                    due_at=at,
                )
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        for existing in (
            await session.scalars(
                select(Outbox.dedupe_key).where(
                    col(Outbox.dedupe_key).in_(keys[start : start + 500])
                )
            )
        ).all():
            wanted.pop(existing, None)
    await insert_ignoring_duplicates(session, list(wanted.values()))
    return len(wanted)


async def add_event(
    session: AsyncSession,
    *,
    name: str,
    start: dt.date,
    end: dt.date | None = None,
    agency_codes: list[str] | None = None,
    lead_days: list[int] | None = None,
    settings: Settings,
    forum: bool = False,
) -> Event:
    """A coordinator's own event. A children's forum (`forum`) brings its report, due
    15 days after it."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("event_name_empty")
    if lead_days is not None and any(d < 0 for d in lead_days):
        raise DomainError("lead_invalid")
    now = clock.now()
    codes = ",".join(c.strip().upper() for c in agency_codes) if agency_codes else None
    leads = ",".join(
        str(d) for d in (lead_days if lead_days is not None else settings.event_lead_days)
    )
    count = await session.scalar(
        select(sa.func.count()).select_from(Event).where(Event.source == "custom")
    )
    made = [
        Event(
            key="children_forum" if forum else f"custom-{(count or 0) + 1}",
            year=start.year,
            name=name,
            start=start,
            end=end or start,
            agency_codes=codes,
            lead_days=leads,
            source="custom",
            created_at=now,
        )
    ]
    if forum:
        due = start + dt.timedelta(days=FORUM_REPORT_WITHIN_DAYS)
        made.append(
            Event(
                key="forum_report",
                year=start.year,
                name=EVENT_NAMES["forum_report"],
                start=due,
                end=due,
                kind="report",
                agency_codes=codes,
                lead_days="14,7,3,0",
                source="custom",
                created_at=now,
            )
        )
    for event in made:
        # A forum set again replaces the earlier date (one forum per year).
        await session.execute(
            sa.delete(Event).where(col(Event.key) == event.key, col(Event.year) == event.year)
        )
        session.add(event)
    await session.flush()
    await sync_events_for(session, settings, events=made)
    await session.commit()
    return made[0]


# --- planning ahead --------------------------------------------------------------------


def _monday_digest_at(today: dt.date, settings: Settings) -> dt.datetime:
    days = (settings.digest_weekday - today.weekday()) % 7
    day = today + dt.timedelta(days=days)
    at = dt.datetime.combine(day, settings.digest_time, tzinfo=clock.VN_TZ)
    if at.astimezone(clock.UTC) < clock.now():
        at += dt.timedelta(days=7)
    return at.astimezone(clock.UTC)


async def plan_ahead(session: AsyncSession, settings: Settings) -> None:
    """The daily pass: seasonal events, their notices, escalations coming up (for
    coordinators who joined after the task was made), and next week's digest."""
    today = clock.today_vn()
    for year in (today.year, today.year + 1):
        await ensure_seasonal_events(session, year, settings)
    await sync_events_for(session, settings)
    soon = await session.scalars(
        select(Task).where(
            col(Task.progress).not_in(CLOSED),
            col(Task.due_date).is_not(None),
            col(Task.due_date) >= today - dt.timedelta(days=14),
            col(Task.due_date) <= today + dt.timedelta(days=7),
        )
    )
    for task in soon.all():
        await _sync_escalation(session, task, settings)
    at = _monday_digest_at(today, settings)
    coordinators = (
        await session.scalars(
            select(Contact).where(
                col(Contact.role) == "coordinator",
                col(Contact.chat_type) == "private",  # a group never hears coordinators' notices
                col(Contact.reachable).is_(True),
            )
        )
    ).all()
    week = at.astimezone(clock.VN_TZ).date().isoformat()
    await insert_ignoring_duplicates(
        session,
        [
            outbox.row(
                kind="digest",
                dedupe_key=f"digest:{week}:{c.id}",
                chat_id=c.chat_id,
                contact_id=c.id,
                payload={"week": week},
                due_at=at,
            )
            for c in coordinators
        ],
    )
    await session.commit()


def working_hours_start(after: dt.datetime, settings: Settings) -> dt.datetime:
    """The next moment within working hours on a working day (for late catch-up)."""
    local = after.astimezone(clock.VN_TZ)
    day = local.date()
    start = dt.datetime.combine(day, settings.working_hours_start, tzinfo=clock.VN_TZ)
    end = dt.datetime.combine(day, settings.working_hours_end, tzinfo=clock.VN_TZ)
    if is_workday(day) and start <= local < end:
        return after
    if is_workday(day) and local < start:
        return start.astimezone(clock.UTC)
    nxt = next_workday(day)
    return dt.datetime.combine(nxt, settings.working_hours_start, tzinfo=clock.VN_TZ).astimezone(
        clock.UTC
    )


async def events_of_year(session: AsyncSession, year: int, settings: Settings) -> list[Event]:
    """The year's calendar: seasonal events (made on first use) and everyone's own."""
    await ensure_seasonal_events(session, year, settings)
    await session.commit()
    rows = await session.scalars(
        select(Event).where(Event.year == year).order_by(col(Event.start), col(Event.key))
    )
    return list(rows.all())


async def upcoming_events(session: AsyncSession, limit: int = 10) -> list[Event]:
    today = clock.today_vn()
    rows = await session.scalars(
        select(Event).where(Event.end >= today).order_by(col(Event.start)).limit(limit)
    )
    return list(rows.all())
