"""Single-use, expiring invite codes that link a chat to an agency or make a coordinator."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.keyed import PerEngine
from db.models import Agency, Contact, Invite, Outbox
from services import audit, clock, outbox, reminders
from services.agencies import get_agency
from services.errors import DomainError
from services.refs import AgencyRef, ContactRef
from services.settings import get_settings

MAX_DAYS = 365

# Wrong codes a chat may try in an hour before it is made to wait. Codes carry 96 random
# bits, so guessing is hopeless anyway; the limit keeps a probe from hammering the database
# and tells a careless person to stop and ask. Kept in memory per database engine (a
# restart forgets it, which only gives a prober five more tries).
WRONG_CODES_PER_HOUR = 5
_WINDOW = dt.timedelta(hours=1)
_wrong_codes: PerEngine[dict[int, list[dt.datetime]]] = PerEngine(dict)


def _recent_wrong(session: AsyncSession, chat_id: int, now: dt.datetime) -> list[dt.datetime]:
    kept = _wrong_codes.of(session)
    recent = [t for t in kept.get(chat_id, ()) if now - t < _WINDOW]
    if recent:
        kept[chat_id] = recent
    else:
        kept.pop(chat_id, None)
    return recent


def _wrong(session: AsyncSession, chat_id: int, now: dt.datetime) -> DomainError:
    """Note a wrong code from this chat. Unknown, used and expired are one answer: a probe
    must not learn which codes exist or existed."""
    _wrong_codes.of(session).setdefault(chat_id, []).append(now)
    return DomainError("invite_wrong")


@dataclass(frozen=True)
class Redeemed:
    contact: Contact
    agency: Agency | None
    role: str
    previous_agency: str | None  # name of the agency the chat was linked to before


async def create_invite(
    session: AsyncSession, *, agency_ref: str | None, coordinator: bool = False, days: int = 14
) -> tuple[Invite, Agency | None]:
    if not 1 <= days <= MAX_DAYS:
        raise DomainError("days_invalid")
    if agency_ref is None and not coordinator:
        raise DomainError("invite_needs_agency")
    agency = await get_agency(session, agency_ref) if agency_ref else None
    now = clock.now()
    invite = Invite(
        # 96 random bits; deep-link parameters allow [A-Za-z0-9_-] up to 64 characters.
        code=secrets.token_urlsafe(12),
        agency_id=agency.id if agency else None,
        role="coordinator" if coordinator else "official",
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(invite)
    await session.commit()
    return invite, agency


async def redeem_invite(
    session: AsyncSession,
    *,
    code: str,
    chat_id: int,
    chat_type: str,
    user_id: int | None,
    display_name: str,
    by: str | None = None,
) -> Redeemed:
    """Use an invite for a chat. The claim is one conditional UPDATE, so two people racing
    for one code cannot both win."""
    now = clock.now()
    recent = _recent_wrong(session, chat_id, now)
    if len(recent) >= WRONG_CODES_PER_HOUR:  # not even looked up
        wait = recent[0] + _WINDOW - now
        raise DomainError("invite_wait", minutes=max(1, -(-int(wait.total_seconds()) // 60)))
    invite = await session.scalar(select(Invite).where(Invite.code == code))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise _wrong(session, chat_id, now)
    if invite.role == "coordinator" and chat_type != "private":
        # Everyone in the group would be a coordinator. The code is not used: its owner
        # can still open it in a private chat with the bot.
        raise DomainError("invite_coordinator_group")
    claimed = await session.execute(
        sa.update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now, used_chat_id=chat_id)
    )
    # An UPDATE without RETURNING gives a CursorResult; the session's typing says Result.
    if cast(sa.CursorResult[Any], claimed).rowcount != 1:
        await session.rollback()
        raise _wrong(session, chat_id, now)

    agency = await session.get(Agency, invite.agency_id) if invite.agency_id else None
    contact = await session.scalar(select(Contact).where(Contact.chat_id == chat_id))
    previous: str | None = None
    if contact is None:
        contact = Contact(chat_id=chat_id, linked_at=now)
        session.add(contact)
    elif invite.role == "official" and contact.agency_id not in (None, invite.agency_id):
        old = await session.get(Agency, contact.agency_id)
        previous = old.name if old else None
    elif contact.removed_at is not None:  # removed earlier, invited again: a fresh start
        contact.removed_at, contact.linked_at = None, now
    contact.chat_type = chat_type
    contact.user_id = user_id
    contact.display_name = display_name
    contact.reachable = True
    contact.unreachable_reason = None
    contact.last_seen_at = now
    if invite.role == "coordinator":
        contact.role = "coordinator"
    else:
        contact.agency_id = invite.agency_id
    await session.flush()
    audit.record(
        session,
        action="linked",
        who=audit.Who(name=by or display_name, contact_id=contact.id),  # a group: who used it
        contact=contact,
        agency_name=agency.name if agency else None,
        detail={"role": invite.role, "invite_id": invite.id, "previous_agency": previous},
        at=now,
    )
    if contact.agency_id is not None:
        await reminders.sync_agency(session, contact.agency_id, get_settings(session))
    await session.commit()
    outbox.forget_coordinators(session)
    return Redeemed(contact=contact, agency=agency, role=invite.role, previous_agency=previous)


async def get_contact(session: AsyncSession, chat_id: int) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.chat_id == chat_id))


async def mark_reachable(session: AsyncSession, *, chat_id: int) -> bool:
    """A /start from a known chat: it can be written to again. True if it was unreachable."""
    result = await session.execute(
        sa.update(Contact)
        .where(
            col(Contact.chat_id) == chat_id,
            col(Contact.reachable).is_(False),
            col(Contact.removed_at).is_(None),
        )
        .values(reachable=True, unreachable_reason=None)
    )
    reachable_again = cast(sa.CursorResult[Any], result).rowcount  # see `redeem_invite`
    if reachable_again:
        outbox.forget_coordinators(session)
        # Reminders still ahead that were set aside while the chat was unreachable.
        await session.execute(
            sa.update(Outbox)
            .where(
                col(Outbox.chat_id) == chat_id,
                col(Outbox.state) == "skipped",
                col(Outbox.error) == "unreachable",
                col(Outbox.due_at) >= clock.now(),
            )
            .values(state="pending", error=None)
        )
    await session.commit()
    return reachable_again > 0


@dataclass(frozen=True)
class Identity:
    contact: ContactRef
    agency: AgencyRef | None
    reachable_again: bool = False
    removed_at: dt.datetime | None = None  # access was taken away (or they left) then

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_coordinator(self) -> bool:
        """The role belongs to a person: a group never holds it (not even one linked so
        before coordinator invites were refused in groups)."""
        return (
            self.contact.role == "coordinator"
            and self.contact.chat_type == "private"
            and not self.removed
        )


CONTACT, AGENCY = Contact.__table__, Agency.__table__  # type: ignore[attr-defined]
_WHO = (
    sa.select(
        CONTACT.c.id,
        CONTACT.c.chat_id,
        CONTACT.c.chat_type,
        CONTACT.c.user_id,
        CONTACT.c.display_name,
        CONTACT.c.agency_id,
        CONTACT.c.role,
        CONTACT.c.reachable,
        AGENCY.c.name,
        AGENCY.c.code,
        AGENCY.c.requested,
        CONTACT.c.removed_at,
        CONTACT.c.last_seen_at,
    )
    .select_from(CONTACT.outerjoin(AGENCY, AGENCY.c.id == CONTACT.c.agency_id))
    .where(CONTACT.c.chat_id == sa.bindparam("chat_id"))
)


# "Last seen" is written at most this often per contact: one UPDATE every few minutes of
# activity instead of a write on every update.
SEEN_EVERY = dt.timedelta(minutes=10)
_SEEN = (
    CONTACT.update()
    .where(
        CONTACT.c.id == sa.bindparam("contact_id"),
        sa.or_(CONTACT.c.last_seen_at.is_(None), CONTACT.c.last_seen_at < sa.bindparam("before")),
    )
    .values(last_seen_at=sa.bindparam("now"))
)


async def identify(
    session: AsyncSession, *, chat_id: int, restart: bool = False
) -> Identity | None:
    """Who a chat is. With `restart` (a bare /start), a chat marked unreachable becomes
    reachable again: the person has evidently unblocked the bot."""
    # One query for both: this runs for every update the bot receives.
    row = (await session.execute(_WHO, {"chat_id": chat_id})).first()
    if row is None:
        return None
    contact = ContactRef(*row[:8])
    removed_at, last_seen = row[11], row[12]
    if removed_at is not None:
        return Identity(contact=contact, agency=None, removed_at=removed_at)
    agency = AgencyRef(contact.agency_id, *row[8:11]) if contact.agency_id is not None else None
    now = clock.now()
    if last_seen is None or now - last_seen >= SEEN_EVERY:
        await session.execute(
            _SEEN, {"contact_id": contact.id, "now": now, "before": now - SEEN_EVERY}
        )
        await session.commit()
    again = await mark_reachable(session, chat_id=chat_id) if restart else False
    if again and contact.agency_id is not None:
        await reminders.sync_agency(session, contact.agency_id, get_settings(session))
        await session.commit()
    return Identity(contact=contact, agency=agency, reachable_again=again)
