"""Synthetic provinces for timing the Excel export (bench/broadcast.py) and for tests that
need a big workbook: in-memory rows for `services.export.write_workbook`, or a filled
SQLite database for `collect_export_data` + `write_workbook` together.

Run: uv run python bench/export_data.py [--quick]   (the export's own figures)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agency, Contact, Task, TaskEvent
from services import clock
from services.export import (
    AgencyRow,
    ExportData,
    ExportLabels,
    HistoryRow,
    TaskRow,
    collect_export_data,
    write_workbook,
)
from services.status import STATUSES

_SENTENCE = (
    "Tổ chức triển khai Tháng hành động vì trẻ em năm 2026 trên địa bàn tỉnh; tuyên truyền "
    "phòng, chống xâm hại, bạo lực, tai nạn thương tích và đuối nước trẻ em; báo cáo kết quả "
    "thực hiện Chương trình bảo vệ, chăm sóc trẻ em có hoàn cảnh đặc biệt gửi Sở Y tế tổng hợp"
)
_WORDS = _SENTENCE.split()
_AGENCY_KINDS = ("Sở", "UBND huyện", "UBND xã", "Phòng", "Trung tâm", "Hội")
_PLACES = ("Phước Dinh", "Ninh Hải", "Thuận Bắc", "Bác Ái", "Ninh Sơn", "Đông Hải", "Mỹ Bình")


def labels() -> ExportLabels:
    """The real Vietnamese labels, so the strings written are realistic."""
    from bot.render import export_labels

    return export_labels()


def synthetic_export_data(
    n_agencies: int = 500, tasks_per_agency: int = 20, events_per_task: int = 2, seed: int = 1
) -> ExportData:
    """Realistic-looking rows (Vietnamese names, 60-150 character titles, notes, every
    status, a tenth of the tasks without a deadline) for timing write_workbook without a
    database."""
    rnd = random.Random(seed)
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    today = now.astimezone(clock.VN_TZ).date()
    agencies: list[AgencyRow] = []
    tasks: list[TaskRow] = []
    history: list[HistoryRow] = []
    actions = ("created", "progress", "blocked", "extension_requested", "submission")
    tid = 0
    for a in range(n_agencies):
        name = f"{rnd.choice(_AGENCY_KINDS)} {rnd.choice(_PLACES)} số {a + 1}"
        agency = AgencyRow(code=f"CQ{a + 1:04d}", name=name, reachable_contacts=rnd.randint(0, 3))
        for _ in range(tasks_per_agency):
            tid += 1
            title = " ".join(rnd.choices(_WORDS, k=rnd.randint(12, 30)))
            due: dt.date | None = today + dt.timedelta(days=rnd.randint(-60, 120))
            status = rnd.choice(STATUSES)
            if status == "standing":
                due = None
            is_open = status not in ("done_on_time", "done_late")
            blocked = is_open and rnd.random() < 0.1
            ext = is_open and due is not None and rnd.random() < 0.05
            agency.counts[status] += 1
            agency.blocked += blocked
            agency.extensions += ext
            updated = now - dt.timedelta(minutes=rnd.randint(0, 90 * 24 * 60))
            tasks.append(
                TaskRow(
                    id=tid,
                    agency_name=name,
                    title=title,
                    due_date=due,
                    status=status,
                    days_left=(due - today).days if is_open and due else None,
                    block_note="Thiếu kinh phí tổ chức, chờ UBND tỉnh phân bổ" if blocked else None,
                    extension_date=due + dt.timedelta(days=30) if ext and due else None,
                    updated_at=updated,
                )
            )
            for e in range(events_per_task):
                action = actions[0] if e == 0 else rnd.choice(actions[1:])
                history.append(
                    HistoryRow(
                        at=updated - dt.timedelta(minutes=e),
                        agency_name=name,
                        task_id=tid,
                        task_title=title,
                        action=action,
                        from_value="open" if action == "progress" else None,
                        to_value="in_progress"
                        if action == "progress"
                        else title
                        if e == 0
                        else None,
                        note="bao_cao_6_thang.docx"
                        if action == "submission"
                        else "Đã họp ban chỉ đạo, đang triển khai"
                        if e and rnd.random() < 0.3
                        else None,
                        who=None if e == 0 else "Nguyễn Thị Hồng Nhung",
                    )
                )
        agencies.append(agency)
    history.sort(key=lambda h: h.at, reverse=True)
    return ExportData(generated_at=now, agencies=agencies, tasks=tasks, history=history)


async def fill_synthetic_db(
    session: AsyncSession,
    n_agencies: int = 500,
    tasks_per_agency: int = 20,
    events_per_task: int = 2,
    seed: int = 1,
) -> None:
    """Bulk-insert agencies, contacts, tasks (every status around the clock's today) and
    history into an empty database, for timing collect_export_data."""
    rnd = random.Random(seed)
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    agencies, contacts, tasks, events = [], [], [], []
    tid = 0
    for a in range(1, n_agencies + 1):
        name = f"{rnd.choice(_AGENCY_KINDS)} {rnd.choice(_PLACES)} số {a}"
        agencies.append(
            {
                "id": a,
                "code": f"CQ{a:04d}",
                "name": name,
                "name_key": name.casefold(),
                "requested": False,
                "created_at": now,
            }
        )
        contacts.append(
            {
                "chat_id": 10_000 + a,
                "agency_id": a,
                "display_name": "Nguyễn Văn An",
                "reachable": rnd.random() < 0.9,
                "linked_at": now,
            }
        )
        for _ in range(tasks_per_agency):
            tid += 1
            due = today + dt.timedelta(days=rnd.randint(-60, 120)) if rnd.random() < 0.9 else None
            progress = rnd.choice(("open", "in_progress", "done"))
            done_at = now - dt.timedelta(days=rnd.randint(0, 90)) if progress == "done" else None
            blocked = progress != "done" and rnd.random() < 0.1
            ext = progress != "done" and due is not None and rnd.random() < 0.05
            updated = now - dt.timedelta(minutes=rnd.randint(0, 90 * 24 * 60))
            title = " ".join(rnd.choices(_WORDS, k=rnd.randint(12, 30)))
            tasks.append(
                {
                    "id": tid,
                    "agency_id": a,
                    "kind": "task",
                    "title": title,
                    "due_date": due,
                    "progress": progress,
                    "done_at": done_at,
                    "blocked": blocked,
                    "block_note": "Thiếu kinh phí tổ chức" if blocked else None,
                    "extension_requested": ext,
                    "extension_date": due + dt.timedelta(days=30) if ext and due else None,
                    "created_at": updated,
                    "updated_at": updated,
                }
            )
            events.append({"task_id": tid, "at": updated, "action": "created", "to_value": title})
            for e in range(1, events_per_task):
                events.append(
                    {
                        "task_id": tid,
                        "at": updated + dt.timedelta(minutes=e),
                        "action": "progress",
                        "from_value": "open",
                        "to_value": progress,
                        "actor_name": "Nguyễn Văn An",
                        "note": "Đã họp ban chỉ đạo" if rnd.random() < 0.3 else None,
                    }
                )
    for table, rows in (
        (Agency, agencies),
        (Contact, contacts),
        (Task, tasks),
        (TaskEvent, events),
    ):
        for i in range(0, len(rows), 5000):
            await session.execute(sa.insert(table.__table__), rows[i : i + 5000])  # type: ignore[attr-defined]
    await session.commit()


async def _time_from_db(n_agencies: int, tasks_per_agency: int, export: ExportLabels) -> float:
    from bench.common import temp_database

    async with temp_database("export.db") as (database, _):
        async with database.session() as session:
            await fill_synthetic_db(session, n_agencies, tasks_per_agency)
        async with database.session() as session:
            start = time.perf_counter()
            data = await collect_export_data(session)
            write_workbook(data, export)
            return time.perf_counter() - start


def time_export(
    n_agencies: int = 500,
    tasks_per_agency: int = 20,
    *,
    from_db: bool = False,
    export: ExportLabels | None = None,
) -> float:
    """Seconds to build the workbook for n_agencies x tasks_per_agency tasks with two history
    rows each; the test data is made before the clock starts.

    Default: `write_workbook` on in-memory rows (synthetic_export_data). `from_db=True`: a
    temporary SQLite database is filled (fill_synthetic_db) and `collect_export_data` +
    `write_workbook` are timed together, i.e. what a coordinator waits for. Synchronous
    (uses asyncio.run for the database): call it from a script, not from a running loop.
    """
    export = export or labels()
    if from_db:
        return asyncio.run(_time_from_db(n_agencies, tasks_per_agency, export))
    data = synthetic_export_data(n_agencies, tasks_per_agency)
    start = time.perf_counter()
    write_workbook(data, export)
    return time.perf_counter() - start


def time_openpyxl_baseline(n_agencies: int = 500, tasks_per_agency: int = 20) -> float:
    """The same cells written by openpyxl's write-only mode with no styles, page setup or
    row heights: the baseline the export's own XML writer is measured against in one run."""
    import io

    from openpyxl import Workbook

    data = synthetic_export_data(n_agencies, tasks_per_agency)
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("agencies")
    for a in data.agencies:
        ws.append([a.code, a.name, a.total, *a.counts.values(), a.blocked, a.extensions])
    ws = wb.create_sheet("tasks")
    for t in data.tasks:
        ws.append(
            [
                t.id,
                t.agency_name,
                t.title,
                t.due_date,
                t.status,
                t.days_left,
                t.block_note,
                t.extension_date,
                t.updated_at.replace(tzinfo=None),
            ]
        )
    ws = wb.create_sheet("history")
    for h in data.history:
        ws.append(
            [
                h.at.replace(tzinfo=None),
                h.agency_name,
                h.task_id,
                h.task_title,
                h.action,
                h.from_value,
                h.to_value,
                h.note,
                h.who,
            ]
        )
    wb.save(io.BytesIO())
    return time.perf_counter() - start


def main() -> None:
    from bench.common import last_line, table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each instead of three")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    write_s = min(time_export(500, 20) for _ in range(runs))
    baseline_s = min(time_openpyxl_baseline(500, 20) for _ in range(runs))
    db_s = min(time_export(500, 20, from_db=True) for _ in range(runs))
    print(
        table(
            ["measure", "value", "target"],
            [
                ("write_workbook 500x20 (s)", write_s, ""),
                ("openpyxl write-only, same cells (s)", baseline_s, "baseline"),
                ("write_workbook / baseline", write_s / baseline_s, "< 1"),
                ("read + write 500x20 (s)", db_s, "<= 2"),
            ],
            digits=3,
        )
    )
    last_line(
        {
            "write_s": round(write_s, 3),
            "openpyxl_s": round(baseline_s, 3),
            "ratio": round(write_s / baseline_s, 3),
            "export_s": round(db_s, 3),
        }
    )


if __name__ == "__main__":
    main()
