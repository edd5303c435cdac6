"""`nhacviec` refusing to start, as a coordinator meets it: each settings mistake, a refused
token, an unreachable Bot API, a database that cannot be used, a second bot on one file. Each
is one Vietnamese line and exit code 1, and the token is nowhere in what the process wrote:
not on the terminal, not in the log, not URL-encoded, not its secret half alone.

Real processes throughout. The full disk and the read-only disk are real (a small tmpfs,
filled, or remounted read-only), which needs the right to mount: those tests are skipped
where it is missing. Missing permissions cannot be shown to root (it ignores them): that
test runs only as another user."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from bot import texts
from tests.conftest import PG_URL, _migrate
from tests.processes import bot_env, run, start

TOKEN = "4242:SeCrEt-Token_value-9f8e7d"
LEAKS = (
    TOKEN,
    urllib.parse.quote(TOKEN, safe=""),
    TOKEN.split(":", 1)[1],
)


def env_for(database_url: str, base_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    settings = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "LOG_FILE": str(tmp_path / "run.log"),
        "DISPATCH_INTERVAL_S": "0.2",
    }
    return bot_env(database_url, **(settings | extra))


def assert_no_token(*outputs: str | bytes) -> None:
    for output in outputs:
        data = output.encode() if isinstance(output, str) else output
        for leak in LEAKS:
            assert leak.encode() not in data, f"the token ({leak}) leaked: {data[-2000:]!r}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


@pytest.fixture
async def sqlite_file(tmp_path) -> Path:
    """A migrated SQLite database file, whatever database the suite runs on: these tests are
    about files."""
    path = tmp_path / "template" / "migrated.db"
    path.parent.mkdir()
    await _migrate(f"sqlite+aiosqlite:///{path}")
    return path


def log_of(tmp_path: Path) -> bytes:
    path = tmp_path / "run.log"
    return path.read_bytes() if path.exists() else b""


# --- the Bot API and the token --------------------------------------------------------------


def _unreachable(server: str, cause: str) -> str:
    return texts.CLI_SERVER_UNREACHABLE.format(server=server, cause=texts.CLI_NETWORK_CAUSES[cause])


@pytest.mark.parametrize("verbose", [False, True], ids=["default", "verbose"])
@pytest.mark.parametrize("case", ["bad_scheme", "refused_token", "closed_port", "bad_dns"])
async def test_run_refuses_to_start_in_one_line_and_never_shows_the_token(
    database_url, fake_server, tmp_path, case, verbose
):
    port = int(fake_server.base_url.split(":")[2].split("/")[0])
    base, expected = {
        "bad_scheme": (
            f"htp://127.0.0.1:{port}/bot",
            _unreachable(f"htp://127.0.0.1:{port}", "bad_url"),
        ),
        "refused_token": (fake_server.base_url, texts.CLI_TOKEN_REJECTED),
        "closed_port": (
            f"http://127.0.0.1:{(p := closed_port())}/bot",
            _unreachable(f"http://127.0.0.1:{p}", "refused"),
        ),
        "bad_dns": (
            "http://nonexistent.invalid/bot",
            _unreachable("http://nonexistent.invalid", "dns"),
        ),
    }[case]
    fake_server.revoked_tokens.add(TOKEN)
    args = ["run", "-v"] if verbose else ["run"]
    code, out, err = await run(env_for(database_url, base, tmp_path), *args)
    assert code == 1
    assert_no_token(out, err, log_of(tmp_path))
    if verbose:  # the details, the traceback among them, scrubbed
        assert err.rstrip().endswith(expected)
    else:
        assert (out, err) == ("", expected + "\n")
    assert texts.CLI_BOT_STARTING.split("(")[0] not in out


async def test_invite_create_with_a_refused_token_still_gives_a_link_and_not_the_token(
    database_url, fake_server, tmp_path
):
    fake_server.revoked_tokens.add(TOKEN)
    env = env_for(database_url, fake_server.base_url, tmp_path)
    code, out, err = await run(env, "invite", "create", "--coordinator")
    assert code == 0, err
    assert "https://t.me/TEN_BOT?start=" in out
    assert err == texts.CLI_BOT_USERNAME_HINT.format(error=texts.CLI_BOT_USERNAME_TOKEN) + "\n"
    assert_no_token(out, err)


async def test_a_settings_mistake_is_named_without_its_value(database_url, tmp_path):
    env = env_for(database_url, "http://127.0.0.1:1/bot", tmp_path, DISPATCH_INTERVAL_S=TOKEN)
    code, out, err = await run(env, "run")
    assert (code, out) == (1, "")
    assert err == texts.CLI_SETTINGS_INVALID.format(name="DISPATCH_INTERVAL_S") + "\n"
    assert_no_token(out, err)


def test_log_records_are_scrubbed_in_message_traceback_and_stack(tmp_path):
    """The filter on its own: a record whose exception text and stack hold the token."""
    import logging

    from bot.logs import RedactToken

    path = tmp_path / "scrub.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactToken(TOKEN))
    log = logging.getLogger("test.scrub")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"GET http://x/bot{urllib.parse.quote(TOKEN)}/getMe")
        except RuntimeError:
            log.error("failed with %s", TOKEN, exc_info=True, stack_info=True)
    finally:
        log.removeHandler(handler)
        handler.close()
    text = path.read_text(encoding="utf-8")
    assert "RuntimeError: GET http://x/bot<token>/getMe" in text and "Stack (most recent" in text
    assert_no_token(text)


# --- the database ---------------------------------------------------------------------------


def _db_line(path: str | Path, cause: str) -> str:
    return texts.CLI_DB_FAILED.format(file=path, cause=texts.CLI_DB_CAUSES[cause]) + "\n"


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.endswith(".db")
    }


@contextlib.contextmanager
def tmpfs(where: Path, size_kb: int):
    """A real small file system of its own, or the test is skipped."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


