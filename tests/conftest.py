"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is
set), the fake Bot API server over real HTTP, and the real Application polling it."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services import clock
from services.clock import VN_TZ, FrozenClock

T = TypeVar("T")

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a session fixture, on a loop of its own (not the tests' loop)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def _pg_url(base_url: str, name: str) -> str:
    return str(sa.make_url(base_url).set(database=name).render_as_string(hide_password=False))


async def _create_postgres(base_url: str, template: str | None = None) -> str:
    """A new database for one test (empty, or a copy of `template`), so tests never see
    each other's rows. Names are random: any number of workers and runs share a server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            like = f' TEMPLATE "{template}"' if template else ""
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"{like}'))
    finally:
        await admin.dispose()
    return _pg_url(base_url, name)


async def _drop_postgres(base_url: str, url: str) -> None:
    name = sa.make_url(url).database
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _migrate(url: str) -> None:
    from db.session import Database

    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Iterator[str]:
    """One database migrated to the newest revision, built once per run (per xdist worker)
    and copied for every test that asks for `db`: a file copy on SQLite, CREATE DATABASE ...
    TEMPLATE on PostgreSQL. Tests that only ask for `database_url` get an empty database,
    so the bot's own start (which migrates) is still tested from nothing."""
    if PG_URL:
        url = _run(_create_postgres(PG_URL))
        try:
            _run(_migrate(url))
            yield str(sa.make_url(url).database)
        finally:
            _run(_drop_postgres(PG_URL, url))
    else:
        path = tmp_path_factory.mktemp("template") / "migrated.db"
        _run(_migrate(f"sqlite+aiosqlite:///{path}"))
        # The engine is disposed: the WAL was checkpointed into the file and removed.
        assert not Path(f"{path}-wal").exists()
        yield str(path)


async def new_database(tmp_path: Path, template: str | None, name: str = "nhacviec") -> str:
    """The URL of a new database: a copy of the migrated `template`, or empty when None."""
    if PG_URL:
        return await _create_postgres(PG_URL, template)
    path = tmp_path / f"{name}.db"
    if template is not None:
        shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def drop_database(url: str) -> None:
    if PG_URL:
        await _drop_postgres(PG_URL, url)  # SQLite files go with tmp_path


@pytest.fixture
async def database_url(request, tmp_path, migrated_template) -> AsyncIterator[str]:
    """A database of this test's own: migrated already when the test uses `db`, else empty."""
    url = await new_database(tmp_path, migrated_template if "db" in request.fixturenames else None)
    yield url
    await drop_database(url)


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
    from services.settings import Settings, use_settings

    database = Database(database_url)  # migrated already: see `database_url`
    # What services read when no application was built on this database: the defaults,
    # not a developer's .env nor a previous test's application.
    use_settings(Settings(_env_file=None, database_url=database_url), database.engine)
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


def pytest_configure(config) -> None:
    """Compile the project and its dependencies to bytecode once, before any test starts.

    These machines set PYTHONDONTWRITEBYTECODE=1, so an import never writes a .pyc and every
    `nhacviec` process a test starts would compile SQLAlchemy, python-telegram-bot and the
    rest from source again (`import bot.cli`: 2.7 s of CPU against 1.1 s). compileall
    writes the caches anyway and skips what is up to date (a fraction of a second then).
    Only the controlling process does it, not each xdist worker."""
    if hasattr(config, "workerinput"):
        return
    import compileall
    import sysconfig

    root = Path(__file__).resolve().parent.parent
    folders = [sysconfig.get_paths()["purelib"], *(root / d for d in PROJECT_PACKAGES)]
    for folder in folders:
        compileall.compile_dir(folder, quiet=2, workers=0)


PROJECT_PACKAGES = ("bot", "jobs", "db", "services", "fake_telegram", "bench")


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The order's seed, printed even under -q (pytest-randomly shows it in the header only):
    a failure that depends on the order is repeated with the same seed."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"random order: -p randomly --randomly-seed={seed}")
