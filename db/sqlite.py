"""SQLite under asyncio: statements on the event loop, waits off it, one writer at a time.

SQLAlchemy's aiosqlite dialect is kept (types, SQL, the pysqlite behaviour); only the driver
connection it is given is this module's `Connection` (through
`create_async_engine(url, async_creator=...)`), which does not use aiosqlite at all. It
offers what the dialect calls on an aiosqlite connection, in every SQLAlchemy release that
pyproject.toml allows (2.0.36 up to 2.1.x; CI runs the suite on the lowest, see
.ci/lowest.py): `cursor()` (awaited in 2.0, entered with `async with` in 2.1), `execute`,
`commit`, `rollback`, `close`, `stop`, `create_function`, `isolation_level`,
`in_transaction`, and the two attributes the dialect reaches for: `_conn` (the sqlite3
connection) and `_tx` (a queue of `(future, function)` run on the connection's thread, which
the dialect uses to set `isolation_level`). Pooling is asked for explicitly in
db/session.py: SQLAlchemy 2.0 gives aiosqlite file databases no pool.

What it changes, measured with bench/updates.py (status changes per second went from about
57 to about 190 with these and the Core statements on the change path):

* Statements and commits run on the event loop's thread. aiosqlite sends every call
  (cursor, execute, fetchall, close, commit) to the connection's own thread and back; each
  trip costs about 0.1 ms of CPU across the two threads and, on a busy loop, far longer
  before the answer is picked up, while the statements this bot runs take microseconds in
  SQLite. Rows are fetched when the statement runs, so a statement is one call, and a whole
  transaction runs without giving the loop away.
* Nothing that waits blocks the loop. The connection's busy timeout is 0, so a statement
  that meets another process's write lock (the CLI beside a running bot) fails at once
  and is run again on the connection's own thread, which waits up to the busy timeout.
  Automatic WAL checkpoints (which fsync) are off; after a commit that leaves the WAL over
  CHECKPOINT_BYTES, a checkpoint runs on that thread. Opening and closing (which may
  checkpoint) run there too. While that thread works for a connection, the connection's
  next statement waits for it (asyncio.wait), even when the caller that started it was
  cancelled: one sqlite3 connection never runs two calls at once.
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
import contextlib
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from functools import partial
from typing import Any, Self

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")
CHECKPOINT_BYTES = 4 * 1024 * 1024  # SQLite's own default: 1000 pages of 4 KiB
WAIT_SLICE_S = 0.1  # a wait for another process, in slices: how soon a cancel is seen


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


# --- one call each, on the loop or (when waiting) on the connection's thread ---------------

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
    conn: sqlite3.Connection,
    timeout_s: float,
    given_up: threading.Event,
    fn: Callable[..., Any],
    *args: Any,
) -> Any:
    """Run `fn` willing to wait up to `timeout_s` for other processes' locks (on the
    connection's thread), in slices of WAIT_SLICE_S so that a caller who gave up (cancelled)
    is noticed soon: SQLite's busy handler cannot be interrupted."""
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            conn.execute(f"PRAGMA busy_timeout={max(1, int(min(left, WAIT_SLICE_S) * 1000))}")
            try:
                return fn(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or given_up.is_set() or time.monotonic() >= deadline:
                    raise
    finally:
        conn.execute("PRAGMA busy_timeout=0")


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _connect(path: str, timeout_s: float) -> sqlite3.Connection:
    # check_same_thread=False: opened and closed on the connection's thread, used on the
    # loop's; never two calls at once (Connection._call waits for the thread's call).
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


Job = tuple["asyncio.Future[Any] | None", "Callable[[], Any] | None"]


def _settle(future: asyncio.Future[Any], error: BaseException | None, result: Any) -> None:
    if future.done():  # (its waiter gave up: asyncio.shield cancelled only the outer one)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _work(jobs: queue.SimpleQueue[Job]) -> None:
    """The connection's thread: run each `(future, function)` and answer on the future's loop;
    `(None, None)` ends it."""
    while True:
        future, function = jobs.get()
        if function is None:
            return
        error: BaseException | None = None
        result: Any = None
        try:
            result = function()
        except BaseException as caught:
            error = caught
        if future is None:
            continue
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            future.get_loop().call_soon_threadsafe(_settle, future, error, result)
        del future, function, error, result


class Connection:
    """An asyncio connection to one SQLite file, for SQLAlchemy's aiosqlite dialect: inline
    one-call statements, the write gate, and its own thread for what waits."""

    def __init__(self, path: str, gate: WriteGate) -> None:
        self.gate = gate
        self._path = path
        self._wal = path + "-wal"
        self._connection: sqlite3.Connection | None = None
        self._held: asyncio.Lock | None = None
        # (future, function) pairs for the thread, as aiosqlite's `_tx` (the dialect puts
        # its isolation_level setter there).
        self._tx: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=_work, args=(self._tx,), name="nhacviec-sqlite", daemon=True
        )
        self._last: asyncio.Future[Any] | None = None  # the thread's latest call for us

    # --- opening: SQLAlchemy awaits what async_creator returned -------------------------------

    def __await__(self) -> Generator[Any, None, Self]:
        return self._open().__await__()

    async def _open(self) -> Self:
        self._thread.start()
        try:
            self._connection = await self._off_loop(_connect, self._path, self.gate.timeout_s)
        except BaseException:
            self._tx.put_nowait((None, None))
            raise
        return self

    # --- what the dialect reads and sets --------------------------------------------------------

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:  # aiosqlite's words, which the dialect recognises
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> BufferedCursor:
        return BufferedCursor(self)

    async def execute(self, sql: str, parameters: Any = None) -> BufferedCursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], deterministic: bool = False
    ) -> None:
        self._conn.create_function(name, num_params, func, deterministic=deterministic)

    # --- statements ---------------------------------------------------------------------------

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on the connection's thread. A cancelled caller does not stop the call;
        the connection's next call waits for it (`_caught_up`)."""
        await self._caught_up()
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(_seen)  # (a cancelled caller never reads its error)
        self._last = future
        self._tx.put_nowait((future, partial(fn, *args)))
        return await asyncio.shield(future)

    async def _patiently(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on the thread, waiting for other processes' locks up to the busy
        timeout; a cancelled caller ends the wait within WAIT_SLICE_S."""
        given_up = threading.Event()
        try:
            return await self._off_loop(
                _patiently, self._conn, self.gate.timeout_s, given_up, fn, *args
            )
        except asyncio.CancelledError:
            given_up.set()
            raise

    async def _caught_up(self) -> None:
        last = self._last
        if last is not None and not last.done():
            await asyncio.wait([last])

    def _release_if_done(self) -> None:
        if self._held is not None and (
            self._connection is None or not self._connection.in_transaction
        ):
            self._held.release()
            self._held = None

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` on the loop; if another process holds the lock, again on the thread."""
        if self._last is not None and not self._last.done():
            await self._caught_up()
        try:
            return fn(*args)
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await self._patiently(fn, *args)

    async def _statement(self, fn: Callable[..., Outcome], sql: str, parameters: Any) -> Outcome:
        conn = self._conn
        if self._held is None and is_write(sql):
            self._held = await self.gate.acquire()
        try:
            return await self._call(fn, conn, sql, parameters)
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
            await self._patiently(_checkpoint, self._conn)
        finally:
            self.gate.checkpointing = False

    # --- closing ------------------------------------------------------------------------------

    def _forget(self) -> sqlite3.Connection | None:
        conn, self._connection = self._connection, None
        if self._held is not None:
            self._held.release()
            self._held = None
        return conn

    async def close(self) -> None:
        """Close on the thread (closing the last connection checkpoints), then end it."""
        conn = self._forget()
        if conn is None:
            return
        try:
            await self._off_loop(conn.close)
        finally:
            self._tx.put_nowait((None, None))

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate, when close failed or timed out)."""
        conn = self._forget()
        if conn is not None:
            self._tx.put_nowait((None, conn.close))
            self._tx.put_nowait((None, None))


class BufferedCursor:
    """A cursor whose statement, rows and close are one call; rows are then read locally.
    Awaiting it or entering it (`async with`) gives itself, as SQLAlchemy 2.0 and 2.1 ask."""

    arraysize = 1

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []
        self._pos = 0

    def __await__(self) -> Generator[Any, None, Self]:
        yield from ()
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

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
    awaits it, which opens it on its own thread)."""
    return partial(Connection, path, gate)
