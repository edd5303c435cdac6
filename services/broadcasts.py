"""Broadcasts: a coordinator's message to many agencies, with a delivery report.

Deliveries are outbox rows (kind "broadcast"), one per reachable contact, so a restart
resumes where it stopped. Unlike reminders, a broadcast is delivered at most once: the row
is marked `sending` (committed) before the request goes out, and a row found still
`sending` after a crash is reported as uncertain rather than sent again (the Bot API has no
idempotency key, so the bot cannot know whether that one request arrived).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, AgencyGroup, AgencyGroupMember, Broadcast, Contact, Outbox, Plan
from services import clock, outbox
from services.agencies import get_agency
from services.collation import sort_vi
from services.errors import DomainError
from services.names import normalize_name
from services.refs import ContactRef

# A broadcast fits a phone's screen with the line naming its sender (bot/render.py), and
# a file's caption fits Telegram's 1024 characters with it.
TEXT_MAX = 1300
CAPTION_MAX = 850


# --- groups of agencies -------------------------------------------------------------------


async def save_group(
    session: AsyncSession, *, name: str, agency_refs: list[str]
) -> tuple[AgencyGroup, list[Agency]]:
    """Create or replace a saved group of agencies."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("group_name_empty")
    members = [await get_agency(session, ref) for ref in agency_refs if ref.strip()]
    if not members:
        raise DomainError("group_empty")
    key = normalize_name(name)
    group = await session.scalar(select(AgencyGroup).where(AgencyGroup.name_key == key))
    if group is None:
        group = AgencyGroup(name=name, name_key=key, created_at=clock.now())
        session.add(group)
        await session.flush()
    await session.execute(
        sa.delete(AgencyGroupMember).where(col(AgencyGroupMember.group_id) == group.id)
    )
    for agency in {a.id: a for a in members}.values():
        session.add(AgencyGroupMember(group_id=group.id, agency_id=agency.id))  # type: ignore[arg-type]
    await session.commit()
    return group, members


async def list_groups(session: AsyncSession) -> list[tuple[AgencyGroup, list[str]]]:
    groups = (await session.scalars(select(AgencyGroup).order_by(AgencyGroup.name))).all()
    out = []
    for group in groups:
        codes = (
            await session.scalars(
                select(Agency.code)
                .join(AgencyGroupMember, col(AgencyGroupMember.agency_id) == Agency.id)
                .where(AgencyGroupMember.group_id == group.id)
                .order_by(Agency.code)
            )
        ).all()
        out.append((group, list(codes)))
    return out


async def codes_of(session: AsyncSession, agency_ids: list[int]) -> list[str]:
    return list(
        (
            await session.scalars(
                select(Agency.code).where(col(Agency.id).in_(agency_ids)).order_by(Agency.code)
            )
        ).all()
    )


async def find_group(session: AsyncSession, ref: str) -> AgencyGroup | None:
    return await session.scalar(
        select(AgencyGroup).where(AgencyGroup.name_key == normalize_name(ref))
    )


async def group_name(session: AsyncSession, group_id: int) -> str | None:
    group = await session.get(AgencyGroup, group_id)
    return group.name if group else None


async def agency_ids_for(session: AsyncSession, target: str) -> list[int]:
    """Agencies a target names: "all", "group:<id>" or "agencies:<id,id>"."""
    if target == "all":
        return list((await session.scalars(select(Agency.id))).all())  # type: ignore[arg-type]
    kind, _, value = target.partition(":")
    if kind == "group":
        rows = await session.scalars(
            select(AgencyGroupMember.agency_id).where(AgencyGroupMember.group_id == int(value))
        )
        return list(rows.all())
    if kind == "agencies":
        return [int(v) for v in value.split(",") if v]
    raise DomainError("bad_target")


async def resolve_target(session: AsyncSession, words: str | None) -> tuple[str, str]:
    """(target, label) from what the coordinator typed: nothing (all), a group name, or codes."""
    if not words or not words.strip():
        return "all", ""
    group = await find_group(session, words)
    if group is not None:
        return f"group:{group.id}", group.name
    agencies = [
        await get_agency(session, ref) for ref in words.replace(";", ",").split(",") if ref.strip()
    ]
    return "agencies:" + ",".join(str(a.id) for a in agencies), ", ".join(a.code for a in agencies)


