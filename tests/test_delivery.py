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

from services import clock
from services.clock import SystemClock
from tests.conftest import PG_URL
from tests.harness import make_due_reminders, stop_periodic_jobs

ROOT = os.path.dirname(os.path.dirname(__file__))


def received(server, chats) -> Counter:
    wanted = set(chats)
    return Counter(m.chat_id for m in server.sent if m.chat_id in wanted and m.text.startswith("⏰"))


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
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


def _env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL"))}
    env.update(DATABASE_URL=settings.database_url, TELEGRAM_BOT_TOKEN="42:CRASH-TEST",
               TELEGRAM_API_BASE_URL=settings.telegram_api_base_url, CLAIM_LEASE_S="3", HTTP_TIMEOUT_S="1",
               DISPATCH_INTERVAL_S="0.2", **extra)
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
async def test_two_processes_deliver_2000_reminders_exactly_once(settings, db, fake_server):
    clock.set_clock(SystemClock())
    chats = await make_due_reminders(db, fake_server, 2000, due_at=clock.now())
    # Each process takes half of Telegram's global limit, as a deployment of two would.
    env = _env(settings, RATE_GLOBAL_PER_S="150", DISPATCH_BATCH="50")
    bots = [await _bot_process(env), await _bot_process(env)]
    try:
        await fake_server.wait_for(lambda: len(received(fake_server, chats)) == 2000, timeout=150)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
    finally:
        for bot in bots:
            bot.send_signal(signal.SIGTERM)
        for bot in bots:
            await asyncio.wait_for(bot.wait(), 30)
    got = received(fake_server, chats)
    assert len(got) == 2000 and max(got.values()) == 1
