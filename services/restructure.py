"""Bodies merged and split, as provinces and communes were in 2025.

Merging A into B, step by step (one transaction):
1. A's tasks become B's, each with a history row ("moved", A → B); their plan keys are
   re-made under B, so importing the plan again finds them there (services.plans.rekeyed;
   a duty both bodies had keeps A's key and is not made twice).
2. A's contacts become B's (each in the audit trail); unused invites for A now link to B.
3. A's saved groups now hold B; events meant for A (by code) are meant for B.
4. A's name and code, and every name A had before, find B from now on (AgencyAlias).
5. A is deleted; B's reminders are made for every contact it now has.

Splitting A into B, C, ... : each task goes where `tasks` says, or else to the first new
body, and an open task is also copied to the others (each successor owes it); contacts go
where `contacts` says, or to the first; groups and events name every successor; A's name
finds the first successor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, AgencyGroupMember, Contact, Invite, Plan, Task, TaskEvent
from services import audit, clock, outbox, reminders
from services.agencies import (
    find_agency,
    get_agency,
    keep_former_name,
    new_agency,
    replace_event_codes,
)
from services.audit import Who
from services.errors import DomainError
from services.plans import rekeyed
from services.settings import get_settings
from services.status import CLOSED
from services.task_admin import move_task


@dataclass
class Restructured:
    source: str
    targets: list[str]
    tasks_moved: int = 0
    tasks_copied: int = 0
    contacts_moved: int = 0
    groups: int = 0
    created: list[str] = field(default_factory=list)


async def _plan_keys(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(sa.select(col(Plan.id), col(Plan.plan_key)))
    return {pid: key for pid, key in rows.all() if pid is not None}  # a primary key: never None


async def _move_contacts(
    session: AsyncSession, contacts: list[Contact], old: Agency, new: Agency, who: Who
) -> None:
    for contact in contacts:
        contact.agency_id = new.id
        audit.record(
            session,
            action="agency_changed",
            who=who,
            contact=contact,
            agency_name=new.name,
            detail={"from": old.name, "to": new.name},
        )


async def _join_groups(session: AsyncSession, old: Agency, news: list[Agency]) -> int:
    groups = list(
        (
            await session.scalars(
                select(AgencyGroupMember.group_id).where(AgencyGroupMember.agency_id == old.id)
            )
        ).all()
    )
    for group_id in groups:
        members = set(
            (
                await session.scalars(
                    select(AgencyGroupMember.agency_id).where(
                        AgencyGroupMember.group_id == group_id
                    )
                )
            ).all()
        )
        for agency in news:
            if agency.id not in members:
                session.add(AgencyGroupMember(group_id=group_id, agency_id=agency.id))  # type: ignore[arg-type]
    await session.execute(
        sa.delete(AgencyGroupMember).where(col(AgencyGroupMember.agency_id) == old.id)
    )
    return len(groups)


async def _retire(session: AsyncSession, old: Agency, successor: Agency) -> None:
    """The old body's name and code find `successor`; then the old body goes."""
    await session.execute(
        sa.update(Invite).where(col(Invite.agency_id) == old.id).values(agency_id=successor.id)
    )
    await keep_former_name(session, old, name=old.name, code=old.code, into=successor)
    await session.flush()
    await session.delete(old)
    await session.flush()


async def merge(
    session: AsyncSession, *, source_ref: str, target_ref: str, who: Who
) -> Restructured:
    """Merge the body `source_ref` into `target_ref` (see the module's docstring)."""
    src = await get_agency(session, source_ref)
    dst = await get_agency(session, target_ref)
    if src.id == dst.id:
        raise DomainError("same_agency_merge")
    now = clock.now()
    result = Restructured(source=src.name, targets=[dst.name])
    plan_keys = await _plan_keys(session)
    taken = set(
        (
            await session.scalars(
                select(Task.source_key).where(
                    Task.agency_id == dst.id,
                    Task.source_key.is_not(None),  # type: ignore[union-attr]
                )
            )
        ).all()
    )
    for task in (await session.scalars(select(Task).where(Task.agency_id == src.id))).all():
        task.agency_id, task.updated_at = dst.id, now  # type: ignore[assignment]
        if task.plan_id in plan_keys:
            key = rekeyed(task.source_key, plan_keys[task.plan_id], src.id or 0, dst.id or 0)
            if key not in taken:  # the same duty in both bodies: not merged into one key
                task.source_key = key
                taken.add(key)
        session.add(
            TaskEvent(
                task_id=task.id,  # type: ignore[arg-type]
                at=now,
                action="moved",
                from_value=src.name,
                to_value=dst.name,
                note="merge",
                actor_contact_id=who.contact_id,
                actor_name=who.name,
            )
        )
        result.tasks_moved += 1
    contacts = list(
        (await session.scalars(select(Contact).where(Contact.agency_id == src.id))).all()
    )
    await _move_contacts(session, contacts, src, dst, who)
    result.contacts_moved = len(contacts)
    result.groups = await _join_groups(session, src, [dst])
    await replace_event_codes(session, src.code, [dst.code])
    audit.record(
        session,
        action="agency_merged",
        who=who,
        agency_name=dst.name,
        detail={
            "from": src.name,
            "from_code": src.code,
            "into": dst.name,
            "into_code": dst.code,
            "tasks": result.tasks_moved,
            "contacts": result.contacts_moved,
        },
    )
    await _retire(session, src, dst)
    await reminders.sync_agency(session, dst.id or 0, get_settings())
    await session.commit()
    outbox.forget_coordinators()
    return result


