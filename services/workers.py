"""Reports off the bot's event loop: their reads and their CPU work in a worker process.

The event loop answers every official's button; a step that keeps it for more than a few
milliseconds makes all of them wait (bench/net_stall.py measures how long the loop is
held while reports run). A thread is not enough: it shares the GIL with the loop, and
every statement, socket call and wake of the loop lets the GIL go and then may wait up
to a switch interval to get it back from a thread turning 10,000 rows into Python; C
code that keeps the GIL (matplotlib's drawing, pickling) holds the loop for all of its
run. A process shares none of that. So:

* `read_apart(db, fn)`: `await fn(session)` in the worker process, with a session of its
  own on the same SQLite file or PostgreSQL database (opened for that call, closed after)
  and this process's clock; `fn` and what it returns cross by pickle, so `fn` is a
  module-level function (or a functools.partial of one) and returns plain values (text,
  a keyboard, the bytes of a workbook or a chart), never ORM objects. /tonghop, /quahan,
  /chuatraloi, /xuat and /bieudo read (and render, write or draw) this way. An in-memory
  SQLite database cannot be opened twice: there `fn` runs on the loop.
* The pool has one worker (a report waits for the one before it; the other core stays
  with the loop), started through multiprocessing's forkserver where there is one, with
  the report modules (matplotlib, openpyxl, SQLAlchemy) imported ahead, so a call pays
  for no import; `warm()` starts it (the application's start-up does, off the loop). It
  ends within a second of the bot, however the bot ended. If the
  pool cannot run (it broke, or processes cannot be started), the work runs on a thread
  instead (Database.read_apart): slower for the loop, never lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from services import clock

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from sqlalchemy.ext.asyncio import AsyncSession

    from db.session import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
# What the worker imports before its first task.
PRELOAD = ["services.chart", "services.export", "services.summary", "bot.handlers.reports"]

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=_context(),
                initializer=_worker_start,
                initargs=(os.getpid(),),
            )
        return _pool


def _worker_start(bot_pid: int) -> None:
    """In the worker, first: it holds none of the bot's output (a caller reading the bot's
    stdout to its end is not kept waiting by it), and it ends within a second of the bot,
    however the bot ended (a SIGKILL leaves no one to shut the pool down)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    os.close(devnull)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # another process took the number: the bot is gone
                os._exit(0)

    threading.Thread(target=watch, name="bot-watch", daemon=True).start()


def _forget(pool: ProcessPoolExecutor | None, error: BaseException) -> None:
    log.warning("worker process unusable (%s): working on a thread", error)
    global _pool
    if pool is None:
        return
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


async def read_apart(db: Database, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """`await fn(session)` in the worker process, on a session of its own (see above)."""
    if not db.opens_twice:
        return await db.read_apart(fn)
    url = db.url.render_as_string(hide_password=False)
    pool = None
    try:
        pool = _executor()
        future = pool.submit(_read, url, clock.get_clock(), fn)
    except (BrokenProcessPool, OSError, RuntimeError) as error:
        _forget(pool, error)
        return await db.read_apart(fn)
    try:
        return await asyncio.wrap_future(future)
    except BrokenProcessPool as error:
        _forget(pool, error)
        return await db.read_apart(fn)


def _read(url: str, now: clock.Clock, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """In the worker: the caller's clock, a database of its own for this call."""
    clock.set_clock(now)
    return asyncio.run(_read_once(url, fn))


async def _read_once(url: str, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from db.session import Database

    db = Database(url, pool_size=1)
    try:
        async with db.session() as session:
            return await fn(session)
    finally:
        await db.dispose()


def warm() -> None:
    """Start the worker process now (blocks: call it on a thread, or before the loop); a
    failure is logged, and the reports then run on threads."""
    pool = None
    try:
        pool = _executor()
        pool.submit(int).result(timeout=120)
    except Exception as error:  # noqa: BLE001 - no process pool: threads instead
        _forget(pool, error)


def shutdown() -> None:
    """Stop the worker process (at the end of `nhacviec run`; a new one starts if needed)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
