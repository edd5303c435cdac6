"""Reading officials' free-text replies and dates (bot/parsing.py).

Every expectation below was written by hand from what the reply means to a Vietnamese
reader, not copied from the parser's output. "Today" is Monday 23/11/2026 unless a case
says otherwise (DEC = 20/12/2026, for year roll-over).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services import parsing
from services.parsing import (
    MAX_CHARS_EXAMINED,
    Reply,
    find_date,
    normalize,
    parse_date,
    parse_reply,
    requested_date,
    task_pointer,
    title_choice,
)

D = dt.date
TODAY = D(2026, 11, 23)
DEC = D(2026, 12, 20)


JAN = D(2027, 1, 3)  # just after the new year
DEC2 = D(2026, 12, 2)  # the day the issue's «30/11» was refused


def case(text, intent, note=None, new_due=None, problem=None, today=TODAY, id=None, suggested=None):
    return pytest.param(
        text, today, Reply(intent, note, new_due, problem, suggested), id=id or text
    )


REPLIES = [
    # --- done -----------------------------------------------------------------------
    case("Đã xong", "done"),
    case("Đã xong!!", "done"),
    case("ĐÃ XONG", "done"),
    case("da xong", "done"),
    case("daxong", "done"),
    case("xong rồi ạ", "done"),
    case("xong r", "done"),
    case("xonggg", "done"),
    case("Xong", "done"),
    case("Đã xong ạ.", "done"),
    case("Dạ em đã gửi báo cáo ạ", "done"),
    case("đã gửi báo cáo", "done"),
    case("da gui bao cao", "done"),
    case("đã gởi báo cáo", "done"),
    case("Hoàn thành rồi ạ", "done"),
    case("hoan thanh", "done"),
    case("Đã hoàn thành", "done"),
    case("hoàn tất", "done"),
    case("đã nộp báo cáo", "done"),
    case("Dạ bên em đã nộp rồi ạ", "done"),
    case("ok đã gửi", "done"),
    case("Ok đã gửi qua email rồi nhé 👍", "done"),
    case("ddax xong", "done", id="telex ddax xong"),
    case("hoafn thafnh roi", "done", id="telex hoafn thafnh"),
    case("da4 xong", "done", id="vni da4 xong"),
    case("Xong rồi anh ơi, em gửi qua zalo rồi", "done"),
    case("Báo cáo đã gửi ạ", "done"),
    case("Em đã gửi báo cáo lúc 9h sáng nay", "done"),
    case("Đã hoàn thành, không có vướng mắc gì", "done"),
    case("Đã hoàn thành không gặp khó khăn gì", "done"),
    case("Đã gửi báo cáo, anh nhận được chưa ạ?", "done"),
    case("✅ Đã xong", "done"),
    case("Đã tổ chức xong lễ phát động tháng hành động vì trẻ em", "done"),
    case("done ạ", "done"),
    case("Hoàn thành 100%", "done"),
    case("đã hoàn thành nhiệm vụ 🎉🎉", "done"),
    case("Đã gửi báo cáo qua email ngày 20/11", "done"),
    case("đã gửi rồi mà", "done"),
    case("Chị Vương đã gửi báo cáo", "done", id="name Vương is not vướng"),
    case("Em Vương, đã gửi báo cáo ạ", "done", id="name Vương after Em"),
    case("không cần gia hạn, đã xong rồi", "done"),
    case("đã song", "done", id="s/x typo"),
    case("Đã gửi báo cáo trẻ em dân tộc thiểu số", "done", id="thiểu số is not thiếu"),
    case("Báo cáo đã được gửi", "done"),
    case("Em chào anh ạ. Báo cáo bên em đã gửi qua email từ hôm thứ 6 rồi ạ", "done"),
    case("HT rồi", "done", id="ht = hoàn thành"),
    # --- in progress ----------------------------------------------------------------
    case("đang làm", "in_progress"),
    case("Đang thực hiện ạ", "in_progress"),
    case("dang trien khai", "in_progress"),
    case("Đang tổng hợp số liệu các xã", "in_progress"),
    case("em đang làm, thứ 6 gửi ạ", "in_progress"),
    case("sắp xong rồi ạ", "in_progress"),
    case("gần xong rồi", "in_progress"),
    case("đã hoàn thành 80%", "in_progress"),
    case("đã xong 1 phần", "in_progress"),
    case("Sẽ gửi trước ngày 30/11", "in_progress"),
    case("sẽ hoàn thành trước 30/11", "in_progress"),
    case("vẫn đang thực hiện", "in_progress"),
    case("Đang chờ lãnh đạo ký ạ", "in_progress"),
    case("chưa xong, đang làm tiếp", "in_progress"),
    case("xong phần xã rồi, đang tổng hợp phần tỉnh", "in_progress"),
    case("Phần xã đã xong, phần huyện chưa xong", "in_progress"),
    case("Dự kiến hoàn thành ngày 28/11", "in_progress"),
    case("đang hoàn thiện báo cáo", "in_progress"),
    case("không vướng gì, đang làm", "in_progress"),
    case("Đã nhận, sẽ triển khai", "in_progress"),
    case("em đang làm, không có vướng mắc gì", "in_progress"),
    case("đã hết vướng, đang làm tiếp", "in_progress"),
    case("Chưa gửi được vì chờ lãnh đạo ký", "in_progress"),
    case(
        "Kính gửi đồng chí, UBND xã đã triển khai thực hiện kế hoạch",
        "in_progress",
        id="đã triển khai = started",
    ),
    # --- blocked --------------------------------------------------------------------
    case("vướng: thiếu kinh phí", "blocked", "thiếu kinh phí"),
    case("vuong: thieu kinh phi", "blocked", "thieu kinh phi"),
    case("Vướng mắc: chưa có số liệu từ các xã", "blocked", "chưa có số liệu từ các xã"),
    case("khó khăn về nhân lực", "blocked", "nhân lực"),
    case("Gặp khó khăn do thiếu cán bộ chuyên trách", "blocked", "thiếu cán bộ chuyên trách"),
    case("đang làm nhưng vướng kinh phí", "blocked", "kinh phí"),
    case("vướng chi phí tổ chức", "blocked", "chi phí tổ chức"),
    case(
        "Thiếu kinh phí tổ chức diễn đàn trẻ em ạ",
        "blocked",
        "Thiếu kinh phí tổ chức diễn đàn trẻ em",
    ),
    case("không hoàn thành kịp", "blocked", "không hoàn thành kịp"),
    case("Dạ em không hoàn thành kịp ạ", "blocked", "không hoàn thành kịp"),
    case("em đang gặp khó khăn ạ", "blocked"),
    case("vướng", "blocked"),
    case("vướng - chưa được cấp kinh phí 😢", "blocked", "chưa được cấp kinh phí"),
    case("vướng mắc ở khâu thẩm định", "blocked", "khâu thẩm định"),
    case("kinh phí chưa về nên bị vướng", "blocked", "kinh phí chưa về"),
    case("Chưa xong vì vướng số liệu thống kê", "blocked", "số liệu thống kê"),
    case(
        "VƯỚNG MẮC: Sở Tài chính chưa cấp kinh phí!!!", "blocked", "Sở Tài chính chưa cấp kinh phí"
    ),
    case("không thể hoàn thành vì thiếu người", "blocked", "không thể hoàn thành vì thiếu người"),
    case("hết kinh phí rồi", "blocked", "hết kinh phí"),
    case(
        "Vướng: độ tuổi trẻ trong danh sách chưa khớp",
        "blocked",
        "độ tuổi trẻ trong danh sách chưa khớp",
        id="độ is not the connector do",
    ),
    case("Khó khăn: thiếu số liệu (phụ lục 2)", "blocked", "thiếu số liệu (phụ lục 2)"),
    case("vướng kinh phí thì làm sao ạ?", "blocked", "kinh phí thì làm sao"),
    case(
        "Khó khăn, vướng mắc: 1. Thiếu kinh phí; 2. Thiếu nhân lực",
        "blocked",
        "1. Thiếu kinh phí; 2. Thiếu nhân lực",
    ),
    case("phần mềm bị lỗi không gửi được", "blocked", "phần mềm bị lỗi không gửi được"),
    case("Đang làm nhưng có thể không kịp", "blocked", "có thể không kịp"),
    case("Chưa xong vì thiếu số liệu", "blocked", "thiếu số liệu"),
    case("Bên em không kịp ạ", "blocked", "không kịp"),
    # --- extension ------------------------------------------------------------------
    case("xin gia hạn đến 30/11", "extension", new_due=D(2026, 11, 30)),
    case("xin gia hạn tới 30/11/2026", "extension", new_due=D(2026, 11, 30)),
    case("gia hạn đến ngày 30 tháng 11", "extension", new_due=D(2026, 11, 30)),
    case("xin lùi hạn đến 5/12", "extension", new_due=D(2026, 12, 5)),
    case("xin gia han den 30/11", "extension", new_due=D(2026, 11, 30)),
    case("xin lui han den 5/12", "extension", new_due=D(2026, 12, 5)),
    case("Em xin gia hạn đến 30/11 được không ạ?", "extension", new_due=D(2026, 11, 30)),
    case(
        "xin gia hạn đến 5/12 vì chưa tổng hợp xong số liệu",
        "extension",
        "chưa tổng hợp xong số liệu",
        D(2026, 12, 5),
    ),
    case(
        "Do thiếu số liệu nên em xin gia hạn đến 05.12.2026",
        "extension",
        "thiếu số liệu",
        D(2026, 12, 5),
    ),
    case(
        "Đang làm nhưng vướng kinh phí, xin gia hạn đến 5/12",
        "extension",
        "vướng kinh phí",
        D(2026, 12, 5),
    ),
    case(
        "Dạ em không hoàn thành kịp, em xin gia hạn đến 30/11 ạ",
        "extension",
        "không hoàn thành kịp",
        D(2026, 11, 30),
    ),
    case(
        "Xin gia hạn đến 30/11 do đang chờ số liệu từ các xã",
        "extension",
        "đang chờ số liệu từ các xã",
        D(2026, 11, 30),
    ),
    case("Cho em xin gia hạn tới 15-12-2026 ạ", "extension", new_due=D(2026, 12, 15)),
    case("xin gia hạn đến 2026-12-01", "extension", new_due=D(2026, 12, 1)),
    case("xin gia hạn đến 30 thg 11", "extension", new_due=D(2026, 11, 30)),
    case("Xin gia hạn đến ngày 30 tháng 11 năm 2026 ạ", "extension", new_due=D(2026, 11, 30)),
    case("xin gia hạn đến 30.11", "extension", new_due=D(2026, 11, 30)),
    case("xin gia hạn đến hôm nay 23/11", "extension", problem="date_past"),
    case("xin ra hạn đến 30/11", "extension", new_due=D(2026, 11, 30), id="r/gi typo"),
    case("xin gia hạn vì thiếu số liệu đến 5/12", "extension", "thiếu số liệu", D(2026, 12, 5)),
    case(
        "Hạn 20/11 em chưa kịp, xin gia hạn đến 30/11",
        "extension",
        "Hạn 20/11 em chưa kịp",
        D(2026, 11, 30),
    ),
    case(
        "Đơn vị xin gia hạn đến 30/11",
        "extension",
        new_due=D(2026, 11, 30),
        id="đơn vị is not the connector vì",
    ),
    case("xin phép nộp muộn đến 2/12", "extension", new_due=D(2026, 12, 2)),
    case(
        "Xin gia hạn đến 30/11, lý do: chưa nhận được số liệu của 3 xã",
        "extension",
        "chưa nhận được số liệu của 3 xã",
        D(2026, 11, 30),
    ),
    case("xin gia hạn", "extension", problem="date_missing"),
    case("xin gia hạn do chưa có số liệu", "extension", "chưa có số liệu", problem="date_missing"),
    case("xin gia hạn thêm 1 tuần", "extension", "thêm 1 tuần", problem="date_missing"),
    case("xin khất đến thứ 6", "extension", "đến thứ 6", problem="date_missing"),
    case("Cần thêm thời gian vì thiếu người", "extension", "thiếu người", problem="date_missing"),
    case("xin gia hạn đến 31/11", "extension", problem="date_invalid"),
    case("xin gia hạn đến 30/13", "extension", problem="date_invalid"),
    case(
        "xin gia hạn đến 20/11/2026",
        "extension",
        problem="date_past",
        suggested=D(2027, 11, 20),
    ),
    case(
        "xin gia hạn đến 20/11",
        "extension",
        problem="date_ambiguous",
        suggested=D(2027, 11, 20),
        id="yearless date 3 days ago: next year's is offered, not taken",
    ),
    case(
        "xin gia hạn đến 31/12/9999",
        "extension",
        problem="date_out_of_range",
        id="year 9999 is out of range",
    ),
    case("xin gia hạn đến 1/1/1990", "extension", problem="date_out_of_range"),
    case(
        "xin gia hạn đến 30/11/2036",
        "extension",
        new_due=D(2036, 11, 30),
        id="ten years ahead is still in range",
    ),
    case("xin gia hạn đến 1/1/2037", "extension", problem="date_out_of_range"),
    # around the new year, with and without years
    case(
        "xin gia hạn đến 30/11",
        "extension",
        problem="date_ambiguous",
        suggested=D(2027, 11, 30),
        today=DEC2,
        id="02/12: 30/11 just gone is asked about",
    ),
    case(
        "xin gia hạn đến 30/11/2026",
        "extension",
        problem="date_past",
        suggested=D(2027, 11, 30),
        today=DEC2,
        id="02/12: 30/11/2026 is past, 30/11/2027 offered",
    ),
    case(
        "xin gia hạn đến 30/11/2027",
        "extension",
        new_due=D(2027, 11, 30),
        today=DEC2,
        id="02/12: 30/11/2027 written in full",
    ),
    case(
        "xin gia hạn đến 15/1",
        "extension",
        new_due=D(2027, 1, 15),
        today=DEC2,
        id="02/12: 15/1 is next January",
    ),
    case(
        "xin gia hạn đến 10/1",
        "extension",
        new_due=D(2027, 1, 10),
        today=JAN,
        id="03/01: 10/1 is this month",
    ),
    case(
        "xin gia hạn đến 28/12",
        "extension",
        problem="date_ambiguous",
        suggested=D(2027, 12, 28),
        today=JAN,
        id="03/01: 28/12 just gone",
    ),
    case(
        "xin gia hạn đến 28/12/2026",
        "extension",
        problem="date_past",
        suggested=D(2027, 12, 28),
        today=JAN,
        id="03/01: last year's 28/12 written in full",
    ),
    case(
        "xin gia hạn đến 5/1/2027",
        "extension",
        new_due=D(2027, 1, 5),
        today=JAN,
        id="03/01: 5/1 of this year in full",
    ),
    case(
        "xin gia hạn đến 3/1",
        "extension",
        problem="date_past",
        today=JAN,
        id="today itself without a year",
    ),
    case(
        "xin gia hạn đến 5/1",
        "extension",
        new_due=D(2027, 1, 5),
        today=DEC,
        id="DEC: 5/1 is next January",
    ),
    case(
        "xin gia hạn đến 10/01/2027",
        "extension",
        new_due=D(2027, 1, 10),
        today=DEC,
        id="DEC: explicit next year",
    ),
    case(
        "xin gia hạn đến 15/12",
        "extension",
        problem="date_ambiguous",
        suggested=D(2027, 12, 15),
        today=DEC,
        id="DEC: 15/12 already gone",
    ),
    case(
        "xin gia hạn đến 31/12",
        "extension",
        new_due=D(2026, 12, 31),
        today=DEC,
        id="DEC: 31/12 this year",
    ),
    case("xin gia han toi 5/1/27", "extension", new_due=D(2027, 1, 5), today=DEC, id="DEC: d/m/yy"),
    case("đã xong", "done", today=DEC, id="DEC: done"),
    # --- unknown --------------------------------------------------------------------
    case("👍", "unknown"),
    case("✅", "unknown"),
    case("ok", "unknown"),
    case("Dạ vâng", "unknown"),
    case("rồi ạ", "unknown"),
    case("Em đã nhận được ạ", "unknown"),
    case("đã xem", "unknown"),
    case("Chào anh", "unknown"),
    case("Cảm ơn anh đã nhắc", "unknown"),
    case("", "unknown", id="empty"),
    case("   ", "unknown", id="blank"),
    case("chưa xong", "unknown"),
    case("chưa gửi báo cáo", "unknown"),
    case("chưa hoàn thành được", "unknown"),
    case("em vẫn chưa làm xong", "unknown"),
    case("đã xong chưa?", "unknown"),
    case("xong chưa anh ơi", "unknown"),
    case("Khi nào phải gửi?", "unknown"),
    case("đã gửi báo cáo chưa ạ", "unknown"),
    case("hạn nộp là ngày nào ạ?", "unknown"),
    case("không biết đã gửi chưa", "unknown"),
    case("Báo cáo trẻ em dân tộc thiểu số đã gửi chưa?", "unknown"),
    case("Có khó khăn gì không ạ?", "unknown"),
    case("chưa có vướng mắc gì", "unknown"),
    case("Khó khăn: không có", "unknown"),
    case("em gửi anh báo cáo ạ", "unknown"),
    case("Em sẽ báo cáo lãnh đạo rồi phản hồi sau", "unknown"),
    case("Em quên chưa gửi, mai em gửi ạ", "unknown"),
    case("phải hoàn thành trước ngày nào ạ", "unknown"),
]


@pytest.mark.parametrize(("text", "today", "expected"), REPLIES)
def test_parse_reply(text, today, expected):
    assert parse_reply(text, today) == expected


def test_table_is_large_enough():
    assert len(REPLIES) >= 80
    intents = {p.values[2].intent for p in REPLIES}
    assert intents == {"done", "in_progress", "blocked", "extension", "unknown"}


NEVER_DONE = [
    "chưa xong",
    "chua xong",
    "chưa gửi báo cáo",
    "chưa hoàn thành được",
    "không hoàn thành kịp",
    "đã xong chưa?",
    "da xong chua",
    "khi nào phải gửi?",
    "xong chưa",
    "gửi chưa ạ",
    "đã gửi chưa",
    "không xong",
    "chưa thể hoàn thành",
    "chưa kịp làm xong",
    "nếu xong em báo ạ",
    "hình như đã gửi",
    "cần hoàn thành gì ạ?",
    "đã hoàn thành chưa nhỉ",
    "xong đâu mà",
    "không biết đã xong chưa",
]


@pytest.mark.parametrize("text", NEVER_DONE)
def test_negations_and_questions_are_never_done(text):
    assert parse_reply(text, TODAY).intent != "done"


def test_reply_is_frozen():
    reply = parse_reply("đã xong", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.intent = "unknown"  # type: ignore[misc]


def test_decomposed_unicode_is_understood_and_note_comes_back_composed():
    import unicodedata

    text = unicodedata.normalize("NFD", "Vướng: thiếu kinh phí")
    reply = parse_reply(text, TODAY)
    assert reply == Reply("blocked", "thiếu kinh phí")
    assert unicodedata.is_normalized("NFC", reply.note)


def test_note_keeps_line_breaks_as_written():
    reply = parse_reply("Vướng mắc:\n- thiếu kinh phí\n- thiếu người", TODAY)
    assert reply == Reply("blocked", "thiếu kinh phí\n- thiếu người")


def _lengths_examined(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text the parser folds and tokenizes (its work is linear in it)."""
    seen: list[int] = []
    real = parsing._fold_chars

    def spy(text: str) -> tuple[str, list[int]]:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(parsing, "_fold_chars", spy)
    return seen


