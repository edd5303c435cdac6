"""Send what the outbox holds, exactly once.

Protocol (the database is the truth, see services/outbox.py):
1. claim: one UPDATE marks a batch of due rows `claimed` by this worker;
2. send: each message goes out paced to Telegram's limits (jobs/pacing.py);
3. mark: right after its send, the row is marked `sent` (or `failed`, or put back to
   `pending` with a later time) in its own commit.
A process killed between 2 and 3 leaves at most the message in flight unmarked (one send
and mark at a time); its rows are taken again once the claim lease expires, so nothing is
lost and only what was in flight can arrive twice. Right before each send the claim is
renewed by a conditional UPDATE that also proves the row is still this worker's: a row
that waited past its lease and was taken over is left to its new owner. The lease is kept
longer than a request can take (twice the HTTP timeout), so a live worker's send always
ends before anyone may take its row.

Before each claim, coordinators' pending notices become outbox messages (jobs/notices.py,
many lines to a message); reminders of one task due together for one chat (a catch-up after
downtime) become one message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.keyboards import markup_from_json
from db.models import Outbox
from db.session import Database
from jobs import notices
from jobs.broadcasts import render_broadcast
from jobs.pacing import Pacer
from jobs.reminders import RENDERERS, Defer
from jobs.render import Outgoing, render_payload
from services import clock, contacts, outbox
from services.settings import Settings
from services.tasks import link_message

log = logging.getLogger(__name__)
Renderer = Callable[..., Awaitable[Any]]

AT_MOST_ONCE = ("broadcast",)  # see services/broadcasts.py
MAX_TRIES = 4
PERMANENT = (
    "chat not found",
    "bot was blocked",
    "user is deactivated",
    "bot was kicked",
    "bot can't initiate",
    "have no rights to send",
    "not enough rights",
)


@dataclass
class Unit:
    rows: list[Outbox]

    @property
    def chat_id(self) -> int:
        return self.rows[0].chat_id

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.rows if r.id is not None]


def units_of(rows: list[Outbox]) -> list[Unit]:
    """One unit per message: the reminders of one task for one chat go together."""
    units: list[Unit] = []
    reminders: dict[tuple[int, int | None], Unit] = {}
    for row in rows:
        if row.kind != "reminder":
            units.append(Unit([row]))
            continue
        unit = reminders.get((row.chat_id, row.task_id))
        if unit is None:
            unit = reminders[(row.chat_id, row.task_id)] = Unit([])
            units.append(unit)
        unit.rows.append(row)
    return units


def _retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        bot: Bot,
        settings: Settings,
        pacer: Pacer | None = None,
        worker: str | None = None,
        renderers: dict[str, Renderer] | None = None,
    ) -> None:
        self.db = db
        self.bot = bot
        self.settings = settings
        self.pacer = pacer or Pacer(
            global_per_s=settings.rate_global_per_s,
            private_per_s=settings.rate_private_per_s,
            group_per_min=settings.rate_group_per_min,
        )
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = dt.timedelta(
            seconds=max(settings.claim_lease_s, 2 * settings.http_timeout_s + 1)
        )
        self.renderers = (
            {**RENDERERS, "broadcast": render_broadcast} if renderers is None else renderers
        )
        self._lock = asyncio.Lock()
        self._inflight = asyncio.Semaphore(64)
        # One message between "sent" and "marked" at a time: a kill can then repeat at most
        # one message. Pacing spaces sends far wider than one send and mark take anyway.
        self._send_and_mark = asyncio.Lock()

    async def run_once(self) -> int:
        """Claim and send due rows until none are left; returns how many rows were handled."""
        if self._lock.locked():
            return 0
        handled = 0
        async with self._lock:
            while True:
                async with self.db.session() as session:
                    await notices.queue_pending(session, skip_locked=not self.db.is_sqlite)
                async with self.db.session() as session:
                    rows = await outbox.claim_due(
                        session,
                        worker=self.worker,
                        limit=self.settings.dispatch_batch,
                        lease=self.lease,
                        skip_locked=not self.db.is_sqlite,
                    )
                if not rows:
                    return handled
                await asyncio.gather(*(self._deliver(unit) for unit in units_of(rows)))
                handled += len(rows)

    async def _render(self, unit: Unit) -> Outgoing | Defer | None:
        first = unit.rows[0]
        custom = self.renderers.get(first.kind)
        if custom is not None:
            async with self.db.session() as session:
                return await custom(session, unit.rows, self.settings)
        return render_payload(first.kind, first.payload, first.text)

    async def _deliver(self, unit: Unit) -> None:
        async with self._inflight:
            try:
                out = await self._render(unit)
            except Exception:  # a row that cannot be rendered must not block the rest
                log.exception("cannot render outbox rows %s", unit.ids)
                await self._mark(unit, "failed", error="render error")
                return
            if out is None:
                await self._mark(unit, "skipped")
                return
            if isinstance(out, Defer):
                async with self.db.session() as session:
                    await outbox.mark(
                        session,
                        ids=unit.ids,
                        worker=self.worker,
                        state="pending",
                        retry_at=out.until,
                        late=True,
                    )
                return
            await self._send(unit, out)

    async def _send(self, unit: Unit, out: Outgoing) -> None:
        markup = markup_from_json(out.keyboard)
        backoff = 1.0
        for _ in range(MAX_TRIES):
            chat_id = unit.chat_id  # a group upgraded meanwhile has a new id (_failed)
            await self.pacer.acquire(chat_id)
            async with self._send_and_mark:
                await self.pacer.admit(chat_id)
                sent = await self._send_one(unit, out, markup)
            if sent:
                return
            if sent is None:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        # Still failing: hand the rows back for a later run instead of holding them.
        retry_at = clock.now() + dt.timedelta(seconds=30)
        async with self.db.session() as session:
            await outbox.mark(
                session, ids=unit.ids, worker=self.worker, state="pending", retry_at=retry_at
            )

    async def _send_one(self, unit: Unit, out: Outgoing, markup: Any) -> bool | None:
        """Send and mark. True when done with the unit (sent, or failed for good); False to
        retry at once (after a 429 pause); None to retry after a backoff (5xx, timeout)."""
        chat_id = unit.chat_id
        once = unit.rows[0].kind in AT_MOST_ONCE
        # Renew the claim right before sending, and make sure it is still ours: rows that
        # waited past the lease (a long per-chat queue, a stall) may have been taken over.
        async with self.db.session() as session:
            held = await outbox.transition(
                session,
                ids=unit.ids,
                worker=self.worker,
                from_state="claimed",
                to_state="sending" if once else "claimed",
            )
        if not held:
            log.warning("outbox rows %s were taken over by another worker; not sending", unit.ids)
            return True
        try:
            try:
                message = await self._request(chat_id, out, markup)
            finally:
                self.pacer.record(chat_id)
        except TimedOut as error:
            if once:  # it may have arrived: never risk a second copy of a broadcast
                async with self.db.session() as session:
                    await outbox.transition(
                        session,
                        ids=unit.ids,
                        worker=self.worker,
                        from_state="sending",
                        to_state="uncertain",
                        error=str(error)[:200],
                    )
                return True
            log.info("send to %s timed out; retrying", chat_id)
            return None
        except TelegramError as error:
            if once:  # a definite answer from the server: nothing was delivered
                async with self.db.session() as session:
                    await outbox.transition(
                        session,
                        ids=unit.ids,
                        worker=self.worker,
                        from_state="sending",
                        to_state="claimed",
                    )
            return await self._failed(unit, error)
        async with self.db.session() as session:
            await outbox.mark(
                session,
                ids=unit.ids,
                worker=self.worker,
                state="sent",
                message_id=message.message_id,
                late=out.late,
                from_state="sending" if once else "claimed",
            )
            if out.link_task_ids:
                await link_message(
                    session,
                    chat_id=chat_id,
                    message_id=message.message_id,
                    task_ids=out.link_task_ids,
                    purpose=out.link_purpose,
                )
        return True

    async def _request(self, chat_id: int, out: Outgoing, markup: Any) -> Message:
        extra: dict[str, Any] = (
            {"rate_limit_args": {"retry": False}} if isinstance(self.bot, ExtBot) else {}
        )
        if out.file_kind == "document":
            assert out.file_id is not None  # render sets a file's kind and id together
            return await self.bot.send_document(
                chat_id, out.file_id, caption=out.text or None, reply_markup=markup, **extra
            )
        if out.file_kind == "photo":
            assert out.file_id is not None  # render sets a file's kind and id together
            return await self.bot.send_photo(
                chat_id, out.file_id, caption=out.text or None, reply_markup=markup, **extra
            )
        return await self.bot.send_message(chat_id, out.text, reply_markup=markup, **extra)

    async def _failed(self, unit: Unit, error: TelegramError) -> bool | None:
        """What an error answer means (return values as for _send_one)."""
        if isinstance(error, RetryAfter):
            self.pacer.pause(_retry_seconds(error), unit.chat_id)
            return False
        if isinstance(error, ChatMigrated):  # the group is a supergroup now: send there
            await self._migrated(unit, int(error.new_chat_id))
            return False
        if isinstance(error, Forbidden):
            await self._unreachable(unit, str(error))
            return True
        if isinstance(error, BadRequest):
            if any(p in str(error).lower() for p in PERMANENT):
                await self._unreachable(unit, str(error))
            else:
                log.warning("outbox rows %s rejected: %s", unit.ids, error)
                await self._mark(unit, "failed", error=str(error)[:200])
            return True
        log.info("send to %s failed (%s); retrying", unit.chat_id, error)  # 5xx, connection errors
        return None

    async def _migrated(self, unit: Unit, new_chat_id: int) -> None:
        """The chat's contact and everything queued for it (these rows too) move to the
        supergroup's id; the message is then sent there (services.contacts.migrate_chat)."""
        async with self.db.session() as session:
            await contacts.migrate_chat(session, old_chat_id=unit.chat_id, new_chat_id=new_chat_id)
        for row in unit.rows:
            row.chat_id = new_chat_id

    async def _mark(self, unit: Unit, state: str, error: str | None = None) -> None:
        async with self.db.session() as session:
            await outbox.mark(session, ids=unit.ids, worker=self.worker, state=state, error=error)

    async def _unreachable(self, unit: Unit, reason: str) -> None:
        """A 403 or a vanished chat: stop writing there, and tell coordinators when the
        agency has nobody left who can be reached."""
        async with self.db.session() as session:
            await outbox.mark(
                session, ids=unit.ids, worker=self.worker, state="failed", error=reason[:200]
            )
            await outbox.mark_unreachable(session, chat_id=unit.chat_id, reason=reason)
