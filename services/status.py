"""Task status, derived from progress, deadline and the time of completion.

The five statuses are the ones government task-tracking systems already count:
not_due (chưa đến hạn), in_progress (đang thực hiện), overdue (quá hạn),
done_on_time (hoàn thành đúng hạn), done_late (hoàn thành quá hạn).
"""

from __future__ import annotations

import datetime as dt

from services.clock import VN_TZ

STATUSES = ("not_due", "in_progress", "overdue", "done_on_time", "done_late")
END_OF_DAY = dt.time(23, 59, 59)


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
    if progress == "done":
        if due_date is None or done_at is None or done_at <= deadline_at(due_date, due_time):
            return "done_on_time"
        return "done_late"
    if due_date is not None and now > deadline_at(due_date, due_time):
        return "overdue"
    if progress == "in_progress":
        return "in_progress"
    return "not_due"


def days_until(due_date: dt.date | None, today: dt.date) -> int | None:
    """Calendar days from today to the deadline; negative when overdue."""
    return None if due_date is None else (due_date - today).days
