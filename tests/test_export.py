"""The coordinators' Excel workbook: built from a real database through the services, read
back with openpyxl as Excel would show it. Clock frozen at Monday 23/11/2026 09:00 VN."""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from pathlib import Path

import openpyxl
import pytest

from bench.export_data import synthetic_export_data
from bot import texts
from db.models import Plan
from services import agencies, invites, outbox, plans
from services import tasks as task_service
from services.export import (
    AgencyRow,
    ExportLabels,
    build_export,
    collect_export_data,
    write_workbook,
)
from services.settings import Settings
from services.status import STATUSES

ROOT = Path(__file__).resolve().parent.parent

D = dt.date
T = dt.datetime
EXPORT_TEXTS = texts.EXPORT_TEXTS
LABELS = ExportLabels(
    **EXPORT_TEXTS,
    status=texts.STATUS,
    flag_blocked=texts.FLAG_BLOCKED,
    flag_extension=texts.FLAG_EXTENSION,
)


async def official(session, code: str, chat_id: int, name: str) -> task_service.Actor:
    invite, _ = await invites.create_invite(session, agency_ref=code)
    redeemed = await invites.redeem_invite(
        session,
        code=invite.code,
        chat_id=chat_id,
        chat_type="private",
        user_id=chat_id,
        display_name=name,
    )
    return task_service.Actor(contact=redeemed.contact, user_id=chat_id, name=name, chat_id=chat_id)


async def populate(db, clock) -> dict[str, int]:
    """Three agencies, five tasks covering the five statuses, an obstacle, an extension
    request; times move a few minutes between the answers so the history has an order."""
    ids: dict[str, int] = {}
    async with db.session() as s:
        await agencies.add_agency(s, name="Sở Y tế", code="SYT")
        await agencies.add_agency(s, name="UBND xã Phước Dinh", code="PD")
        await agencies.add_agency(s, name="Sở Giáo dục và Đào tạo", code="SGD")
        for key, code, title, due in [
            (
                "quarter",
                "SYT",
                "Báo cáo quý IV năm 2026 về công tác bảo vệ trẻ em",
                D(2026, 11, 20),
            ),
            ("forum", "SYT", "Tổ chức Diễn đàn trẻ em cấp tỉnh", D(2026, 12, 15)),
            ("month", "SYT", "Báo cáo kết quả Tháng hành động vì trẻ em", D(2026, 11, 30)),
            ("summer", "PD", "Kế hoạch hoạt động hè cho trẻ em", D(2026, 11, 10)),
            ("formula", "PD", '=HYPERLINK("http://x","bấm vào đây")', None),
        ]:
            ids[key] = (
                await task_service.add_task(s, agency_ref=code, title=title, due_date=due)
            ).id
        an = await official(s, "SYT", 1001, "Nguyễn Văn An")
        await official(s, "SYT", 1002, "Lê Thị Bình")
        gone = await official(s, "SYT", 1003, "Trần Văn Cường")
        await outbox.mark_unreachable(s, chat_id=gone.chat_id, reason="blocked")
        await s.commit()
        dung = await official(s, "PD", 2001, "Phạm Thị Dung")

        clock.advance(dt.timedelta(minutes=5))  # 09:05
        await task_service.apply_action(s, actor=an, task_id=ids["forum"], action="progress")
        clock.advance(dt.timedelta(minutes=5))  # 09:10
        await task_service.apply_action(s, actor=an, task_id=ids["month"], action="done")
        clock.advance(dt.timedelta(minutes=5))  # 09:15
        await task_service.apply_action(
            s,
            actor=an,
            task_id=ids["quarter"],
            action="blocked",
            note="Thiếu số liệu từ các xã\x01",
        )
        clock.advance(dt.timedelta(minutes=5))  # 09:20
        await task_service.apply_action(
            s,
            actor=an,
            task_id=ids["forum"],
            action="extend",
            new_due=D(2027, 1, 15),
            note="Chờ kinh phí",
        )
        clock.advance(dt.timedelta(minutes=10))  # 09:30
        await task_service.apply_action(s, actor=dung, task_id=ids["summer"], action="done")
    return ids


