"""Who commits, and when the Bot API is called: a service commits its own change (the
dispatcher's marks included), and a handler talks to Telegram only once its session is
closed, so no database connection waits on a round trip (README, "How it is built")."""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot import render, texts
from db.models import Contact, Outbox, Task
from jobs.broadcasts import update_progress
from services import agencies, clock, invites, outbox
from services import tasks as task_service
from tests.harness import stop_periodic_jobs
from tests.test_plan_import import SEED_000


async def _claimed_row(db, chat_id: int) -> tuple[int, int]:
    """(contact id, outbox row id) of a reachable contact with one claimed message."""
    async with db.session() as session:
        await agencies.add_agency(session, name="Sở Y tế", code="SYT")
        invite, _ = await invites.create_invite(session, agency_ref="SYT")
        redeemed = await invites.redeem_invite(
            session,
            code=invite.code,
            chat_id=chat_id,
            chat_type="private",
            user_id=chat_id,
            display_name="Nguyễn Văn An",
        )
        contact_id = redeemed.contact.id
        assert contact_id is not None
        row = outbox.enqueue(
            session,
            kind="notice",
            chat_id=chat_id,
            contact_id=contact_id,
            dedupe_key=f"test:{chat_id}",
            payload={},
            text="xin chào",
        )
        await session.commit()
        assert row.id is not None
        claimed = await outbox.claim_due(
            session, worker="w1", limit=10, lease=dt.timedelta(minutes=5), skip_locked=False
        )
        assert [r.id for r in claimed] == [row.id]
        return contact_id, row.id


async def test_the_dispatchers_marks_are_committed_by_the_outbox(db):
    contact_id, row_id = await _claimed_row(db, 7001)
    async with db.session() as session:
        await outbox.mark(session, ids=[row_id], worker="w1", state="sent", message_id=42)
        # the session ends here without the caller committing anything
    async with db.session() as session:
        row = await session.get(Outbox, row_id)
        assert row is not None
        assert (row.state, row.message_id) == ("sent", 42)
        assert row.sent_at == clock.now()


async def test_a_chat_found_unreachable_stays_so_without_the_caller_committing(db):
    contact_id, row_id = await _claimed_row(db, 7002)
    async with db.session() as session:
        await outbox.mark(session, ids=[row_id], worker="w1", state="failed", error="403")
        await outbox.mark_unreachable(session, chat_id=7002, reason="bot was blocked by the user")
    async with db.session() as session:
        contact = await session.get(Contact, contact_id)
        row = await session.get(Outbox, row_id)
        assert contact is not None and row is not None
        assert (contact.reachable, contact.unreachable_reason) == (
            False,
            "bot was blocked by the user",
        )
        assert (row.state, row.error) == ("failed", "403")


@dataclass
class BotApiWatch:
    """Every Bot API call the bot makes, with what the database had open at that moment:
    the connections checked out of the pool (looked at by the fake server while the bot
    waits for its answer) and the sessions open in the task that made the call (a session
    whose service committed holds no connection, but still counts)."""

    calls: list[tuple[str, int, int]] = field(default_factory=list)
    paused: bool = False

    @property
    def methods(self) -> set[str]:
        return {method for method, _, _ in self.calls}

    @property
    def inside_a_session(self) -> list[tuple[str, int, int]]:
        return [(m, pool, sessions) for m, pool, sessions in self.calls if pool or sessions]


_open_sessions: ContextVar[int] = ContextVar("open_sessions", default=0)


async def watch_bot_api(world, monkeypatch) -> BotApiWatch:
    await stop_periodic_jobs(world.app)  # the dispatcher would use the pool on its own
    watch = BotApiWatch()
    pool = world.db.engine.pool
    record_request = world.server.record_request

    def looking_at_the_pool(method, params):
        if method != "getUpdates" and not watch.paused:
            watch.calls.append((method, pool.checkedout(), 0))
        return record_request(method, params)

    monkeypatch.setattr(world.server, "record_request", looking_at_the_pool)

    open_session = world.db.session

    @asynccontextmanager
    async def counted_session():
        token = _open_sessions.set(_open_sessions.get() + 1)
        try:
            async with open_session() as session:
                yield session
        finally:
            _open_sessions.reset(token)

    monkeypatch.setattr(world.db, "session", counted_session)
    request = world.app.bot.request  # every call but getUpdates
    do_request = request.do_request

    async def looking_at_the_sessions(url, *args, **kwargs):
        if not watch.paused and _open_sessions.get():
            watch.calls.append((url.rsplit("/", 1)[-1], 0, _open_sessions.get()))
        return await do_request(url, *args, **kwargs)

    monkeypatch.setattr(request, "do_request", looking_at_the_sessions)
    return watch


