"""Bodies renamed, merged and split (as in the 2025 reorganisation), on the command line:
tasks, contacts, history, groups and events follow; former names still find the body;
a plan imported again matches the body as it is now. Seen through the bot, over HTTP."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlmodel import select

from bot import render, texts
from db.models import Agency, AgencyGroupMember, AuditEvent, Contact, Event, Task, TaskEvent
from services import plans
from services.plan_parser import parse_plan
from services.status import CLOSED
from tests.processes import nhacviec_beside
from tests.test_plan_import import SEED_000, as_docx

LDTBXH = "Sở Lao động - Thương binh và Xã hội"
COURTS = "Tòa án nhân dân tỉnh, Viện Kiểm sát nhân dân tỉnh"


async def import_seed(world) -> plans.Activation:
    async with world.db.session() as session:
        draft, _ = await plans.create_draft(
            session, parsed=parse_plan(SEED_000.read_text(encoding="utf-8")), source_name="v1"
        )
        return await plans.activate(session, plan_id=draft.id, settings=world.settings)


async def count_tasks(world, name: str, *, open_only: bool = False) -> int:
    """A body's tasks (or those still open, as /viec counts them), from the database."""
    query = select(sa.func.count()).select_from(Task).join(Agency).where(Agency.name == name)
    if open_only:
        query = query.where(Task.progress.not_in(CLOSED))
    async with world.db.session() as session:
        return await session.scalar(query) or 0


def list_head(agency: str, count: int) -> str:
    """The first line of /viec for a body with `count` open tasks (first page)."""
    pages = render.pages_of(count)
    if pages > 1:
        return texts.TASKS_HEAD_PAGES.format(agency=agency, count=count, page=1, pages=pages)
    return texts.TASKS_HEAD.format(agency=agency, count=count)


def card_task_id(card) -> int:
    """The task a card's buttons act on (t:<id>:<action>)."""
    data = next(
        b["callback_data"]
        for row in card.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("t:")
    )
    return int(data.split(":")[1])


async def code_of(world, name: str) -> str:
    async with world.db.session() as session:
        agency = await session.scalar(select(Agency).where(Agency.name == name))
    assert agency is not None, name
    return agency.code


async def tables(world) -> dict:
    async with world.db.session() as session:
        return {
            "agencies": sorted((await session.scalars(select(Agency.name))).all()),
            "tasks": sorted(
                tuple(r)
                for r in (await session.execute(select(Task.id, Task.agency_id, Task.title))).all()
            ),
            "contacts": sorted(
                tuple(r) for r in (await session.execute(select(Contact.id, Contact.agency_id)))
            ),
            "events": await session.scalar(select(sa.func.count()).select_from(TaskEvent)),
            "trail": await session.scalar(select(sa.func.count()).select_from(AuditEvent)),
        }


def same_plan(first: plans.Activation) -> str:
    """What activating the plan again says when it changes nothing (the deadlines already
    past are left out again, as the first time)."""
    past = texts.PLAN_ACTIVATED_PAST.format(count=first.reports_past) if first.reports_past else ""
    return texts.PLAN_ACTIVATED_SAME + past


async def reimport_in_chat(world, coord: int) -> str:
    """The plan sent again in chat: the same document is known at once (nothing written);
    a new version of it (here: its date of issue added) is reviewed and activated, and
    its bodies are matched as they now are. The activation's answer."""
    text = SEED_000.read_text(encoding="utf-8")
    data = as_docx(text)
    same = await world.send_document(coord, "KH_tre_em_2023.docx", len(data), content=data)
    assert same.text == texts.PLAN_ACTIVATED_SAME
    data = as_docx("Ninh Thuận, ngày 20 tháng 02 năm 2023\n" + text)
    review = await world.send_document(coord, "KH_tre_em_2023_v2.docx", len(data), content=data)
    answer = await world.press(
        coord, review.message_id, world.button_data(review, texts.BTN_ACTIVATE)
    )
    return answer.text


