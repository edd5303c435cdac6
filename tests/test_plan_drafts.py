"""Plan drafts end to end: who owes which report (activation makes report tasks for the
owners only, /quahan shows each body once per task it owes), drafts mended in chat and
on the server, deadlines past or counted from the plan's receipt, recurring reports,
agency codes, and a re-import that changes nothing writing nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Agency, Outbox, Plan, Task, TaskEvent
from services import clock, drafts, plans
from services.errors import DomainError
from services.plan_parser import parse_plan
from tests.harness import stop_periodic_jobs
from tests.plan_expectations import REAL
from tests.processes import nhacviec

ROOT = Path(__file__).parent.parent
BUNDLED = ROOT / "demo" / "ke_hoach_mau.txt"  # seed 004, Bình Phước 2025
SEEDS = Path(__file__).parent / "fixtures" / "plans"
PATTERNS = Path(__file__).parent / "fixtures" / "patterns"


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.VN_TZ)


async def rows(db) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.__name__: await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Agency, Task, Plan, TaskEvent, Outbox)
        }


async def reports_by_agency(db) -> dict[str, list[tuple[str, str]]]:
    async with db.session() as session:
        found = (
            await session.execute(
                select(Agency.name, Task.title, Task.due_date)
                .join(Task, Task.agency_id == Agency.id)
                .where(Task.kind == "report")
                .order_by(Agency.id, Task.due_date)
            )
        ).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for name, title, due in found:
        out.setdefault(name, []).append((title, due.isoformat()))
    return out


async def import_file(world, path: Path, *, activate: bool = True, **kwargs) -> Plan:
    async with world.db.session() as session:
        parsed = plans.read_plan(path.read_bytes(), path.name)
        draft = await plans.create_draft(session, parsed=parsed, source_name=path.name)
        if activate:
            await plans.activate(session, plan_id=draft.plan.id, settings=world.settings, **kwargs)
        return draft.plan


# --- who owes which report -------------------------------------------------------------


async def test_bundled_plan_gives_the_consolidated_report_to_the_health_department_alone(world):
    world.clock.set(at(dt.date(2025, 6, 2)))
    coord = await world.coordinator()
    data = BUNDLED.read_bytes()
    review = await world.send_document(coord, "ke_hoach_mau.txt", len(data), content=data)
    assert "H1. 10/11/2025 — Báo cáo năm (hạn 10/11/2025) — mọi cơ quan trừ Sở Y tế" in review.text
    assert "H2. 20/11/2025 — Báo cáo năm (hạn 20/11/2025) — Sở Y tế, hằng năm" in review.text
    await world.press(coord, review.message_id, world.button_data(review, texts.BTN_ACTIVATE))
    reports = await reports_by_agency(world.db)
    assert reports.pop("Sở Y tế") == [("Báo cáo năm (hạn 20/11/2025)", "2025-11-20")]
    assert len(reports) == 10
    assert all(r == [("Báo cáo năm (hạn 10/11/2025)", "2025-11-10")] for r in reports.values())

    await stop_periodic_jobs(world.app)  # no escalation notice in the way of the answer
    world.clock.set(at(dt.date(2025, 11, 25)))
    overdue = await world.say(coord, "/quahan")
    text = overdue.text
    async with world.db.session() as session:
        names = (await session.scalars(select(Agency.name))).all()
    for name in names:  # each body once: it owes one report
        assert text.count(name[:40]) == 1, name
    # (grouped by body, each task with its deadline written once)
    assert text.count("Báo cáo năm (hạn 20/11/2025,") == 1
    assert text.count("Báo cáo năm (hạn 10/11/2025,") == 10


@pytest.mark.parametrize(
    "key, owners",
    [
        ("000", 12),  # every body but the department the results are sent to
        ("002", 1),  # the communes' duty carries the report regime
    ],
)
async def test_seed_reports_go_to_their_owners(world, key, owners):
    world.clock.set(at(dt.date(2023, 3, 1)))
    path = next(SEEDS.glob(f"{key}_*.txt"))
    await import_file(world, path)
    reports = await reports_by_agency(world.db)
    assert len(reports) == owners and all(len(r) == 2 for r in reports.values())


# --- mending a draft in chat -----------------------------------------------------------


async def test_coordinator_mends_a_draft_in_chat_then_activates(world):
    world.clock.set(at(dt.date(2025, 6, 2)))
    coord = await world.coordinator()
    data = BUNDLED.read_bytes()
    review = await world.send_document(coord, "ke_hoach_mau.txt", len(data), content=data)
    assert "9. Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh" in review.text
    assert texts.PLAN_CHECK_MANY.format(n=9) in review.text
    async with world.db.session() as session:
        plan_id = (await drafts.latest_draft(session)).id
    count = len(world.server.messages_to(coord))
    await world.press(coord, review.message_id, world.button_data(review, texts.BTN_EDIT_DRAFT))
    shown = await world.server.wait_for_messages(coord, count + 1, 5.0)
    assert shown[count].text == texts.PLAN_EDIT_HELP.format(id=plan_id)

    split = await world.say(
        coord, "/suakh tach 9 Viện kiểm sát nhân dân tỉnh; Tòa án nhân dân tỉnh"
    )
    assert "9. Viện kiểm sát nhân dân tỉnh — 2 việc (đề nghị)" in split.text
    assert "10. Tòa án nhân dân tỉnh — 2 việc (đề nghị)" in split.text
    renamed = await world.say(coord, f"/suakh #{plan_id} ten 12 UBND các xã, phường")
    assert "12. UBND các xã, phường — 3 việc" in renamed.text
    moved = await world.say(coord, "/suakh chuyen 1.14 2")
    assert "1. Sở Y tế — 13 việc" in moved.text and "2. Sở Tài chính — 3 việc" in moved.text
    owners = await world.say(coord, "/suakh han 2 tatca")
    assert "H2. 20/11/2025 — Báo cáo năm (hạn 20/11/2025) — mọi cơ quan trừ Sở Y tế" in (
        owners.text
    )
    wrong = await world.say(coord, "/suakh bo 40")
    assert wrong.text == texts.error_text("draft_no_body", number=40)
    nonsense = await world.say(coord, "/suakh xoa het")
    assert nonsense.text == texts.error_text("draft_edit_invalid")

    await world.press(coord, owners.message_id, world.button_data(owners, texts.BTN_ACTIVATE))
    reports = await reports_by_agency(world.db)
    assert set(reports) >= {"Viện kiểm sát nhân dân tỉnh", "Tòa án nhân dân tỉnh"}
    assert "Sở Y tế" not in reports and all(len(r) == 2 for r in reports.values())
    async with world.db.session() as session:
        codes = dict((await session.execute(select(Agency.name, Agency.code))).all())
    assert codes["Viện kiểm sát nhân dân tỉnh"] == "VKSND"
    assert codes["Tòa án nhân dân tỉnh"] == "TAND"
    assert codes["UBND các xã, phường"] == "UBNDXA"


async def test_officials_cannot_mend_drafts(world):
    agency = await world.agency("Sở Tư pháp")
    user = await world.official(agency.code)
    await import_file(world, BUNDLED, activate=False)
    reply = await world.say(user, "/suakh bo 1")
    assert reply.text == texts.COORDINATOR_ONLY
    async with world.db.session() as session:
        plan = await drafts.latest_draft(session)
    assert len(plans.parsed_of(plan)["agencies"]) == 11


def test_draft_edits_keep_owners_and_coordinator_consistent():
    data = parse_plan(BUNDLED.read_text(encoding="utf-8")).draft_json()
    drafts.parse_edit("ten 1 Sở Y tế tỉnh Bình Phước")(data)
    assert data["coordinator"] == "Sở Y tế tỉnh Bình Phước"
    assert data["deadlines"][1]["owners"] == ["Sở Y tế tỉnh Bình Phước"]
    drafts.parse_edit("tách 9 Viện kiểm sát nhân dân tỉnh | Tòa án nhân dân tỉnh")(data)
    assert "Viện kiểm sát nhân dân tỉnh" in data["deadlines"][0]["owners"]
    assert "Tòa án nhân dân tỉnh" in data["deadlines"][0]["owners"]
    drafts.parse_edit("gộp 9 10")(data)
    assert data["agencies"][8]["name"] == "Viện kiểm sát nhân dân tỉnh"
    assert "Tòa án nhân dân tỉnh" not in data["deadlines"][0]["owners"]
    drafts.parse_edit("bỏ 2")(data)
    assert "Sở Tài chính" not in data["deadlines"][0]["owners"]
    drafts.parse_edit("han 1 daumoi")(data)
    assert data["deadlines"][0]["owners"] == ["Sở Y tế tỉnh Bình Phước"]
    drafts.parse_edit("han 1 2,3")(data)
    assert data["deadlines"][0]["owners"] == ["Sở Tư pháp", "Sở Giáo dục và Đào tạo"]
    drafts.parse_edit("denghi 2")(data)
    assert data["agencies"][1]["requested"] is True
    drafts.parse_edit("them Sở Nội vụ")(data)
    drafts.parse_edit("daumoi 11")(data)
    assert data["coordinator"] == "Sở Nội vụ"
    for bad in ("ten 1 Sở Tư pháp", "gop 1", "chuyen 1.99 2", "han 9 tatca", "tach 3 Một"):
        with pytest.raises(DomainError):
            drafts.parse_edit(bad)(data)


# --- on the server ---------------------------------------------------------------------


def test_dry_run_touches_no_database_and_creates_no_file(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}"
    before = sorted(tmp_path.iterdir())
    done = nhacviec(url, "plan", "import", str(BUNDLED), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [(d["date"], d["owners"], d["recurrence"]) for d in data["deadlines"]] == [
        ("2025-11-10", [a["name"] for a in data["agencies"][1:]], None),
        ("2025-11-20", ["Sở Y tế"], "yearly"),
    ]
    assert sorted(tmp_path.iterdir()) == before
    text = nhacviec(url, "plan", "import", str(BUNDLED), "--dry-run")
    assert text.returncode == 0 and "11 cơ quan" in text.stdout
    assert sorted(tmp_path.iterdir()) == before


def test_cli_import_edit_show_activate(database_url):
    done = nhacviec(database_url, "plan", "import", str(BUNDLED))
    assert done.returncode == 0, done.stderr
    assert texts.CLI_PLAN_NO_COORDINATOR.format(id=1) in done.stdout
    again = nhacviec(database_url, "plan", "import", str(BUNDLED))
    assert again.stdout.strip().endswith(
        texts.CLI_PLAN_UNCHANGED.format(id=1, state=texts.CLI_PLAN_STATES["draft"])
    )
    edited = nhacviec(database_url, "plan", "edit", "1", "bo", "11")
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.startswith(texts.CLI_PLAN_EDITED.format(id=1))
    assert "10 cơ quan" in edited.stdout
    bad = nhacviec(database_url, "plan", "edit", "1", "ten", "99", "X")
    assert bad.returncode == 1
    assert bad.stderr.strip() == texts.error_text("draft_no_body", number=99)
    shown = json.loads(nhacviec(database_url, "plan", "show", "1", "--json").stdout)
    assert shown["state"] == "draft" and len(shown["plan"]["agencies"]) == 10
    assert "UBND các huyện, thị xã, thành phố" not in shown["plan"]["deadlines"][0]["owners"]
    active = nhacviec(database_url, "plan", "activate", "1", "--past")
    assert active.returncode == 0 and active.stdout.startswith("✅"), active.stderr
    listed = json.loads(nhacviec(database_url, "agency", "list", "--json").stdout)
    assert {a["code"] for a in listed} == {
        "SYT",
        "STC",
        "STP",
        "SGDDT",
        "SVHTTDL",
        "CAT",
        "SKHCN",
        "SXD",
        "VKSND",
        "UBMTTQ",
    }
    tasks = json.loads(nhacviec(database_url, "task", "list", "--json").stdout)
    assert sorted(t["due"] for t in tasks if t["due"]) == ["2025-11-10"] * 9 + ["2025-11-20"]


# --- past, relative and recurring deadlines --------------------------------------------


async def test_past_deadlines_are_the_coordinators_choice(world):
    world.clock.set(at(dt.date(2026, 1, 5)))
    coord = await world.coordinator()
    data = BUNDLED.read_bytes()
    review = await world.send_document(coord, "ke_hoach_mau.txt", len(data), content=data)
    assert texts.PLAN_PAST_ALL.format(year=2025) in review.text
    skip = world.button_data(review, texts.BTN_ACTIVATE_FUTURE)
    assert world.button_data(review, texts.BTN_ACTIVATE_ALL) != skip
    answer = await world.press(coord, review.message_id, skip)
    assert answer.text.startswith("✅")
    assert await reports_by_agency(world.db) == {}  # 11 owed reports left out
    async with world.db.session() as session:
        assert await session.scalar(select(sa.func.count()).select_from(Task)) == 53  # duties


async def test_past_deadlines_activated_on_request(world):
    world.clock.set(at(dt.date(2026, 1, 5)))
    await import_file(world, BUNDLED, include_past=True)
    reports = await reports_by_agency(world.db)
    assert sum(len(r) for r in reports.values()) == 11


async def test_relative_deadline_is_dated_from_activation(world):
    world.clock.set(at(dt.date(2026, 3, 16)))
    await import_file(world, PATTERNS / "web_child_protection_2026.md")
    reports = await reports_by_agency(world.db)
    relative = [
        (name, due)
        for name, found in reports.items()
        for title, due in found
        if "10 ngày kể từ ngày nhận" in title
    ]
    assert len(relative) == 10 and {due for _, due in relative} == {"2026-03-26"}
    assert "Sở Y tế" not in {name for name, _ in relative}
    # the others: 31/3, 15/6, 15/11 for all but Sở Y tế, 10/7 for the communes, 25/11 for it
    assert reports["Sở Y tế"] == [("Báo cáo năm (hạn 25/11/2026)", "2026-11-25")]


async def test_yearly_report_of_a_standing_plan_rolls_on_in_the_right_year(world):
    """KH597 (issued 27/11/2025, no end year): «Định kỳ hằng năm (trước ngày 30 tháng
    11)»; once the 2025 report is past or done, the 2026 one is created, not a 2045 one."""
    expected = REAL["KH597"]
    world.clock.set(at(dt.date(2025, 11, 28)))
    await import_file(world, expected.path)
    first = await reports_by_agency(world.db)
    assert len(first) == 6 and all(r[0][1] == "2025-11-30" for r in first.values())
    async with world.db.session() as session:
        assert await plans.roll_recurring(session, world.settings) == 0  # not due yet
    world.clock.set(at(dt.date(2025, 12, 1)))
    async with world.db.session() as session:
        assert await plans.roll_recurring(session, world.settings) == 6
        assert await plans.roll_recurring(session, world.settings) == 0  # once
    rolled = await reports_by_agency(world.db)
    assert all([d for _, d in r] == ["2025-11-30", "2026-11-30"] for r in rolled.values())


async def test_a_plan_for_one_year_does_not_roll_into_the_next(world):
    world.clock.set(at(dt.date(2025, 6, 2)))
    await import_file(world, BUNDLED)
    world.clock.set(at(dt.date(2025, 12, 1)))
    async with world.db.session() as session:
        assert await plans.roll_recurring(session, world.settings) == 0


# --- a re-import that changes nothing writes nothing ------------------------------------


async def test_reimport_of_a_repeated_plan_writes_nothing(world):
    """The same plan body 40 times over (duties repeated): imported twice, the second
    import writes nothing, and no history row ever has equal old and new titles."""
    world.clock.set(at(dt.date(2025, 6, 2)))
    text = BUNDLED.read_text(encoding="utf-8")
    start = text.index("V. TỔ CHỨC THỰC HIỆN")
    end = text.index("VI. CHẾ ĐỘ BÁO CÁO")
    repeated = text[:end] + text[start:end] * 39 + text[end:]
    parsed = parse_plan(repeated)
    async with world.db.session() as session:
        draft = await plans.create_draft(session, parsed=parsed, source_name="x40.txt")
        await plans.activate(session, plan_id=draft.plan.id, settings=world.settings)
    before = await rows(world.db)
    assert before["Task"] > 40 * 50
    for _ in range(2):
        async with world.db.session() as session:
            again = await plans.create_draft(session, parsed=parse_plan(repeated), source_name="x")
        assert again.unchanged and again.plan.id == draft.plan.id
    assert await rows(world.db) == before
    # a draft of the same plan read differently, activated: only real changes are recorded
    async with world.db.session() as session:
        changed = parse_plan(repeated.replace("trước ngày 10/11/2025", "trước ngày 12/11/2025"))
        second = await plans.create_draft(session, parsed=changed, source_name="x40b.txt")
        result = await plans.activate(session, plan_id=second.plan.id, settings=world.settings)
        same_titles = await session.scalar(
            select(sa.func.count())
            .select_from(TaskEvent)
            .where(TaskEvent.action == "title", TaskEvent.from_value == TaskEvent.to_value)
        )
    assert same_titles == 0 and result.tasks_created == 0 and result.tasks_updated == 10
