"""Hostile and careless input (issue 10): documents built to hold the bot, names built to
fool a reader, titles and dates past any sane bound. Each through the real Application
and the fake Bot API server, or the `nhacviec` command; each refusal leaves the database
as it was."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import sqlalchemy as sa
from sqlmodel import select

from bench.hostile import docx_bomb, lowercase_lines
from bot import texts
from db.models import Agency, Outbox, Plan, Task, TaskEvent
from services import documents, isolation
from tests.processes import bench_figures, nhacviec
from tests.test_core_loop import add_task

D = dt.date


async def rows(db) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.__name__: await session.scalar(select(sa.func.count()).select_from(table))
            for table in (Agency, Task, Plan, TaskEvent, Outbox)
        }


# --- 1. documents: bounded, and read off the event loop -------------------------------------


async def test_a_docx_bomb_is_refused_before_it_is_expanded_and_nothing_is_written(world):
    coord = await world.coordinator()
    before = await rows(world.db)
    bomb = docx_bomb(100_000_000)  # a few hundred KB, 100 M characters expanded
    reply = await world.send_document(coord, "ke_hoach.docx", len(bomb), content=bomb)
    assert reply.text == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert await rows(world.db) == before


async def test_3000_lowercase_lines_are_read_quickly_and_refused_as_not_a_plan(world):
    coord = await world.coordinator()
    before = await rows(world.db)
    data = lowercase_lines(3000)
    reply = await world.send_document(coord, "ke_hoach.txt", len(data), content=data)
    assert reply.text == texts.DOCUMENT_ERRORS["not_a_plan"]
    assert await rows(world.db) == before


async def test_another_officials_viec_is_answered_while_a_document_is_being_read(world):
    await world.agency("Sở Y tế", code="SYT")
    await add_task(world, "SYT", "Báo cáo 6 tháng", D(2026, 12, 10))
    official = await world.official("SYT")
    coord = await world.coordinator()
    before = await rows(world.db)
    bomb = docx_bomb(100_000_000)
    # Another document is being read (the slot is taken): the coordinator's waits for it.
    await asyncio.to_thread(isolation._SLOT.acquire)
    try:
        sent = len(world.server.messages_to(coord))
        world.server.user_sends_document(coord, coord, "bom.docx", size=len(bomb), content=bomb)
        listing = await world.say(official, "/viec")
        assert "Báo cáo 6 tháng" in listing.text
        await world.quiet(0.3)
        assert len(world.server.messages_to(coord)) == sent  # still being read
    finally:
        isolation._SLOT.release()
    answers = await world.server.wait_for_messages(coord, sent + 1, 30)
    assert answers[sent].text == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert await rows(world.db) == before


def test_document_bounds_name_the_reason():
    too_many = ("dòng\n" * (documents.MAX_LINES + 1)).encode()
    one_line = ("chữ " * (documents.MAX_LINE_CHARS // 4 + 10)).encode()
    for data, name, code in [
        (docx_bomb(20_000_000), "a.docx", "too_big_unpacked"),
        (too_many, "a.txt", "too_long"),
        (one_line, "a.txt", "too_long"),
        (b"PK\x03\x04 not a zip", "a.docx", "corrupt"),
    ]:
        outcome = isolation.read_plan_outcome(data, name)
        assert (outcome.plan, outcome.error) == (None, code), name


def test_a_docx_the_reader_slips_on_is_called_damaged_and_the_slip_logged(caplog):
    """A numbering level that is not a number (w:ilvl="x"): the reader fails on it; the
    coordinator is told the file is damaged (not that the plan is too complex), and the
    child's traceback reaches the log."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("1. Mục tiêu", style="List Number")
    document.add_paragraph("Nội dung kế hoạch " * 5)
    for level in document.part.numbering_part.element.iter(qn("w:lvl")):
        level.set(qn("w:ilvl"), "x")
        break
    data = io.BytesIO()
    document.save(data)
    with caplog.at_level("WARNING", logger="services.isolation"):
        outcome = isolation.read_plan_outcome(data.getvalue(), "a.docx")
    assert (outcome.plan, outcome.error) == (None, "corrupt")
    assert "Traceback" in caplog.text


def test_a_child_past_its_memory_limit_is_refused_and_the_caller_goes_on():
    # 15 MB of text to decode with no memory to spare: the child's allocation fails,
    # the caller gets a refusal (not an exception, not a dead bot).
    data = ("a" * 99 + "\n").encode() * 150_000
    outcome = isolation.read_plan_outcome(data, "a.txt", memory_mb=1)
    assert outcome.plan is None and outcome.error in ("too_big_unpacked", "too_complex")
    assert isolation.read_plan_outcome(lowercase_lines(50), "a.txt").error == "not_a_plan"


