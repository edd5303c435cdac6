"""Group chats as Telegram has them: a group upgraded to a supergroup (a new chat id, told
by a service message or by a 400 when a send meets it first), the bot removed from a group
or blocked and back (my_chat_member), commands addressed to a bot by name, forum topics,
and any member answering for the body."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Contact, Outbox, TaskEvent
from services import tasks as task_service
from services.clock import VN_TZ
from tests.harness import stop_periodic_jobs

D = dt.date
GROUP = -4711


@pytest.fixture
def settings(settings):
    # 20 messages to one group: Telegram's 20 a minute would make the test wait a minute.
    return settings.model_copy(update={"rate_group_per_min": 6000.0})


def at(day: D, hour: int = 8) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, 30, tzinfo=VN_TZ)


def reminders_in(server, chat_id: int) -> list:
    head = texts.REMINDER_HEAD.split("{")[0]
    return [m for m in server.messages_to(chat_id) if (m.text or "").startswith(head)]


async def linked_group(world, *members: str, forum: bool = False, chat_id: int = GROUP):
    await world.agency("UBND xã Phước Dinh", code="PD")
    people = [world.person(name) for name in members]
    world.server.add_group(chat_id, "Nhóm UBND xã Phước Dinh", people, forum=forum)
    return people


async def contact_of(world, chat_id: int) -> Contact | None:
    async with world.db.session() as session:
        return await session.scalar(select(Contact).where(Contact.chat_id == chat_id))


async def twenty_tasks(world) -> list[int]:
    ids = []
    async with world.db.session() as session:
        for n in range(1, 21):
            view = await task_service.add_task(
                session, agency_ref="PD", title=f"Báo cáo chuyên đề {n}", due_date=D(2026, 12, 4)
            )
            ids.append(view.id)
    return ids


@pytest.mark.parametrize("told", ["by_service_message", "by_the_400_answer"])
async def test_twenty_reminders_queued_for_a_group_arrive_once_in_its_supergroup(world, told):
    await stop_periodic_jobs(world.app)
    (member,) = await linked_group(world, "Đỗ Văn Hải")
    reply = await world.say(
        GROUP, f"/start@nhacviec_bot {await world.invite('PD')}", user_id=member
    )
    assert reply.text == texts.LINKED_GROUP.format(agency="UBND xã Phước Dinh")
    tasks = await twenty_tasks(world)
    async with world.db.session() as session:
        queued = await session.scalar(
            select(sa.func.count())
            .select_from(Outbox)
            .where(Outbox.chat_id == GROUP, Outbox.state == "pending")
        )
    assert queued and queued % 20 == 0  # each task's reminders ahead, before and overdue

    new_id = world.server.migrate_group(GROUP, notify=told == "by_service_message")
    if told == "by_service_message":
        await _until(world, lambda c: c is not None, new_id)
    world.clock.set(at(D(2026, 11, 27)))
    while await world.dispatch():
        pass
    got = Counter(m.text.split("📌 ")[1].split("\n")[0] for m in reminders_in(world.server, new_id))
    assert got == Counter(f"Báo cáo chuyên đề {n}" for n in range(1, 21))
    assert reminders_in(world.server, GROUP) == []
    upgraded = [r for r in world.server.requests if r.status == 400]
    assert (len(upgraded) > 0) == (told == "by_the_400_answer")
    contact = await contact_of(world, new_id)
    assert contact is not None and contact.chat_type == "supergroup"
    assert await contact_of(world, GROUP) is None
    async with world.db.session() as session:
        left = (
            await session.execute(
                select(Outbox.chat_id, Outbox.state).where(Outbox.task_id.in_(tasks))
            )
        ).all()
    assert {chat for chat, _ in left} == {new_id}
    assert Counter(state for _, state in left) == Counter({"sent": 20, "pending": queued - 20})
    # The supergroup goes on as the body's chat.
    listing = await world.say(new_id, "/viec@nhacviec_bot", user_id=member)
    assert listing.text.startswith(
        texts.TASKS_HEAD_PAGES.format(agency="UBND xã Phước Dinh", count=20, page=1, pages=3)
    )


async def test_bot_removed_from_a_group_and_back_tells_coordinators(world):
    await stop_periodic_jobs(world.app)
    admin, other = await linked_group(world, "Đỗ Văn Hải", "Mai Thị Hoa")
    coord = await world.coordinator()
    await world.say(GROUP, f"/start@nhacviec_bot {await world.invite('PD')}", user_id=admin)
    await twenty_tasks(world)
    world.server.remove_bot(GROUP, by_user_id=other)
    contact = await _wait_contact(world, GROUP, reachable=False)
    assert contact.unreachable_reason == "bot_removed"
    await world.dispatch()
    notice = world.server.last_message(coord).text
    assert notice == (
        texts.CONTACT_GONE_GROUP.format(who="Nhóm UBND xã Phước Dinh", agency="UBND xã Phước Dinh")
        + "\n"
        + texts.CONTACT_GONE_NOBODY.format(agency="UBND xã Phước Dinh")
    )
    # Nothing is tried while the bot is out: no 403s, nothing lost for later.
    world.clock.set(at(D(2026, 11, 27)))
    requests = len(world.server.requests)
    await world.dispatch()
    assert [r.method for r in world.server.requests[requests:]] == []
    world.server.add_bot(GROUP, by_user_id=admin)
    await _wait_contact(world, GROUP, reachable=True)
    await world.dispatch()
    assert world.server.last_message(coord).text == texts.CONTACT_BACK_GROUP.format(
        who="Nhóm UBND xã Phước Dinh", agency="UBND xã Phước Dinh"
    )
    world.clock.set(at(D(2026, 12, 1)))
    await world.dispatch()
    assert len(reminders_in(world.server, GROUP)) == 20


async def test_a_person_blocking_the_bot_is_told_to_coordinators_at_once(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    coord = await world.coordinator()
    user = await world.official("SYT", name="Nguyễn Văn An")
    world.server.block(user)
    await _wait_contact(world, user, reachable=False)
    await world.dispatch()
    assert world.server.last_message(coord).text.startswith(
        texts.CONTACT_GONE_PRIVATE.format(who="Nguyễn Văn An", agency="Sở Y tế")
    )
    world.server.unblock(user)
    await _wait_contact(world, user, reachable=True)
    await world.dispatch()
    assert world.server.last_message(coord).text == texts.CONTACT_BACK_PRIVATE.format(
        who="Nguyễn Văn An", agency="Sở Y tế"
    )


async def _until(world, check, chat_id: int) -> Contact:
    """The chat's contact once `check` holds for it (the bot handles updates on its own)."""
    for _ in range(200):
        contact = await contact_of(world, chat_id)
        if check(contact):
            return contact
        await world.quiet(0.05)
    raise AssertionError(f"contact of chat {chat_id} never got there")


