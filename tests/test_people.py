"""People come and go: coordinators list and remove contacts and hand the role over, an
official leaves, a removed contact can do nothing, the audit trail names who did what and
when, "last seen" is kept without a write per update, and one invite code links one chat.
Everything through the fake Bot API server."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import AuditEvent, Contact, Invite, Outbox, Task, TaskEvent
from services import agencies, invites
from services import tasks as task_service
from services.clock import VN_TZ
from tests.harness import stop_periodic_jobs

D = dt.date


def at(day: D, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, 30, tzinfo=VN_TZ)


def removed(day: D | None = None) -> str:
    return texts.CONTACT_REMOVED.format(date=texts.date_vn(day or D(2026, 11, 23)))


async def contact_of(world, chat_id: int) -> Contact:
    async with world.db.session() as session:
        contact = await session.scalar(select(Contact).where(Contact.chat_id == chat_id))
    assert contact is not None
    return contact


async def snapshot(world) -> list:
    """Tasks, history, contacts and the audit trail, to prove a refusal changed nothing."""
    async with world.db.session() as session:
        tasks = (await session.execute(select(Task.id, Task.progress, Task.blocked))).all()
        people = (
            await session.execute(
                select(Contact.id, Contact.role, Contact.agency_id, Contact.removed_at)
            )
        ).all()
        events = await session.scalar(select(sa.func.count()).select_from(TaskEvent))
        trail = await session.scalar(select(sa.func.count()).select_from(AuditEvent))
    return [sorted(tuple(r) for r in tasks), sorted(tuple(r) for r in people), events, trail]


async def trail(world) -> list[AuditEvent]:
    async with world.db.session() as session:
        return list((await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all())


async def canbo(world, coord: int, ref: str = ""):
    return await world.say(coord, f"/canbo {ref}".strip())


async def confirm(world, coord: int, listing, label: str) -> tuple[str, object]:
    """Press a contact's button in a /canbo list, then confirm; the final answer's text."""
    before = len(world.server.messages_to(coord))
    await world.press(coord, listing.message_id, world.button_data(listing, label))

    def asked():  # the confirmation, not a coordinators' notice arriving meanwhile
        return next(
            (
                m
                for m in world.server.messages_to(coord)[before:]
                if any(b["text"] == texts.BTN_CONFIRM for b in m.inline_buttons)
            ),
            None,
        )

    ask = await world.server.wait_for(asked, 5)
    answer = await world.press(coord, ask.message_id, world.button_data(ask, texts.BTN_CONFIRM))
    return answer.text, ask


async def test_removed_official_can_do_nothing_and_the_trail_says_who_removed_them(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    coord = await world.coordinator("Trần Thị Bình")
    user = await world.official("SYT", name="Nguyễn Văn An")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
    world.clock.set(at(D(2026, 11, 27)))
    await world.dispatch()
    reminder = world.server.last_message(user)
    assert reminder.text.startswith(texts.REMINDER_HEAD.split("{")[0])
    card = await world.open_task(user, await world.say(user, "/viec"), 1)

    world.clock.set(at(D(2026, 11, 27), 10))
    listing = await canbo(world, coord)
    assert "Nguyễn Văn An — Sở Y tế" in listing.text and "Trần Thị Bình" in listing.text
    row = next(line for line in listing.text.split("\n\n") if "Nguyễn Văn An" in line)
    n = row.split(".", 1)[0]
    done, ask = await confirm(world, coord, listing, texts.BTN_CONTACT_REMOVE.format(n=n))
    assert ask.text == texts.ASK_REMOVE_CONTACT.format(name="Nguyễn Văn An", agency="Sở Y tế")
    assert done == texts.CONTACT_REMOVED_DONE.format(name="Nguyễn Văn An", agency="Sở Y tế")

    before = await snapshot(world)
    gone = removed(D(2026, 11, 27))
    answer = await world.press(user, card.message_id, f"t:{view.id}:d")
    assert answer.text == gone and answer.show_alert
    reply = await world.say(user, "đã gửi báo cáo", reply_to=reminder.message_id)
    assert reply.text == gone
    assert (await world.say(user, "/viec")).text == gone
    assert (await world.say(user, "/tonghop")).text == gone
    assert (await world.say(user, "/start")).text == gone
    assert await snapshot(world) == before
    # No more reminders for them, not even after a /start.
    world.clock.set(at(D(2026, 12, 1)))
    sent = len(world.server.messages_to(user))
    await world.dispatch()
    assert len(world.server.messages_to(user)) == sent

    entry = (await trail(world))[-1]
    assert (entry.action, entry.contact_name, entry.agency_name) == (
        "removed",
        "Nguyễn Văn An",
        "Sở Y tế",
    )
    coordinator = await contact_of(world, coord)
    assert entry.actor_name == "Trần Thị Bình" and entry.actor_contact_id == coordinator.id
    assert entry.at == at(D(2026, 11, 27), 10)
    # A new invite links them again, a fresh start.
    again = await world.say(user, f"/start {await world.invite('SYT')}")
    assert again.text == texts.LINKED_PRIVATE.format(agency="Sở Y tế")
    assert "Báo cáo năm" in (await world.say(user, "/viec")).text


async def test_history_keeps_the_name_of_someone_removed(world):
    await world.agency("Sở Tư pháp", code="STP")
    coord = await world.coordinator()
    user = await world.official("STP", name="Lê Thị Cúc")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="STP", title="Báo cáo 6 tháng", due_date=D(2026, 12, 20)
        )
    card = await world.open_task(user, await world.say(user, "/viec"), 1)
    await world.press(user, card.message_id, f"t:{view.id}:p")
    listing = await canbo(world, coord, "STP")
    assert listing.text.startswith(
        texts.CONTACTS_HEADER.format(
            scope=texts.CONTACTS_SCOPE.format(agency="Sở Tư pháp"), count=1
        )
    )
    await confirm(world, coord, listing, texts.BTN_CONTACT_REMOVE.format(n=1))
    async with world.db.session() as session:
        events = (
            await session.scalars(select(TaskEvent).where(TaskEvent.task_id == view.id))
        ).all()
    assert [e.actor_name for e in events if e.action == "progress"] == ["Lê Thị Cúc"]
    assert (await canbo(world, coord, "STP")).text == texts.CONTACTS_NONE.format(
        scope=texts.CONTACTS_SCOPE.format(agency="Sở Tư pháp")
    )


async def test_the_last_coordinator_cannot_be_removed_revoked_or_leave(world):
    coord = await world.coordinator("Trần Thị Bình")
    before = await snapshot(world)
    listing = await canbo(world, coord)
    last = texts.error_text("last_coordinator")
    done, _ = await confirm(world, coord, listing, texts.BTN_CONTACT_REMOVE.format(n=1))
    assert done == last
    done, _ = await confirm(world, coord, listing, texts.BTN_CONTACT_REVOKE.format(n=1))
    assert done == last
    ask = await world.say(coord, "/roi")
    assert ask.text == texts.LEAVE_ASK_COORDINATOR
    answer = await world.press(coord, ask.message_id, "lv:y")
    assert answer.text == last
    assert await snapshot(world) == before
    assert (await world.say(coord, "/tonghop")).text == texts.SUMMARY_EMPTY


async def test_coordinator_role_is_granted_and_revoked_in_chat_and_audited(world):
    await world.agency("Sở Y tế", code="SYT")
    first = await world.coordinator("Trần Thị Bình")
    user = await world.official("SYT", name="Phạm Văn Dũng")
    assert (await world.say(user, "/tonghop")).text == texts.COORDINATOR_ONLY
    listing = await canbo(world, first)
    row = next(line for line in listing.text.split("\n\n") if "Phạm Văn Dũng" in line)
    n = row.split(".", 1)[0]
    done, ask = await confirm(world, first, listing, texts.BTN_CONTACT_GRANT.format(n=n))
    assert ask.text == texts.ASK_GRANT_COORDINATOR.format(name="Phạm Văn Dũng", agency="Sở Y tế")
    assert done == texts.ROLE_GRANTED_DONE.format(name="Phạm Văn Dũng")
    assert (await world.say(user, "/tonghop")).text.startswith("📊")
    # The new coordinator can now take the role from the first one, who is not the last.
    listing = await canbo(world, user)
    row = next(line for line in listing.text.split("\n\n") if "Trần Thị Bình" in line)
    n = row.split(".", 1)[0]
    done, _ = await confirm(world, user, listing, texts.BTN_CONTACT_REVOKE.format(n=n))
    assert done == texts.ROLE_REVOKED_DONE.format(name="Trần Thị Bình")
    assert (await world.say(first, "/tonghop")).text == texts.COORDINATOR_ONLY
    actions = [(e.action, e.contact_name, e.actor_name) for e in await trail(world)]
    assert actions[-2:] == [
        ("role_granted", "Phạm Văn Dũng", "Trần Thị Bình"),
        ("role_revoked", "Trần Thị Bình", "Phạm Văn Dũng"),
    ]


async def test_an_official_asks_to_leave_and_leaves(world):
    await world.agency("Sở Y tế", code="SYT")
    await world.coordinator()
    user = await world.official("SYT", name="Hoàng Văn Em")
    ask = await world.say(user, "/roi")
    assert ask.text == texts.LEAVE_ASK.format(agency="Sở Y tế")
    stay = await world.press(user, ask.message_id, "lv:n")
    assert stay.text is None
    assert (await world.say(user, "/viec")).text == texts.TASKS_NONE.format(agency="Sở Y tế")
    ask = await world.say(user, "/roi")
    await world.press(user, ask.message_id, "lv:y")
    left = await world.server.wait_for(
        lambda: (
            world.server.bot_message(user, ask.message_id).text
            == texts.LEFT.format(agency="Sở Y tế")
        ),
        5,
    )
    assert left
    assert (await world.say(user, "/viec")).text == removed()
    entry = (await trail(world))[-1]
    assert (entry.action, entry.actor_name, entry.agency_name) == (
        "left",
        "Hoàng Văn Em",
        "Sở Y tế",
    )


async def test_roi_in_a_group_is_for_coordinators(world):
    await world.agency("Sở Giáo dục và Đào tạo", code="SGD")
    member = world.person("Đỗ Văn Hải")
    world.server.add_group(-4001, "Nhóm Sở GD&ĐT", [member])
    await world.say(-4001, f"/start@nhacviec_bot {await world.invite('SGD')}", user_id=member)
    before = await snapshot(world)
    reply = await world.say(-4001, "/roi@nhacviec_bot", user_id=member)
    assert reply.text == texts.LEAVE_IN_GROUP
    assert await snapshot(world) == before


async def test_last_seen_is_written_at_most_once_per_interval(world):
    await world.agency("Sở Y tế", code="SYT")
    user = await world.official("SYT")
    start = world.clock.now()
    assert (await contact_of(world, user)).last_seen_at == start
    world.clock.advance(dt.timedelta(minutes=5))
    await world.say(user, "/viec")
    await world.say(user, "/help")
    assert (await contact_of(world, user)).last_seen_at == start
    world.clock.advance(invites.SEEN_EVERY)
    await world.say(user, "/viec")
    assert (await contact_of(world, user)).last_seen_at == world.clock.now()


async def test_one_invite_code_used_by_two_people_at_once_links_one(world):
    await world.agency("Sở Y tế", code="SYT")
    code = await world.invite("SYT")
    first, second = world.person("Vũ Thị Giang"), world.person("Đặng Văn Hùng")
    # Both messages are queued before the bot polls: it handles them concurrently.
    world.server.user_sends(first, first, f"/start {code}")
    world.server.user_sends(second, second, f"/start {code}")
    replies = await asyncio.gather(
        world.server.wait_for_messages(first, 1), world.server.wait_for_messages(second, 1)
    )
    answers = sorted(r[0].text for r in replies)
    assert answers == sorted([texts.LINKED_PRIVATE.format(agency="Sở Y tế"), texts.INVITE_WRONG])
    async with world.db.session() as session:
        linked = (await session.scalars(select(Contact.chat_id))).all()
        invite = await session.scalar(select(Invite))
    assert len(linked) == 1 and invite.used_chat_id == linked[0]
    assert [e.action for e in await trail(world)] == ["linked"]


async def test_two_sessions_racing_for_one_code_link_one_chat(db):
    from services.errors import DomainError

    async with db.session() as session:
        await agencies.add_agency(session, name="Sở Y tế", code="SYT")
        invite, _ = await invites.create_invite(session, agency_ref="SYT")

    async def redeem(chat_id: int) -> str:
        async with db.session() as session:
            try:
                await invites.redeem_invite(
                    session,
                    code=invite.code,
                    chat_id=chat_id,
                    chat_type="private",
                    user_id=chat_id,
                    display_name=str(chat_id),
                )
            except DomainError as error:
                return error.code
            return "linked"

    for round_ in range(5):  # again with fresh codes: each round one winner
        if round_:
            async with db.session() as session:
                invite, _ = await invites.create_invite(session, agency_ref="SYT")
        outcomes = await asyncio.gather(*(redeem(9000 + 10 * round_ + i) for i in range(4)))
        assert sorted(outcomes) == ["invite_wrong"] * 3 + ["linked"]


async def test_removed_coordinator_gets_no_notices_and_cannot_use_commands(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    first = await world.coordinator("Trần Thị Bình")
    second = await world.coordinator("Ngô Văn Phúc")
    user = await world.official("SYT")
    async with world.db.session() as session:
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=D(2026, 12, 4)
        )
    listing = await canbo(world, first)
    row = next(line for line in listing.text.split("\n\n") if "Ngô Văn Phúc" in line)
    await confirm(world, first, listing, texts.BTN_CONTACT_REMOVE.format(n=row.split(".")[0]))
    card = await world.open_task(user, await world.say(user, "/viec"), 1)
    await world.press(user, card.message_id, f"t:{view.id}:d")
    await world.dispatch()
    assert any(m.text.startswith("🔔") for m in world.server.messages_to(first))
    assert not any((m.text or "").startswith("🔔") for m in world.server.messages_to(second))
    assert (await world.say(second, "/tonghop")).text == removed()
    async with world.db.session() as session:
        queued = (
            await session.scalars(
                select(Outbox.chat_id).where(Outbox.state.in_(("pending", "sent")))
            )
        ).all()
    assert second not in queued


async def test_cli_lists_removes_grants_and_audits(world):
    import json

    from tests.processes import nhacviec

    def cli(*args: str):
        return nhacviec(world.settings.database_url, *args)

    await world.agency("Sở Y tế", code="SYT")
    await world.agency("Sở Tư pháp", code="STP")
    coord = await world.coordinator("Trần Thị Bình")
    an = await world.official("SYT", name="Nguyễn Văn An")
    cuc = await world.official("STP", name="Lê Thị Cúc")
    member = world.person("Đỗ Văn Hải")
    world.server.add_group(-4002, "Nhóm Sở Y tế", [member])
    await world.say(-4002, f"/start@nhacviec_bot {await world.invite('SYT')}", user_id=member)

    listed = await asyncio.to_thread(cli, "contact", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    people = {c["name"]: c for c in json.loads(listed.stdout)}
    assert list(people) == ["Trần Thị Bình", "Lê Thị Cúc", "Nguyễn Văn An", "Nhóm Sở Y tế"]
    assert people["Nhóm Sở Y tế"] | {"id": 0} == {
        "id": 0,
        "name": "Nhóm Sở Y tế",
        "chat_id": -4002,
        "chat": "group",
        "role": "official",
        "agency": "SYT",
        "agency_name": "Sở Y tế",
        "linked_since": "2026-11-23T02:00:00+00:00",
        "last_seen": "2026-11-23T02:00:00+00:00",
        "reachable": True,
        "unreachable_reason": None,
    }
    assert people["Trần Thị Bình"]["role"] == "coordinator"
    only = await asyncio.to_thread(cli, "contact", "list", "--agency", "STP")
    assert only.stdout.count("\n") == 1 and "Lê Thị Cúc — Sở Tư pháp" in only.stdout

    before = await snapshot(world)
    refusals = [
        (("contact", "revoke", str(people["Trần Thị Bình"]["id"])), "last_coordinator", {}),
        (("contact", "remove", str(people["Trần Thị Bình"]["id"])), "last_coordinator", {}),
        (("contact", "grant", str(people["Nhóm Sở Y tế"]["id"])), "coordinator_not_group", {}),
        (("contact", "remove", "999"), "contact_unknown", {"id": 999}),
        (
            ("contact", "revoke", str(people["Lê Thị Cúc"]["id"])),
            "not_coordinator",
            {"name": "Lê Thị Cúc"},
        ),
    ]
    for args, code, params in refusals:
        done = await asyncio.to_thread(cli, *args)
        assert done.returncode == 1 and done.stderr.strip() == texts.error_text(code, **params)
    assert await snapshot(world) == before

    done = await asyncio.to_thread(cli, "contact", "remove", str(people["Nguyễn Văn An"]["id"]))
    assert done.stdout.strip() == texts.CLI_CONTACT_REMOVED.format(
        id=people["Nguyễn Văn An"]["id"], name="Nguyễn Văn An", agency="Sở Y tế"
    )
    # (The command line runs on the real clock: the date is today's.)
    assert (await world.say(an, "/viec")).text.startswith(texts.CONTACT_REMOVED.split("{")[0])
    done = await asyncio.to_thread(cli, "contact", "grant", str(people["Lê Thị Cúc"]["id"]))
    assert done.returncode == 0, done.stderr
    assert (await world.say(cuc, "/tonghop")).text.startswith("📊")
    done = await asyncio.to_thread(cli, "contact", "revoke", str(people["Trần Thị Bình"]["id"]))
    assert done.returncode == 0, done.stderr
    assert (await world.say(coord, "/tonghop")).text == texts.COORDINATOR_ONLY

    trail_json = json.loads((await asyncio.to_thread(cli, "audit", "--json")).stdout)
    assert [(e["action"], e["contact_name"]) for e in trail_json] == [
        ("linked", "Trần Thị Bình"),
        ("linked", "Nguyễn Văn An"),
        ("linked", "Lê Thị Cúc"),
        ("linked", "Nhóm Sở Y tế"),
        ("removed", "Nguyễn Văn An"),
        ("role_granted", "Lê Thị Cúc"),
        ("role_revoked", "Trần Thị Bình"),
    ]
    assert trail_json[3]["by"] == "Đỗ Văn Hải"  # the member who linked the group
    assert all(e["by"].endswith("(CLI)") for e in trail_json[4:])
    assert all(dt.datetime.fromisoformat(e["at"]).tzinfo is not None for e in trail_json)
    text = (await asyncio.to_thread(cli, "audit", "--limit", "1")).stdout.strip()
    assert text.endswith(trail_json[-1]["by"]) and texts.AUDIT_ACTIONS["role_revoked"] in text


async def test_a_long_list_of_contacts_comes_in_messages_that_fit_a_phone(world):
    """25 contacts with long names of a body with a long name: every one listed once, each
    with its buttons, in messages of at most MESSAGE_LIMIT characters."""
    from bot import render

    body = "Ban Chỉ đạo thực hiện chương trình hành động vì trẻ em giai đoạn 2021-2030 " * 3
    await world.agency(body.strip(), code="BCD")
    coord = await world.coordinator()
    for n in range(25):
        await world.official("BCD", name=f"Nguyễn Thị Minh Khai Phương Thảo Lan Anh Số{n:02d}")
    before = len(world.server.messages_to(coord))
    await world.say(coord, "/canbo BCD", expect=3)
    await world.quiet()
    sent = world.server.messages_to(coord)[before:]
    listed = []
    for message in sent:
        assert len(message.text) <= render.MESSAGE_LIMIT
        numbers = [b["text"].split()[1] for b in message.inline_buttons if b["text"][0] == "🗑"]
        assert numbers and all(f"\n{n}. " in message.text for n in numbers)
        listed += [int(n) for n in numbers]
    assert listed == list(range(1, 26))
