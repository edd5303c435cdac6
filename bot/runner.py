"""`nhacviec run`: the checks before the bot starts, who may poll, and a clean stop.

What happens, in order:

1. The settings: a token, a Bot API address that is http(s). A mistake is one Vietnamese
   line and exit code 1; the token is never printed (bot/logs.py scrubs the log too).
2. The database: opened, migrated and written to once (`Database.ready`), so a read-only
   file, a full disk or a path that cannot be a file is one line naming the file and the
   cause, not "Bot đang chạy" followed by an error on every dispatch tick.
3. Who polls. Telegram gives updates to one getUpdates at a time (a second one makes both
   fail with 409 Conflict), so:
   - SQLite: one `nhacviec run` per database file. An exclusive lock (fcntl) on a file
     beside the database («nhacviec.db.lock») is taken before anything else; a second
     process meets it and stops with a clear line. The kernel releases the lock when the
     process ends, however it ends (a crash, SIGKILL): nothing to clean up by hand.
   - PostgreSQL: any number of processes run, each delivering (the dispatcher claims rows
     atomically, see jobs/dispatch.py), but only the holder of a session advisory lock
     polls. The others try for it every few seconds and take over polling when the holder
     dies (its connection closes, PostgreSQL releases the lock).
4. The Bot API: `Application.initialize` asks getMe. A refused token or an unreachable
   server is one line and exit code 1 (a supervisor such as systemd restarts it; once
   running, lost connections are retried quietly by PTB and told to the log file).
5. Run until SIGINT or SIGTERM; then stop the dispatcher (sends on their way end and are
   marked, rows not started go back to the outbox for the next run), stop polling, let
   handlers finish, close everything. A second signal stops at once.

`RunOptions` holds what the command line chose (verbose logs, a webhook instead of long
polling); each way to receive updates is a branch of `_receive`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import os
import signal
import socket
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from bot import texts
from db.failures import DatabaseFailure, failure
from db.session import Database
from services import workers
from services.settings import Settings

log = logging.getLogger(__name__)

BOOTSTRAP_RETRIES = 5
"""Times python-telegram-bot tries again (a second apart) the calls that start polling."""
_POLL_LOCK_BASE = 0x6E68_6163_0000_0000  # "nhac": keeps the keys apart from others' locks


@dataclass(frozen=True)
class RunOptions:
    verbose: bool = False
    webhook: bool = False  # receive Telegram's POSTs (bot/webhook.py) instead of polling


class AlreadyRunning(Exception):
    def __init__(self, where: str, pid: str) -> None:
        super().__init__(where)
        self.where, self.pid = where, pid


# --- 1. settings ----------------------------------------------------------------------------


def server_of(settings: Settings) -> str:
    """The Bot API server as shown to a person: without the /bot path."""
    return settings.telegram_api_base_url.rsplit("/bot", 1)[0]


def base_url_ok(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def network_cause(error: BaseException) -> str:
    """A key of texts.CLI_NETWORK_CAUSES for a failed call to the Bot API."""
    import aiohttp
    from telegram.error import TimedOut

    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, aiohttp.NonHttpUrlClientError | aiohttp.InvalidURL):
            return "bad_url"
        if isinstance(e, aiohttp.ClientConnectorDNSError | socket.gaierror):
            return "dns"
        if isinstance(e, TimedOut | TimeoutError):
            return "timeout"
        if isinstance(e, aiohttp.ClientConnectorError | ConnectionRefusedError):
            return "refused"
        e = e.__cause__ or e.__context__
    return "other"


# --- 3. who polls ---------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_run_lock(db: Database) -> Iterator[Path | None]:
    """Hold the one-bot-per-file lock for as long as the block runs (None: no file)."""
    if not db.is_sqlite or db.url.database in (None, "", ":memory:"):
        yield None
        return
    try:
        import fcntl
    except ImportError:  # Windows: no fcntl; one process per file is then up to the operator
        yield None
        return
    database = Path(str(db.url.database))
    path = database.with_name(database.name + ".lock")
    try:
        handle: IO[str] = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held to the end
    except OSError as error:
        raise failure(db.url, error) or DatabaseFailure(str(database), "other") from error
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise AlreadyRunning(str(database), handle.read().strip() or "?") from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")  # who holds it, for the second one's message
            handle.flush()
        except OSError as error:  # a full disk: the lock is held, the pid is not written
            if error.errno != errno.ENOSPC:
                raise failure(db.url, error) or DatabaseFailure(str(database), "other") from error
        yield path
    finally:
        with contextlib.suppress(OSError):  # a full disk may refuse the last flush
            handle.close()  # closing releases the lock; a crash releases it as well


def poll_lock_key(token: str) -> int:
    """One key per bot (its numeric id, the part of the token before «:»): two bots
    sharing a database do not keep each other from polling."""
    head = token.partition(":")[0]
    return _POLL_LOCK_BASE + (int(head) if head.isdigit() else 0) % (1 << 32)


class PollingTurn:
    """PostgreSQL: poll only while holding a session advisory lock on a connection of our
    own; give polling up if that connection is lost, and ask again."""

    def __init__(self, db: Database, key: int) -> None:
        self.db, self.key = db, key
        self._conn: Any = None

    async def take(self) -> bool:
        """True if this process holds the lock now (taking it if it is free)."""
        try:
            if self._conn is None:
                self._conn = await self.db.engine.connect()
                got = await self._conn.scalar(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                await self._conn.commit()
                if not got:
                    await self._conn.close()
                    self._conn = None
                return bool(got)
            await self._conn.execute(sa.text("SELECT 1"))  # still ours: the session lives
            await self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 - a lost connection: the lock went with it
            log.warning("the polling lock's connection failed", exc_info=True)
            await self._drop()
            return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()  # closed, not pooled: the lock must not live on

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
            await self._drop()


# --- 4, 5. the bot ------------------------------------------------------------------------


SWITCH_INTERVAL_S = 0.001  # Python's default is 0.005


def tune_runtime() -> None:
    """Once the bot has started: keep the event loop's pauses short.

    * A thread running Python (a report on a thread when no worker process can start,
      Database.read_apart; aiosqlite's and the executor's threads) is asked to give the
      GIL back to the event loop's thread after 1 ms instead of 5, each time the loop
      wants it.
    * Everything made while starting (modules, SQLAlchemy's and python-telegram-bot's
      objects) is moved out of the garbage collector's sight (gc.freeze): a full
      collection, which holds the GIL throughout, then walks only what was made since."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()