# How fast: bench/replies.py (the huge messages below, within 50 ms each).
def test_huge_message_is_examined_only_up_to_the_cap(monkeypatch):
    text = "Dạ em báo cáo tình hình: " + "đang tổng hợp số liệu các xã, " * 400
    assert len(text) > 10_000
    seen = _lengths_examined(monkeypatch)
    reply = parse_reply(text, TODAY)
    assert reply.intent == "in_progress"
    assert seen and max(seen) <= MAX_CHARS_EXAMINED


def test_huge_blocked_message_note_is_capped_and_only_the_cap_examined(monkeypatch):
    text = "vướng: " + "thiếu kinh phí " * 800
    seen = _lengths_examined(monkeypatch)
    reply = parse_reply(text, TODAY)
    assert reply.intent == "blocked"
    assert reply.note.startswith("thiếu kinh phí thiếu")
    assert len(reply.note) <= MAX_CHARS_EXAMINED
    assert seen and max(seen) <= MAX_CHARS_EXAMINED


def test_only_the_beginning_of_a_message_is_examined():
    assert parse_reply("." * MAX_CHARS_EXAMINED + " đã xong", TODAY).intent == "unknown"
    assert parse_reply("đã xong " + "x" * 20_000, TODAY).intent == "done"


def test_normalize():
    assert normalize("  Đã   GỬI\tbáo cáo  ") == "da gui bao cao"
    assert normalize("Vướng mắc") == "vuong mac"


