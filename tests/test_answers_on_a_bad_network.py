"""Answers to a person over a Bot API that fails as Telegram's does: a 429 is waited out and
tried again, a 5xx only for calls safe to repeat (bot/ratelimit.py), a 403 marks the chat
unreachable, and the calls one update makes that do not depend on each other go out
together."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot import texts
from db.models import Contact, Task
from fake_telegram import errors
from services import tasks as task_service

D = dt.date


async def official_with_card(world):
    """An official of a body with one task, its card open from /viec."""
    await world.agency("Sở Y tế", code="SYT")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm 2026", due_date=D(2026, 11, 30)
        )
    user = await world.official("SYT", name="Nguyễn Văn An")
    listing = await world.say(user, "/viec")
    card = await world.open_task(user, listing, 1)
    return user, view.id, card


async def progress_of(world, task_id: int) -> str:
    async with world.db.session() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task.progress


def calls(server, method: str, since: int = 0):
    return [r for r in server.requests[since:] if r.method == method]


async def test_a_press_is_answered_through_server_errors_and_a_flood_limit(world):
    user, task_id, card = await official_with_card(world)
    since = len(world.server.requests)
    world.server.inject(status=502, method="answerCallbackQuery", times=2)
    world.server.inject(status=429, method="editMessageText", times=1, retry_after=1)
    answer, edited = await world.tap(user, card, texts.BTN_DONE)
    assert answer.text.startswith("✅ Đã ghi nhận hoàn thành")
    assert answer.text != texts.SOMETHING_WRONG
    edited = await world.server.wait_for(
        lambda: (
            (m := world.server.bot_message(user, card.message_id))
            and texts.STATUS["done_on_time"] in m.text
            and m
        )
    )
    assert texts.BTN_BACK_TO_LIST in world.labels(edited)
    assert [r.status for r in calls(world.server, "answerCallbackQuery", since)] == [502, 502, 200]
    edits = calls(world.server, "editMessageText", since)
    assert [r.status for r in edits] == [429, 200]
    assert edits[1].time - edits[0].time >= 1.0  # retry_after obeyed, not guessed
    assert await progress_of(world, task_id) == "done"


async def test_a_reply_waits_out_a_long_flood_limit(world):
    user, task_id, card = await official_with_card(world)
    since = len(world.server.requests)
    world.server.inject(status=429, method="sendMessage", chat_id=user, times=1, retry_after=2)
    reply = await world.say(user, "đã xong", reply_to=card.message_id)
    assert reply.text.startswith(texts.UPDATED_DONE.split("{")[0])
    sends = calls(world.server, "sendMessage", since)
    assert [r.status for r in sends] == [429, 200]
    assert sends[1].time - sends[0].time >= 2.0
    assert texts.SOMETHING_WRONG not in [m.text for m in world.server.messages_to(user)]
    assert await progress_of(world, task_id) == "done"


async def test_a_reply_whose_502_came_after_delivery_arrives_once(world):
    """A 5xx says nothing sure: the message may be in the chat already (here it is), so a
    send is not tried again - the person never reads the same reply twice."""
    user, task_id, card = await official_with_card(world)
    since = len(world.server.requests)
    world.server.inject(status=502, method="sendMessage", chat_id=user, times=1, deliver=True)
    reply = await world.say(user, "đã xong", reply_to=card.message_id)
    assert reply.text.startswith(texts.UPDATED_DONE.split("{")[0])
    await world.quiet(1.5)  # a retry would come after 0.5 s
    replies = [
        m
        for m in world.server.messages_to(user)
        if m.text.startswith(texts.UPDATED_DONE.split("{")[0])
    ]
    assert len(replies) == 1
    first = calls(world.server, "sendMessage", since)[0]
    assert first.status == 502 and texts.UPDATED_DONE.split("{")[0] in first.params["text"]
    assert texts.SOMETHING_WRONG not in [m.text for m in world.server.messages_to(user)]
    assert await progress_of(world, task_id) == "done"


async def test_a_reply_that_meets_403_marks_the_chat_unreachable(world):
    user, task_id, card = await official_with_card(world)
    since = len(world.server.requests)
    world.server.inject(
        status=403, method="sendMessage", chat_id=user, times=1, description=errors.BOT_BLOCKED
    )
    world.server.user_sends(user, user, "đã xong", reply_to=card.message_id)

    async def reachable() -> bool:
        async with world.db.session() as session:
            contact = await session.scalar(select(Contact).where(Contact.chat_id == user))
            assert contact is not None
            return contact.reachable

    for _ in range(200):
        if not await reachable():
            break
        await world.quiet(0.1)
    assert not await reachable()
    # The change itself was recorded; nothing more was tried in a chat that refuses.
    assert await progress_of(world, task_id) == "done"
    assert [r.status for r in calls(world.server, "sendMessage", since)] == [403]


async def test_a_press_s_popup_and_redraw_go_out_together(world):
    user, task_id, card = await official_with_card(world)
    since = len(world.server.requests)
    # The pop-up's answer is slow to come back; the redraw must not wait for it.
    world.server.inject(
        status="timeout", method="answerCallbackQuery", times=1, deliver=True, delay=5.0
    )
    press = world.server.user_presses(user, card.message_id, world.button_data(card, "✅"), user)
    redraw = await world.server.wait_for(
        lambda: next((r for r in calls(world.server, "editMessageText", since) if r.status), None),
        30,
    )
    popup = calls(world.server, "answerCallbackQuery", since)
    assert redraw.status == 200
    assert len(popup) == 1 and popup[0].status is None  # still on its way
    assert popup[0].index < redraw.index
    answer = await world.server.wait_for(
        lambda: next(
            (a for a in world.server.callback_answers if str(a.callback_query_id) == press), None
        ),
        30,
    )
    assert answer.text.startswith("✅ Đã ghi nhận hoàn thành")


async def test_the_next_long_poll_leaves_before_a_batch_is_handled(world):
    """Over a round trip, an update that happens while the bot handles a batch waits only
    for the getUpdates already on its way: the bot asks again as soon as an answer arrives,
    before it handles what the answer brought (bot/aiohttp_request.LongPollRequest). Every
    update is still handled once, in order."""
    cards = []
    for n in range(8):
        await world.agency(f"UBND xã {n}", code=f"X{n}")
        async with world.db.session() as session:
            await task_service.add_task(
                session, agency_ref=f"X{n}", title="Báo cáo năm 2026", due_date=D(2026, 11, 30)
            )
        user = await world.official(f"X{n}", name=f"Cán bộ {n}")
        listing = await world.say(user, "/viec")
        cards.append((user, await world.open_task(user, listing, 1)))
    world.server.network.configure(latency_ms=100, jitter=0)
    await world.quiet(0.3)  # the getUpdates now waiting at the server crossed the model
    since = len(world.server.requests)
    pressed = [
        world.server.user_presses(user, card.message_id, world.button_data(card, "✅"), user)
        for user, card in cards
    ]
    answers = await world.server.wait_for(
        lambda: (
            len(
                found := [
                    a for a in world.server.callback_answers if a.callback_query_id in pressed
                ]
            )
            == len(pressed)
            and found
        ),
        30,
    )
    assert all(a.text.startswith("✅ Đã ghi nhận hoàn thành") for a in answers)
    seen = world.server.requests[since:]
    next_poll = next(r for r in seen if r.method == "getUpdates")
    first_answer = next(r for r in seen if r.method == "answerCallbackQuery")
    assert next_poll.index < first_answer.index
    world.server.network.configure(latency_ms=0)
    # the batch was confirmed by that poll: nothing is handed to the bot twice
    await world.quiet(0.5)
    assert len([a for a in world.server.callback_answers if a.callback_query_id in pressed]) == 8


async def test_a_long_poll_is_sent_again_as_soon_as_its_answer_is_read(fake_server):
    """LongPollRequest: the getUpdates that confirms a batch is on its way before the
    caller asks for it, and is the one the caller's next call gets; any other call (the
    last one at stop, timeout 0) cancels it first, so two never wait at the server."""
    from telegram import Bot

    from bot.aiohttp_request import LongPollRequest

    fake_server.add_user(7001, "An")
    request = LongPollRequest(connection_pool_size=1, read_timeout=5)
    async with Bot(
        "123456:TEST-TOKEN", base_url=fake_server.base_url, get_updates_request=request
    ) as bot:
        fake_server.user_sends(7001, 7001, "một")
        fake_server.user_sends(7001, 7001, "hai")
        first = await bot.get_updates(timeout=5)
        assert [u.message.text for u in first] == ["một", "hai"]
        polls = await fake_server.wait_for(
            lambda: (p := [r for r in fake_server.requests if r.method == "getUpdates"])[1:] and p,
            5,
        )
        assert len(polls) == 2 and polls[1].status is None  # waiting at the server
        assert int(polls[1].params["offset"]) == first[-1].update_id + 1
        fake_server.user_sends(7001, 7001, "ba")
        second = await bot.get_updates(offset=first[-1].update_id + 1, timeout=5)
        assert [u.message.text for u in second] == ["ba"]
        await fake_server.wait_for(
            lambda: len([r for r in fake_server.requests if r.method == "getUpdates"]) == 3, 5
        )
        # the poll sent ahead of "ba" is cancelled by a different call, not left waiting
        last = await bot.get_updates(offset=second[-1].update_id + 1, timeout=0, limit=1)
        assert last == ()
        await fake_server.wait_for(
            lambda: all(
                r.status is not None for r in fake_server.requests if r.method == "getUpdates"
            ),
            5,
        )
