"""The audit trail: every change of a person's role or access, and of the agencies people
belong to, with who made it and when. Rows are added in the caller's transaction, so a
change and its record are committed together or not at all."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from db.models import AuditEvent, Contact
from services import clock

ACTIONS = (
    "linked",
    "removed",
    "left",
    "role_granted",
    "role_revoked",
    "chat_migrated",
    "agency_changed",
    "agency_renamed",
    "agency_merged",
    "agency_split",
)


@dataclass(frozen=True)
class Who:
    """Who makes a change: a contact in chat, or someone at the server's terminal."""

    name: str
    contact_id: int | None = None


def cli_user() -> Who:
    """The person at the terminal, as the operating system names them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = "?"
    return Who(name=f"{user}@{socket.gethostname()} (CLI)")


TELEGRAM = Who(name="Telegram")  # changes Telegram itself reports (a group's new id)


def record(
    session: AsyncSession,
    *,
    action: str,
    who: Who,
    contact: Contact | None = None,
    agency_name: str | None = None,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    assert action in ACTIONS, action
    event = AuditEvent(
        at=at or clock.now(),
        action=action,
        contact_id=contact.id if contact else None,
        contact_name=contact.display_name if contact else None,
        chat_id=contact.chat_id if contact else None,
        agency_name=agency_name,
        actor_contact_id=who.contact_id,
        actor_name=who.name,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    session.add(event)
    return event


async def entries(session: AsyncSession, *, limit: int | None = None) -> list[AuditEvent]:
    """The trail, oldest first (the newest `limit` when given)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
    if limit is not None:
        query = query.limit(limit)
    return list(reversed((await session.scalars(query)).all()))


def detail_of(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.detail) if event.detail else {}
