"""Contacts: who is linked to which body, taking access away, the coordinator role, and
chats as Telegram changes them (a group upgraded to a supergroup, the bot removed or
blocked and back).

Removing a contact ends its access at once: the row stays (history and the audit trail
point at it), but it loses its agency, its role and its reachability, and the messages
queued for it are set aside. Every update starts by asking who the chat is
(services.invites.identify), which then answers "removed" before anything else.

The last coordinator cannot be removed, leave or lose the role. The guard is one
conditional UPDATE ("only if another coordinator remains"), after locking the
coordinators' rows on PostgreSQL, so two coordinators removing each other at the same
moment cannot leave nobody in charge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, Contact
from services import audit, clock, outbox, reminders
from services.agencies import get_agency
from services.audit import Who
from services.errors import DomainError
from services.settings import get_settings

CONTACT, AGENCY, OUTBOX = Contact.__table__, Agency.__table__, outbox.OUTBOX  # type: ignore[attr-defined]
GROUP_TYPES = ("group", "supergroup")


@dataclass(frozen=True)
class ContactInfo:
    id: int
    name: str
    chat_id: int
    chat_type: str
    role: str
    agency_code: str | None
    agency_name: str | None
    linked_at: dt.datetime
    last_seen_at: dt.datetime | None
    reachable: bool
    unreachable_reason: str | None

    @property
    def is_group(self) -> bool:
        return self.chat_type in GROUP_TYPES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "chat_id": self.chat_id,
            "chat": "group" if self.is_group else "private",
            "role": self.role,
            "agency": self.agency_code,
            "agency_name": self.agency_name,
            "linked_since": self.linked_at.isoformat() if self.linked_at else None,
            "last_seen": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "reachable": self.reachable,
            "unreachable_reason": self.unreachable_reason,
        }


_LIST = (
    sa.select(
        CONTACT.c.id,
        CONTACT.c.display_name,
        CONTACT.c.chat_id,
        CONTACT.c.chat_type,
        CONTACT.c.role,
        AGENCY.c.code,
        AGENCY.c.name,
        CONTACT.c.linked_at,
        CONTACT.c.last_seen_at,
        CONTACT.c.reachable,
        CONTACT.c.unreachable_reason,
    )
    .select_from(CONTACT.outerjoin(AGENCY, AGENCY.c.id == CONTACT.c.agency_id))
    .where(CONTACT.c.removed_at.is_(None))
)


def _info(row: sa.Row) -> ContactInfo:
    return ContactInfo(*row)


async def list_contacts(
    session: AsyncSession, *, agency_ref: str | None = None
) -> list[ContactInfo]:
    """Contacts linked now: coordinators first, then by agency and name."""
    query = _LIST
    if agency_ref is not None:
        agency = await get_agency(session, agency_ref)
        query = query.where(CONTACT.c.agency_id == agency.id)
    rows = [_info(r) for r in (await session.execute(query)).all()]
    return sorted(
        rows,
        key=lambda c: (c.role != "coordinator", c.agency_name or "", c.name.casefold(), c.id),
    )


async def get_info(session: AsyncSession, contact_id: int) -> ContactInfo:
    row = (await session.execute(_LIST.where(CONTACT.c.id == contact_id))).first()
    if row is None:
        raise DomainError("contact_unknown", id=contact_id)
    return _info(row)


# --- access and role ----------------------------------------------------------------------

_COORDINATORS = (CONTACT.c.role == "coordinator") & CONTACT.c.removed_at.is_(None)
_LOCK_COORDINATORS = sa.select(CONTACT.c.id).where(_COORDINATORS).with_for_update()
_OTHER = CONTACT.alias("other")
_ANOTHER_REMAINS = (
    sa.select(sa.func.count())
    .select_from(_OTHER)
    .where(
        _OTHER.c.role == "coordinator",
        _OTHER.c.removed_at.is_(None),
        _OTHER.c.id != sa.bindparam("contact_id"),
    )
    .scalar_subquery()
    > 0
)


async def _change(session: AsyncSession, contact: Contact, values: dict[str, Any]) -> None:
    """Write `values` to a linked contact; a coordinator losing the role (or access) only
    if another coordinator remains (DomainError "last_coordinator" otherwise)."""
    contact_id = contact.id
    where = [CONTACT.c.id == sa.bindparam("contact_id"), CONTACT.c.removed_at.is_(None)]
    losing_role = contact.role == "coordinator" and values.get("role", "coordinator") != (
        "coordinator"
    )
    if losing_role:
        await session.execute(_LOCK_COORDINATORS)  # PostgreSQL: wait for a concurrent change
        where += [CONTACT.c.role == "coordinator", _ANOTHER_REMAINS]
    result = await session.execute(
        CONTACT.update().where(*where).values(**values), {"contact_id": contact_id}
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise DomainError("last_coordinator" if losing_role else "contact_unknown", id=contact_id)
    await session.refresh(contact)


async def _linked(session: AsyncSession, contact_id: int) -> tuple[Contact, str | None]:
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.removed_at is not None:
        raise DomainError("contact_unknown", id=contact_id)
    agency = await session.get(Agency, contact.agency_id) if contact.agency_id else None
    return contact, agency.name if agency else None


async def _set_aside_messages(session: AsyncSession, contact: Contact, reason: str) -> None:
    await session.execute(
        OUTBOX.update()
        .where(
            sa.or_(OUTBOX.c.contact_id == contact.id, OUTBOX.c.chat_id == contact.chat_id),
            OUTBOX.c.state == "pending",
        )
        .values(state="skipped", error=reason)
    )


async def remove_contact(
    session: AsyncSession, *, contact_id: int, who: Who, action: str = "removed"
) -> ContactInfo:
    """End a contact's access now (`action` "left" when they leave themselves)."""
    info = await get_info(session, contact_id)
    contact, agency_name = await _linked(session, contact_id)
    now = clock.now()
    await _change(
        session,
        contact,
        {
            "removed_at": now,
            "agency_id": None,
            "role": "official",
            "reachable": False,
            "unreachable_reason": "removed",
        },
    )
    await _set_aside_messages(session, contact, "removed")
    audit.record(
        session,
        action=action,
        who=who,
        contact=contact,
        agency_name=agency_name,
        detail={"role": info.role, "agency": info.agency_code},
        at=now,
    )
    await session.commit()
    outbox.forget_coordinators()
    return info


