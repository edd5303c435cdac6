"""Reports run off the event loop (services/workers.py): while a coordinator's report is
still reading, other officials are answered. The tests assert the order of what happened,
never how long it took; bench/net_stall.py measures the loop's pauses."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from db.models import Agency
from db.session import Database
from services import agencies, clock, workers
from tests.conftest import PG_URL


async def _held_read(session: AsyncSession, *, release: str) -> tuple[int, str]:
    """A read that blocks its thread (not an await: on the bot's loop this would stop every
    answer) until the file `release` exists; then counts the agencies, and says what time
    its clock gives."""
    deadline = time.monotonic() + 60
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    count = await session.scalar(sa.select(sa.func.count()).select_from(Agency))
    return int(count or 0), clock.now().isoformat()


async def test_a_report_that_holds_its_thread_does_not_hold_the_answers(world, tmp_path):
    await world.agency("Sở Y tế", "SYT")
    official = await world.official("SYT")
    release = tmp_path / "release"
    report = asyncio.create_task(
        workers.read_apart(world.db, partial(_held_read, release=str(release)))
    )
    await asyncio.sleep(0.2)  # the read has started and holds its thread
    answer = await world.say(official, "/viec")
    assert answer.text
    assert not report.done()  # the official was answered while the report was reading
    release.touch()
    count, at = await report
    # It read this database, at the time of the bot's clock (the frozen one of the test).
    assert count == 1
    assert at == clock.now().isoformat()


async def test_reports_work_when_no_worker_process_can_start(world, monkeypatch):
    def refused():
        raise OSError("no processes here")

    monkeypatch.setattr(workers, "_executor", refused)
    await world.agency("Sở Y tế", "SYT")
    coordinator = await world.coordinator()
    summary = await world.say(coordinator, "/tonghop")
    assert "Sở Y tế" in summary.text
    before = len(world.server.messages_to(coordinator))
    world.server.user_sends(coordinator, coordinator, "/bieudo")
    chart = await world.server.wait_for(
        lambda: next((m for m in world.server.messages_to(coordinator)[before:] if m.photo), None),
        30,
    )
    assert chart.photo


async def test_an_in_memory_database_reads_on_the_loop(frozen_clock, tmp_path):
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        await db.migrate()
        async with db.session() as session:
            await agencies.add_agency(session, name="Sở Y tế", code="SYT")
        (tmp_path / "release").touch()
        count, _ = await workers.read_apart(
            db, partial(_held_read, release=str(tmp_path / "release"))
        )
        assert count == 1
    finally:
        await db.dispose()


async def test_the_thread_apart_reads_the_same_database(db, tmp_path):
    async with db.session() as session:
        await agencies.add_agency(session, name="Sở Y tế", code="SYT")
    (tmp_path / "release").touch()
    count, at = await db.read_apart(partial(_held_read, release=str(tmp_path / "release")))
    assert (count, at) == (1, clock.now().isoformat())


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: a table locked by another transaction")
async def test_xuat_waits_for_a_locked_table_while_viec_is_answered(world):
    await world.agency("Sở Y tế", "SYT")
    official = await world.official("SYT")
    coordinator = await world.coordinator()
    engine = create_async_engine(world.db.url)
    try:
        async with engine.connect() as conn:
            await conn.begin()
            # The export reads the history; nothing /viec needs.
            await conn.execute(sa.text("LOCK TABLE taskevent IN ACCESS EXCLUSIVE MODE"))
            before = len(world.server.messages_to(coordinator))
            world.server.user_sends(coordinator, coordinator, "/xuat")
            await asyncio.sleep(0.3)
            answer = await world.say(official, "/viec")
            assert answer.text
            assert not any(m.document for m in world.server.messages_to(coordinator)[before:])
            await conn.rollback()
        workbook = await world.server.wait_for(
            lambda: next(
                (m for m in world.server.messages_to(coordinator)[before:] if m.document), None
            ),
            30,
        )
        assert workbook.document["file_name"].endswith(".xlsx")
    finally:
        await engine.dispose()