def at(hh: int, mm: int) -> dt.datetime:
    """23/11/2026 at hh:mm, Vietnam time, as Excel holds it (no time zone)."""
    return T(2026, 11, 23, hh, mm)


def rows(ws) -> list[list]:
    """The header row and the data rows (row 1 is the sheet's title)."""
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


async def test_workbook_shows_agencies_tasks_and_history(db, frozen_clock):
    ids = await populate(db, frozen_clock)
    async with db.session() as session:
        data = await build_export(session, labels=LABELS)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Theo cơ quan", "Theo nhiệm vụ", "Lịch sử"]

    # --- by agency: by name, counts per status, flags, reachable contacts, completion
    ws = wb["Theo cơ quan"]
    assert rows(ws) == [
        [
            "Mã cơ quan",
            "Tên cơ quan",
            "Số nhiệm vụ",
            "Chưa đến hạn",
            "Đang thực hiện",
            "Quá hạn",
            "Hoàn thành đúng hạn",
            "Hoàn thành quá hạn",
            "Thường xuyên",
            "Thường xuyên — đã thực hiện",
            "Vướng mắc",
            "Xin gia hạn",
            "Liên hệ nhận được tin",
            "Tỷ lệ hoàn thành",
        ],
        ["SGD", "Sở Giáo dục và Đào tạo", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None],
        ["SYT", "Sở Y tế", 3, 0, 1, 1, 1, 0, 0, 0, 1, 1, 2, pytest.approx(1 / 3)],
        # The task without a deadline is a standing duty, counted apart and left out of the
        # completion share.
        ["PD", "UBND xã Phước Dinh", 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1.0],
    ]
    assert ws["N4"].number_format == "0.0%"
    assert ws["D2"].value == texts.STATUS["not_due"] and ws["K2"].value == texts.FLAG_BLOCKED

    # --- by task: agency by agency, nearest deadline first, real dates, VN times
    ws = wb["Theo nhiệm vụ"]
    assert rows(ws) == [
        [
            "Mã nhiệm vụ",
            "Cơ quan",
            "Nhiệm vụ",
            "Hạn",
            "Trạng thái",
            "Số ngày còn lại (âm: quá hạn)",
            "Nội dung vướng mắc",
            "Xin gia hạn đến",
            "Cập nhật lần cuối",
        ],
        [
            ids["quarter"],
            "Sở Y tế",
            "Báo cáo quý IV năm 2026 về công tác bảo vệ trẻ em",
            T(2026, 11, 20),
            "Quá hạn",
            -3,
            "Thiếu số liệu từ các xã",
            None,
            at(9, 15),
        ],
        [
            ids["month"],
            "Sở Y tế",
            "Báo cáo kết quả Tháng hành động vì trẻ em",
            T(2026, 11, 30),
            "Hoàn thành đúng hạn",
            None,
            None,
            None,
            at(9, 10),
        ],
        [
            ids["forum"],
            "Sở Y tế",
            "Tổ chức Diễn đàn trẻ em cấp tỉnh",
            T(2026, 12, 15),
            "Đang thực hiện",
            22,
            None,
            T(2027, 1, 15),
            at(9, 20),
        ],
        [
            ids["summer"],
            "UBND xã Phước Dinh",
            "Kế hoạch hoạt động hè cho trẻ em",
            T(2026, 11, 10),
            "Hoàn thành quá hạn",
            None,
            None,
            None,
            at(9, 30),
        ],
        [
            ids["formula"],
            "UBND xã Phước Dinh",
            '=HYPERLINK("http://x","bấm vào đây")',
            None,
            "Thường xuyên",
            None,
            None,
            None,
            at(9, 0),
        ],
    ]
    due, ext, updated = ws["D3"], ws["H5"], ws["I3"]
    assert due.is_date and due.number_format == "dd/mm/yyyy" and due.value.date() == D(2026, 11, 20)
    assert ext.is_date and ext.number_format == "dd/mm/yyyy"
    assert updated.is_date and updated.number_format == "dd/mm/yyyy hh:mm"
    assert ws["C7"].data_type == "s"  # a title that looks like a formula stays text
    assert ws["C3"].alignment.wrap_text
    assert [ws[f"E{r}"].value for r in range(3, 8)] == [
        texts.STATUS[s] for s in ("overdue", "done_on_time", "in_progress", "done_late", "standing")
    ]

    # --- history: newest first, Vietnamese actions and values, who did it
    ws = wb["Lịch sử"]
    history = rows(ws)
    assert history[0] == [
        "Thời gian",
        "Cơ quan",
        "Mã nhiệm vụ",
        "Nhiệm vụ",
        "Hành động",
        "Từ",
        "Thành",
        "Ghi chú",
        "Người thực hiện",
    ]
    title = {
        k: v
        for k, v in zip(
            ids,
            [
                "Báo cáo quý IV năm 2026 về công tác bảo vệ trẻ em",
                "Tổ chức Diễn đàn trẻ em cấp tỉnh",
                "Báo cáo kết quả Tháng hành động vì trẻ em",
                "Kế hoạch hoạt động hè cho trẻ em",
                '=HYPERLINK("http://x","bấm vào đây")',
            ],
            strict=True,
        )
    }
    assert history[1:6] == [
        [
            at(9, 30),
            "UBND xã Phước Dinh",
            ids["summer"],
            title["summer"],
            "Cập nhật tiến độ",
            "Chưa thực hiện",
            "Hoàn thành",
            None,
            "Phạm Thị Dung",
        ],
        [
            at(9, 20),
            "Sở Y tế",
            ids["forum"],
            title["forum"],
            "Xin gia hạn",
            T(2026, 12, 15),  # real dates, not text
            T(2027, 1, 15),
            "Chờ kinh phí",
            "Nguyễn Văn An",
        ],
        [
            at(9, 15),
            "Sở Y tế",
            ids["quarter"],
            title["quarter"],
            "Vướng mắc",
            "Không",
            "Có",
            "Thiếu số liệu từ các xã",
            "Nguyễn Văn An",
        ],
        [
            at(9, 10),
            "Sở Y tế",
            ids["month"],
            title["month"],
            "Cập nhật tiến độ",
            "Chưa thực hiện",
            "Hoàn thành",
            None,
            "Nguyễn Văn An",
        ],
        [
            at(9, 5),
            "Sở Y tế",
            ids["forum"],
            title["forum"],
            "Cập nhật tiến độ",
            "Chưa thực hiện",
            "Đang thực hiện",
            None,
            "Nguyễn Văn An",
        ],
    ]
    created = history[6:]
    assert len(created) == 5
    assert {r[4] for r in created} == {"Tạo nhiệm vụ"} and {r[8] for r in created} == {"Hệ thống"}
    assert all(r[0] == at(9, 0) and r[6] is None for r in created)  # title not repeated
    assert ws["A3"].is_date and ws["A3"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["F4"].is_date and ws["F4"].number_format == "dd/mm/yyyy"  # «Từ» of the extension
    assert ws["G4"].is_date and ws["G4"].value == T(2027, 1, 15)

    # --- every sheet: bold frozen header, filter over the data, widths from content
    for ws, ncols, nrows in (
        (wb["Theo cơ quan"], "N", 4),
        (wb["Theo nhiệm vụ"], "I", 6),
        (wb["Lịch sử"], "I", 11),
    ):
        assert ws.freeze_panes == "A3"
        assert ws.auto_filter.ref == f"A2:{ncols}{nrows + 1}"
        assert ws.max_row == nrows + 1
        assert all(cell.font.b for cell in ws[2])
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHI"]
        assert all(6 <= w <= 60 for w in widths)
    tasks_ws = wb["Theo nhiệm vụ"]
    assert tasks_ws.column_dimensions["C"].width == min(len(title["quarter"]) + 2, 50)
    assert tasks_ws.column_dimensions["D"].width == 12  # dd/mm/yyyy


async def test_workbook_prints_landscape_fitted_with_titles_and_row_heights(db, frozen_clock):
    """What a printer gets: every sheet A4 landscape, fitted to one page's width, the title
    and header rows repeated on each page; the title names the plan and the export time;
    wrapped cells get rows tall enough for their lines, one-line rows keep the default."""
    async with db.session() as s:
        await agencies.add_agency(s, name="Sở Tư pháp", code="SLD")
        short = await task_service.add_task(
            s, agency_ref="SLD", title="Báo cáo năm", due_date=D(2026, 12, 1)
        )
        long_title = (
            "Triển khai chương trình phòng, chống tai nạn, thương tích và đuối nước trẻ em; "
            "tổ chức các lớp dạy bơi an toàn cho trẻ em trong dịp hè tại các xã, phường, thị "
            "trấn; kiểm tra, rà soát các điểm có nguy cơ đuối nước và cắm biển cảnh báo."
        )
        long = await task_service.add_task(
            s, agency_ref="SLD", title=long_title, due_date=D(2026, 12, 20)
        )
        s.add(
            Plan(
                number="149/KH-UBND",
                year=2026,
                authority="UBND tỉnh Bình Phước",
                plan_key="x",
                state="active",
                created_at=frozen_clock.now(),
            )
        )
        await s.commit()
        data = await build_export(s, labels=LABELS)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    title = (
        "Kế hoạch số 149/KH-UBND năm 2026 của UBND tỉnh Bình Phước — tình hình thực hiện, "
        "xuất lúc 09:00 ngày 23/11/2026"
    )
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$2"
        assert ws["A1"].value == title and ws["A1"].font.b
        last = openpyxl.utils.get_column_letter(ws.max_column)
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
        assert "trang &P/&N" in ws.oddFooter.center.text
    ws = wb["Theo nhiệm vụ"]
    rows_by_id = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    width = ws.column_dimensions["C"].width
    assert width == 50 and ws.cell(rows_by_id[long.id], 3).value == long_title
    height = ws.row_dimensions[rows_by_id[long.id]].height
    # Calibri fits 50 to 65 characters of such text on a line of a 50-wide column.
    lines = (len(textwrap.wrap(long_title, 65)), len(textwrap.wrap(long_title, 50)))
    assert lines == (4, 5)
    assert 15 * lines[0] <= height <= 15 * lines[1] + 2
    assert ws.row_dimensions[rows_by_id[short.id]].height is None  # one line: the default
    assert ws.row_dimensions[2].height >= 15 * 3  # «Số ngày còn lại (âm: quá hạn)» wraps


async def test_history_in_vietnamese_names_the_plan_and_each_report_file(db, frozen_clock):
    """Rows written by a plan's activation name the plan (never «plan 1»); a report file's
    row names the file; every date in «Từ»/«Thành» is a date cell."""
    settings = Settings(_env_file=None, database_url=str(db.url))
    text = (ROOT / "demo" / "ke_hoach_mau.txt").read_text(encoding="utf-8")
    parsed = plans.read_plan(text.encode(), "ke_hoach.txt", year=2025)
    async with db.session() as s:
        draft, _ = await plans.create_draft(s, parsed=parsed, source_name="kh.txt", notify=False)
        await plans.activate(s, plan_id=draft.id, settings=settings)
        an = await official(s, "SYT", 1001, "Nguyễn Văn An")
        task_id = (await task_service.list_tasks(s, agency_ref="SYT"))[0].id
        await task_service.record_submission(
            s,
            actor=an,
            task_id=task_id,
            file_id="F1",
            file_unique_id="U1",
            file_name="Bao_cao_6_thang.docx",
            file_size=1000,
            mime_type="application/msword",
        )
        data = await build_export(s, labels=LABELS)
    ws = openpyxl.load_workbook(io.BytesIO(data))["Lịch sử"]
    history = rows(ws)[1:]
    notes = {r[7] for r in history}
    assert "Theo Kế hoạch năm 2025 của UBND tỉnh Bình Phước" in notes
    assert not any("plan" in str(v) for r in history for v in r)
    submitted = [r for r in history if r[4] == texts.EXPORT_TEXTS["actions"]["submission"]]
    assert [(r[2], r[7], r[8]) for r in submitted] == [
        (task_id, "Tệp: Bao_cao_6_thang.docx", "Nguyễn Văn An")
    ]
    for row in ws.iter_rows(min_row=3):
        for cell in row[5:7]:  # «Từ», «Thành»
            if isinstance(cell.value, str):
                assert not re.fullmatch(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}", cell.value)


def test_standing_duties_are_left_out_of_the_completion_share():
    counts = {"standing": 5, "standing_done": 1, "done_on_time": 1, "overdue": 1}
    row = AgencyRow(code="X", name="X", counts=counts)
    assert row.total == 8 and row.completion == 0.5
    assert AgencyRow(code="Y", name="Y", counts={"standing": 3}).completion is None
    # The columns follow the status table: a status added there gets its column.
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(synthetic_export_data(2, 2), LABELS)))
    headers = [c.value for c in wb["Theo cơ quan"][2]]
    assert headers[3 : 3 + len(STATUSES)] == [texts.STATUS.get(s, s) for s in STATUSES]


