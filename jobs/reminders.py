"""Render reminders, event notices, escalations and digests at send time, from fresh data:
a task done since its reminder was queued gets nothing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot import render, review, texts
from bot.keyboards import markup_to_json, plan_keyboard, task_card_keyboard, task_list_keyboard
from db.models import Agency, Contact, Event, Outbox, Plan, Task
from jobs.render import Outgoing
from services import clock, summary
from services.reminders import working_hours_start
from services.settings import Settings
from services.status import CLOSED
from services.tasks import view
from services.textfit import clip
from services.vncalendar import workdays_between

LATE_AFTER = dt.timedelta(minutes=15)
REMINDER_TITLE = 400  # a reminder names its task in full unless it is a paragraph


@dataclass(frozen=True)
class Defer:
    """Not now: put the rows back until `until` (late catch-up waits for working hours)."""

    until: dt.datetime


def is_late(rows: list[Outbox], now: dt.datetime) -> bool:
    return any(r.late or r.due_at < now - LATE_AFTER for r in rows)


async def render_reminder(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | Defer | None:
    """One message per task and chat, however many of its reminders fell due meanwhile."""
    now = clock.now()
    task = await session.get(Task, rows[0].task_id)
    if task is None or task.progress in CLOSED or task.due_date is None:
        return None
    late = is_late(rows, now)
    if late:
        start = working_hours_start(now, settings)
        if start > now:
            return Defer(start)
        # The catch-up message stands for the rest of today's reminders of this task too.
        end_of_day = dt.datetime.combine(
            now.astimezone(clock.VN_TZ).date(), dt.time.max, tzinfo=clock.VN_TZ
        )
        await session.execute(
            sa.update(Outbox)
            .where(
                col(Outbox.kind) == "reminder",
                col(Outbox.task_id) == task.id,
                col(Outbox.chat_id) == rows[0].chat_id,
                col(Outbox.state) == "pending",
                col(Outbox.due_at) <= end_of_day,
            )
            .values(state="skipped", error="collapsed into a catch-up")
        )
        await session.commit()
    agency = await session.get(Agency, task.agency_id)
    assert agency is not None
    v = view(task, agency, now)
    head = (
        texts.REMINDER_HEAD_OVERDUE
        if v.status == "overdue"
        else (texts.REMINDER_HEAD_DUE if v.days_left == 0 else texts.REMINDER_HEAD)
    )
    lines = [head.format(agency=render.name_of(agency.name))]
    if late:
        lines.append(texts.REMINDER_LATE)
    lines.append(
        texts.REMINDER_BODY.format(
            title=render.short_title(v, REMINDER_TITLE),
            due=render.due_line(v),
            status=render.status_text(v),
        )
    )
    lines.append(texts.REMINDER_ASK_REQUEST if agency.requested else texts.REMINDER_ASK_ORDER)
    return Outgoing(
        render.fit("\n".join(lines)),
        keyboard=markup_to_json(task_card_keyboard(v.id)),
        link_task_ids=[v.id],
        late=late,
    )


async def render_escalation(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    now = clock.now()
    task = await session.get(Task, rows[0].task_id)
    if task is None or task.progress in CLOSED or task.due_date is None:
        return None
    agency = await session.get(Agency, task.agency_id)
    assert agency is not None
    v = view(task, agency, now)
    if v.status != "overdue":
        return None
    days = workdays_between(task.due_date, now.astimezone(clock.VN_TZ).date())
    return Outgoing(
        texts.ESCALATION.format(
            agency=render.name_of(agency.name),
            days=days,
            title=render.short_title(v, render.TITLE_IN_LINE),
            due=texts.date_vn(task.due_date),
            status=render.status_text(v),
        )
    )


def _when_text(event: Event, today: dt.date) -> str:
    left = texts.days_left((event.start - today).days)
    if event.start == event.end:
        return texts.EVENT_WHEN_DAY.format(date=texts.date_weekday_vn(event.start), left=left)
    return texts.EVENT_WHEN_RANGE.format(
        start=texts.date_vn(event.start), end=texts.date_vn(event.end), left=left
    )


async def render_event(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    row = rows[0]
    event = await session.get(Event, row.ref_id)
    contact = await session.get(Contact, row.contact_id) if row.contact_id else None
    if event is None:
        return None
    agency = await session.get(Agency, contact.agency_id) if contact and contact.agency_id else None
    requested = bool(agency and agency.requested)
    today = clock.today_vn()
    if event.kind == "report":
        lines = [
            texts.EVENT_REPORT_HEAD.format(name=clip(event.name, 200)),
            _when_text(event, today),
            texts.EVENT_ASK_REPORT_REQUEST if requested else texts.EVENT_ASK_REPORT_ORDER,
        ]
    else:
        lines = [texts.EVENT_HEAD.format(name=clip(event.name, 200)), _when_text(event, today)]
        if event.lunar:
            lines.append(texts.EVENT_LUNAR.format(lunar=event.lunar))
        lines.append(texts.EVENT_ASK_REQUEST if requested else texts.EVENT_ASK_ORDER)
    return Outgoing("\n".join(lines))


async def render_digest(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    """Monday's digest: the next 14 days, overdue, obstacles, extensions, unreachable agencies."""
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    horizon = today + dt.timedelta(days=14)
    pairs = (
        await session.execute(
            select(Task, Agency)
            .join(Agency, col(Agency.id) == Task.agency_id)
            .where(col(Task.progress).not_in(CLOSED))
            .order_by(col(Task.due_date), col(Task.id))
        )
    ).all()
    upcoming, overdue, blocked, extensions = [], [], [], []
    line = render.TITLE_IN_LINE // 2  # a digest names many tasks: short titles
    for task, agency in pairs:
        v = view(task, agency, now)
        name = render.name_of(agency.name)
        title = render.short_title(v, line)
        if v.status == "overdue":
            assert task.due_date is not None  # only a task with a deadline is overdue
            overdue.append(
                texts.DIGEST_OVERDUE_ROW.format(
                    agency=name,
                    title=title,
                    due=texts.date_vn(task.due_date),
                    days=-(v.days_left or 0),
                )
            )
        elif task.due_date and today <= task.due_date <= horizon:
            upcoming.append(
                texts.DIGEST_UPCOMING_ROW.format(
                    due=texts.date_weekday_vn(task.due_date), agency=name, title=title
                )
            )
        if task.blocked:
            blocked.append(
                texts.DIGEST_BLOCKED_ROW.format(
                    agency=name, title=title, note=clip(task.block_note, 80)
                )
            )
        if task.extension_requested and task.extension_date:
            extensions.append(
                texts.DIGEST_EXTENSION_ROW.format(
                    agency=name, title=title, date=texts.date_vn(task.extension_date)
                )
            )
    unreachable = [
        texts.DIGEST_UNREACHABLE_ROW.format(agency=render.name_of(name))
        for name in await summary.agencies_without_reachable_contact(session)
    ]
    sections = [texts.DIGEST_HEADER.format(date=texts.date_vn(today))]
    for title, items in (
        (texts.DIGEST_UPCOMING, upcoming),
        (texts.DIGEST_OVERDUE, overdue),
        (texts.DIGEST_BLOCKED, blocked),
        (texts.DIGEST_EXTENSIONS, extensions),
        (texts.DIGEST_UNREACHABLE, unreachable),
    ):
        shown = items[:DIGEST_ROWS] + (
            [texts.DIGEST_MORE.format(count=len(items) - DIGEST_ROWS)]
            if len(items) > DIGEST_ROWS
            else []
        )
        sections.append(title + "\n" + ("\n".join(shown) if items else texts.DIGEST_NONE))
    return Outgoing(render.fit("\n\n".join(sections)))