async def test_task_handlers_hold_no_database_connection_across_a_bot_api_call(world, monkeypatch):
    """Every Bot API call an official's list, card, buttons and answers make, and a
    stranger's, finds no database session open in the handler that makes it and the bot's
    connection pool with nothing checked out."""
    await world.agency("Sở Tài chính", code="STC")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="STC", title="Bố trí kinh phí", due_date=dt.date(2026, 12, 10)
        )
    user = await world.official("STC", name="Lý Thị Hoa")
    stranger = world.person("Người Lạ")
    watch = await watch_bot_api(world, monkeypatch)

    listing = await world.say(user, "/viec")  # the list
    card = await world.open_task(user, listing, 1)  # a list button
    before = len(world.server.messages_to(user))
    await world.tap(user, card, texts.BTN_BLOCKED)  # a status button that asks a question
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text == texts.ASK_BLOCK_REASON.format(title="Bố trí kinh phí")
    reply = await world.say(user, "thiếu kinh phí", reply_to=ask.message_id)  # a reply
    assert reply.text == texts.UPDATED_BLOCKED.format(
        title="Bố trí kinh phí", note="thiếu kinh phí"
    )
    answer, _ = await world.tap(user, card, texts.BTN_PROGRESS)  # a status change
    assert answer.text == render.popup(texts.UPDATED_PROGRESS.format(title="Bố trí kinh phí"))
    refused = await world.say(stranger, "/viec")  # a refusal
    assert refused.text == texts.NOT_LINKED
    assert (await world.say(stranger, "/help")).text == texts.HELP_STRANGER
    assert (await world.say(user, "/lenhla")).text == texts.UNKNOWN_COMMAND
    assert "Bố trí kinh phí" in (await world.say(user, "đã hoàn thành")).text  # a plain answer

    async with world.db.session() as session:
        task = await session.get(Task, view.id)
    assert task is not None and task.block_note == "thiếu kinh phí"
    assert {"sendMessage", "answerCallbackQuery", "editMessageText"} <= watch.methods
    assert watch.inside_a_session == []


