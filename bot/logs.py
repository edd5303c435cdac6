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

The bot token is a password: whoever has it is the bot. It is scrubbed from every record
a handler here writes (its message, its formatted traceback, its stack), in the forms a
library may show it (as given, URL-encoded, the secret half alone), and from anything
the bot prints itself (`scrub`).
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import sys
import urllib.parse
from collections.abc import Iterable
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


REDACTED = "<token>"


def secret_forms(token: str) -> list[str]:
    """The ways a token can be written out: whole, URL-encoded, and its secret half alone
    (the part after «123456:»), longest first so a whole one is replaced as a whole."""
    token = token.strip()
    if not token:
        return []
    forms = {token, urllib.parse.quote(token), urllib.parse.quote(token, safe="")}
    secret = token.partition(":")[2]
    if len(secret) >= 8:  # short enough to be a common word: the whole forms must do
        forms |= {secret, urllib.parse.quote(secret, safe="")}
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


class RedactToken(logging.Filter):
    """Keep the bot token out of every line a handler writes: the message, and the
    traceback and stack the formatter would add (a library's exception may carry a request
    URL, and PTB's InvalidToken names the token itself)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.forms = secret_forms(token)
        self._format = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.forms:
            return True
        message = record.getMessage()
        clean = scrub(message, self.forms)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatted now, once, and kept: every formatter uses exc_text when it is set.
            record.exc_text = self._format.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.forms)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.forms)
        return True


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
        if record.name.startswith("apscheduler") and "running instances" in str(record.msg):
            # A dispatch tick skipped while the last one still runs (a busy moment): the
            # next tick does its work; nothing for the coordinator to look into.
            return
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
    # A log that cannot be written (a full disk) must not print "--- Logging error ---"
    # and a traceback on the terminal for every record: the bot goes on without it.
    logging.raiseExceptions = False
    root = logging.getLogger()
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if verbose:
        logging.basicConfig(level=logging.INFO, format=FORMAT)
        for name in ("bot.runner", "bot.cli"):  # why it refused to start, with the traceback
            logging.getLogger(name).setLevel(logging.DEBUG)
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