async def set_coordinator(
    session: AsyncSession, *, contact_id: int, coordinator: bool, who: Who
) -> ContactInfo:
    """Grant or revoke the coordinator role."""
    contact, agency_name = await _linked(session, contact_id)
    if coordinator:
        if contact.role == "coordinator":
            raise DomainError("already_coordinator", name=contact.display_name)
        if contact.chat_type in GROUP_TYPES:  # everyone in the group would be one
            raise DomainError("coordinator_not_group")
    elif contact.role != "coordinator":
        raise DomainError("not_coordinator", name=contact.display_name)
    await _change(session, contact, {"role": "coordinator" if coordinator else "official"})
    audit.record(
        session,
        action="role_granted" if coordinator else "role_revoked",
        who=who,
        contact=contact,
        agency_name=agency_name,
    )
    if coordinator and contact.reachable:
        await reminders.plan_ahead(session, get_settings())  # the digest, escalations ahead
    await session.commit()
    outbox.forget_coordinators()
    return await get_info(session, contact_id)


# --- chats as Telegram changes them ---------------------------------------------------------

_MOVABLE = ("pending", "claimed", "skipped")  # not yet delivered (claimed: in flight now)


async def migrate_chat(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup with a new id: its contact, and every message queued for
    the old id, move to the new one. Safe to call again (Telegram tells twice: a service
    message in each chat, and a send to the old id answers with the new one). Returns
    whether anything moved."""
    if old_chat_id == new_chat_id:
        return False
    # Both service messages may be handled at once (they come in two chats): the row lock
    # (PostgreSQL) or the id check below (SQLite, whose writes queue) lets one move it.
    contact = await session.scalar(
        select(Contact).where(Contact.chat_id == old_chat_id).with_for_update()
    )
    holder = await session.scalar(select(Contact).where(Contact.chat_id == new_chat_id))
    moved_contact = False
    if contact is not None and holder is None:
        moved = await session.execute(  # conditional: of two at once, one moves it
            CONTACT.update()
            .where(CONTACT.c.id == contact.id, CONTACT.c.chat_id == old_chat_id)
            .values(chat_id=new_chat_id, chat_type="supergroup")
        )
        moved_contact = moved.rowcount == 1  # type: ignore[attr-defined]
        await session.refresh(contact)
        holder = contact
    elif (
        contact is not None
        and holder is not None
        and holder.id != contact.id
        and contact.removed_at is None
    ):
        # The supergroup was linked on its own meanwhile: it speaks for the body now.
        contact.removed_at, contact.agency_id = clock.now(), None
        contact.reachable, contact.unreachable_reason = False, "migrated"
    rows = await session.execute(
        OUTBOX.update()
        .where(OUTBOX.c.chat_id == old_chat_id, OUTBOX.c.state.in_(_MOVABLE))
        .values(
            chat_id=new_chat_id,
            contact_id=holder.id if holder is not None else OUTBOX.c.contact_id,
        )
    )
    if moved_contact and holder is not None:
        agency = await session.get(Agency, holder.agency_id) if holder.agency_id else None
        audit.record(
            session,
            action="chat_migrated",
            who=audit.TELEGRAM,
            contact=holder,
            agency_name=agency.name if agency else None,
            detail={"from_chat_id": old_chat_id, "to_chat_id": new_chat_id},
        )
    await session.commit()
    if moved_contact:
        outbox.forget_coordinators()
    return moved_contact or bool(rows.rowcount)  # type: ignore[attr-defined]


GONE = ("left", "kicked")


@dataclass(frozen=True)
class ReachChange:
    contact: ContactInfo
    reachable: bool


async def bot_membership_changed(
    session: AsyncSession, *, chat_id: int, status: str, is_member: bool | None = None
) -> ReachChange | None:
    """Telegram's my_chat_member: the bot was removed from a group or blocked in a private
    chat (unreachable), or is back (reachable, with the reminders still ahead). The
    coordinators are told. None when this chat is nobody the bot knows, or nothing changed."""
    contact = await session.scalar(select(Contact).where(Contact.chat_id == chat_id))
    if contact is None or contact.removed_at is not None:
        return None
    gone = status in GONE or (status == "restricted" and is_member is False)
    if gone == (not contact.reachable):
        return None
    if gone:
        contact.reachable = False
        contact.unreachable_reason = (
            "bot_removed" if contact.chat_type in GROUP_TYPES else "bot_blocked"
        )
        await session.execute(
            OUTBOX.update()
            .where(OUTBOX.c.chat_id == chat_id, OUTBOX.c.state == "pending")
            .values(state="skipped", error="unreachable")
        )
    else:
        contact.reachable, contact.unreachable_reason = True, None
        await session.execute(
            OUTBOX.update()
            .where(
                OUTBOX.c.chat_id == chat_id,
                OUTBOX.c.state == "skipped",
                OUTBOX.c.error == "unreachable",
                OUTBOX.c.due_at >= clock.now(),
            )
            .values(state="pending", error=None)
        )
        if contact.agency_id is not None:
            await session.flush()
            await reminders.sync_agency(session, contact.agency_id, get_settings())
    await session.flush()
    info = await get_info(session, contact.id or 0)
    outbox.forget_coordinators()
    await _tell_coordinators(session, info, reachable=not gone)
    await session.commit()
    return ReachChange(contact=info, reachable=not gone)


async def _tell_coordinators(session: AsyncSession, info: ContactInfo, *, reachable: bool) -> None:
    others = 0
    if info.agency_name is not None:
        others = (
            await session.scalar(
                select(sa.func.count())
                .select_from(Contact)
                .join(Agency, col(Agency.id) == Contact.agency_id)
                .where(
                    Agency.code == info.agency_code,
                    col(Contact.reachable).is_(True),
                    Contact.id != info.id,
                )
            )
            or 0
        )
    stamp = clock.now().isoformat()
    await outbox.insert(
        session,
        [
            outbox.row(
                kind="contact_state",
                chat_id=coord.chat_id,
                contact_id=coord.id,
                dedupe_key=f"reach:{info.id}:{int(reachable)}:{stamp}:{coord.id}",
                payload={
                    "who": info.name,
                    "agency": info.agency_name,
                    "group": info.is_group,
                    "reachable": reachable,
                    "others": others,
                },
            )
            for coord in await outbox.coordinators(session)
            if coord.id != info.id
        ],
    )
