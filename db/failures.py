"""What went wrong with the database, in words a person can act on.

A coordinator who runs `nhacviec` on a full disk or a read-only copy must read one line
that names the file and the cause, not a traceback. `cause_of` looks through an error and
what it was raised from (SQLAlchemy wraps the driver's, which may wrap the system's) for
the first thing it recognises: an errno, an SQLite result code, a PostgreSQL connection
failure. Callers turn it into a `DatabaseFailure`; the texts live with the other
Vietnamese strings (bot/texts.py, CLI_DB_CAUSES).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator

import sqlalchemy as sa

# Causes, as stable keys.
READ_ONLY = "read_only"
NO_PERMISSION = "no_permission"
NO_SPACE = "no_space"
CANNOT_OPEN = "cannot_open"
NOT_A_DATABASE = "not_a_database"
LOCKED = "locked"
UNREACHABLE = "unreachable"
IO_ERROR = "io_error"
OTHER = "other"

_ERRNO = {
    errno.EROFS: READ_ONLY,
    errno.EACCES: NO_PERMISSION,
    errno.EPERM: NO_PERMISSION,
    errno.ENOSPC: NO_SPACE,
    errno.EDQUOT: NO_SPACE,
    errno.ENOENT: CANNOT_OPEN,
    errno.ENOTDIR: CANNOT_OPEN,
    errno.EISDIR: CANNOT_OPEN,
    errno.EIO: IO_ERROR,
    errno.ECONNREFUSED: UNREACHABLE,
    errno.EHOSTUNREACH: UNREACHABLE,
    errno.ETIMEDOUT: UNREACHABLE,
}
# SQLite's primary result codes (the low byte of an extended one).
_SQLITE = {
    8: READ_ONLY,  # SQLITE_READONLY
    3: NO_PERMISSION,  # SQLITE_PERM
    23: NO_PERMISSION,  # SQLITE_AUTH
    13: NO_SPACE,  # SQLITE_FULL
    14: CANNOT_OPEN,  # SQLITE_CANTOPEN
    26: NOT_A_DATABASE,  # SQLITE_NOTADB
    11: NOT_A_DATABASE,  # SQLITE_CORRUPT
    5: LOCKED,  # SQLITE_BUSY
    6: LOCKED,  # SQLITE_LOCKED
    10: IO_ERROR,  # SQLITE_IOERR
}
_SQLITE_WORDS = (  # when the driver gives no code
    ("readonly database", READ_ONLY),
    ("disk is full", NO_SPACE),
    ("unable to open database", CANNOT_OPEN),
    ("not a database", NOT_A_DATABASE),
    ("malformed", NOT_A_DATABASE),
    ("database is locked", LOCKED),
    ("disk i/o error", IO_ERROR),
)


class DatabaseFailure(Exception):
    """The database cannot be used: `where` (a file, or host/name) and `cause` (a key)."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(f"{where}: {cause}")
        self.where = where
        self.cause = cause


def where_of(url: sa.URL | str) -> str:
    """The file of an SQLite database, else host/name (never a password)."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite":
        return str(url.database or ":memory:")
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database or ''}"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (getattr(e, "orig", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def cause_of(error: BaseException) -> str | None:
    """The cause key of a database failure, or None when `error` is not one."""
    found: str | None = None
    for e in _chain(error):
        if isinstance(e, sqlite3.Error):
            code = getattr(e, "sqlite_errorcode", None)
            if code is not None and (code & 0xFF) in _SQLITE:
                return _SQLITE[code & 0xFF]
            text = str(e).lower()
            for words, cause in _SQLITE_WORDS:
                if words in text:
                    return cause
            found = found or OTHER
        elif isinstance(e, OSError) and e.errno in _ERRNO:
            return _ERRNO[e.errno]
        elif isinstance(e, OSError | ConnectionError):
            found = found or UNREACHABLE
        elif _is_postgres_error(e):
            cause = _postgres_cause(e)
            if cause != OTHER:  # below SQLAlchemy's wrapper, which alone says nothing
                return cause
            found = found or OTHER
        elif isinstance(e, sa.exc.DBAPIError | sa.exc.OperationalError):
            found = found or OTHER
    return found


def _is_postgres_error(e: BaseException) -> bool:
    return type(e).__module__.startswith("asyncpg")


def _postgres_cause(e: BaseException) -> str:
    name = type(e).__name__
    if "ReadOnly" in name:
        return READ_ONLY
    if "Privilege" in name or "Password" in name or "Authorization" in name:
        return NO_PERMISSION
    if "DiskFull" in name:
        return NO_SPACE
    if "InvalidCatalogName" in name:
        return CANNOT_OPEN
    if "Connection" in name or "CannotConnect" in name:
        return UNREACHABLE
    return OTHER


def failure(url: sa.URL | str, error: BaseException) -> DatabaseFailure | None:
    cause = cause_of(error)
    if cause is None:
        return None
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite" and cause in (CANNOT_OPEN, IO_ERROR, OTHER):
        cause = _sqlite_file_cause(str(url.database or "")) or cause
    return DatabaseFailure(where_of(url), cause)


def _sqlite_file_cause(path: str) -> str | None:
    """SQLite says "unable to open" for several things; the file system says which: a
    read-only mount (the WAL's -shm file cannot be made), or no permission."""
    if not path or path == ":memory:":
        return None
    folder = os.path.dirname(os.path.abspath(path))
    try:
        disk = os.statvfs(folder)
    except OSError:
        return None  # the folder is not there: "cannot open" says it
    if disk.f_flag & os.ST_RDONLY:
        return READ_ONLY
    if disk.f_bavail == 0:  # SQLite may say "disk I/O error" when it cannot grow a file
        return NO_SPACE
    if not os.access(folder, os.W_OK | os.X_OK):
        return NO_PERMISSION
    if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
        return NO_PERMISSION
    return None
