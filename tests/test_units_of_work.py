"""Who commits, and when the Bot API is called: a service commits its own change (the
dispatcher's marks included), and a handler talks to Telegram only once its session is
closed, so no database connection waits on a round trip (README, "How it is built")."""

from __future__ import annotations

import datetime as dt

from bot import render, texts
from db.models import Contact, Outbox, Task
from services import agencies, clock, invites, outbox
from services import tasks as task_service
from tests.harness import stop_periodic_jobs


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


async def test_task_handlers_hold_no_database_connection_across_a_bot_api_call(world, monkeypatch):
    """Every Bot API call an official's list, card, buttons and answers make, and a
    stranger's, finds the bot's connection pool with nothing checked out: the fake server
    looks at the pool while the bot waits for its answer."""
    await world.agency("Sở Tài chính", code="STC")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="STC", title="Bố trí kinh phí", due_date=dt.date(2026, 12, 10)
        )
    user = await world.official("STC", name="Lý Thị Hoa")
    stranger = world.person("Người Lạ")
    await stop_periodic_jobs(world.app)  # the dispatcher would use the pool on its own

    pool = world.db.engine.pool
    calls: list[tuple[str, int]] = []
    record_request = world.server.record_request

    def looking_at_the_pool(method, params):
        if method != "getUpdates":
            calls.append((method, pool.checkedout()))
        return record_request(method, params)

    monkeypatch.setattr(world.server, "record_request", looking_at_the_pool)

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

    async with world.db.session() as session:
        task = await session.get(Task, view.id)
    assert task is not None and (task.progress, task.block_note) == (
        "in_progress",
        "thiếu kinh phí",
    )
    methods = {method for method, _ in calls}
    assert {"sendMessage", "answerCallbackQuery", "editMessageText"} <= methods
    assert [(m, n) for m, n in calls if n] == []