# --- dates ------------------------------------------------------------------------------

PARSE_DATE = [
    ("30/11", TODAY, D(2026, 11, 30)),
    ("30/11/2026", TODAY, D(2026, 11, 30)),
    ("30-11-2026", TODAY, D(2026, 11, 30)),
    ("30.11.2026", TODAY, D(2026, 11, 30)),
    ("5/1/27", TODAY, D(2027, 1, 5)),
    ("05/01/2027", TODAY, D(2027, 1, 5)),
    ("2026-12-01", TODAY, D(2026, 12, 1)),
    ("2026/12/01", TODAY, D(2026, 12, 1)),
    ("ngày 30 tháng 11", TODAY, D(2026, 11, 30)),
    ("Ngày 30 tháng 11 năm 2026", TODAY, D(2026, 11, 30)),
    ("30 tháng 11 năm 2026", TODAY, D(2026, 11, 30)),
    ("30 thg 11", TODAY, D(2026, 11, 30)),
    ("ngay 5 thang 12", TODAY, D(2026, 12, 5)),
    ("ngày 30/11/2026", TODAY, D(2026, 11, 30)),
    ("30/11 năm 2027", TODAY, D(2027, 11, 30)),
    ("  30/11.  ", TODAY, D(2026, 11, 30)),
    ("30-11", TODAY, D(2026, 11, 30)),
    ("23/11", TODAY, D(2026, 11, 23)),  # today itself
    ("22/11", TODAY, D(2027, 11, 22)),  # yesterday: next occurrence is next year
    ("5/1", TODAY, D(2027, 1, 5)),
    ("5/1", DEC, D(2027, 1, 5)),
    ("31/12", DEC, D(2026, 12, 31)),
    ("29/2", TODAY, D(2028, 2, 29)),
    ("29/02/2028", TODAY, D(2028, 2, 29)),
    ("\uff11\uff15/\uff11\uff12", TODAY, D(2026, 12, 15)),  # full-width digits "15/12"
    # invalid or not a date at all
    ("31/2", TODAY, None),
    ("32/12", TODAY, None),
    ("0/5", TODAY, None),
    ("30/13", TODAY, None),
    ("0/0", TODAY, None),
    ("31/11/2026", TODAY, None),
    ("29/2/2027", TODAY, None),
    ("30/11/20266", TODAY, None),
    ("30/11/202", TODAY, None),
    ("2026-13-01", TODAY, None),
    ("ngày 31 tháng 4", TODAY, None),
    ("tháng 11", TODAY, None),
    ("abc", TODAY, None),
    ("", TODAY, None),
    ("xin gia hạn 30/11", TODAY, None),  # a sentence: use find_date
    ("30/11 hoặc 1/12", TODAY, None),
]


