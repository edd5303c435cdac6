"""Coordinators' tools end to end: broadcasts at Telegram's limits with a delivery report,
summaries by agency or group, the overdue and silent lists, Excel and a chart."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import signal
from collections import Counter

import openpyxl
from PIL import Image
from sqlmodel import select

from bot import texts
from db.models import Broadcast, Contact, Outbox
from services import broadcasts, clock
from services import tasks as task_service
from services.clock import SystemClock
from tests.harness import make_agencies_with_contacts
from tests.processes import bot_env, nhacviec, start

D = dt.date


def copies(server, chats, text: str) -> Counter:
    wanted = set(chats)
    return Counter(
        m.chat_id
        for m in server.sent
        if m.chat_id in wanted and text in (m.text or m.caption or "")
    )


def report_message(world, coord, preview_id):
    """The broadcast as sent, where its preview was, with its delivery report below."""
    return world.server.bot_message(coord, preview_id)


async def final_report(world, coord, preview_id, timeout=60.0):
    prefix = texts.BROADCAST_REPORT.split("{")[0]
    return await world.server.wait_for(
        lambda: (m := report_message(world, coord, preview_id)) and prefix in m.text and m,
        timeout,
    )


async def test_broadcast_to_300_at_the_limit_with_blocked_and_failing_recipients(world):
    coord = await world.coordinator()
    chats = await make_agencies_with_contacts(world.db, world.server, 300)
    blocked, flaky = chats[:5], chats[5:8]
    for chat in blocked:
        world.server.block(chat, notify=False)  # found out by the sends (403)
    for chat in flaky:
        world.server.inject(status=500, method="sendMessage", chat_id=chat, times=2)
    world.server.enforce_limits = True
    preview = await world.say(
        coord, "/thongbao Đề nghị các cơ quan gửi báo cáo năm trước ngày 15/12/2026."
    )
    assert preview.text.startswith(texts.BROADCAST_PREVIEW.split("{")[0])
    assert "300 người nhận" in preview.text
    violations_before = (
        world.server.limit_violations
    )  # quick replies to the coordinator may meet one
    await world.press(coord, preview.message_id, world.button_data(preview, texts.BTN_SEND))
    report = await final_report(world, coord, preview.message_id, timeout=90)
    got = copies(world.server, chats, "báo cáo năm trước ngày 15/12/2026")
    # A 5xx says nothing sure about delivery: at most once, those three are not sent again
    # and the report lists them as uncertain.
    assert set(got) == set(chats) - set(blocked) - set(flaky) and max(got.values()) == 1
    assert world.server.limit_violations == violations_before
    assert texts.BROADCAST_REPORT.split("\n")[1].format(delivered=292, total=300) in report.text
    assert texts.BROADCAST_REPORT_FAILED.format(count=5) in report.text
    assert texts.BROADCAST_REPORT_UNCERTAIN.format(count=3) in report.text
    assert report.text.count(texts.BROADCAST_REASON["blocked"]) == 5


async def test_recipients_acknowledge_and_the_report_shows_who(world):
    coord = await world.coordinator()
    chats = await make_agencies_with_contacts(world.db, world.server, 3)
    preview = await world.say(coord, "/thongbao Họp giao ban thứ Sáu.")
    await world.press(coord, preview.message_id, world.button_data(preview, texts.BTN_SEND))
    await final_report(world, coord, preview.message_id)
    notice = world.server.last_message(chats[0])
    ack = world.button_data(notice, texts.BTN_ACK)
    answer = await world.press(chats[0], notice.message_id, ack)
    assert answer.text == texts.ACK_THANKS
    report = await world.server.wait_for(
        lambda: (
            "Đã xác nhận" in report_message(world, coord, preview.message_id).text
            and report_message(world, coord, preview.message_id)
        )
    )
    assert (
        texts.BROADCAST_REPORT_ACKED.format(names=f"Cơ quan B0 (Người {chats[0]})") in report.text
    )
    # Someone else cannot acknowledge for them.
    other = world.server.last_message(chats[1])
    answer = await world.press(chats[1], other.message_id, ack, strict=False)
    assert answer.text == texts.ACK_UNKNOWN


async def test_broadcast_to_a_saved_group_and_cancel(world):
    coord = await world.coordinator()
    await make_agencies_with_contacts(world.db, world.server, 4)
    saved = await world.say(coord, "/nhom Các xã: B0, B1")
    assert saved.text == texts.GROUP_SAVED.format(name="Các xã", count=2, codes="B0, B1")
    preview = await world.say(coord, "/thongbao Các xã: Nhắc lịch Diễn đàn trẻ em cấp xã.")
    assert (
        texts.BROADCAST_TARGET_GROUP.format(name="Các xã") in preview.text
        and "2 người nhận" in preview.text
    )
    await world.press(coord, preview.message_id, world.button_data(preview, "Tất cả"))
    edited = await world.server.wait_for(
        lambda: "4 người nhận" in world.server.bot_message(coord, preview.message_id).text
    )
    assert edited
    await world.press(coord, preview.message_id, world.button_data(preview, texts.BTN_CANCEL))
    await world.quiet(1.0)
    assert world.server.bot_message(coord, preview.message_id).text == texts.BROADCAST_CANCELLED
    assert copies(world.server, range(200_000, 200_004), "Diễn đàn") == Counter()


async def test_broadcast_a_document_with_caption(world):
    coord = await world.coordinator()
    chats = await make_agencies_with_contacts(world.db, world.server, 2)
    doc = world.server.user_sends_document(
        coord, coord, "Cong_van_huong_dan.pdf", size=12_000, caption="Công văn hướng dẫn"
    )
    before = len(world.server.messages_to(coord))
    world.server.user_sends(coord, coord, "/thongbao", reply_to=doc["message_id"])
    preview = (await world.server.wait_for_messages(coord, before + 2))[
        -1
    ]  # file reply, then preview
    assert "[Tệp] Công văn hướng dẫn" in preview.text
    await world.press(coord, preview.message_id, world.button_data(preview, texts.BTN_SEND))
    await final_report(world, coord, preview.message_id)
    received = world.server.last_message(chats[0])
    assert received.method == "sendDocument"
    assert received.caption == (
        texts.BROADCAST_FROM_PERSON.format(person="Trần Thị Bình") + "\n\nCông văn hướng dẫn"
    )


async def test_officials_cannot_broadcast(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    for command in (
        "/thongbao Xin chào",
        "/quahan",
        "/chuatraloi",
        "/xuat",
        "/bieudo",
        "/nhom A: SYT",
    ):
        assert (await world.say(user, command)).text == texts.COORDINATOR_ONLY
    async with world.db.session() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_summaries_overdue_and_silent(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    await world.agency("Công an tỉnh", code="CA")
    async with world.db.session() as session:
        for code, title, due in (
            ("SYT", "Báo cáo quý", D(2026, 11, 10)),
            ("STP", "Báo cáo năm", D(2026, 11, 20)),
            ("CA", "Báo cáo năm", D(2026, 12, 20)),
        ):
            await task_service.add_task(session, agency_ref=code, title=title, due_date=due)
    coord = await world.coordinator()
    official = await world.official("STP")
    card = await world.say(official, "/viec")
    await world.say(official, "đang làm", reply_to=card.message_id)
    world.server.block(official, notify=False)
    async with world.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.chat_id == official))
        contact.reachable = False
        await session.commit()
    overdue = await world.say(coord, "/quahan")
    assert overdue.text.split("\n") == [
        texts.OVERDUE_HEADER.format(date="23/11/2026", count=2, agencies=2, page=""),
        "",
        texts.OVERDUE_AGENCY.format(agency="Sở Y tế", count=1),
        texts.OVERDUE_ROW.format(title="Báo cáo quý", due="10/11/2026", days=13),
        "",
        texts.OVERDUE_AGENCY.format(agency="Sở Tư pháp", count=1),
        texts.OVERDUE_ROW.format(title="Báo cáo năm", due="20/11/2026", days=3),
    ]
    silent = await world.say(coord, "/chuatraloi")
    assert texts.SILENT_NEVER_ANSWERED.format(count=2) in silent.text  # SYT and CA; STP answered
    assert texts.SILENT_NO_CONTACT.format(count=2) in silent.text
    assert texts.SILENT_CONTACT_ROW.format(agency="Sở Tư pháp", who="Nguyễn Văn An") in silent.text
    await world.say(coord, "/nhom Khối nội chính: CA, STP")
    scoped = await world.say(coord, "/tonghop Khối nội chính")
    assert "Sở Tư pháp" in scoped.text and "Sở Y tế" not in scoped.text
    one = await world.say(coord, "/tonghop SYT")
    assert "Sở Y tế" in one.text and "Sở Tư pháp" not in one.text
    assert (await world.say(coord, "/tonghop XYZ")).text == texts.SUMMARY_FILTER_UNKNOWN.format(
        ref="XYZ"
    )


async def test_excel_export_and_chart_as_a_coordinator_gets_them(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", code="MTTQ", requested=True)
    async with world.db.session() as session:
        await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo quý", due_date=D(2026, 11, 10)
        )
        await task_service.add_task(
            session, agency_ref="MTTQ", title="Tuyên truyền Luật Trẻ em", due_date=D(2026, 12, 1)
        )
    coord = await world.coordinator()
    workbook_message = await world.say(coord, "/xuat")
    assert workbook_message.method == "sendDocument"
    assert workbook_message.document["file_name"] == "nhacviec_tong_hop_20261123.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(workbook_message.file_bytes))
    assert book.sheetnames[:2] == ["Theo cơ quan", "Theo nhiệm vụ"]
    tasks_sheet = book["Theo nhiệm vụ"]
    rows = list(tasks_sheet.iter_rows(values_only=True))
    titles = [r for r in rows[1:] if "Báo cáo quý" in r]
    assert titles and texts.STATUS["overdue"] in titles[0]
    due_cells = [c for c in tasks_sheet[3] if c.is_date]  # row 1: title, row 2: header
    assert due_cells and tasks_sheet.auto_filter.ref and tasks_sheet.freeze_panes == "A3"
    # Vietnamese order: «Ủy ban…» after «Sở…» (code points would agree here) and the
    # workbook prints landscape, fitted to the page width.
    assert [r[1] for r in rows[2:]] == ["Sở Y tế", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]
    assert tasks_sheet.page_setup.orientation == "landscape"
    photo = await world.say(coord, "/bieudo")
    assert photo.method == "sendPhoto"
    image = Image.open(io.BytesIO(photo.file_bytes))
    assert image.format == "PNG" and image.size[0] == 1080


def test_cli_group_and_export(database_url, tmp_path):
    assert nhacviec(database_url, "agency", "add", "Sở Y tế", "--code", "SYT").returncode == 0
    assert nhacviec(database_url, "agency", "add", "Sở Tư pháp", "--code", "STP").returncode == 0
    done = nhacviec(database_url, "group", "add", "Các sở", "--agencies", "SYT,STP")
    assert done.returncode == 0 and done.stdout.strip() == texts.CLI_GROUP_SAVED.format(
        name="Các sở", count=2, codes="SYT, STP"
    )
    assert nhacviec(database_url, "group", "add", "X", "--agencies", "KHONGCO").returncode == 1
    out = tmp_path / "bao_cao.xlsx"
    done = nhacviec(database_url, "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    names = [row[1] for row in book["Theo cơ quan"].iter_rows(min_row=3, values_only=True)]
    assert names == ["Sở Tư pháp", "Sở Y tế"]


async def test_broadcast_killed_midway_completes_without_duplicates(settings, db, fake_server):
    """A broadcast to 300 over a 200 ms round trip, the bot SIGKILLed while 8 sends are in
    flight, then started again: nobody has two copies, and the report is exact: every row
    sent was received once, every recipient without it is listed as uncertain, and no more
    are uncertain than were in flight."""
    coord_chat = 99
    chats, draft, progress = await confirmed_broadcast(
        db, fake_server, coord_chat, "Thông báo khẩn số 7"
    )
    env = bot_env(
        settings.database_url,
        TELEGRAM_BOT_TOKEN="42:BC",
        CLAIM_LEASE_S="3",
        # A send that times out is uncertain too, and not the kill's: the timeout is one a
        # loaded test machine never reaches at 200 ms, short enough for the lease to come back.
        HTTP_TIMEOUT_S="4",
        TELEGRAM_API_BASE_URL=settings.telegram_api_base_url,
        DISPATCH_INTERVAL_S="0.2",
        SEND_CONCURRENCY="8",
    )
    fake_server.network.configure(latency_ms=200, jitter=0.2, seed=14)
    fake_server.enforce_limits = True

    def start_bot():
        return start(env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)

    bot = await start_bot()
    try:
        await fake_server.wait_for(
            lambda: len(copies(fake_server, chats, "khẩn số 7")) >= 100, timeout=60
        )
        bot.kill()
        await bot.wait()
        bot = await start_bot()
        prefix = texts.BROADCAST_REPORT.split("{")[0]
        report = await fake_server.wait_for(
            lambda: (
                (m := fake_server.bot_message(coord_chat, progress))
                and prefix in m.text  # below the text as sent
                and m
            ),
            90,
        )
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
    got = copies(fake_server, chats, "khẩn số 7")
    assert max(got.values()) == 1  # nobody got it twice
    async with db.session() as session:
        states = dict(
            (
                await session.execute(
                    select(Contact.chat_id, Outbox.state)
                    .join(Contact, Contact.id == Outbox.contact_id)
                    .where(Outbox.kind == "broadcast", Outbox.ref_id == draft.id)
                )
            ).all()
        )
    sent = {chat for chat, state in states.items() if state == "sent"}
    uncertain = {chat for chat, state in states.items() if state == "uncertain"}
    assert len(states) == 300 and sent | uncertain == set(chats)
    assert sent <= set(got)  # marked sent: received (once, above)
    assert set(chats) - set(got) <= uncertain  # not received: uncertain, not "sent"
    assert len(uncertain) <= 8  # at most those in flight at the kill
    assert texts.BROADCAST_REPORT.split("\n")[1].format(delivered=len(sent), total=300) in (
        report.text
    )
    if uncertain:
        assert texts.BROADCAST_REPORT_UNCERTAIN.format(count=len(uncertain)) in report.text
    assert fake_server.limit_violations == 0


async def confirmed_broadcast(db, fake_server, coord_chat: int, text: str):
    """A coordinator's text broadcast to 300 agencies' contacts, confirmed and waiting in the
    outbox: (the recipients' chats, the broadcast, the coordinator's progress message)."""
    clock.set_clock(SystemClock())
    fake_server.add_user(coord_chat, "Điều phối")
    chats = await make_agencies_with_contacts(db, fake_server, 300)
    async with db.session() as session:
        coord = Contact(
            chat_id=coord_chat, role="coordinator", display_name="Điều phối", linked_at=clock.now()
        )
        session.add(coord)
        await session.commit()
        progress = await fake_server_message(fake_server, coord_chat)
        draft = await broadcasts.create_draft(session, author=coord, kind="text", text=text)
        await broadcasts.confirm(
            session,
            broadcast_id=draft.id,
            author=coord,
            progress_chat_id=coord_chat,
            progress_message_id=progress,
        )
    return chats, draft, progress


async def fake_server_message(server, chat_id: int) -> int:
    """A bot message to stand for the coordinator's preview (the progress is edited into it)."""
    from telegram import Bot

    async with Bot("42:BC", base_url=server.base_url) as bot:
        sent = await bot.send_message(chat_id, "…")
    return sent.message_id


