"""Hostile and careless input (issue 10): documents built to hold the bot, names built to
fool a reader, titles and dates past any sane bound. Each through the real Application
and the fake Bot API server, or the `nhacviec` command; each refusal leaves the database
as it was."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from bench.hostile import docx_bomb, lowercase_lines
from bot import texts
from db.models import Agency, Outbox, Plan, Task, TaskEvent
from services import documents, isolation
from tests.test_cli import nhacviec
from tests.test_core_loop import add_task

D = dt.date


async def rows(db) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.__name__: await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Agency, Task, Plan, TaskEvent, Outbox)
        }


# --- 1. documents: bounded, and read off the event loop -------------------------------------


async def test_a_docx_bomb_is_refused_before_it_is_expanded_and_nothing_is_written(world):
    coord = await world.coordinator()
    before = await rows(world.db)
    bomb = docx_bomb(100_000_000)  # a few hundred KB, 100 M characters expanded
    reply = await world.send_document(coord, "ke_hoach.docx", len(bomb), content=bomb)
    assert reply.text == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert await rows(world.db) == before


async def test_3000_lowercase_lines_are_read_quickly_and_refused_as_not_a_plan(world):
    coord = await world.coordinator()
    before = await rows(world.db)
    data = lowercase_lines(3000)
    reply = await world.send_document(coord, "ke_hoach.txt", len(data), content=data)
    assert reply.text == texts.DOCUMENT_ERRORS["not_a_plan"]
    assert await rows(world.db) == before


async def test_another_officials_viec_is_answered_while_a_document_is_being_read(world):
    await world.agency("Sở Y tế", code="SYT")
    await add_task(world, "SYT", "Báo cáo 6 tháng", D(2026, 12, 10))
    official = await world.official("SYT")
    coord = await world.coordinator()
    before = await rows(world.db)
    bomb = docx_bomb(100_000_000)
    # Another document is being read (the slot is taken): the coordinator's waits for it.
    await asyncio.to_thread(isolation._SLOT.acquire)
    try:
        sent = len(world.server.messages_to(coord))
        world.server.user_sends_document(coord, coord, "bom.docx", size=len(bomb), content=bomb)
        listing = await world.say(official, "/viec")
        assert "Báo cáo 6 tháng" in listing.text
        await world.quiet(0.3)
        assert len(world.server.messages_to(coord)) == sent  # still being read
    finally:
        isolation._SLOT.release()
    answers = await world.server.wait_for_messages(coord, sent + 1, 30)
    assert answers[sent].text == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert await rows(world.db) == before


def test_document_bounds_name_the_reason():
    too_many = ("dòng\n" * (documents.MAX_LINES + 1)).encode()
    one_line = ("chữ " * (documents.MAX_LINE_CHARS // 4 + 10)).encode()
    for data, name, code in [
        (docx_bomb(20_000_000), "a.docx", "too_big_unpacked"),
        (too_many, "a.txt", "too_long"),
        (one_line, "a.txt", "too_long"),
        (b"PK\x03\x04 not a zip", "a.docx", "corrupt"),
    ]:
        outcome = isolation.read_plan_outcome(data, name)
        assert (outcome.plan, outcome.error) == (None, code), name


def test_a_child_past_its_memory_limit_is_refused_and_the_caller_goes_on():
    # 15 MB of text to decode with no memory to spare: the child's allocation fails,
    # the caller gets a refusal (not an exception, not a dead bot).
    data = ("a" * 99 + "\n").encode() * 150_000
    outcome = isolation.read_plan_outcome(data, "a.txt", memory_mb=1)
    assert outcome.plan is None and outcome.error in ("too_big_unpacked", "too_complex")
    assert isolation.read_plan_outcome(lowercase_lines(50), "a.txt").error == "not_a_plan"


async def test_cli_plan_import_refuses_a_docx_bomb_in_vietnamese_and_writes_nothing(
    db, database_url, tmp_path
):
    before = await rows(db)
    path = tmp_path / "bom.docx"
    path.write_bytes(docx_bomb(100_000_000))
    done = await asyncio.to_thread(nhacviec, database_url, "plan", "import", str(path))
    assert done.returncode == 1
    assert done.stderr.strip() == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert "Traceback" not in done.stderr
    assert await rows(db) == before
