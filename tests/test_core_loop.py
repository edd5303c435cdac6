"""End to end: people linking, listing, answering by button, by reply and by file; coordinators
seeing it all. Everything goes through the fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re

import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Event, Submission, Task, TaskEvent
from services import tasks as task_service
from services.errors import DomainError
from tests.harness import NOTICE, stop_periodic_jobs

D = dt.date


async def add_task(world, code: str, title: str, due: D | None) -> int:
    async with world.db.session() as session:
        view = await task_service.add_task(session, agency_ref=code, title=title, due_date=due)
    return view.id


async def get_task(world, task_id: int) -> Task:
    async with world.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task


async def snapshot(world) -> list[tuple]:
    """Every task's state and the history length, to prove a refusal changed nothing."""
    async with world.db.session() as session:
        rows = (
            await session.execute(
                select(
                    Task.id, Task.progress, Task.blocked, Task.extension_requested, Task.due_date
                )
            )
        ).all()
        events = await session.scalar(select(sa.func.count()).select_from(TaskEvent))
    return [tuple(r) for r in rows] + [("events", events)]


# --- linking --------------------------------------------------------------------------------


async def test_start_without_code_explains_the_bot(world):
    user = world.person("Lê Văn Cường")
    reply = await world.say(user, "/start")
    assert reply.text == texts.START_ABOUT


async def test_invite_links_person_once_and_only_once(world):
    await world.agency("Sở Y tế", code="SYT")
    code = await world.invite("SYT")
    first, second = world.person("Phạm Thị Dung"), world.person("Hoàng Văn Em")
    reply = await world.say(first, f"/start {code}")
    assert reply.text == texts.LINKED_PRIVATE.format(agency="Sở Y tế")
    reply = await world.say(second, f"/start {code}")
    assert reply.text == texts.INVITE_USED


async def test_expired_and_unknown_invites_are_refused(world):
    await world.agency("Sở Tư pháp", code="STP")
    code = await world.invite("STP", days=14)
    world.clock.advance(dt.timedelta(days=15))
    user = world.person("Vũ Thị Giang")
    reply = await world.say(user, f"/start {code}")
    assert reply.text == texts.INVITE_EXPIRED.format(date="07/12/2026")
    reply = await world.say(user, "/start khongcoma123")
    assert reply.text == texts.INVITE_UNKNOWN
    reply = await world.say(user, "/viec")
    assert reply.text == texts.NOT_LINKED


async def test_group_chat_is_linked_with_start_at_botname(world):
    await world.agency("Sở Giáo dục và Đào tạo", code="SGD")
    member = world.person("Đỗ Văn Hải")
    world.server.add_group(-100123, "Nhóm Sở GD&ĐT", [member])
    code = await world.invite("SGD")
    reply = await world.say(-100123, f"/start@nhacviec_bot {code}", user_id=member)
    assert reply.text == texts.LINKED_GROUP.format(agency="Sở Giáo dục và Đào tạo")
    await add_task(world, "SGD", "Báo cáo 6 tháng", D(2026, 12, 15))
    listing = await world.say(-100123, "/viec@nhacviec_bot", user_id=member)
    assert "Báo cáo 6 tháng" in listing.text


async def test_coordinator_invite_grants_summary(world):
    coord = await world.coordinator()
    reply = await world.say(coord, "/tonghop")
    assert reply.text == texts.SUMMARY_EMPTY


# --- /viec --------------------------------------------------------------------------------


async def test_viec_lists_open_tasks_nearest_deadline_first(world):
    await world.agency("Sở Y tế", code="SYT")
    await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 15))
    await add_task(world, "SYT", "Báo cáo quý", D(2026, 11, 20))  # already 3 days late
    await add_task(world, "SYT", "Tổ chức diễn đàn", None)
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    text = listing.text
    assert text.index("Báo cáo quý") < text.index("Báo cáo năm") < text.index("Tổ chức diễn đàn")
    assert texts.days_left(-3) in text and texts.STATUS["overdue"] in text
    assert texts.days_left(22) in text and texts.date_weekday_vn(D(2026, 12, 15)) in text
    buttons = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
    assert len(buttons) == 12
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


