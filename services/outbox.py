"""Queue messages for the dispatcher (jobs/dispatch.py). Enqueueing is part of the caller's
transaction, so a change and the messages about it are committed together or not at all:
`enqueue` and `insert` never commit. What the dispatcher calls (`claim_due`, `transition`,
`mark`, `mark_unreachable`) commits its own change, as every service does."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from db.keyed import PerEngine
from db.models import Agency, Contact, Outbox
from services import clock
from services.outbox_kinds import KINDS, allowed


def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    chat_id: int,
    dedupe_key: str,
    payload: dict[str, Any],
    contact_id: int | None = None,
    task_id: int | None = None,
    ref_id: int | None = None,
    text: str | None = None,
    due_at: dt.datetime | None = None,
) -> Outbox:
    if kind not in KINDS:
        raise ValueError(f"outbox kind {kind!r} is not in services/outbox_kinds.py")
    row = Outbox(
        kind=kind,
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        contact_id=contact_id,
        task_id=task_id,
        ref_id=ref_id,
        text=text,
        payload=json.dumps(payload, ensure_ascii=False, default=str),
        due_at=due_at or clock.now(),
    )
    session.add(row)
    return row


OUTBOX = Outbox.__table__  # type: ignore[attr-defined]


def row(**fields: Any) -> dict[str, Any]:
    """An outbox row for a Core INSERT (every column given, as executemany wants);
    `payload` may be a dict (stored as JSON); `due_at` defaults to now."""
    values = {
        "state": "pending",
        "attempts": 0,
        "text": None,
        "ref_id": None,
        "late": False,
        "claimed_by": None,
        "claimed_at": None,
        "sent_at": None,
        "message_id": None,
        "error": None,
        "acked_at": None,
        "task_id": None,
        "contact_id": None,
        "payload": None,
        "due_at": None,
    }
    values.update(fields)
    if values.get("kind") not in KINDS:
        raise ValueError(f"outbox kind {values.get('kind')!r} is not in services/outbox_kinds.py")
    if values["due_at"] is None:
        values["due_at"] = clock.now()
    if isinstance(values["payload"], dict):
        values["payload"] = json.dumps(values["payload"], ensure_ascii=False, default=str)
    return values


_INSERT = OUTBOX.insert()


async def insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Queue rows made by `row` in the caller's transaction: one statement for all."""
    if rows:
        await session.execute(_INSERT, rows)


@dataclass(frozen=True)
class Recipient:
    id: int
    chat_id: int


# Every status change notifies the coordinators, so their list is asked for constantly and
# changes rarely: it is kept for a few seconds (real time, not the domain clock: this is a
# cache, not a deadline), per database engine, and dropped at once when this process links
# or loses one.
_COORDINATORS_TTL_S = 5.0
_coordinators_kept: PerEngine[tuple[float, list[Recipient]]] = PerEngine(lambda: (0.0, []))


def forget_coordinators(session: AsyncSession | None = None) -> None:
    """Drop the list kept for this session's database (for every database when None)."""
    _coordinators_kept.forget(session)


async def coordinators(session: AsyncSession) -> list[Recipient]:
    """Reachable coordinators' chats."""
    cached = _coordinators_kept.get(session)
    if cached is not None and time.monotonic() - cached[0] < _COORDINATORS_TTL_S:
        return cached[1]
    rows = await session.execute(
        select(Contact.id, Contact.chat_id).where(
            col(Contact.role) == "coordinator",
            col(Contact.chat_type) == "private",  # a group never hears coordinators' notices
            col(Contact.reachable).is_(True),
        )
    )
    found = [Recipient(id=cid, chat_id=chat) for cid, chat in rows.all()]
    _coordinators_kept.set(session, (time.monotonic(), found))
    return found


def lease_of(claim_lease_s: float, http_timeout_s: float) -> dt.timedelta:
    """The claim lease in force: CLAIM_LEASE_S, but always longer than a request can take
    (twice the HTTP timeout), so a live worker's send ends before anyone may take its row
    or call it interrupted."""
    return dt.timedelta(seconds=max(claim_lease_s, 2 * http_timeout_s + 1))


CLAIM_LOCK_KEY = 0x6E68_6163_636C_6D00  # "nhacclm": apart from bot/runner.py's polling lock
CHAT_HANDOVER = dt.timedelta(seconds=3)
"""A chat another worker sent to this recently is left to it: the next message keeps the
per-chat spacing (1 s, 3 s in a group) although the pacer that sent the last is not ours."""


