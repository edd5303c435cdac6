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
    assert reply.text == texts.INVITE_WRONG


async def test_expired_and_unknown_invites_are_refused(world):
    await world.agency("Sở Tư pháp", code="STP")
    code = await world.invite("STP", days=14)
    world.clock.advance(dt.timedelta(days=15))
    user = world.person("Vũ Thị Giang")
    reply = await world.say(user, f"/start {code}")
    assert reply.text == texts.INVITE_WRONG
    reply = await world.say(user, "/start khongcoma123")
    assert reply.text == texts.INVITE_WRONG
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
    assert texts.STATE_OVERDUE.format(days=3, date="20/11/2026") in text
    assert texts.days_left(22) in text and "15/12/2026" in text
    assert texts.STATE_STANDING in text and texts.STATUS["not_due"] + " · còn 22" in text
    # One button per task, saying which task it opens.
    assert world.labels(listing) == ["1. Báo cáo quý", "2. Báo cáo năm", "3. Tổ chức diễn đàn"]
    buttons = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


async def test_long_task_list_is_one_screen_paged_in_place(world):
    await world.agency("UBND xã Phước Dinh", code="PD")
    for i in range(40):
        await add_task(
            world,
            "PD",
            f"Nhiệm vụ số {i:02d}: " + "tuyên truyền phòng chống xâm hại trẻ em " * 8,
            D(2026, 12, 1) + dt.timedelta(days=i),
        )
    user = await world.official("PD")
    listing = await world.say(user, "/viec")
    await world.quiet()
    assert len(world.server.messages_to(user)) == 2  # the link answer, then one list
    pages = [listing.text]
    assert (
        texts.TASKS_HEAD_PAGES.format(agency="UBND xã Phước Dinh", count=40, page=1, pages=5)
        in listing.text
    )
    assert texts.BTN_PAGE_PREV not in world.labels(listing)
    page = listing
    for _ in range(4):
        _, page = await world.tap(user, page, texts.BTN_PAGE_NEXT)
        pages.append(page.text)
    assert texts.BTN_PAGE_NEXT not in world.labels(page)
    assert all(len(p) <= 1500 for p in pages)
    shown = "".join(pages)
    assert all(f"Nhiệm vụ số {i:02d}" in shown for i in range(40))
    assert world.labels(page)[0].startswith("33. Nhiệm vụ số 32")
    _, back = await world.tap(user, page, texts.BTN_PAGE_PREV)
    assert back.text == pages[3]


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
    card = await world.open_task(user, listing, 1)
    assert card.text.startswith(texts.TASK_CARD_NUMBER.format(n=1, count=1) + "📌 Báo cáo năm")
    assert world.labels(card) == [
        texts.BTN_DONE,
        texts.BTN_PROGRESS,
        texts.BTN_BLOCKED,
        texts.BTN_EXTEND,
        texts.BTN_BACK_TO_LIST,
    ]
    answer, edited = await world.tap(user, card, texts.BTN_DONE)
    assert answer.text.startswith("✅") and len(answer.text) < 200
    assert texts.STATUS["done_on_time"] in edited.text
    assert texts.BTN_BACK_TO_LIST in world.labels(edited)  # still the card, in the list
    _, back = await world.tap(user, edited, texts.BTN_BACK_TO_LIST)
    assert "1. Báo cáo năm 2026" in back.text and texts.STATUS["done_on_time"] in back.text
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
    card = await world.open_task(user, listing, 1)
    before = len(world.server.messages_to(user))
    await world.tap(user, card, texts.BTN_BLOCKED)
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
        listing = await world.say(user, "/viec")  # 9 tasks: 8, then 1 on the second page
        for n in range(1, 10):
            if n == 9:
                _, listing = await world.tap(user, listing, texts.BTN_PAGE_NEXT)
            card = await world.open_task(user, listing, n)
            _, card = await world.tap(user, card, texts.BTN_PROGRESS)
            _, listing = await world.tap(user, card, texts.BTN_BACK_TO_LIST)
    await world.dispatch()
    for coordinator in coordinators:
        told = [m.text for m in world.server.messages_to(coordinator) if m.text.startswith(NOTICE)]
        # Short lines, as many to a message as fit a phone's screen.
        assert len(told) == 2 and all(len(m) <= 1500 for m in told)
        assert sum(len(m.split("\n")) for m in told) == 45
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
    card = await world.open_task(user, listing, 1)
    await world.tap(user, card, texts.BTN_PROGRESS)
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
    card = await world.open_task(user, listing, 1)
    before = len(world.server.messages_to(user))
    await world.tap(user, card, texts.BTN_EXTEND)
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text == texts.ASK_EXTENSION_DATE.format(
        title="Báo cáo năm", example=texts.example_date()
    )
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
    assert reply.text.startswith(
        texts.ASK_WHICH_MEANING.format(title="Báo cáo năm", example=texts.example_date(short=True))
    )
    assert len([b for row in reply.reply_markup["inline_keyboard"] for b in row]) == 4
    assert (await get_task(world, task_id)).progress == "open"
    # A reply to that question works like a reply to any task message.
    answer = await world.say(user, "đang thực hiện", reply_to=reply.message_id)
    assert answer.text == texts.UPDATED_PROGRESS.format(title="Báo cáo năm")