async def test_cli_plan_import_refuses_a_docx_bomb_in_vietnamese_and_writes_nothing(
    db, database_url, tmp_path
):
    before = await rows(db)
    path = tmp_path / "bom.docx"
    path.write_bytes(docx_bomb(100_000_000))
    done = await asyncio.to_thread(nhacviec, database_url, "plan", "import", str(path))
    assert done.returncode == 1
    assert done.stderr.strip() == texts.DOCUMENT_ERRORS["too_big_unpacked"]
    assert "Traceback" not in done.stderr
    assert await rows(db) == before


# --- 2. names, titles and notes are plain text ---------------------------------------------

BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: the rest of the line reads backwards
HIDDEN = [BIDI, "\u2066", "\u2069", "\u200b", "\u200e", "\ufeff", "\u2060"]


def test_plain_removes_invisible_format_characters_and_keeps_the_joiners():
    import sys
    import unicodedata

    from services.plaintext import HIDDEN_RE, plain

    cases = [
        ("Nguyễn Văn\u202e An", "Nguyễn Văn An"),
        ("Sở\u200b Y tế\u2066\u2069", "Sở Y tế"),
        ("👨\u200d👩\u200d👧 gia đình", "👨\u200d👩\u200d👧 gia đình"),  # ZWJ kept
        ("dòng 1\ndòng\t2\r", "dòng 1\ndòng\t2"),
        ("\ufeffBáo cáo\u00ad năm", "Báo cáo năm"),
        ("Quỹ $x^2$ «trẻ em»", "Quỹ $x^2$ «trẻ em»"),
    ]
    assert [plain(text) for text, _ in cases] == [want for _, want in cases]
    # The written-out class is exactly Unicode's Cf and Cc, less ZWNJ, ZWJ, \n and \t.
    wanted = {
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cf", "Cc")
    } - {"\u200c", "\u200d", "\n", "\t"}
    found = {chr(c) for c in range(sys.maxunicode + 1) if HIDDEN_RE.match(chr(c))}
    assert found == wanted


async def test_bidi_controls_in_names_and_titles_never_reach_coordinators(world):
    from tests.harness import NOTICE, stop_periodic_jobs

    await stop_periodic_jobs(world.app)
    await world.agency(f"Sở{BIDI} Y tế", code="SYT")
    await add_task(world, "SYT", f"Báo cáo{HIDDEN[1]} năm{HIDDEN[3]}", D(2026, 12, 20))
    coord = await world.coordinator()
    user = await world.official("SYT", name=f"Nguyễn{BIDI} An")
    listing = await world.say(user, "/viec")
    card = await world.open_task(user, listing, 1)
    await world.tap(user, card, texts.BTN_PROGRESS)
    await world.say(user, f"đã gửi báo cáo{BIDI} gnp.exe", reply_to=card.message_id)
    await world.dispatch()
    notices = [m.text for m in world.server.messages_to(coord) if m.text.startswith(NOTICE)]
    assert notices and any("Nguyễn An" in n and "Sở Y tế" in n for n in notices)
    summary = await world.say(coord, "/tonghop")
    seen = [m.text or m.caption or "" for m in world.server.sent]
    assert "Sở Y tế" in summary.text
    assert not any(ch in text for text in seen for ch in HIDDEN)


async def test_bieudo_draws_a_name_with_dollar_signs_as_written(world):
    import io

    from PIL import Image

    for code, name in [("A", "Quỹ $x^2$ bảo trợ trẻ em"), ("B", r"Hội $\frac{1}{$ tỉnh")]:
        await world.agency(name, code=code)
        await add_task(world, code, "Báo cáo năm", D(2026, 12, 20))
    coord = await world.coordinator()
    photo = await world.say(coord, "/bieudo")
    assert photo.method == "sendPhoto"
    assert Image.open(io.BytesIO(photo.file_bytes)).format == "PNG"
    # And again: one bad name does not disable the chart for good.
    assert (await world.say(coord, "/bieudo")).method == "sendPhoto"


# --- 3. long titles, far dates -------------------------------------------------------------

LONG = "Tuyên truyền, phổ biến pháp luật về quyền trẻ em và phòng, chống xâm hại trẻ em " * 64


