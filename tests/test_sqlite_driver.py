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


# --- what SQLAlchemy's aiosqlite dialect asks of the connection (2.0 and 2.1 differ; CI runs
# these on the lowest versions pyproject.toml allows too: .ci/lowest.py) ---------------------


async def test_sessions_reuse_pooled_connections(notes) -> None:
    database, _ = notes
    assert isinstance(database.engine.pool, sa.pool.AsyncAdaptedQueuePool)
    seen = set()
    for _ in range(5):
        async with database.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            seen.add(id(raw.driver_connection))
    assert len(seen) == 1  # one connection opened, not one per session


async def test_autocommit_regexp_and_streamed_rows(notes) -> None:
    database, _ = notes
    async with database.engine.connect() as conn:
        # AUTOCOMMIT sets isolation_level through the connection's thread (the dialect's
        # own setter), then back for the pool.
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(NOTES.insert(), [{"id": 1, "body": "alpha"}, {"id": 2, "body": "beta"}])
    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection.isolation_level == ""  # pysqlite's default again
        assert not raw.driver_connection.in_transaction
        # regexp is a Python function the dialect registers on every new connection
        found = await conn.scalars(sa.select(NOTES.c.id).where(NOTES.c.body.regexp_match("^b")))
        assert list(found) == [2]
        streamed = await conn.stream(sa.select(NOTES.c.body).order_by(NOTES.c.id))
        assert [row.body async for row in streamed] == ["alpha", "beta"]
    assert await _count(database) == 2


async def test_a_cancelled_wait_for_another_process_gives_everything_back(notes) -> None:
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

        async def write(i: int) -> None:
            async with database.session() as session:
                await session.execute(NOTES.insert(), {"id": i, "body": f"n{i}"})
                await session.commit()

        waiting = asyncio.create_task(write(1))  # waits on the connection's thread
        await asyncio.sleep(0.2)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        holder.stdin.write(b"commit\n")
        await holder.stdin.drain()
        # The gate and the connection came back: the next write goes through at once.
        async with asyncio.timeout(10):
            await write(2)
    finally:
        await holder.wait()
    async with database.session() as session:
        ids = (await session.scalars(sa.select(NOTES.c.id))).all()
    assert 2 in ids and len(ids) <= 2  # the cancelled one may have been written, never twice


async def test_closed_twice_and_stopped(tmp_path: Path) -> None:
    gate = driver.WriteGate(timeout_s=5)
    conn = await driver.async_creator(str(tmp_path / "x.db"), gate)()
    cursor = await conn.execute("SELECT 1")
    assert await cursor.fetchall() == [(1,)]
    await conn.close()
    await conn.close()  # a second close is no error (SQLAlchemy may close after a failure)
    with pytest.raises(ValueError, match="no active connection"):  # what the dialect expects
        await conn.execute("SELECT 1")
    other = await driver.async_creator(str(tmp_path / "x.db"), gate)()
    await other.execute("CREATE TABLE t (x)")  # holds the gate
    other.stop()  # SQLAlchemy's terminate: closes on the thread without waiting, gate freed
    async with asyncio.timeout(5):
        (await gate.acquire()).release()