async def test_sigterm_during_a_broadcast_stops_soon_and_a_restart_completes_it(
    settings, db, fake_server
):
    """A broadcast to 300 over a 200 ms round trip; SIGTERM once a few dozen have gone. The
    bot stops without sending the rest (sends on their way end and are marked, the others
    go back to the outbox); started again, it sends those: everyone once, and the report
    is exact - nothing uncertain, as a clean stop cuts no send short."""
    coord_chat = 99
    chats, draft, progress = await confirmed_broadcast(
        db, fake_server, coord_chat, "Thông báo dừng êm số 9"
    )
    env = bot_env(
        settings.database_url,
        TELEGRAM_BOT_TOKEN="42:BC",
        CLAIM_LEASE_S="3",
        HTTP_TIMEOUT_S="10",  # a loaded machine never times a send out (that is uncertain)
        TELEGRAM_API_BASE_URL=settings.telegram_api_base_url,
        DISPATCH_INTERVAL_S="0.2",
        RATE_GLOBAL_PER_S="10",  # the whole broadcast takes half a minute: SIGTERM cuts it
    )
    fake_server.network.configure(latency_ms=200, jitter=0.2, seed=9)
    fake_server.enforce_limits = True

    def start_bot():
        return start(env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)

    bot = await start_bot()
    try:
        await fake_server.wait_for(
            lambda: len(copies(fake_server, chats, "dừng êm số 9")) >= 30, timeout=60
        )
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
        assert bot.returncode == 0
        at_stop = len(copies(fake_server, chats, "dừng êm số 9"))
        assert at_stop < 300  # it stopped; it did not finish the broadcast first
        bot = await start_bot()
        prefix = texts.BROADCAST_REPORT.split("{")[0]
        report = await fake_server.wait_for(
            lambda: (m := fake_server.bot_message(coord_chat, progress)) and prefix in m.text and m,
            90,
        )
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 30)
    got = copies(fake_server, chats, "dừng êm số 9")
    async with db.session() as session:
        rows = (
            await session.execute(
                select(Outbox.chat_id, Outbox.state, Outbox.error).where(Outbox.ref_id == draft.id)
            )
        ).all()
    odd = [r for r in rows if r[1] != "sent" or got.get(r[0]) != 1]
    assert set(got) == set(chats) and max(got.values()) == 1, (at_stop, odd)
    assert texts.BROADCAST_REPORT.split("\n")[1].format(delivered=300, total=300) in report.text
    assert texts.BROADCAST_REPORT_UNCERTAIN.split("{")[0] not in report.text
    assert fake_server.limit_violations == 0