async def test_long_titles_wrap_in_capped_columns(db, frozen_clock):
    async with db.session() as s:
        await agencies.add_agency(s, name="Sở Lao động - Thương binh và Xã hội", code="SLD")
        long_title = (
            "Triển khai chương trình phòng, chống tai nạn, thương tích và đuối nước trẻ em " * 4
        )
        await task_service.add_task(s, agency_ref="SLD", title=long_title, due_date=D(2026, 12, 1))
        data = await collect_export_data(s)
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(data, LABELS)))
    ws = wb["Theo nhiệm vụ"]
    assert ws["C3"].value == long_title.strip()
    assert ws.column_dimensions["C"].width == 50
    assert ws["C3"].alignment.wrap_text


async def test_empty_database_gives_headers_only(db):
    async with db.session() as s:
        data = await build_export(s, labels=LABELS)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        assert ws.max_row == 2 and ws.freeze_panes == "A3"
        assert ws.auto_filter.ref.endswith("2")


def test_labels_come_from_one_place():
    # Every non-status label has a Vietnamese default in EXPORT_TEXTS, under its field name.
    custom = ExportLabels(
        **{**EXPORT_TEXTS, "sheet_history": "Nhật ký"},
        status=texts.STATUS,
        flag_blocked=texts.FLAG_BLOCKED,
        flag_extension=texts.FLAG_EXTENSION,
    )
    assert custom.sheet_history == "Nhật ký" and LABELS.sheet_history == "Lịch sử"
    assert LABELS.action("blocked") == texts.FLAG_BLOCKED
    assert LABELS.action("extension_requested") == texts.FLAG_EXTENSION
    assert LABELS.action("something_new") == "something_new"
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(synthetic_export_data(2, 2), custom)))
    assert wb.sheetnames == ["Theo cơ quan", "Theo nhiệm vụ", "Nhật ký"]


# --- a province ---------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_a_province_of_10000_tasks_is_written_whole():
    """500 agencies x 20 tasks (10,000 tasks, 20,000 history rows): every row is in the
    workbook. How long it takes is bench/export_data.py's figure, not an assertion here."""
    data = synthetic_export_data(500, 20)
    assert len(data.tasks) == 10_000 and len(data.history) == 20_000
    xlsx = write_workbook(data, LABELS)

    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    ws = wb["Theo nhiệm vụ"]
    assert ws.max_row == 10_002
    last = next(ws.iter_rows(min_row=10_002, max_row=10_002, values_only=True))
    assert last[0] == data.tasks[-1].id and last[2] == data.tasks[-1].title
    assert last[4] in {texts.STATUS[s] for s in STATUSES}
    assert wb["Lịch sử"].max_row == 20_002
    wb.close()
