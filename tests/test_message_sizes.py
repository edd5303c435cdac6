"""Acceptance (issue 13): every message fits a phone. The bundled plan, grown to a province
of 120 bodies (its 11 departments and bodies, then communes with duties like its own),
is imported and lived with for five weeks: officials list, open, answer in every form and
send files; the coordinator reviews and activates the plan, pages through every summary,
opens every body, broadcasts, approves; reminders, standing-duty check-ins, escalations
and digests go out day by day. The longest text anyone is sent (every message, every
version of an edited one, every caption) is under 1,600 characters, every pop-up under
200, and no button is an emoji alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from bot import texts
from services import plans, reminders
from services.clock import VN_TZ
from services.plan_parser import parse_plan
from tests.harness import stop_periodic_jobs

D = dt.date
PLAN = Path(__file__).resolve().parent.parent / "demo" / "ke_hoach_mau.txt"
BODIES = 120
COMMUNE_DUTIES = (
    "Xây dựng kế hoạch cụ thể để thực hiện Kế hoạch này trên địa bàn xã; bố trí nguồn kinh "
    "phí của địa phương để đảm bảo thực hiện kế hoạch công tác trẻ em năm 2026.",
    "Thường xuyên tuyên truyền, phòng chống xâm hại trẻ em, tai nạn thương tích trẻ em; xử "
    "lý nghiêm và kịp thời các hành vi vi phạm quyền trẻ em trên địa bàn.",
    "Kiện toàn nhóm thường trực bảo vệ trẻ em cấp xã; thu thập thông tin số liệu trẻ em và "
    "cập nhật vào phần mềm quản lý; báo cáo định kỳ, đột xuất theo yêu cầu.",
)


def at(day: D, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN_TZ)


def province_plan():
    """The bundled plan in this year, with communes added up to BODIES bodies."""
    parsed = parse_plan(PLAN.read_text(encoding="utf-8").replace("2025", "2026"))
    template = parsed.agencies[-1]
    communes = [
        dataclasses.replace(
            template, name=f"UBND xã Thử Nghiệm {i:03d}", tasks=list(COMMUNE_DUTIES), label=""
        )
        for i in range(1, BODIES - len(parsed.agencies) + 1)
    ]
    return dataclasses.replace(parsed, agencies=[*parsed.agencies, *communes])


async def walk_list(world, user, listing) -> None:
    """Every page of a /viec list, every card on it, and back."""
    page = listing
    while True:
        numbers = [label.split(".")[0] for label in world.labels(page) if label[0].isdigit()]
        for n in numbers:
            card = await world.open_task(user, page, int(n))
            _, page = await world.tap(user, card, texts.BTN_BACK_TO_LIST)
        if texts.BTN_PAGE_NEXT not in world.labels(page):
            return
        _, page = await world.tap(user, page, texts.BTN_PAGE_NEXT)


async def walk_summary(world, coord, summary) -> None:
    """Every page of /tonghop, every body on it, and back."""
    page = summary
    while True:
        bodies = [label for label in world.labels(page) if label[0].isdigit()]
        for label in bodies:
            _, detail = await world.tap(coord, page, label)
            _, page = await world.tap(coord, detail, texts.BTN_BACK_TO_SUMMARY)
        if texts.BTN_PAGE_NEXT not in world.labels(page):
            return
        _, page = await world.tap(coord, page, texts.BTN_PAGE_NEXT)


async def test_the_longest_message_of_a_province_of_120_bodies_fits_a_phone(world):
    await stop_periodic_jobs(world.app)
    world.clock.set(at(D(2026, 10, 20)))
    coord = await world.coordinator()

    # The plan: the review comes to the coordinator, who activates it.
    async with world.db.session() as session:
        await plans.create_draft(session, parsed=province_plan(), source_name=PLAN.name)
    await world.dispatch()
    review = world.server.last_message(coord)
    assert texts.PLAN_MORE_AGENCIES.split("{")[0] in review.text
    await world.tap(coord, review, texts.BTN_ACTIVATE, timeout=60)
    summary = await world.say(coord, "/tonghop", timeout=30)
    assert f"{BODIES} cơ quan" in summary.text

    # Officials of a department, a body asked with «Đề nghị», and a commune.
    from sqlmodel import select

    from db.models import Agency

    async with world.db.session() as session:
        codes = {
            a.name: a.code
            for a in (await session.scalars(select(Agency))).all()
            if a.name in ("Sở Y tế", "Sở Tư pháp", "UBND xã Thử Nghiệm 001")
            or a.name.startswith("Ủy ban Mặt trận")
        }
    people = [
        await world.official(code, name=f"Cán bộ {i}") for i, code in enumerate(codes.values())
    ]

    for user in people:
        await world.say(user, "/help")
        await walk_list(world, user, await world.say(user, "/viec"))
        await world.say(user, "việc 2 đang làm")
        asked = await world.say(user, "vướng: chưa nhận được số liệu của các xã")
        if asked.reply_markup:
            await world.tap(user, asked, "1. ")
        asked = await world.send_document(user, "Bao_cao_ket_qua_cong_tac_tre_em_2026.docx", 90_000)
        if asked.reply_markup:
            await world.tap(user, asked, "3. ")
        await world.send_document(user, "setup.exe", 90_000)
        listing = await world.say(user, "/viec")
        asked = await world.say(user, "việc 2 xin gia hạn đến 15/10", reply_to=listing.message_id)
        if asked.reply_markup:
            await world.tap(user, asked, texts.BTN_DATE_YES.split("{")[0])
        await world.say(user, "em chưa rõ ý này lắm ạ", reply_to=listing.message_id)

    # The coordinator's day.
    await world.dispatch()
    for notice in [m for m in world.server.messages_to(coord) if m.reply_markup]:
        labels = world.labels(notice)
        if any(label.startswith("✅ Đồng ý") for label in labels):
            await world.tap(coord, notice, "✅ Đồng ý")
    await world.say(coord, "/help")
    await walk_summary(world, coord, await world.say(coord, "/tonghop"))
    await world.say(coord, "/tonghop SYT")
    overdue = await world.say(coord, "/quahan")
    while texts.BTN_PAGE_NEXT in world.labels(overdue):
        _, overdue = await world.tap(coord, overdue, texts.BTN_PAGE_NEXT)
    await world.say(coord, "/chuatraloi")
    await world.quiet(1.0)  # several messages for 120 bodies
    files = await world.say(coord, "/baocao")
    if files.reply_markup:
        await world.tap(coord, files, texts.BTN_RESEND_FILE.format(n=1))
        await world.quiet(0.5)
    await world.say(coord, "/nhom Các xã thử: " + ",".join(list(codes.values())[:3]))
    preview = await world.say(
        coord, "/thongbao Đề nghị các cơ quan gửi báo cáo năm 2026 đúng hạn. " * 8
    )
    await world.tap(coord, preview, texts.BTN_SEND)
    await world.say(coord, "/sukien")
    await world.say(coord, "/sukien 15/7 Diễn đàn trẻ em tỉnh")

    # Five weeks pass: reminders, check-ins, escalations, digests, event notices.
    day = D(2026, 10, 21)
    while day <= D(2026, 11, 25):
        world.clock.set(at(day, 8, 1))
        async with world.db.session() as session:
            await reminders.plan_ahead(session, world.settings)
        await world.dispatch()
        day += dt.timedelta(days=1)
    await world.dispatch()

    sent = world.server.sent
    shown = [
        version
        for m in sent
        for version in [*(v.text or v.caption or "" for v in m.history), m.text or m.caption or ""]
    ]
    longest = max(shown, key=len)
    # The flows above did run: reminders, check-ins, digests, the review, summaries, bodies.
    assert len(shown) > 400
    for start in ("⏰", "🔁", "🗓", "📄", "📊", "🏢", "🔴", "📣", "📎"):
        assert any(t.startswith(start) for t in shown), start
    print(f"longest message: {len(longest)} characters, of {len(shown)} texts")
    assert len(longest) < 1600, longest
    assert all(len(a.text or "") < 200 for a in world.server.callback_answers)
    labels = [
        b["text"]
        for m in sent
        for row in (m.reply_markup or {}).get("inline_keyboard", [])
        for b in row
    ]
    assert labels and not [label for label in labels if not any(c.isalnum() for c in label)]
