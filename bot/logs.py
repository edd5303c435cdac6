"""Where `nhacviec run` logs: the terminal speaks Vietnamese, the details go to a file.

A coordinator runs the bot in a terminal; library lines («INFO alembic.runtime.migration:
Context impl SQLiteImpl.») mean nothing to them. So, unless `--verbose`:

- every record at INFO and above goes to the log file (English, with time and source:
  what a developer reads), by default next to the SQLite database (data/nhacviec.log),
  or LOG_FILE; rotated at 5 MB, three old files kept;
- the terminal gets only the bot's own Vietnamese status lines (printed by bot/cli.py) and,
  for a warning or an error, one Vietnamese line saying what kind of trouble it is and
  where the details are, at most once a minute per kind.

With `--verbose` every INFO record is printed on the terminal as it is, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import sys
from pathlib import Path

import sqlalchemy as sa

from bot import texts
from services import clock
from services.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("httpx", "apscheduler")  # chatty at INFO even in the file
REPEAT_AFTER = dt.timedelta(minutes=1)
_KINDS = (
    (("telegram", "httpx", "httpcore", "aiohttp", "bot.aiohttp_request"), "telegram"),
    (("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "db"), "db"),
    (("jobs", "apscheduler"), "jobs"),
    (("bot",), "bot"),
)


def log_path(settings: Settings) -> Path | None:
    """LOG_FILE, else beside the SQLite database file, else none."""
    if settings.log_file:
        return Path(settings.log_file)
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).with_suffix(".log")
    return None


def kind_of(logger_name: str) -> str:
    for prefixes, kind in _KINDS:
        if any(logger_name == p or logger_name.startswith(p + ".") for p in prefixes):
            return kind
    return "other"


class TerminalLines(logging.Handler):
    """One short Vietnamese line per kind of trouble and minute; never the English text."""

    def __init__(self, log: Path | None) -> None:
        super().__init__(level=logging.WARNING)
        self.log = str(log) if log else texts.CLI_LOG_NO_FILE
        self._last: dict[tuple[str, bool], dt.datetime] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind, error = kind_of(record.name), record.levelno >= logging.ERROR
            now = clock.now_vn()
            last = self._last.get((kind, error))
            if last is not None and now - last < REPEAT_AFTER:
                return
            self._last[(kind, error)] = now
            line = texts.CLI_LOG_ERROR if error else texts.CLI_LOG_WARNING
            print(
                line.format(
                    time=now.strftime("%H:%M:%S"), what=texts.CLI_LOG_WHAT[kind], log=self.log
                ),
                file=sys.stderr,
                flush=True,
            )
        except Exception:  # noqa: BLE001 - logging must never break the bot
            self.handleError(record)


def configure(settings: Settings, *, verbose: bool, redact: logging.Filter) -> None:
    root = logging.getLogger()
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if verbose:
        logging.basicConfig(level=logging.INFO, format=FORMAT)
        for handler in root.handlers:
            handler.addFilter(redact)
        return
    root.setLevel(logging.INFO)
    path = log_path(settings)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            file = logging.handlers.RotatingFileHandler(
                path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
            )
        except OSError:
            path = None  # an unwritable place: the terminal lines say to use --verbose
        else:
            file.setFormatter(logging.Formatter(FORMAT))
            file.addFilter(redact)
            root.addHandler(file)
    terminal = TerminalLines(path)
    terminal.addFilter(redact)
    root.addHandler(terminal)