async def test_merge_moves_everything_and_the_plan_matches_the_merged_body(world):
    activated = await import_seed(world)
    coord = await world.coordinator()
    old_code, syt = await code_of(world, LDTBXH), await code_of(world, "Sở Y tế")
    stp = await code_of(world, "Sở Tư pháp")
    official = await world.official(old_code, name="Nguyễn Văn An")
    card = await world.open_task(official, await world.say(official, "/viec"), 1)
    first_id = card_task_id(card)
    await world.press(official, card.message_id, f"t:{first_id}:p")
    moving, staying = await count_tasks(world, LDTBXH), await count_tasks(world, "Sở Y tế")
    open_after = await count_tasks(world, LDTBXH, open_only=True) + await count_tasks(
        world, "Sở Y tế", open_only=True
    )
    assert moving > 1 and staying > 1
    cli = lambda *args: nhacviec_beside(world.settings.database_url, *args)  # noqa: E731
    assert (await cli("group", "add", "Các sở", "--agencies", f"{old_code},{stp}")).returncode == 0
    done = await cli(
        "event", "add", "--name", "Tập huấn", "--date", "15/12/2026", "--agencies", old_code
    )
    assert done.returncode == 0, done.stderr
    before = await tables(world)
    assert world.server.last_message(coord) is not None

    done = await cli("agency", "merge", old_code, syt)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_MERGED.format(
        source=LDTBXH, target="Sở Y tế", tasks=moving, contacts=1, groups=1
    )
    after = await tables(world)
    assert LDTBXH not in after["agencies"] and len(after["agencies"]) == 12
    assert len(after["tasks"]) == len(before["tasks"])
    # The official now speaks for the merged body and sees both bodies' tasks.
    listing = await world.say(official, "/viec")
    assert listing.text.startswith(list_head("Sở Y tế", open_after))
    async with world.db.session() as session:
        history = (
            await session.scalars(
                select(TaskEvent).where(TaskEvent.task_id == first_id).order_by(TaskEvent.id)
            )
        ).all()
        groups = (
            await session.scalars(
                select(Agency.code).join(
                    AgencyGroupMember, AgencyGroupMember.agency_id == Agency.id
                )
            )
        ).all()
        event = await session.scalar(select(Event).where(Event.name == "Tập huấn"))
        trail = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [(h.action, h.from_value, h.to_value) for h in history][-2:] == [
        ("progress", "open", "in_progress"),
        ("moved", LDTBXH, "Sở Y tế"),
    ]
    assert sorted(groups) == sorted([syt, stp]) and event.agency_codes == syt
    assert [e.action for e in trail][-2:] == ["agency_changed", "agency_merged"]
    assert trail[-1].actor_name.endswith("(CLI)")
    # The old name and the old code still find the body.
    summary = await world.say(coord, f"/tonghop {old_code}")
    assert summary.text.startswith(
        texts.AGENCY_DETAIL_HEAD.format(agency="Sở Y tế", code=syt, count=moving + staying)
    )
    assert (await world.say(coord, f"/tonghop {LDTBXH}")).text == summary.text
    # The plan imported again: both of its bodies are the merged one, nothing is new.
    assert await reimport_in_chat(world, coord) == same_plan(activated)
    final = await tables(world)
    assert final["agencies"] == after["agencies"] and final["tasks"] == after["tasks"]