@pytest.mark.parametrize(("text", "today", "expected"), PARSE_DATE)
def test_parse_date(text, today, expected):
    assert parse_date(text, today) == expected


FIND_DATE = [
    ("xin gia hạn đến 31/2", "invalid"),
    ("hạn 30/11 nhé", D(2026, 11, 30)),
    ("đến 32/12", "invalid"),
    ("0/5", "invalid"),
    ("không có ngày nào cả", None),
    ("kinh phí 1.5 tỷ", None),
    ("thêm 1-2 ngày", None),
    ("cần 1/2 tháng nữa", None),
    ("đến 30.11", D(2026, 11, 30)),
    ("đến 30-11 ạ", D(2026, 11, 30)),
    ("nộp trước ngày 2026-12-01", D(2026, 12, 1)),
    ("đến ngày 5 tháng 12 năm 2026", D(2026, 12, 5)),
    ("hết 30 thg 11", D(2026, 11, 30)),
    ("gọi 0912.345.678", None),
    ("báo cáo số 27/KH-UBND", None),
    ("30/11 hoặc 31/11", D(2026, 11, 30)),
    ("31/11 hoặc 30/11", "invalid"),
    ("30.11", D(2026, 11, 30)),  # a bare answer to "đến ngày nào?"
    ("30-11 ạ", D(2026, 11, 30)),
    ("20/11", D(2027, 11, 20)),  # find_date: next occurrence, as specified
]


