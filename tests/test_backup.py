"""`nhacviec backup` and `nhacviec restore`, run as a coordinator runs them: a backup taken
while a real bot process answers about 200 updates a second opens, is whole, and holds
every change the bot had confirmed when it started; a restore never overwrites data
unasked. On PostgreSQL, both say how to use pg_dump and pg_restore."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from bot import texts
from db.models import Contact, Task
from services import backup as backup_service
from services import clock
from services.clock import SystemClock
from tests.conftest import PG_URL
from tests.harness import make_agencies_with_contacts
from tests.processes import bot_env, nhacviec, run, start

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite's online backup")

PEOPLE = 40
RATE = 200  # updates a second, as asked
SECONDS = 3.0


def _env(database_url: str, api: str) -> dict[str, str]:
    return bot_env(
        database_url,
        TELEGRAM_BOT_TOKEN="42:BACKUP-TEST",
        TELEGRAM_API_BASE_URL=api,
        DISPATCH_INTERVAL_S="0.5",
    )


def _events(path: Path) -> dict[int, list[int]]:
    """History rows in a database file: the users' message ids, by chat, in id order."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "SELECT chat_id, message_id FROM taskevent WHERE action = 'blocked' ORDER BY id"
        ).fetchall()
    by_chat: dict[int, list[int]] = {}
    for chat, message in rows:
        by_chat.setdefault(chat, []).append(message)
    return by_chat


@sqlite_only
async def test_backup_during_200_updates_a_second_holds_every_confirmed_change(
    database_url, db, fake_server, tmp_path
):
    chats = await make_agencies_with_contacts(db, fake_server, PEOPLE)
    async with db.session() as session:
        agency_of = dict((await session.execute(select(Contact.chat_id, Contact.agency_id))).all())
        for chat in chats:
            session.add(
                Task(
                    agency_id=agency_of[chat],
                    title=f"Báo cáo năm {chat}",
                    due_date=dt.date(2027, 11, 15),
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
        await session.commit()
    clock.set_clock(SystemClock())  # the bot process runs on real time
    env = _env(database_url, fake_server.base_url)
    bot = await start(env, stdout=asyncio.subprocess.DEVNULL)
    target = tmp_path / "nhacviec-backup.db"
    try:
        lists = {}
        for chat in chats:
            fake_server.user_sends(chat, chat, "/viec")
        for chat in chats:
            lists[chat] = (await fake_server.wait_for_messages(chat, 1, timeout=60))[0]
        sent: dict[int, list[int]] = {chat: [] for chat in chats}
        answered_at_start: dict[int, int] = {}
        backup_task = None
        per_tick = RATE // 20
        for tick in range(int(SECONDS * 20)):
            for k in range(per_tick):
                chat = chats[(tick * per_tick + k) % PEOPLE]
                message = fake_server.user_sends(
                    chat, chat, f"vướng: lý do {tick}-{k}", reply_to=lists[chat].message_id
                )
                sent[chat].append(message["message_id"])
            if tick == 20 and backup_task is None:  # one second in, the load still going
                # Every answer the bot has sent so far was sent after its commit.
                answered_at_start = {c: len(fake_server.messages_to(c)) - 1 for c in chats}
                backup_task = asyncio.create_task(run(env, "backup", str(target)))
            await asyncio.sleep(0.05)
        assert backup_task is not None
        code, out, err = await backup_task
        for chat in chats:
            await fake_server.wait_for_messages(chat, 1 + len(sent[chat]), timeout=120)
    finally:
        bot.send_signal(signal.SIGTERM)
        _, bot_err = await asyncio.wait_for(bot.communicate(), 30)
    assert code == 0, err
    assert bot.returncode == 0, bot_err.decode()
    held = backup_service.counts(sqlite3.connect(target))
    assert out.strip() == texts.CLI_BACKUP_DONE.format(
        path=target,
        size=max(1, target.stat().st_size // 1024),
        agencies=PEOPLE,
        contacts=PEOPLE,
        tasks=PEOPLE,
    )
    assert held.tasks == PEOPLE
    in_backup = _events(target)
    final = _events(Path(backup_service.sqlite_path(database_url)))
    for chat in chats:
        assert final[chat] == sent[chat]  # the bot took every update
        copied = in_backup.get(chat, [])
        # A snapshot: each chat's changes up to some point, in order, none missing...
        assert copied == sent[chat][: len(copied)]
        # ...and at least every change the bot had confirmed when the backup began.
        assert len(copied) >= answered_at_start[chat]
    assert sum(answered_at_start.values()) > 0
    assert not target.with_name(target.name + ".part").exists()


def _agency_codes(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [code for (code,) in conn.execute("SELECT code FROM agency ORDER BY code")]


@sqlite_only
async def test_restore_refuses_to_overwrite_data_unless_forced(database_url, db, tmp_path):
    from services import agencies

    async def cli(url: str, *args: str):
        return await asyncio.to_thread(nhacviec, url, *args)

    copy = tmp_path / "sao-luu.db"
    async with db.session() as session:
        await agencies.add_agency(session, name="Sở Y tế", code="SYT")
    done = await cli(database_url, "backup", str(copy))
    assert done.returncode == 0, done.stderr
    async with db.session() as session:
        await agencies.add_agency(session, name="Sở Tư pháp", code="STP")
    await db.dispose()
    live = backup_service.sqlite_path(database_url)
    assert live is not None
    before = _agency_codes(live)
    junk = tmp_path / "rac.db"
    junk.write_bytes(b"khong phai sqlite" * 100)
    again, refused, bad = await asyncio.gather(
        cli(database_url, "backup", str(copy)),
        cli(database_url, "restore", str(copy)),
        cli(database_url, "restore", str(junk), "--force"),
    )
    assert again.returncode == 1
    assert again.stderr.strip() == texts.error_text("backup_exists", path=str(copy))
    assert refused.returncode == 1
    assert refused.stderr.strip() == texts.error_text(
        "restore_not_empty", agencies=2, contacts=0, tasks=0
    )
    assert bad.returncode == 1 and bad.stderr.startswith("Lỗi: tệp sao lưu bị hỏng")
    assert _agency_codes(live) == before == ["STP", "SYT"]

    fresh = tmp_path / "moi" / "nhacviec.db"
    forced, into_empty = await asyncio.gather(
        cli(database_url, "restore", str(copy), "--force"),
        cli(f"sqlite+aiosqlite:///{fresh}", "restore", str(copy)),  # nothing there: no --force
    )
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == texts.CLI_RESTORE_DONE.format(
        path=copy, agencies=1, contacts=0, tasks=0
    )
    assert into_empty.returncode == 0, into_empty.stderr
    assert _agency_codes(live) == _agency_codes(fresh) == ["SYT"]


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's own tools")
def test_on_postgresql_backup_and_restore_say_how_with_pg_tools(database_url, tmp_path):
    done = nhacviec(database_url, "backup", str(tmp_path / "x.dump"))
    assert done.returncode == 1 and "pg_dump --format=custom" in done.stderr
    assert "postgresql://" in done.stderr and "+asyncpg" not in done.stderr
    done = nhacviec(database_url, "restore", str(tmp_path / "x.dump"))
    assert done.returncode == 1 and "pg_restore" in done.stderr
    assert not (tmp_path / "x.dump").exists()
