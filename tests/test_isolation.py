"""Two databases served by one process never see each other's state: whatever a module keeps
between calls (the coordinators' list, what a bot message is about, the settings in force)
is kept per database engine, and pacing per Application (db/keyed.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.app import build_application
from db.models import Outbox
from db.session import Database
from services import agencies, invites, outbox
from services import tasks as task_service
from services.settings import Settings, get_settings
from tests.conftest import drop_database, new_database
from tests.harness import make_coordinator


async def _agency_with_official(session, code: str, chat: int) -> None:
    await agencies.add_agency(session, name=f"Cơ quan {code}", code=code)
    invite, _ = await invites.create_invite(session, agency_ref=code)
    await invites.redeem_invite(
        session,
        code=invite.code,
        chat_id=chat,
        chat_type="private",
        user_id=chat,
        display_name=f"Cán bộ {code}",
    )


async def test_two_databases_in_one_process_keep_their_own_state(
    tmp_path, migrated_template, frozen_clock
):
    urls = [await new_database(tmp_path, migrated_template, name) for name in ("a", "b")]
    a, b = dbs = [Database(url) for url in urls]

    def settings(database: Database, offsets: list[int]) -> Settings:
        return Settings(
            _env_file=None,
            telegram_bot_token="123456:TEST-TOKEN",
            telegram_api_base_url="http://127.0.0.1:9/bot",
            database_url=database.url.render_as_string(hide_password=False),
            reminder_offsets_days=offsets,
        )

    try:
        # Two applications, built one after the other, each on its own database.
        app_a = build_application(settings(a, [7]), a)
        app_b = build_application(settings(b, [1]), b)

        # Coordinators: each database's own list, however often and in whatever order asked.
        async with a.session() as session:
            await make_coordinator(session, 9001)
        async with b.session() as session:
            await make_coordinator(session, 9002)
        for _ in range(2):
            for database, chat in ((a, 9001), (b, 9002), (a, 9001)):
                async with database.session() as session:
                    found = await outbox.coordinators(session)
                assert [r.chat_id for r in found] == [chat]
        async with b.session() as session:
            outbox.forget_coordinators(session)
        async with a.session() as session:  # forgetting b's list left a's alone
            assert outbox._coordinators_kept.get(session) is not None

        # Settings: each database's services use the settings its application was built
        # with (reminders 7 days ahead on a, 1 day ahead on b), not the last one built.
        due = dt.date(2026, 12, 10)  # a Thursday
        firsts = {}
        for database, app, code, chat in ((a, app_a, "SA", 101), (b, app_b, "SB", 102)):
            async with database.session() as session:
                assert get_settings(session) is app.bot_data["settings"]
                await _agency_with_official(session, code, chat)
                view = await task_service.add_task(
                    session, agency_ref=code, title="Báo cáo năm", due_date=due
                )
                firsts[code] = await session.scalar(
                    sa.select(sa.func.min(Outbox.due_at)).where(
                        Outbox.task_id == view.id, Outbox.kind == "reminder"
                    )
                )
        assert firsts["SA"].date() == dt.date(2026, 12, 3)
        assert firsts["SB"].date() == dt.date(2026, 12, 9)

        # What a bot message is about: the same chat and message id in both databases.
        async with a.session() as session:
            await task_service.link_message(
                session, chat_id=7, message_id=1, task_ids=[1], purpose="card"
            )
            await session.commit()
        async with b.session() as session:
            await task_service.link_message(
                session, chat_id=7, message_id=1, task_ids=[1], purpose="reminder"
            )
            await session.commit()
        for _ in range(2):
            for database, purpose in ((a, "card"), (b, "reminder")):
                async with database.session() as session:
                    subject = await task_service.message_subject(session, chat_id=7, message_id=1)
                assert subject is not None and subject.purpose == purpose

        # Pacing: a 429 on one application's bot pauses that one only.
        pacer_a = app_a.bot_data["dispatcher"].pacer
        pacer_b = app_b.bot_data["dispatcher"].pacer
        assert pacer_a is not pacer_b
        pacer_a.pause(30)
        assert pacer_a.paused_until > 0.0 == pacer_b.paused_until  # b was never paused
    finally:
        for database, url in zip(dbs, urls, strict=True):
            await database.dispose()
            await drop_database(url)