@pytest.mark.parametrize(("text", "expected"), FIND_DATE)
def test_find_date(text, expected):
    assert find_date(text, TODAY) == expected


REQUESTED_DATE = [
    ("30/11", TODAY, (D(2026, 11, 30), None, None)),
    ("đến 30.11 ạ", TODAY, (D(2026, 11, 30), None, None)),
    ("23/11", TODAY, (None, "date_past", None)),  # today: not a new deadline
    ("24/11", TODAY, (D(2026, 11, 24), None, None)),
    ("20/11", TODAY, (None, "date_ambiguous", D(2027, 11, 20))),  # 3 days ago: asked
    ("20/11/2026", TODAY, (None, "date_past", D(2027, 11, 20))),
    ("23/11/2026", TODAY, (None, "date_past", None)),
    ("31/11", TODAY, (None, "date_invalid", None)),
    ("tuần sau", TODAY, (None, "date_missing", None)),
    ("5/1", DEC, (D(2027, 1, 5), None, None)),
    ("15/12", DEC, (None, "date_ambiguous", D(2027, 12, 15))),
    ("30/11", DEC2, (None, "date_ambiguous", D(2027, 11, 30))),
    ("30/11/2026", DEC2, (None, "date_past", D(2027, 11, 30))),
    ("15/1", DEC2, (D(2027, 1, 15), None, None)),
    ("29/2", DEC2, (D(2028, 2, 29), None, None)),
    ("29/02/2024", DEC2, (None, "date_out_of_range", None)),
    ("29/02/2025", DEC2, (None, "date_invalid", None)),
    ("28/02/2025", DEC2, (None, "date_past", D(2027, 2, 28))),
    ("31/12/9999", DEC2, (None, "date_out_of_range", None)),
    ("25/12/9999", DEC2, (None, "date_out_of_range", None)),
    ("31/12/2036", DEC2, (D(2036, 12, 31), None, None)),
    ("1/1/2037", DEC2, (None, "date_out_of_range", None)),
    ("4/1", JAN, (D(2027, 1, 4), None, None)),
    ("2/1", JAN, (None, "date_ambiguous", D(2028, 1, 2))),
    ("31/12", JAN, (None, "date_ambiguous", D(2027, 12, 31))),
    ("31/12/2026", JAN, (None, "date_past", D(2027, 12, 31))),
]


