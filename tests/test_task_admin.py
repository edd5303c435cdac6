"""Coordinators correct tasks: a new title, a new deadline whose reminders replace the old
schedule's, a cancellation with its reason (kept, in history, counted apart), a move to
another body. In chat (/suaviec) and on the command line; nobody else may."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Outbox, Task, TaskEvent
from services import tasks as task_service
from services.clock import VN_TZ
from tests.harness import stop_periodic_jobs
from tests.processes import nhacviec, nhacviec_beside

D = dt.date


def at(day: D, hour: int = 8) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, 30, tzinfo=VN_TZ)


def is_reminder(text: str | None) -> bool:
    heads = (texts.REMINDER_HEAD, texts.REMINDER_HEAD_DUE, texts.REMINDER_HEAD_OVERDUE)
    return any((text or "").startswith(h.split("{")[0]) for h in heads)


async def add(world, code: str, title: str, due: D | None) -> int:
    async with world.db.session() as session:
        view = await task_service.add_task(session, agency_ref=code, title=title, due_date=due)
    return view.id


async def pending_keys(world, task_id: int) -> list[str]:
    async with world.db.session() as session:
        return sorted(
            (
                await session.scalars(
                    select(Outbox.dedupe_key).where(
                        Outbox.task_id == task_id,
                        Outbox.kind == "reminder",
                        Outbox.state.in_(("pending", "skipped")),
                    )
                )
            ).all()
        )


async def state(world) -> list:
    async with world.db.session() as session:
        tasks = (
            await session.execute(
                select(Task.id, Task.title, Task.due_date, Task.progress, Task.agency_id)
            )
        ).all()
        events = await session.scalar(select(sa.func.count()).select_from(TaskEvent))
        rows = await session.scalar(select(sa.func.count()).select_from(Outbox))
    return [sorted(tuple(t) for t in tasks), events, rows]


async def setup(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    coord = await world.coordinator("Trần Thị Bình")
    yt = await world.official("SYT", name="Nguyễn Văn An")
    tp = await world.official("STP", name="Lê Thị Cúc")
    return coord, yt, tp


async def told(world, chat: int, before: int) -> list[str]:
    await world.dispatch()
    return [m.text for m in world.server.messages_to(chat)[before:]]


async def test_new_deadline_replaces_the_reminder_schedule(world):
    coord, yt, _ = await setup(world)
    task_id = await add(world, "SYT", "Báo cáo năm", D(2026, 12, 4))
    old = await pending_keys(world, task_id)
    assert old and all(":2026-12-04:" in k for k in old)
    before = len(world.server.messages_to(yt))
    reply = await world.say(coord, f"/suaviec {task_id} hạn 18/12/2026")
    assert reply.text == texts.TASK_DUE_EDITED.format(
        id=task_id, title="Báo cáo năm", old="04/12/2026", new="18/12/2026"
    )
    new = await pending_keys(world, task_id)
    assert new and all(":2026-12-18:" in k for k in new)
    assert await told(world, yt, before) == [
        texts.TASK_NOTICE_DUE.format(title="Báo cáo năm", old="04/12/2026", new="18/12/2026")
    ]
    # The old schedule's days pass quietly; the new one's bring the reminder.
    world.clock.set(at(D(2026, 11, 27)))
    before = len(world.server.messages_to(yt))
    await world.dispatch()
    assert len(world.server.messages_to(yt)) == before
    world.clock.set(at(D(2026, 12, 4)))
    await world.dispatch()
    reminder = world.server.last_message(yt)
    assert is_reminder(reminder.text) and "18/12/2026" in reminder.text
    async with world.db.session() as session:
        history = (
            await session.scalars(
                select(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.action != "created")
            )
        ).all()
    assert [(h.action, h.from_value, h.to_value, h.actor_name) for h in history] == [
        ("due_edited", "2026-12-04", "2026-12-18", "Trần Thị Bình")
    ]


async def test_rename_tells_the_body(world):
    coord, yt, _ = await setup(world)
    task_id = await add(world, "SYT", "Báo cáo 6 thang", D(2026, 12, 20))
    before = len(world.server.messages_to(yt))
    reply = await world.say(coord, f"/suaviec #{task_id} tên Báo cáo 6 tháng")
    assert reply.text == texts.TASK_TITLE_EDITED.format(
        id=task_id, old="Báo cáo 6 thang", new="Báo cáo 6 tháng"
    )
    assert await told(world, yt, before) == [
        texts.TASK_NOTICE_TITLE.format(old="Báo cáo 6 thang", new="Báo cáo 6 tháng")
    ]
    assert "Báo cáo 6 tháng" in (await world.say(yt, "/viec")).text


async def test_cancelled_task_is_kept_counted_apart_and_never_reminded(world):
    coord, yt, _ = await setup(world)
    task_id = await add(world, "SYT", "Tổ chức diễn đàn", D(2026, 12, 4))
    await add(world, "SYT", "Báo cáo năm", D(2026, 12, 15))
    card = await world.open_task(yt, await world.say(yt, "/viec"), 1)
    reply = await world.say(coord, f"/suaviec {task_id} huỷ trùng với kế hoạch của tỉnh")
    assert reply.text == texts.TASK_CANCELLED_DONE.format(
        id=task_id, title="Tổ chức diễn đàn", agency="Sở Y tế", reason="trùng với kế hoạch của tỉnh"
    )
    assert await pending_keys(world, task_id) == []
    listing = await world.say(yt, "/viec")
    assert "Tổ chức diễn đàn" not in listing.text and "Báo cáo năm" in listing.text
    before = await state(world)
    answer = await world.press(yt, card.message_id, f"t:{task_id}:d")
    assert answer.text == texts.error_text("task_cancelled", title="Tổ chức diễn đàn")
    assert await state(world) == before
    summary = await world.say(coord, "/tonghop")
    assert texts.SUMMARY_CANCELLED.format(count=1) in summary.text
    assert summary.text.startswith(
        texts.SUMMARY_HEADER.format(date="23/11/2026", agencies=2, tasks=1, scope="")
    )
    shown = await world.say(coord, f"/suaviec {task_id}")
    assert (
        texts.TASK_CANCELLED_LINE.format(date="23/11/2026", reason="trùng với kế hoạch của tỉnh")
        in shown.text
    )
    again = await world.say(coord, f"/suaviec {task_id} huỷ lần nữa")
    assert again.text == texts.error_text("task_cancelled", title="Tổ chức diễn đàn")
    world.clock.set(at(D(2026, 12, 4)))
    await world.dispatch()
    assert not any(
        "Tổ chức diễn đàn" in (m.text or "")
        for m in world.server.messages_to(yt)
        if is_reminder(m.text)
    )


async def test_moved_task_goes_to_the_other_body_with_its_reminders(world):
    coord, yt, tp = await setup(world)
    task_id = await add(world, "SYT", "Báo cáo trợ giúp pháp lý trẻ em", D(2026, 12, 4))
    card = await world.open_task(yt, await world.say(yt, "/viec"), 1)
    before_yt, before_tp = len(world.server.messages_to(yt)), len(world.server.messages_to(tp))
    reply = await world.say(coord, f"/suaviec {task_id} chuyển sang STP")
    assert reply.text == texts.TASK_MOVED_DONE.format(
        id=task_id, title="Báo cáo trợ giúp pháp lý trẻ em", old="Sở Y tế", new="Sở Tư pháp"
    )
    assert await told(world, yt, before_yt) == [
        texts.TASK_NOTICE_MOVED_AWAY.format(
            title="Báo cáo trợ giúp pháp lý trẻ em", agency="Sở Tư pháp"
        )
    ]
    assert await told(world, tp, before_tp) == [
        texts.TASK_NOTICE_MOVED_IN.format(
            agency="Sở Tư pháp", title="Báo cáo trợ giúp pháp lý trẻ em", due="04/12/2026"
        )
    ]
    answer = await world.press(yt, card.message_id, f"t:{task_id}:d")
    assert answer.text == texts.NOT_YOUR_TASK
    assert "trợ giúp pháp lý" in (await world.say(tp, "/viec")).text
    world.clock.set(at(D(2026, 11, 27)))
    sent_yt = len(world.server.messages_to(yt))
    await world.dispatch()
    assert len(world.server.messages_to(yt)) == sent_yt
    assert is_reminder(world.server.last_message(tp).text)


async def test_search_and_refusals_change_nothing(world):
    coord, yt, _ = await setup(world)
    task_id = await add(world, "SYT", "Báo cáo năm", D(2026, 12, 4))
    found = await world.say(coord, "/suaviec bao cao NAM")
    assert found.text.split("\n") == [
        texts.TASK_SEARCH_HEADER.format(query="bao cao NAM", count=1),
        texts.TASK_SEARCH_ROW.format(
            id=task_id,
            agency="SYT",
            title="Báo cáo năm",
            due="04/12/2026",
            status=texts.STATUS["not_due"],
        ),
    ]
    before = await state(world)
    assert (await world.say(yt, f"/suaviec {task_id} hạn 30/12/2026")).text == (
        texts.COORDINATOR_ONLY
    )
    refusals = {
        f"/suaviec {task_id} hạn 31/02/2027": texts.EXTENSION_DATE_INVALID.format(
            example=texts.example_date()
        ),
        f"/suaviec {task_id} hạn 01/01/2050": texts.error_text(
            "due_out_of_range", date=D(2050, 1, 1), low=2025, high=2036
        ),
        f"/suaviec {task_id} huỷ": texts.error_text("cancel_reason_empty"),
        f"/suaviec {task_id} chuyển SYT": texts.error_text("same_agency", agency="Sở Y tế"),
        f"/suaviec {task_id} chuyển KHONGCO": texts.error_text("agency_unknown", ref="KHONGCO"),
        f"/suaviec {task_id} tên Báo cáo năm": texts.error_text("nothing_to_change"),
        "/suaviec 99999 hạn 30/12/2026": texts.error_text("task_id_unknown", id=99999),
        f"/suaviec {task_id} lung tung": texts.TASK_EDIT_USAGE,
    }
    for command, expected in refusals.items():
        assert (await world.say(coord, command)).text == expected, command
    assert await state(world) == before


def test_cli_edits_cancels_and_moves_tasks(database_url):
    def cli(*args: str):
        return nhacviec(database_url, *args)

    cli("agency", "add", "Sở Y tế", "--code", "SYT")
    cli("agency", "add", "Sở Tư pháp", "--code", "STP")
    cli("task", "add", "--agency", "SYT", "--title", "Báo cáo năm", "--due", "15/12/2026")
    cli("task", "add", "--agency", "SYT", "--title", "Báo cáo quý", "--due", "20/12/2026")
    done = cli("task", "edit", "1", "--title", "Báo cáo năm 2026", "--due", "18/12/2026")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        texts.TASK_TITLE_EDITED.format(id=1, old="Báo cáo năm", new="Báo cáo năm 2026"),
        texts.TASK_DUE_EDITED.format(
            id=1, title="Báo cáo năm 2026", old="15/12/2026", new="18/12/2026"
        ),
    ]
    done = cli("task", "cancel", "2", "--reason", "gộp vào báo cáo năm")
    assert done.returncode == 0, done.stderr
    done = cli("task", "move", "1", "--agency", "STP")
    assert done.returncode == 0, done.stderr
    listed = {t["id"]: t for t in json.loads(cli("task", "list", "--json").stdout)}
    assert listed[1]["agency"] == "STP" and listed[1]["due"] == "2026-12-18"
    assert listed[2]["status"] == "cancelled"
    refused = cli("task", "cancel", "2", "--reason", "lần nữa")
    assert refused.returncode == 1
    assert refused.stderr.strip() == texts.error_text("task_cancelled", title="Báo cáo quý")
    assert json.loads(cli("task", "list", "--json").stdout) == list(listed.values())


async def test_long_titles_and_reasons_are_cut_in_messages_and_kept_whole(world):
    """A plan's task may carry a paragraph as its title: the coordinator's answers and the
    body's notices show it cut to a phone's screen; the database keeps every word."""
    from bot import render

    coord, yt, tp = await setup(world)
    old = "Tổ chức tập huấn nâng cao năng lực cho đội ngũ cán bộ làm công tác trẻ em " * 12
    new = "Tổ chức tập huấn kỹ năng bảo vệ trẻ em trên môi trường mạng cho cán bộ cơ sở " * 12
    reason = "trùng với nhiệm vụ đã giao trong kế hoạch của tỉnh về chuyển đổi số " * 10
    assert len(reason.strip()) > 500  # a reason is kept up to 500 characters
    task_id = await add(world, "SYT", old.strip(), D(2026, 12, 4))
    before_yt, before_tp = len(world.server.messages_to(yt)), len(world.server.messages_to(tp))
    answers = [
        await world.say(coord, f"/suaviec {task_id} tên {new}"),
        await world.say(coord, f"/suaviec {task_id} hạn 18/12/2026"),
        await world.say(coord, f"/suaviec {task_id} chuyển STP"),
        await world.say(coord, f"/suaviec {task_id}"),
        await world.say(coord, f"/suaviec {task_id} huỷ {reason}"),
        await world.say(coord, "/suaviec tập huấn"),
    ]
    notices = await told(world, yt, before_yt) + await told(world, tp, before_tp)
    assert len(notices) == 5  # to SYT: renamed, rescheduled, moved away; to STP: in, cancelled
    for text in [a.text for a in answers] + notices:
        assert len(text) <= render.MESSAGE_LIMIT, text
        assert new.strip() not in text and old.strip() not in text
    assert answers[0].text.startswith(texts.TASK_TITLE_EDITED.split("«")[0].format(id=task_id))
    assert "…" in answers[0].text and "…" in answers[4].text
    async with world.db.session() as session:
        task = await session.get(Task, task_id)
    assert (
        task is not None and task.title == new.strip() and task.cancel_note == reason.strip()[:500]
    )
    shown = await nhacviec_beside(world.settings.database_url, "task", "list", "--json")
    assert [t["title"] for t in json.loads(shown.stdout)] == [new.strip()]
