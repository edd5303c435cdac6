"""The completion chart: a real PNG of the promised size, every Vietnamese letter in the
font, the five status colours drawn, at most 40 bars, and no matplotlib global state."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
from PIL import Image

from bot import texts
from services import agencies, summary
from services import tasks as task_service
from services.chart import (
    COLORS,
    MAX_AGENCIES,
    WIDTH_PX,
    AgencyCounts,
    chart_size,
    completion_chart,
    counts_from_summary,
    select_rows,
)

CHART_TEXTS = texts.CHART_TEXTS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "Tiến độ thực hiện kế hoạch bảo vệ, chăm sóc trẻ em — ngày 23/11/2026"
NAMES = [
    "Sở Y tế",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Giáo dục và Đào tạo",
    "Công an tỉnh",
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Ninh Thuận",
    "UBND xã Phước Dinh",
    "Tỉnh đoàn",
]


def sample(n: int = len(NAMES)) -> list[AgencyCounts]:
    rows = []
    for i in range(n):
        name = NAMES[i] if i < len(NAMES) else f"UBND xã số {i} huyện Thuận Bắc"
        counts = {
            "not_due": i % 3,
            "in_progress": (i * 2) % 5,
            "overdue": i % 4,
            "done_on_time": 3 + i % 5,
            "done_late": 1 + i % 2,
        }
        rows.append(AgencyCounts(name=name, counts=counts))
    return rows


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    img = Image.open(io.BytesIO(png))
    img.load()
    assert img.format == "PNG"
    return img


def test_png_has_the_promised_size_and_every_status_colour():
    rows = sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Glyph ... missing from font(s)"
        png = completion_chart(rows, labels=texts.STATUS, texts=CHART_TEXTS, title=TITLE)
    img = image(png)
    assert img.size == chart_size(rows, TITLE, texts=CHART_TEXTS)
    assert img.size[0] == WIDTH_PX == 1080
    colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=1 << 20)}
    for status, hex_colour in COLORS.items():
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, status
    Path("/tmp/chart.png").write_bytes(png)  # to look at: see the report of this change


def test_height_grows_with_agencies_then_stops_at_40():
    heights = [chart_size(sample(n), "Tiến độ", texts=CHART_TEXTS)[1] for n in (1, 10, 40)]
    assert heights[0] < heights[1] < heights[2] <= 2600
    many = sample(120)
    png = completion_chart(many, labels=texts.STATUS, texts=CHART_TEXTS, title="Tiến độ")
    img = image(png)
    note_line = (
        chart_size(sample(40), "Tiến độ", texts=CHART_TEXTS)[1] + 40
    )  # the title gains the note's line
    assert img.size == chart_size(many, "Tiến độ", texts=CHART_TEXTS) == (1080, note_line)


def test_more_than_40_agencies_shows_those_with_most_open_tasks():
    rows = [
        AgencyCounts(f"Cơ quan {i:03d}", {"overdue": i % 7, "not_due": i % 11, "done_on_time": 5})
        for i in range(100)
    ]
    shown = select_rows(rows)
    assert len(shown) == MAX_AGENCIES
    least_shown = min(r.open for r in shown)
    assert all(r.open <= least_shown for r in rows if r not in shown)
    assert [r.open for r in shown] == sorted((r.open for r in shown), reverse=True)
    note = CHART_TEXTS["truncated"].format(shown=40, total=100)
    assert note == "(40/100 cơ quan có nhiều việc chưa hoàn thành nhất)"


def test_no_agencies_still_gives_a_picture():
    img = image(completion_chart([], labels=texts.STATUS, texts=CHART_TEXTS, title="Tiến độ"))
    assert img.size == chart_size([], "Tiến độ", texts=CHART_TEXTS)


def test_decomposed_vietnamese_and_long_names_are_drawn():
    nfd = unicodedata.normalize(
        "NFD", "Ủy ban nhân dân xã Phước Dinh, huyện Thuận Nam, tỉnh Ninh Thuận"
    )
    rows = [AgencyCounts(nfd, {"overdue": 2, "done_late": 1})]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image(
            completion_chart(
                rows,
                labels=texts.STATUS,
                texts=CHART_TEXTS,
                title=unicodedata.normalize("NFD", TITLE) * 3,
            )
        )


def test_no_pyplot_and_no_rcparams_change():
    before = dict(matplotlib.rcParams)
    completion_chart(sample(3), labels=texts.STATUS, texts=CHART_TEXTS, title=TITLE)
    assert dict(matplotlib.rcParams) == before
    code = (
        "import sys; from bot import texts;"
        " from services.chart import completion_chart, AgencyCounts;"
        "completion_chart([AgencyCounts('Sở Y tế', {'overdue': 1})], labels=texts.STATUS,"
        " texts=texts.CHART_TEXTS, title='T');"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


def test_threads_draw_the_same_picture():
    rows = sample()
    alone = completion_chart(rows, labels=texts.STATUS, texts=CHART_TEXTS, title=TITLE)
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda _: completion_chart(
                    rows, labels=texts.STATUS, texts=CHART_TEXTS, title=TITLE
                ),
                range(2),
            )
        )
    assert results == [alone, alone]


async def test_chart_from_the_summary_of_a_real_database(db):
    async with db.session() as s:
        await agencies.add_agency(s, name="Sở Y tế", code="SYT")
        await agencies.add_agency(s, name="UBND xã Phước Dinh", code="PD")
        await task_service.add_task(
            s, agency_ref="SYT", title="Báo cáo quý", due_date=dt.date(2026, 11, 20)
        )
        await task_service.add_task(
            s, agency_ref="SYT", title="Báo cáo năm", due_date=dt.date(2026, 12, 15)
        )
        await task_service.add_task(s, agency_ref="PD", title="Kế hoạch hè", due_date=None)
        rows = counts_from_summary(await summary.summarize(s))
    # A duty without a deadline is counted apart, as a standing duty, never "not due".
    assert [
        (r.name, r.count("overdue"), r.count("not_due"), r.count("standing"), r.total) for r in rows
    ] == [
        ("Sở Y tế", 1, 1, 0, 2),
        ("UBND xã Phước Dinh", 0, 0, 1, 1),
    ]
    img = image(
        completion_chart(
            rows, labels=texts.STATUS, texts=CHART_TEXTS, title="Tổng hợp ngày 23/11/2026"
        )
    )
    assert img.size == chart_size(rows, "Tổng hợp ngày 23/11/2026", texts=CHART_TEXTS)
