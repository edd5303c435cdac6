"""Send what the outbox holds: reminders at least once, broadcasts at most once.

Protocol (the database is the truth, see services/outbox.py):
1. claim: one UPDATE marks a batch of due rows `claimed` by this worker; the next batch is
   claimed while the last one is still going out, so delivery never waits on a claim;
2. send: each message goes out paced to Telegram's limits (jobs/pacing.py), up to
   `send_concurrency` at once (at 200 ms a round trip, 30/s needs about six in flight), one
   chat's messages one after another and in order;
3. mark: right after its answer, the row is marked `sent` (or `failed`, or put back to
   `pending` with a later time) in its own commit.
A process killed between 2 and 3 leaves at most the messages in flight unmarked (never more
than `send_concurrency`); their rows are taken again once the claim lease expires, so
nothing is lost and only what was in flight can arrive twice: reminders, at least once.
Right before each send the claim is renewed by a conditional UPDATE that also proves the row
is still this worker's: a row that waited past its lease and was taken over is left to its
new owner. The lease is kept longer than a request can take (twice the HTTP timeout), so a
live worker's send always ends before anyone may take its row.
Rows still queued in this process (a chat's later messages, a group's 20 a minute) have
their lease renewed by one UPDATE before each claim and every third of a lease, so a live
worker's queue is never claimed again, by itself or by another process.

`stop()` (SIGTERM, bot/runner.py) ends a run within about a round trip: no more claims,
a unit not yet sending is not started and its rows go back to `pending`, sends already on
their way finish and are marked.

Broadcasts are at most once: a row goes `sending` before its request, and a send whose
outcome is unknown - a timeout, a dropped connection, a 5xx (the message may have been
delivered) - becomes `uncertain`, is listed in the broadcast's report and is never sent
again; so does a `sending` row found after a crash (services/broadcasts.py).

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
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.aiohttp_request import NotSent, last_exchange
from bot.keyboards import markup_from_json
from db.models import Outbox
from db.session import Database
from jobs import notices
from jobs.broadcasts import render_broadcast
from jobs.pacing import Pacer, Ticket
from jobs.reminders import RENDERERS, Defer
from jobs.render import Outgoing, render_payload
from services import clock, contacts, outbox, outbox_kinds
from services.settings import Settings
from services.tasks import link_message

log = logging.getLogger(__name__)
Renderer = Callable[..., Awaitable[Any]]

AT_MOST_ONCE = outbox_kinds.AT_MOST_ONCE  # broadcasts; see services/outbox_kinds.py
MAX_TRIES = 4
RENDER_RETRY = dt.timedelta(seconds=30)
"""How long rows wait after a database error while they were rendered."""
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
    sending: bool = False
    """Its request is being made (or about to be): a stop lets it finish."""

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
        if row.kind not in outbox_kinds.MERGED_PER_TASK:
            units.append(Unit([row]))
            continue
        unit = reminders.get((row.chat_id, row.task_id))
        if unit is None:
            unit = reminders[(row.chat_id, row.task_id)] = Unit([])
            units.append(unit)
        unit.rows.append(row)
    return units


DEFINITE = (
    BadRequest,
    Forbidden,
    RetryAfter,
    ChatMigrated,
    InvalidToken,
    Conflict,
    EndPointNotFound,
    NotSent,
)
"""Errors that say for sure nothing was delivered: Telegram's refusals (4xx, 429, a
migrated group) and a request that never left (refused, no route, connect timeout)."""


def outcome_unknown(error: TelegramError) -> bool:
    """No definite answer came back: a timeout, a dropped connection, a 5xx, a 2xx whose
    body could not be read ("Invalid server response") or any error not known to be a
    refusal. The message may have been delivered."""
    return not isinstance(error, DEFINITE)


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
        self.lease = outbox.lease_of(settings.claim_lease_s, settings.http_timeout_s)
        self.renderers = (
            {**RENDERERS, "broadcast": render_broadcast} if renderers is None else renderers
        )
        self._lock = asyncio.Lock()
        self._rendering = asyncio.Semaphore(64)
        # At most this many messages between "sent" and "marked": a kill repeats no more.
        self.send_concurrency = max(1, settings.send_concurrency)
        self._sending = asyncio.Semaphore(self.send_concurrency)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop soon (a SIGTERM): no more claims; a unit not yet sending is not started and
        its rows go back to `pending` for the next process; sends already on their way
        finish and are marked. `run_once` returns within about a round trip."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run_once(self) -> int:
        """Claim and send due rows until none are left (or `stop`); returns how many rows
        were handled."""
        if self._lock.locked() or self._stopping.is_set():
            return 0
        handled = 0
        batch = self.settings.dispatch_batch
        renew_every = self.lease.total_seconds() / 3
        async with self._lock:
            going: dict[asyncio.Task[None], Unit] = {}
            stopped: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
            try:
                while not self._stopping.is_set():
                    await self._renew(going.values())
                    renewed = time.monotonic()
                    rows = await self._claim()
                    if not rows and not going:
                        return handled
                    for unit in units_of(rows):
                        going[asyncio.create_task(self._deliver(unit))] = unit
                    handled += len(rows)
                    # Claim again once half a batch is left (or all of it is done, when
                    # nothing was due): the next rows are ready before these run out.
                    while going and (len(going) > batch // 2 or not rows):
                        waits: list[asyncio.Future[Any]] = [*going, stopped]
                        done, _ = await asyncio.wait(
                            waits,
                            timeout=renew_every,
                            return_when=asyncio.FIRST_COMPLETED,
                        )
                        for task in done:
                            if task is stopped:
                                continue
                            going.pop(task)  # type: ignore[call-overload]
                            if not task.cancelled() and task.exception() is not None:
                                log.error("delivery failed", exc_info=task.exception())
                        if self._stopping.is_set() or not rows:
                            break
                        if time.monotonic() - renewed >= renew_every:
                            await self._renew(going.values())
                            renewed = time.monotonic()
                return handled  # stopping: see below
            finally:
                # Stopped, or this run itself cancelled (the job queue's shutdown): what has
                # not started is not started and its rows go back to `pending`; what is on
                # its way ends and is marked - cutting it would leave a broadcast row
                # `sending` (uncertain for good) and repeat a reminder.
                stopped.cancel()
                for task, unit in going.items():
                    if not unit.sending:
                        task.cancel()
                if going:
                    await asyncio.gather(*going, return_exceptions=True)
                    ids = [i for unit in going.values() for i in unit.ids]
                    try:
                        async with self.db.session() as session:
                            await outbox.release(session, ids=ids, worker=self.worker)
                    except Exception:  # noqa: BLE001 - the lease brings them back anyway
                        log.warning("could not hand rows %s back", ids, exc_info=True)

    async def _renew(self, units: Iterable[Unit]) -> None:
        """Renew the lease of the rows still queued here (see outbox.renew)."""
        ids = [i for unit in units for i in unit.ids]
        if ids:
            async with self.db.session() as session:
                await outbox.renew(session, ids=ids, worker=self.worker)

    async def _claim(self) -> list[Outbox]:
        async with self.db.session() as session:
            await notices.queue_pending(session, skip_locked=not self.db.is_sqlite)
        async with self.db.session() as session:
            return await outbox.claim_due(
                session,
                worker=self.worker,
                limit=self.settings.dispatch_batch,
                lease=self.lease,
                skip_locked=not self.db.is_sqlite,
            )

    async def _chat_turn(self, chat_id: int) -> asyncio.Lock:
        """Wait for this chat's earlier messages (in the order the units were started)."""
        lock, users = self._chats.get(chat_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._chats[chat_id] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:  # cancelled while waiting (a stop)
            self._chat_left(chat_id, lock)
            raise
        return lock

    def _chat_done(self, chat_id: int, lock: asyncio.Lock) -> None:
        lock.release()
        self._chat_left(chat_id, lock)

    def _chat_left(self, chat_id: int, lock: asyncio.Lock) -> None:
        _, users = self._chats[chat_id]
        if users <= 1:
            del self._chats[chat_id]
        else:
            self._chats[chat_id] = (lock, users - 1)

    async def _render(self, unit: Unit) -> Outgoing | Defer | None:
        first = unit.rows[0]
        custom = self.renderers.get(first.kind)
        if custom is not None:
            async with self.db.session() as session:
                return await custom(session, unit.rows, self.settings)
        return render_payload(first.kind, first.payload, first.text)

    async def _deliver(self, unit: Unit) -> None:
        chat_id = unit.chat_id  # the unit's chat may change (a group migrated) meanwhile
        lock = await self._chat_turn(chat_id)
        try:
            async with self._rendering:
                try:
                    out = await self._render(unit)
                except sa.exc.DBAPIError:  # a passing one: "database is locked", a deadlock
                    log.warning("cannot render outbox rows %s now; later", unit.ids, exc_info=True)
                    await self._mark(unit, "pending", retry_at=clock.now() + RENDER_RETRY)
                    return
                except Exception:  # a row that cannot be rendered must not block the rest
                    log.exception("cannot render outbox rows %s", unit.ids)
                    await self._mark(unit, "failed", error="render error")
                    return
            if out is None:
                await self._mark(unit, "skipped")
                return
            if isinstance(out, Defer):
                await self._mark(unit, "pending", retry_at=out.until, late=True)
                return
            await self._send(unit, out)
        finally:
            self._chat_done(chat_id, lock)

    async def _send(self, unit: Unit, out: Outgoing) -> None:
        markup = markup_from_json(out.keyboard)
        backoff = 1.0
        for _ in range(MAX_TRIES):
            chat_id = unit.chat_id  # a group upgraded meanwhile has a new id (_failed)
            await self.pacer.acquire(chat_id)
            async with self._sending:
                if self._stopping.is_set():
                    return  # not started: run_once hands the rows back
                unit.sending = True
                try:
                    sent = await self._send_one(unit, out, markup)
                finally:
                    unit.sending = False
            if sent or self._stopping.is_set():
                return
            if sent is None:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        # Still failing: hand the rows back for a later run instead of holding them.
        await self._mark(unit, "pending", retry_at=clock.now() + dt.timedelta(seconds=30))

    async def _send_one(self, unit: Unit, out: Outgoing, markup: Any) -> bool | None:
        """Send and mark. True when done with the unit (sent, or failed for good); False to
        retry at once (after a 429 pause); None to retry after a backoff (5xx, timeout)."""
        chat_id = unit.chat_id
        once = unit.rows[0].kind in AT_MOST_ONCE
        ticket = await self._hold_and_admit(unit, once)
        if ticket is None:
            log.warning("outbox rows %s were taken over by another worker; not sending", unit.ids)
            return True
        answered = reached = False
        try:
            message = await self._request(chat_id, out, markup)
            answered = reached = True
        except TelegramError as error:
            answered = not outcome_unknown(error)
            reached = answered and not isinstance(error, NotSent)
            if once:
                # No definite answer: it may have arrived, so never risk a second copy.
                # A definite one (4xx, 429): nothing was delivered, the row is ours again.
                async with self.db.session() as session:
                    await outbox.transition(
                        session,
                        ids=unit.ids,
                        worker=self.worker,
                        from_state="sending",
                        to_state="claimed" if answered else "uncertain",
                        error=None if answered else str(error)[:200],
                    )
                if not answered:
                    return True
            elif not answered:
                log.info("send to %s: no answer (%s); retrying", chat_id, error)
                return None
            return await self._failed(unit, error)
        finally:
            self.pacer.record(ticket, answered=reached, exchange=last_exchange.get())
        async with self.db.session() as session:
            # Links first: a crash between the two commits leaves the row unmarked (sent
            # again, or uncertain for a broadcast), never a sent message a reply can't place.
            if out.link_task_ids:
                await link_message(
                    session,
                    chat_id=chat_id,
                    message_id=message.message_id,
                    task_ids=out.link_task_ids,
                    purpose=out.link_purpose,
                )
            await outbox.mark(
                session,
                ids=unit.ids,
                worker=self.worker,
                state="sent",
                message_id=message.message_id,
                late=out.late,
                from_state="sending" if once else "claimed",
            )
        return True

    async def _hold_and_admit(self, unit: Unit, once: bool) -> Ticket | None:
        """Renew the claim and prove it is still ours, then wait for the pacer; renewed
        again if that wait was long. None if another worker has taken the rows over (they
        waited past the lease: a long per-chat queue, a stall)."""
        state = "claimed"
        while True:
            async with self.db.session() as session:
                held = await outbox.transition(
                    session,
                    ids=unit.ids,
                    worker=self.worker,
                    from_state=state,
                    to_state="sending" if once else "claimed",
                )
            if not held:
                return None
            state = "sending" if once else "claimed"
            ticket = await self.pacer.admit(unit.chat_id, max_wait=self.lease.total_seconds() / 4)
            if ticket is not None:
                return ticket

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

    async def _mark(
        self,
        unit: Unit,
        state: str,
        *,
        error: str | None = None,
        retry_at: dt.datetime | None = None,
        late: bool | None = None,
    ) -> None:
        """Record the unit's outcome (from "claimed"); "pending" hands it back until retry_at."""
        async with self.db.session() as session:
            await outbox.mark(
                session,
                ids=unit.ids,
                worker=self.worker,
                state=state,
                error=error,
                retry_at=retry_at,
                late=late,
            )

    async def _unreachable(self, unit: Unit, reason: str) -> None:
        """A 403 or a vanished chat: stop writing there, and tell coordinators when the
        agency has nobody left who can be reached."""
        async with self.db.session() as session:
            await outbox.mark(
                session, ids=unit.ids, worker=self.worker, state="failed", error=reason[:200]
            )
            await outbox.mark_unreachable(session, chat_id=unit.chat_id, reason=reason)