@dataclass(frozen=True)
class Sender:
    """Who a broadcast is from, as its recipients are told: the coordinator's body (their
    agency, or the coordinating body the active plan names) and their name."""

    body: str | None
    person: str


async def sender_of(session: AsyncSession, broadcast: Broadcast) -> Sender:
    contact = await session.get(Contact, broadcast.created_by) if broadcast.created_by else None
    person = contact.display_name if contact else ""
    body = None
    if contact is not None and contact.agency_id is not None:
        agency = await session.get(Agency, contact.agency_id)
        body = agency.name if agency else None
    if body is None:
        body = await session.scalar(
            select(Plan.coordinator)
            .where(Plan.state == "active", col(Plan.coordinator).is_not(None))
            .order_by(col(Plan.activated_at).desc())
            .limit(1)
        )
    return Sender(body=body or None, person=person)


# --- drafts, confirmation and delivery ----------------------------------------------------


@dataclass
class Audience:
    agencies: int
    contacts: list[Contact]
    unreachable: list[tuple[str, str]]  # (agency, who or "") with no way to reach them


async def audience(session: AsyncSession, target: str) -> Audience:
    ids = await agency_ids_for(session, target)
    agencies = {
        a.id: a
        for a in (await session.scalars(select(Agency).where(col(Agency.id).in_(ids)))).all()
    }
    contacts = (
        await session.scalars(
            select(Contact).where(col(Contact.agency_id).in_(ids)).order_by(col(Contact.id))
        )
    ).all()
    reachable = [c for c in contacts if c.reachable]
    unreachable = [
        (agencies[c.agency_id].name, c.display_name) for c in contacts if not c.reachable
    ]
    covered = {c.agency_id for c in contacts}
    unreachable += [(a.name, "") for aid, a in agencies.items() if aid not in covered]
    return Audience(agencies=len(agencies), contacts=reachable, unreachable=unreachable)


@dataclass
class Description:
    """A broadcast as its preview and its report name it: where to, who, from whom."""

    kind: str  # all | group | agencies
    group: str | None
    codes: list[str]
    audience: Audience
    sender: Sender


async def describe(session: AsyncSession, broadcast: Broadcast) -> Description:
    kind, _, value = broadcast.target.partition(":")
    group = await group_name(session, int(value)) if kind == "group" else None
    codes = (
        await codes_of(session, [int(v) for v in value.split(",") if v])
        if kind == "agencies"
        else []
    )
    return Description(
        kind=kind or "all",
        group=group,
        codes=codes,
        audience=await audience(session, broadcast.target),
        sender=await sender_of(session, broadcast),
    )


async def create_draft(
    session: AsyncSession,
    *,
    author: ContactRef,
    kind: str,
    text: str,
    file_id: str | None = None,
    target: str = "all",
) -> Broadcast:
    text = text.strip()
    limit = TEXT_MAX if kind == "text" else CAPTION_MAX
    if kind == "text" and not text:
        raise DomainError("broadcast_empty")
    if len(text) > limit:
        raise DomainError("broadcast_too_long", limit=limit)
    draft = Broadcast(
        created_by=author.id,
        kind=kind,
        text=text,
        file_id=file_id,
        target=target,
        created_at=clock.now(),
    )
    session.add(draft)
    await session.commit()
    return draft


async def get_draft(session: AsyncSession, broadcast_id: int, author: ContactRef) -> Broadcast:
    draft = await session.get(Broadcast, broadcast_id)
    if draft is None or draft.created_by != author.id:
        raise DomainError("broadcast_unknown")
    if draft.state != "draft":
        raise DomainError("broadcast_not_draft")
    return draft


async def set_target(
    session: AsyncSession, *, broadcast_id: int, author: ContactRef, target: str
) -> Broadcast:
    draft = await get_draft(session, broadcast_id, author)
    await agency_ids_for(session, target)
    draft.target = target
    await session.commit()
    return draft


