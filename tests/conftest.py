"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is
set), the fake Bot API server over real HTTP, and the real Application polling it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services import clock
from services.clock import VN_TZ, FrozenClock

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday


async def _fresh_postgres(base_url: str) -> str:
    """A new empty database for one test, so tests never see each other's rows."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return str(sa.make_url(base_url).set(database=name).render_as_string(hide_password=False))


async def _drop_postgres(base_url: str, url: str) -> None:
    name = sa.make_url(url).database
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def database_url(tmp_path) -> AsyncIterator[str]:
    if PG_URL:
        url = await _fresh_postgres(PG_URL)
        yield url
        await _drop_postgres(PG_URL, url)
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'nhacviec.db'}"


@pytest.fixture
def frozen_clock() -> FrozenClock:
    previous = clock.get_clock()
    fake = FrozenClock(START)
    clock.set_clock(fake)
    yield fake
    clock.set_clock(previous)


@pytest.fixture
async def db(database_url, frozen_clock):
    from db.session import Database

    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def fake_server():
    from fake_telegram import FakeTelegram

    server = FakeTelegram(bot_username="nhacviec_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(database_url, fake_server, monkeypatch):
    from services.settings import Settings

    for key in list(os.environ):
        if key.startswith(("REMINDER_", "OVERDUE_", "WORKDAYS_", "TELEGRAM_")):
            monkeypatch.delenv(key, raising=False)
    return Settings(
        _env_file=None,
        telegram_bot_token="123456:TEST-TOKEN",
        telegram_api_base_url=fake_server.base_url,
        telegram_bot_username="nhacviec_bot",
        database_url=database_url,
        dispatch_interval_s=0.2,
    )


@pytest.fixture
async def bot_app(settings, db, fake_server):
    """The real Application, long-polling the fake server."""
    from tests.harness import running_app

    async with running_app(settings, db) as app:
        yield app


@pytest.fixture
async def world(bot_app, fake_server, db, frozen_clock, settings):
    from tests.harness import World

    return World(app=bot_app, server=fake_server, db=db, clock=frozen_clock, settings=settings)