async def claim_due(
    session: AsyncSession,
    *,
    worker: str,
    limit: int,
    lease: dt.timedelta,
    skip_locked: bool,
    kinds: tuple[str, ...] | None = None,
) -> list[Outbox]:
    """Atomically take up to `limit` due rows for this worker.

    A row is due when it is pending and its time has come, or when another worker claimed
    it longer than `lease` ago and never marked it (that worker died). One UPDATE does the
    claim: on SQLite the write lock makes it atomic, on PostgreSQL the inner SELECT skips
    rows other workers hold (FOR UPDATE SKIP LOCKED), so no row is ever taken twice; there
    (`skip_locked`) a chat is also one worker's at a time (see below).
    """
    now = clock.now()
    due = sa.or_(
        sa.and_(col(Outbox.state) == "pending", col(Outbox.due_at) <= now),
        sa.and_(col(Outbox.state) == "claimed", col(Outbox.claimed_at) < now - lease),
    )
    pick = select(Outbox.id).where(due).order_by(col(Outbox.due_at), col(Outbox.id)).limit(limit)
    if kinds is not None:
        pick = pick.where(col(Outbox.kind).in_(kinds))
    if skip_locked:
        # PostgreSQL, where several processes deliver: one chat is one worker's at a time,
        # so its messages keep their order and its limit (1/s, 20/min a group) is kept by
        # one pacer. Rows of a chat another worker holds (a live lease) or has just sent
        # to are left; the claims are serialised (a transaction lock, released at commit)
        # so that each sees the others' - claims are one short UPDATE each.
        other = aliased(Outbox)
        busy = (
            select(col(other.id))
            .where(
                col(other.chat_id) == col(Outbox.chat_id),
                col(other.claimed_by) != worker,
                sa.or_(
                    sa.and_(
                        col(other.state).in_(("claimed", "sending")),
                        col(other.claimed_at) >= now - lease,
                    ),
                    sa.and_(col(other.state) == "sent", col(other.sent_at) >= now - CHAT_HANDOVER),
                ),
            )
            .exists()
        )
        pick = pick.where(~busy).with_for_update(skip_locked=True)
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(CLAIM_LOCK_KEY)))
    stmt = (
        sa.update(Outbox)
        .where(col(Outbox.id).in_(pick.scalar_subquery()))
        .values(state="claimed", claimed_by=worker, claimed_at=now, attempts=Outbox.attempts + 1)
        .returning(Outbox)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.scalars(stmt)).all())
    await session.commit()
    return sorted(rows, key=lambda r: (r.due_at, r.id or 0))


async def mark(
    session: AsyncSession,
    *,
    ids: list[int],
    worker: str,
    state: str,
    message_id: int | None = None,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    late: bool | None = None,
    from_state: str = "claimed",
) -> None:
    """Record the outcome of a send for rows this worker holds, and commit it."""
    if not allowed(from_state, state):
        raise ValueError(f"outbox rows cannot go from {from_state} to {state}")
    values: dict[str, Any] = {"state": state, "error": error}
    if late is not None:
        values["late"] = late
    if state == "sent":
        values.update(sent_at=clock.now(), message_id=message_id)
    if state == "pending":
        values.update(claimed_by=None, claimed_at=None, due_at=retry_at or clock.now())
    await session.execute(
        sa.update(Outbox)
        .where(
            col(Outbox.id).in_(ids),
            col(Outbox.claimed_by) == worker,
            col(Outbox.state) == from_state,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def mark_unreachable(session: AsyncSession, *, chat_id: int, reason: str) -> Contact | None:
    """A 403: stop writing to this chat until its person presses /start again. Its other
    pending rows are skipped, and if its agency has nobody else reachable, coordinators
    are told. Committed."""
    contact = await session.scalar(select(Contact).where(Contact.chat_id == chat_id))
    if contact is None or not contact.reachable:
        return None
    contact.reachable = False
    contact.unreachable_reason = reason[:200]
    forget_coordinators(session)
    await session.execute(
        sa.update(Outbox)
        .where(col(Outbox.chat_id) == chat_id, col(Outbox.state) == "pending")
        .values(state="skipped", error="unreachable")
        .execution_options(synchronize_session=False)
    )
    if contact.agency_id is not None:
        others = await session.scalar(
            select(sa.func.count())
            .select_from(Contact)
            .where(
                Contact.agency_id == contact.agency_id,
                col(Contact.reachable).is_(True),
                col(Contact.id) != contact.id,
            )
        )
        if not others:
            agency = await session.get(Agency, contact.agency_id)
            for coord in await coordinators(session):
                enqueue(
                    session,
                    kind="agency_unreachable",
                    chat_id=coord.chat_id,
                    contact_id=coord.id,
                    dedupe_key=f"unreach:{contact.id}:{clock.now().isoformat()}:{coord.id}",
                    payload={"agency": agency.name if agency else "", "who": contact.display_name},
                )
    await session.commit()
    return contact


async def transition(
    session: AsyncSession,
    *,
    ids: list[int],
    worker: str,
    from_state: str,
    to_state: str,
    error: str | None = None,
) -> bool:
    """Move rows this worker holds from one state to another; False if it no longer holds
    them all (its lease ran out and another worker took them)."""
    if not allowed(from_state, to_state):
        raise ValueError(f"outbox rows cannot go from {from_state} to {to_state}")
    values: dict[str, Any] = {"state": to_state, "error": error}
    if to_state in ("claimed", "sending"):
        values["claimed_at"] = clock.now()  # a fresh lease for the send about to happen
    result = await session.execute(
        sa.update(Outbox)
        .where(
            col(Outbox.id).in_(ids),
            col(Outbox.claimed_by) == worker,
            col(Outbox.state) == from_state,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    # An UPDATE without RETURNING gives a CursorResult; the session's typing says Result.
    return cast(sa.CursorResult[Any], result).rowcount == len(ids)


async def release(session: AsyncSession, *, ids: list[int], worker: str) -> None:
    """Hand rows this worker claimed and never started back to `pending`, due as they
    were (a stop before their turn: another process, or this one restarted, takes them at
    once). Rows already sent, failed or on their way are left alone. Committed."""
    await _update_claimed(session, ids, worker, state="pending", claimed_by=None, claimed_at=None)


async def renew(session: AsyncSession, *, ids: list[int], worker: str) -> None:
    """A fresh lease for rows this worker claimed and still means to send (queued behind a
    chat's earlier messages, or a group's 20 a minute): nobody takes them over, this worker
    included, while it lives. One UPDATE, committed."""
    await _update_claimed(session, ids, worker, claimed_at=clock.now())


async def _update_claimed(
    session: AsyncSession, ids: list[int], worker: str, **values: Any
) -> None:
    """Set values on those of the rows this worker claimed and has not started; committed."""
    if not ids:
        return
    await session.execute(
        sa.update(Outbox)
        .where(
            col(Outbox.id).in_(ids),
            col(Outbox.claimed_by) == worker,
            col(Outbox.state) == "claimed",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