def _data(message, prefix: str) -> str:
    """The callback data of the first button under `message` whose data starts so."""
    markup = message.reply_markup or {}
    return next(
        b["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for b in row
        if b.get("callback_data", "").startswith(prefix)
    )


async def _task(world, code: str, title: str, due: dt.date) -> int:
    async with world.db.session() as session:
        view = await task_service.add_task(session, agency_ref=code, title=title, due_date=due)
    return view.id


async def test_coordinators_views_hold_no_session_across_a_bot_api_call(world, monkeypatch):
    """/start with invite codes, a refusal to someone who is not a coordinator, /tonghop and
    its buttons, /quahan, /chuatraloi, /baocao and a file sent again, /xuat, /bieudo,
    /sukien: no Bot API call is made inside a database session."""
    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    await _task(world, "SYT", "Báo cáo quý", dt.date(2026, 11, 20))  # overdue
    await _task(world, "STP", "Rà soát văn bản", dt.date(2026, 12, 20))
    official, coord = world.person("Nguyễn Văn An"), world.person("Trần Thị Bình")
    official_code = await world.invite("SYT")
    coordinator_code = await world.invite(None, coordinator=True)
    watch = await watch_bot_api(world, monkeypatch)

    assert "Đã liên kết" in (await world.say(official, f"/start {official_code}")).text
    assert (await world.say(coord, f"/start {coordinator_code}")).text == texts.LINKED_COORDINATOR
    refused = await world.say(official, "/tonghop")  # a refusal
    assert refused.text == texts.COORDINATOR_ONLY
    assert (await world.say(official, "/xuat")).text == texts.COORDINATOR_ONLY

    summary = await world.say(coord, "/tonghop")
    answer = await world.press(official, refused.message_id, _data(summary, "s:"), strict=False)
    assert answer.text == texts.COORDINATOR_ONLY and answer.show_alert  # a button refused
    shown = summary.text
    _, body = await world.tap(coord, summary, "1. ")  # a body of the summary, in place
    assert body.text != shown and "Báo cáo quý" in body.text
    overdue = await world.say(coord, "/quahan")
    assert "Báo cáo quý" in overdue.text
    silent = await world.say(coord, "/chuatraloi")
    assert silent.text.startswith(texts.SILENT_HEADER.split("(")[0])

    listing = await world.say(official, "/viec")
    await world.send_document(official, "BC_quy.pdf", 1200, reply_to=listing.message_id)
    files = await world.say(coord, "/baocao")
    before = len(world.server.messages_to(coord))
    await world.press(coord, files.message_id, _data(files, "f:"))  # send the file again
    await world.server.wait_for_messages(coord, before + 1)

    before = len(world.server.messages_to(coord))
    world.server.user_sends(coord, coord, "/xuat")
    await world.server.wait_for_messages(coord, before + 1)
    world.server.user_sends(coord, coord, "/bieudo")
    await world.server.wait_for_messages(coord, before + 2)
    events = await world.say(coord, "/sukien")
    assert events.text.startswith(texts.EVENT_USAGE.split("{")[0])
    added = await world.say(coord, "/sukien 15/01/2027 Hội nghị tổng kết")
    assert "Hội nghị tổng kết" in added.text

    assert {
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "sendDocument",
        "sendPhoto",
    } <= watch.methods
    assert watch.inside_a_session == []


async def test_coordinators_changes_hold_no_session_across_a_bot_api_call(world, monkeypatch):
    """Broadcasts (target, send, cancel) and groups, an extension request decided from its
    notice, /suaviec, /canbo with its confirmations, a plan sent as a document (reviewed,
    mended with /suakh, activated), and /roi: no Bot API call is made inside a database
    session."""
    await world.agency("Sở Y tế", code="SYT")
    task_id = await _task(world, "SYT", "Báo cáo năm", dt.date(2026, 11, 30))
    coord = await world.coordinator()
    official = await world.official("SYT")
    watch = await watch_bot_api(world, monkeypatch)

    saved = await world.say(coord, "/nhom Các sở: SYT")
    assert saved.text == texts.GROUP_SAVED.format(name="Các sở", count=1, codes="SYT")
    assert (await world.say(coord, "/nhom")).text.startswith(texts.GROUP_USAGE.split("{")[0])
    preview = await world.say(coord, "/thongbao Họp giao ban thứ Sáu.")
    await world.tap(coord, preview, "Nhóm: Các sở")  # the recipients
    mine = world.server.last_message(official)  # the button forged under a message of theirs
    answer = await world.press(official, mine.message_id, _data(preview, "bc:"), strict=False)
    assert answer.text == texts.COORDINATOR_ONLY and answer.show_alert
    await world.tap(coord, preview, texts.BTN_SEND)  # confirmed: sent
    sent = world.server.bot_message(coord, preview.message_id)
    assert "Họp giao ban" in sent.text and not sent.reply_markup
    other = await world.say(coord, "/thongbao Lịch trực Tết.")
    _, cancelled = await world.tap(coord, other, texts.BTN_CANCEL)
    assert cancelled.text == texts.BROADCAST_CANCELLED
    watch.paused = True  # the dispatcher, not a handler, sends it and reports on it
    await world.dispatch()
    await update_progress(world.db, world.app.bot, world.settings)
    watch.paused = False
    received = world.server.last_message(official)
    assert "Họp giao ban" in received.text
    answer, _ = await world.tap(official, received, texts.BTN_ACK)  # a recipient's «Đã nhận»
    assert answer.text == texts.ACK_THANKS
    acked = texts.BROADCAST_REPORT_ACKED.split("{")[0]
    await world.server.wait_for(
        lambda: acked in world.server.bot_message(coord, preview.message_id).text
    )

    listing = await world.say(official, "/viec")
    card = await world.open_task(official, listing, 1)
    before = len(world.server.messages_to(official))
    await world.tap(official, card, texts.BTN_EXTEND)
    ask = (await world.server.wait_for_messages(official, before + 1))[-1]
    await world.say(official, "15/12/2026", reply_to=ask.message_id)
    watch.paused = True  # the dispatcher, not a handler, sends the coordinator's notice
    await world.dispatch()
    watch.paused = False
    notice = world.server.last_message(coord)
    before = len(world.server.messages_to(coord))
    await world.press(coord, notice.message_id, _data(notice, "xo:"))  # another date: asked
    await world.server.wait_for_messages(coord, before + 1)
    answer = await world.press(coord, notice.message_id, _data(notice, "xa:"))  # approved
    assert answer.text.startswith(texts.EXTENSION_APPROVED_COORD.split("{")[0])

    edited = await world.say(coord, f"/suaviec {task_id} hạn 18/12/2026")
    assert "18/12/2026" in edited.text
    assert (await world.say(coord, "/suaviec")).text == texts.TASK_EDIT_USAGE

    data = SEED_000.read_bytes()
    review = await world.send_document(coord, "ke_hoach.txt", len(data), content=data)
    assert review.text.startswith(texts.PLAN_REVIEW_HEAD.split("{")[0])
    mend = await world.say(coord, "/suakh")
    assert mend.text.startswith(texts.PLAN_EDIT_HELP.split("{")[0])
    before = len(world.server.messages_to(coord))
    await world.press(coord, review.message_id, _data(review, "pl:e:"))
    await world.server.wait_for_messages(coord, before + 1)
    answer = await world.press(coord, review.message_id, _data(review, "pl:a:"))
    assert answer.text.startswith("✅")

    people = await world.say(coord, "/canbo SYT")
    for op in ("r", "g"):  # remove, then grant the role: each asks to confirm
        before = len(world.server.messages_to(coord))
        await world.press(
            coord, people.message_id, _data(people, "cb:").rsplit(":", 1)[0] + f":{op}"
        )
        confirm = (await world.server.wait_for_messages(coord, before + 1))[-1]
        if op == "r":
            _, kept = await world.tap(coord, confirm, texts.BTN_CANCEL)
            assert kept.text == texts.NOTHING_CHANGED
        else:
            answer, _ = await world.tap(coord, confirm, texts.BTN_CONFIRM)
            assert answer.text.startswith(texts.ROLE_GRANTED_DONE.split("{")[0])
    leave = await world.say(official, "/roi")
    _, left = await world.tap(official, leave, texts.BTN_LEAVE)
    assert left.text == texts.LEFT.format(agency="Sở Y tế")

    assert {"sendMessage", "answerCallbackQuery", "editMessageText", "getFile"} <= watch.methods
    assert watch.inside_a_session == []
