"""The coordinator role belongs to a person: a coordinator invite is refused in a group
(and stays usable), a group never acts or hears as a coordinator, not even one that was
made one before the refusal existed; and wrong invite codes get one answer, then a wait.
Everything through the fake Bot API server."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Broadcast, Contact, Invite, Outbox, TaskEvent
from services import clock, invites
from services import tasks as task_service
from tests.harness import stop_periodic_jobs

GROUP = -4711
COORDINATOR_COMMANDS = (
    "/xuat",
    "/chuatraloi",
    "/tonghop",
    "/tonghop SYT",
    "/quahan",
    "/baocao",
    "/thongbao Họp khẩn lúc 14h",
    "/canbo",
    "/suaviec 1 ten Báo cáo khác",
    "/suakh ten 1 Sở Tư pháp",
    "/nhom",
    "/sukien 01/12/2027 Ngày hội",
)
COORDINATOR_BUTTONS = ("pl:a:1", "pl:A:1", "pl:x:1", "bc:1:s", "bc:1:a", "cb:1:r", "xa:1", "s:0")


async def state(world) -> list:
    """Everything a refusal must leave as it was."""
    async with world.db.session() as session:
        contacts = (
            await session.execute(
                select(Contact.id, Contact.chat_id, Contact.role, Contact.agency_id)
            )
        ).all()
        used = (await session.execute(select(Invite.id, Invite.used_at))).all()
        counts = [
            await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Broadcast, Outbox, TaskEvent)
        ]
        sent = (await session.execute(select(Broadcast.id, Broadcast.state))).all()
    return [sorted(contacts), sorted(used), counts, sorted(sent)]


async def refused_everything(world, member: int) -> None:
    """Every coordinator command and button, from a member of GROUP: refused, nothing sent."""
    last = None
    for command in COORDINATOR_COMMANDS:
        last = await world.say(GROUP, command, user_id=member)
        assert last.text == texts.COORDINATOR_ONLY, (command, last.text)
        assert last.document is None
    assert last is not None
    for data in COORDINATOR_BUTTONS:
        answer = await world.press(GROUP, last.message_id, data, user_id=member, strict=False)
        assert answer.text in (texts.COORDINATOR_ONLY, texts.BAD_BUTTON), (data, answer.text)
    await world.quiet()
    assert all(m.document is None for m in world.server.messages_to(GROUP))


async def test_coordinator_invite_in_a_group_is_refused_and_stays_usable(world):
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    owner, stranger = world.person("Đỗ Văn Hải"), world.person("Kẻ Lạ")
    world.server.add_group(GROUP, "Nhóm bàn giao", [owner, stranger])
    code = await world.invite(None, coordinator=True)
    before = await state(world)

    reply = await world.say(GROUP, f"/start {code}", user_id=owner)
    assert reply.text == texts.INVITE_COORDINATOR_GROUP
    assert await state(world) == before  # the code is not used, the group not linked
    await refused_everything(world, stranger)
    assert await state(world) == before

    # Its owner opens the same code in a private chat: they are the coordinator.
    reply = await world.say(owner, f"/start {code}")
    assert reply.text == texts.LINKED_COORDINATOR
    await refused_everything(world, stranger)  # the group still gets nothing


async def test_a_group_made_coordinator_before_gets_nothing_and_hears_nothing(world):
    """A group linked with the coordinator role by an older version (the database as
    main left it): its members can use no coordinator command or button, and coordinators'
    notices go to the coordinators' private chats only."""
    await stop_periodic_jobs(world.app)
    await world.agency("Sở Y tế", code="SYT")
    coord = await world.coordinator("Trần Thị Bình")
    official = await world.official("SYT", name="Nguyễn Văn An")
    stranger = world.person("Kẻ Lạ")
    world.server.add_group(GROUP, "Nhóm cũ", [stranger])
    async with world.db.session() as session:
        session.add(
            Contact(
                chat_id=GROUP,
                chat_type="group",
                role="coordinator",
                display_name="Nhóm cũ",
                linked_at=clock.now(),
            )
        )
        view = await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm", due_date=dt.date(2026, 12, 4)
        )
        await session.commit()
    # A real broadcast draft waits for its coordinator's "send": the group tries it.
    preview = await world.say(coord, "/thongbao Họp khẩn lúc 14h")
    send = world.button_data(preview, texts.BTN_SEND)
    before = await state(world)
    await refused_everything(world, stranger)
    group_reply = world.server.messages_to(GROUP)[-1]
    answer = await world.press(GROUP, group_reply.message_id, send, user_id=stranger, strict=False)
    assert answer.text == texts.COORDINATOR_ONLY
    assert await state(world) == before

    # An official marks a task done: the coordinator hears of it, the group does not.
    card = await world.open_task(official, await world.say(official, "/viec"), 1)
    await world.press(official, card.message_id, f"t:{view.id}:d")
    heard = len(world.server.messages_to(GROUP))
    while await world.dispatch():
        pass
    assert any("Báo cáo năm" in (m.text or "") for m in world.server.messages_to(coord)[-3:]), [
        m.text for m in world.server.messages_to(coord)[-3:]
    ]
    assert len(world.server.messages_to(GROUP)) == heard


