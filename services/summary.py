"""Where everything stands: counts by status per agency, overdue tasks, obstacles and
extension requests waiting for an answer. One query, computed in Python: fast enough for
500 agencies x 20 tasks (see bench/updates.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, Contact, Task, TaskEvent
from services import clock
from services.agencies import find_agency
from services.broadcasts import agency_ids_for, find_group
from services.collation import sort_vi, vi_key
from services.status import CANCELLED, STATUSES, deadline_at


@dataclass
class AgencySummary:
    agency_id: int
    name: str
    code: str
    counts: Counter[str] = field(default_factory=Counter)
    overdue: list[tuple[str, dt.date]] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)
    extensions: list[tuple[str, dt.date]] = field(default_factory=list)
    cancelled: int = 0  # counted apart: not in `counts` nor in `total`

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def behind_key(self) -> tuple:
        """Most behind first: most overdue, then most obstacles and requests waiting, then
        most dated tasks open, then most standing duties not reported, then by name."""
        c = self.counts
        return (
            -c["overdue"],
            -(len(self.blocked) + len(self.extensions)),
            -(c["not_due"] + c["in_progress"]),
            -c["standing"],
            vi_key(self.name),
        )


@dataclass
class Summary:
    date: dt.date
    agencies: list[AgencySummary]

    @property
    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for agency in self.agencies:
            total.update(agency.counts)
        return total

    @property
    def task_count(self) -> int:
        return sum(a.total for a in self.agencies)

    @property
    def cancelled(self) -> int:
        return sum(a.cancelled for a in self.agencies)

    def behind_first(self) -> list[AgencySummary]:
        return sorted(self.agencies, key=AgencySummary.behind_key)


def _name(row: sa.Row) -> str:
    return row[1]


async def summarize(session: AsyncSession, *, agency_ids: list[int] | None = None) -> Summary:
    now = clock.now()
    # Core statements on the tables: 10,000 rows come back as plain tuples.
    agency, task = Agency.__table__, Task.__table__  # type: ignore[attr-defined]
    agencies_q = sa.select(agency.c.id, agency.c.name, agency.c.code)
    # Unordered: sorting every task costs more than sorting the few listed by name (below).
    tasks_q = sa.select(
        task.c.id,
        task.c.agency_id,
        task.c.title,
        task.c.due_date,
        task.c.due_time,
        task.c.progress,
        task.c.done_at,
        task.c.blocked,
        task.c.block_note,
        task.c.extension_requested,
        task.c.extension_date,
    )
    if agency_ids is not None:
        agencies_q = agencies_q.where(agency.c.id.in_(agency_ids))
        tasks_q = tasks_q.where(task.c.agency_id.in_(agency_ids))
    by_id = {
        aid: AgencySummary(agency_id=aid, name=name, code=code)
        for aid, name, code in sort_vi((await session.execute(agencies_q)).all(), key=_name)
    }
    deadlines: dict[tuple[dt.date, dt.time | None], dt.datetime] = {}
    listed: list[tuple[dt.date, int, list, tuple]] = []  # (deadline, id, list, item): sorted below
    for row in (await session.execute(tasks_q)).all():
        (
            task_id,
            agency_id,
            title,
            due,
            due_time,
            progress,
            done_at,
            blocked,
            note,
            ext,
            ext_date,
        ) = row
        summary = by_id.get(agency_id)
        if summary is None:
            continue
        deadline = None
        if due is not None:
            deadline = deadlines.get((due, due_time))
            if deadline is None:
                deadline = deadlines[(due, due_time)] = deadline_at(due, due_time)
        # Inlined task_status: this loop runs once per task of the province.
        if progress == CANCELLED:
            summary.cancelled += 1
            continue
        if deadline is None:
            status = "standing_done" if progress == "done" else "standing"
        elif progress == "done":
            status = "done_late" if done_at and done_at > deadline else "done_on_time"
        elif now > deadline:
            status = "overdue"
            listed.append((due, task_id, summary.overdue, (title, due)))
        else:
            status = "in_progress" if progress == "in_progress" else "not_due"
        summary.counts[status] += 1
        if progress != "done":
            if blocked:
                listed.append((due or dt.date.max, task_id, summary.blocked, (title, note or "")))
            if ext and ext_date:
                listed.append((due or dt.date.max, task_id, summary.extensions, (title, ext_date)))
    listed.sort(key=lambda entry: entry[:2])  # nearest deadline first, as tasks are listed
    for _, _, into, item in listed:
        into.append(item)
    return Summary(date=now.astimezone(clock.VN_TZ).date(), agencies=list(by_id.values()))


__all__ = ["STATUSES", "AgencySummary", "Summary", "summarize"]


async def agencies_without_reachable_contact(session: AsyncSession) -> list[str]:
    """Names of agencies nobody can be reached at: no contact, or all blocked the bot."""
    reachable = select(Contact.agency_id).where(
        col(Contact.reachable).is_(True), col(Contact.agency_id).is_not(None)
    )
    rows = await session.scalars(select(Agency.name).where(col(Agency.id).not_in(reachable)))
    return sorted(rows.all(), key=vi_key)


@dataclass
class Silence:
    never_answered: list[str]
    no_contact: list[str]
    unreachable: list[tuple[str, str]]  # (agency, person)


async def overdue_by_agency(
    session: AsyncSession,
) -> list[tuple[str, list[tuple[str, dt.date, int]]]]:
    """Every task past its deadline, grouped by body: (body, [(task, deadline, days late)]),
    bodies with the most overdue first (then the oldest deadline), tasks oldest first."""
    today = clock.today_vn()
    result = await summarize(session)
    groups = [
        (a.name, [(title, due, (today - due).days) for title, due in a.overdue])
        for a in result.agencies
        if a.overdue
    ]
    return sorted(groups, key=lambda g: (-len(g[1]), min(d for _, d, _ in g[1]), vi_key(g[0])))


async def overdue(session: AsyncSession) -> list[tuple[str, str, dt.date, int]]:
    """(agency, task, deadline, days late) of every task past its deadline, oldest first."""
    today = clock.today_vn()
    result = await summarize(session)
    rows = [
        (a.name, title, due, (today - due).days)
        for a in result.agencies
        for title, due in a.overdue
    ]
    return sorted(rows, key=lambda r: (r[2], vi_key(r[0])))


async def silence(session: AsyncSession) -> Silence:
    """Agencies that never answered anything, and those nobody can be reached at."""
    answered = (
        select(Task.agency_id)
        .join(TaskEvent, col(TaskEvent.task_id) == Task.id)
        .where(col(TaskEvent.actor_contact_id).is_not(None))
    )
    with_tasks = select(Task.agency_id)
    never = await session.scalars(
        select(Agency.name).where(col(Agency.id).in_(with_tasks), col(Agency.id).not_in(answered))
    )
    contacts = select(Contact.agency_id).where(col(Contact.agency_id).is_not(None))
    nobody = await session.scalars(select(Agency.name).where(col(Agency.id).not_in(contacts)))
    blocked = await session.execute(
        select(Agency.name, Contact.display_name)
        .join(Contact, col(Contact.agency_id) == Agency.id)
        .where(col(Contact.reachable).is_(False))
        .order_by(col(Contact.id))
    )
    return Silence(
        never_answered=sorted(never.all(), key=vi_key),
        no_contact=sorted(nobody.all(), key=vi_key),
        unreachable=sort_vi(((a, p) for a, p in blocked.all()), key=lambda row: row[0]),
    )


async def resolve_scope(session: AsyncSession, ref: str) -> list[int] | None:
    """Agency ids named by a code, a name or a saved group; None when nothing matches."""
    agency = await find_agency(session, ref)
    if agency is not None:
        return [agency.id]  # type: ignore[list-item]
    group = await find_group(session, ref)
    if group is not None:
        return await agency_ids_for(session, f"group:{group.id}")
    return None
