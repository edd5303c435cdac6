"""`nhacviec demo`: the whole loop offline, against the project's fake Bot API server.

It starts the fake server on 127.0.0.1, a fresh SQLite database in a temporary folder,
and the real bot; imports the bundled plan, moved to the current year (the year of the
clock the bot reads), and activates it; then plays a coordinator and two officials,
printing the conversation as it happens: linking by invite links, a task list, a reminder
arriving (the demo's clock fast-forwards to the next reminder), typed replies, a report
file that reaches the coordinator, an extension approved, and the summary.

The first line is printed before anything heavy is imported; the temporary folder is
removed at the end, on Ctrl-C (or SIGTERM) and on error. With --keep it goes on running
afterwards, so a person or a program can drive the fake server (see README).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import texts

if TYPE_CHECKING:
    from fake_telegram import FakeTelegram
    from fake_telegram.records import SentMessage

SAMPLE_PLAN = Path(__file__).resolve().parent.parent / "demo" / "ke_hoach_mau.txt"
COORDINATOR, OFFICIAL_YT, OFFICIAL_TP = 9001, 9002, 9003
WAIT_S = 20.0
REMINDER_WAIT_S = 60.0  # event notices due on the way go first, one a second per chat
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


def say(text: str) -> None:
    print(text, flush=True)


class Demo:
    """The people of the demo, talking to the bot through the fake server."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.shown: dict[int, int] = {}  # chat -> messages to it already printed

    def show(self, who: str, text: str) -> None:
        say(f"\n{who}:\n  " + text.replace("\n", "\n  "))

    def show_bot(self, message: SentMessage, to: str = "") -> None:
        text = message.text or message.caption or ""
        if message.document:
            name = message.document.get("file_name") or ""
            text = f"{texts.DEMO_FILE_RECEIVED.format(name=name)}\n{text}".strip()
        self.show(f"🤖 nhacviec{to}", text)

    async def news(self, chat: int, count: int = 1, to: str = "") -> list[SentMessage]:
        """Wait for `count` messages to `chat` not shown yet, show and return them."""
        start = self.shown.get(chat, 0)
        messages = await self.server.wait_for_messages(chat, start + count, timeout=WAIT_S)
        new = messages[start:]
        self.shown[chat] = len(messages)
        for m in new:
            self.show_bot(m, to)
        return new

    async def news_until(self, chat: int, about: str, to: str) -> list[SentMessage]:
        """Show the messages to `chat` up to the first one that mentions `about` (the
        coordinator also gets digests and escalations on their own schedule)."""
        start = self.shown.get(chat, 0)

        def arrived() -> list[SentMessage] | None:
            new = self.server.messages_to(chat)[start:]
            hit = next((i for i, m in enumerate(new) if about in (m.text or m.caption or "")), None)
            return None if hit is None else new[: hit + 1]

        new = await self.server.wait_for(arrived, WAIT_S)
        self.shown[chat] = start + len(new)
        for m in new:
            self.show_bot(m, to)
        return new

    async def reminder(self, chat: int, to: str) -> SentMessage:
        """Wait for the next task reminder to `chat` and show it; notices of events that
        fell due on the way are counted, not shown."""
        start = self.shown.get(chat, 0)
        heads = tuple(
            head.split("{")[0]
            for head in (texts.REMINDER_HEAD, texts.REMINDER_HEAD_DUE, texts.REMINDER_HEAD_OVERDUE)
        )

        def arrived() -> list[SentMessage] | None:
            new = self.server.messages_to(chat)[start:]
            at = next((i for i, m in enumerate(new) if (m.text or "").startswith(heads)), None)
            return None if at is None else new[: at + 1]

        new = await self.server.wait_for(arrived, REMINDER_WAIT_S)
        self.shown[chat] = start + len(new)
        if len(new) > 1:
            say(texts.DEMO_OTHER_NOTICES.format(count=len(new) - 1))
        self.show_bot(new[-1], to)
        return new[-1]

    async def say(
        self, chat: int, who: str, text: str, reply_to: int | None = None, expect: int = 1
    ) -> SentMessage:
        self.shown[chat] = len(self.server.messages_to(chat))
        self.show(who, text)
        self.server.user_sends(chat, chat, text, reply_to=reply_to)
        return (await self.news(chat, expect))[-1]

    async def send_file(self, chat: int, who: str, name: str, reply_to: int) -> SentMessage:
        self.shown[chat] = len(self.server.messages_to(chat))
        self.show(who, texts.DEMO_FILE_SENT.format(name=name))
        content = "Báo cáo kết quả thực hiện công tác trẻ em (bản mẫu).".encode()
        self.server.user_sends_document(
            chat, chat, name, size=len(content), reply_to=reply_to, content=content
        )
        return (await self.news(chat))[-1]

    async def press(self, chat: int, who: str, message: SentMessage, label: str) -> None:
        data = next(
            b["callback_data"] for b in message.inline_buttons if b["text"].startswith(label)
        )
        self.show(who, texts.DEMO_PRESS.format(label=label))
        query = self.server.user_presses(chat, message.message_id, data, chat)
        answer = await self.server.wait_for(
            lambda: next(
                (a for a in self.server.callback_answers if str(a.callback_query_id) == query),
                None,
            ),
            WAIT_S,
        )
        if answer.text:
            self.show("🤖 nhacviec", answer.text)


