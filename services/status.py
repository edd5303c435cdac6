"""Task status, derived from progress, deadline and the time of completion.

One shared table of status names (labels live in bot/texts.STATUS). Government task
trackers count dated tasks (nhiệm vụ có thời hạn) and standing duties (nhiệm vụ thường
xuyên) apart, and so does every summary, chart and workbook here:

dated (a deadline is set)
    not_due (chưa đến hạn), in_progress (đang thực hiện), overdue (quá hạn),
    done_on_time (hoàn thành đúng hạn), done_late (hoàn thành quá hạn)
standing (no deadline: a duty carried on all year, accounted for in periodic reports)
    standing (thường xuyên, not reported done), standing_done (thường xuyên, reported done)

A standing duty is never "not_due": it has no deadline to be before.
A task a coordinator cancelled is "cancelled" (đã huỷ), dated or not: kept, listed, and
counted apart from all of these.
"""

from __future__ import annotations

import datetime as dt

from services.clock import VN_TZ

DATED = ("not_due", "in_progress", "overdue", "done_on_time", "done_late")
STANDING = ("standing", "standing_done")
STATUSES = DATED + STANDING
OPEN = ("not_due", "in_progress", "overdue", "standing")
DONE = ("done_on_time", "done_late", "standing_done")
CANCELLED = "cancelled"
CLOSED = ("done", CANCELLED)  # progress values of tasks nobody works on any more
END_OF_DAY = dt.time(23, 59, 59)


def is_standing(status: str) -> bool:
    return status in STANDING


def deadline_at(due_date: dt.date, due_time: dt.time | None = None) -> dt.datetime:
    """The moment a deadline passes: the given time, or the end of that day, in VN time."""
    return dt.datetime.combine(due_date, due_time or END_OF_DAY, tzinfo=VN_TZ)


def task_status(
    *,
    progress: str,
    due_date: dt.date | None,
    due_time: dt.time | None,
    done_at: dt.datetime | None,
    now: dt.datetime,
) -> str:
    if progress == CANCELLED:
        return CANCELLED
    if due_date is None:
        return "standing_done" if progress == "done" else "standing"
    if progress == "done":
        if done_at is None or done_at <= deadline_at(due_date, due_time):
            return "done_on_time"
        return "done_late"
    if now > deadline_at(due_date, due_time):
        return "overdue"
    if progress == "in_progress":
        return "in_progress"
    return "not_due"


def days_until(due_date: dt.date | None, today: dt.date) -> int | None:
    """Calendar days from today to the deadline; negative when overdue."""
    return None if due_date is None else (due_date - today).days
