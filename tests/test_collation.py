"""Vietnamese sort order (services.collation) and every list of bodies that uses it."""

from __future__ import annotations

import io
import random

import openpyxl

from bot import texts
from bot.render import export_labels
from services import agencies, summary
from services import tasks as task_service
from services.collation import sort_vi, vi_key
from services.export import build_export

# The order ICU 72's `vi` collator (numeric on) gives these names: body names read from
# the seed plans, the real provincial plans and the bundled plan, and words that differ
# only in tone, vowel mark or case. Made with PyICU once; the key must give it back.
ICU_ORDER = [
    "an",
    "Anh",
    "ăn",
    "Ăn uống",
    "ân",
    "ba",
    "Ba",
    "bà",
    "bả",
    "bã",
    "bá",
    "bạ",
    "bác",
    "Ban Dân tộc",
    "Báo Bình Phước",
    "Bảo hiểm xã hội tỉnh",
    "Báo Ninh Thuận, Đài Phát thanh và Truyền hình tỉnh",
    "Bộ Chỉ huy Quân sự tỉnh",
    "Bộ CHQS tỉnh",
    "Bộ đội Biên phòng",
    "Các sở, ban ngành, cơ quan thuộc tỉnh",
    "Các sở, ban, ngành tỉnh, Ủy ban nhân dân các xã, phường",
    "Co",
    "Cô",
    "Cố",
    "Công an huyện",
    "Công an tỉnh",
    "Công an Tỉnh",
    "Cơ quan",
    "Cục Thống kê",
    "Dân tộc",
    "Đài Phát thanh",
    "Đoàn TNCS Hồ Chí Minh",
    "Hiệp hội",
    "Hội Cựu chiến binh",
    "Hội Liên hiệp Phụ nữ tỉnh",
    "Hội Nông dân",
    "Huyện Đoàn Thanh niên Cộng sản Hồ Chí Minh",
    "On",
    "Ôn",
    "Ơn",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Y tế, Trung tâm Y tế",
    "Phường 1",
    "Phường 2",
    "Phường 10",
    "Sở Công Thương",
    "Sở Giáo dục và Đào tạo",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Tài chính",
    "Sở Tư pháp",
    "Sở Văn hoá, Thể thao và Du lịch",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Xây dựng",
    "Sở Y tế",
    "Tỉnh đoàn",
    "Tòa án nhân dân tỉnh",
    "Trung tâm Y tế",
    "UBND các huyện, thị xã, thành phố",
    "UBND huyện Bù Đăng",
    "UBND xã Tân Lập",
    "Ung",
    "Uy",
    "ủy",
    "Ủy ban Mặt trận Tổ quốc Việt Nam huyện",
    "Uỷ ban MTTQ",
    "Ủy ban nhân dân các xã, phường",
    "Ủy ban nhân dân tỉnh",
    "Ưng",
    "Viện Kiểm sát nhân dân tỉnh",
]


def test_key_gives_icu_vietnamese_order():
    for seed in range(5):
        shuffled = ICU_ORDER[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=vi_key) == ICU_ORDER


def test_the_cases_that_code_point_order_gets_wrong():
    # Code points put «Ủ» after «V», «Đ» after «Z», «â» after «b» and «Phường 10» before 2.
    assert sorted(["Viện Kiểm sát", "Ủy ban nhân dân"]) == ["Viện Kiểm sát", "Ủy ban nhân dân"]
    assert sorted(["Viện Kiểm sát", "Ủy ban nhân dân"], key=vi_key) == [
        "Ủy ban nhân dân",
        "Viện Kiểm sát",
    ]
    assert sorted(["Zô", "Đài", "Dân"], key=vi_key) == ["Dân", "Đài", "Zô"]
    assert sorted(["bê", "ấp", "an"], key=vi_key) == ["an", "ấp", "bê"]
    assert sorted(["Phường 10", "Phường 2", "Phường 1"], key=vi_key) == [
        "Phường 1",
        "Phường 2",
        "Phường 10",
    ]
    # Old and new tone placement, decomposed input: the same place.
    assert vi_key("Uỷ ban")[:3] == vi_key("Ủy ban")[:3]
    assert (
        vi_key("Sở Y tế")[:3]
        == vi_key("So\u031b\u0300 Y te\u0302\u0301".replace("\u0300", "\u0309"))[:3]
    )
    assert sort_vi([("b", 1), ("á", 2)], key=lambda r: r[0]) == [("á", 2), ("b", 1)]


NAMES = ["Viện Kiểm sát nhân dân tỉnh", "Sở Y tế", "Ủy ban nhân dân tỉnh", "Đài Phát thanh"]
VI_ORDER = ["Đài Phát thanh", "Sở Y tế", "Ủy ban nhân dân tỉnh", "Viện Kiểm sát nhân dân tỉnh"]


async def add_bodies(db) -> None:
    async with db.session() as s:
        for i, name in enumerate(NAMES):
            await agencies.add_agency(s, name=name, code=f"C{i}")
            await task_service.add_task(s, agency_ref=f"C{i}", title=f"Báo cáo {i}", due_date=None)


async def test_services_list_bodies_in_vietnamese_order(db):
    await add_bodies(db)
    async with db.session() as s:
        assert [a.name for a, _ in await agencies.list_agencies(s)] == VI_ORDER
        assert [a.name for a in (await summary.summarize(s)).agencies] == VI_ORDER
        assert await summary.agencies_without_reachable_contact(s) == VI_ORDER
        quiet = await summary.silence(s)
        assert quiet.never_answered == VI_ORDER and quiet.no_contact == VI_ORDER
        workbook = openpyxl.load_workbook(io.BytesIO(await build_export(s, labels=export_labels())))
    for sheet, column in ((texts.EXPORT_TEXTS["sheet_agencies"], 1), ("Theo nhiệm vụ", 1)):
        ws = workbook[sheet]
        names = [r[column] for r in ws.iter_rows(min_row=3, values_only=True)]
        assert names == VI_ORDER, sheet


async def test_chuatraloi_lists_bodies_in_vietnamese_order(world):
    await add_bodies(world.db)
    coordinator = await world.coordinator()
    reply = await world.say(coordinator, "/chuatraloi")
    shown = [line[2:] for line in reply.text.splitlines() if line.startswith("• ")]
    assert shown[:4] == VI_ORDER  # never answered
    assert shown[4:8] == VI_ORDER  # nobody pressed Start