async def test_reply_to_list_of_several_tasks_asks_which_and_applies_it_as_written(world):
    await world.agency("Sở Y tế", code="SYT")
    first = await add_task(world, "SYT", "Việc A", D(2026, 11, 30))
    second = await add_task(world, "SYT", "Việc B", D(2026, 12, 30))
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    before = await snapshot(world)
    question = await world.say(user, "vướng: chưa có số liệu", reply_to=listing.message_id)
    assert question.text.startswith(texts.ASK_WHICH_TASK.format(text="vướng: chưa có số liệu"))
    assert world.labels(question) == ["1. Việc A", "2. Việc B"]
    assert await snapshot(world) == before  # nothing applied until the person picks
    data = world.button_data(question, "2. ")
    answer, done = await world.tap(user, question, "2. ")
    told = texts.UPDATED_BLOCKED.format(title="Việc B", note="chưa có số liệu")
    assert answer.text == told and done.text.endswith(told) and not world.labels(done)
    task = await get_task(world, second)
    assert task.blocked and task.block_note == "chưa có số liệu"
    assert not (await get_task(world, first)).blocked
    # The question cannot be answered twice.
    again = await world.press(user, question.message_id, data, strict=False)
    assert again.text == texts.HELD_DONE_BEFORE


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
    # The coordinator gets the file itself, with a short caption.
    notice = (await world.server.wait_for_messages(coord, 2))[-1]
    assert notice.method == "sendDocument" and notice.document["file_id"] == sub.file_id
    assert "BC_nam_2026.pdf" in notice.caption and texts.STATUS["done_late"] in notice.caption


async def test_document_without_reply_and_nothing_open_is_explained(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    before = await snapshot(world)
    reply = await world.send_document(user, "bao_cao.docx", 1000)
    assert reply.text == texts.FILE_NO_OPEN_TASK.format(file="bao_cao.docx")
    assert await snapshot(world) == before


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


async def test_tonghop_is_one_message_with_totals_and_a_button_per_body(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    await add_task(world, "SYT", "Báo cáo quý", D(2026, 11, 20))
    await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 15))
    await add_task(world, "SYT", "Tuyên truyền thường xuyên", None)
    await add_task(world, "STP", "Tuyên truyền pháp luật", D(2026, 12, 1))
    coord = await world.coordinator()
    user = await world.official("STP")
    card = await world.say(user, "/viec")
    await world.say(user, "vướng: thiếu báo cáo viên", reply_to=card.message_id)
    reply = await world.say(coord, "/tonghop")
    await world.quiet()
    answers = [m.text for m in world.server.messages_to(coord) if not m.text.startswith(NOTICE)]
    assert answers[-1] == reply.text  # one message
    assert (
        texts.SUMMARY_DATED.format(count=3, counts="🔴 Quá hạn 1 · 🕒 Chưa đến hạn 2") in reply.text
    )
    # The standing duty is counted apart, never as «Chưa đến hạn».
    assert texts.SUMMARY_STANDING.format(count=1, done=0, open=1) in reply.text
    assert texts.SUMMARY_BEHIND_ROW.format(n=1, agency="Sở Y tế", counts="🔴 1 · 🕒 1 · 🔁 1") in (
        reply.text
    )
    assert world.labels(reply) == ["1. Sở Y tế", "2. Sở Tư pháp"]
    _, detail = await world.tap(coord, reply, "1. Sở Y tế")
    assert texts.SUMMARY_OVERDUE.format(title="Báo cáo quý", due="20/11/2026", days=3) in (
        detail.text
    )
    _, back = await world.tap(coord, detail, texts.BTN_BACK_TO_SUMMARY)
    assert back.text == reply.text
    _, other = await world.tap(coord, back, "2. Sở Tư pháp")
    assert (
        texts.SUMMARY_BLOCKED.format(title="Tuyên truyền pháp luật", note="thiếu báo cáo viên")
        in other.text
    )


async def test_tonghop_for_many_bodies_pages_in_place(world):
    for i in range(60):
        await world.agency(
            f"UBND xã số {i:02d} — tên rất dài để kiểm tra việc chia tin nhắn", code=f"X{i:02d}"
        )
        await add_task(
            world, f"X{i:02d}", "Báo cáo quá hạn với tên dài " * 3, D(2026, 11, 1 + i % 20)
        )
    coord = await world.coordinator()
    first = await world.say(coord, "/tonghop")
    await world.quiet()
    assert len(world.server.messages_to(coord)) == 2  # the link answer, then one summary
    assert len(first.text) <= 1500
    assert texts.SUMMARY_BEHIND_HEAD.format(page=1, pages=6) in first.text
    _, second = await world.tap(coord, first, texts.BTN_PAGE_NEXT)
    assert texts.SUMMARY_BEHIND_HEAD.format(page=2, pages=6) in second.text
    assert "11. UBND xã số" in second.text and len(second.text) <= 1500


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
    ).text == texts.EXTENSION_DATE_INVALID.format(example=texts.example_date())
    assert (
        await world.say(user, "xin gia hạn đến 31/12/9999", reply_to=card.message_id)
    ).text == texts.DATE_OUT_OF_RANGE.format(first=2025, last=2036, example="23/12/2026")
    # A date gone is not refused: the bot asks, and nothing changes until the person picks.
    asked = await world.say(user, "xin gia hạn đến 01/11/2026", reply_to=card.message_id)
    assert asked.text.startswith(
        texts.ASK_DATE_FOR.format(title="Báo cáo năm")
        + texts.ASK_DATE_PAST.format(date="01/11/2026", suggested="01/11/2027")
    )
    assert world.labels(asked) == [
        texts.BTN_DATE_YES.format(date="01/11/2027"),
        texts.BTN_DATE_OTHER,
    ]
    greeting = await world.say(user, "chào bot")
    assert greeting.text == texts.PLAIN_MESSAGE_HINT.format(example=texts.example_date(short=True))
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