async def test_rename_keeps_the_former_name_and_code(world):
    activated = await import_seed(world)
    coord = await world.coordinator()
    syt = await code_of(world, "Sở Y tế")
    cli = lambda *args: nhacviec_beside(world.settings.database_url, *args)  # noqa: E731
    before = await tables(world)
    refused = await cli("agency", "rename", syt, "Sở Tư pháp")
    assert refused.returncode == 1
    assert refused.stderr.strip() == texts.error_text(
        "agency_exists", name="Sở Tư pháp", code=await code_of(world, "Sở Tư pháp")
    )
    assert await tables(world) == before
    done = await cli("agency", "rename", syt, "Sở Y tế tỉnh Ninh Thuận", "--code", "SYTNT")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_RENAMED.format(
        old="Sở Y tế", name="Sở Y tế tỉnh Ninh Thuận", code="SYTNT"
    )
    listed = {
        a["code"]: a["name"] for a in json.loads((await cli("agency", "list", "--json")).stdout)
    }
    assert listed["SYTNT"] == "Sở Y tế tỉnh Ninh Thuận" and syt not in listed
    user = await world.official(syt, name="Phan Thị Giao")  # an invite by the former code
    shown = await count_tasks(world, "Sở Y tế tỉnh Ninh Thuận", open_only=True)
    assert shown > 1
    assert (await world.say(user, "/viec")).text.startswith(
        list_head("Sở Y tế tỉnh Ninh Thuận", shown)
    )
    taken = await cli("agency", "add", "Sở Y tế")
    assert taken.returncode == 1
    assert taken.stderr.strip() == texts.error_text(
        "agency_exists", name="Sở Y tế tỉnh Ninh Thuận", code="SYTNT"
    )
    before = await tables(world)
    assert await reimport_in_chat(world, coord) == same_plan(activated)
    after = await tables(world)
    assert (after["agencies"], after["tasks"]) == (before["agencies"], before["tasks"])


async def test_split_sends_tasks_and_contacts_where_told(world):
    activated = await import_seed(world)
    coord = await world.coordinator()
    courts = await code_of(world, COURTS)
    judge = await world.official(courts, name="Trịnh Văn Khải")
    prosecutor = await world.official(courts, name="Lý Thị Lan")
    cli = lambda *args: nhacviec_beside(world.settings.database_url, *args)  # noqa: E731
    before = await tables(world)
    for bad, code in (
        (("--into", "Tòa án nhân dân tỉnh"), "split_needs_two"),
        (("--into", courts, "--into", "Tòa án nhân dân tỉnh"), "split_target_is_source"),
    ):
        refused = await cli("agency", "split", courts, *bad)
        assert refused.returncode == 1 and refused.stderr.strip() == texts.error_text(code)
    refused = await cli("agency", "merge", courts, courts)
    assert refused.stderr.strip() == texts.error_text("same_agency_merge")
    assert await tables(world) == before

    async with world.db.session() as session:
        prosecutor_id = await session.scalar(
            select(Contact.id).where(Contact.chat_id == prosecutor)
        )
    owned, still_open = (
        await count_tasks(world, COURTS),
        await count_tasks(world, COURTS, open_only=True),
    )
    assert owned > 1
    done = await cli(
        "agency",
        "split",
        courts,
        "--into",
        "Tòa án nhân dân tỉnh",
        "--into",
        "Viện Kiểm sát nhân dân tỉnh",
        "--contact",
        f"{prosecutor_id}=Viện Kiểm sát nhân dân tỉnh",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_SPLIT.format(
        source=COURTS,
        targets="«Tòa án nhân dân tỉnh», «Viện Kiểm sát nhân dân tỉnh»",
        moved=owned,
        copied=still_open,  # every open task is owed by both successors
        contacts=2,
    )
    judge_list = await world.say(judge, "/viec")
    prosecutor_list = await world.say(prosecutor, "/viec")
    assert judge_list.text.startswith(list_head("Tòa án nhân dân tỉnh", still_open))
    assert prosecutor_list.text.startswith(list_head("Viện Kiểm sát nhân dân tỉnh", still_open))
    async with world.db.session() as session:
        requested = (
            await session.scalars(
                select(Agency.requested).where(Agency.name.in_(["Tòa án nhân dân tỉnh"]))
            )
        ).all()
    assert requested == [True]  # "Đề nghị" bodies stay asked, not ordered
    # The plan still names the former body: it is the first successor now.
    before = await tables(world)
    assert await reimport_in_chat(world, coord) == same_plan(activated)
    after = await tables(world)
    assert (after["agencies"], after["tasks"]) == (before["agencies"], before["tasks"])
