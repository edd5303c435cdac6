"""The coordinators' Excel workbook: built from a real database through the services, read
back with openpyxl as Excel would show it. Clock frozen at Monday 23/11/2026 09:00 VN."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from bench.export_data import synthetic_export_data
from bot import texts
from services import agencies, invites, outbox
from services import tasks as task_service
from services.export import (
    ExportLabels,
    build_export,
    collect_export_data,
    write_workbook,
)
from services.status import STATUSES

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
    return [[c.value for c in row] for row in ws.iter_rows()]


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
            "Vướng mắc",
            "Xin gia hạn",
            "Liên hệ nhận được tin",
            "Tỷ lệ hoàn thành",
        ],
        ["SGD", "Sở Giáo dục và Đào tạo", 0, 0, 0, 0, 0, 0, 0, 0, 0, None],
        ["SYT", "Sở Y tế", 3, 0, 1, 1, 1, 0, 1, 1, 2, pytest.approx(1 / 3)],
        ["PD", "UBND xã Phước Dinh", 2, 1, 0, 0, 0, 1, 0, 0, 1, 0.5],
    ]
    assert ws["L3"].number_format == "0.0%"
    assert ws["D1"].value == texts.STATUS["not_due"] and ws["I1"].value == texts.FLAG_BLOCKED

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
            "Chưa đến hạn",
            None,
            None,
            None,
            at(9, 0),
        ],
    ]
    due, ext, updated = ws["D2"], ws["H4"], ws["I2"]
    assert due.is_date and due.number_format == "dd/mm/yyyy" and due.value.date() == D(2026, 11, 20)
    assert ext.is_date and ext.number_format == "dd/mm/yyyy"
    assert updated.is_date and updated.number_format == "dd/mm/yyyy hh:mm"
    assert ws["C6"].data_type == "s"  # a title that looks like a formula stays text
    assert ws["C2"].alignment.wrap_text
    assert [ws[f"E{r}"].value for r in range(2, 7)] == [
        texts.STATUS[s] for s in ("overdue", "done_on_time", "in_progress", "done_late", "not_due")
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
            "15/12/2026",
            "15/01/2027",
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
    assert ws["A2"].is_date and ws["A2"].number_format == "dd/mm/yyyy hh:mm"

    # --- every sheet: bold frozen header, filter over the data, widths from content
    for ws, ncols, nrows in (
        (wb["Theo cơ quan"], "L", 4),
        (wb["Theo nhiệm vụ"], "I", 6),
        (wb["Lịch sử"], "I", 11),
    ):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ncols}{nrows}"
        assert ws.max_row == nrows
        assert all(cell.font.b for cell in ws[1])
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHI"]
        assert all(6 <= w <= 60 for w in widths)
    tasks_ws = wb["Theo nhiệm vụ"]
    assert tasks_ws.column_dimensions["C"].width == len(title["quarter"]) + 2
    assert tasks_ws.column_dimensions["D"].width == 12  # dd/mm/yyyy


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
    assert ws["C2"].value == long_title.strip()
    assert ws.column_dimensions["C"].width == 60
    assert ws["C2"].alignment.wrap_text


async def test_empty_database_gives_headers_only(db):
    async with db.session() as s:
        data = await build_export(s, labels=LABELS)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        assert ws.max_row == 1 and ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.endswith("1")


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
    assert ws.max_row == 10_001
    last = next(ws.iter_rows(min_row=10_001, max_row=10_001, values_only=True))
    assert last[0] == data.tasks[-1].id and last[2] == data.tasks[-1].title
    assert last[4] in {texts.STATUS[s] for s in STATUSES}
    assert wb["Lịch sử"].max_row == 20_001
    wb.close()