async def test_a_5000_character_titles_extension_and_its_approval_fit_and_the_workbook_keeps_it(
    world,
):
    import io

    import openpyxl

    from bot import render
    from tests.harness import stop_periodic_jobs

    await stop_periodic_jobs(world.app)
    await world.agency("Sở Giáo dục và Đào tạo", code="SGD")
    task_id = await add_task(world, "SGD", LONG, D(2026, 12, 30))
    coord = await world.coordinator()
    user = await world.official("SGD")
    listing = await world.say(user, "/viec")
    card = await world.open_task(user, listing, 1)
    before = len(world.server.messages_to(user))
    await world.tap(user, card, texts.BTN_EXTEND)  # 📅
    ask = (await world.server.wait_for_messages(user, before + 1))[-1]
    assert ask.text.startswith(texts.ASK_EXTENSION_DATE.split("«")[0]) and "…" in ask.text
    done = await world.say(user, "15/1/2027", reply_to=ask.message_id)
    assert "15/01/2027" in done.text and len(done.text) <= render.MESSAGE_LIMIT
    await world.dispatch()
    notice = await world.server.wait_for(
        lambda: next(
            (m for m in world.server.messages_to(coord) if m.reply_markup and "gia hạn" in m.text),
            None,
        )
    )
    answer, _ = await world.tap(coord, notice, texts.BTN_APPROVE.format(date="15/01/2027"))
    assert "15/01/2027" in answer.text and len(answer.text) < 200
    assert all(len(m.text or m.caption or "") <= render.MESSAGE_LIMIT for m in world.server.sent)
    async with world.db.session() as session:
        task = await session.get(Task, task_id)
        assert task.title == " ".join(LONG.split()) and task.due_date == D(2027, 1, 15)
    workbook = await world.say(coord, "/xuat")
    book = openpyxl.load_workbook(io.BytesIO(workbook.file_bytes))
    cells = [c for row in book["Theo nhiệm vụ"].iter_rows(values_only=True) for c in row]
    assert " ".join(LONG.split()) in cells


async def test_suaviec_to_year_9999_gets_the_range_answer_and_changes_nothing(world):
    from tests.test_core_loop import snapshot

    await world.agency("Sở Y tế", code="SYT")
    task_id = await add_task(world, "SYT", "Báo cáo năm", D(2026, 12, 20))
    coord = await world.coordinator()
    before = await snapshot(world)
    for typed in ("31/12/9999", "25/12/9999", "1/1/1990"):
        day, month, year = (int(x) for x in typed.split("/"))
        reply = await world.say(coord, f"/suaviec {task_id} hạn {typed}")
        assert reply.text == texts.error_text(
            "due_out_of_range", date=D(year, month, day), low=2025, high=2036
        )
    assert await snapshot(world) == before


def test_bench_documents_quick_prints_its_json_line():
    figures = bench_figures("documents.py")
    assert figures["txt_3000_lines_outcome"] == "not_a_plan"
    assert figures["docx_bomb_outcome"] == "too_big_unpacked"
    assert figures["viec_p95_ms_during_import"] > 0 and figures["documents_refused_meanwhile"] >= 1
    assert set(figures["per_document"]) == {
        "txt_3000_lines",
        "docx_bomb",
        "docx_xml_limit",
        "real_plan",
    }


async def test_the_same_40_times_repeated_plan_sent_twice_in_chat_writes_nothing_the_second_time(
    world,
):
    from services import clock
    from tests.test_plan_drafts import BUNDLED

    world.clock.set(dt.datetime(2025, 6, 2, 9, 0, tzinfo=clock.VN_TZ))
    text = BUNDLED.read_text(encoding="utf-8")
    start, end = text.index("V. TỔ CHỨC THỰC HIỆN"), text.index("VI. CHẾ ĐỘ BÁO CÁO")
    data = (text[:end] + text[start:end] * 39 + text[end:]).encode()
    coord = await world.coordinator()
    review = await world.send_document(coord, "KH_x40.txt", len(data), content=data)
    activate = next(label for label in world.labels(review) if label.startswith("✅"))
    answer = await world.press(
        coord, review.message_id, world.button_data(review, activate), timeout=120
    )
    assert answer.text.startswith("✅")
    before = await rows(world.db)
    assert before["Task"] > 40 * 50 and before["TaskEvent"] > 0
    reply = await world.send_document(coord, "KH_x40.txt", len(data), content=data)
    assert reply.text == texts.PLAN_ACTIVATED_SAME
    assert await rows(world.db) == before
