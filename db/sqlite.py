"""SQLite under asyncio: statements on the event loop, waits off it, one writer at a time.

SQLAlchemy's aiosqlite dialect is kept (types, SQL, pool); only the driver connection it is
given is this subclass of aiosqlite's (through `create_async_engine(async_creator=...)`).
What changes, measured with bench/updates.py (status changes per second went from about
57 to about 190 with these and the Core statements on the change path):

* Statements and commits run on the event loop's thread. aiosqlite sends every call
  (cursor, execute, fetchall, close, commit) to the connection's own thread and back; each
  trip costs about 0.1 ms of CPU across the two threads and, on a busy loop, far longer
  before the answer is picked up, while the statements this bot runs take microseconds in
  SQLite. Rows are fetched when the statement runs, so a statement is one call, and a whole
  transaction runs without giving the loop away.
* Nothing that waits blocks the loop. The connection's busy timeout is 0, so a statement
  that meets another process's write lock (the CLI beside a running bot) fails at once
  and is run again on aiosqlite's thread, which waits up to the busy timeout. Automatic
  WAL checkpoints (which fsync) are off; after a commit that leaves the WAL over
  CHECKPOINT_BYTES, a checkpoint runs on aiosqlite's thread. Opening and closing go
  through that thread too.
* Writers queue in asyncio, first come first served. SQLite allows one writer; a second
  writer would meet SQLITE_BUSY. A connection takes the process's write gate before its
  first write (INSERT/UPDATE/DELETE/DDL) and gives it back when its transaction ends
  (commit, rollback, close, or a statement that left no transaction open). Reads never wait
  for it (WAL). The gate mirrors SQLite's own lock, so it cannot deadlock where SQLite
  would not: waiting longer than the busy timeout gives SQLite's "database is locked".

Several bot processes on one database is what PostgreSQL is for.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Self

import aiosqlite

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")
CHECKPOINT_BYTES = 4 * 1024 * 1024  # SQLite's own default: 1000 pages of 4 KiB


def is_write(sql: str) -> bool:
    """Whether a statement may write (WITH may lead to a write; it is treated as one)."""
    return sql.lstrip()[:7].upper().startswith(WRITES)


def _busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (
        getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
        or "database is locked" in str(error)
    )


class WriteGate:
    """One writing connection at a time in this process, in arrival order."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.checkpointing = False
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def acquire(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests, CLI): a fresh lock for it
            self._lock, self._loop = asyncio.Lock(), loop
        lock = self._lock
        assert lock is not None
        try:
            async with asyncio.timeout(self.timeout_s):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock


# --- one call each, on the loop or (when waiting) on aiosqlite's thread ------------------------

Outcome = tuple[Any, int, int | None, list[Any], bool]


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, many: bool = False) -> Outcome:
    cursor = conn.cursor()
    try:
        (cursor.executemany if many else cursor.execute)(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


_run_many = partial(_run, many=True)


def _patiently(
    conn: sqlite3.Connection, timeout_ms: int, fn: Callable[..., Any], *args: Any
) -> Any:
    """Run `fn` willing to wait for other processes' locks (on aiosqlite's thread)."""
    conn.execute(f"PRAGMA busy_timeout={timeout_ms}")
    try:
        return fn(*args)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _connect(path: str, timeout_s: float) -> sqlite3.Connection:
    # check_same_thread=False: opened and closed on aiosqlite's thread, used on the loop's;
    # never two calls at once (SQLAlchemy holds a per-connection mutex around each).
    # isolation_level "" is pysqlite's default: an implicit BEGIN before a write, which is
    # when the gate is taken.
    conn = sqlite3.connect(path, timeout=timeout_s, check_same_thread=False)
    # WAL lets readers run beside the one writer; synchronous=NORMAL is durable across
    # process crashes (only an OS crash may lose the last commits).
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA busy_timeout=0")
    except BaseException:  # a full disk, a read-only file: say so, leave nothing open
        conn.close()
        raise
    return conn


class Connection(aiosqlite.Connection):
    """aiosqlite's connection with inline one-call statements and the write gate."""

    def __init__(self, path: str, gate: WriteGate) -> None:
        super().__init__(partial(_connect, path, gate.timeout_s), iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy's dialect does for aiosqlite's own
        self.gate = gate
        self._wal = path + "-wal"
        self._held: asyncio.Lock | None = None

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        return BufferedCursor(self)

    def _release_if_done(self) -> None:
        if self._held is not None and not self._conn.in_transaction:
            self._held.release()
            self._held = None

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on the loop; if another process holds the lock, again on the thread."""
        try:
            return fn(*args)
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._execute(
            _patiently, self._conn, int(self.gate.timeout_s * 1000), fn, *args
        )

    async def _statement(self, fn: Callable[..., Outcome], sql: str, parameters: Any) -> Outcome:
        if self._held is None and is_write(sql):
            self._held = await self.gate.acquire()
        try:
            return await self._call(fn, self._conn, sql, parameters)
        finally:
            self._release_if_done()

    async def commit(self) -> None:
        if not self._conn.in_transaction:  # nothing written: nothing to commit
            self._release_if_done()
            return
        try:
            await self._call(self._conn.commit)
        finally:
            self._release_if_done()
        await self._maybe_checkpoint()

    async def rollback(self) -> None:
        try:
            if self._conn.in_transaction:  # (the pool's reset after a read-only session: no-op)
                await self._call(self._conn.rollback)
        finally:
            self._release_if_done()

    async def _maybe_checkpoint(self) -> None:
        """Copy the WAL back into the database once it has grown, off the loop."""
        try:
            size = os.path.getsize(self._wal)
        except OSError:
            return
        if size <= CHECKPOINT_BYTES or self.gate.checkpointing:
            return
        self.gate.checkpointing = True
        try:
            await self._execute(
                _patiently, self._conn, int(self.gate.timeout_s * 1000), _checkpoint, self._conn
            )
        finally:
            self.gate.checkpointing = False

    async def _connect(self) -> aiosqlite.Connection:
        try:
            return await super()._connect()
        except BaseException:
            # aiosqlite stops its thread then without waiting for it: wait here, or its
            # answer may meet a closed event loop and print a traceback at exit.
            await asyncio.to_thread(self._thread.join, 5)
            raise

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            if self._held is not None:
                self._held.release()
                self._held = None


class BufferedCursor:
    """A cursor whose statement, rows and close are one call; rows are then read locally."""

    arraysize = 1

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []
        self._pos = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _take(self, outcome: Outcome) -> Self:
        self.description, self.rowcount, self.lastrowid, self._rows, _ = outcome
        self._pos = 0
        return self

    async def execute(self, sql: str, parameters: Any = None) -> Self:
        return self._take(
            await self._conn._statement(_run, sql, () if parameters is None else parameters)
        )

    async def executemany(self, sql: str, seq: Iterable[Any]) -> Self:
        return self._take(await self._conn._statement(_run_many, sql, list(seq)))

    async def fetchone(self) -> Any:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        size = size or self.arraysize
        rows = self._rows[self._pos : self._pos + size]
        self._pos += len(rows)
        return rows

    async def fetchall(self) -> Sequence[Any]:
        rows = self._rows[self._pos :]
        self._pos = len(self._rows)
        return rows

    async def close(self) -> None:
        self._rows, self._pos = [], 0

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None


def async_creator(path: str, gate: WriteGate) -> Callable[[], Connection]:
    """For `create_async_engine(url, async_creator=...)`: a Connection each call (SQLAlchemy
    awaits it, which opens it on aiosqlite's thread)."""
    return partial(Connection, path, gate)