async def split(
    session: AsyncSession,
    *,
    source_ref: str,
    targets: list[str],
    tasks: dict[int, str] | None = None,
    contacts: dict[int, str] | None = None,
    who: Who,
) -> Restructured:
    """Split the body `source_ref` into the bodies named in `targets` (found, or made);
    `tasks` and `contacts` send given ones (by id) to one of them (see the docstring)."""
    src = await get_agency(session, source_ref)
    successors: list[Agency] = []
    result = Restructured(source=src.name, targets=[])
    for ref in targets:
        agency = await find_agency(session, ref)
        if agency is None:
            agency = await new_agency(session, name=ref, requested=src.requested)
            result.created.append(agency.name)
        if agency.id == src.id:
            raise DomainError("split_target_is_source")
        if all(a.id != agency.id for a in successors):
            successors.append(agency)
    if len(successors) < 2:
        raise DomainError("split_needs_two")
    result.targets = [a.name for a in successors]

    async def successor(ref: str) -> Agency:
        agency = await find_agency(session, ref)
        for candidate in successors:
            if agency is not None and candidate.id == agency.id:
                return candidate
        raise DomainError("split_target_unknown", ref=ref)

    now = clock.now()
    plan_keys = await _plan_keys(session)
    src_tasks = {
        t.id: t for t in (await session.scalars(select(Task).where(Task.agency_id == src.id))).all()
    }
    for task_id in tasks or {}:
        if task_id not in src_tasks:
            raise DomainError("split_task_unknown", id=task_id, agency=src.name)
    src_contacts = {
        c.id: c
        for c in (await session.scalars(select(Contact).where(Contact.agency_id == src.id))).all()
    }
    for contact_id in contacts or {}:
        if contact_id not in src_contacts:
            raise DomainError("split_contact_unknown", id=contact_id, agency=src.name)

    for task in src_tasks.values():
        given = (tasks or {}).get(task.id or 0)
        home = await successor(given) if given else successors[0]
        await move_task(session, task, src, home, who=who, now=now, note="split")
        if task.plan_id in plan_keys:
            task.source_key = rekeyed(
                task.source_key, plan_keys[task.plan_id], src.id or 0, home.id or 0
            )
        result.tasks_moved += 1
        if given or task.progress in CLOSED:
            continue
        for other in successors:
            if other.id == home.id:
                continue
            copy = Task(
                agency_id=other.id,  # type: ignore[arg-type]
                plan_id=task.plan_id,
                source_key=(
                    rekeyed(task.source_key, plan_keys[task.plan_id], home.id or 0, other.id or 0)
                    if task.plan_id in plan_keys
                    else None
                ),
                kind=task.kind,
                title=task.title,
                due_date=task.due_date,
                due_time=task.due_time,
                reminder_offsets=task.reminder_offsets,
                created_at=now,
                updated_at=now,
            )
            session.add(copy)
            await session.flush()
            session.add(
                TaskEvent(
                    task_id=copy.id,  # type: ignore[arg-type]
                    at=now,
                    action="created",
                    to_value=copy.title,
                    note=f"split from {src.name}",
                    actor_contact_id=who.contact_id,
                    actor_name=who.name,
                )
            )
            result.tasks_copied += 1

    for contact in src_contacts.values():
        given = (contacts or {}).get(contact.id or 0)
        home = await successor(given) if given else successors[0]
        await _move_contacts(session, [contact], src, home, who)
        result.contacts_moved += 1
    result.groups = await _join_groups(session, src, successors)
    await replace_event_codes(session, src.code, [a.code for a in successors])
    audit.record(
        session,
        action="agency_split",
        who=who,
        agency_name=src.name,
        detail={
            "from": src.name,
            "from_code": src.code,
            "into": [a.name for a in successors],
            "into_codes": [a.code for a in successors],
            "tasks_moved": result.tasks_moved,
            "tasks_copied": result.tasks_copied,
            "contacts": result.contacts_moved,
        },
    )
    await _retire(session, src, successors[0])
    for agency in successors:
        await reminders.sync_agency(session, agency.id or 0, get_settings())
    await session.commit()
    outbox.forget_coordinators()
    return result