COMMANDS = (("run",), ("agency", "list"), ("agency", "add", "Sở Tư pháp"), ("invite", "create"))


async def test_an_unusable_path_is_one_line_for_every_command(fake_server, sqlite_file, tmp_path):
    url = "sqlite+aiosqlite:////proc/nhacviec/x.db"
    env = env_for(url, fake_server.base_url, tmp_path)
    for command in COMMANDS:
        code, out, err = await run(env, *command)
        assert (code, out, err) == (1, "", _db_line("/proc/nhacviec/x.db", "cannot_open")), command
    code, out, err = await run(env, "restore", str(sqlite_file))
    assert (code, out, err) == (1, "", _db_line("/proc/nhacviec", "cannot_open"))


async def test_a_real_read_only_disk_is_refused_before_the_bot_says_it_runs(
    fake_server, sqlite_file, tmp_path
):
    with tmpfs(tmp_path / "ro", 4096) as disk:
        shutil.copyfile(sqlite_file, disk / "x.db")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = _digest(disk)
        url = f"sqlite+aiosqlite:///{disk / 'x.db'}"
        for command in COMMANDS:
            env = env_for(url, fake_server.base_url, tmp_path)
            code, out, err = await run(env, *command)
            assert (code, out, err) == (1, "", _db_line(disk / "x.db", "read_only")), command
        assert _digest(disk) == before
    assert fake_server.requests == []  # it never got as far as the Bot API


async def test_a_real_full_disk_is_refused_in_one_line(fake_server, sqlite_file, tmp_path):
    with tmpfs(tmp_path / "full", 1024) as disk:
        shutil.copyfile(sqlite_file, disk / "x.db")
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):  # every block left
            while os.write(filler, b"\0" * 4096):
                pass
        os.close(filler)
        before = _digest(disk)
        url = f"sqlite+aiosqlite:///{disk / 'x.db'}"
        for command in COMMANDS:
            env = env_for(url, fake_server.base_url, tmp_path)
            code, out, err = await run(env, *command)
            assert (code, out, err) == (1, "", _db_line(disk / "x.db", "no_space")), command
        assert _digest(disk) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