async def test_long_task_list_is_split_below_telegram_limit(world):
    await world.agency("UBND xã Phước Dinh", code="PD")
    for i in range(40):
        await add_task(
            world,
            "PD",
            f"Nhiệm vụ số {i:02d}: " + "tuyên truyền phòng chống xâm hại trẻ em " * 8,
            D(2026, 12, 1) + dt.timedelta(days=i),
        )
    user = await world.official("PD")
    messages = await world.say(user, "/viec", expect=5)
    assert all(len(m.text) <= 4096 for m in messages)
    shown = "".join(m.text for m in messages)
    assert all(f"Nhiệm vụ số {i:02d}" in shown for i in range(40))


async def test_agency_with_nothing_open_is_told_so(world):
    await world.agency("Sở Tài chính", code="STC")
    user = await world.official("STC")
    reply = await world.say(user, "/viec")
    assert reply.text == texts.TASKS_NONE.format(agency="Sở Tài chính")


# --- buttons --------------------------------------------------------------------------------


async def test_done_button_edits_message_and_tells_coordinator(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm 2026", D(2026, 11, 30))
    coord = await world.coordinator()
    user = await world.official("SYT", name="Nguyễn Văn An")
    listing = await world.say(user, "/viec")
    answer = await world.press(user, listing.message_id, world.button_data(listing, "1. ✅"))
    assert answer.text.startswith("✅")
    edited = await world.server.wait_for(
        lambda: (m := world.server.bot_message(user, listing.message_id)).history and m
    )
    assert texts.STATUS["done_on_time"] in edited.text
    task = await get_task(world, task_id)
    assert task.progress == "done"
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    assert notice.text == texts.NOTIFY_LINE.format(
        who="Nguyễn Văn An",
        agency="Sở Y tế",
        title="Báo cáo năm 2026",
        change=texts.STATUS["done_on_time"],
    )


async def test_blocked_button_asks_reason_and_keeps_it(world):
    await world.agency("Sở Tài chính", code="STC")
    task_id = await add_task(world, "STC", "Bố trí kinh phí", D(2026, 12, 10))
    coord = await world.coordinator()
    user = await world.official("STC", name="Lý Thị Hoa")
    listing = await world.say(user, "/viec")
    before = len(world.server.messages_to(user))
    await world.press(user, listing.message_id, world.button_data(listing, "1. ⚠️"))
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text == texts.ASK_BLOCK_REASON.format(title="Bố trí kinh phí")
    assert ask.reply_markup.get("force_reply") is True
    reply = await world.say(user, "thiếu kinh phí, chờ phân bổ", reply_to=ask.message_id)
    assert reply.text == texts.UPDATED_BLOCKED.format(
        title="Bố trí kinh phí", note="thiếu kinh phí, chờ phân bổ"
    )
    task = await get_task(world, task_id)
    assert task.blocked and task.block_note == "thiếu kinh phí, chờ phân bổ"
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    assert "Vướng mắc — thiếu kinh phí" in notice.text


async def test_many_changes_reach_each_coordinator_in_few_messages_each_told_once(world):
    """45 changes while the dispatcher waits: each coordinator gets them as two messages
    (40 lines, then 5), every change in them once, and nothing again on the next run."""
    await stop_periodic_jobs(world.app)
    coordinators = [await world.coordinator(), await world.coordinator("Đỗ Văn Giang")]
    titles = []
    for a in range(5):
        code = f"XA{a}"
        await world.agency(f"UBND xã Thử nghiệm {a}", code=code)
        for t in range(1, 10):
            titles.append(f"Việc {a}-{t}")
            await add_task(world, code, titles[-1], D(2026, 12, 10))
        user = await world.official(code, name=f"Cán bộ {a}")
        for listing in await world.say(user, "/viec", expect=2):  # 8 tasks, then 1
            for row in listing.reply_markup["inline_keyboard"]:
                for button in row:
                    if "⏳" in button["text"]:
                        await world.press(user, listing.message_id, button["callback_data"])
    await world.dispatch()
    for coordinator in coordinators:
        told = [m.text for m in world.server.messages_to(coordinator) if m.text.startswith(NOTICE)]
        assert [len(m.split("\n")) for m in told] == [40, 5]
        assert sorted(re.findall(r"«(Việc \d-\d)»: Đang thực hiện", "\n".join(told))) == sorted(
            titles
        )
    before = [len(world.server.messages_to(c)) for c in coordinators]
    await world.dispatch()
    await world.quiet()
    assert [len(world.server.messages_to(c)) for c in coordinators] == before


async def test_a_notice_that_cannot_be_read_does_not_stop_the_others(world):
    await stop_periodic_jobs(world.app)
    coordinator = await world.coordinator()
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm 2026", D(2026, 12, 10))
    async with world.db.session() as session:
        session.add(
            TaskEvent(
                task_id=task_id,
                at=world.clock.now(),
                action="progress",
                notice="{not json",
                notice_state="pending",
            )
        )
        await session.commit()
    user = await world.official("SYT", name="Nguyễn Văn An")
    listing = await world.say(user, "/viec")
    await world.press(user, listing.message_id, world.button_data(listing, "1. ⏳"))
    await world.dispatch()
    told = [m.text for m in world.server.messages_to(coordinator) if m.text.startswith(NOTICE)]
    assert told == [
        texts.NOTIFY_LINE.format(
            who="Nguyễn Văn An",
            agency="Sở Y tế",
            title="Báo cáo năm 2026",
            change=texts.CHANGE_PROGRESS,
        )
    ]
    await world.dispatch()  # and it is not tried again
    assert len([m for m in world.server.messages_to(coordinator) if m.text.startswith(NOTICE)]) == 1


async def test_extension_request_approved_from_the_notice(world):
    await world.agency("Công an tỉnh", code="CA")
    task_id = await add_task(world, "CA", "Báo cáo năm", D(2026, 11, 30))
    coord = await world.coordinator()
    user = await world.official("CA")
    listing = await world.say(user, "/viec")
    before = len(world.server.messages_to(user))
    await world.press(user, listing.message_id, world.button_data(listing, "1. 📅"))
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text == texts.ASK_EXTENSION_DATE.format(title="Báo cáo năm")
    reply = await world.say(user, "15/12/2026", reply_to=ask.message_id)
    assert reply.text == texts.UPDATED_EXTENSION.format(title="Báo cáo năm", date="15/12/2026")
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    approve = world.button_data(notice, "✅")
    answer = await world.press(coord, notice.message_id, approve)
    assert answer.text.startswith(
        texts.EXTENSION_APPROVED_COORD.format(
            title="Báo cáo năm", agency="Công an tỉnh", date="15/12/2026"
        )[:50]
    )
    told = (await world.server.wait_for_messages(user, before + 3))[-1]
    assert told.text == texts.EXTENSION_APPROVED_OFFICIAL.format(
        title="Báo cáo năm", date="15/12/2026"
    )
    task = await get_task(world, task_id)
    assert task.due_date == D(2026, 12, 15) and not task.extension_requested
    # The decided notice loses its buttons; pressing the old button again is refused.
    assert not world.server.bot_message(coord, notice.message_id).reply_markup
    answer = await world.press(coord, notice.message_id, approve, strict=False)
    assert answer.text == texts.EXTENSION_NOT_PENDING


async def test_extension_request_refused(world):
    await world.agency("Công an tỉnh", code="CA")
    task_id = await add_task(world, "CA", "Báo cáo năm", D(2026, 11, 30))
    coord = await world.coordinator()
    user = await world.official("CA")
    card = await world.say(user, "/viec")
    reply = await world.say(user, "xin gia hạn đến 10/12", reply_to=card.message_id)
    assert reply.text == texts.UPDATED_EXTENSION.format(title="Báo cáo năm", date="10/12/2026")
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    before = len(world.server.messages_to(user))
    await world.press(coord, notice.message_id, world.button_data(notice, "❌"))
    told = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert told.text == texts.EXTENSION_REFUSED_OFFICIAL.format(
        title="Báo cáo năm", date="30/11/2026"
    )
    assert (await get_task(world, task_id)).due_date == D(2026, 11, 30)


# --- replies and files -------------------------------------------------------------------


async def test_reply_without_diacritics_marks_done(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    reply = await world.say(user, "da gui bao cao", reply_to=listing.message_id)
    assert reply.text == texts.UPDATED_DONE.format(
        title="Báo cáo năm", status=texts.STATUS["done_on_time"]
    )
    assert (await get_task(world, task_id)).progress == "done"


async def test_unclear_reply_is_asked_back_with_buttons(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    reply = await world.say(user, "để em hỏi lại anh trưởng phòng", reply_to=listing.message_id)
    assert reply.text.startswith(texts.ASK_WHICH_MEANING.format(title="Báo cáo năm"))
    assert len([b for row in reply.reply_markup["inline_keyboard"] for b in row]) == 4
    assert (await get_task(world, task_id)).progress == "open"
    # A reply to that question works like a reply to any task message.
    answer = await world.say(user, "đang thực hiện", reply_to=reply.message_id)
    assert answer.text == texts.UPDATED_PROGRESS.format(title="Báo cáo năm")


async def test_reply_to_list_of_several_tasks_asks_to_use_buttons(world):
    await world.agency("Sở Y tế", code="SYT")
    await add_task(world, "SYT", "Việc A", D(2026, 11, 30))
    await add_task(world, "SYT", "Việc B", D(2026, 12, 30))
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    reply = await world.say(user, "đã xong", reply_to=listing.message_id)
    assert reply.text == texts.ASK_WHICH_TASK


async def test_document_reply_is_the_report_submission(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 20))
    coord = await world.coordinator()
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    reply = await world.send_document(user, "BC_nam_2026.pdf", 48_213, reply_to=listing.message_id)
    assert reply.text == texts.UPDATED_SUBMISSION.format(
        file="BC_nam_2026.pdf", title="Báo cáo năm"
    )
    task = await get_task(world, task_id)
    assert task.progress == "done"
    async with world.db.session() as session:
        sub = await session.scalar(select(Submission).where(Submission.task_id == task_id))
    assert (
        sub is not None
        and sub.file_name == "BC_nam_2026.pdf"
        and sub.file_size == 48_213
        and sub.file_id
    )
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    assert "BC_nam_2026.pdf" in notice.text and texts.STATUS["done_late"] in notice.text


async def test_document_without_reply_is_explained(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    reply = await world.send_document(user, "bao_cao.docx", 1000)
    assert reply.text == texts.FILE_NOT_REPLY


async def test_history_keeps_every_change(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT", name="Nguyễn Văn An")
    card = await world.say(user, "/viec")
    await world.say(user, "đang làm", reply_to=card.message_id)
    await world.say(user, "vướng: chưa có số liệu xã", reply_to=card.message_id)
    await world.say(user, "đã gửi báo cáo", reply_to=card.message_id)
    async with world.db.session() as session:
        events = await task_service.history(session, task_id=task_id)
    changes = [(e.action, e.from_value, e.to_value) for e in events]
    assert changes == [
        ("created", None, "Báo cáo năm"),
        ("progress", "open", "in_progress"),
        ("blocked", "no", "yes"),
        ("progress", "in_progress", "done"),
        ("blocked", "yes", "no"),
    ]
    assert events[2].note == "chưa có số liệu xã"
    assert all(e.actor_name == "Nguyễn Văn An" and e.message_id for e in events[1:])


async def test_quick_answers_from_one_chat_apply_in_order_while_others_run_alongside(world):
    """Updates are handled concurrently (CONCURRENT_UPDATES), but one person's quick
    succession of answers lands in the order it was sent. (On SQLite a handler's statements
    run without giving the loop away, so the order would hold anyway; on PostgreSQL, as in
    CI, every statement awaits the server and this fails without bot/ordering.py.)"""
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Giáo dục và Đào tạo", code="SGD")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    other_id = await add_task(world, "SGD", "Báo cáo quý", D(2026, 12, 15))
    user = await world.official("SYT", name="Nguyễn Văn An")
    other = await world.official("SGD", name="Lê Thị Cúc")
    card = await world.say(user, "/viec")
    other_card = await world.say(other, "/viec")
    before = len(world.server.messages_to(user))
    for text in (
        "đang làm",
        "đã xong",
        "đang thực hiện",
        "đã gửi báo cáo",
    ):  # sent before any answer
        world.server.user_sends(user, user, text, reply_to=card.message_id)
    world.server.user_sends(other, other, "đã xong", reply_to=other_card.message_id)
    answers = await world.server.wait_for_messages(user, before + 4, 5.0)
    assert [m.text for m in answers[before:]] == [
        texts.UPDATED_PROGRESS.format(title="Báo cáo năm"),
        texts.UPDATED_DONE.format(title="Báo cáo năm", status=texts.STATUS["done_on_time"]),
        texts.UPDATED_PROGRESS.format(title="Báo cáo năm"),
        texts.UPDATED_DONE.format(title="Báo cáo năm", status=texts.STATUS["done_on_time"]),
    ]
    async with world.db.session() as session:
        events = await task_service.history(session, task_id=task_id)
    assert [(e.from_value, e.to_value) for e in events if e.action == "progress"] == [
        ("open", "in_progress"),
        ("in_progress", "done"),
        ("done", "in_progress"),
        ("in_progress", "done"),
    ]
    await world.server.wait_for(lambda: len(world.server.messages_to(other)) >= 3, 5.0)
    assert (await get_task(world, other_id)).progress == "done"


# --- coordinators ------------------------------------------------------------------------


async def test_tonghop_summarises_every_agency(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    await add_task(world, "SYT", "Báo cáo quý", D(2026, 11, 20))
    await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 15))
    await add_task(world, "STP", "Tuyên truyền pháp luật", D(2026, 12, 1))
    coord = await world.coordinator()
    user = await world.official("STP")
    card = await world.say(user, "/viec")
    await world.say(user, "vướng: thiếu báo cáo viên", reply_to=card.message_id)
    reply = await world.say(coord, "/tonghop")
    assert texts.SUMMARY_AGENCY.format(agency="Sở Y tế", counts="🕒 1 · 🔴 1") in reply.text
    assert texts.SUMMARY_TOTALS.format(counts="Chưa đến hạn 2, Quá hạn 1") in reply.text
    assert texts.SUMMARY_OVERDUE.format(title="Báo cáo quý", due="20/11/2026") in reply.text
    assert (
        texts.SUMMARY_BLOCKED.format(title="Tuyên truyền pháp luật", note="thiếu báo cáo viên")
        in reply.text
    )


async def test_tonghop_splits_when_long(world):
    for i in range(60):
        await world.agency(
            f"UBND xã số {i:02d} — tên rất dài để kiểm tra việc chia tin nhắn", code=f"X{i:02d}"
        )
        await add_task(world, f"X{i:02d}", "Báo cáo quá hạn với tên dài " * 3, D(2026, 11, 1))
    coord = await world.coordinator()
    messages = await world.say(coord, "/tonghop", expect=2)
    assert all(len(m.text) <= 4096 for m in messages)


# --- authorization ----------------------------------------------------------------------


async def test_stranger_is_refused_and_nothing_changes(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT")
    await world.say(user, "/viec")
    before = await snapshot(world)
    stranger = world.person("Người Lạ")
    assert (await world.say(stranger, "/viec")).text == texts.NOT_LINKED
    assert (await world.say(stranger, "/tonghop")).text == texts.COORDINATOR_ONLY
    # A stranger cannot see the official's message, but can forge its data.
    world.server.add_group(-2000, "Nhóm lạ", [stranger])
    fake = await world.say(-2000, "/help", user_id=stranger)
    answer = await world.press(
        -2000, fake.message_id, f"t:{task_id}:d", user_id=stranger, strict=False
    )
    assert answer.text == texts.NOT_LINKED
    assert await snapshot(world) == before


async def test_official_of_another_agency_cannot_touch_the_task(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    other = await world.official("STP")
    own = await world.say(other, "/viec")
    before = await snapshot(world)
    for action in "dpbe":
        answer = await world.press(other, own.message_id, f"t:{task_id}:{action}", strict=False)
        assert answer.text == texts.NOT_YOUR_TASK
    assert await snapshot(world) == before


async def test_official_cannot_use_coordinator_commands_or_buttons(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT")
    card = await world.say(user, "/viec")
    await world.say(user, "xin gia hạn đến 20/12/2026", reply_to=card.message_id)
    before = await snapshot(world)
    assert (await world.say(user, "/tonghop")).text == texts.COORDINATOR_ONLY
    answer = await world.press(user, card.message_id, f"xa:{task_id}:20261220", strict=False)
    assert answer.text == texts.COORDINATOR_ONLY
    assert await snapshot(world) == before


# --- bad input ----------------------------------------------------------------------------


async def test_bad_input_gets_short_clear_answers(world):
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    user = await world.official("SYT")
    card = await world.say(user, "/viec")
    before = await snapshot(world)
    assert (await world.say(user, "x" * 10_000)).text == texts.TOO_LONG.format(limit=1000)
    assert (
        await world.say(user, "đã xong " * 2000, reply_to=card.message_id)
    ).text == texts.TOO_LONG.format(limit=1000)
    assert (await world.say(user, "/xoahet")).text == texts.UNKNOWN_COMMAND
    assert (
        await world.say(user, "xin gia hạn đến 31/02/2027", reply_to=card.message_id)
    ).text == texts.EXTENSION_DATE_INVALID
    assert (
        await world.say(user, "xin gia hạn đến 01/11/2026", reply_to=card.message_id)
    ).text == texts.EXTENSION_DATE_PAST
    greeting = await world.say(user, "chào bot")
    assert greeting.text == texts.PLAIN_MESSAGE_HINT
    assert (
        await world.say(user, "đã xong", reply_to=greeting.message_id)
    ).text == texts.REPLY_NOT_ABOUT_TASK
    forwarded = await world.say(user, "đã xong", reply_to=card.message_id, forward_from=user)
    assert forwarded.text == texts.FORWARDED_IGNORED
    sent = world.server.user_sends(user, user, "đang làm", reply_to=card.message_id)
    await world.server.wait_for_messages(user, len(world.server.messages_to(user)) + 1)
    before_edit = len(world.server.messages_to(user))
    world.server.user_edits(user, sent["message_id"], "đã xong")
    edited = (await world.server.wait_for_messages(user, before_edit + 1))[-1]
    assert edited.text == texts.EDITED_IGNORED
    for data in ("t:abc:d", "t:1:z", "garbage", "x" * 64):
        answer = await world.press(user, card.message_id, data, strict=False)
        assert answer.text == texts.BAD_BUTTON
    answer = await world.press(user, card.message_id, "t:999999:d", strict=False)
    assert answer.text == texts.STALE_BUTTON
    task = await get_task(world, task_id)
    assert task.progress == "in_progress"  # only the one valid reply changed anything
    assert (await snapshot(world))[-1][1] == before[-1][1] + 1


async def test_missing_set_my_commands_does_not_stop_the_bot(settings, db):
    from fake_telegram import FakeTelegram
    from tests.harness import World, running_app

    server = FakeTelegram(missing_methods={"setMyCommands"})
    await server.start()
    try:
        settings = settings.model_copy(update={"telegram_api_base_url": server.base_url})
        async with running_app(settings, db) as app:
            world = World(app=app, server=server, db=db, clock=None, settings=settings)  # type: ignore[arg-type]
            user = world.person("Ngô Thị Yến")
            assert (await world.say(user, "/start")).text == texts.START_ABOUT
    finally:
        await server.stop()


async def test_command_menu_is_published(world):
    commands = await world.server.wait_for(lambda: world.server.commands, 5.0)
    published = [c["command"] for menu in commands.values() for c in menu]
    assert "viec" in published and "help" in published


async def test_two_officials_changing_one_task_at_once_leave_an_unbroken_history(world, db):
    """Changes that race (two people of one agency, each in their own transaction) are
    applied one after the other: each history row starts where the previous one ended, as
    the conditional UPDATE re-reads a task someone changed meanwhile."""
    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 11, 30))
    first, second = (
        await world.official("SYT", name="Nguyễn Văn An"),
        await world.official("SYT", name="Lê Thị Cúc"),
    )
    actors = []
    async with db.session() as session:
        from services import invites

        for chat in (first, second):
            me = await invites.identify(session, chat_id=chat)
            actors.append(
                task_service.Actor(contact=me.contact, user_id=chat, name=str(chat), chat_id=chat)
            )

    async def change(i: int) -> str:
        async with db.session() as session:
            try:
                await task_service.apply_action(
                    session,
                    actor=actors[i % 2],
                    task_id=task_id,
                    action="done" if i % 3 else "progress",
                )
            except DomainError as error:  # lost every retry: the person is asked to try again
                return error.code
            return "applied"

    outcomes = await asyncio.gather(*(change(i) for i in range(8)))
    assert set(outcomes) <= {"applied", "busy"} and "applied" in outcomes
    async with db.session() as session:
        events = [
            e
            for e in await task_service.history(session, task_id=task_id)
            if e.action == "progress"
        ]
    assert events, "some changes were applied"
    assert events[0].from_value == "open"
    for before, after in itertools.pairwise(events):
        assert after.from_value == before.to_value != after.to_value
    assert (await get_task(world, task_id)).progress == events[-1].to_value


async def test_sukien_adds_an_event_and_a_forum_brings_its_report(world):
    coordinator = await world.coordinator()
    answer = await world.say(coordinator, "/sukien 15/07/2027 dien dan tre em cap tinh")
    assert answer.text == texts.EVENT_ADDED_CHAT.format(
        name="dien dan tre em cap tinh", date="15/07/2027", leads="30, 14, 7, 0"
    )
    await world.say(coordinator, "/sukien 20/09/2027 Hội nghị sơ kết")
    async with world.db.session() as session:
        rows = (
            await session.execute(
                sa.select(Event.key, Event.start, Event.kind)
                .where(Event.source == "custom")
                .order_by(Event.start)
            )
        ).all()
    assert [("custom" if k.startswith("custom-") else k, s, kind) for k, s, kind in rows] == [
        ("children_forum", D(2027, 7, 15), "event"),
        ("forum_report", D(2027, 7, 30), "report"),  # 15 days after the forum
        ("custom", D(2027, 9, 20), "event"),
    ]
    await world.agency("Sở Y tế", code="SYT")
    official = await world.official("SYT")
    refused = await world.say(official, "/sukien 01/08/2027 Việc riêng")
    assert refused.text == texts.COORDINATOR_ONLY


async def test_what_a_message_is_about_is_read_once_linked_and_kept_only_then(db, monkeypatch):
    """A reply may come before its message's link is committed: not found is not kept,
    found is kept (up to SUBJECTS_KEPT), per database."""
    async with db.session() as session:
        assert await task_service.message_subject(session, chat_id=7, message_id=1) is None
        await session.execute(
            sa.text(
                "INSERT INTO agency (id, code, name, name_key, requested, created_at) "
                "VALUES (1, 'A', 'A', 'a', false, '2026-11-23 02:00:00')"
            )
        )
        await session.commit()
        view = await task_service.add_task(session, agency_ref="A", title="Việc", due_date=None)
        await task_service.link_message(
            session, chat_id=7, message_id=1, task_ids=[view.id], purpose="card"
        )
        found = await task_service.message_subject(session, chat_id=7, message_id=1)
        assert found is not None and found.task_ids == (view.id,)
        monkeypatch.setattr(task_service, "SUBJECTS_KEPT", 2)
        for message_id in (2, 3, 4):
            await task_service.link_message(
                session, chat_id=7, message_id=message_id, task_ids=[view.id]
            )
            assert (
                await task_service.message_subject(session, chat_id=7, message_id=message_id)
                is not None
            )
        assert len(task_service._subjects.of(session)) == 2
