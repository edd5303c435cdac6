"""Bodies renamed, merged and split (as in the 2025 reorganisation), on the command line:
tasks, contacts, history, groups and events follow; former names still find the body;
a plan imported again matches the body as it is now. Seen through the bot, over HTTP."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Agency, AgencyGroupMember, AuditEvent, Contact, Event, Task, TaskEvent
from services import plans
from services.plan_parser import parse_plan
from tests.test_cli import nhacviec
from tests.test_plan_import import SEED_000, as_docx

LDTBXH = "Sở Lao động - Thương binh và Xã hội"
COURTS = "Tòa án nhân dân tỉnh, Viện Kiểm sát nhân dân tỉnh"


async def import_seed(world) -> None:
    async with world.db.session() as session:
        draft, _ = await plans.create_draft(
            session, parsed=parse_plan(SEED_000.read_text(encoding="utf-8")), source_name="v1"
        )
        await plans.activate(session, plan_id=draft.id, settings=world.settings)


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


async def reimport_in_chat(world, coord: int) -> str:
    data = as_docx(SEED_000.read_text(encoding="utf-8"))
    review = await world.send_document(coord, "KH_tre_em_2023.docx", len(data), content=data)
    answer = await world.press(
        coord, review.message_id, world.button_data(review, texts.BTN_ACTIVATE)
    )
    return answer.text


async def test_merge_moves_everything_and_the_plan_matches_the_merged_body(world):
    await import_seed(world)
    coord = await world.coordinator()
    old_code, syt = await code_of(world, LDTBXH), await code_of(world, "Sở Y tế")
    stp = await code_of(world, "Sở Tư pháp")
    official = await world.official(old_code, name="Nguyễn Văn An")
    async with world.db.session() as session:
        first = await session.scalar(
            select(Task).join(Agency).where(Agency.code == old_code).order_by(Task.id)
        )
    listing = await world.say(official, "/viec")
    await world.press(official, listing.message_id, f"t:{first.id}:p")
    cli = lambda *args: nhacviec(world.settings.database_url, *args)  # noqa: E731
    assert cli("group", "add", "Các sở", "--agencies", f"{old_code},{stp}").returncode == 0
    done = cli("event", "add", "--name", "Tập huấn", "--date", "15/12/2026", "--agencies", old_code)
    assert done.returncode == 0, done.stderr
    before = await tables(world)
    assert world.server.last_message(coord) is not None

    done = cli("agency", "merge", old_code, syt)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_MERGED.format(
        source=LDTBXH, target="Sở Y tế", tasks=10, contacts=1, groups=1
    )
    after = await tables(world)
    assert LDTBXH not in after["agencies"] and len(after["agencies"]) == 12
    assert len(after["tasks"]) == len(before["tasks"])
    # The official now speaks for the merged body and sees both bodies' tasks.
    listing = await world.say(official, "/viec")
    assert listing.text.startswith(texts.TASKS_HEADER.format(agency="Sở Y tế", count=17))
    async with world.db.session() as session:
        history = (
            await session.scalars(
                select(TaskEvent).where(TaskEvent.task_id == first.id).order_by(TaskEvent.id)
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
    assert texts.SUMMARY_AGENCY.format(agency="Sở Y tế", counts="").strip() in summary.text
    assert summary.text.startswith(
        texts.SUMMARY_HEADER.format(date="23/11/2026", agencies=1, tasks=17)
    )
    assert (await world.say(coord, f"/tonghop {LDTBXH}")).text == summary.text
    # The plan imported again: both of its bodies are the merged one, nothing is new.
    assert await reimport_in_chat(world, coord) == texts.PLAN_ACTIVATED_SAME
    final = await tables(world)
    assert final["agencies"] == after["agencies"] and final["tasks"] == after["tasks"]


async def test_rename_keeps_the_former_name_and_code(world):
    await import_seed(world)
    coord = await world.coordinator()
    syt = await code_of(world, "Sở Y tế")
    cli = lambda *args: nhacviec(world.settings.database_url, *args)  # noqa: E731
    before = await tables(world)
    refused = cli("agency", "rename", syt, "Sở Tư pháp")
    assert refused.returncode == 1
    assert refused.stderr.strip() == texts.error_text(
        "agency_exists", name="Sở Tư pháp", code=await code_of(world, "Sở Tư pháp")
    )
    assert await tables(world) == before
    done = cli("agency", "rename", syt, "Sở Y tế tỉnh Ninh Thuận", "--code", "SYTNT")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == texts.CLI_AGENCY_RENAMED.format(
        old="Sở Y tế", name="Sở Y tế tỉnh Ninh Thuận", code="SYTNT"
    )
    listed = {a["code"]: a["name"] for a in json.loads(cli("agency", "list", "--json").stdout)}
    assert listed["SYTNT"] == "Sở Y tế tỉnh Ninh Thuận" and syt not in listed
    user = await world.official(syt, name="Phan Thị Giao")  # an invite by the former code
    assert (await world.say(user, "/viec")).text.startswith(
        texts.TASKS_HEADER.format(agency="Sở Y tế tỉnh Ninh Thuận", count=7)
    )
    taken = cli("agency", "add", "Sở Y tế")
    assert taken.returncode == 1
    assert taken.stderr.strip() == texts.error_text(
        "agency_exists", name="Sở Y tế tỉnh Ninh Thuận", code="SYTNT"
    )
    assert await reimport_in_chat(world, coord) == texts.PLAN_ACTIVATED_SAME


async def test_split_sends_tasks_and_contacts_where_told(world):
    await import_seed(world)
    coord = await world.coordinator()
    courts = await code_of(world, COURTS)
    judge = await world.official(courts, name="Trịnh Văn Khải")
    prosecutor = await world.official(courts, name="Lý Thị Lan")
    cli = lambda *args: nhacviec(world.settings.database_url, *args)  # noqa: E731
    before = await tables(world)
    for bad, code in (
        (("--into", "Tòa án nhân dân tỉnh"), "split_needs_two"),
        (("--into", courts, "--into", "Tòa án nhân dân tỉnh"), "split_target_is_source"),
    ):
        refused = cli("agency", "split", courts, *bad)
        assert refused.returncode == 1 and refused.stderr.strip() == texts.error_text(code)
    refused = cli("agency", "merge", courts, courts)
    assert refused.stderr.strip() == texts.error_text("same_agency_merge")
    assert await tables(world) == before

    async with world.db.session() as session:
        prosecutor_id = await session.scalar(
            select(Contact.id).where(Contact.chat_id == prosecutor)
        )
    done = cli(
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
        moved=4,
        copied=4,
        contacts=2,
    )
    judge_list = await world.say(judge, "/viec")
    prosecutor_list = await world.say(prosecutor, "/viec")
    assert judge_list.text.startswith(
        texts.TASKS_HEADER.format(agency="Tòa án nhân dân tỉnh", count=4)
    )
    assert prosecutor_list.text.startswith(
        texts.TASKS_HEADER.format(agency="Viện Kiểm sát nhân dân tỉnh", count=4)
    )
    async with world.db.session() as session:
        requested = (
            await session.scalars(
                select(Agency.requested).where(Agency.name.in_(["Tòa án nhân dân tỉnh"]))
            )
        ).all()
    assert requested == [True]  # "Đề nghị" bodies stay asked, not ordered
    # The plan still names the former body: it is the first successor now.
    assert await reimport_in_chat(world, coord) == texts.PLAN_ACTIVATED_SAME