async def test_a_folder_without_permission_is_named(fake_server, sqlite_file, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    shutil.copyfile(sqlite_file, folder / "x.db")
    folder.chmod(0o500)
    try:
        url = f"sqlite+aiosqlite:///{folder / 'x.db'}"
        for command in COMMANDS:
            env = env_for(url, fake_server.base_url, tmp_path)
            code, out, err = await run(env, *command)
            assert (code, out, err) == (1, "", _db_line(folder / "x.db", "no_permission"))
    finally:
        folder.chmod(0o700)


def test_a_postgres_cause_is_read_below_sqlalchemys_wrapper():
    """SQLAlchemy wraps asyncpg's error twice (its adapter's, then DBAPIError): the cause
    is the innermost error's, not "other"."""
    import asyncpg
    import sqlalchemy as sa

    from db import failures

    raw = asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction")

    class AdaptedError(Exception):  # as SQLAlchemy's AsyncAdapt_asyncpg_dbapi.Error
        pass

    try:
        try:
            raise AdaptedError("ReadOnlySQLTransactionError") from raw
        except AdaptedError as adapted:
            raise sa.exc.InternalError("INSERT", {}, adapted) from adapted
    except sa.exc.DBAPIError as wrapped:
        assert failures.cause_of(wrapped) == failures.cause_of(raw) == failures.READ_ONLY


def test_sqlite_causes_are_read_from_real_sqlite_errors(tmp_path):
    """SQLite's own refusals (a connection opened read-only, a page limit reached), not
    made-up exceptions, are told apart."""
    import sqlite3

    from db import failures

    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.Error) as read_only:
        ro.execute("INSERT INTO t VALUES (1)")
    full = sqlite3.connect(path)
    full.execute("PRAGMA max_page_count=2")
    with pytest.raises(sqlite3.Error) as no_space:
        full.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.Error) as junk:
        sqlite3.connect(tmp_path / "junk.db").execute("SELECT * FROM t")
    assert failures.cause_of(read_only.value) == failures.READ_ONLY
    assert failures.cause_of(no_space.value) == failures.NO_SPACE
    assert failures.cause_of(junk.value) == failures.NOT_A_DATABASE
    assert failures.cause_of(PermissionError(13, "denied")) == failures.NO_PERMISSION
    assert failures.cause_of(ValueError("not the database")) is None


# --- one bot per database ---------------------------------------------------------------


async def first_line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    return (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().rstrip("\n")


async def stop(proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> tuple[str, str]:
    if proc.returncode is None:
        proc.send_signal(sig)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return out.decode(), err.decode()


def conflicts(server) -> int:
    return sum(1 for r in server.requests if r.method == "getUpdates" and r.status == 409)


@pytest.mark.skipif(bool(PG_URL), reason="the run lock is SQLite's; PostgreSQL has its own test")
async def test_a_second_bot_on_one_sqlite_file_refuses_to_start_until_the_first_is_gone(
    database_url, fake_server, tmp_path
):
    env = env_for(database_url, fake_server.base_url, tmp_path)
    server = fake_server.base_url.rsplit("/bot", 1)[0]
    first = await start(env)
    try:
        assert await first_line(first) == texts.CLI_BOT_STARTING.format(server=server)
        code, out, err = await run(env, "run")
        database = database_url.split("///", 1)[1]
        assert (code, out) == (1, "")
        assert err == texts.CLI_ALREADY_RUNNING.format(file=database, pid=first.pid) + "\n"
        # The first goes on answering; nobody fought it for updates.
        fake_server.add_user(777, "Nguyễn", "An")
        fake_server.user_sends(777, 777, "/start")
        assert (await fake_server.wait_for_messages(777, 1, 30))[0].text == texts.START_ABOUT
        assert conflicts(fake_server) == 0
    finally:
        await stop(first, signal.SIGKILL)  # a crash: the kernel drops the lock with it
    again = await start(env)
    try:
        assert await first_line(again) == texts.CLI_BOT_STARTING.format(server=server)
    finally:
        out, err = await stop(again)
    assert again.returncode == 0 and err == ""


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (TEST_DATABASE_URL)")
async def test_on_postgresql_one_bot_polls_and_another_takes_over_when_it_dies(
    database_url, fake_server, tmp_path
):
    env = env_for(database_url, fake_server.base_url, tmp_path, POLL_TURN_CHECK_S="0.3")
    server = fake_server.base_url.rsplit("/bot", 1)[0]
    first = await start(env)
    second = None
    try:
        assert await first_line(first) == texts.CLI_BOT_STARTING.format(server=server)
        second = await start(env)
        assert await first_line(second) == texts.CLI_BOT_STANDBY.format(server=server)
        fake_server.add_user(777, "Nguyễn", "An")
        fake_server.user_sends(777, 777, "/start")
        assert (await fake_server.wait_for_messages(777, 1, 30))[0].text == texts.START_ABOUT
        await asyncio.sleep(1.5)  # several turns of the standby asking for the lock
        assert conflicts(fake_server) == 0
        await stop(first, signal.SIGKILL)
        fake_server.user_sends(777, 777, "/help")  # answered by the second, now polling
        assert (await fake_server.wait_for_messages(777, 2, 30))[1].text == texts.HELP_STRANGER
        assert conflicts(fake_server) == 0
    finally:
        await stop(first, signal.SIGKILL)
        if second is not None:
            out, err = await stop(second)
            assert second.returncode == 0, err
