"""Plan import end to end: from the command line and from a document sent in Telegram, to
agencies, tasks, report deadlines and reminders; again without change; corrected with
statuses kept; and documents that are not plans, refused with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot import texts
from db.models import Agency, Outbox, Plan, Task, TaskEvent
from services import clock
from tests.plan_expectations import PLAN_JSON_KEYS
from tests.processes import bench_figures, nhacviec

SEEDS = Path(__file__).parent / "fixtures" / "plans"
SEED_000 = SEEDS / "000_3871e53a5050826a.txt"


def as_docx(text: str) -> bytes:
    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def counts(db) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.__name__: await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Agency, Task, Plan)
        }


async def table_rows(db) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.__name__: await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Agency, Task, Plan, TaskEvent, Outbox)
        }


def test_cli_dry_run_json_has_the_documented_shape(database_url):
    done = nhacviec(database_url, "plan", "import", str(SEED_000), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == PLAN_JSON_KEYS
    assert [(d["date"], d["period"]) for d in data["deadlines"]] == [
        ("2023-05-15", "half-year"),
        ("2023-11-15", "annual"),
    ]
    assert len(data["agencies"]) == 13


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("trong.txt", b"", "empty"),
        ("anh.pdf", bytes(range(256)) * 40, "corrupt"),
        ("rac.bin", b"\x00\x01\x02\xff" * 1000, "binary"),
        ("tin_tuc.txt", (SEEDS / "news_article.txt").read_bytes(), "not_a_plan"),
    ],
)
def test_cli_refuses_what_is_not_a_plan_and_writes_nothing(
    database_url, tmp_path, name, content, code
):
    path = tmp_path / name
    path.write_bytes(content)
    done = nhacviec(database_url, "plan", "import", str(path))
    assert done.returncode == 1
    assert done.stderr.strip() == texts.error_text(code)
    listed = nhacviec(database_url, "task", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_cli_refuses_a_50_mb_file_without_reading_it(database_url, tmp_path):
    path = tmp_path / "lon.pdf"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    done = nhacviec(database_url, "plan", "import", str(path))
    assert done.returncode == 1 and done.stderr.strip() == texts.DOCUMENT_ERRORS["too_large"]


async def test_coordinator_sends_docx_reviews_and_activates(world):
    world.clock.set(dt.datetime(2023, 3, 20, 9, 0, tzinfo=clock.VN_TZ))
    coord = await world.coordinator()
    data = as_docx(SEED_000.read_text(encoding="utf-8"))
    review = await world.send_document(coord, "KH_tre_em_2023.docx", len(data), content=data)
    assert review.text.startswith(texts.PLAN_REVIEW_HEAD.split("{")[0])
    assert "13 cơ quan" in review.text and "H1. 15/05/2023 — Báo cáo 6 tháng" in review.text
    assert await counts(world.db) == {"Agency": 0, "Task": 0, "Plan": 1}
    activate = world.button_data(review, texts.BTN_ACTIVATE)
    answer = await world.press(coord, review.message_id, activate)
    assert answer.text.startswith("✅")
    after = await counts(world.db)
    # 49 duties; two reports for each body but Sở LĐTBXH, which receives them
    assert after["Agency"] == 13 and after["Task"] == 12 * 2 + 49
    async with world.db.session() as session:
        tuphap = await session.scalar(select(Agency).where(Agency.name == "Sở Tư pháp"))
        reports = (
            await session.scalars(
                select(Task)
                .where(Task.agency_id == tuphap.id, Task.kind == "report")
                .order_by(Task.due_date)
            )
        ).all()
        requested = (
            await session.scalars(select(Agency.name).where(Agency.requested.is_(True)))
        ).all()
    assert [(t.title, t.due_date.isoformat()) for t in reports] == [
        ("Báo cáo 6 tháng", "2023-05-15"),
        ("Báo cáo năm", "2023-11-15"),
    ]
    assert len(requested) == 2
    # The same button again, or the same document again, changes nothing.
    again = await world.press(coord, review.message_id, activate, strict=False)
    assert again.text == texts.PLAN_NOT_DRAFT
    before = await table_rows(world.db)
    reply = await world.send_document(coord, "KH_tre_em_2023.docx", len(data), content=data)
    assert reply.text == texts.PLAN_ACTIVATED_SAME
    assert await table_rows(world.db) == before  # nothing written at all


async def test_corrected_plan_updates_without_losing_status(world):
    from services import plans
    from services.plan_parser import parse_plan

    world.clock.set(dt.datetime(2023, 3, 20, 9, 0, tzinfo=clock.VN_TZ))
    text = SEED_000.read_text(encoding="utf-8")
    async with world.db.session() as session:
        draft, _ = await plans.create_draft(session, parsed=parse_plan(text), source_name="v1")
        await plans.activate(session, plan_id=draft.id, settings=world.settings)
    await world.agency("Sở Nội vụ", code="SNV")  # unrelated, untouched
    async with world.db.session() as session:
        agency = await session.scalar(select(Agency).where(Agency.name == "Sở Tư pháp"))
        code = agency.code
    user = await world.official(code)
    async with world.db.session() as session:
        annual = await session.scalar(
            select(Task).where(Task.agency_id == agency.id, Task.title == "Báo cáo năm")
        )
    listing = await world.say(user, "/viec")
    n = next(i for i, line in enumerate(listing.text.split("\n")) if "Báo cáo năm" in line)
    label = next(label for label in world.labels(listing) if "Báo cáo năm" in label)
    card = await world.open_task(user, listing, int(label.split(".")[0]))
    await world.tap(user, card, texts.BTN_PROGRESS)
    corrected = text.replace("báo cáo năm (trước ngày 15/11)", "báo cáo năm (trước ngày 20/11)")
    assert corrected != text
    async with world.db.session() as session:
        draft, _ = await plans.create_draft(session, parsed=parse_plan(corrected), source_name="v2")
        result = await plans.activate(session, plan_id=draft.id, settings=world.settings)
        task = await session.get(Task, annual.id)
        total = await session.scalar(select(sa.func.count()).select_from(Task))
        pending = (
            await session.scalars(
                select(Outbox.dedupe_key).where(
                    Outbox.task_id == annual.id, Outbox.state == "pending"
                )
            )
        ).all()
    assert result.tasks_updated == 12 and result.tasks_created == 0
    assert task.due_date.isoformat() == "2023-11-20" and task.progress == "in_progress"
    assert total == 12 * 2 + 49
    assert n >= 1 and all(":2023-11-20:" in key for key in pending)


async def test_non_plan_document_in_chat_is_refused_and_nothing_written(world):
    coord = await world.coordinator()
    news = (SEEDS / "news_article.txt").read_bytes()
    reply = await world.send_document(coord, "tin_tuc.txt", len(news), content=news)
    assert reply.text == texts.DOCUMENT_ERRORS["not_a_plan"]
    reply = await world.send_document(coord, "scan.bin", 2000, content=b"\x00\xff" * 1000)
    assert reply.text == texts.DOCUMENT_ERRORS["binary"]
    assert await counts(world.db) == {"Agency": 0, "Task": 0, "Plan": 0}


def test_bench_import_quick_prints_its_json_line():
    figures = bench_figures("import.py")
    seeds = sorted(p.stem for p in SEEDS.glob("*.txt") if p.name[:1].isdigit())
    real = sorted(p.stem for p in (SEEDS.parent / "real-plans").glob("*.md") if p.stem != "README")
    assert seeds and real and sorted(figures["per_seed"]) == sorted(seeds + real)
    assert figures["stress_3000_lines_cpu_s"] > 0 and figures["cli_dry_run_wall_s"] > 0
    assert figures["max_seconds"] == max(figures["per_seed"].values()) > 0


async def test_a_plan_on_a_slow_link_is_read_and_a_broken_download_answered(
    settings, db, fake_server, frozen_clock
):
    """Other calls wait HTTP_TIMEOUT_S for a whole exchange; a plan's download is given
    the time its size needs on a slow office link. Slower still, the coordinator is told
    to send it again, and nothing is written."""
    from tests.harness import World, running_app

    quick = settings.model_copy(update={"http_timeout_s": 1.0})
    async with running_app(quick, db) as app:
        world = World(app=app, server=fake_server, db=db, clock=frozen_clock, settings=quick)
        world.clock.set(dt.datetime(2023, 3, 20, 9, 0, tzinfo=clock.VN_TZ))
        coord = await world.coordinator()
        plan = SEED_000.read_bytes() + b"\n" + (b" " * 99 + b"\n") * 3000  # some 330 KB
        fake_server.file_bytes_per_s = 150_000  # about 2 s: twice the timeout of a call
        review = await world.send_document(coord, "ke_hoach.txt", len(plan), content=plan)
        assert review.text.startswith(texts.PLAN_REVIEW_HEAD.split("{")[0])
        assert "13 cơ quan" in review.text
        fake_server.file_bytes_per_s = 2_000  # minutes: past what any link is waited for
        other = plan.replace(b"2023", b"2024")
        failed = await world.send_document(coord, "ke_hoach_2024.txt", len(other), content=other)
        assert failed.text == texts.DOCUMENT_DOWNLOAD_FAILED
        assert await counts(world.db) == {"Agency": 0, "Task": 0, "Plan": 1}