@pytest.mark.parametrize(("text", "today", "expected"), REQUESTED_DATE)
def test_requested_date(text, today, expected):
    assert requested_date(text, today)[:3] == expected


# --- which task an answer is about ------------------------------------------------------
# A plain message in a private chat and a reply to the list both name their task by its
# number in the bot's list («việc 2 …») or by a word of its title; the rest of the
# message is read as any reply.

POINTERS = [
    ("việc 2 đã xong", 2, "đã xong"),
    ("Việc 2: đã gửi báo cáo", 2, "đã gửi báo cáo"),
    ("viec so 3 dang lam", 3, "dang lam"),
    ("việc số 12 vướng: thiếu kinh phí", 12, "vướng: thiếu kinh phí"),
    ("nhiệm vụ 4 xin gia hạn đến 30/11", 4, "xin gia hạn đến 30/11"),
    ("nv5 xong rồi", 5, "xong rồi"),
    ("#7 đang thực hiện", 7, "đang thực hiện"),
    ("2. đã xong", 2, "đã xong"),
    ("3) đang làm", 3, "đang làm"),
    ("Dạ việc 2 em đã gửi rồi ạ", 2, "Dạ em đã gửi rồi ạ"),
    ("đã xong việc 5 ạ", 5, "đã xong ạ"),
    ("công việc 6 hoàn thành", 6, "hoàn thành"),
    # no task named
    ("đã xong", None, "đã xong"),
    ("việc 2 tuần nữa mới xong", None, "việc 2 tuần nữa mới xong"),
    ("xin gia hạn 2 ngày", None, "xin gia hạn 2 ngày"),
    ("kinh phí 1.5 tỷ", None, "kinh phí 1.5 tỷ"),
    ("2/12 đã gửi", None, "2/12 đã gửi"),
    ("việc 0 đã xong", None, "việc 0 đã xong"),
    ("30% đã xong", None, "30% đã xong"),
]


