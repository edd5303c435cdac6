"""The fake server's group chats, as python-telegram-bot meets them over HTTP: a basic group
upgraded to a supergroup (service messages, then 400 with migrate_to_chat_id), the bot
removed and added back (my_chat_member, 403), and forum topics (message_thread_id)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden

from fake_telegram import FakeTelegram, FakeTelegramClient

TOKEN = "123:ABC"
LAN, BINH = 42, 43
GROUP = -4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.add_user(LAN, "Lan")
    server.add_user(BINH, "Bình")
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=fake.base_url) as b:
        yield b


async def test_migration_gives_service_messages_then_400_with_the_new_id(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.add_group(GROUP, "Nhóm xã", [LAN, BINH])
    await bot.send_message(GROUP, "trước khi nâng cấp")
    new_id = fake.migrate_group(GROUP, by_user_id=BINH)
    assert new_id == -1000000004242 and fake.groups[new_id].type == "supergroup"
    updates = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    old, new = (u.message for u in updates)
    assert (old.chat.id, old.migrate_to_chat_id, old.from_user.id) == (GROUP, new_id, BINH)
    assert (new.chat.id, new.migrate_from_chat_id) == (new_id, GROUP)
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(GROUP, "sau khi nâng cấp")
    assert raised.value.new_chat_id == new_id
    assert fake.requests[-1].status == 400
    sent = await bot.send_message(new_id, "vào siêu nhóm")
    assert sent.chat.type == "supergroup" and fake.messages_to(GROUP)[-1].text != sent.text
    with pytest.raises(ValueError, match="upgraded"):
        fake.user_sends(GROUP, LAN, "/viec")
    fake.user_sends(new_id, LAN, "/viec")


async def test_migration_without_notice_is_learnt_from_the_400(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.add_group(GROUP, "Nhóm xã", [LAN])
    new_id = fake.migrate_group(GROUP, notify=False)
    assert await bot.get_updates(allowed_updates=Update.ALL_TYPES) == ()
    with pytest.raises(ChatMigrated):
        await bot.send_document(GROUP, b"%PDF-1.4", filename="bc.pdf")
    with pytest.raises(ValueError):
        fake.migrate_group(new_id)  # a supergroup is not upgraded again


async def test_bot_removed_from_a_group_and_added_back(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.add_group(GROUP, "Nhóm xã", [LAN, BINH])
    fake.remove_bot(GROUP, by_user_id=BINH)
    (update,) = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    change = update.my_chat_member
    assert change.chat.id == GROUP and change.from_user.id == BINH
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "còn đó không?")
    with pytest.raises(ValueError, match="not in group"):
        fake.user_sends(GROUP, LAN, "/viec")
    fake.add_bot(GROUP, by_user_id=LAN)
    (update,) = await bot.get_updates(offset=update.update_id + 1)
    assert update.my_chat_member.new_chat_member.status == "member"
    assert (await bot.send_message(GROUP, "đã trở lại")).chat.id == GROUP
    fake.remove_bot(GROUP, kicked=False)
    with pytest.raises(Forbidden, match="not a member"):
        await bot.send_message(GROUP, "?")


async def test_forum_topics_carry_their_thread_id(fake: FakeTelegram, bot: telegram.Bot) -> None:
    forum = -1000000000777
    fake.add_group(forum, "Diễn đàn xã", [LAN], forum=True)
    topic = fake.create_topic(forum, "Báo cáo")
    fake.user_sends(forum, LAN, "/viec", thread_id=topic)
    created, command = (u.message for u in await bot.get_updates())
    assert created.forum_topic_created.name == "Báo cáo" and created.message_thread_id == topic
    assert command.is_topic_message and command.message_thread_id == topic
    assert command.reply_to_message.forum_topic_created is not None  # as on Telegram
    answer = await command.reply_text("trả lời")  # PTB keeps the topic for a reply
    assert answer.message_thread_id == topic and answer.is_topic_message
    assert fake.last_message(forum).message_thread_id == topic
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum, "?", message_thread_id=9999)
    plain = await bot.send_message(forum, "chung")
    assert plain.message_thread_id is None and fake.last_message(forum).message_thread_id is None
    with pytest.raises(ValueError):
        fake.user_sends(forum, LAN, "?", thread_id=9999)


async def test_group_controls_over_http(fake: FakeTelegram, bot: telegram.Bot) -> None:
    async with FakeTelegramClient(fake.url) as client:
        await client.add_group(-5151, "Nhóm", [LAN])
        new_id = await client.migrate_group(-5151, notify=False)
        forum = -1000000000888
        await client.add_group(forum, "Diễn đàn", [LAN], forum=True)
        topic = await client.create_topic(forum, "Chung")
        await client.user_sends(forum, LAN, "xin chào", thread_id=topic)
        await client.remove_bot(new_id)
        await client.add_bot(new_id)
    kinds = [u.effective_message or u.my_chat_member for u in await bot.get_updates()]
    assert len(kinds) == 4
