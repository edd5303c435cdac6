"""The reminder schedule of one deadline, as a pure function of the deadline and a policy.

No clock, no database: the caller passes the due date (and time), the policy and, if it
wants past reminders left out, the moment to start from.

``reminder_schedule(due, policy, due_time=None, not_before=None)``, step by step
(all wall times are Asia/Ho_Chi_Minh; "day off" = Saturday, Sunday or a Vietnamese public
holiday, except a weekend day the government swapped into a working day; see
``services.vncalendar``):

1. The deadline instant is ``due`` at ``due_time``, or at the end of that day (23:59:59)
   when no time is given (``services.status.deadline_at``, the same instant the task
   status uses).
2. Reminders ahead of the deadline: for each offset ``k`` of ``policy.offsets_days``
   (calendar days), the day is ``due - k``. With ``workdays_only``, a day off is replaced
   by the previous working day (offset 0 included: a deadline on a Saturday is reminded
   on the Friday). The time is ``policy.at``. Offset 0 gives kind ``"due_day"``, the
   others ``"before"``.
3. Deduplication, closest first: offsets are taken from the smallest to the largest, and a
   reminder is kept only if its day is strictly earlier than every day already kept. So
   when two offsets land on the same day (a deadline on a Saturday: 1 day and 0 days
   before both give the Friday; a long break such as Tết can merge three) the one
   closest to the deadline is kept. Moving back to the previous working day never changes
   the order of two days, so the kept reminders stay in offset order.
4. A reminder ahead of the deadline is dropped if it is not strictly before the deadline
   instant (only possible on the deadline day, when ``due_time`` <= ``policy.at``).
5. Overdue reminders: the ``s``-th (``s`` = 1 .. ``policy.overdue_max``) falls on
   ``add_workdays(due, s * policy.overdue_every_days)`` with ``workdays_only``, i.e. every
   N working days counted after the deadline day (the deadline day itself is never
   counted, and days off are skipped, so these always land on working days: "moved to the
   next working day"); without ``workdays_only`` on ``due + s * N`` calendar days. Time
   ``policy.at``, kind ``"overdue"``, ``sequence`` = ``s``.
6. Everything is sorted by time. If ``not_before`` is given, occurrences earlier than it
   are left out (``at >= not_before`` is kept); identities (``kind``, ``offset_days``,
   ``sequence``) do not change when some are left out.

Example, default policy (14, 7, 3, 1, 0 days at 08:00; every 2 working days, at most 5),
deadline Friday 15/05/2026: 29/04 (14 days: 01/05 is Labour Day, 30/04 Reunification
Day), 08/05, 12/05, 14/05, 15/05 (due day), then overdue 19/05, 21/05, 25/05, 27/05, 29/05.

``escalation_date(due, workdays=3)``: the working day on which a task still open is
``workdays`` working days overdue, i.e. ``add_workdays(due, workdays)``; that is the day it
is reported to the coordinators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from services.clock import UTC, VN_TZ
from services.status import deadline_at
from services.vncalendar import add_workdays, is_workday, prev_workday

if TYPE_CHECKING:
    from services.settings import Settings

__all__ = [
    "Occurrence",
    "OccurrenceKind",
    "ReminderPolicy",
    "escalation_date",
    "reminder_schedule",
]

OccurrenceKind = Literal["before", "due_day", "overdue"]


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """How a deadline is reminded. Hashable, so schedules can be cached per policy.

    ``offsets_days``: calendar days before the deadline (0 = the deadline day); stored
    deduplicated, largest first. ``at``: naive wall time in Vietnam. ``overdue_every_days``:
    spacing of overdue reminders, in working days when ``workdays_only`` (else calendar
    days). ``overdue_max``: how many overdue reminders at most (0 = none).
    """

    offsets_days: tuple[int, ...] = (14, 7, 3, 1, 0)
    at: dt.time = dt.time(8, 0)
    overdue_every_days: int = 2
    overdue_max: int = 5
    workdays_only: bool = True

    def __post_init__(self) -> None:
        offsets = tuple(sorted({int(o) for o in self.offsets_days}, reverse=True))
        if any(o < 0 for o in offsets):
            raise ValueError(f"reminder offsets must be >= 0 days, got {self.offsets_days!r}")
        object.__setattr__(self, "offsets_days", offsets)
        if self.at.tzinfo is not None:
            raise ValueError("ReminderPolicy.at is a naive wall time in Vietnam")
        if self.overdue_every_days < 1:
            raise ValueError("overdue_every_days must be >= 1")
        if self.overdue_max < 0:
            raise ValueError("overdue_max must be >= 0")

    @classmethod
    def from_settings(cls, settings: Settings) -> ReminderPolicy:
        return cls(
            offsets_days=tuple(settings.reminder_offsets_days),
            at=settings.reminder_time,
            overdue_every_days=settings.overdue_every_days,
            overdue_max=settings.overdue_max,
            workdays_only=settings.workdays_only,
        )


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One reminder of a deadline.

    ``at``: aware datetime in Asia/Ho_Chi_Minh (``at_utc`` for storage).
    ``kind``: "before" | "due_day" | "overdue".
    ``offset_days``: the rule that made it, a stable identity: the policy offset for
    "before"/"due_day" (14, 7, ..., 0, calendar days before the deadline, even when the
    reminder was moved to an earlier working day), and ``-(sequence * overdue_every_days)``
    for "overdue" (working days after the deadline when ``workdays_only``, else calendar).
    ``sequence``: 1..n for "overdue", 0 otherwise.
    ``days_to_due``: calendar days from the reminder's day to the due date as it actually
    falls (9 for a 7-day reminder moved from Sunday to Friday; negative when overdue).
    """

    at: dt.datetime
    kind: OccurrenceKind
    offset_days: int
    sequence: int = 0
    days_to_due: int = 0

    @property
    def at_utc(self) -> dt.datetime:
        return self.at.astimezone(UTC)

    @property
    def day(self) -> dt.date:
        """The reminder's date in Vietnam."""
        return self.at.date()


