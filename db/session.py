"""Engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.failures import DatabaseFailure, failure
from db.sqlite import WriteGate, async_creator

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30
APART_POOL_SIZE = 2  # PostgreSQL connections of the reads apart (see Database.read_apart)

T = TypeVar("T")


def _prepare_sqlite_path(url: sa.URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict = {}
        file_db = self.is_sqlite and self.url.database not in (None, "", ":memory:")
        if file_db:  # see db/sqlite.py: its connections set their own pragmas
            try:
                _prepare_sqlite_path(self.url)
            except OSError as error:  # /proc/x/db.sqlite, a read-only disk, no permission
                found = failure(self.url, error)
                raise found or DatabaseFailure(str(self.url.database), "other") from error
            kwargs["async_creator"] = async_creator(
                str(self.url.database), WriteGate(timeout_s=SQLITE_BUSY_TIMEOUT_S)
            )
            # SQLAlchemy 2.1's default for a file; 2.0 would open a connection per session.
            kwargs["poolclass"] = sa.pool.AsyncAdaptedQueuePool
        elif not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite and not file_db:  # an in-memory database, aiosqlite as it comes
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._apart: _Apart | None = None
        # An in-memory SQLite database lives in its one connection: it cannot be opened again.
        self.opens_twice = file_db or not self.is_sqlite

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def ready(self, *, write: bool = False) -> None:
        """Migrate, and with `write` prove a write goes through (a read-only file or a full
        disk is found now, not by the first person to answer a reminder). A failure is a
        DatabaseFailure naming the file and the cause."""
        try:
            await self.migrate()
            if write:
                async with self.engine.begin() as conn:
                    await conn.execute(
                        sa.text("UPDATE alembic_version SET version_num = version_num")
                    )
        except DatabaseFailure:
            raise
        except Exception as error:
            found = failure(self.url, error)
            if found is None:
                raise
            raise found from error

    async def read_apart(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`await fn(session)` off this event loop: on a worker thread with an event loop and
        an engine of its own, on the same SQLite file or PostgreSQL database.

        The fallback of services.workers.read_apart (which reads in a worker process, where
        the loop does not even share the GIL): on SQLite a statement runs on the loop of its
        engine (db/sqlite.py), so turning 10,000 rows into Python here holds the worker's
        loop, not the bot's. `fn` only reads: its session is rolled back at the end, and it
        runs on another engine, so it returns plain values (no ORM objects to use later) and
        sees what was committed. An in-memory SQLite database cannot be opened twice
        (`opens_twice`): there `fn` runs here, on this loop."""
        if not self.opens_twice:
            async with self.session() as session:
                return await fn(session)
        if self._apart is None:
            self._apart = _Apart(str(self.url.render_as_string(hide_password=False)))
        return await self._apart.run(fn)

    async def dispose(self) -> None:
        apart, self._apart = self._apart, None
        if apart is not None:
            await apart.close()
        await self.engine.dispose()


class _Apart:
    """A daemon thread running an event loop of its own, with a Database of its own (made
    on first use, in that thread) for Database.read_apart."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.db: Database | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="nhacviec-reads", daemon=True
        )
        self.thread.start()

    async def run(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        # Cancelling the caller cancels the read in the worker (run_coroutine_threadsafe).
        done = asyncio.run_coroutine_threadsafe(self._read(fn), self.loop)
        return await asyncio.wrap_future(done)

    async def _read(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        if self.db is None:
            self.db = Database(self.url, pool_size=APART_POOL_SIZE)
        async with self.db.session() as session:
            try:
                return await fn(session)
            finally:
                await session.rollback()

    async def _dispose(self) -> None:
        if self.db is not None:
            await self.db.dispose()

    async def close(self) -> None:
        try:
            done = asyncio.run_coroutine_threadsafe(self._dispose(), self.loop)
            await asyncio.wrap_future(done)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            await asyncio.to_thread(self.thread.join, 10)
            if not self.thread.is_alive():
                self.loop.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.close()


def alembic_config(connection: sa.Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r'^(down_revision|revision) = "?([^"\n]*?)"?$', re.M)


@functools.cache
def _head() -> str | None:
    """The newest revision, read from the migration files (each names its revision and the
    one before it): the head is the revision no other file comes after. None when the
    files do not make one line (Alembic then decides)."""
    after: dict[str, str] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            after[found["revision"]] = found.get("down_revision", "None")
    heads = set(after) - set(after.values())
    return heads.pop() if len(heads) == 1 else None


def _upgrade(connection: sa.Connection) -> None:
    """Alembic's upgrade to head, unless the schema is there already. Most runs find it
    there (every `nhacviec` command starts here), and importing Alembic to learn so is a
    third of a command's start-up."""
    head = _head()
    if head is not None and sa.inspect(connection).has_table("alembic_version"):
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        if set(versions.scalars()) == {head}:
            log.info("database schema at revision %s", head)
            return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
    log.info("database schema at revision %s", head or "head")
