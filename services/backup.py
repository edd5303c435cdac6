"""Backups of the SQLite database while the bot runs, and restoring one.

A backup is SQLite's online backup API (`sqlite3.Connection.backup`) copying every page in
one step: the copy is read inside one read transaction, so it is the database exactly as
it stood at one commit, whatever the bot writes meanwhile (WAL mode: the bot's writers are
never blocked by it, and it never waits for them). The copy is written beside the target
as `<file>.part`, checked (`PRAGMA integrity_check`), switched out of WAL mode so it is one
self-contained file, and only then renamed to the target: a backup cut off halfway leaves
no file that looks whole.

PostgreSQL has pg_dump and pg_restore for this; the CLI says how to call them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from services.errors import DomainError

COUNTED = ("agency", "contact", "task")  # what "holds data" means, and what is reported


@dataclass(frozen=True)
class Counts:
    agencies: int
    contacts: int
    tasks: int

    @property
    def empty(self) -> bool:
        return not (self.agencies or self.contacts or self.tasks)


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL; None for PostgreSQL (or an in-memory SQLite)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def libpq_url(database_url: str) -> str:
    """A PostgreSQL URL as pg_dump takes it: no SQLAlchemy driver, no password shown."""
    url = sa.make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def counts(conn: sqlite3.Connection) -> Counts:
    found = []
    for table in COUNTED:
        try:
            found.append(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        except sqlite3.OperationalError:  # no such table: a database never migrated
            found.append(0)
    return Counts(*found)


def _check(conn: sqlite3.Connection) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise DomainError("backup_corrupt", error=result)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"alembic_version", *COUNTED} <= tables:
        raise DomainError("backup_not_ours")


def backup(database: Path, target: Path, *, force: bool = False) -> Counts:
    """Copy the database at `database` (in use or not) to `target`; returns what it holds."""
    if not database.is_file():
        raise DomainError("database_missing", path=str(database))
    if target.exists() and not force:
        raise DomainError("backup_exists", path=str(target))
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    try:
        copy = sqlite3.connect(part)
        try:
            source.backup(copy)  # every page in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")
            _check(copy)
            held = counts(copy)
        finally:
            copy.close()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    with open(part, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(part, target)
    return held


def restore(source_file: Path, database: Path, *, force: bool = False) -> Counts:
    """Replace the database at `database` with the backup `source_file`. Refused when the
    database holds data, unless `force`; the backup is checked before anything is written."""
    if not source_file.is_file():
        raise DomainError("backup_missing", path=str(source_file))
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        try:
            _check(source)
        except sqlite3.DatabaseError as error:  # not an SQLite file at all
            raise DomainError("backup_corrupt", error=str(error)) from None
        held = counts(source)
        if database.exists() and not force:
            with contextlib.closing(sqlite3.connect(database, timeout=30)) as current:
                now = counts(current)
            if not now.empty:
                raise DomainError(
                    "restore_not_empty",
                    agencies=now.agencies,
                    contacts=now.contacts,
                    tasks=now.tasks,
                )
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return held
