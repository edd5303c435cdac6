"""The fake Telegram server, exercised through python-telegram-bot over real HTTP.

These tests pin down the contract the end-to-end tests rely on: PTB must parse every answer,
and every failure must surface as the exception PTB raises against the real Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
import warnings
from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from fake_telegram import (
    BOT_USER_ID,
    FakeTelegram,
    FakeTelegramClient,
    FakeTelegramError,
    LimitConfig,
    RequestRecord,
)
from fake_telegram.formatting import EntityParseError, parse_html, parse_markdown_v2, utf16_len
from fake_telegram.limits import FloodLimiter

# PTB itself warns inside RetryAfter.__init__ that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123:ABC"
LAN = 42  # a user who started the bot
GROUP = -1001234567890


class ManualClock:
    """A monotonic clock that only moves when told, for exact flood-window tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.add_user(LAN, "Lan", "Nguyễn", username="lan_ng")
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _retry_after(exc: RetryAfter) -> float:
    """PTB 22 warns that retry_after will become a timedelta; accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _seconds(exc.retry_after)


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# ------------------------------------------------------------------------ basics


async def test_get_me_and_base_urls(fake: FakeTelegram, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == BOT_USER_ID and me.is_bot and me.username == "nhacviec_bot"
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/bot"
    assert fake.base_file_url == f"http://127.0.0.1:{fake.port}/file/bot"
    assert fake.requests[0].method == "getMe" and fake.requests[0].status == 200


async def test_malformed_or_revoked_token_is_invalid_token(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot("not-a-token", base_url=fake.base_url):
            pass
    fake.revoked_tokens.add("999:REVOKED")
    with pytest.raises(InvalidToken):
        await telegram.Bot("999:REVOKED", base_url=fake.base_url).initialize()
    assert [r.status for r in fake.requests] == [404, 401]


async def test_send_message_returns_a_full_message(fake: FakeTelegram, bot: telegram.Bot) -> None:
    first = await bot.send_message(LAN, "Xin chào", disable_notification=True)
    second = await bot.send_message(LAN, "<b>Hạn nộp</b> &lt;15/12&gt;", parse_mode="HTML")
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.from_user.id == BOT_USER_ID and first.chat.id == LAN
    assert first.chat.type == "private" and first.chat.first_name == "Lan"
    assert abs(first.date.timestamp() - time.time()) < 5
    # Telegram returns the visible text and entities; the record keeps both forms.
    assert second.text == "Hạn nộp <15/12>"
    assert second.entities[0].type == "bold" and second.entities[0].length == 7
    record = fake.last_message(LAN)
    assert record.text == "Hạn nộp <15/12>" and record.raw_text.startswith("<b>")
    assert fake.sent[0].disable_notification and fake.sent[0].method == "sendMessage"
    assert [m.message_id for m in fake.messages_to(LAN)] == [1, 2]


async def test_edit_text_and_markup_keeps_history(fake: FakeTelegram, bot: telegram.Bot) -> None:
    sent = await bot.send_message(LAN, "Việc 1", reply_markup=_keyboard("done:1", "late:1"))
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "done:1"

    edited = await bot.edit_message_text(
        "Việc 1 ✅", LAN, sent.message_id, reply_markup=_keyboard("undo:1")
    )
    assert edited.text == "Việc 1 ✅" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "Việc 1 ✅", LAN, sent.message_id, reply_markup=_keyboard("undo:1")
        )
    # Editing the text without reply_markup removes the keyboard, as on Telegram.
    plain = await bot.edit_message_text("Việc 1 ✅", LAN, sent.message_id)
    assert plain.reply_markup is None
    again = await bot.edit_message_reply_markup(LAN, sent.message_id, reply_markup=_keyboard("x"))
    assert again.reply_markup.inline_keyboard[0][0].text == "x"

    record = fake.bot_message(LAN, sent.message_id)
    assert record is fake.sent[0] and len(fake.sent) == 1
    assert record.text == "Việc 1 ✅" and record.callback_data == ["x"]
    assert record.method == "sendMessage" and record.last_method == "editMessageReplyMarkup"
    assert [v.method for v in record.history] == [
        "sendMessage",
        "editMessageText",
        "editMessageText",
    ]
    assert record.history[0].text == "Việc 1"
    assert [e.method for e in fake.edits] == [
        "editMessageText",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("?", LAN, 999)


async def test_force_reply_and_replies(fake: FakeTelegram, bot: telegram.Bot) -> None:
    question = await bot.send_message(LAN, "Lý do?", reply_markup=ForceReply(selective=True))
    assert question.reply_markup is None  # Message.reply_markup only shows inline keyboards
    assert fake.last_message(LAN).reply_markup == {"force_reply": True, "selective": True}

    answer = fake.user_sends(LAN, LAN, "thiếu kinh phí", reply_to=question.message_id)
    assert answer["reply_to_message"]["text"] == "Lý do?"
    reply = await bot.send_message(
        LAN, "Đã ghi nhận", reply_parameters=ReplyParameters(answer["message_id"])
    )
    assert reply.reply_to_message.text == "thiếu kinh phí"
    assert reply.reply_to_message.from_user.id == LAN
    assert fake.last_message(LAN).reply_to_message_id == answer["message_id"]
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(LAN, "x", reply_parameters=ReplyParameters(12345))


# ---------------------------------------------------------------- long polling


async def test_long_polling_wakes_on_a_message_and_a_button_press(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    prompt = await bot.send_message(LAN, "Chọn:", reply_markup=_keyboard("ok:7", "no:7"))

    polls = fake.requests_by_method["getUpdates"]
    poll = asyncio.create_task(bot.get_updates(timeout=60))
    while fake.requests_by_method["getUpdates"] == polls:  # the server holds the poll open
        await asyncio.sleep(0.01)
    fake.user_sends(LAN, LAN, "trả lời", reply_to=prompt.message_id)
    # Woken by the message: a poll left to its 60 s timeout would bring no update at all.
    (update,) = await poll
    assert fake.requests_by_method["getUpdates"] == polls + 1  # that one call brought it
    message = update.message
    assert message.text == "trả lời" and message.from_user.full_name == "Lan Nguyễn"
    assert message.reply_to_message.text == "Chọn:"
    assert message.reply_to_message.from_user.id == BOT_USER_ID
    assert message.reply_to_message.reply_markup.inline_keyboard[1][0].callback_data == "no:7"

    query_id = fake.user_presses(LAN, prompt.message_id, "ok:7", LAN)
    (update,) = await bot.get_updates(offset=update.update_id + 1, timeout=5)
    query = update.callback_query
    assert query.id == query_id and query.data == "ok:7" and query.from_user.id == LAN
    assert query.message.message_id == prompt.message_id and query.message.text == "Chọn:"

    assert await bot.answer_callback_query(query.id, text="Đã chọn")
    assert fake.callback_answers[0].text == "Đã chọn"
    assert fake.callback_answers[0].data == "ok:7"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("123")
    with pytest.raises(ValueError, match="no button"):
        fake.user_presses(LAN, prompt.message_id, "gone", LAN)

    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake.pending_updates == 0


async def test_group_commands_edits_and_allowed_updates(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.add_user(43, "Bình")
    fake.add_group(GROUP, "Nhóm Sở GD&ĐT", [LAN, 43])
    sent = fake.user_sends(GROUP, 43, "/start@nhacviec_bot ABC")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 19}]
    fake.user_edits(GROUP, sent["message_id"], "/start@nhacviec_bot XYZ")
    fake.block(LAN)

    updates = await bot.get_updates(allowed_updates=["message", "edited_message"])
    assert [u.effective_message.text for u in updates] == [
        "/start@nhacviec_bot ABC",
        "/start@nhacviec_bot XYZ",
    ]
    command = updates[0].message
    assert command.chat.type == "supergroup" and command.chat.title == "Nhóm Sở GD&ĐT"
    assert command.parse_entities() == {command.entities[0]: "/start@nhacviec_bot"}
    assert updates[1].edited_message.edit_date is not None
    # The my_chat_member update was not asked for, so Telegram dropped it.
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_block_sends_my_chat_member_and_403(fake: FakeTelegram, bot: telegram.Bot) -> None:
    fake.block(LAN)
    (update,) = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(LAN, "nhắc việc")
    fake.user_sends(LAN, LAN, "/start")  # writing to the bot again unblocks it
    assert (await bot.send_message(LAN, "chào lại")).message_id == 2  # 403s use no ids


async def test_second_poller_ends_the_first_with_conflict(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    # A second Bot: one Bot's getUpdates pool has a single connection.
    async with telegram.Bot(TOKEN, base_url=fake.base_url) as other_instance:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(other_instance.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
        assert await second == ()


# ---------------------------------------------------------------------- files


async def test_documents_both_ways(fake: FakeTelegram, bot: telegram.Bot) -> None:
    doc = await bot.send_document(
        LAN, b"%PDF-1.4 bao cao", filename="Báo cáo năm 2026.pdf", caption="Báo cáo"
    )
    assert doc.document.file_name == "Báo cáo năm 2026.pdf"
    assert doc.document.mime_type == "application/pdf" and doc.document.file_size == 16
    assert doc.caption == "Báo cáo"
    record = fake.last_message(LAN)
    assert record.method == "sendDocument" and record.file_bytes == b"%PDF-1.4 bao cao"
    assert record.document["file_name"] == "Báo cáo năm 2026.pdf"
    assert fake.requests[-1].params["document"]["size"] == 16

    again = await bot.send_document(LAN, doc.document.file_id)  # by file_id
    assert again.document.file_id == doc.document.file_id

    incoming = fake.user_sends_document(LAN, LAN, "KH_2026.xlsx", content=b"PK\x03\x04data")
    (update,) = await bot.get_updates()
    document = update.message.document
    assert document.file_name == "KH_2026.xlsx" and document.file_size == 8
    assert document.file_id == incoming["document"]["file_id"]
    file = await bot.get_file(document.file_id)
    assert file.file_path.startswith(fake.base_file_url)
    assert bytes(await file.download_as_bytearray()) == b"PK\x03\x04data"

    fake.user_sends_document(LAN, LAN, "video.mp4", size=30 * 1024 * 1024)
    (update,) = await bot.get_updates(offset=update.update_id + 1)
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await bot.get_file(update.message.document.file_id)
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_document(LAN, "no-such-file-id")

    photo = await bot.send_photo(LAN, b"\xff\xd8\xff fake jpeg", caption="ảnh")
    assert photo.photo[-1].file_size == 13 and photo.caption == "ảnh"


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"text": ""}, BadRequest, "message text is empty"),
        ({"text": "  \n"}, BadRequest, "message text is empty"),
        ({"text": "x" * 4097}, BadRequest, "message is too long"),
        ({"text": "😀" * 2049}, BadRequest, "message is too long"),  # 4098 UTF-16 units
        # 8200 characters sent, 4000 visible: Telegram counts the visible text.
        ({"text": "<b>x</b>" * 600 + "y" * 3400, "parse_mode": "HTML"}, None, None),
        ({"text": "a <b", "parse_mode": "HTML"}, BadRequest, "can't parse entities: Unclosed"),
        ({"text": "1.0", "parse_mode": "MarkdownV2"}, BadRequest, r"Character '\.' is reserved"),
        ({"text": "x", "chat_id": 777}, BadRequest, "chat not found"),
        ({"text": "x", "reply_markup": _keyboard("ạ" * 22)}, BadRequest, "BUTTON_DATA_INVALID"),
        ({"text": "x", "reply_markup": _keyboard("a" * 64)}, None, None),
    ],
)
async def test_send_message_validation(
    bot: telegram.Bot, kwargs: dict, error: type[Exception] | None, match: str | None
) -> None:
    kwargs.setdefault("chat_id", LAN)
    if error is None:
        assert (await bot.send_message(**kwargs)).message_id == 1
        return
    # PTB drops "Bad Request: " and applies str.capitalize(), which lowercases the rest.
    with pytest.raises(error, match=f"(?i){match}"):
        await bot.send_message(**kwargs)


async def test_caption_limit_and_users_who_cannot_be_messaged(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_document(LAN, b"x", filename="a.txt", caption="c" * 1025)
    fake.add_user(50, "Minh", blocked=True)
    fake.add_user(51, "Hoa", started=False)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(50, "x")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(51, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(51, "typing")
    assert fake.sent == []
    assert [r.status for r in fake.requests[-4:]] == [400, 403, 403, 403]


# --------------------------------------------------------------- injections


async def test_injected_failures_map_to_ptb_exceptions(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.inject(429, method="sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(LAN, "x")
    assert _retry_after(caught.value) == 7

    fake.inject(403, chat_id=LAN)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(LAN, "x")
    fake.inject(500, method="sendMessage")
    with pytest.raises(NetworkError) as caught_500:
        await bot.send_message(LAN, "x")
    assert not isinstance(caught_500.value, BadRequest)
    fake.inject(502, method="editMessageText", description="Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.edit_message_text("y", LAN, 1)

    assert fake.sent == [] and fake.injections == []
    await bot.send_message(LAN, "now it works")  # each injection was used up once
    fake.inject(500, times=None)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(LAN, "x")
    fake.clear_injections()
    assert (await bot.send_message(LAN, "ok")).message_id == 2


async def test_injected_timeout_with_and_without_delivery(fake: FakeTelegram) -> None:
    request = HTTPXRequest(read_timeout=0.5)
    async with telegram.Bot(TOKEN, base_url=fake.base_url, request=request) as bot:
        fake.inject("timeout", method="sendMessage", delay=1.5)
        with pytest.raises(TimedOut):  # the client gave up on the answer the server held
            await bot.send_message(LAN, "lost")
        assert fake.requests_by_method["sendMessage"] == 1 and fake.sent == []

        fake.inject("timeout", method="sendMessage", delay=1.5, deliver=True)
        with pytest.raises(TimedOut):
            await bot.send_message(LAN, "delivered anyway")
        assert [m.text for m in fake.sent] == ["delivered anyway"]


async def test_missing_methods_answer_404(bot: telegram.Bot) -> None:
    server = FakeTelegram(missing_methods={"setMyCommands"})
    await server.start()
    try:
        async with telegram.Bot(TOKEN, base_url=server.base_url) as lacking:
            # PTB maps every 404 to InvalidToken, even for a missing method.
            with pytest.raises(InvalidToken):
                await lacking.set_my_commands([BotCommand("start", "Bắt đầu")])
            with pytest.raises(EndPointNotFound):
                await lacking.do_api_request("setChatMenuButtonX")
            assert server.requests[-1].description == "Not Found: method not found"
    finally:
        await server.stop()
    # The regular server keeps commands per scope.
    chat_scope = BotCommandScopeChat(LAN)
    assert await bot.set_my_commands([BotCommand("viec", "Việc của tôi")])
    assert await bot.set_my_commands([BotCommand("tonghop", "Tổng hợp")], scope=chat_scope)
    assert [c.command for c in await bot.get_my_commands()] == ["viec"]
    assert [c.command for c in await bot.get_my_commands(scope=chat_scope)] == ["tonghop"]
    assert await bot.delete_my_commands(scope=chat_scope)
    assert await bot.get_my_commands(scope=chat_scope) == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Viec", "x")])


async def test_raw_http_json_body_method_case_and_unknown_method(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        body = {
            "chat_id": LAN,
            "text": "123",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        }
        async with http.post(f"{fake.base_url}{TOKEN}/SENDMESSAGE", json=body) as resp:
            answer = await resp.json()
        assert resp.status == 200 and answer["ok"] is True
        assert answer["result"]["text"] == "123"  # a string, although it looks like a number
        async with http.get(f"{fake.base_url}{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        fake.inject(429, retry_after=3)
        async with http.post(
            f"{fake.base_url}{TOKEN}/sendMessage", data={"chat_id": str(LAN), "text": "x"}
        ) as resp:
            assert resp.status == 429
            assert await resp.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            }


# -------------------------------------------------------------- flood limits


async def test_flood_limits() -> None:
    clock = ManualClock()
    server = FakeTelegram(enforce_limits=True, clock=clock)
    await server.start()
    try:
        for user_id in range(1, 33):
            server.add_user(user_id, f"U{user_id}")
        server.add_group(-500, "Nhóm", [1])
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            failures = []
            for user_id in range(1, 32):  # 31 sends in the same instant, all different chats
                try:
                    await bot.send_message(user_id, "nhắc")
                except RetryAfter as exc:
                    failures.append((user_id, _retry_after(exc)))
            assert failures == [(31, 1.0)]
            assert server.limit_violations == 1 and len(server.sent) == 30

            clock.advance(1.0)
            await bot.send_message(32, "một")
            with pytest.raises(RetryAfter):
                await bot.send_message(32, "hai")  # 1 per second per private chat
            edited = await bot.edit_message_text("một (sửa)", 32, 1)  # edits don't count
            assert edited.text == "một (sửa)"
            clock.advance(1.0)
            await bot.send_message(32, "hai")

            for _ in range(20):
                clock.advance(0.1)
                await bot.send_message(-500, "nhóm")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(-500, "quá")
            assert _retry_after(caught.value) == 59  # the oldest group send leaves in 58.1 s
            assert server.limit_violations == 3

            server.enforce_limits = False
            await bot.send_message(-500, "không giới hạn")
            assert server.stats()["violations"] == 3
    finally:
        await server.stop()


def test_limiter_windows_are_sliding() -> None:
    limiter = FloodLimiter(LimitConfig(global_per_second=2, private_per_second=1))
    limiter.record(1, 10.0)
    limiter.record(2, 10.5)
    assert limiter.retry_after(3, 10.9) == 1
    assert limiter.retry_after(3, 11.01) is None  # the first send left the window
    assert limiter.retry_after(2, 11.01) == 1


# ------------------------------------------------------------------ formatting


def test_html_and_markdown_v2_like_telegram() -> None:
    parsed = parse_html(
        '<a href="https://x.vn/a?b=1&amp;c=2">link</a> <pre><code '
        'class="language-python">x=1</code></pre> &#128512;'
    )
    assert parsed.text == "link x=1 😀"
    assert parsed.entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.vn/a?b=1&c=2"},
        {"type": "pre", "offset": 5, "length": 3, "language": "python"},
    ]
    assert utf16_len(parsed.text) == 11
    with pytest.raises(EntityParseError, match='Unsupported start tag "br" at byte offset 4'):
        parse_html("ạ <br>")
    with pytest.raises(EntityParseError, match="Can't find end tag corresponding to start tag b"):
        parse_html("<b>x")
    with pytest.raises(EntityParseError, match=r'expected "</b>", found "</i>"'):
        parse_html("<b>x</i>")

    md = parse_markdown_v2(r"*Đậm* _nghiêng_ __gạch__ [web](https://x.vn) 1\.0 ||ẩn||")
    assert md.text == "Đậm nghiêng gạch web 1.0 ẩn"
    assert [e["type"] for e in md.entities] == [
        "bold",
        "italic",
        "underline",
        "text_link",
        "spoiler",
    ]
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*open")
    with pytest.raises(EntityParseError, match="Character '-' is reserved"):
        parse_markdown_v2("a-b")


# ----------------------------------------------------- HTTP control and the CLI


async def test_control_client_drives_an_application_end_to_end(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            f"Chào {update.effective_user.first_name}: {' '.join(context.args)}",
            reply_markup=_keyboard("xem"),
        )

    app = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app, FakeTelegramClient(fake.url) as client:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await client.add_user(77, "Phúc", username="phuc")
            sent = await client.user_sends(77, 77, "/start ABC123")
            assert sent["entities"][0]["type"] == "bot_command"
            (reply,) = await client.wait_for_messages(77, 1, timeout=5)
            assert reply["text"] == "Chào Phúc: ABC123"
            assert reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "xem"
            page = await client.sent(chat_id=77)
            assert [m["text"] for m in page["messages"]] == ["Chào Phúc: ABC123"]
            assert (await client.sent(since_index=page["next_index"]))["messages"] == []

            await client.inject(429, method="sendMessage", retry_after=3)
            await client.user_sends(77, 77, "/start again")
            await fake.wait_for(lambda: fake.status_counts[429] == 1, timeout=5)
            stats = await client.stats()
            assert stats["sent"] == 1 and stats["requests_by_method"]["sendMessage"] == 2
            await client.reset()
            assert (await client.stats())["sent"] == 0
        finally:
            await app.updater.stop()
            await app.stop()


async def test_wait_for_times_out_without_busy_waiting(fake: FakeTelegram) -> None:
    with pytest.raises(TimeoutError, match="wanted 1"):
        await fake.wait_for_messages(LAN, 1, timeout=0.2)
    asked = 0

    def never() -> bool:
        nonlocal asked
        asked += 1
        return False

    with pytest.raises(TimeoutError):
        await fake.wait_for(never, timeout=0.3)
    # Asked once, then once more at the deadline (a timer may fire a hair early): a loop
    # that polled instead of waiting for a change would have asked hundreds of times.
    assert 2 <= asked <= 3


async def test_cli_prints_the_base_url_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fake_telegram",
        "--port",
        "0",
        "--user",
        "42:Lan",
        stdout=asyncio.subprocess.PIPE,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode().strip()
        assert line.startswith("TELEGRAM_API_BASE_URL=http://127.0.0.1:")
        base_url = line.split("=", 1)[1]
        async with telegram.Bot(TOKEN, base_url=base_url) as bot:
            assert (await bot.send_message(42, "chào")).chat.first_name == "Lan"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0


# ------------------------------------------------------------- the network model


async def _arrived(server: FakeTelegram, method: str) -> RequestRecord:
    """The first request of ``method`` as soon as it reaches the server (before it acts)."""
    while True:
        record = next((r for r in server.requests if r.method == method), None)
        if record is not None:
            return record
        await asyncio.sleep(0.005)


async def test_round_trip_holds_each_call_half_before_and_half_after_it_takes_effect() -> None:
    async with FakeTelegram(latency_ms=600, network_seed=1) as server:
        server.add_user(LAN, "Lan")
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            sending = asyncio.create_task(bot.send_message(LAN, "Nhắc việc"))
            record = await _arrived(server, "sendMessage")
            # The request has reached the server, but the message is not sent yet.
            assert server.sent == [] and record.status is None
            await server.wait_for(lambda: server.sent)
            assert not sending.done()  # taken effect; the answer is still on its way
            message = await sending
            assert message.text == "Nhắc việc" and record.status == 200

            # getUpdates goes over the same network: an update waiting on the server is
            # only handed out half a round trip after the poll arrives.
            server.user_sends(LAN, LAN, "/viec")
            polling = asyncio.create_task(bot.get_updates(timeout=0))
            poll = await _arrived(server, "getUpdates")
            assert poll.status is None and not polling.done()
            (update,) = await polling
            assert update.message.text == "/viec" and poll.status == 200


def test_jitter_draws_are_seeded_and_within_the_spread() -> None:
    from fake_telegram.network import NetworkModel

    first = NetworkModel(latency_ms=200, jitter=0.2, seed=7)
    second = NetworkModel(latency_ms=200, jitter=0.2, seed=7)
    trips = [first.round_trip() for _ in range(500)]
    assert trips == [second.round_trip() for _ in range(500)]
    assert all(0.16 <= trip <= 0.24 for trip in trips)
    assert min(trips) < 0.17 and max(trips) > 0.23  # the spread is used, not a constant
    there, back = first.halves()
    assert there == back and 0.08 <= there <= 0.12
    assert NetworkModel(latency_ms=200).round_trip() == 0.2
    assert NetworkModel().active is False
    with pytest.raises(ValueError):
        NetworkModel(jitter=1.5)
    with pytest.raises(ValueError):
        NetworkModel(lost_mode="drop")


async def test_a_lost_answer_delivers_the_message_but_the_bot_times_out() -> None:
    async with FakeTelegram(network_seed=3) as server:
        server.add_user(LAN, "Lan")
        request = HTTPXRequest(read_timeout=0.3, write_timeout=0.3)
        async with telegram.Bot(TOKEN, base_url=server.base_url, request=request) as bot:
            server.network.configure(lost_fraction=1.0)
            with pytest.raises(TimedOut):
                await bot.send_message(LAN, "Đã gửi mà không biết")
            assert [m.text for m in server.messages_to(LAN)] == ["Đã gửi mà không biết"]
            (record,) = [r for r in server.requests if r.method == "sendMessage"]
            assert record.answer_lost and record.status == 200
            assert server.network.lost_answers == 1
            # getUpdates answers are never lost.
            assert await bot.get_updates(timeout=0) == ()


async def test_a_lost_answer_can_drop_the_connection_instead() -> None:
    async with FakeTelegram(lost_mode="close", network_seed=3) as server:
        server.add_user(LAN, "Lan")
        async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
            server.network.configure(lost_fraction=1.0)
            with pytest.raises(NetworkError):
                await bot.send_message(LAN, "Mất kết nối")
            assert [m.text for m in server.messages_to(LAN)] == ["Mất kết nối"]
            assert server.network.lost_answers == 1


async def test_a_seeded_fraction_of_answers_is_lost_and_every_call_took_effect() -> None:
    async def run() -> list[bool]:
        async with FakeTelegram(lost_mode="close", network_seed=11) as s:
            s.add_user(LAN, "Lan")
            outcomes = []
            async with telegram.Bot(TOKEN, base_url=s.base_url) as bot:
                s.network.configure(lost_fraction=0.25)
                for n in range(40):
                    try:
                        await bot.send_message(LAN, f"tin {n}")
                        outcomes.append(True)
                    except NetworkError:
                        outcomes.append(False)
            # Every message arrived, once, in order, whether or not its answer did.
            assert [m.text for m in s.messages_to(LAN)] == [f"tin {n}" for n in range(40)]
            assert s.network.lost_answers == outcomes.count(False)
            assert sum(r.answer_lost for r in s.requests) == outcomes.count(False)
            return outcomes

    first = await run()
    assert 3 <= first.count(False) <= 20
    assert await run() == first  # same seed, same calls lost


async def test_network_control_route_and_client(fake: FakeTelegram, bot: telegram.Bot) -> None:
    async with FakeTelegramClient(fake.url) as client:
        settings = await client.set_network(latency_ms=200, jitter=0.2, seed=5)
        assert settings["latency_ms"] == 200 and settings["jitter"] == 0.2
        assert (fake.network.latency_ms, fake.network.seed) == (200, 5)
        settings = await client.set_network(latency_ms=0, lost_fraction=1.0, lost_mode="close")
        assert settings["jitter"] == 0.2  # fields not given are kept
        with pytest.raises(NetworkError):
            await bot.send_message(LAN, "x")
        assert (await client.stats())["lost_answers"] == 1
        assert (await client._get("network"))["lost_answers"] == 1
        with pytest.raises(FakeTelegramError):
            await client.set_network(lost_fraction=2)
        with pytest.raises(FakeTelegramError):
            await client._post("network", latency=5)
        await client.set_network(lost_fraction=0)
        assert (await bot.send_message(LAN, "y")).text == "y"
        await client.reset()
        assert fake.network.lost_answers == 0


async def test_cli_takes_the_network_options() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fake_telegram",
        "--port",
        "0",
        "--latency-ms",
        "50",
        "--jitter",
        "0.2",
        "--lost-fraction",
        "0.05",
        "--network-seed",
        "9",
        stdout=asyncio.subprocess.PIPE,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode().strip()
        root = line.split("=", 1)[1].removesuffix("/bot")
        async with FakeTelegramClient(root) as client:
            settings = await client._get("network")
        assert settings == {
            "latency_ms": 50.0,
            "jitter": 0.2,
            "lost_fraction": 0.05,
            "lost_mode": "hold",
            "seed": 9,
            "lost_answers": 0,
        }
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
