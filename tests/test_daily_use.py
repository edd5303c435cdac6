"""A day with the bot as officials and coordinators live it (issue 13's chat side): one
screen per message, answers in any natural form, dates as people write them, standing
duties, files that reach the coordinator, broadcasts that say who sends them. Everything
goes through the fake Bot API server; what is asserted is what a person sees."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from bot import render, texts
from db.models import Event, Submission, Task
from services import tasks as task_service
from services.clock import VN_TZ
from tests.harness import NOTICE, stop_periodic_jobs
from tests.test_core_loop import add_task, get_task, snapshot

D = dt.date


def at(day: D, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN_TZ)


def emoji_only(label: str) -> bool:
    return not any(ch.isalnum() for ch in label)


async def three_tasks(world, code: str = "SYT") -> list[int]:
    await world.agency("Sở Y tế", code=code)
    return [
        await add_task(world, code, "Báo cáo 6 tháng", D(2026, 12, 10)),
        await add_task(world, code, "Báo cáo năm", D(2026, 12, 20)),
        await add_task(world, code, "Tuyên truyền phòng, chống xâm hại trẻ em", None),
    ]


# --- 1. /viec: one screen, a card per task -------------------------------------------------


async def test_a_card_opened_from_the_list_takes_replies_and_standing_duties_have_no_extension(
    world,
):
    ids = await three_tasks(world)
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    assert not any(emoji_only(label) for label in world.labels(listing))
    card = await world.open_task(user, listing, 3)
    assert texts.TASK_CARD_HINT_STANDING in card.text and texts.NO_DUE in card.text
    # A standing duty has no deadline to extend.
    assert world.labels(card) == [
        texts.BTN_DONE,
        texts.BTN_PROGRESS,
        texts.BTN_BLOCKED,
        texts.BTN_BACK_TO_LIST,
    ]
    # A reply to the list, now showing this card, is about this task.
    reply = await world.say(user, "đang thực hiện", reply_to=listing.message_id)
    assert reply.text == texts.UPDATED_PROGRESS.format(
        title="Tuyên truyền phòng, chống xâm hại trẻ em"
    )
    assert (await get_task(world, ids[2])).progress == "in_progress"
    assert (await get_task(world, ids[0])).progress == "open"


async def test_help_says_what_is_true(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    shown = (await world.say(user, "/help")).text
    for label in (texts.BTN_DONE, texts.BTN_PROGRESS, texts.BTN_BLOCKED, texts.BTN_EXTEND):
        assert label in shown
    assert "«việc 2 đã xong»" in shown and "ngay dưới mỗi nhiệm vụ" not in shown
    coord = await world.coordinator()
    assert "/baocao" in (await world.say(coord, "/help")).text


# --- 2. answers in any natural form ---------------------------------------------------------


async def test_plain_message_with_one_open_task_is_applied(world):
    await world.agency("Sở Tư pháp", code="STP")
    task_id = await add_task(world, "STP", "Báo cáo năm", D(2026, 12, 20))
    user = await world.official("STP")
    reply = await world.say(user, "đã gửi báo cáo rồi ạ")
    assert reply.text == texts.UPDATED_DONE.format(
        title="Báo cáo năm", status=texts.STATUS["done_on_time"]
    )
    assert (await get_task(world, task_id)).progress == "done"


async def test_plain_message_names_its_task_by_number_or_by_words(world):
    ids = await three_tasks(world)
    user = await world.official("SYT")
    await world.say(user, "/viec")
    reply = await world.say(user, "việc 2 đã xong")
    assert reply.text == texts.UPDATED_DONE.format(
        title="Báo cáo năm", status=texts.STATUS["done_on_time"]
    )
    reply = await world.say(user, "tuyên truyền đang thực hiện ạ")
    assert reply.text == texts.UPDATED_PROGRESS.format(
        title="Tuyên truyền phòng, chống xâm hại trẻ em"
    )
    assert [(await get_task(world, i)).progress for i in ids] == ["open", "done", "in_progress"]


async def test_plain_message_about_no_task_in_particular_is_asked_which_and_kept(world):
    ids = await three_tasks(world)
    user = await world.official("SYT")
    before = await snapshot(world)
    question = await world.say(user, "vướng: chưa nhận được số liệu của các xã")
    assert question.text.startswith(
        texts.ASK_WHICH_TASK.format(text="vướng: chưa nhận được số liệu của các xã")
    )
    assert world.labels(question) == [
        "1. Báo cáo 6 tháng",
        "2. Báo cáo năm",
        "3. Tuyên truyền phòng, chống xâm…",
    ]
    assert await snapshot(world) == before
    answer, done = await world.tap(user, question, "1. ")
    assert answer.text == texts.UPDATED_BLOCKED.format(
        title="Báo cáo 6 tháng", note="chưa nhận được số liệu của các xã"
    )
    task = await get_task(world, ids[0])
    assert task.blocked and task.block_note == "chưa nhận được số liệu của các xã"
    # A number the list does not have is asked about too.
    asked = await world.say(user, "việc 9 đã xong")
    assert asked.text.startswith(texts.ASK_WHICH_NUMBER.format(n=9, text="việc 9 đã xong"))
    # Something that is no answer gets the hint, with an example made from today.
    hint = await world.say(user, "chào anh")
    assert hint.text == texts.PLAIN_MESSAGE_HINT.format(example="23/12")


async def test_a_file_sent_without_reply_is_asked_which_and_filed(world):
    ids = await three_tasks(world)
    coord = await world.coordinator()
    user = await world.official("SYT")
    question = await world.send_document(user, "BC_6_thang.docx", 52_000)
    assert question.text.startswith(texts.ASK_WHICH_FILE.format(file="BC_6_thang.docx"))
    answer, _ = await world.tap(user, question, "1. ")
    assert answer.text == texts.UPDATED_SUBMISSION.format(
        file="BC_6_thang.docx", title="Báo cáo 6 tháng"
    )
    assert (await get_task(world, ids[0])).progress == "done"
    notice = await world.server.wait_for(
        lambda: next(
            (m for m in world.server.messages_to(coord) if m.method == "sendDocument"), None
        )
    )
    assert "BC_6_thang.docx" in notice.caption


async def test_many_open_tasks_are_offered_a_page_at_a_time(world):
    await world.agency("UBND xã Phước Dinh", code="PD")
    for i in range(12):
        await add_task(world, "PD", f"Nhiệm vụ thường xuyên số {i + 1}", None)
    user = await world.official("PD")
    question = await world.say(user, "đã thực hiện xong")
    assert len(world.labels(question)) == render.PAGE_SIZE + 1  # a page, and ▶
    _, second = await world.tap(user, question, texts.BTN_PAGE_NEXT)
    assert world.labels(second)[0] == "9. Nhiệm vụ thường xuyên số 9"
    answer, _ = await world.tap(user, second, "12. ")
    assert answer.text.startswith("✅") and "số 12" in answer.text


# --- 3. dates as people write them ------------------------------------------------------


async def test_a_date_just_gone_is_offered_for_next_year_and_another_can_be_typed(world):
    world.clock.set(at(D(2026, 12, 2)))
    await world.agency("Công an tỉnh", code="CA")
    task_id = await add_task(world, "CA", "Báo cáo năm", D(2026, 12, 15))
    coord = await world.coordinator()
    user = await world.official("CA")
    card = await world.say(user, "/viec")
    before = await snapshot(world)
    asked = await world.say(user, "xin gia hạn đến 30/11", reply_to=card.message_id)
    assert asked.text.startswith(
        texts.ASK_DATE_FOR.format(title="Báo cáo năm")
        + texts.ASK_DATE_JUST_GONE.format(day="30/11", date="30/11/2026", suggested="30/11/2027")
    )
    assert await snapshot(world) == before
    answer, _ = await world.tap(user, asked, texts.BTN_DATE_YES.format(date="30/11/2027"))
    assert answer.text == texts.UPDATED_EXTENSION.format(title="Báo cáo năm", date="30/11/2027")
    assert (await get_task(world, task_id)).extension_date == D(2027, 11, 30)
    # A year written in full and gone: asked the same way; «Ngày khác» lets them type one.
    notice = await world.server.wait_for(
        lambda: next(
            (m for m in world.server.messages_to(coord) if m.reply_markup and "gia hạn" in m.text),
            None,
        )
    )
    await world.tap(coord, notice, texts.BTN_REFUSE)
    refused = texts.EXTENSION_REFUSED_OFFICIAL.split("{")[0]
    await world.server.wait_for(
        lambda: any(m.text.startswith(refused) for m in world.server.messages_to(user))
    )
    asked = await world.say(user, "xin gia hạn đến 30/11/2026", reply_to=card.message_id)
    assert texts.ASK_DATE_PAST.format(date="30/11/2026", suggested="30/11/2027") in asked.text
    before = len(world.server.messages_to(user))
    await world.tap(user, asked, texts.BTN_DATE_OTHER)
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text == texts.ASK_EXTENSION_DATE.format(title="Báo cáo năm", example="01/01/2027")
    done = await world.say(user, "15/1", reply_to=ask.message_id)
    assert done.text == texts.UPDATED_EXTENSION.format(title="Báo cáo năm", date="15/01/2027")


async def test_dates_out_of_range_get_a_clear_answer_and_change_nothing(world):
    await world.agency("Công an tỉnh", code="CA")
    await add_task(world, "CA", "Báo cáo năm", D(2026, 11, 30))
    coord = await world.coordinator()
    user = await world.official("CA")
    card = await world.say(user, "/viec")
    await world.say(user, "xin gia hạn đến 20/12/2026", reply_to=card.message_id)
    notice = await world.server.wait_for(
        lambda: next((m for m in world.server.messages_to(coord) if m.reply_markup), None)
    )
    before = await snapshot(world)
    out_of_range = texts.DATE_OUT_OF_RANGE.format(first=2025, last=2036, example="23/12/2026")
    reply = await world.say(user, "xin gia hạn đến 31/12/9999", reply_to=card.message_id)
    assert reply.text == out_of_range
    # The coordinator's «Ngày khác» is checked the same way.
    sent = len(world.server.messages_to(coord))
    await world.tap(coord, notice, texts.BTN_OTHER_DATE)
    ask = (await world.server.wait_for_messages(coord, sent + 1))[-1]
    assert ask.text == texts.ASK_APPROVE_DATE.format(
        title="Báo cáo năm", agency="Công an tỉnh", example="23/12/2026"
    )
    assert (await world.say(coord, "25/12/9999", reply_to=ask.message_id)).text == out_of_range
    # /sukien too.
    assert (await world.say(coord, "/sukien 31/12/9999 Diễn đàn")).text == out_of_range
    assert await snapshot(world) == before
    # A gone date for the approval is asked about, then approved as picked.
    asked = await world.say(coord, "20/11/2026", reply_to=ask.message_id)
    assert texts.ASK_DATE_PAST.format(date="20/11/2026", suggested="20/11/2027") in asked.text
    answer, _ = await world.tap(coord, asked, texts.BTN_DATE_YES.format(date="20/11/2027"))
    assert answer.text == texts.EXTENSION_APPROVED_COORD.format(
        title="Báo cáo năm", agency="Công an tỉnh", date="20/11/2027"
    )


async def test_sukien_with_a_date_gone_asks_and_adds_the_one_picked(world):
    coord = await world.coordinator()
    asked = await world.say(coord, "/sukien 15/07/2026 Diễn đàn trẻ em tỉnh")
    assert texts.ASK_DATE_PAST.format(date="15/07/2026", suggested="15/07/2027") in asked.text
    answer, _ = await world.tap(coord, asked, texts.BTN_DATE_YES.format(date="15/07/2027"))
    assert answer.text.startswith(
        texts.EVENT_ADDED_CHAT.format(
            name="Diễn đàn trẻ em tỉnh", date="15/07/2027", leads="30, 14, 7, 0"
        )[:60]
    )
    async with world.db.session() as session:
        starts = (await session.scalars(select(Event.start).where(Event.source == "custom"))).all()
    assert D(2027, 7, 15) in starts
    # Yearless, it is the next 15/7.
    added = await world.say(coord, "/sukien 20/9 Hội nghị sơ kết")
    assert "20/09/2027" in added.text


async def test_examples_are_made_from_today(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    first = (await world.say(user, "/help")).text
    assert "«xin gia hạn đến 23/12»" in first
    world.clock.set(at(D(2027, 3, 1)))
    later = (await world.say(user, "/help")).text
    assert "«xin gia hạn đến 31/03»" in later


# --- 4. standing duties ------------------------------------------------------------------------


async def test_standing_duties_are_asked_about_before_each_report_deadline(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Tư pháp", code="STP")
    async with world.db.session() as session:
        report = await task_service.add_task(
            session, agency_ref="STP", title="Báo cáo năm", due_date=D(2026, 12, 15), kind="report"
        )
        duties = [
            (await task_service.add_task(session, agency_ref="STP", title=title, due_date=None)).id
            for title in ("Tuyên truyền Luật Trẻ em", "Trợ giúp pháp lý cho trẻ em")
        ]
    user = await world.official("STP", name="Lê Thị Cúc")
    # Seven days ahead (08/12 is a Tuesday), at reminder time.
    world.clock.set(at(D(2026, 12, 8), 8, 1))
    before = len(world.server.messages_to(user))
    await world.dispatch()
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text.startswith(
        texts.STANDING_HEAD.format(
            agency="Sở Tư pháp", report="Báo cáo năm", date="15/12/2026", count=2
        )
    )
    assert world.labels(ask) == ["1. Tuyên truyền Luật Trẻ em", "2. Trợ giúp pháp lý cho trẻ em"]
    reply = await world.say(user, "việc 2 đang thực hiện", reply_to=ask.message_id)
    assert reply.text == texts.UPDATED_PROGRESS.format(title="Trợ giúp pháp lý cho trẻ em")
    assert (await get_task(world, duties[1])).progress == "in_progress"
    # Once the report is in, the next check-in is not sent.
    async with world.db.session() as session:
        rows = (
            await session.execute(
                sa.text("SELECT state FROM outbox WHERE kind = 'standing' AND task_id = :t"),
                {"t": report.id},
            )
        ).all()
    assert [r[0] for r in rows] == ["sent"]


# --- 5. every message fits a phone ------------------------------------------------------------

LONG = "Tuyên truyền, phổ biến pháp luật về quyền trẻ em và phòng, chống xâm hại trẻ em " * 64


async def test_a_5000_character_title_is_cut_in_every_message_and_its_buttons_work(world):
    await stop_periodic_jobs(world.app)
    assert len(LONG) > 5000
    await world.agency("Sở Giáo dục và Đào tạo", code="SGD")
    task_id = await add_task(world, "SGD", LONG, D(2026, 11, 30))
    coord = await world.coordinator()
    user = await world.official("SGD")
    world.clock.set(at(D(2026, 11, 27), 8, 1))  # the reminder 3 days ahead
    await world.dispatch()
    reminder = world.server.last_message(user)
    assert reminder.text.startswith(texts.REMINDER_HEAD.format(agency="Sở Giáo dục và Đào tạo"))
    assert len(reminder.text) <= render.MESSAGE_LIMIT and "…" in reminder.text
    async with world.db.session() as session:
        states = (
            await session.scalars(sa.text("SELECT state FROM outbox WHERE kind = 'reminder'"))
        ).all()
    assert "sent" in states and "failed" not in states
    answer = await world.press(
        user, reminder.message_id, world.button_data(reminder, texts.BTN_DONE)
    )
    assert len(answer.text) < 200 and "em Tuyên…\n" in answer.text  # cut at a word
    before = len(world.server.messages_to(user))
    await world.press(user, reminder.message_id, world.button_data(reminder, texts.BTN_PROGRESS))
    listing = await world.say(user, "/viec")
    card = await world.open_task(user, listing, 1)
    await world.tap(user, card, texts.BTN_BLOCKED)
    ask = (await world.server.wait_for_messages(user, before + 2))[-1]
    assert len(ask.text) <= render.MESSAGE_LIMIT
    assert all(len(m.text or m.caption or "") <= render.MESSAGE_LIMIT for m in world.server.sent)
    await world.dispatch()
    notices = [m.text for m in world.server.messages_to(coord) if m.text.startswith(NOTICE)]
    assert notices and all(len(line) < 300 for m in notices for line in m.split("\n"))
    async with world.db.session() as session:
        assert (await session.get(Task, task_id)).title == " ".join(LONG.split())


async def test_tonghop_for_500_bodies_of_20_tasks_is_one_message_that_pages(world):
    now = world.clock.now()
    async with world.db.session() as session:
        await session.execute(
            sa.text(
                "INSERT INTO agency (id, code, name, name_key, requested, created_at) "
                "VALUES (:id, :code, :name, :key, false, :at)"
            ),
            [
                {
                    "id": i,
                    "code": f"X{i}",
                    "name": f"UBND xã số {i:03d}",
                    "key": f"ubnd xa so {i:03d}",
                    "at": now.replace(tzinfo=None),
                }
                for i in range(1, 501)
            ],
        )
        await session.execute(
            sa.text(
                "INSERT INTO task (agency_id, kind, title, due_date, progress, blocked, "
                "extension_requested, created_at, updated_at) VALUES (:a, 'task', :t, :d, "
                "'open', false, false, :at, :at)"
            ),
            [
                {
                    "a": i,
                    "t": f"Nhiệm vụ {j}",
                    "d": D(2026, 11, 1 + j) if j < 4 else None,
                    "at": now.replace(tzinfo=None),
                }
                for i in range(1, 501)
                for j in range(20)
            ],
        )
        await session.commit()
    coord = await world.coordinator()
    summary = await world.say(coord, "/tonghop", timeout=30)
    await world.quiet(1.0)
    answers = [m for m in world.server.messages_to(coord) if not m.text.startswith(NOTICE)]
    assert len(answers) == 2  # the link answer, then the summary: one message
    assert len(summary.text) <= render.MESSAGE_LIMIT
    assert texts.SUMMARY_STANDING.format(count=8000, done=0, open=8000) in summary.text
    assert texts.SUMMARY_BEHIND_HEAD.format(page=1, pages=50) in summary.text
    _, page = await world.tap(coord, summary, texts.BTN_PAGE_NEXT)
    assert texts.SUMMARY_BEHIND_HEAD.format(page=2, pages=50) in page.text


async def test_quahan_is_grouped_by_body_and_pages(world):
    for i in range(40):
        await world.agency(f"UBND xã số {i:02d}", code=f"X{i:02d}")
        for title, due in (("Báo cáo 6 tháng", D(2026, 11, 10)), ("Báo cáo quý", D(2026, 11, 20))):
            await add_task(world, f"X{i:02d}", title, due)
    coord = await world.coordinator()
    first = await world.say(coord, "/quahan")
    first_text = first.text
    assert first.text.count("Báo cáo 6 tháng") == first.text.count("▪️")  # one block a body
    assert texts.OVERDUE_AGENCY.format(agency="UBND xã số 00", count=2) in first.text
    assert len(first.text) <= render.MESSAGE_LIMIT and texts.BTN_PAGE_NEXT in world.labels(first)
    _, second = await world.tap(coord, first, texts.BTN_PAGE_NEXT)
    assert len(second.text) <= render.MESSAGE_LIMIT and second.text != first_text


# --- 6. report files reach the coordinator -----------------------------------------------------


async def test_baocao_lists_the_files_and_sends_any_again(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    syt = await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 20))
    await add_task(world, "STP", "Báo cáo năm", D(2026, 12, 20))
    coord = await world.coordinator()
    an, cuc = await world.official("SYT"), await world.official("STP", name="Lê Thị Cúc")
    for user, name in ((an, "BC_SYT.pdf"), (cuc, "BC_STP.docx")):
        listing = await world.say(user, "/viec")
        await world.send_document(user, name, 30_000, reply_to=listing.message_id)
    # Each file reached the coordinator with its notice, as the file itself.
    await world.server.wait_for(
        lambda: len([m for m in world.server.messages_to(coord) if m.method == "sendDocument"]) == 2
    )
    listed = await world.say(coord, "/baocao")
    assert listed.text.startswith(texts.FILES_HEADER.format(scope="", count=2))
    assert listed.text.index("BC_STP.docx") < listed.text.index("BC_SYT.pdf")  # newest first
    assert world.labels(listed) == [
        texts.BTN_RESEND_FILE.format(n=1),
        texts.BTN_RESEND_FILE.format(n=2),
    ]
    before = len(world.server.messages_to(coord))
    await world.tap(coord, listed, texts.BTN_RESEND_FILE.format(n=2))
    again = (await world.server.wait_for_messages(coord, before + 1))[-1]
    async with world.db.session() as session:
        sub = await session.scalar(select(Submission).where(Submission.task_id == syt))
    assert again.method == "sendDocument" and again.document["file_id"] == sub.file_id
    assert again.caption.startswith("📎 BC_SYT.pdf\nSở Y tế: «Báo cáo năm»")
    one = await world.say(coord, "/baocao SYT")
    assert "BC_SYT.pdf" in one.text and "BC_STP.docx" not in one.text
    by_task = await world.say(coord, f"/baocao #{syt}")
    assert "BC_SYT.pdf" in by_task.text and "BC_STP.docx" not in by_task.text
    assert (await world.say(coord, "/baocao XYZ")).text == texts.FILES_UNKNOWN_REF.format(ref="XYZ")
    refused = await world.say(an, "/baocao")
    assert refused.text == texts.COORDINATOR_ONLY


async def test_files_that_cannot_be_a_report_change_nothing(world):
    await world.agency("Sở Y tế", code="SYT")
    await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 20))
    user = await world.official("SYT")
    listing = await world.say(user, "/viec")
    before = await snapshot(world)
    for name, size, expected in (
        ("bao_cao.pdf", 0, texts.FILE_EMPTY),
        ("bao_cao.pdf", 25 * 1024 * 1024, texts.FILE_TOO_BIG),
        ("weird<b>&.exe", 4000, texts.FILE_BAD_TYPE),
        ("bao_cao.pdf.bat", 4000, texts.FILE_BAD_TYPE),
    ):
        reply = await world.send_document(user, name, size, reply_to=listing.message_id)
        assert reply.text == expected.format(file=name)
    assert await snapshot(world) == before
    async with world.db.session() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Submission))) == 0


# --- 7. broadcasts say who sends them -----------------------------------------------------------


async def test_broadcast_names_its_sender_marks_its_target_and_stays_above_its_report(world):
    from db.models import Plan
    from tests.harness import make_agencies_with_contacts

    async with world.db.session() as session:
        session.add(
            Plan(
                number="27/KH-UBND",
                coordinator="Sở Y tế",
                plan_key="27",
                state="active",
                created_at=world.clock.now(),
                activated_at=world.clock.now(),
            )
        )
        await session.commit()
    coord = await world.coordinator()
    chats = await make_agencies_with_contacts(world.db, world.server, 3)
    await world.say(coord, "/nhom Các xã: B0, B1")
    preview = await world.say(coord, "/thongbao Họp giao ban thứ Sáu lúc 8 giờ.")
    sender = texts.BROADCAST_FROM_BODY.format(body="Sở Y tế", person="Trần Thị Bình")
    assert sender in preview.text and "✓ " + texts.BROADCAST_TARGET_ALL in preview.text
    assert world.labels(preview)[:2] == [
        texts.BTN_TARGET_CHOSEN.format(label=texts.BTN_TARGET_ALL.format(count=3)),
        texts.BTN_TARGET_GROUP.format(name="Các xã"),
    ]
    _, preview = await world.tap(coord, preview, texts.BTN_TARGET_GROUP.format(name="Các xã"))
    assert world.labels(preview)[:2] == [
        texts.BTN_TARGET_ALL.format(count=3),
        texts.BTN_TARGET_CHOSEN.format(label=texts.BTN_TARGET_GROUP.format(name="Các xã")),
    ]
    await world.tap(coord, preview, texts.BTN_SEND)
    prefix = texts.BROADCAST_REPORT.split("{")[0]
    sent = await world.server.wait_for(
        lambda: (
            (m := world.server.bot_message(coord, preview.message_id)) and prefix in m.text and m
        ),
        20,
    )
    assert sent.text.startswith(
        texts.BROADCAST_SENT.format(
            id=1,
            target=texts.BROADCAST_TARGET_GROUP.format(name="Các xã"),
            body=f"{sender}\n\nHọp giao ban thứ Sáu lúc 8 giờ.",
        )
    )
    assert sent.text.index("Họp giao ban") < sent.text.index(prefix)
    received = world.server.last_message(chats[0])
    assert received.text == f"{sender}\n\nHọp giao ban thứ Sáu lúc 8 giờ."
    assert world.server.last_message(chats[2]) is None
