"""Every Vietnamese string a user reads, keyed by meaning.

Plain text (no parse mode): titles come from official documents and may hold any
character, and plain text can never be rejected for a malformed entity.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# --- statuses, as government task-tracking systems name them -------------------------
STATUS = {  # keys: services.status.STATUSES
    "not_due": "Chưa đến hạn",
    "in_progress": "Đang thực hiện",
    "overdue": "Quá hạn",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "standing": "Thường xuyên",
    "standing_done": "Thường xuyên — đã thực hiện",
    "cancelled": "Đã huỷ",  # counted apart from all of the above
}
FLAG_BLOCKED = "Vướng mắc"
FLAG_EXTENSION = "Xin gia hạn"
STATUS_ICON = {
    "not_due": "🕒",
    "in_progress": "⏳",
    "overdue": "🔴",
    "done_on_time": "✅",
    "done_late": "☑️",
    "standing": "🔁",
    "standing_done": "✔️",
    "cancelled": "🚫",
}
STATUS_ORDER = (  # as listed in summaries: dated tasks, then standing duties
    "overdue",
    "in_progress",
    "not_due",
    "done_late",
    "done_on_time",
    "standing",
    "standing_done",
)

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

# --- buttons ---------------------------------------------------------------------------
BTN_DONE = "✅ Hoàn thành"
BTN_PROGRESS = "⏳ Đang làm"
BTN_BLOCKED = "⚠️ Vướng mắc"
BTN_EXTEND = "📅 Xin gia hạn"
BTN_BACK_TO_LIST = "◀ Danh sách"
BTN_PAGE_PREV = "◀ Trang trước"
BTN_PAGE_NEXT = "Trang sau ▶"
BTN_TASK = "{n}. {title}"
BTN_DATE_YES = "✅ Đúng, {date}"
BTN_DATE_OTHER = "📅 Ngày khác"
BTN_APPROVE = "✅ Đồng ý đến {date}"
BTN_REFUSE = "❌ Từ chối"
BTN_OTHER_DATE = "📅 Ngày khác"
BTN_ACK = "👌 Đã nhận"
BTN_ACTIVATE = "✅ Kích hoạt"
BTN_DISCARD = "🗑 Huỷ bản nháp"


def date_vn(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def date_weekday_vn(d: dt.date) -> str:
    return f"{WEEKDAYS[d.weekday()]}, {date_vn(d)}"


def datetime_vn(t: dt.datetime) -> str:
    return t.strftime("%H:%M %d/%m/%Y")


def example_date(days: int = 30, *, short: bool = False) -> str:
    """A date `days` from today (the injected clock) to show in an example: never one
    that is past or about to be. `short` leaves out the year ("30/11")."""
    from services.clock import today_vn

    day = today_vn() + dt.timedelta(days=days)
    return day.strftime("%d/%m") if short else date_vn(day)


def days_left(days: int | None) -> str:
    if days is None:
        return "không có hạn"
    if days > 1:
        return f"còn {days} ngày"
    if days == 1:
        return "còn 1 ngày (hạn là ngày mai)"
    if days == 0:
        return "hạn là hôm nay"
    return f"quá hạn {-days} ngày"


# --- /start and linking ----------------------------------------------------------------
START_ABOUT = (
    "Xin chào! Đây là nhacviec — trợ lý nhắc việc cho kế hoạch bảo vệ, chăm sóc trẻ em.\n"
    "Bot nhắc hạn báo cáo và nhiệm vụ của cơ quan bạn, và nhận cập nhật tiến độ.\n\n"
    "Để bắt đầu, bạn cần mã mời do cơ quan đầu mối (cán bộ điều phối) cấp. "
    "Hãy bấm vào đường link mời, hoặc gửi: /start <mã mời>."
)
START_ALREADY = (
    "Bạn đã được liên kết với {agency}. Gửi /viec để xem nhiệm vụ, /help để xem hướng dẫn."
)
START_ALREADY_COORD = (
    "Bạn đang là cán bộ điều phối. Gửi /tonghop để xem tổng hợp, /help để xem hướng dẫn."
)
LINKED_PRIVATE = (
    "✅ Đã liên kết bạn với {agency}.\n"
    "Từ nay bot sẽ nhắc các nhiệm vụ và hạn báo cáo của cơ quan.\n"
    "Gửi /viec để xem danh sách việc, /help để xem hướng dẫn."
)
LINKED_GROUP = (
    "✅ Đã liên kết nhóm này với {agency}.\n"
    "Bot sẽ gửi nhắc việc của cơ quan vào nhóm. Gửi /viec để xem danh sách việc."
)
LINKED_MOVED = "(Trước đây liên kết với {old}.)"
LINKED_COORDINATOR = (
    "✅ Bạn đã được cấp quyền cán bộ điều phối.\n"
    "Gửi /tonghop để xem tình hình các cơ quan, /help để xem các lệnh."
)
REACHABLE_AGAIN = "Bot đã có thể gửi tin cho bạn trở lại."
# One answer for every code that does not link: unknown, used or expired alike, so that
# trying codes tells nobody which ones exist.
INVITE_WRONG = (
    "❌ Mã mời không dùng được (sai, đã dùng hoặc đã hết hạn). Hãy xin cán bộ điều phối cấp mã mới."
)
INVITE_WAIT = "⏳ Bạn đã nhập sai mã mời nhiều lần. Vui lòng thử lại sau {minutes} phút."
INVITE_COORDINATOR_GROUP = (
    "⛔ Mã mời điều phối viên chỉ dùng trong trò chuyện riêng với bot, không dùng trong nhóm "
    "(mọi thành viên nhóm sẽ có quyền điều phối). Mã vẫn còn hiệu lực: hãy mở đường link "
    "trong trò chuyện riêng."
)

# --- access ----------------------------------------------------------------------------
NOT_LINKED = (
    "Bạn chưa được liên kết với cơ quan nào. "
    "Hãy dùng đường link mời do cán bộ điều phối gửi, hoặc gửi /start <mã mời>."
)
COORDINATOR_ONLY = "⛔ Lệnh này chỉ dành cho cán bộ điều phối."
NOT_YOUR_TASK = "⛔ Nhiệm vụ này không thuộc cơ quan của bạn."
UNKNOWN_COMMAND = "Không có lệnh này. Gửi /help để xem các lệnh có thể dùng."
FORWARDED_IGNORED = (
    "Bot không xử lý tin nhắn chuyển tiếp. Hãy trả lời trực tiếp vào tin nhắn nhắc việc."
)
TOO_LONG = "Tin nhắn quá dài (tối đa {limit} ký tự). Hãy gửi ngắn gọn trong một dòng."
EDITED_IGNORED = (
    "Bot không đọc tin nhắn đã sửa. "
    "Nếu cần cập nhật, hãy gửi tin nhắn mới trả lời vào tin nhắc việc."
)
SOMETHING_WRONG = "⚠️ Có lỗi khi xử lý yêu cầu. Vui lòng thử lại sau ít phút."

# --- help --------------------------------------------------------------------------------
HELP_OFFICIAL = (
    "Hướng dẫn ({agency}):\n"
    "/viec — danh sách việc đang mở; bấm một việc để xem và cập nhật\n"
    "/help — xem hướng dẫn này\n\n"
    "Cập nhật tiến độ: trên thẻ của việc có các nút ✅ Hoàn thành · ⏳ Đang làm · "
    "⚠️ Vướng mắc · 📅 Xin gia hạn. Hoặc viết một dòng — trả lời (reply) tin nhắc việc, "
    "hay gửi thẳng cho bot:\n"
    "• «đã gửi báo cáo», «đã xong» — hoàn thành\n"
    "• «đang thực hiện» — đang làm\n"
    "• «vướng: lý do» — báo vướng mắc\n"
    "• «xin gia hạn đến {example}» — xin gia hạn\n"
    "Có nhiều việc thì ghi số của việc trong /viec, ví dụ «việc 2 đã xong»; bot hỏi lại "
    "nếu chưa rõ việc nào.\n"
    "Nộp tệp báo cáo: gửi tệp (Word, Excel, PDF, ảnh; tối đa 20 MB) trả lời tin về việc đó, "
    "hoặc gửi thẳng rồi chọn việc.\n"
    "/roi — rời cơ quan (khi bạn chuyển công tác)"
)
HELP_COORDINATOR = (
    "Lệnh cho cán bộ điều phối:\n"
    "/tonghop [cơ quan hoặc nhóm] — tổng hợp, cơ quan chậm nhất trước; bấm để xem chi tiết\n"
    "/quahan — nhiệm vụ quá hạn, theo cơ quan\n"
    "/chuatraloi — cơ quan chưa trả lời, liên hệ không liên lạc được\n"
    "/baocao [cơ quan hoặc nhiệm vụ] — tệp báo cáo đã nộp; bấm để nhận lại tệp\n"
    "/thongbao — gửi thông báo tới tất cả, một nhóm, hoặc các cơ quan chọn\n"
    "/xuat — bảng Excel tổng hợp · /bieudo — biểu đồ tiến độ\n"
    "/nhom — lưu nhóm cơ quan (ví dụ: /nhom Các sở: SYT,STP)\n"
    "/sukien — xem hoặc thêm sự kiện (ví dụ: /sukien {event_example} Diễn đàn trẻ em)\n"
    "/canbo [cơ quan] — danh sách liên hệ; gỡ liên hệ, cấp hoặc thu hồi quyền điều phối\n"
    "/suaviec — sửa tên, đổi hạn, huỷ hoặc chuyển nhiệm vụ\n"
    "/viec — nhiệm vụ của cơ quan bạn (nếu có)\n"
    "/help — xem hướng dẫn này\n\n"
    "Trên máy chủ: nhacviec agency add, invite create, task add, status (xem README)."
)
HELP_STRANGER = START_ABOUT
COMMANDS_OFFICIAL = [
    ("viec", "Xem nhiệm vụ của cơ quan"),
    ("help", "Hướng dẫn"),
    ("roi", "Rời cơ quan"),
    ("start", "Liên kết bằng mã mời"),
]
COMMANDS_COORDINATOR = [
    ("tonghop", "Tổng hợp tình hình các cơ quan"),
    ("thongbao", "Gửi thông báo tới các cơ quan"),
    ("quahan", "Danh sách nhiệm vụ quá hạn"),
    ("chuatraloi", "Cơ quan chưa trả lời, chưa liên lạc được"),
    ("xuat", "Xuất bảng Excel"),
    ("bieudo", "Biểu đồ tiến độ"),
    ("nhom", "Nhóm cơ quan"),
    ("baocao", "Tệp báo cáo đã nộp"),
    ("sukien", "Xem hoặc thêm sự kiện"),
    ("suakh", "Sửa bản nháp kế hoạch"),
    ("canbo", "Danh sách liên hệ, gỡ liên hệ, quyền điều phối"),
    ("suaviec", "Sửa, đổi hạn, huỷ hoặc chuyển nhiệm vụ"),
    ("viec", "Xem nhiệm vụ của cơ quan"),
    ("help", "Hướng dẫn"),
]

# --- /viec: a list of one screen, a card per task ---------------------------------------
TASKS_HEAD = "📋 {agency}: {count} việc đang mở"
TASKS_HEAD_PAGES = "📋 {agency}: {count} việc đang mở — trang {page}/{pages}"
TASKS_ROW = "{n}. {title}\n     {state}"
TASKS_HINT = "Bấm một việc để xem và cập nhật, hoặc trả lời tin này, ví dụ «việc 1 đã xong»."
TASKS_NONE = "🎉 {agency} không còn nhiệm vụ nào đang mở."
STATE_DATED = "{icon} {status} · {left} · hạn {date}"
STATE_OVERDUE = "🔴 Quá hạn {days} ngày · hạn {date}"
STATE_DONE = "{icon} {status}"
STATE_STANDING = "🔁 Thường xuyên (không có hạn)"
STATE_STANDING_PROGRESS = "🔁 Thường xuyên · đang thực hiện"
STATE_FLAG_BLOCKED = " · ⚠️ vướng mắc"
STATE_FLAG_EXTENSION = " · 📅 xin gia hạn"
TASK_CARD = "📌 {title}\nCơ quan: {agency}\nHạn: {due}\nTrạng thái: {status}"
TASK_CARD_NUMBER = "Việc {n}/{count} · "
TASK_FLAG_BLOCKED = "⚠️ Vướng mắc: {note}"
TASK_FLAG_EXTENSION = "📅 Xin gia hạn đến {date}"
TASK_CARD_HINT = (
    "Bấm nút bên dưới, hoặc trả lời tin này bằng một dòng, ví dụ «đã gửi báo cáo», "
    "«vướng: thiếu kinh phí», «xin gia hạn đến {example}»."
)
TASK_CARD_HINT_STANDING = (
    "Việc thường xuyên không có hạn: cho biết tình hình bằng nút bên dưới, hoặc trả lời "
    "tin này, ví dụ «đang thực hiện», «đã thực hiện»."
)
NO_DUE = "không có hạn (nhiệm vụ thường xuyên)"

# --- status updates ----------------------------------------------------------------------
UPDATED = "Đã cập nhật: {status}"
UPDATED_DONE = "✅ Đã ghi nhận hoàn thành: {title}\nTrạng thái: {status}"
UPDATED_PROGRESS = "⏳ Đã ghi nhận: {title} — đang thực hiện."
UPDATED_BLOCKED = "⚠️ Đã báo vướng mắc cho cán bộ điều phối: {title}\nNội dung: {note}"
UPDATED_EXTENSION = (
    "📅 Đã gửi đề nghị gia hạn «{title}» đến {date}. Cán bộ điều phối sẽ trả lời bạn."
)
UPDATED_SUBMISSION = (
    "📎 Đã nhận tệp báo cáo «{file}» cho «{title}». Nhiệm vụ được ghi nhận hoàn thành."
)
ALREADY_DONE = "Nhiệm vụ «{title}» đã hoàn thành trước đó."
ASK_BLOCK_REASON = (
    "⚠️ «{title}»\nHãy trả lời tin nhắn này bằng một dòng nêu vướng mắc (ví dụ: thiếu kinh phí)."
)
ASK_EXTENSION_DATE = (
    "📅 «{title}»\nHãy trả lời tin nhắn này bằng ngày xin gia hạn đến (ví dụ: {example})."
)
ASK_WHICH_MEANING = (
    "Bot chưa hiểu ý bạn về «{title}». Hãy bấm một nút bên dưới, hoặc trả lời ví dụ: "
    "«đã gửi báo cáo», «đang thực hiện», «vướng: ...», «xin gia hạn đến {example}»."
)
ASK_WHICH_TASK = "«{text}» — về việc nào? Bấm để chọn; bot ghi đúng như bạn đã viết."
ASK_WHICH_NUMBER = "Không có việc số {n}. «{text}» — về việc nào? Bấm để chọn."
ASK_WHICH_FILE = "📎 Tệp «{file}» là báo cáo của việc nào? Bấm để chọn."
ASK_WHICH_PAGE = " (trang {page}/{pages})"
ASK_DATE_PAST = "📅 {date} đã qua — ý anh/chị là {suggested}?"
ASK_DATE_JUST_GONE = "📅 {day} vừa qua ({date}) — ý anh/chị là {suggested}?"
ASK_DATE_FOR = "«{title}»: "
ASK_DATE_HINT = "Bấm «Đúng» để ghi ngày này, hoặc «Ngày khác» để ghi lại."
HELD_DONE_BEFORE = "Câu trả lời này đã được ghi nhận trước đó."
HELD_GONE = "Không tìm thấy câu trả lời này nữa. Hãy gửi lại."
REPLY_NOT_ABOUT_TASK = (
    "Tin nhắn bạn trả lời không gắn với nhiệm vụ nào. "
    "Gửi /viec rồi bấm vào việc, hoặc trả lời đúng tin nhắn nhắc việc."
)
PLAIN_MESSAGE_HINT = (
    "Bot chưa hiểu tin nhắn này. Để cập nhật tiến độ, hãy viết ví dụ «việc 1 đã xong», "
    "«việc 2 đang làm», «vướng: thiếu kinh phí», «xin gia hạn đến {example}», hoặc gửi "
    "/viec rồi bấm vào việc. Gửi /help để xem hướng dẫn."
)
EXTENSION_DATE_MISSING = (
    "Bạn xin gia hạn đến ngày nào? Hãy ghi rõ ngày, ví dụ: «xin gia hạn đến {example}»."
)
EXTENSION_DATE_INVALID = "Ngày không hợp lệ. Hãy ghi theo dạng ngày/tháng/năm, ví dụ {example}."
EXTENSION_DATE_PAST = "Ngày xin gia hạn phải sau hôm nay. Hãy ghi lại, ví dụ {example}."
DATE_OUT_OF_RANGE = (
    "Năm của ngày này không hợp lệ: bot chỉ nhận ngày trong các năm {first}–{last}. "
    "Hãy ghi lại, ví dụ {example}."
)
EXTENSION_NOT_LATER = "Ngày xin gia hạn phải sau hạn hiện tại ({date})."
BLOCK_NOTE_EMPTY = "Hãy ghi nội dung vướng mắc trong một dòng."
STALE_BUTTON = (
    "Nút này không còn hiệu lực (nhiệm vụ đã thay đổi hoặc không còn). "
    "Gửi /viec để xem danh sách mới."
)
BAD_BUTTON = "Nút không hợp lệ."
FILE_NOT_REPLY = "Để nộp báo cáo, hãy gửi tệp bằng cách trả lời (reply) tin nhắn về nhiệm vụ đó."
FILE_NO_OPEN_TASK = "Cơ quan không còn việc nào đang mở để nộp tệp «{file}». Chưa có gì thay đổi."
FILE_EMPTY = "Tệp «{file}» trống (0 byte) nên chưa được ghi nhận. Hãy gửi lại tệp báo cáo."
FILE_TOO_BIG = (
    "Tệp «{file}» lớn hơn 20 MB — giới hạn tải tệp của bot Telegram. Hãy nén lại hoặc gửi "
    "bản nhẹ hơn. Chưa có gì thay đổi."
)
FILE_BAD_TYPE = (
    "Tệp «{file}» không phải tài liệu báo cáo. Bot nhận Word, Excel, PDF, PowerPoint, "
    "văn bản, ảnh chụp và tệp nén (.zip, .rar, .7z). Chưa có gì thay đổi."
)
FILE_NO_NAME = "(không tên)"

# --- to coordinators ---------------------------------------------------------------------
NOTIFY_LINE = "🔔 {who} ({agency}) — «{title}»: {change}"
CHANGE_DONE = "{status}"
CHANGE_PROGRESS = "Đang thực hiện"
CHANGE_BLOCKED = "Vướng mắc — {note}"
CHANGE_EXTENSION = "Xin gia hạn đến {date}{note}"
CHANGE_SUBMISSION = "Nộp báo cáo «{file}» — {status}"
REPORT_FILE_CAPTION = "📎 {who} ({agency}) nộp báo cáo «{title}»: {file}\nTrạng thái: {status}"
EXTENSION_APPROVED_COORD = "✅ Đã đồng ý gia hạn «{title}» ({agency}) đến {date}."
EXTENSION_REFUSED_COORD = "❌ Đã từ chối gia hạn «{title}» ({agency})."
EXTENSION_APPROVED_OFFICIAL = "✅ Đề nghị gia hạn «{title}» đã được đồng ý. Hạn mới: {date}."
EXTENSION_REFUSED_OFFICIAL = "❌ Đề nghị gia hạn «{title}» không được đồng ý. Hạn vẫn là {date}."
EXTENSION_NOT_PENDING = "Đề nghị gia hạn này đã được xử lý hoặc không còn."
ASK_APPROVE_DATE = (
    "📅 Gia hạn «{title}» ({agency}) đến ngày nào? Trả lời tin nhắn này bằng ngày, ví dụ {example}."
)

# --- /tonghop: one message, the bodies most behind first, buttons to open one ---------------
SUMMARY_HEADER = "📊 Tổng hợp ngày {date}{scope}: {agencies} cơ quan, {tasks} nhiệm vụ"
SUMMARY_SCOPE = " — {scope}"
SUMMARY_DATED = "Có thời hạn ({count}): {counts}"
SUMMARY_STANDING = "🔁 Thường xuyên ({count}): {done} đã báo cáo thực hiện, {open} chưa"
SUMMARY_FLAGS = "⚠️ Vướng mắc: {blocked} · 📅 Xin gia hạn chờ trả lời: {extensions}"
SUMMARY_BEHIND_HEAD = "Cơ quan chậm nhất trước (trang {page}/{pages}):"
SUMMARY_BEHIND_HEAD_ONE = "Cơ quan chậm nhất trước:"
SUMMARY_BEHIND_ROW = "{n}. {agency}: {counts}"
SUMMARY_HINT = "Bấm tên cơ quan để xem chi tiết."
SUMMARY_LEGEND = (
    "🔴 Quá hạn · ⏳ Đang thực hiện · 🕒 Chưa đến hạn · ☑️ Hoàn thành quá hạn · "
    "✅ Hoàn thành đúng hạn · 🔁 Thường xuyên · ✔️ Thường xuyên đã thực hiện"
)
AGENCY_DETAIL_HEAD = "🏢 {agency} ({code}): {count} nhiệm vụ"
SUMMARY_OVERDUE = "🔴 Quá hạn: {title} (hạn {due}, quá {days} ngày)"
SUMMARY_BLOCKED = "⚠️ Vướng mắc: {title} — {note}"
SUMMARY_EXTENSION = "📅 Xin gia hạn: {title} → {date}"
SUMMARY_NO_TASKS = "không có nhiệm vụ"
SUMMARY_MORE_OVERDUE = "   … và {count} việc quá hạn khác (xem /quahan)"
SUMMARY_MORE = "   … và {count} việc khác"
SUMMARY_MORE_PEOPLE = "   … và {count} nơi khác"
SUMMARY_MORE_LINES = "… (còn {count} dòng)"
SUMMARY_EMPTY = 'Chưa có cơ quan nào. Thêm bằng lệnh: nhacviec agency add "Tên cơ quan".'
SUMMARY_CONTINUED = "(tiếp theo)"
BTN_AGENCY = "{n}. {name}"
BTN_BACK_TO_SUMMARY = "◀ Tổng hợp"
PAGE_OF = " — trang {page}/{pages}"

# --- /baocao: report files submitted ----------------------------------------------------------
FILES_HEADER = "📎 Tệp báo cáo đã nộp{scope}: {count}"
FILES_SCOPE = " — {ref}"
FILES_ROW = "{n}. {file}\n     {agency}: «{title}» ({date})"
FILES_HINT = "Bấm «Gửi lại tệp» để nhận lại tệp. Lọc: /baocao <cơ quan, nhóm hoặc nhiệm vụ>."
FILES_NONE = "Chưa có tệp báo cáo nào được nộp{scope}."
FILES_UNKNOWN_REF = (
    "Không có cơ quan, nhóm hay nhiệm vụ có tệp báo cáo «{ref}». Gửi /baocao để xem tất cả."
)
FILE_CAPTION = "📎 {file}\n{agency}: «{title}»\nNộp lúc {date}, bởi {who}"
BTN_RESEND_FILE = "📎 Gửi lại tệp {n}"

# --- command line ------------------------------------------------------------------------
CLI_AGENCY_ADDED = "Đã thêm cơ quan: {name} (mã {code})"
CLI_AGENCY_EXISTS = "Lỗi: cơ quan «{name}» đã có (mã {code})."
CLI_CODE_TAKEN = "Lỗi: mã {code} đã được dùng cho «{name}»."
CLI_CODE_INVALID = (
    "Lỗi: mã cơ quan chỉ gồm chữ cái không dấu, chữ số, «-» hoặc «_» (tối đa 32 ký tự)."
)
CLI_NAME_EMPTY = "Lỗi: tên cơ quan không được để trống."
CLI_AGENCY_UNKNOWN = "Lỗi: không có cơ quan «{ref}». Xem danh sách: nhacviec agency list"
CLI_AGENCY_LIST_EMPTY = "Chưa có cơ quan nào."
CLI_AGENCY_ROW = "{code:<10} {name}{requested}  ({contacts} liên hệ)"
CLI_REQUESTED_MARK = " [đề nghị]"
CLI_INVITE_CREATED = (
    "Mã mời cho {target} (dùng một lần, hết hạn {expires}):\n{link}\nMã: {code}\n"
    "Gửi đường link này cho người cần liên kết; họ chỉ cần bấm vào và nhấn Start."
)
CLI_INVITE_COORDINATOR = "cán bộ điều phối"
CLI_INVITE_NEEDS_AGENCY = "Lỗi: cần --agency MÃ, hoặc --coordinator cho mã mời cán bộ điều phối."
CLI_DAYS_INVALID = "Lỗi: số ngày hiệu lực phải từ 1 đến 365."
CLI_BAD_DATE = "Lỗi: ngày «{value}» không hợp lệ. Dùng dạng ngày/tháng/năm ({example}) hoặc {iso}."
CLI_DATE_OUT_OF_RANGE = (
    "Lỗi: ngày «{value}» ngoài khoảng cho phép: chỉ nhận ngày trong các năm {first}–{last}."
)
CLI_TITLE_EMPTY = "Lỗi: tên nhiệm vụ không được để trống."
CLI_TASK_ADDED = "Đã thêm nhiệm vụ #{id} cho {agency}: {title} (hạn {due})"
CLI_TASK_ROW = "#{id:<5} {due:<10}  {status:<20} {title}"
CLI_TASK_LIST_EMPTY = "Không có nhiệm vụ nào."
CLI_STATUS_AGENCY = "{agency} ({code})"
CLI_STATUS_ROW = "  #{id:<5} hạn {due:<10} {status:<20} cập nhật {updated}  {title}{flags}"
CLI_NO_TOKEN = (
    "Chưa có mã bot (token). Để có token: mở Telegram, tìm @BotFather, gửi /newbot, "
    "đặt tên và tên người dùng cho bot (kết thúc bằng «bot»); BotFather sẽ gửi một chuỗi "
    "dạng 123456789:ABC... Chép chuỗi đó vào tệp .env cạnh README (dòng "
    "TELEGRAM_BOT_TOKEN=...) rồi chạy lại «nhacviec run». Muốn thử mà không cần Telegram: "
    "chạy «nhacviec demo»."
)
CLI_BOT_STARTING = "Bot đang chạy (máy chủ Bot API: {server}). Nhấn Ctrl-C để dừng."
CLI_BOT_STARTING_WEBHOOK = (
    "Bot đang chạy, nhận cập nhật qua webhook {url} (lắng nghe tại {listen}; máy chủ Bot API: "
    "{server}). Nhấn Ctrl-C để dừng."
)
CLI_WEBHOOK_NO_URL = (
    "Lỗi: chạy với --webhook cần WEBHOOK_URL trong .env: địa chỉ https công khai mà Telegram "
    "gửi cập nhật tới, ví dụ https://nhacviec.example.gov.vn/telegram (xem README, mục webhook)."
)
CLI_WEBHOOK_BAD_SECRET = (
    "Lỗi: chạy với --webhook cần WEBHOOK_SECRET trong .env: 16–256 ký tự gồm chữ không dấu, số, "
    "- hoặc _ (ví dụ tạo bằng: openssl rand -hex 32)."
)
CLI_WEBHOOK_BAD_LISTEN = (
    "Lỗi: WEBHOOK_LISTEN phải có dạng máy:cổng, ví dụ 127.0.0.1:8443 (đang là «{listen}»)."
)
CLI_BOT_STOPPED = "Bot đã dừng."
CLI_BOT_STANDBY = (
    "Bot đang chạy (máy chủ Bot API: {server}), chỉ gửi tin: một tiến trình khác đang nhận "
    "tin nhắn; tiến trình này sẽ nhận thay khi tiến trình kia dừng. Nhấn Ctrl-C để dừng."
)
CLI_SERVER_UNREACHABLE = (
    "Lỗi: không kết nối được máy chủ Bot API {server}: {cause}. "
    "Kiểm tra TELEGRAM_API_BASE_URL và mạng rồi chạy lại."
)
CLI_NETWORK_CAUSES = {
    "bad_url": "địa chỉ không hợp lệ (phải bắt đầu bằng http:// hoặc https://)",
    "dns": "không tìm thấy tên máy chủ",
    "refused": "máy chủ không nhận kết nối",
    "timeout": "máy chủ không trả lời kịp",
    "other": "lỗi mạng",
}
CLI_TOKEN_REJECTED = (
    "Lỗi: máy chủ Bot API từ chối token. Kiểm tra lại TELEGRAM_BOT_TOKEN trong .env."
)
CLI_DB_FAILED = "Lỗi cơ sở dữ liệu {file}: {cause}."
CLI_DB_CAUSES = {
    "read_only": "tệp hoặc ổ đĩa chỉ cho đọc, không ghi được",
    "no_permission": "không có quyền đọc/ghi tệp hoặc thư mục chứa nó",
    "no_space": "ổ đĩa đã đầy",
    "cannot_open": "không mở được tệp (đường dẫn không tồn tại hoặc không dùng được)",
    "not_a_database": "tệp không phải cơ sở dữ liệu của nhacviec hoặc đã hỏng",
    "locked": "cơ sở dữ liệu đang bị khoá quá lâu",
    "unreachable": "không kết nối được máy chủ cơ sở dữ liệu",
    "io_error": "lỗi đọc/ghi ổ đĩa",
    "other": "không dùng được (chi tiết: chạy lại với -v)",
}
CLI_ALREADY_RUNNING = (
    "Lỗi: bot đã đang chạy trên cơ sở dữ liệu {file} (tiến trình {pid}). "
    "Dừng tiến trình đó trước, hoặc dùng PostgreSQL để chạy nhiều tiến trình."
)
CLI_SETTINGS_INVALID = "Lỗi cấu hình: giá trị của {name} không hợp lệ. Kiểm tra tệp .env."
CLI_UNEXPECTED = "Lỗi không mong đợi khi chạy bot ({kind}). Chạy lại với -v để xem chi tiết."

# --- domain errors, by code (services/errors.py) -----------------------------------------
ERRORS = {
    "agency_unknown": CLI_AGENCY_UNKNOWN,
    "agency_exists": CLI_AGENCY_EXISTS,
    "code_taken": CLI_CODE_TAKEN,
    "code_invalid": CLI_CODE_INVALID,
    "name_empty": CLI_NAME_EMPTY,
    "title_empty": CLI_TITLE_EMPTY,
    "days_invalid": CLI_DAYS_INVALID,
    "invite_needs_agency": CLI_INVITE_NEEDS_AGENCY,
    "invite_wrong": INVITE_WRONG,
    "invite_wait": INVITE_WAIT,
    "invite_coordinator_group": INVITE_COORDINATOR_GROUP,
    "task_unknown": STALE_BUTTON,
    "not_your_task": NOT_YOUR_TASK,
    "coordinator_only": COORDINATOR_ONLY,
    "not_linked": NOT_LINKED,
    "block_note_empty": BLOCK_NOTE_EMPTY,
    "date_missing": EXTENSION_DATE_MISSING,
    "date_invalid": EXTENSION_DATE_INVALID,
    "date_past": EXTENSION_DATE_PAST,
    "date_ambiguous": EXTENSION_DATE_PAST,
    "date_out_of_range": DATE_OUT_OF_RANGE,
    "file_empty": FILE_EMPTY,
    "file_too_big": FILE_TOO_BIG,
    "file_bad_type": FILE_BAD_TYPE,
    "no_open_task": FILE_NO_OPEN_TASK,
    "not_later": EXTENSION_NOT_LATER,
    "extension_not_pending": EXTENSION_NOT_PENDING,
    "bad_action": BAD_BUTTON,
    "busy": "Việc này đang được người khác cập nhật cùng lúc. Vui lòng thử lại sau giây lát.",
    "event_name_empty": "Lỗi: tên sự kiện không được để trống.",
    "lead_invalid": (
        "Lỗi: số ngày nhắc trước phải là các số nguyên không âm, cách nhau bằng dấu phẩy."
    ),
    "plan_not_draft": "Bản nháp này đã được xử lý (kích hoạt hoặc huỷ) trước đó.",
    "not_your_answer": "Câu hỏi này dành cho người đã gửi tin nhắn.",
}


def error_text(code: str, /, **params: object) -> str:
    """The Vietnamese sentence for a domain error; dates in params are shown dd/mm/yyyy."""
    shown = {
        k: (
            date_vn(v.astimezone(VN_TZ).date() if isinstance(v, dt.datetime) else v)
            if isinstance(v, dt.date)
            else v
        )
        for k, v in params.items()
    }
    if "date" not in shown:
        shown["date"] = shown.get("due", shown.get("expires", ""))
    if "example" not in shown:
        shown["example"] = example_date()
    if "first" not in shown:
        from services.clock import today_vn
        from services.parsing import YEARS_AHEAD, YEARS_BACK

        year = today_vn().year
        shown["first"], shown["last"] = year - YEARS_BACK, year + YEARS_AHEAD
    template = (
        ERRORS.get(code)
        or DOCUMENT_ERRORS.get(code)
        or BROADCAST_ERRORS.get(code)
        or PLAN_DRAFT_ERRORS.get(code)
        or SOMETHING_WRONG
    )
    return template.format(**shown)


COORDINATOR_NO_AGENCY = (
    "Bạn là cán bộ điều phối, không gắn với cơ quan nào. Gửi /tonghop để xem tổng hợp."
)
CLI_BOT_USERNAME_HINT = (
    "(Không hỏi được tên bot từ máy chủ Bot API: {error}. Ghi TELEGRAM_BOT_USERNAME vào .env "
    "để đường link mời đúng tên bot.)"
)
CLI_BOT_USERNAME_TOKEN = "máy chủ từ chối token"
CLI_BOT_USERNAME_UNKNOWN = "TEN_BOT"  # placeholder in an invite link when the bot's name is unknown

# --- reminders (jobs/reminders.py) ------------------------------------------------------
REMINDER_HEAD = "⏰ Nhắc việc — {agency}"
REMINDER_HEAD_DUE = "⏰ Hôm nay là hạn — {agency}"
REMINDER_HEAD_OVERDUE = "🔴 Nhắc việc quá hạn — {agency}"
REMINDER_LATE = "(Nhắc bù: bot tạm ngừng nên tin này gửi muộn.)"
REMINDER_BODY = "📌 {title}\nHạn: {due}\nTrạng thái: {status}"
REMINDER_ASK_ORDER = (
    "Đề nghị hoàn thành đúng hạn và cập nhật tiến độ: bấm nút bên dưới, "
    "hoặc trả lời tin nhắn này (ví dụ «đã gửi báo cáo»)."
)
REMINDER_ASK_REQUEST = (
    "Kính đề nghị Quý cơ quan quan tâm phối hợp thực hiện và cho biết tiến độ: bấm nút bên dưới, "
    "hoặc trả lời tin nhắn này. Trân trọng cảm ơn!"
)
ESCALATION = (
    "🚨 {agency} quá hạn {days} ngày làm việc: «{title}» (hạn {due}). Trạng thái: {status}."
)
EVENT_HEAD = "📅 {name}"
EVENT_WHEN_DAY = "Ngày: {date} — {left}"
EVENT_WHEN_RANGE = "Từ {start} đến {end} — {left}"
EVENT_LUNAR = "Âm lịch: {lunar}"
EVENT_REPORT_HEAD = "📝 Hạn nộp: {name}"
EVENT_ASK_ORDER = "Đề nghị chủ động xây dựng kế hoạch, chuẩn bị và triển khai các hoạt động."
EVENT_ASK_REQUEST = (
    "Kính đề nghị Quý cơ quan quan tâm phối hợp triển khai các hoạt động. Trân trọng cảm ơn!"
)
EVENT_ASK_REPORT_ORDER = "Đề nghị gửi báo cáo đúng hạn."
EVENT_ASK_REPORT_REQUEST = "Kính đề nghị Quý cơ quan gửi báo cáo đúng hạn. Trân trọng cảm ơn!"
DIGEST_HEADER = "🗓 Bản tin đầu tuần — {date}"
DIGEST_UPCOMING = "Hạn trong 14 ngày tới:"
DIGEST_UPCOMING_ROW = "• {due} — {agency}: {title}"
DIGEST_OVERDUE = "Quá hạn:"
DIGEST_OVERDUE_ROW = "• {agency}: {title} (hạn {due}, quá {days} ngày)"
DIGEST_BLOCKED = "Vướng mắc:"
DIGEST_BLOCKED_ROW = "• {agency}: {title} — {note}"
DIGEST_EXTENSIONS = "Xin gia hạn chờ trả lời:"
DIGEST_EXTENSION_ROW = "• {agency}: {title} → {date}"
DIGEST_UNREACHABLE = "Cơ quan chưa có liên hệ nhận được tin:"
DIGEST_UNREACHABLE_ROW = "• {agency}"
DIGEST_NONE = "  (không có)"
DIGEST_MORE = "• … và {count} việc khác"
STANDING_HEAD = (
    "🔁 Nhiệm vụ thường xuyên — {agency}\n"
    "Trước hạn {report} ({date}), đề nghị cho biết tình hình {count} nhiệm vụ thường xuyên: "
    "bấm từng việc, hoặc trả lời tin này, ví dụ «việc 1 đang thực hiện»."
)
STANDING_HEAD_REQUEST = (
    "🔁 Nhiệm vụ thường xuyên — {agency}\n"
    "Trước hạn {report} ({date}), kính đề nghị Quý cơ quan cho biết tình hình {count} nhiệm "
    "vụ thường xuyên: bấm từng việc, hoặc trả lời tin này, ví dụ «việc 1 đang thực hiện»."
)
AGENCY_UNREACHABLE = (
    "⚠️ {agency} không còn liên hệ nào nhận được tin của bot ({who}: {reason}). "
    "Hãy nhắn họ bấm /start lại, hoặc cấp mã mời mới."
)
UNREACHABLE_REASON_BLOCKED = "đã chặn bot hoặc chưa bấm Start"

# --- calendar, schedule and events (CLI and chat) ----------------------------------------
REMINDER_KIND = {"before": "trước hạn", "due_day": "ngày đến hạn", "overdue": "quá hạn"}
CLI_SCHEDULE_HEADER = "Lịch nhắc cho hạn {due} (theo cài đặt hiện tại):"
CLI_SCHEDULE_ROW = "  {when}  {kind}{detail}"
CLI_SCHEDULE_BEFORE = " — còn {days} ngày"
CLI_SCHEDULE_OVERDUE = " — lần {n}"
CLI_CALENDAR_HEADER = "Lịch sự kiện năm {year}:"
CLI_CALENDAR_ROW = "  {when:<25} {name}{lunar}{scope}"
CLI_CALENDAR_LUNAR = " (âm lịch {lunar})"
CLI_CALENDAR_SCOPE = " [{codes}]"
CLI_CALENDAR_NOTICES = "      nhắc trước: {dates}"
CLI_EVENT_ADDED = "Đã thêm sự kiện «{name}» ngày {date}{scope}. Nhắc trước: {notices}."
CLI_EVENT_ALL = " cho tất cả cơ quan"
CLI_EVENT_SOME = " cho {codes}"
CLI_EVENT_NAME_EMPTY = "Lỗi: tên sự kiện không được để trống."
CLI_LEAD_INVALID = (
    "Lỗi: số ngày nhắc trước phải là các số nguyên không âm, "
    "cách nhau bằng dấu phẩy (ví dụ 30,14,7,0)."
)
EVENT_USAGE = (
    "Thêm sự kiện: /sukien <ngày> <tên>, ví dụ: /sukien {example} Diễn đàn trẻ em tỉnh\n"
    "Sự kiện sắp tới:\n{events}"
)
EVENT_ASK_DATE = "Hãy gửi lại lệnh với ngày đúng, ví dụ: /sukien {example} Diễn đàn trẻ em tỉnh"
EVENT_LIST_ROW = "• {date}: {name}"
EVENT_LIST_NONE = "(chưa có)"
EVENT_ADDED_CHAT = (
    "✅ Đã thêm sự kiện «{name}» ngày {date} cho tất cả cơ quan. Bot sẽ nhắc trước {leads} ngày."
)

# --- plan import (CLI and chat) -------------------------------------------------------------
DOCUMENT_DOWNLOAD_FAILED = (
    "Bot chưa tải được tệp từ Telegram (mạng chậm hoặc gián đoạn). Không có gì được ghi lại; "
    "hãy gửi lại tệp sau ít phút."
)
DOCUMENT_ERRORS = {
    "empty": "Tệp trống — không có nội dung để đọc.",
    "binary": (
        "Tệp này không phải văn bản (Word .docx, PDF có chữ hoặc .txt) nên bot không đọc được."
    ),
    "too_large": "Tệp quá lớn (tối đa 20 MB).",
    "too_big_unpacked": (
        "Tệp .docx này khi giải nén quá lớn (tối đa 8 MB nội dung) nên bot không đọc. "
        "Không có gì được ghi lại."
    ),
    "too_long": (
        "Văn bản quá dài (tối đa 2 triệu ký tự, 50.000 dòng, mỗi đoạn 20.000 ký tự) nên bot "
        "không đọc. Không có gì được ghi lại."
    ),
    "scanned_pdf": (
        "Tệp PDF này là bản scan (ảnh chụp), không có lớp chữ nên bot không đọc được. "
        "Hãy gửi bản Word (.docx) hoặc PDF xuất trực tiếp từ Word."
    ),
    "unsupported_type": (
        "Bot chỉ đọc tệp .docx, .pdf có chữ và .txt. Với tệp .doc cũ, hãy lưu lại thành .docx."
    ),
    "corrupt": "Tệp bị hỏng hoặc có mật khẩu nên bot không mở được.",
    "not_a_plan": (
        "Văn bản này không giống một kế hoạch: không tìm thấy phần «TỔ CHỨC THỰC HIỆN» hay "
        "«PHÂN CÔNG NHIỆM VỤ» với các cơ quan được giao việc. Không có gì được ghi lại."
    ),
    "unreadable": "Không đọc được tệp: {error}",
}
PLAN_WARNINGS = {
    "no_number": "số kế hoạch",
    "no_issue_date": "ngày ban hành",
    "no_year": "năm của kế hoạch",
    "no_authority": "cơ quan ban hành",
    "no_coordinator": "cơ quan đầu mối nhận báo cáo",
    "no_dated_deadline": "hạn báo cáo có ghi ngày (bot không tự đặt hạn)",
    "deadline_without_year": "năm của một số hạn báo cáo (đã lấy theo năm kế hoạch)",
    "agency_without_tasks": "nhiệm vụ của một số cơ quan",
    "irregular_numbering": "số thứ tự các mục không liên tục (đã xử lý)",
    "no_org_section": "phần tổ chức thực hiện",
    "no_agencies": "cơ quan được giao việc",
}
PLAN_REVIEW_HEAD = "📄 Kế hoạch {number} — {authority}{year}"
PLAN_NO_NUMBER = "(không rõ số)"
PLAN_NO_AUTHORITY = "(không rõ cơ quan ban hành)"
PLAN_YEAR = ", năm {year}"
PLAN_ISSUED = "Ngày ban hành: {date}"
PLAN_COORDINATOR = "Cơ quan đầu mối: {name}"
PLAN_AGENCIES = "{agencies} cơ quan, {tasks} nhiệm vụ:"
PLAN_AGENCY_ROW = "{n}. {name} — {count} việc{requested}{notes}"
PLAN_REQUESTED = " (đề nghị)"
PLAN_AGENCY_NOTES = {
    "many_bodies": " ⚠️ nhiều cơ quan?",
    "unknown_name": " ⚠️ có phải cơ quan?",
}
PLAN_NO_TASKS_MARK = " ⚠️ chưa có việc"
PLAN_MORE_AGENCIES = "… và {count} cơ quan khác (đều đã có việc)"
PLAN_DEADLINES = "Hạn báo cáo:"
PLAN_DEADLINE_ROW = "H{n}. {date} — {title} — {owners}{recurrence}"
PLAN_DEADLINE_RELATIVE = "H{n}. (tính từ khi nhận kế hoạch) {text} — {owners}"
PLAN_DEADLINE_AFTER_EVENT = "H{n}. (không có ngày) {text} — {owners}"
PLAN_OWNERS_ALL = "mọi cơ quan"
PLAN_OWNERS_ALL_BUT = "mọi cơ quan trừ {name}"
PLAN_OWNERS_SOME = "{count} cơ quan"
PLAN_OWNERS_NONE = "⚠️ chưa rõ cơ quan nào"
PLAN_RECURRENCE = {"yearly": ", hằng năm", "quarterly": ", hằng quý", "monthly": ", hằng tháng"}
PLAN_NO_DEADLINES = "Hạn báo cáo: không có ngày cụ thể — bot sẽ không tự đặt hạn."
PLAN_PAST_ALL = (
    "⚠️ Các hạn báo cáo đã qua: kế hoạch năm {year}? "
    "Kích hoạt cả hạn đã qua hay không là do anh/chị chọn."
)
PLAN_PAST_SOME = "⚠️ {count} hạn báo cáo đã qua."
PLAN_EVENTS = "Sự kiện nhắc đến: {events}"
PLAN_TARGETS = "Chỉ tiêu: {count}"
PLAN_MISSING = "Chưa tìm thấy: {items}."
PLAN_CHECK = "Cần xem lại: {items}."
PLAN_CHECK_MANY = "dòng {n} có thể gồm nhiều cơ quan (tách: /suakh tach {n} Tên 1; Tên 2)"
PLAN_CHECK_UNKNOWN = "dòng {n} có phải là cơ quan? (bỏ: /suakh bo {n})"
PLAN_CHECK_NO_BODY = "chưa đọc được cơ quan nào (thêm: /suakh them Tên cơ quan)"
PLAN_REVIEW_ASK = (
    "Kiểm tra rồi bấm «Kích hoạt» để tạo nhiệm vụ và lịch nhắc, hoặc «Huỷ bản nháp». "
    "Sửa bản nháp bằng /suakh (bấm «✏️ Sửa» để xem cách)."
)
PLAN_ACTIVATED = (
    "✅ Đã kích hoạt kế hoạch: {created} cơ quan mới, {matched} cơ quan đã có; "
    "{tasks} nhiệm vụ mới, {updated} cập nhật, {unchanged} không đổi; {reports} hạn báo cáo mới."
)
PLAN_ACTIVATED_PAST = " {count} hạn báo cáo đã qua không được tạo."
PLAN_ACTIVATED_SAME = "✅ Kế hoạch này đã có đủ trong hệ thống — không có gì thay đổi."
PLAN_UNCHANGED_DRAFT = "Kế hoạch này đã có bản nháp #{id} giống hệt — không lưu thêm. Bản nháp đó:"
PLAN_DISCARDED = "🗑 Đã huỷ bản nháp kế hoạch."
PLAN_NOT_DRAFT = "Bản nháp này đã được xử lý (kích hoạt hoặc huỷ) trước đó."
PLAN_READING = "📄 Đang đọc «{file}»…"
BTN_ACTIVATE_FUTURE = "✅ Kích hoạt (bỏ hạn đã qua)"
BTN_ACTIVATE_ALL = "✅ Kích hoạt cả hạn đã qua"
BTN_EDIT_DRAFT = "✏️ Sửa"
PLAN_EDIT_HELP = (
    "Sửa bản nháp #{id}: gửi /suakh và một lệnh (số theo bản nháp):\n"
    "• /suakh ten 3 Sở Tư pháp — đổi tên dòng 3\n"
    "• /suakh tach 9 Viện kiểm sát nhân dân tỉnh; Tòa án nhân dân tỉnh — tách dòng 9 "
    "thành hai cơ quan cùng các việc\n"
    "• /suakh gop 3 4 — gộp dòng 4 vào dòng 3\n"
    "• /suakh bo 5 — bỏ dòng 5 (không phải cơ quan)\n"
    "• /suakh them Sở Nội vụ — thêm một cơ quan\n"
    "• /suakh chuyen 2.3 5 — chuyển việc thứ 3 của dòng 2 sang dòng 5\n"
    "• /suakh han 1 tatca | daumoi | 2,5 — hạn H1 do mọi cơ quan, cơ quan đầu mối, "
    "hoặc dòng 2 và 5 báo cáo\n"
    "• /suakh denghi 4 — dòng 4 là cơ quan được «đề nghị» (hoặc bỏ)\n"
    "• /suakh daumoi 2 — dòng 2 là cơ quan đầu mối\n"
    "Có nhiều bản nháp: /suakh #{id} ten 3 ..."
)
PLAN_NO_DRAFT = "Không có bản nháp kế hoạch nào để sửa. Hãy gửi tệp kế hoạch trước."
PLAN_DRAFT_ERRORS = {
    "draft_edit_invalid": (
        "Không hiểu lệnh sửa này. Gửi /suakh để xem các lệnh (ví dụ: /suakh ten 3 Sở Tư pháp)."
    ),
    "draft_no_body": "Bản nháp không có dòng {number}.",
    "draft_no_deadline": "Bản nháp không có hạn H{number}.",
    "draft_no_task": "Dòng {number} không có việc thứ {task}.",
    "draft_name_taken": "Bản nháp đã có cơ quan «{name}».",
    "draft_no_coordinator": (
        "Bản nháp chưa có cơ quan đầu mối trong danh sách (/suakh daumoi <số>)."
    ),
    "too_complex": (
        "Văn bản này quá dài hoặc quá rối để đọc như một kế hoạch (quá thời gian cho phép). "
        "Không có gì được ghi lại."
    ),
}
CLI_PLAN_SENT = "Đã lưu bản nháp #{id} và gửi cho {count} cán bộ điều phối để duyệt trên Telegram."
CLI_PLAN_NO_COORDINATOR = (
    "Đã lưu bản nháp #{id}. Chưa có cán bộ điều phối nào liên kết với bot: tạo mã mời bằng "
    "«nhacviec invite create --coordinator», hoặc kích hoạt ngay: nhacviec plan activate {id}"
)
CLI_PLAN_UNCHANGED = "Kế hoạch này đã có trong hệ thống (#{id}, {state}) — không có gì thay đổi."
CLI_PLAN_STATES = {"draft": "bản nháp", "active": "đang áp dụng"}
CLI_PLAN_EDITED = "Đã sửa bản nháp #{id}:"
CLI_PLAN_HELP = {
    "plan_show": "xem một bản nháp hay kế hoạch (số dòng dùng để sửa)",
    "plan_edit": "sửa bản nháp, ví dụ: nhacviec plan edit 3 ten 2 Sở Tư pháp (xem README)",
    "edit_words": "lệnh sửa: ten, tach, gop, bo, them, chuyen, han, denghi, daumoi",
    "edit_metavar": "LỆNH",
    "past": "tạo cả các hạn báo cáo đã qua",
}
CLI_FILE_MISSING = "Lỗi: không có tệp «{path}»."

# --- broadcasts, summaries, exports (coordinators) ------------------------------------------
BROADCAST_USAGE = (
    "Gửi thông báo:\n"
    "• /thongbao <nội dung> — gửi tất cả cơ quan\n"
    "• /thongbao SYT,STP: <nội dung> — gửi các cơ quan theo mã\n"
    "• /thongbao Các sở: <nội dung> — gửi một nhóm đã lưu\n"
    "• Trả lời (reply) một tệp hoặc ảnh bằng /thongbao để gửi tệp/ảnh đó kèm chú thích.\n"
    "Bot sẽ cho xem trước và hỏi xác nhận trước khi gửi."
)
BROADCAST_PREVIEW = (
    "📣 Xem trước thông báo\n"
    "Gửi tới: ✓ {target} — {agencies} cơ quan, {count} người nhận{unreachable}\n"
    "Người nhận sẽ thấy:\n"
    "────────\n{body}\n────────\n"
    "Chọn nơi nhận bên dưới nếu cần (nơi đang chọn có dấu ✓), rồi bấm «Gửi»."
)
BROADCAST_SENT = "📣 Đã gửi thông báo #{id} tới {target}:\n────────\n{body}\n────────"
BROADCAST_FROM_BODY = "📣 Thông báo của {body} ({person}):"
BROADCAST_FROM_PERSON = "📣 Thông báo của cán bộ điều phối {person}:"
BTN_TARGET_CHOSEN = "✓ {label}"
BROADCAST_PREVIEW_UNREACHABLE = " ({count} nơi chưa liên lạc được)"
BROADCAST_TARGET_ALL = "tất cả cơ quan"
BROADCAST_TARGET_GROUP = "nhóm «{name}»"
BROADCAST_TARGET_AGENCIES = "các cơ quan {codes}"
BROADCAST_FILE = "[{kind}] {caption}"
BROADCAST_FILE_KIND = {"document": "Tệp", "photo": "Ảnh"}
BTN_SEND = "✅ Gửi"
BTN_CANCEL = "❌ Huỷ"
BTN_TARGET_ALL = "Tất cả ({count})"
BTN_TARGET_GROUP = "Nhóm: {name}"
BROADCAST_CANCELLED = "Đã huỷ, không gửi."
BROADCAST_NOBODY = "Không có người nhận nào liên lạc được trong nơi nhận đã chọn."
BROADCAST_PROGRESS = "📣 Đang gửi thông báo: {done}/{total} (đã nhận {delivered}, lỗi {failed})…"
BROADCAST_REPORT = (
    "📣 Báo cáo gửi thông báo #{id} ({date})\n"
    "Gửi được: {delivered}/{total}\n"
    "Đã bấm «Đã nhận»: {acked}"
)
BROADCAST_REPORT_FAILED = "Không gửi được ({count}):"
BROADCAST_REPORT_FAILED_ROW = "• {who} — {reason}"
BROADCAST_REPORT_UNCERTAIN = (
    "Không chắc đã nhận (Telegram không trả lời, hoặc bot bị ngắt giữa lúc gửi; "
    "không gửi lại để tránh trùng) ({count}):"
)
BROADCAST_REPORT_UNREACHABLE = "Chưa liên lạc được ({count}):"
BROADCAST_REPORT_UNREACHABLE_ROW = "• {who}"
BROADCAST_REPORT_ACKED = "Đã xác nhận: {names}"
BROADCAST_REASON = {
    "blocked": "đã chặn bot",
    "not_started": "chưa bấm Start",
    "chat not found": "không tìm thấy cuộc trò chuyện",
    "unreachable": "không liên lạc được",
}
BROADCAST_REASON_OTHER = "lỗi máy chủ Telegram"
BROADCAST_NO_CONTACT = "chưa có ai bấm Start"
ACK_THANKS = "Cảm ơn, đã ghi nhận."
ACK_UNKNOWN = "Không tìm thấy thông báo này."
BROADCAST_ERRORS = {
    "broadcast_empty": "Thông báo chưa có nội dung.",
    "broadcast_too_long": "Thông báo quá dài (tối đa {limit} ký tự).",
    "broadcast_unknown": "Không tìm thấy bản nháp thông báo này.",
    "broadcast_not_draft": "Thông báo này đã được gửi hoặc đã huỷ.",
    "group_name_empty": "Tên nhóm không được để trống.",
    "group_empty": "Nhóm cần ít nhất một cơ quan.",
    "bad_target": "Nơi nhận không hợp lệ.",
}
GROUP_USAGE = (
    "Lưu nhóm: /nhom <tên nhóm>: <mã cơ quan, cách nhau bằng dấu phẩy>\nCác nhóm đã có:\n{groups}"
)
GROUP_ROW = "• {name}: {codes}"
GROUP_NONE = "(chưa có nhóm nào)"
GROUP_SAVED = "✅ Đã lưu nhóm «{name}» gồm {count} cơ quan: {codes}."
CLI_GROUP_SAVED = "Đã lưu nhóm «{name}» gồm {count} cơ quan: {codes}."
OVERDUE_HEADER = "🔴 Quá hạn ngày {date}: {count} việc của {agencies} cơ quan{page}"
OVERDUE_AGENCY = "▪️ {agency} ({count}):"
OVERDUE_ROW = "   • {title} (hạn {due}, quá {days} ngày)"
OVERDUE_NONE = "🎉 Không có nhiệm vụ nào quá hạn."
SILENT_HEADER = "🔕 Cơ quan chưa từng trả lời, và liên hệ không liên lạc được ({date})"
SILENT_NEVER_ANSWERED = "Chưa từng cập nhật nhiệm vụ nào ({count}):"
SILENT_NO_CONTACT = "Chưa có ai bấm Start ({count}):"
SILENT_BLOCKED = "Đã chặn bot / không gửi được ({count}):"
SILENT_ROW = "• {name}"
SILENT_CONTACT_ROW = "• {agency} — {who}"
SILENT_NONE = "  (không có)"
SUMMARY_FILTER_UNKNOWN = "Không có cơ quan hay nhóm «{ref}». Gửi /tonghop để xem tất cả."
EXPORT_CAPTION = "📊 Tổng hợp nhiệm vụ ngày {date}"
EXPORT_FILENAME = "nhacviec_tong_hop_{date}.xlsx"
CHART_CAPTION = "📈 Tiến độ theo cơ quan ngày {date}"
CHART_TITLE = "Tiến độ nhiệm vụ theo cơ quan — {date}"
CLI_EXPORT_DONE = "Đã xuất {path} ({tasks} nhiệm vụ, {agencies} cơ quan)."

# --- offline demo ----------------------------------------------------------------------------
DEMO_TITLE = "=== nhacviec — chạy thử không cần Telegram ==="
DEMO_STARTING = "Đang khởi động máy chủ Bot API giả lập, cơ sở dữ liệu tạm và bot…"
DEMO_INTRO = "Máy chủ Bot API giả lập: {url}\nCơ sở dữ liệu tạm: {db}"
DEMO_PLAN = (
    "Đã nhập và kích hoạt kế hoạch mẫu «{file}» cho năm {year}: {agencies} cơ quan, "
    "{tasks} nhiệm vụ. Hôm nay: {today}."
)
DEMO_STEP = {
    "link": "\n--- 1. Cán bộ điều phối và hai cán bộ cơ quan bấm đường link mời ---",
    "list": "\n--- 2. Cán bộ xem danh sách việc của cơ quan ---",
    "reminder": "\n--- 3. Tua nhanh đến lần nhắc việc tiếp theo: {when} ---",
    "reply": "\n--- 4. Cán bộ trả lời tin nhắc việc bằng lời ---",
    "file": "\n--- 5. Cán bộ gửi tệp báo cáo; tệp đến cán bộ điều phối ---",
    "summary": "\n--- 6. Cán bộ điều phối xem tổng hợp ---",
}
DEMO_PRESS = "[bấm nút «{label}»]"
DEMO_OTHER_NOTICES = "(trong lúc tua nhanh, bot cũng gửi {count} tin báo sự kiện đến hạn)"
DEMO_FILE_SENT = "[gửi tệp «{name}», trả lời tin nhắc việc]"
DEMO_FILE_RECEIVED = "[tệp «{name}»]"
DEMO_NO_REMINDER = "(không còn lần nhắc nào đang chờ — các hạn đều đã xong)"
DEMO_REPLY_PROGRESS = "Đang thực hiện, tuần sau gửi báo cáo"
DEMO_REPLY_EXTENSION = "xin gia hạn đến {date}"
DEMO_REPORT_FILE = "Bao_cao_cong_tac_tre_em_So_Y_te.docx"
DEMO_DONE = "\n=== Xong phần chạy thử. Mọi tin nhắn trên đi qua HTTP thật tới máy chủ giả lập. ==="
DEMO_KEEP = (
    "Bot vẫn chạy (máy chủ giả lập {url}). Điều khiển qua /_fake/… (xem README). "
    "Nhấn Ctrl-C để dừng."
)
DEMO_FAILED = "Chạy thử dừng giữa chừng: {error}"

# --- Excel export (services/export.py ExportLabels), keyed like its fields ---------------
EXPORT_TEXTS: dict = {
    "sheet_agencies": "Theo cơ quan",
    "sheet_tasks": "Theo nhiệm vụ",
    "sheet_history": "Lịch sử",
    "col_agency_code": "Mã cơ quan",
    "col_agency_name": "Tên cơ quan",
    "col_task_count": "Số nhiệm vụ",
    "col_reachable": "Liên hệ nhận được tin",
    "col_completion": "Tỷ lệ hoàn thành",
    "col_task_id": "Mã nhiệm vụ",
    "col_agency": "Cơ quan",
    "col_title": "Nhiệm vụ",
    "col_due": "Hạn",
    "col_status": "Trạng thái",
    "col_days_left": "Số ngày còn lại (âm: quá hạn)",
    "col_block_note": "Nội dung vướng mắc",
    "col_extension_date": "Xin gia hạn đến",
    "col_updated": "Cập nhật lần cuối",
    "col_time": "Thời gian",
    "col_action": "Hành động",
    "col_from": "Từ",
    "col_to": "Thành",
    "col_note": "Ghi chú",
    "col_who": "Người thực hiện",
    # TaskEvent.action -> label; "blocked" and "extension_requested" are the flags.
    "actions": {
        "created": "Tạo nhiệm vụ",
        "progress": "Cập nhật tiến độ",
        "extension_approved": "Đồng ý gia hạn",
        "extension_refused": "Từ chối gia hạn",
        "extension_withdrawn": "Rút đề nghị gia hạn",
        "submission": "Nộp tệp báo cáo",
        "title": "Sửa tên nhiệm vụ (kế hoạch mới)",
        "due": "Đổi hạn (kế hoạch mới)",
        "title_edited": "Sửa tên nhiệm vụ",
        "due_edited": "Đổi hạn",
        "cancelled": "Huỷ nhiệm vụ",
        "moved": "Chuyển cơ quan",
    },
    # Task.progress values, as shown in the from/to columns of the history.
    "progress_values": {
        "open": "Chưa thực hiện",
        "in_progress": "Đang thực hiện",
        "done": "Hoàn thành",
    },
    "yes": "Có",
    "no": "Không",
    # Notes the system writes in English into TaskEvent.note (services/tasks.py).
    "system_notes": {
        "resolved: done": "Hết vướng mắc: đã hoàn thành",
        "report file": "Đã nộp tệp báo cáo",
    },
    "system_actor": "Hệ thống",
    # The title row of every sheet, the plan as the title and the history name it, the
    # report file of a history row, the footer of a printed page.
    "title": "{plan} — tình hình thực hiện, xuất lúc {time} ngày {date}",
    "title_no_plan": "Tình hình thực hiện nhiệm vụ, xuất lúc {time} ngày {date}",
    "plan_name": "Kế hoạch",
    "plan_number": "số {number}",
    "plan_year": "năm {year}",
    "plan_authority": "của {authority}",
    "plan_unknown": "kế hoạch #{id}",
    "plan_note": "Theo {plan}",
    "file_note": "Tệp: {file}",
    "page_footer": "{sheet} — trang {page}/{pages}",
}

# --- completion chart (services/chart.py) ---------------------------------------------
CHART_TEXTS: dict[str, str] = {
    "xlabel": "Số nhiệm vụ",
    "truncated": "({shown}/{total} cơ quan có nhiều việc chưa hoàn thành nhất)",
    "empty": "Chưa có cơ quan nào.",
    "bar_end": "{done}/{total} ({rate}%)",
    "bar_end_standing": "TX {done}/{total}",
}

# --- command-line help -------------------------------------------------------------------
CLI_BAD_ARGUMENTS = "Lỗi: tham số không hợp lệ ({message}). Xem: {prog} --help"
CLI_HELP = {
    "program": "nhacviec — nhắc việc kế hoạch bảo vệ, chăm sóc trẻ em",
    "agency": "cơ quan",
    "agency_add": "thêm cơ quan",
    "requested": "cơ quan được «đề nghị» (lời nhắc lịch sự)",
    "agency_list": "danh sách cơ quan",
    "invite": "mã mời",
    "invite_create": "tạo mã mời dùng một lần",
    "task": "nhiệm vụ",
    "task_add": "thêm nhiệm vụ",
    "task_reminders": "lịch nhắc riêng: số ngày trước hạn, ví dụ 7,3,0",
    "task_list": "danh sách nhiệm vụ",
    "status": "tình hình từng cơ quan",
    "schedule": "các lần nhắc của một hạn",
    "due_time": "giờ hạn, HH:MM (mặc định cuối ngày)",
    "calendar": "lịch sự kiện trong năm",
    "event": "sự kiện",
    "event_add": "thêm sự kiện",
    "event_agencies": "mã cơ quan, cách nhau bằng dấu phẩy (mặc định: tất cả)",
    "event_lead": "số ngày nhắc trước, ví dụ 30,14,7,0",
    "event_forum": "Diễn đàn trẻ em: kèm hạn báo cáo sau 15 ngày",
    "plan": "kế hoạch",
    "plan_import": "đọc kế hoạch từ tệp .docx, .pdf hoặc .txt",
    "dry_run": "chỉ đọc và in kết quả, không lưu",
    "plan_activate": "kích hoạt bản nháp kế hoạch",
    "group": "nhóm cơ quan",
    "group_add": "lưu nhóm cơ quan (thay nhóm cùng tên)",
    "group_agencies": "mã cơ quan, cách nhau bằng dấu phẩy",
    "export": "xuất bảng Excel",
    "run": "chạy bot",
    "demo": "chạy thử toàn bộ, không cần Telegram",
    "demo_keep": "tiếp tục chạy sau hội thoại mẫu",
    "fake_telegram": "máy chủ Bot API giả lập để thử",
    # subcommands and options
    "command": "lệnh",
    "action": "việc cần làm",
    "command_help": "một trong các lệnh dưới đây; xem thêm: nhacviec LỆNH --help",
    "action_help": "một trong các việc dưới đây; xem thêm: … VIỆC --help",
    "help": "in hướng dẫn này rồi thoát",
    "json": "in kết quả dạng JSON (ngày ISO, khoá tiếng Anh) cho chương trình khác đọc",
    "agency_name": "tên đầy đủ của cơ quan, ví dụ «Sở Y tế»",
    "agency_code": "mã viết tắt (chữ không dấu, số, - hoặc _); mặc định: chữ đầu của tên",
    "invite_agency": "mã hoặc tên cơ quan của người được mời",
    "invite_coordinator": "mã mời cho cán bộ điều phối (không cần --agency)",
    "invite_days": "số ngày mã mời còn hiệu lực (1–365, mặc định theo INVITE_DAYS)",
    "task_agency": "mã hoặc tên cơ quan được giao",
    "task_title": "tên nhiệm vụ",
    "task_due": "hạn: ngày/tháng/năm (15/11/2026) hoặc 2026-11-15; bỏ trống nếu không có hạn",
    "task_list_agency": "chỉ nhiệm vụ của cơ quan này (mã hoặc tên)",
    "schedule_due": "hạn cần xem lịch nhắc: ngày/tháng/năm hoặc 2026-11-15",
    "calendar_year": "năm cần xem, ví dụ 2027",
    "event_name": "tên sự kiện",
    "event_date": "ngày diễn ra (ngày bắt đầu): ngày/tháng/năm",
    "event_end": "ngày kết thúc nếu sự kiện kéo dài nhiều ngày",
    "plan_file": "tệp kế hoạch: .docx, .pdf có chữ hoặc .txt",
    "plan_year": "năm của kế hoạch, khi văn bản không ghi rõ",
    "plan_id": "số bản nháp (in ra sau «plan import»)",
    "group_name": "tên nhóm, ví dụ «Các sở»",
    "export_out": "đường dẫn tệp Excel cần ghi, ví dụ tong_hop.xlsx",
    "run_webhook": (
        "nhận cập nhật qua webhook (WEBHOOK_URL, WEBHOOK_LISTEN, WEBHOOK_SECRET) thay vì hỏi "
        "liên tục (long polling)"
    ),
    "run_verbose": "in cả nhật ký chi tiết (tiếng Anh) của bot và các thư viện ra màn hình",
    "demo_port": "cổng cho máy chủ Bot API giả lập (mặc định: một cổng trống bất kỳ)",
    "fake_rest": "tham số của máy chủ giả lập (xem: nhacviec fake-telegram --help)",
    # contacts, roles, audit, agency changes, task corrections, backups (issue 15)
    "contact": "liên hệ (người hoặc nhóm chat liên kết với cơ quan)",
    "contact_list": "danh sách liên hệ: tên, chat, vai trò, liên kết từ, hoạt động, nhận tin",
    "contact_list_agency": "chỉ liên hệ của cơ quan này (mã hoặc tên)",
    "contact_remove": "gỡ một liên hệ (hết quyền truy cập ngay; lịch sử vẫn giữ tên)",
    "contact_grant": "cấp quyền cán bộ điều phối",
    "contact_revoke": "thu hồi quyền cán bộ điều phối (không thu hồi được người cuối cùng)",
    "contact_id": "số liên hệ (#) in ra trong «contact list»",
    "audit": "nhật ký thay đổi liên hệ, quyền và cơ quan: ai làm, lúc nào",
    "audit_limit": "chỉ in bấy nhiêu dòng mới nhất",
    "agency_rename": "đổi tên (và mã) cơ quan; tên và mã cũ vẫn tìm được",
    "rename_agency": "mã hoặc tên hiện nay của cơ quan",
    "rename_name": "tên mới đầy đủ của cơ quan",
    "new_code": "mã mới (mặc định: giữ mã cũ)",
    "agency_merge": "sáp nhập cơ quan thứ nhất vào cơ quan thứ hai",
    "merge_source": "mã hoặc tên cơ quan được sáp nhập (sẽ không còn riêng)",
    "merge_target": ("mã hoặc tên cơ quan nhận: nhiệm vụ, liên hệ, lịch sử và nhóm chuyển về đây"),
    "agency_split": "chia một cơ quan thành nhiều cơ quan",
    "split_agency": "mã hoặc tên cơ quan bị chia",
    "split_into": "tên hoặc mã một cơ quan mới (lặp lại cho từng cơ quan; chưa có thì tạo)",
    "split_task": (
        "nhiệm vụ số này chỉ về cơ quan mới đó (lặp lại được); mặc định: về cơ quan mới "
        "thứ nhất, việc chưa xong được sao cho các cơ quan mới khác"
    ),
    "split_contact": (
        "liên hệ số này về cơ quan mới đó (lặp lại được); mặc định: về cơ quan mới thứ nhất"
    ),
    "task_edit": "sửa tên hoặc đổi hạn nhiệm vụ (lịch nhắc theo hạn mới)",
    "task_id": "số nhiệm vụ (#) in ra trong «task list»",
    "edit_title": "tên mới của nhiệm vụ",
    "edit_due": "hạn mới: ngày/tháng/năm (30/12/2026) hoặc 2026-12-30",
    "no_due": "bỏ hạn (không nhắc theo hạn nữa)",
    "task_cancel": "huỷ nhiệm vụ (giữ trong lịch sử, tính riêng)",
    "reason": "lý do huỷ, ghi trong lịch sử",
    "task_move": "chuyển nhiệm vụ sang cơ quan khác",
    "move_agency": "mã hoặc tên cơ quan nhận nhiệm vụ",
    "backup": "sao lưu cơ sở dữ liệu (được cả khi bot đang chạy)",
    "backup_file": "tệp sao lưu cần ghi, ví dụ nhacviec-2026-12-01.db",
    "backup_force": "ghi đè nếu tệp đã có",
    "restore": "khôi phục cơ sở dữ liệu từ bản sao lưu (hãy dừng bot trước)",
    "restore_file": "tệp sao lưu do «nhacviec backup» tạo",
    "restore_force": "ghi đè cả khi cơ sở dữ liệu hiện tại đã có dữ liệu",
}
CLI_METAVAR = {
    "command": "LỆNH",
    "action": "VIỆC",
    "name": "TÊN",
    "code": "MÃ",
    "agency": "CƠ_QUAN",
    "days": "SỐ_NGÀY",
    "title": "TÊN_NHIỆM_VỤ",
    "date": "NGÀY",
    "time": "GIỜ:PHÚT",
    "year": "NĂM",
    "codes": "MÃ,MÃ,…",
    "leads": "SỐ,SỐ,…",
    "file": "TỆP",
    "id": "SỐ",
    "out": "TỆP.xlsx",
    "port": "CỔNG",
    "rest": "THAM_SỐ",
    # issue 15
    "new_name": "TÊN_MỚI",
    "merge_source": "CƠ_QUAN_CŨ",
    "merge_target": "CƠ_QUAN_NHẬN",
    "new_agency": "CƠ_QUAN_MỚI",
    "task_to": "SỐ_NHIỆM_VỤ=CƠ_QUAN_MỚI",
    "contact_to": "SỐ_LIÊN_HỆ=CƠ_QUAN_MỚI",
    "lines": "SỐ_DÒNG",
    "reason": "LÝ_DO",
}
FAKE_TELEGRAM_HELP = {  # `nhacviec fake-telegram --help` (fake_telegram/cli.py HELP keys)
    "description": "Máy chủ giả lập Bot API của Telegram, để thử bot, chạy kiểm thử và đo.",
    "host": "địa chỉ lắng nghe",
    "port": "cổng (0: chọn một cổng trống)",
    "enforce_limits": (
        "trả lời 429 khi vượt giới hạn gửi của Telegram (30/giây, 1/giây mỗi chat, "
        "20/phút mỗi nhóm)"
    ),
    "bot_username": "tên người dùng của bot",
    "user": "tạo sẵn một người dùng giả lập (dùng nhiều lần được)",
    "missing_method": (
        "trả lời 404 cho phương thức Bot API này, như máy chủ cũ (dùng nhiều lần được)"
    ),
    "verbose": "ghi nhật ký mọi yêu cầu",
    "latency_ms": (
        "thời gian khứ hồi của mỗi lệnh Bot API, tính bằng mili giây, như tới một máy chủ ở xa"
    ),
    "jitter": "độ dao động tương đối của thời gian khứ hồi, ví dụ 0.2 là ±20%%",
    "lost_fraction": (
        "tỉ lệ lệnh đã có hiệu lực nhưng câu trả lời không bao giờ về tới bot, ví dụ 0.05"
    ),
    "lost_mode": (
        "câu trả lời bị mất thì làm gì: giữ kết nối tới khi bot hết thời gian chờ (hold), "
        "hoặc đóng kết nối (close)"
    ),
    "network_seed": "hạt giống ngẫu nhiên cho độ trễ và câu trả lời bị mất (chạy lặp lại y hệt)",
    "m_ms": "MILI_GIÂY",
    "m_fraction": "TỈ_LỆ",
    "m_seed": "SỐ",
    "m_host": "ĐỊA_CHỈ",
    "m_port": "CỔNG",
    "m_bot_username": "TÊN_BOT",
    "m_user": "SỐ:TÊN[:TÊN_NGƯỜI_DÙNG]",
    "m_missing_method": "PHƯƠNG_THỨC",
}
CLI_INT_TYPE = "số nguyên"  # what argparse names the type of a number it could not read
# argparse's own messages (it uses gettext; bot/cli.py puts these in its place).
ARGPARSE_TEXTS = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tuỳ chọn",
    "optional arguments": "tuỳ chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu tham số: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "không có lựa chọn %(value)r (chọn một trong: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "%(value)r không phải %(type)s hợp lệ",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tuỳ chọn %(option)s chưa rõ: có thể là %(matches)s"
    ),
    "not allowed with argument %s": "không dùng cùng với %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "unexpected option string: %s": "tuỳ chọn không mong đợi: %s",
    "can't open '%(filename)s': %(error)s": "không mở được «%(filename)s»: %(error)s",
    "option '%(option)s' is deprecated": "tuỳ chọn «%(option)s» đã cũ",
    "command '%(parser_name)s' is deprecated": "lệnh «%(parser_name)s» đã cũ",
    "argument '%(argument_name)s' is deprecated": "tham số «%(argument_name)s» đã cũ",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "không có lệnh %(parser_name)r (chọn một trong: %(choices)s)"
    ),
}

# --- `nhacviec run` on the terminal (the details go to the log file) -----------------------
CLI_LOG_WARNING = "⚠️ {time} Cảnh báo: {what}. Chi tiết trong nhật ký {log}"
CLI_LOG_ERROR = "❌ {time} Lỗi: {what}. Chi tiết trong nhật ký {log}"
CLI_LOG_NO_FILE = "(chạy lại với --verbose để xem chi tiết)"
CLI_LOG_WHAT = {
    "telegram": "kết nối tới máy chủ Telegram",
    "db": "cơ sở dữ liệu",
    "jobs": "gửi tin nhắc việc",
    "bot": "xử lý tin nhắn",
    "other": "trong lúc chạy",
}


# --- people, roles, tasks and agencies that change (contacts, audit, backups) -------------
CONTACT_REMOVED = (
    "⛔ Bạn không còn liên kết với bot (đã gỡ ngày {date}), nên bot không nhận cập nhật từ "
    "bạn nữa. Nếu vẫn cần dùng, hãy xin cán bộ điều phối một mã mời mới."
)
LEAVE_ASK = (
    "Bạn muốn rời {agency}? Sau khi rời, bạn không nhận nhắc việc và không cập nhật được "
    "nhiệm vụ của cơ quan nữa."
)
LEAVE_ASK_COORDINATOR = (
    "Bạn muốn thôi làm cán bộ điều phối và rời bot? Sau khi rời, bạn không xem được tổng hợp "
    "và không nhận thông báo nữa."
)
BTN_LEAVE = "✅ Rời"
BTN_STAY = "❌ Không"
LEFT = "Bạn đã rời {agency}. Cảm ơn bạn! Nếu cần liên kết lại, hãy xin mã mời mới."
LEFT_COORDINATOR = "Bạn đã thôi làm cán bộ điều phối. Cảm ơn bạn!"
LEAVE_STAYED = "Đã huỷ — bạn vẫn liên kết như cũ."
LEAVE_IN_GROUP = (
    "Nhóm chỉ được gỡ liên kết bởi cán bộ điều phối (lệnh /canbo), hoặc quản trị viên "
    "xoá bot khỏi nhóm."
)
ROLE_COORDINATOR_AGENCY = "vai trò cán bộ điều phối"

CONTACTS_HEADER = "👥 Liên hệ{scope}: {count}"
CONTACTS_SCOPE = " của {agency}"
CONTACTS_PART = "👥 Liên hệ (tiếp, phần {part})"
CONTACTS_LEGEND = "Nút: 🗑 gỡ liên hệ · ⭐ cấp quyền điều phối · ✖️ thu hồi quyền điều phối"
CONTACTS_NONE = "Chưa có liên hệ nào{scope}."
CONTACT_ROW = (
    "{n}. {name} — {agency}\n   {kind} · {role} · liên kết từ {linked}\n   {seen} · {reach}"
)
CONTACT_KIND = {"private": "cá nhân", "group": "nhóm chat"}
CONTACT_ROLE = {"coordinator": "cán bộ điều phối", "official": "cán bộ"}
CONTACT_NO_AGENCY = "cơ quan đầu mối"
CONTACT_SEEN = "hoạt động lần cuối {date}"
CONTACT_NEVER_SEEN = "chưa hoạt động"
CONTACT_REACHABLE = "nhận được tin"
CONTACT_UNREACHABLE = "không nhận được tin ({reason})"
UNREACHABLE_REASONS = {
    "bot_removed": "bot bị xoá khỏi nhóm",
    "bot_blocked": "đã chặn bot",
}
UNREACHABLE_REASON_OTHER = "chặn bot hoặc chưa bấm Start"
BTN_CONTACT_REMOVE = "🗑 {n}"
BTN_CONTACT_GRANT = "⭐ {n}"
BTN_CONTACT_REVOKE = "✖️ {n}"
BTN_CONFIRM = "✅ Xác nhận"
ASK_REMOVE_CONTACT = (
    "Gỡ liên hệ «{name}» ({agency})? Từ lúc này họ không xem, không cập nhật được nhiệm vụ "
    "và không nhận nhắc việc nữa. Lịch sử vẫn giữ tên họ."
)
ASK_GRANT_COORDINATOR = (
    "Cấp quyền cán bộ điều phối cho «{name}» ({agency})? Họ sẽ xem được tình hình mọi cơ "
    "quan, gửi thông báo, nhập kế hoạch và quản lý liên hệ."
)
ASK_REVOKE_COORDINATOR = "Thu hồi quyền cán bộ điều phối của «{name}»?"
CONTACT_REMOVED_DONE = "🗑 Đã gỡ liên hệ «{name}» ({agency})."
ROLE_GRANTED_DONE = "⭐ «{name}» đã là cán bộ điều phối."
ROLE_REVOKED_DONE = "✖️ Đã thu hồi quyền cán bộ điều phối của «{name}»."
NOTHING_CHANGED = "Đã huỷ, không thay đổi gì."

CONTACT_GONE_GROUP = "⚠️ Bot đã bị xoá khỏi nhóm «{who}» ({agency}): nhóm không nhận nhắc việc nữa."
CONTACT_GONE_PRIVATE = "⚠️ {who} ({agency}) đã chặn bot: không nhận nhắc việc nữa."
CONTACT_GONE_NOBODY = "{agency} không còn liên hệ nào nhận được tin — hãy cấp mã mời mới."
CONTACT_BACK_GROUP = (
    "✅ Bot đã được thêm lại vào nhóm «{who}» ({agency}): nhóm nhận nhắc việc trở lại."
)
CONTACT_BACK_PRIVATE = "✅ {who} ({agency}) đã bỏ chặn bot: nhận nhắc việc trở lại."

AUDIT_ACTIONS = {
    "linked": "liên kết bằng mã mời",
    "removed": "bị gỡ liên hệ",
    "left": "tự rời",
    "role_granted": "được cấp quyền điều phối",
    "role_revoked": "bị thu hồi quyền điều phối",
    "chat_migrated": "nhóm được nâng cấp (mã chat mới)",
    "agency_changed": "chuyển sang cơ quan khác",
    "agency_renamed": "cơ quan đổi tên",
    "agency_merged": "sáp nhập cơ quan",
    "agency_split": "chia tách cơ quan",
}
CLI_AUDIT_ROW = "{at}  {subject}: {action}{detail} — bởi {actor}"
CLI_AUDIT_DETAIL = " ({detail})"
CLI_AUDIT_EMPTY = "Chưa có thay đổi nào về liên hệ, quyền hay cơ quan."
CLI_CONTACT_ROW = (
    "#{id:<5} {name} — {agency} · {kind} · {role} · liên kết {linked} · {seen} · {reach}"
)
CLI_CONTACT_LIST_EMPTY = "Chưa có liên hệ nào."
CLI_CONTACT_REMOVED = "Đã gỡ liên hệ #{id} «{name}» ({agency}). Từ lúc này họ không truy cập được."
CLI_ROLE_GRANTED = "Đã cấp quyền cán bộ điều phối cho #{id} «{name}»."
CLI_ROLE_REVOKED = "Đã thu hồi quyền cán bộ điều phối của #{id} «{name}»."

TASK_EDIT_USAGE = (
    "Sửa nhiệm vụ:\n"
    "• /suaviec <từ khoá> — tìm nhiệm vụ theo tên, xem số (#) của nó\n"
    "• /suaviec <số> — xem nhiệm vụ\n"
    "• /suaviec <số> tên <tên mới>\n"
    "• /suaviec <số> hạn <ngày> — ví dụ 30/12/2026; «hạn không» để bỏ hạn\n"
    "• /suaviec <số> huỷ <lý do>\n"
    "• /suaviec <số> chuyển <mã hoặc tên cơ quan>"
)
TASK_SEARCH_HEADER = "🔎 Nhiệm vụ khớp «{query}» ({count}):"
TASK_SEARCH_ROW = "#{id} [{agency}] {title} — hạn {due} · {status}"
TASK_SEARCH_NONE = "Không tìm thấy nhiệm vụ nào khớp «{query}»."
TASK_SEARCH_MORE = "… và {count} nhiệm vụ khác: hãy thêm từ khoá."
TASK_ADMIN_CARD = "#{id} · {card}"
TASK_CANCELLED_LINE = "Đã huỷ ngày {date}. Lý do: {reason}"
TASK_TITLE_EDITED = "✏️ Đã sửa tên nhiệm vụ #{id}: «{old}» → «{new}»."
TASK_DUE_EDITED = "📅 Đã đổi hạn nhiệm vụ #{id} «{title}»: {old} → {new}. Lịch nhắc theo hạn mới."
TASK_CANCELLED_DONE = "🚫 Đã huỷ nhiệm vụ #{id} «{title}» ({agency}). Lý do: {reason}"
TASK_MOVED_DONE = "➡️ Đã chuyển nhiệm vụ #{id} «{title}» từ {old} sang {new}."
TASK_NOTICE_DUE = "📅 Hạn của «{title}» được đổi: {old} → {new}."
TASK_NOTICE_TITLE = "✏️ Nhiệm vụ «{old}» được sửa tên thành «{new}»."
TASK_NOTICE_CANCELLED = (
    "🚫 Nhiệm vụ «{title}» đã được huỷ, không cần thực hiện nữa. Lý do: {reason}"
)
TASK_NOTICE_MOVED_AWAY = (
    "➡️ Nhiệm vụ «{title}» đã chuyển sang {agency}; cơ quan bạn không cần thực hiện nữa."
)
TASK_NOTICE_MOVED_IN = "📌 {agency} nhận nhiệm vụ «{title}» (hạn {due}). Gửi /viec để xem."
SUMMARY_CANCELLED = "🚫 {count} đã huỷ"
SUMMARY_TOTALS_CANCELLED = "🚫 Đã huỷ: {count} việc (không tính vào các số trên)"

CLI_AGENCY_RENAMED = "Đã đổi tên «{old}» thành «{name}» (mã {code}). Tên cũ vẫn tìm được."
CLI_AGENCY_MERGED = (
    "Đã sáp nhập «{source}» vào «{target}»: {tasks} nhiệm vụ, {contacts} liên hệ, "
    "{groups} nhóm đi theo. Tên và mã cũ vẫn tìm được."
)
CLI_AGENCY_SPLIT = (
    "Đã chia «{source}» thành {targets}: {moved} nhiệm vụ chuyển, {copied} nhiệm vụ sao chép, "
    "{contacts} liên hệ chuyển."
)
CLI_BACKUP_DONE = (
    "Đã sao lưu cơ sở dữ liệu vào {path} ({size} KB: {agencies} cơ quan, {contacts} liên hệ, "
    "{tasks} nhiệm vụ; kiểm tra toàn vẹn: tốt)."
)
CLI_BACKUP_POSTGRES = (
    "Cơ sở dữ liệu là PostgreSQL: hãy sao lưu bằng pg_dump, ví dụ:\n"
    "  pg_dump --format=custom --file={path} '{url}'\n"
    "và khôi phục bằng: pg_restore --clean --if-exists --dbname='{url}' {path}"
)
CLI_RESTORE_POSTGRES = (
    "Cơ sở dữ liệu là PostgreSQL: hãy khôi phục bằng pg_restore, ví dụ:\n"
    "  pg_restore --clean --if-exists --dbname='{url}' {path}"
)
CLI_BACKUP_EXISTS = "Lỗi: tệp «{path}» đã có. Chọn tên khác, hoặc thêm --force để ghi đè."
CLI_RESTORE_NOT_EMPTY = (
    "Lỗi: cơ sở dữ liệu hiện tại đã có dữ liệu ({agencies} cơ quan, {contacts} liên hệ, "
    "{tasks} nhiệm vụ). Khôi phục sẽ thay toàn bộ: hãy dừng bot, sao lưu bản hiện tại, "
    "rồi chạy lại với --force."
)
CLI_RESTORE_DONE = (
    "Đã khôi phục từ {path}: {agencies} cơ quan, {contacts} liên hệ, {tasks} nhiệm vụ."
)

ERRORS.update(
    {
        "contact_unknown": (
            "Không có liên hệ #{id} (có thể đã bị gỡ). Xem danh sách: /canbo hoặc "
            "nhacviec contact list"
        ),
        "last_coordinator": (
            "⛔ Đây là cán bộ điều phối cuối cùng. Hãy cấp quyền cho người khác trước."
        ),
        "already_coordinator": "«{name}» đã là cán bộ điều phối.",
        "not_coordinator": "«{name}» không phải cán bộ điều phối.",
        "coordinator_not_group": (
            "Không cấp quyền điều phối cho nhóm chat (mọi thành viên sẽ có quyền). "
            "Hãy cấp cho từng người."
        ),
        "contact_removed": CONTACT_REMOVED,
        "task_id_unknown": "Không có nhiệm vụ #{id}. Tìm theo tên: /suaviec <từ khoá>.",
        "task_cancelled": "Nhiệm vụ «{title}» đã được huỷ — không cần cập nhật nữa.",
        "cancel_reason_empty": "Hãy ghi lý do huỷ, ví dụ: /suaviec 12 huỷ trùng nhiệm vụ 10.",
        "same_agency": "Nhiệm vụ đã thuộc {agency}.",
        "nothing_to_change": "Không có gì thay đổi.",
        "due_out_of_range": (
            "Ngày {date} nằm ngoài khoảng cho phép (từ năm {low} đến năm {high})."
        ),
        "same_agency_merge": "Không thể sáp nhập một cơ quan vào chính nó.",
        "split_needs_two": "Chia tách cần ít nhất hai cơ quan mới (--into … --into …).",
        "split_target_is_source": "Cơ quan mới không thể là chính cơ quan bị chia.",
        "split_task_unknown": "Nhiệm vụ #{id} không thuộc «{agency}».",
        "split_contact_unknown": "Liên hệ #{id} không thuộc «{agency}».",
        "split_target_unknown": "«{ref}» không nằm trong các cơ quan mới (--into).",
        "database_missing": "Lỗi: không có tệp cơ sở dữ liệu «{path}».",
        "backup_exists": CLI_BACKUP_EXISTS,
        "backup_missing": "Lỗi: không có tệp sao lưu «{path}».",
        "backup_corrupt": "Lỗi: tệp sao lưu bị hỏng hoặc không phải SQLite ({error}).",
        "backup_not_ours": "Lỗi: tệp này không phải bản sao lưu của nhacviec.",
        "restore_not_empty": CLI_RESTORE_NOT_EMPTY,
    }
)
