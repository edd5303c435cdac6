"""`nhacviec demo`: the whole loop offline, against the project's fake Bot API server.

It starts the fake server on 127.0.0.1, a fresh SQLite database, and the real bot; imports
a real plan; then plays a coordinator and two officials, printing the conversation as it
happens. With --keep it goes on running afterwards, so a person or a program can drive the
fake server (see README, "Thử không cần Telegram").
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import tempfile
from pathlib import Path

from telegram import Update

from bot import texts
from bot.app import build_application
from db.session import Database
from fake_telegram import FakeTelegram
from services import agencies, clock, invites, plans
from services.settings import Settings

SAMPLE_PLAN = Path(__file__).resolve().parent.parent / "demo" / "ke_hoach_mau.txt"
_PLAN_YEAR = re.compile(r"\bnăm\s+(\d{4})\b")


def shift_plan_year(text: str, year: int) -> str:
    """The plan as if issued for `year`: its own year (the first «năm YYYY») becomes `year`
    in dates (d/m/YYYY) and in «năm YYYY»; other years (laws, periods such as
    «2021 - 2025») are left as written."""
    found = _PLAN_YEAR.search(text)
    if found is None or int(found[1]) == year:
        return text
    old = found[1]
    return re.sub(rf"(?<=/){old}\b|(?<=năm ){old}\b", str(year), text)


COORDINATOR, OFFICIAL_YT, OFFICIAL_TP = 9001, 9002, 9003


class Demo:
    def __init__(self, server: FakeTelegram) -> None:
        self.server = server

    def show(self, who: str, text: str) -> None:
        print(f"\n{who}:\n  " + text.replace("\n", "\n  "))

    async def say(
        self, chat: int, who: str, text: str, reply_to: int | None = None, expect: int = 1
    ):  # type: ignore[no-untyped-def]
        before = len(self.server.messages_to(chat))
        self.show(who, text)
        self.server.user_sends(chat, chat, text, reply_to=reply_to)
        messages = (await self.server.wait_for_messages(chat, before + expect, timeout=15))[before:]
        for m in messages:
            self.show("🤖 nhacviec", m.text or m.caption or "")
        return messages[-1]

    async def press(self, chat: int, who: str, message, label: str):  # type: ignore[no-untyped-def]
        data = next(
            b["callback_data"]
            for row in message.reply_markup["inline_keyboard"]
            for b in row
            if b["text"].startswith(label)
        )
        self.show(who, f"[bấm nút «{label}»]")
        query = self.server.user_presses(chat, message.message_id, data, chat)
        answer = await self.server.wait_for(
            lambda: next(
                (a for a in self.server.callback_answers if str(a.callback_query_id) == query), None
            ),
            15,
        )
        if answer.text:
            self.show("🤖 nhacviec", answer.text)


async def play(demo: Demo, coordinator_code: str, yt_code: str, tp_code: str) -> None:
    """The scripted conversation: linking, a list, a button, a reply, an extension."""
    server = demo.server
    coord, an, cuc = "👩 Chị Bình (điều phối)", "👨 Anh An (Sở Y tế)", "👩 Chị Cúc (Sở Tư pháp)"
    await demo.say(COORDINATOR, coord, f"/start {coordinator_code}")
    await demo.say(OFFICIAL_YT, an, f"/start {yt_code}")
    await demo.say(OFFICIAL_TP, cuc, f"/start {tp_code}")
    listing = await demo.say(OFFICIAL_TP, cuc, "/viec")
    await demo.press(OFFICIAL_TP, cuc, listing, "1. ⏳")
    before = len(server.messages_to(OFFICIAL_YT))
    await demo.say(OFFICIAL_YT, an, "/viec", expect=2)
    first_page = server.messages_to(OFFICIAL_YT)[before]
    await demo.press(OFFICIAL_YT, an, first_page, "1. ✅")
    await demo.press(OFFICIAL_YT, an, first_page, "2. 📅")
    ask = (await server.wait_for_messages(OFFICIAL_YT, before + 3, timeout=15))[-1]
    demo.show("🤖 nhacviec", ask.text)
    due = (clock.today_vn() + dt.timedelta(days=40)).strftime("%d/%m/%Y")
    await demo.say(OFFICIAL_YT, an, due, reply_to=ask.message_id)
    notices = await server.wait_for(
        lambda: [
            m
            for m in server.messages_to(COORDINATOR)
            if m.reply_markup and texts.FLAG_EXTENSION in m.text
        ],
        15,
    )
    for m in server.messages_to(COORDINATOR)[1:]:
        demo.show("🤖 nhacviec → chị Bình", m.text)
    await demo.press(COORDINATOR, coord, notices[-1], "✅")
    await demo.say(COORDINATOR, coord, "/tonghop SYT")


async def run_demo(port: int, keep: bool) -> None:
    server = FakeTelegram(bot_username="nhacviec_bot")
    await server.start(port=port)
    folder = Path(tempfile.mkdtemp(prefix="nhacviec-demo-"))
    settings = Settings(
        _env_file=None,
        telegram_bot_token="123456:DEMO",
        telegram_api_base_url=server.base_url,
        telegram_bot_username="nhacviec_bot",
        database_url=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        dispatch_interval_s=0.3,
    )
    db = Database(settings.database_url)
    await db.migrate()
    print(texts.DEMO_INTRO.format(url=server.base_url, db=folder / "demo.db"))

    parsed = plans.read_plan(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name, year=clock.today_vn().year)
    async with db.session() as session:
        draft, _ = await plans.create_draft(
            session, parsed=parsed, source_name=SAMPLE_PLAN.name, notify=False
        )
        await plans.activate(session, plan_id=draft.id or 0, settings=settings)
        coordinator_code = (
            await invites.create_invite(session, agency_ref=None, coordinator=True)
        )[0].code
        yt = await agencies.get_agency(session, "Sở Y tế")
        tp = await agencies.get_agency(session, "Sở Tư pháp")
        yt_code = (await invites.create_invite(session, agency_ref=yt.code))[0].code
        tp_code = (await invites.create_invite(session, agency_ref=tp.code))[0].code
    print(texts.DEMO_PLAN.format(file=SAMPLE_PLAN.name, agencies=len(parsed.agencies)))

    server.add_user(COORDINATOR, "Trần Thị", "Bình")
    server.add_user(OFFICIAL_YT, "Nguyễn Văn", "An")
    server.add_user(OFFICIAL_TP, "Lê Thị", "Cúc")
    app = build_application(settings, db)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        try:
            await play(Demo(server), coordinator_code, yt_code, tp_code)
            print(texts.DEMO_DONE)
            if keep:
                print(texts.DEMO_KEEP.format(url=server.base_url))
                await asyncio.Event().wait()
        finally:
            await app.updater.stop()
            await app.stop()
    await db.dispose()
    await server.stop()


def main(port: int = 0, keep: bool = False) -> int:
    from bot.app import use_fast_event_loop

    use_fast_event_loop()  # as `nhacviec run` does
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(port, keep))
    return 0