def _say(text: str, *, error: bool = False) -> None:
    print(text, file=sys.stderr if error else sys.stdout, flush=True)


async def _start_polling(app: Any) -> None:
    from telegram import Update

    assert app.updater is not None
    await app.updater.start_polling(
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
        bootstrap_retries=BOOTSTRAP_RETRIES,  # deleteWebhook on a blip: tried again, not fatal
    )


async def _receive(
    app: Any, settings: Settings, db: Database, stop: asyncio.Event, options: RunOptions
) -> None:
    """Receive updates until `stop`: with a webhook, Telegram's POSTs (every process may
    listen); else poll, always on SQLite (the run lock is ours), on PostgreSQL while this
    process holds the polling lock."""
    if options.webhook:
        from bot.webhook import webhook_options

        hook = webhook_options(settings)
        assert app.updater is not None
        await app.updater.start_webhook(**hook)
        _say(
            texts.CLI_BOT_STARTING_WEBHOOK.format(
                url=hook["webhook_url"], listen=settings.webhook_listen, server=server_of(settings)
            )
        )
        await stop.wait()
        return
    if db.is_sqlite:
        await _start_polling(app)
        _say(texts.CLI_BOT_STARTING.format(server=server_of(settings)))
        await stop.wait()
        return
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    turn = PollingTurn(db, poll_lock_key(token))
    told = False
    try:
        while not stop.is_set():
            mine = await turn.take()
            polling = app.updater.running
            if mine and not polling:
                from telegram.error import TelegramError

                log.info("this process polls for updates now")
                try:
                    await _start_polling(app)
                except TelegramError as error:  # the Bot API out of reach: next turn again
                    log.warning("cannot start polling yet: %s", error)
            elif polling and not mine:
                log.warning("polling lock lost: this process only delivers now")
                await app.updater.stop()
            if not told:
                line = texts.CLI_BOT_STARTING if mine else texts.CLI_BOT_STANDBY
                _say(line.format(server=server_of(settings)))
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.poll_turn_check_s)
    finally:
        if app.updater.running:
            await app.updater.stop()
        await turn.release()


