"""SQLite under asyncio, without a thread round trip per statement, and one writer at a time.

SQLAlchemy's aiosqlite dialect is kept (types, SQL, pool); only the driver connection it is
given is this subclass of aiosqlite's (through `create_async_engine(async_creator=...)`).
Two things change, both measured with bench/updates.py (together they took status changes
from about 57 to about 120 per second before any query was rewritten):

* Statements run on the event loop's thread. aiosqlite sends every call (cursor, execute,
  fetchall, close) to the connection's own thread and back; each trip costs about 0.1 ms of
  CPU across the two threads, while the statements this bot runs take a few microseconds
  in SQLite. Rows are fetched when the statement runs, so a statement is one call. What may
  wait goes through aiosqlite's thread as before, so it never blocks the loop: opening,
  committing (which may checkpoint the WAL and fsync), closing, and the first write of a
  transaction (it takes SQLite's write lock, which another process may hold).
* Writers queue in asyncio, first come first served, instead of inside SQLite. SQLite allows
  one writer; a second connection that wants to write spins in SQLite's busy handler, which
  sleeps 1, 2, 5, 10 ... 100 ms between tries, so under load writers sleep while the lock is
  free (and, on the loop's thread, would block it). Here a connection takes the process's
  write gate before its first write (INSERT/UPDATE/DELETE/DDL) and gives it back when its
  transaction ends (commit, rollback, close, or a statement that left no transaction open).
  Reads never wait for it (WAL).

Another process writing the same file (the CLI beside a running bot) still meets SQLite's
own lock and busy timeout, in aiosqlite's thread. Several bot processes on one database is
what PostgreSQL is for.

The gate mirrors SQLite's own lock, so it cannot deadlock where SQLite would not: a
connection that waits for the gate longer than the busy timeout gets the same
"database is locked" error SQLite would have raised.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Self

import aiosqlite

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")


def is_write(sql: str) -> bool:
    """Whether a statement may write (WITH may lead to a write; it is treated as one)."""
    return sql.lstrip()[:7].upper().startswith(WRITES)


class WriteGate:
    """One writing connection at a time in this process, in arrival order."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
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


# --- what runs on the connection's thread: one trip each ------------------------------------

Outcome = tuple[Any, int, int | None, list[Any], bool]


def _run(conn: sqlite3.Connection, sql: str, parameters: Any) -> Outcome:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


def _run_many(conn: sqlite3.Connection, sql: str, seq: Iterable[Any]) -> Outcome:
    cursor = conn.cursor()
    try:
        cursor.executemany(sql, seq)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


def _end(conn: sqlite3.Connection, how: Callable[[], None]) -> bool:
    how()
    return conn.in_transaction


class Connection(aiosqlite.Connection):
    """aiosqlite's connection with buffered one-trip cursors and the write gate."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], gate: WriteGate) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy's dialect does for aiosqlite's own
        self.gate = gate
        self._held: asyncio.Lock | None = None

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        return BufferedCursor(self)

    async def _before(self, sql: str) -> None:
        if self._held is None and is_write(sql):
            self._held = await self.gate.acquire()

    def _after(self, in_transaction: bool) -> None:
        if self._held is not None and not in_transaction:
            self._held.release()
            self._held = None

    async def _statement(self, fn: Callable[..., Outcome], sql: str, parameters: Any) -> Outcome:
        await self._before(sql)
        try:
            if self._held is not None and not self._conn.in_transaction:
                # This statement takes SQLite's write lock, which another process may hold:
                # aiosqlite's thread waits for it (busy timeout), not the event loop.
                outcome = await self._execute(fn, self._conn, sql, parameters)
            else:
                outcome = fn(self._conn, sql, parameters)  # on the loop: see the docstring
        except BaseException:
            self._after(self._conn.in_transaction)
            raise
        self._after(outcome[4])
        return outcome

    async def _in_transaction(self) -> bool:
        try:
            return bool(await self._execute(lambda: self._conn.in_transaction))
        except Exception:  # noqa: BLE001 - a closed connection holds no transaction
            return False

    async def commit(self) -> None:
        if not self._conn.in_transaction:  # nothing written: nothing to commit
            self._after(False)
            return
        try:
            in_transaction = await self._execute(_end, self._conn, self._conn.commit)
        except BaseException:
            self._after(await self._in_transaction())
            raise
        self._after(in_transaction)

    async def rollback(self) -> None:
        if not self._conn.in_transaction:  # the pool's reset after a read-only session
            self._after(False)
            return
        try:
            in_transaction = await self._execute(_end, self._conn, self._conn.rollback)
        except BaseException:
            self._after(await self._in_transaction())
            raise
        self._after(in_transaction)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._after(False)


class BufferedCursor:
    """A cursor whose statement, rows and close are one trip; rows are then read locally."""

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

    def _take(self, outcome: Outcome) -> BufferedCursor:
        self.description, self.rowcount, self.lastrowid, self._rows, _ = outcome
        self._pos = 0
        return self

    async def execute(self, sql: str, parameters: Any = None) -> BufferedCursor:
        return self._take(await self._conn._statement(_run, sql, () if parameters is None else parameters))

    async def executemany(self, sql: str, seq: Iterable[Any]) -> BufferedCursor:
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


def async_creator(path: str, gate: WriteGate, **connect_kwargs: Any) -> Callable[[], Any]:
    """For `create_async_engine(url, async_creator=...)`: a connected Connection each call."""

    def create() -> Connection:
        # isolation_level "" is pysqlite's default: an implicit BEGIN before a write, which
        # is when the gate is taken.
        # check_same_thread=False: statements run on the loop's thread, the connection is
        # opened, committed and closed on aiosqlite's; never two at once (SQLAlchemy holds a
        # per-connection mutex around each call).
        return Connection(
            partial(sqlite3.connect, path, check_same_thread=False, **connect_kwargs), gate)

    return create