async def confirm(
    session: AsyncSession,
    *,
    broadcast_id: int,
    author: ContactRef,
    progress_chat_id: int,
    progress_message_id: int,
) -> tuple[Broadcast, Audience]:
    """Queue one delivery per reachable contact; the dispatcher does the rest."""
    draft = await get_draft(session, broadcast_id, author)
    people = await audience(session, draft.target)
    now = clock.now()
    for contact in people.contacts:
        outbox.enqueue(
            session,
            kind="broadcast",
            chat_id=contact.chat_id,
            contact_id=contact.id,
            ref_id=draft.id,
            dedupe_key=f"bc:{draft.id}:{contact.id}",
            payload={},
            due_at=now,
        )
    draft.state, draft.confirmed_at = "sending", now
    draft.progress_chat_id, draft.progress_message_id = progress_chat_id, progress_message_id
    await session.commit()
    return draft, people


async def cancel(session: AsyncSession, *, broadcast_id: int, author: ContactRef) -> Broadcast:
    draft = await get_draft(session, broadcast_id, author)
    draft.state = "cancelled"
    await session.commit()
    return draft


async def acknowledge(session: AsyncSession, *, row_id: int, chat_id: int) -> Broadcast | None:
    """ "Đã nhận" pressed by a recipient (only the chat the message went to may say so).
    Returns the broadcast, or None when the button is not this chat's."""
    row = await session.get(Outbox, row_id)
    if row is None or row.chat_id != chat_id or row.kind != "broadcast":
        return None
    if row.acked_at is None:
        row.acked_at = clock.now()
        await session.commit()
    return await session.get(Broadcast, row.ref_id)


@dataclass
class Report:
    broadcast: Broadcast
    total: int = 0
    delivered: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (who, reason)
    uncertain: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    waiting: int = 0
    unreachable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.waiting == 0


async def report(session: AsyncSession, broadcast_id: int) -> Report:
    bc = await session.get(Broadcast, broadcast_id)
    if bc is None:
        raise DomainError("broadcast_unknown")
    rows = (
        await session.execute(
            # sa.select: sqlmodel's `select` is typed for at most four columns.
            sa.select(
                col(Outbox.state),
                col(Outbox.error),
                col(Outbox.acked_at),
                col(Contact.display_name),
                col(Agency.name),
            )
            .join(Contact, col(Contact.id) == Outbox.contact_id)
            .join(Agency, col(Agency.id) == Contact.agency_id)
            .where(col(Outbox.kind) == "broadcast", col(Outbox.ref_id) == broadcast_id)
            .order_by(col(Contact.id))
        )
    ).all()
    rows = sort_vi(rows, key=lambda row: row[4])  # stable: by contact within an agency
    out = Report(broadcast=bc, total=len(rows))
    for state, error, acked_at, person, agency in rows:
        who = f"{agency} ({person})" if person else agency
        if state == "sent":
            out.delivered.append(who)
            if acked_at:
                out.acknowledged.append(who)
        elif state in ("failed", "skipped"):
            out.failed.append((who, error or ""))
        elif state == "uncertain":
            out.uncertain.append(who)
        else:
            out.waiting += 1
    out.unreachable = (
        (await audience(session, bc.target)).unreachable if bc.state != "draft" else []
    )
    return out


async def sending(session: AsyncSession) -> list[Broadcast]:
    return list(
        (await session.scalars(select(Broadcast).where(Broadcast.state == "sending"))).all()
    )


async def finish(session: AsyncSession, broadcast_id: int) -> None:
    bc = await session.get(Broadcast, broadcast_id)
    if bc is not None and bc.state == "sending":
        bc.state, bc.finished_at = "done", clock.now()
        await session.commit()


async def settle_interrupted(session: AsyncSession, *, lease: dt.timedelta) -> int:
    """Rows left `sending` by a process that died: whether they arrived is unknown."""
    result = await session.execute(
        sa.update(Outbox)
        .where(col(Outbox.state) == "sending", col(Outbox.claimed_at) < clock.now() - lease)
        .values(state="uncertain", error="interrupted while sending")
    )
    await session.commit()
    # An UPDATE without RETURNING gives a CursorResult; the session's typing says Result.
    return cast(sa.CursorResult[Any], result).rowcount or 0
