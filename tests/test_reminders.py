"""The reminder engine end to end: a simulated year of a real plan, catch-up after downtime,
unreachable contacts, and delivery under Telegram's errors. Time is moved, never slept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from bot import texts
from db.models import Contact, Outbox, Task
from services import plans, reminders
from services import tasks as task_service
from services.clock import VN_TZ
from services.plan_parser import parse_plan
from services.vncalendar import is_workday
from tests.harness import stop_periodic_jobs

D = dt.date
SEEDS = Path(__file__).parent / "fixtures" / "plans"


@pytest.fixture
def settings(settings):
    # The fake server does not enforce flood limits here, so the sender need not pace.
    return settings.model_copy(
        update={
            "rate_global_per_s": 5000.0,
            "rate_private_per_s": 5000.0,
            "rate_group_per_min": 100000.0,
        }
    )


def at(day: D, hour: int = 8, minute: int = 0, second: int = 30) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=VN_TZ)


def is_reminder(text: str) -> bool:
    heads = (texts.REMINDER_HEAD, texts.REMINDER_HEAD_DUE, texts.REMINDER_HEAD_OVERDUE)
    return any(text.startswith(h.split("{")[0]) for h in heads)


async def test_a_year_of_seed_000_reminds_exactly_as_scheduled(world):
    """Plan 000 (Ninh Thuận 2023): a 6-month report before 15/5 and an annual one before
    15/11 owed by 12 of its 13 bodies (the reports go to the 13th, Sở Lao động - Thương
    binh và Xã hội). Four bodies have an official on Telegram: one answers in May, the
    receiving body owes nothing, the others (both bodies the plan asks with "Đề nghị")
    never answer. Every owing body's tasks are escalated to the coordinator; reminders
    follow one schedule per task, so four officials show it as well as thirteen would, at a
    third of the messages to run through the dispatcher."""
    await stop_periodic_jobs(world.app)
    world.clock.set(at(D(2023, 1, 2), 7))
    parsed = parse_plan((SEEDS / "000_3871e53a5050826a.txt").read_text(encoding="utf-8"))
    async with world.db.session() as session:
        draft, _ = await plans.create_draft(session, parsed=parsed, source_name="KH 000")
        await plans.activate(session, plan_id=draft.id, settings=world.settings)
        rows = (await session.scalars(select(reminders.Agency))).all()
        agencies = [(a.code, a.name) for a in rows]
        requested = {a.code: a.requested for a in rows}
    assert len(agencies) == 13
    quick_code = next(code for code, name in agencies if name == "Sở Tư pháp")
    recipient = next(code for code, name in agencies if name.startswith("Sở Lao động"))
    linked = {quick_code, recipient, *(code for code, r in requested.items() if r)}
    assert len(linked) == 4
    officials = {}
    for code, _name in agencies:
        if code in linked:
            officials[code] = await world.official(code, name=f"Cán bộ {code}")
    coord = await world.coordinator()

    received: dict[int, list[tuple[D, int, str]]] = {
        chat: [] for chat in [*officials.values(), coord]
    }
    counts = {chat: len(world.server.messages_to(chat)) for chat in received}
    day = D(2023, 1, 2)
    while day <= D(2024, 1, 15):
        world.clock.set(at(day))
        async with world.db.session() as session:
            await reminders.plan_ahead(session, world.settings)
        await world.dispatch()
        for chat in received:
            messages = world.server.messages_to(chat)
            received[chat] += [(day, 8, m.text) for m in messages[counts[chat] :]]
            counts[chat] = len(messages)
        if day == D(2023, 5, 10):
            # Sở Tư pháp answers the 08/05 reminder of its 6-month report at 09:00.
            world.clock.set(at(day, 9))
            chat = officials[quick_code]
            reminder = next(
                m for m in world.server.messages_to(chat) if "Báo cáo 6 tháng" in m.text
            )
            reply = await world.say(chat, "đã gửi báo cáo ạ", reply_to=reminder.message_id)
            assert reply.text.startswith("✅")
            counts[chat] = len(world.server.messages_to(chat))
        day += dt.timedelta(days=1)

    half_year = [
        D(2023, 4, 28),
        D(2023, 5, 8),
        D(2023, 5, 12),
        D(2023, 5, 15),
        D(2023, 5, 17),
        D(2023, 5, 19),
        D(2023, 5, 23),
        D(2023, 5, 25),
        D(2023, 5, 29),
    ]
    annual = [
        D(2023, 11, 1),
        D(2023, 11, 8),
        D(2023, 11, 10),
        D(2023, 11, 14),
        D(2023, 11, 15),
        D(2023, 11, 17),
        D(2023, 11, 21),
        D(2023, 11, 23),
        D(2023, 11, 27),
        D(2023, 11, 29),
    ]
    for code, chat in officials.items():
        got = [(d, text) for d, _, text in received[chat] if is_reminder(text)]
        half = [d for d, text in got if "Báo cáo 6 tháng" in text]
        year = [d for d, text in got if "Báo cáo năm" in text]
        if code == recipient:  # it receives the reports: it owes none
            assert got == [], code
            continue
        if code == quick_code:
            assert half == half_year[:2], code  # nothing after the report was sent
        else:
            assert half == half_year, code
        assert year == annual, code
        overdue = [t for _, t in got if t.startswith(texts.REMINDER_HEAD_OVERDUE.split("{")[0])]
        assert len(overdue) == (5 if code == quick_code else 10)
    everything = [(d, h) for chat in officials.values() for d, h, _ in received[chat]]
    assert all(is_workday(d) and h == 8 for d, h in everything)
    # Seasonal events reach every body: Trung thu 2023 is 29/09 (lunar 15/8).
    trung_thu = texts.EVENT_HEAD.format(name="Tết Trung thu")
    for chat in officials.values():
        assert (D(2023, 9, 29), 8) in [
            (d, h) for d, h, t in received[chat] if t.startswith(trung_thu)
        ]
    # Coordinators: a digest each Monday, escalations three working days after each deadline.
    digests = [d for d, _, t in received[coord] if t.startswith(texts.DIGEST_HEADER.split("{")[0])]
    assert digests and all(d.weekday() == 0 for d in digests)
    assert len(digests) == len({d for d in digests})
    escalations = [d for d, _, t in received[coord] if t.startswith("🚨")]
    assert escalations == [D(2023, 5, 18)] * 11 + [D(2023, 11, 20)] * 12


async def test_catch_up_after_downtime_is_one_late_message_per_task(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    async with world.db.session() as session:
        await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
        await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo quý", due_date=D(2026, 11, 27)
        )
    before = len(world.server.messages_to(user))
    # The bot was down from 23/11 until Saturday 05/12 at 20:00: nothing goes out at night
    # or over the weekend...
    world.clock.set(at(D(2026, 12, 5), 20))
    await world.dispatch()
    world.clock.set(at(D(2026, 12, 6), 10))
    await world.dispatch()
    assert len(world.server.messages_to(user)) == before
    # ...and on Monday morning each task gets one message, marked as late.
    world.clock.set(at(D(2026, 12, 7), 7, 31))
    await world.dispatch()
    late = world.server.messages_to(user)[before:]
    assert len(late) == 2
    assert all(texts.REMINDER_LATE in m.text for m in late)
    assert {("Báo cáo năm" in m.text) for m in late} == {True, False}
    world.clock.set(at(D(2026, 12, 7), 9))
    await world.dispatch()
    assert len(world.server.messages_to(user)) == before + 2
    async with world.db.session() as session:
        states = (
            await session.scalars(
                select(Outbox.state).where(
                    Outbox.kind == "reminder", Outbox.due_at <= world.clock.now()
                )
            )
        ).all()
    assert set(states) == {"sent", "skipped"}  # today's 08:00 reminder was folded into the catch-up


async def _official_who_finished_a_task(world):
    """An official of SYT, the card of their one task (due 04/12) and the task, marked done
    by a reply; periodic jobs stopped, so only world.dispatch() sends."""
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
    card = await world.say(user, "/viec")
    await world.say(user, "đã xong", reply_to=card.message_id)
    return user, card, view


async def test_nothing_is_sent_about_a_task_already_done(world):
    user, _, view = await _official_who_finished_a_task(world)
    before = len(world.server.messages_to(user))
    for day in range(24, 45):  # up to 14/12, past the deadline and its overdue reminders
        world.clock.set(at(D(2026, 11, 1) + dt.timedelta(days=day)))
        await world.dispatch()
    assert len(world.server.messages_to(user)) == before
    async with world.db.session() as session:
        states = (
            await session.scalars(
                select(Outbox.state).where(
                    Outbox.task_id == view.id, Outbox.due_at <= world.clock.now()
                )
            )
        ).all()
    assert states and set(states) == {"skipped"}


async def test_a_task_reopened_is_reminded_again(world):
    user, card, _ = await _official_who_finished_a_task(world)
    world.clock.set(at(D(2026, 11, 27)))  # a reminder falls due while it is done: skipped
    await world.dispatch()
    await world.say(user, "đang làm", reply_to=card.message_id)
    before = len(world.server.messages_to(user))
    world.clock.set(at(D(2026, 12, 1)))
    await world.dispatch()
    reminded = world.server.messages_to(user)[before:]
    assert len(reminded) == 1 and "Báo cáo năm" in reminded[0].text


async def test_requested_bodies_are_asked_courteously(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", code="MTTQ", requested=True)
    await world.agency("Sở Y tế", code="SYT")
    asked, ordered = await world.official("MTTQ"), await world.official("SYT")
    async with world.db.session() as session:
        for code in ("MTTQ", "SYT"):
            await task_service.add_task(
                session, agency_ref=code, title="Báo cáo năm", due_date=D(2026, 12, 4)
            )
    world.clock.set(at(D(2026, 12, 1)))
    await world.dispatch()
    request = world.server.last_message(asked).text
    order = world.server.last_message(ordered).text
    assert texts.REMINDER_ASK_REQUEST in request and texts.REMINDER_ASK_ORDER not in request
    assert texts.REMINDER_ASK_ORDER in order
    assert texts.date_weekday_vn(D(2026, 12, 4)) in order and texts.days_left(3) in order


async def test_reminder_buttons_and_replies_work_like_the_card(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
    world.clock.set(at(D(2026, 11, 27)))
    await world.dispatch()
    reminder = world.server.last_message(user)
    assert is_reminder(reminder.text)
    answer = await world.press(user, reminder.message_id, f"t:{view.id}:p")
    assert answer.text == texts.UPDATED_PROGRESS.format(title="Báo cáo năm")
    reply = await world.say(user, "xin gia han den 11/12", reply_to=reminder.message_id)
    assert reply.text == texts.UPDATED_EXTENSION.format(title="Báo cáo năm", date="11/12/2026")


async def test_blocked_contact_is_marked_unreachable_and_coordinators_told(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    coord = await world.coordinator()
    user = await world.official("SYT", name="Nguyễn Văn An")
    async with world.db.session() as session:
        await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
    # Learnt from a send's 403 (Telegram's my_chat_member update is tested in test_groups.py).
    world.server.block(user, notify=False)
    world.clock.set(at(D(2026, 11, 27)))
    await world.dispatch()
    async with world.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.chat_id == user))
    assert contact is not None and not contact.reachable
    await world.dispatch()
    told = world.server.last_message(coord).text
    assert told.startswith(texts.AGENCY_UNREACHABLE.split("{")[0]) and "Sở Y tế" in told
    # Later reminders are not attempted while unreachable...
    sent_before = len(world.server.requests)
    world.clock.set(at(D(2026, 12, 1)))
    await world.dispatch()
    assert len(world.server.requests) == sent_before
    # ...until the person unblocks the bot and presses /start again.
    world.server.unblock(user, notify=False)
    reply = await world.say(user, "/start")
    assert reply.text.startswith(texts.REACHABLE_AGAIN)
    world.clock.set(at(D(2026, 12, 3)))
    await world.dispatch()
    assert is_reminder(world.server.last_message(user).text)


async def test_due_reminder_rows_are_planned_per_contact_and_occurrence(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.official("SYT")
    await world.official("SYT", name="Trần Văn Bảo")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 15)
        )
        keys = (
            await session.scalars(
                select(Outbox.dedupe_key).where(
                    Outbox.task_id == view.id, Outbox.kind == "reminder"
                )
            )
        ).all()
        # Sync again: nothing is added twice.
        task = await session.get(Task, view.id)
        await reminders.sync_task(session, task, world.settings)
        await session.commit()
        again = (
            await session.scalars(
                select(Outbox.dedupe_key).where(
                    Outbox.task_id == view.id, Outbox.kind == "reminder"
                )
            )
        ).all()
    # 14,7,3,1,0 days before 15/12 (all after 23/11 09:00) + 5 overdue, for each of 2 contacts.
    assert len(keys) == 2 * 10 and sorted(keys) == sorted(again)


async def test_a_task_may_override_its_schedule(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.official("SYT")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session,
            agency_ref="SYT",
            title="Báo cáo nhanh",
            due_date=D(2026, 12, 15),
            reminder_offsets=[3],
        )
        rows = (
            await session.scalars(
                select(Outbox.due_at).where(Outbox.task_id == view.id, Outbox.kind == "reminder")
            )
        ).all()
    days = sorted(r.astimezone(VN_TZ).date() for r in rows)
    # 3 days before (Saturday 12/12 -> Friday 11/12), then the 5 overdue ones.
    assert days[0] == D(2026, 12, 11) and len(days) == 1 + 5
