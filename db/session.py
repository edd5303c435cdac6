"""Engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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


def _prepare_sqlite_path(url: sa.URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, url: str) -> None:
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
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite and not file_db:  # an in-memory database, aiosqlite as it comes
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

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

    async def dispose(self) -> None:
        await self.engine.dispose()


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