async def next_reminder(db: Any, chats: list[int]) -> dt.datetime | None:
    """When the next reminder to one of these chats falls due."""
    import sqlalchemy as sa
    from sqlmodel import col

    from db.models import Outbox

    async with db.session() as session:
        return await session.scalar(
            sa.select(sa.func.min(Outbox.due_at)).where(
                col(Outbox.kind) == "reminder",
                col(Outbox.state) == "pending",
                col(Outbox.chat_id).in_(chats),
            )
        )


async def play(demo: Demo, db: Any, clock: Any, codes: dict[str, str], settings: Any) -> None:
    """The scripted conversation."""
    from services import clock as clocks
    from services.reminders import working_hours_start

    coord, an, cuc = "👩 Chị Bình (điều phối)", "👨 Anh An (Sở Y tế)", "👩 Chị Cúc (Sở Tư pháp)"
    to_coord = " → chị Bình"
    say(texts.DEMO_STEP["link"])
    await demo.say(COORDINATOR, coord, f"/start {codes['coordinator']}")
    await demo.say(OFFICIAL_YT, an, f"/start {codes['yt']}")
    await demo.say(OFFICIAL_TP, cuc, f"/start {codes['tp']}")

    say(texts.DEMO_STEP["list"])
    await demo.say(OFFICIAL_TP, cuc, "/viec")

    # Each body owes its own reports (Sở Y tế the consolidated one, due after the others):
    # jump to the time by which each that still has one has its reminder.
    due_yt = await next_reminder(db, [OFFICIAL_YT])
    due_tp = await next_reminder(db, [OFFICIAL_TP])
    due = max((d for d in (due_yt, due_tp) if d is not None), default=None)
    if due_yt is None or due is None:  # `due` is None only when `due_yt` is
        say(texts.DEMO_NO_REMINDER)
        return
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    if due < clocks.now():  # missed: sent as a catch-up, within working hours only
        due = working_hours_start(clocks.now(), settings)
    when = due.astimezone(clocks.VN_TZ)
    say(texts.DEMO_STEP["reminder"].format(when=f"{when:%H:%M} {texts.date_weekday_vn(when)}"))
    for chat in (OFFICIAL_YT, OFFICIAL_TP):
        demo.shown[chat] = len(demo.server.messages_to(chat))
    clock.jump_to(due)
    reminder_yt = await demo.reminder(OFFICIAL_YT, to=" → anh An")
    reminder_tp = await demo.reminder(OFFICIAL_TP, to=" → chị Cúc") if due_tp else None
    demo.shown[COORDINATOR] = len(demo.server.messages_to(COORDINATOR))

    say(texts.DEMO_STEP["reply"])
    await demo.say(OFFICIAL_YT, an, texts.DEMO_REPLY_PROGRESS, reply_to=reminder_yt.message_id)
    if reminder_tp is not None:
        extension = clocks.today_vn() + dt.timedelta(days=30)
        await demo.say(
            OFFICIAL_TP,
            cuc,
            texts.DEMO_REPLY_EXTENSION.format(date=texts.date_vn(extension)),
            reply_to=reminder_tp.message_id,
        )
        notices = await demo.news_until(COORDINATOR, texts.date_vn(extension), to=to_coord)
        asks = [m for m in notices if any(b["text"].startswith("✅") for b in m.inline_buttons)]
        if asks:
            await demo.press(COORDINATOR, coord, asks[-1], "✅")
            await demo.news(OFFICIAL_TP, to=" → chị Cúc")

    say(texts.DEMO_STEP["file"])
    await demo.send_file(OFFICIAL_YT, an, texts.DEMO_REPORT_FILE, reminder_yt.message_id)
    await demo.news_until(COORDINATOR, texts.DEMO_REPORT_FILE, to=to_coord)

    say(texts.DEMO_STEP["summary"])
    await demo.say(COORDINATOR, coord, "/tonghop")