@pytest.mark.parametrize(("text", "number", "rest"), POINTERS)
def test_task_pointer(text, number, rest):
    assert task_pointer(text) == (number, rest)


TITLES = [
    "Báo cáo 6 tháng",
    "Báo cáo năm",
    "Bố trí kinh phí thực hiện công tác bảo vệ trẻ em hằng năm",
    "Tuyên truyền phòng, chống xâm hại trẻ em trên các phương tiện thông tin",
    "Tổ chức Diễn đàn trẻ em cấp tỉnh",
]
TITLE_CHOICES = [
    ("đã gửi báo cáo năm", 1),
    ("Báo cáo 6 tháng đã gửi rồi ạ", 0),
    ("bao cao nam da gui", 1),
    ("kinh phí đã bố trí xong", 2),
    ("tuyên truyền đang thực hiện", 3),
    ("diễn đàn đã tổ chức xong", 4),
    ("vướng: chưa có địa điểm tổ chức diễn đàn", 4),
    # nothing pointed at, or several alike: the bot asks which
    ("đã xong", None),
    ("đã gửi báo cáo", None),
    ("trẻ em đang làm", None),
    ("xin gia hạn đến 30/11/2026", None),
    ("ok", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), TITLE_CHOICES)
def test_title_choice(text, expected):
    assert title_choice(text, TITLES) == expected