async def serve(settings: Settings, db: Database, options: RunOptions) -> int:
    """Everything after the database is ready: the Bot API, then run until a signal."""
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application

    app = build_application(settings, db)
    try:
        await app.initialize()  # getMe: is the token good, is the server there
    except InvalidToken:
        log.debug("the token was refused", exc_info=True)
        await app.bot.shutdown()
        _say(texts.CLI_TOKEN_REJECTED, error=True)
        return 1
    except NetworkError as error:
        log.debug("the Bot API server cannot be reached", exc_info=True)
        await app.bot.shutdown()
        cause = texts.CLI_NETWORK_CAUSES[network_cause(error)]
        _say(
            texts.CLI_SERVER_UNREACHABLE.format(server=server_of(settings), cause=cause), error=True
        )
        return 1
    stop = asyncio.Event()
    dispatcher = app.bot_data.get("dispatcher")
    signals = 0

    def on_signal(sig: int) -> None:
        nonlocal signals
        signals += 1
        if signals > 1:  # asked twice: at once (the database keeps what is left to send)
            log.warning("signal %s again: stopping at once", sig)
            sys.stdout.flush()
            os._exit(128 + sig)
        stop.set()
        if dispatcher is not None:
            dispatcher.stop()  # a broadcast under way must not hold the stop up

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
            loop.add_signal_handler(sig, on_signal, sig)
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        tune_runtime()
        await _receive(app, settings, db, stop, options)
    finally:
        # Before app.stop(): it waits for the running dispatch job, which ends at once now.
        if dispatcher is not None:
            dispatcher.stop()
        workers.shutdown()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    _say(texts.CLI_BOT_STOPPED)
    return 0


async def _main(settings: Settings, options: RunOptions) -> int:
    db = Database(settings.database_url)
    try:
        with sqlite_run_lock(db):
            await db.ready(write=True)
            return await serve(settings, db, options)
    finally:
        await db.dispose()


def run(settings: Settings, options: RunOptions | None = None) -> int:
    """`nhacviec run`: the exit code (0 after a signal, 1 after a refusal)."""
    from bot.app import configure_logging, use_fast_event_loop

    options = options or RunOptions()
    token = settings.telegram_bot_token
    if token is None or not token.get_secret_value().strip():
        _say(texts.CLI_NO_TOKEN, error=True)
        return 1
    if not base_url_ok(settings.telegram_api_base_url):
        cause = texts.CLI_NETWORK_CAUSES["bad_url"]
        _say(
            texts.CLI_SERVER_UNREACHABLE.format(server=server_of(settings), cause=cause), error=True
        )
        return 1
    if options.webhook:
        from bot.webhook import WebhookSettingsError, webhook_options

        try:
            webhook_options(settings)
        except WebhookSettingsError as error:
            _say(str(error), error=True)
            return 1
    configure_logging(settings, verbose=options.verbose)
    use_fast_event_loop()
    try:
        return asyncio.run(_main(settings, options))
    except DatabaseFailure as error:
        log.debug("the database cannot be used", exc_info=True)
        _say(db_failure_line(error), error=True)
        return 1
    except AlreadyRunning as error:
        _say(texts.CLI_ALREADY_RUNNING.format(file=error.where, pid=error.pid), error=True)
        return 1
    except KeyboardInterrupt:
        _say(texts.CLI_BOT_STOPPED)
        return 0
    except Exception as error:  # noqa: BLE001 - one line, the traceback to the log
        log.error("nhacviec run failed", exc_info=True)
        _say(texts.CLI_UNEXPECTED.format(kind=type(error).__name__), error=True)
        return 1


def db_failure_line(error: DatabaseFailure) -> str:
    return texts.CLI_DB_FAILED.format(
        file=error.where, cause=texts.CLI_DB_CAUSES.get(error.cause, texts.CLI_DB_CAUSES["other"])
    )