async def run_demo(folder: Path, port: int, keep: bool) -> None:
    from telegram import Update

    from bot.app import build_application
    from db.session import Database
    from fake_telegram import FakeTelegram
    from services import agencies, clock, invites, plans
    from services.settings import Settings

    injected = clock.get_clock()  # the system's, or one a test installed
    shifted = clock.ShiftedClock(injected)
    clock.set_clock(shifted)
    server = FakeTelegram(bot_username="nhacviec_bot")
    await server.start(port=port)
    db: Database | None = None
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token="123456:DEMO",
            telegram_api_base_url=server.base_url,
            telegram_bot_username="nhacviec_bot",
            database_url=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
            dispatch_interval_s=0.3,
        )
        db = Database(settings.database_url)
        await db.migrate()
        say(texts.DEMO_INTRO.format(url=server.base_url, db=folder / "demo.db"))

        year = clock.today_vn().year
        text = shift_plan_year(SAMPLE_PLAN.read_text(encoding="utf-8"), year)
        parsed = await asyncio.to_thread(
            plans.read_plan, text.encode(), SAMPLE_PLAN.name, year=year
        )
        async with db.session() as session:
            draft, _ = await plans.create_draft(
                session, parsed=parsed, source_name=SAMPLE_PLAN.name, notify=False
            )
            result = await plans.activate(  # the plan's year as it is: deadlines past too
                session, plan_id=draft.id or 0, settings=settings, include_past=True
            )
            yt = await agencies.get_agency(session, "Sở Y tế")
            tp = await agencies.get_agency(session, "Sở Tư pháp")
            codes = {
                "coordinator": (
                    await invites.create_invite(session, agency_ref=None, coordinator=True)
                )[0].code,
                "yt": (await invites.create_invite(session, agency_ref=yt.code))[0].code,
                "tp": (await invites.create_invite(session, agency_ref=tp.code))[0].code,
            }
        say(
            texts.DEMO_PLAN.format(
                file=SAMPLE_PLAN.name,
                year=year,
                agencies=len(parsed.agencies),
                tasks=result.tasks_created + result.reports_created,
                today=texts.date_weekday_vn(clock.today_vn()),
            )
        )

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
                await play(Demo(server), db, shifted, codes, settings)
                say(texts.DEMO_DONE)
                if keep:
                    say(texts.DEMO_KEEP.format(url=server.base_url))
                    await asyncio.Event().wait()
            finally:
                await app.updater.stop()
                await app.stop()
    finally:
        if db is not None:
            await db.dispose()
        await server.stop()
        clock.set_clock(injected)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the demo as Ctrl-C does, so its folder is removed too."""
    with contextlib.suppress(ValueError, AttributeError):  # not the main thread, or Windows
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def main(port: int = 0, keep: bool = False) -> int:
    say(texts.DEMO_TITLE)
    say(texts.DEMO_STARTING)
    _stop_on_sigterm()
    folder = Path(tempfile.mkdtemp(prefix="nhacviec-demo-"))
    try:
        from bot.app import use_fast_event_loop

        use_fast_event_loop()  # as `nhacviec run` does
        asyncio.run(run_demo(folder, port, keep))
    except KeyboardInterrupt:
        return 0
    except Exception as error:  # noqa: BLE001 - a short Vietnamese line, not a traceback
        print(texts.DEMO_FAILED.format(error=error or type(error).__name__), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0
