"""db/sqlite.py: statements on the loop, waits off it, one writer at a time (SQLite only)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import sqlite as driver
from db.session import Database

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's driver")

NOTES = sa.table("note", sa.column("id", sa.Integer), sa.column("body", sa.String))


@pytest.fixture
async def notes(tmp_path: Path):
    path = tmp_path / "driver.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT UNIQUE)"))
    yield database, path
    await database.dispose()


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(sa.text("SELECT count(*) FROM note")) or 0)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("INSERT INTO note VALUES (1, 'a')", True),
        ("  update note SET body = 'b'", True),
        ("DELETE FROM note", True),
        ("REPLACE INTO note VALUES (1, 'c')", True),
        ("CREATE TABLE t (x)", True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", True),  # may write: treated as a write
        ("SELECT * FROM note", False),
        ("PRAGMA foreign_keys", False),
    ],
)
def test_which_statements_take_the_write_gate(sql: str, writes: bool) -> None:
    assert driver.is_write(sql) is writes


async def test_many_concurrent_writers_all_succeed_in_order_of_arrival(notes) -> None:
    database, _ = notes

    async def write(i: int) -> None:
        async with database.session() as session:
            await session.execute(NOTES.insert(), {"id": i, "body": f"n{i}"})
            await asyncio.sleep(0)  # give the loop away inside the transaction
            await session.execute(NOTES.update().where(NOTES.c.id == i).values(body=f"note {i}"))
            await session.commit()

    await asyncio.gather(*(write(i) for i in range(200)))
    assert await _count(database) == 200


async def test_a_failed_write_gives_the_gate_back(notes) -> None:
    database, _ = notes
    async with database.session() as session:
        await session.execute(NOTES.insert(), {"id": 1, "body": "same"})
        await session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        async with database.session() as session:
            await session.execute(NOTES.insert(), {"id": 2, "body": "same"})
    async with asyncio.timeout(5):  # a leaked gate would make this wait for 30 s
        async with database.session() as session:
            await session.execute(NOTES.insert(), {"id": 3, "body": "other"})
            await session.commit()
    assert await _count(database) == 2


HOLD_LOCK = """
import select, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
select.select([sys.stdin], [], [], 20)  # until told (or, should the test hang, 20 s)
c.execute("COMMIT")
"""


async def test_another_process_holding_the_lock_delays_the_write_not_the_loop(notes) -> None:
    database, path = notes
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_LOCK,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert (await holder.stdout.readline()).strip() == b"locked"

        async def write() -> None:
            async with database.session() as session:
                await session.execute(NOTES.insert(), {"id": 1, "body": "after the CLI"})
                await session.commit()

        writing = asyncio.create_task(write())
        ticks = 0
        for _ in range(30):  # the loop goes on meanwhile: a write blocking it would
            await asyncio.sleep(0.01)  # hold these up until the other process gave up
            ticks += 1
            assert not writing.done()  # the write waits for the other process's transaction
        assert ticks == 30 and await _count(database) == 0
        holder.stdin.write(b"commit\n")
        await holder.stdin.drain()
        await asyncio.wait_for(writing, 30)
    finally:
        await holder.wait()
    assert holder.returncode == 0
    assert await _count(database) == 1


async def test_a_grown_wal_is_checkpointed_and_truncated(notes) -> None:
    database, path = notes
    wal = Path(f"{path}-wal")
    body = "x" * 4000
    for start in range(0, 1500, 100):
        async with database.session() as session:
            await session.execute(
                NOTES.insert(), [{"id": i, "body": f"{i}{body}"} for i in range(start, start + 100)]
            )
            await session.commit()
    assert await _count(database) == 1500
    # ~6 MB went through the WAL; it was copied back and truncated on the way.
    assert wal.stat().st_size < driver.CHECKPOINT_BYTES
