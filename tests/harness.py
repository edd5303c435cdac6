"""Drive the real bot through the fake Bot API server, as people would."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot import texts
from bot.app import build_application
from db.session import Database
from services import agencies, invites
from services.clock import FrozenClock
from services.settings import Settings

NOTICE = texts.NOTIFY_LINE.split("{")[0]
# How long to wait for an answer that must come. Not a speed limit (a test asserts what
# arrives, not when): only how long a failing test takes to say so. Generous, because the
# suite runs on two workers on a machine shared with other work.
ANSWER_WAIT_S = 30.0


@asynccontextmanager
async def running_app(settings: Settings, db: Database):
    app = build_application(settings, db)
    async with app:
        # run_polling() calls post_init itself; driving the parts by hand, so must we.
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def running_webhook_app(settings: Settings, db: Database):
    """The real Application in webhook mode (`nhacviec run --webhook`): PTB's webhook server
    on settings.webhook_listen, setWebhook with the URL and secret; the fake POSTs to it."""
    from bot.webhook import webhook_options

    app = build_application(settings, db)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.start()
        assert app.updater is not None
        try:
            await app.updater.start_webhook(**webhook_options(settings))
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            await app.stop()


@dataclass
class World:
    app: Any
    server: Any
    db: Database
    clock: FrozenClock
    settings: Settings
    _next_user: int = field(default=5000)

    # --- people -------------------------------------------------------------------------
    def person(self, name: str, user_id: int | None = None) -> int:
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        first, _, last = name.partition(" ")
        self.server.add_user(user_id, first, last or None)
        return user_id

    async def agency(self, name: str, code: str | None = None, requested: bool = False) -> Any:
        async with self.db.session() as session:
            return await agencies.add_agency(session, name=name, code=code, requested=requested)

    async def invite(
        self, agency_code: str | None, coordinator: bool = False, days: int = 14
    ) -> str:
        async with self.db.session() as session:
            invite, _ = await invites.create_invite(
                session, agency_ref=agency_code, coordinator=coordinator, days=days
            )
        return invite.code

    async def official(self, agency_code: str, name: str = "Nguyễn Văn An") -> int:
        user = self.person(name)
        code = await self.invite(agency_code)
        reply = await self.say(user, f"/start {code}")
        assert "Đã liên kết" in reply.text, reply.text
        return user

    async def coordinator(self, name: str = "Trần Thị Bình") -> int:
        user = self.person(name)
        code = await self.invite(None, coordinator=True)
        reply = await self.say(user, f"/start {code}")
        assert "điều phối" in reply.text, reply.text
        return user

    # --- talking ------------------------------------------------------------------------
    async def say(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        reply_to: int | None = None,
        expect: int = 1,
        timeout: float = ANSWER_WAIT_S,
        **kwargs: Any,
    ):
        """Send a message and return the bot's next answer in that chat (or `expect` of them).

        Notices the dispatcher pushes on its own schedule ("🔔 ..." lines for coordinators)
        can arrive at any moment; they are not answers, so they are skipped here."""
        before = len(self.server.messages_to(chat_id))
        self.server.user_sends(chat_id, user_id or chat_id, text, reply_to=reply_to, **kwargs)

        def answers():
            new = [
                m
                for m in self.server.messages_to(chat_id)[before:]
                if not (m.text or "").startswith(NOTICE)
            ]
            return new if len(new) >= expect else None

        new = await self.server.wait_for(answers, timeout)
        return new[0] if expect == 1 else new[:expect]

    async def send_document(
        self,
        chat_id: int,
        file_name: str,
        size: int,
        *,
        reply_to: int | None = None,
        user_id: int | None = None,
        content: bytes | None = None,
    ):
        before = len(self.server.messages_to(chat_id))
        self.server.user_sends_document(
            chat_id, user_id or chat_id, file_name, size=size, reply_to=reply_to, content=content
        )
        # A plan is read in a child process (services/isolation.py): the dispatcher's
        # notices may come first, and are not the answer (as in `say`).

        def answer():
            new = [
                m
                for m in self.server.messages_to(chat_id)[before:]
                if not (m.text or "").startswith(NOTICE)
            ]
            return new[0] if new else None

        return await self.server.wait_for(answer, ANSWER_WAIT_S)

    async def press(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        strict: bool = True,
        timeout: float = ANSWER_WAIT_S,
    ):
        """Press a button and return the bot's answer to the callback query."""
        query_id = self.server.user_presses(
            chat_id, message_id, data, user_id or chat_id, strict=strict
        )

        def answered():
            return next(
                (a for a in self.server.callback_answers if str(a.callback_query_id) == query_id),
                None,
            )

        return await self.server.wait_for(answered, timeout)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Let the bot finish whatever it is doing (used only to assert that nothing more comes)."""
        await asyncio.sleep(seconds)

    async def dispatch(self) -> int:
        """Run the dispatcher now (the periodic job does the same)."""
        return await self.app.bot_data["dispatcher"].run_once()

    def button_data(self, message, label_prefix: str) -> str:
        for row in message.reply_markup["inline_keyboard"]:
            for button in row:
                if button["text"].startswith(label_prefix):
                    return button["callback_data"]
        raise AssertionError(f"no button {label_prefix!r} in {message.reply_markup}")

    def labels(self, message) -> list[str]:
        """The buttons a person sees under a message, as they read them."""
        markup = message.reply_markup or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    async def tap(
        self,
        chat_id: int,
        message,
        label_prefix: str,
        *,
        user_id: int | None = None,
        timeout: float = ANSWER_WAIT_S,
    ):
        """Press the button whose label starts so, and return (the pop-up answer, the
        message as it reads after the bot edited it in place, if it did)."""
        before = len(self.server.bot_message(chat_id, message.message_id).history)
        answer = await self.press(
            chat_id,
            message.message_id,
            self.button_data(message, label_prefix),
            user_id=user_id,
            timeout=timeout,
        )

        def edited():
            m = self.server.bot_message(chat_id, message.message_id)
            return m if len(m.history) > before else None

        try:
            after = await self.server.wait_for(edited, 2.0)
        except TimeoutError:
            after = self.server.bot_message(chat_id, message.message_id)
        return answer, after

    async def open_task(self, chat_id: int, listing, number: int, *, user_id: int | None = None):
        """In a /viec list, open task `number` as its card (the message, edited in place)."""
        _, card = await self.tap(chat_id, listing, f"{number}. ", user_id=user_id)
        return card


async def stop_periodic_jobs(app) -> None:
    """Tests that move the clock run the dispatcher themselves, step by step."""
    for job in app.job_queue.jobs():
        job.schedule_removal()
    await asyncio.sleep(0.3)  # let a run already under way finish
    await app.bot_data["dispatcher"].run_once()


async def make_due_reminders(db, server, n: int, *, due_at, first_chat: int = 100_000) -> list[int]:
    """n agencies, each with one reachable contact (a simulated user) and one task whose
    reminder is due at `due_at`. Returns the chat ids."""
    from db.models import Agency, Contact, Outbox, Task

    chats = [first_chat + i for i in range(n)]
    async with db.session() as session:
        agencies = [
            Agency(
                code=f"A{i}",
                name=f"Cơ quan thử {i}",
                name_key=f"co quan thu {i}",
                created_at=due_at,
            )
            for i in range(n)
        ]
        session.add_all(agencies)
        await session.flush()
        contacts = [
            Contact(chat_id=chat, agency_id=a.id, display_name=f"Người {i}", linked_at=due_at)
            for i, (chat, a) in enumerate(zip(chats, agencies, strict=False))
        ]
        tasks = [
            Task(
                agency_id=a.id,
                title=f"Báo cáo năm {i}",
                due_date=(due_at + dt.timedelta(days=7)).date(),
                created_at=due_at,
                updated_at=due_at,
            )
            for i, a in enumerate(agencies)
        ]
        session.add_all(contacts + tasks)
        await session.flush()
        session.add_all(
            [
                Outbox(
                    kind="reminder",
                    dedupe_key=f"test:{t.id}",
                    chat_id=c.chat_id,
                    contact_id=c.id,
                    task_id=t.id,
                    payload="{}",
                    due_at=due_at,
                )
                for c, t in zip(contacts, tasks, strict=False)
            ]
        )
        await session.commit()
    for chat in chats:
        server.add_user(chat, f"Người {chat}")
    return chats


async def make_agencies_with_contacts(
    db, server, n: int, *, first_chat: int = 200_000, prefix: str = "B"
) -> list[int]:
    """n agencies with one simulated person each, linked as their contact."""
    from db.models import Agency, Contact
    from services import clock

    now = clock.now()
    chats = [first_chat + i for i in range(n)]
    async with db.session() as session:
        agencies = [
            Agency(
                code=f"{prefix}{i}",
                name=f"Cơ quan {prefix}{i}",
                name_key=f"co quan {prefix.lower()}{i}",
                created_at=now,
            )
            for i in range(n)
        ]
        session.add_all(agencies)
        await session.flush()
        session.add_all(
            [
                Contact(chat_id=chat, agency_id=a.id, display_name=f"Người {chat}", linked_at=now)
                for chat, a in zip(chats, agencies, strict=False)
            ]
        )
        await session.commit()
    for chat in chats:
        server.add_user(chat, f"Người {chat}")
    return chats


async def make_coordinator(session, chat: int) -> None:
    """A coordinator in the private chat `chat`, made as the bot makes one: an invite redeemed."""
    invite, _ = await invites.create_invite(session, agency_ref=None, coordinator=True)
    await invites.redeem_invite(
        session,
        code=invite.code,
        chat_id=chat,
        chat_type="private",
        user_id=chat,
        display_name=f"Điều phối {chat}",
    )