def reminder_schedule(
    due: dt.date,
    policy: ReminderPolicy | None = None,
    due_time: dt.time | None = None,
    not_before: dt.datetime | None = None,
) -> list[Occurrence]:
    """The reminders of a deadline on ``due`` (see the module docstring for the rules)."""
    if isinstance(due, dt.datetime):
        raise TypeError("due is a date; pass the time as due_time")
    if not_before is not None and not_before.tzinfo is None:
        raise ValueError("not_before must be an aware datetime")
    occurrences = _schedule(due, policy or ReminderPolicy(), due_time)
    if not_before is None:
        return list(occurrences)
    return [o for o in occurrences if o.at >= not_before]


@lru_cache(maxsize=8192)
def _schedule(
    due: dt.date, policy: ReminderPolicy, due_time: dt.time | None
) -> tuple[Occurrence, ...]:
    deadline = deadline_at(due, due_time)
    at = policy.at
    out: list[Occurrence] = []

    earliest: dt.date | None = None
    for offset in reversed(policy.offsets_days):  # smallest (closest) first
        day = due - dt.timedelta(days=offset)
        if policy.workdays_only and not is_workday(day):
            day = prev_workday(day)
        if earliest is not None and day >= earliest:
            continue
        when = dt.datetime.combine(day, at, tzinfo=VN_TZ)
        if when >= deadline:
            continue
        out.append(
            Occurrence(
                at=when,
                kind="due_day" if offset == 0 else "before",
                offset_days=offset,
                days_to_due=(due - day).days,
            )
        )
        earliest = day

    every = policy.overdue_every_days
    day = due
    for sequence in range(1, policy.overdue_max + 1):
        day = add_workdays(day, every) if policy.workdays_only else day + dt.timedelta(days=every)
        out.append(
            Occurrence(
                at=dt.datetime.combine(day, at, tzinfo=VN_TZ),
                kind="overdue",
                offset_days=-sequence * every,
                sequence=sequence,
                days_to_due=(due - day).days,
            )
        )

    out.sort(key=lambda o: o.at)
    return tuple(out)


def escalation_date(due: dt.date, workdays: int = 3) -> dt.date:
    """The day a task still open after its deadline is ``workdays`` working days overdue.

    ``add_workdays(due, workdays)``: the deadline day is not counted, days off are skipped,
    so for a deadline on Friday 15/05/2026 and 3 working days it is Wednesday 20/05/2026.
    """
    if workdays < 0:
        raise ValueError("workdays must be >= 0")
    return add_workdays(due, workdays)