async def _wait_contact(world, chat_id: int, *, reachable: bool) -> Contact:
    return await _until(world, lambda c: c is not None and c.reachable == reachable, chat_id)


async def test_commands_to_this_bot_by_name_work_and_to_another_bot_are_left_alone(world):
    (member,) = await linked_group(world, "Đỗ Văn Hải")
    await world.say(GROUP, f"/start@nhacviec_bot {await world.invite('PD')}", user_id=member)
    assert (await world.say(GROUP, "/help@NhacViec_Bot", user_id=member)).text.startswith(
        texts.HELP_OFFICIAL.split("{")[0]
    )
    before = len(world.server.messages_to(GROUP))
    for command in ("/viec@bot_khac", "/lenhla@bot_khac", "/start@bot_khac abc"):
        world.server.user_sends(GROUP, member, command)
    reply = await world.say(GROUP, "/lenhla@nhacviec_bot", user_id=member)
    assert reply.text == texts.UNKNOWN_COMMAND
    assert len(world.server.messages_to(GROUP)) == before + 1


async def test_forum_topic_messages_are_answered_in_their_topic(world):
    chat = -1000000004242
    first, second = await linked_group(world, "Đỗ Văn Hải", "Mai Thị Hoa", forum=True, chat_id=chat)
    topic = world.server.create_topic(chat, "Nhắc việc")
    reply = await world.say(
        chat, f"/start@nhacviec_bot {await world.invite('PD')}", user_id=first, thread_id=topic
    )
    assert reply.text == texts.LINKED_GROUP.format(agency="UBND xã Phước Dinh")
    assert reply.message_thread_id == topic
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="PD", title="Báo cáo năm", due_date=D(2026, 12, 15)
        )
    listing = await world.say(chat, "/viec", user_id=second, thread_id=topic)
    assert listing.message_thread_id == topic
    card = await world.open_task(chat, listing, 1, user_id=second)
    await world.press(chat, card.message_id, f"t:{view.id}:b", user_id=second)
    ask = await world.server.wait_for(
        lambda: next(
            (m for m in world.server.messages_to(chat) if m.text.startswith("⚠️ «Báo cáo năm»")),
            None,
        )
    )
    assert ask.message_thread_id == topic
    done = await world.say(
        chat, "thiếu kinh phí", user_id=second, reply_to=ask.message_id, thread_id=topic
    )
    assert done.message_thread_id == topic
    assert done.text == texts.UPDATED_BLOCKED.format(title="Báo cáo năm", note="thiếu kinh phí")
    # Talk in the topic that answers nothing (it "replies" to the topic's first message).
    before = len(world.server.messages_to(chat))
    world.server.user_sends(chat, first, "Mọi người nhớ nộp báo cáo nhé", thread_id=topic)
    await world.quiet()
    assert len(world.server.messages_to(chat)) == before


async def test_any_member_answers_for_the_body_and_history_records_who(world):
    await stop_periodic_jobs(world.app)
    linker, colleague = await linked_group(world, "Đỗ Văn Hải", "Mai Thị Hoa")
    coord = await world.coordinator()
    await world.say(GROUP, f"/start@nhacviec_bot {await world.invite('PD')}", user_id=linker)
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="PD", title="Báo cáo năm", due_date=D(2026, 12, 15)
        )
    listing = await world.say(GROUP, "/viec", user_id=linker)
    card = await world.open_task(GROUP, listing, 1, user_id=colleague)
    answer = await world.press(GROUP, card.message_id, f"t:{view.id}:d", user_id=colleague)
    assert answer.text.startswith(texts.UPDATED_DONE.split("{")[0])
    reply = await world.say(GROUP, "đang làm lại", user_id=linker, reply_to=card.message_id)
    assert reply.text
    async with world.db.session() as session:
        events = (
            await session.scalars(
                select(TaskEvent).where(
                    TaskEvent.task_id == view.id, TaskEvent.action == "progress"
                )
            )
        ).all()
    assert [(e.actor_name, e.actor_user_id) for e in events][:1] == [("Mai Thị Hoa", colleague)]
    await world.dispatch()
    assert "Mai Thị Hoa (UBND xã Phước Dinh)" in world.server.last_message(coord).text