ANSWERS_IN_PRIVATE = [
    # (message, today, number named, intent of the rest, new_due, problem, suggested)
    ("việc 2 đã xong", TODAY, 2, "done", None, None, None),
    ("việc 3 đang làm", TODAY, 3, "in_progress", None, None, None),
    ("việc 1 vướng: thiếu kinh phí", TODAY, 1, "blocked", None, None, None),
    ("việc 2 xin gia hạn đến 15/1", DEC2, 2, "extension", D(2027, 1, 15), None, None),
    (
        "việc 2 xin gia hạn đến 30/11",
        DEC2,
        2,
        "extension",
        None,
        "date_ambiguous",
        D(2027, 11, 30),
    ),
    ("việc 4 xin gia hạn đến 30/11/2026", DEC2, 4, "extension", None, "date_past", D(2027, 11, 30)),
    ("việc 2 xin gia hạn đến 5/1/2027", JAN, 2, "extension", D(2027, 1, 5), None, None),
    ("việc 2 xin gia hạn đến 31/12", JAN, 2, "extension", None, "date_ambiguous", D(2027, 12, 31)),
    ("đã gửi báo cáo", TODAY, None, "done", None, None, None),
    ("chào bot", TODAY, None, "unknown", None, None, None),
]


@pytest.mark.parametrize(
    ("text", "today", "number", "intent", "new_due", "problem", "suggested"), ANSWERS_IN_PRIVATE
)
def test_answers_name_their_task_and_are_read_like_replies(
    text, today, number, intent, new_due, problem, suggested
):
    named, rest = task_pointer(text)
    reply = parse_reply(rest, today)
    assert (named, reply.intent, reply.new_due, reply.problem, reply.suggested) == (
        number,
        intent,
        new_due,
        problem,
        suggested,
    )
