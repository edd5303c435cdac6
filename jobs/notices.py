"""Coordinators' notices: each change an official makes, told as one line.

A change writes nothing extra for them: its notice (JSON, `services.tasks.notice_of`) rides
on the change's last history row with state `pending`. On each run, before claiming the
outbox, the dispatcher calls `queue_pending`: one UPDATE claims the pending notices (on
PostgreSQL skipping rows another process holds) and, in the same transaction, one INSERT
queues one outbox message per coordinator, NOTICE_LINES lines at most. A notice is thus
queued exactly once, and from there the outbox delivers it like any other message. A busy
morning costs each coordinator a few long messages instead of one per change, which is
also all Telegram allows one chat (one message a second).
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import chunk
from jobs.render import notice_line
from services import outbox
from services.tasks import EVENT

log = logging.getLogger(__name__)

NOTICE_LINES = 40  # lines in one message (each about 100 characters)
CLAIM_LIMIT = 1000  # notices taken in one run; the rest wait for the next

# The literal matches the partial index's predicate (a bound parameter would not).
_PENDING = EVENT.c.notice_state == sa.literal_column("'pending'")


def _claim(skip_locked: bool) -> sa.Update:
    pick = sa.select(EVENT.c.id).where(_PENDING).order_by(EVENT.c.id).limit(sa.bindparam("limit"))
    if skip_locked:
        pick = pick.with_for_update(skip_locked=True)
    return (
        EVENT.update()
        .where(EVENT.c.id.in_(pick.scalar_subquery()))
        .values(notice_state="queued")
        .returning(EVENT.c.id, EVENT.c.chat_id, EVENT.c.notice)
    )


_CLAIM = {skip: _claim(skip) for skip in (False, True)}  # built once


def messages(lines: list[str]) -> list[str]:
    """Lines joined into messages of at most NOTICE_LINES lines, below Telegram's limit."""
    lines = [line[:300] for line in lines]
    return [
        "\n".join(lines[i] for i in group)
        for group in chunk(lines, header="", per_message=NOTICE_LINES)
    ]


async def queue_pending(
    session: AsyncSession, *, skip_locked: bool, limit: int = CLAIM_LIMIT
) -> int:
    """Turn up to `limit` pending notices into outbox messages for the coordinators;
    returns how many were taken. Commits."""
    claimed = sorted((await session.execute(_CLAIM[skip_locked], {"limit": limit})).all())
    if not claimed:
        return 0
    lines = []
    for event_id, chat_id, notice in claimed:
        try:
            lines.append((chat_id, notice_line(json.loads(notice))))
        except (ValueError, KeyError, TypeError):  # one bad notice must not stop the others
            log.exception("cannot render the notice of history row %s", event_id)
    span = f"{claimed[0][0]}-{claimed[-1][0]}"
    rows = []
    for coordinator in await outbox.coordinators(session):
        # A coordinator who changed a task themselves is not told of it.
        theirs = [line for chat_id, line in lines if chat_id != coordinator.chat_id]
        for part, text in enumerate(messages(theirs)):
            rows.append(
                outbox.row(
                    kind="notices",
                    chat_id=coordinator.chat_id,
                    contact_id=coordinator.id,
                    text=text,
                    dedupe_key=f"notices:{span}:{coordinator.id}:{part}",
                )
            )
    await outbox.insert(session, rows)
    await session.commit()
    return len(claimed)
