"""Exactly once, whatever happens: Telegram errors, flood limits, a SIGKILL in the middle of
a batch, and two bot processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from collections import Counter

import pytest
import sqlalchemy as sa

from services import clock
from services.clock import SystemClock
from tests.conftest import PG_URL
from tests.harness import make_due_reminders, stop_periodic_jobs

ROOT = os.path.dirname(os.path.dirname(__file__))


def received(server, chats) -> Counter:
    wanted = set(chats)
    return Counter(
        m.chat_id for m in server.sent if m.chat_id in wanted and m.text.startswith("⏰")
    )


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"http_timeout_s": 1.0, "claim_lease_s": 3.0})


@pytest.mark.parametrize("trouble", ["5xx", "timeout", "429"])
async def test_every_reminder_arrives_once_through_server_trouble(world, trouble):
    await stop_periodic_jobs(world.app)
    chats = await make_due_reminders(world.db, world.server, 120, due_at=world.clock.now())
    if trouble == "5xx":
        world.server.inject(status=502, method="sendMessage", times=15)
        world.server.inject(status=500, method="sendMessage", times=15)
    elif trouble == "timeout":
        world.server.inject(status="timeout", method="sendMessage", times=4, delay=1.5)
    else:
        world.server.enforce_limits = True
        world.server.inject(status=429, method="sendMessage", times=3, retry_after=1)
    while await world.dispatch():
        pass
    for _ in range(10):  # rows handed back after repeated failures come due again
        world.clock.advance(dt.timedelta(seconds=31))
        await world.dispatch()
    got = received(world.server, chats)
    assert set(got) == set(chats) and max(got.values()) == 1
    if trouble == "429":
        assert world.server.limit_violations == 0


async def _bot_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def _env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=settings.database_url,
        TELEGRAM_BOT_TOKEN="42:CRASH-TEST",
        TELEGRAM_API_BASE_URL=settings.telegram_api_base_url,
        CLAIM_LEASE_S="3",
        HTTP_TIMEOUT_S="1",
        DISPATCH_INTERVAL_S="0.2",
        **extra,
    )
    return env


async def test_sigkill_mid_batch_loses_nothing_and_repeats_at_most_one(settings, db, fake_server):
    """500 due reminders; the bot is killed with SIGKILL while sending and started again."""
    clock.set_clock(SystemClock())  # the bot process runs on real time, and so must the rows
    chats = await make_due_reminders(db, fake_server, 500, due_at=clock.now())
    env = _env(settings)
    kills = 0
    bot = await _bot_process(env)
    try:
        await fake_server.wait_for(lambda: len(received(fake_server, chats)) >= 150, timeout=60)
        bot.kill()
        kills += 1
        await bot.wait()
        bot = await _bot_process(env)
        await fake_server.wait_for(lambda: len(received(fake_server, chats)) == 500, timeout=90)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
    got = received(fake_server, chats)
    duplicates = sum(n - 1 for n in got.values())
    assert set(got) == set(chats)
    assert duplicates <= kills


@pytest.mark.skipif(not PG_URL, reason="several bot processes share work on PostgreSQL only")
async def test_two_processes_deliver_600_reminders_exactly_once(settings, db, fake_server):
    clock.set_clock(SystemClock())
    chats = await make_due_reminders(db, fake_server, 600, due_at=clock.now())
    # Each process takes half of Telegram's global limit, as a deployment of two would.
    env = _env(settings, RATE_GLOBAL_PER_S="150", DISPATCH_BATCH="50")
    bots = [await _bot_process(env), await _bot_process(env)]
    try:
        await fake_server.wait_for(lambda: len(received(fake_server, chats)) == 600, timeout=150)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
    finally:
        for bot in bots:
            bot.send_signal(signal.SIGTERM)
        for bot in bots:
            await asyncio.wait_for(bot.wait(), 30)
    got = received(fake_server, chats)
    assert len(got) == 600 and max(got.values()) == 1


async def test_racing_dispatchers_queue_each_notice_once(db, database_url):
    """Two processes' dispatchers (two engines on one database) turn pending notices into
    messages at the same time, a few at a time: every change is told to every coordinator
    exactly once (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: its write lock)."""
    from db.models import Outbox
    from db.session import Database
    from jobs import notices
    from services import agencies, invites, outbox
    from services import tasks as task_service

    async with db.session() as session:
        coordinators = []
        for chat in (9001, 9002):
            invite, _ = await invites.create_invite(session, agency_ref=None, coordinator=True)
            await invites.redeem_invite(
                session,
                code=invite.code,
                chat_id=chat,
                chat_type="private",
                user_id=chat,
                display_name=f"Điều phối {chat}",
            )
            coordinators.append(chat)
        actors, task_ids = [], []
        for a in range(6):
            await agencies.add_agency(session, name=f"UBND xã Đua {a}", code=f"D{a}")
            invite, _ = await invites.create_invite(session, agency_ref=f"D{a}")
            await invites.redeem_invite(
                session,
                code=invite.code,
                chat_id=100 + a,
                chat_type="private",
                user_id=100 + a,
                display_name=f"Cán bộ {a}",
            )
            me = await invites.identify(session, chat_id=100 + a)
            for t in range(10):
                view = await task_service.add_task(
                    session,
                    agency_ref=f"D{a}",
                    title=f"Việc {a}-{t}",
                    due_date=dt.date(2026, 12, 10),
                )
                actors.append(
                    task_service.Actor(
                        contact=me.contact, user_id=100 + a, name=f"Cán bộ {a}", chat_id=100 + a
                    )
                )
                task_ids.append(view.id)
        for actor, task_id in zip(actors, task_ids, strict=True):
            await task_service.apply_action(
                session, actor=actor, task_id=task_id, action="progress"
            )
    outbox.forget_coordinators()
    other = Database(database_url)

    async def drain(database) -> int:
        taken = 0
        while True:
            async with database.session() as session:
                got = await notices.queue_pending(
                    session, skip_locked=not database.is_sqlite, limit=7
                )
            if not got:
                return taken
            taken += got

    try:
        taken = await asyncio.gather(drain(db), drain(other))
    finally:
        await other.dispose()
    # Which dispatcher wins how many is the scheduler's choice; the guarantee is that
    # between them every pending change was queued exactly once.
    assert sum(taken) == 60, taken
    async with db.session() as session:
        rows = (
            await session.execute(
                sa.select(Outbox.chat_id, Outbox.text).where(Outbox.kind == "notices")
            )
        ).all()
    for chat in coordinators:
        lines = [line for c, text in rows if c == chat for line in text.split("\n")]
        assert sorted(lines) == sorted(set(lines)) and len(lines) == 60