# --- wrong invite codes ---------------------------------------------------------------------


async def test_unknown_used_and_expired_codes_get_one_identical_answer(world):
    await world.agency("Sở Y tế", code="SYT")
    used, expired = await world.invite("SYT"), await world.invite("SYT", days=1)
    assert "Đã liên kết" in (await world.say(world.person("Người Trước"), f"/start {used}")).text
    world.clock.advance(dt.timedelta(days=2))
    user = world.person("Vũ Thị Giang")
    before = await state(world)
    answers = [
        (await world.say(user, f"/start {code}")).text for code in ("khongco", used, expired)
    ]
    assert answers == [texts.INVITE_WRONG] * 3
    assert all(a.encode() == texts.INVITE_WRONG.encode() for a in answers)
    assert "/" not in texts.INVITE_WRONG  # no date of any kind
    assert await state(world) == before


async def test_300_wrong_codes_from_one_chat_meet_a_wait_after_the_first_few(world, monkeypatch):
    await world.agency("Sở Y tế", code="SYT")
    good = await world.invite("SYT")
    looked_up: list[str] = []
    real = invites.redeem_invite

    async def counting(session, **kwargs):  # counts only: the real redeem runs
        before = len(looked_up)
        original_scalar = session.scalar

        async def scalar(statement, *args, **kw):
            if "invite" in str(statement).lower() and len(looked_up) == before:
                looked_up.append(kwargs["code"])
            return await original_scalar(statement, *args, **kw)

        session.scalar = scalar
        return await real(session, **kwargs)

    monkeypatch.setattr(invites, "redeem_invite", counting)
    user, other = world.person("Kẻ Dò Mã"), world.person("Người Khác")
    before = await state(world)
    for n in range(300):
        world.server.user_sends(user, user, f"/start sai{n:03d}")
    got = await world.server.wait_for_messages(user, 300, 60)
    wrong, wait = texts.INVITE_WRONG, texts.INVITE_WAIT.format(minutes=60)
    assert [m.text for m in got] == [wrong] * invites.WRONG_CODES_PER_HOUR + [wait] * (
        300 - invites.WRONG_CODES_PER_HOUR
    )
    assert len(looked_up) == invites.WRONG_CODES_PER_HOUR
    # Even the right code waits its turn; another chat is not held up.
    assert (await world.say(user, f"/start {good}")).text == wait
    assert await state(world) == before
    world.clock.advance(dt.timedelta(minutes=30))
    assert (await world.say(user, "/start sai")).text == texts.INVITE_WAIT.format(minutes=30)
    world.clock.advance(dt.timedelta(minutes=31))
    assert (await world.say(user, f"/start {good}")).text == texts.LINKED_PRIVATE.format(
        agency="Sở Y tế"
    )
    assert (await world.say(other, "/start sai")).text == wrong