DIGEST_ROWS = 4  # per section; the rest counted (/tonghop, /quahan have them all)


async def render_agency_unreachable(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    payload = json.loads(rows[0].payload or "{}")
    return Outgoing(
        texts.AGENCY_UNREACHABLE.format(
            agency=render.name_of(payload.get("agency", "")),
            who=render.name_of(payload.get("who", "")),
            reason=texts.UNREACHABLE_REASON_BLOCKED,
        )
    )


async def render_standing(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    """Before a report deadline: the body's standing duties not yet reported done, as a
    numbered list with a button each (a /viec list of its own), so they are answered."""
    report = await session.get(Task, rows[0].task_id)
    if report is None or report.progress in CLOSED or report.due_date is None:
        return None
    agency = await session.get(Agency, report.agency_id)
    assert agency is not None
    duties = (
        await session.scalars(
            select(Task)
            .where(
                Task.agency_id == agency.id,
                col(Task.due_date).is_(None),
                col(Task.progress).not_in(CLOSED),
            )
            .order_by(col(Task.id))
        )
    ).all()
    if not duties:
        return None
    now = clock.now()
    views = [view(t, agency, now) for t in duties]
    head = (texts.STANDING_HEAD_REQUEST if agency.requested else texts.STANDING_HEAD).format(
        agency=render.name_of(agency.name),
        report=render.title_of(report.title, report.due_date, 60),
        date=texts.date_vn(report.due_date),
        count=len(views),
    )
    page = render.task_list_page(agency.name, views, 0, head=head, hint=None)
    entries = [(n, v.id, render.button_title(n, v.title, v.due_date)) for n, v in page.shown]
    return Outgoing(
        page.text,
        keyboard=markup_to_json(task_list_keyboard(entries, page.page, page.pages)),
        link_task_ids=[v.id for v in views],
        link_purpose="list",
    )


RENDERERS = {
    "reminder": render_reminder,
    "standing": render_standing,
    "escalation": render_escalation,
    "event": render_event,
    "digest": render_digest,
    "agency_unreachable": render_agency_unreachable,
}


async def render_plan_review(
    session: AsyncSession, rows: list[Outbox], settings: Settings
) -> Outgoing | None:
    plan = await session.get(Plan, rows[0].ref_id)
    if plan is None or plan.state != "draft":
        return None
    text, past = review.draft_review(plan, clock.today_vn())
    return Outgoing(text, keyboard=markup_to_json(plan_keyboard(plan.id or 0, past=past)))


RENDERERS["plan_review"] = render_plan_review
