"""Reminder schedules of deadlines. Expected dates worked out by hand with a calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from services.clock import UTC, VN_TZ
from services.schedule import Occurrence, ReminderPolicy, escalation_date, reminder_schedule
from services.settings import Settings

D = dt.date
DEFAULT = ReminderPolicy()


def vn(y: int, m: int, d: int, h: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=VN_TZ)


def rows(occurrences: list[Occurrence]) -> list[tuple[dt.datetime, str, int, int]]:
    return [(o.at, o.kind, o.offset_days, o.sequence) for o in occurrences]


def test_deadline_friday_15_05_2026_default_policy() -> None:
    assert rows(reminder_schedule(D(2026, 5, 15), DEFAULT)) == [
        # 14 days before is Fri 01/05 (Labour Day), Thu 30/04 is a holiday too.
        (vn(2026, 4, 29), "before", 14, 0),
        (vn(2026, 5, 8), "before", 7, 0),
        (vn(2026, 5, 12), "before", 3, 0),
        (vn(2026, 5, 14), "before", 1, 0),
        (vn(2026, 5, 15), "due_day", 0, 0),
        # every 2 working days after Fri 15/05: Mon 18 is 1, Tue 19 is 2, ...
        (vn(2026, 5, 19), "overdue", -2, 1),
        (vn(2026, 5, 21), "overdue", -4, 2),
        (vn(2026, 5, 25), "overdue", -6, 3),
        (vn(2026, 5, 27), "overdue", -8, 4),
        (vn(2026, 5, 29), "overdue", -10, 5),
    ]


def test_deadline_sunday_15_11_2026_default_policy() -> None:
    assert rows(reminder_schedule(D(2026, 11, 15), DEFAULT)) == [
        (vn(2026, 10, 30), "before", 14, 0),  # Sun 01/11 -> Fri 30/10
        (vn(2026, 11, 6), "before", 7, 0),  # Sun 08/11 -> Fri 06/11
        (vn(2026, 11, 12), "before", 3, 0),  # Thu
        # 1 day before is Sat 14/11 -> Fri 13/11; the deadline Sun 15/11 -> Fri 13/11 too:
        # one reminder, the one closest to the deadline.
        (vn(2026, 11, 13), "due_day", 0, 0),
        # working days after Sun 15/11: 16, 17 | 18, 19 | 20, 23 | 25 (24/11 is Ngày Văn
        # hóa Việt Nam), 26 | 27, 30
        (vn(2026, 11, 17), "overdue", -2, 1),
        (vn(2026, 11, 19), "overdue", -4, 2),
        (vn(2026, 11, 23), "overdue", -6, 3),
        (vn(2026, 11, 26), "overdue", -8, 4),
        (vn(2026, 11, 30), "overdue", -10, 5),
    ]


def test_deadline_on_a_saturday() -> None:
    occ = reminder_schedule(D(2026, 5, 16), DEFAULT)
    assert rows(occ)[:4] == [
        (vn(2026, 4, 29), "before", 14, 0),  # Sat 02/05 -> past 1/5, 30/4 -> Wed 29/04
        (vn(2026, 5, 8), "before", 7, 0),  # Sat 09/05 -> Fri 08/05
        (vn(2026, 5, 13), "before", 3, 0),  # Wed
        (vn(2026, 5, 15), "due_day", 0, 0),  # Sat -> Fri, merged with the 1-day one
    ]
    assert occ[3].days_to_due == 1
    assert [o.at for o in occ if o.kind == "overdue"] == [
        vn(2026, 5, 19),
        vn(2026, 5, 21),
        vn(2026, 5, 25),
        vn(2026, 5, 27),
        vn(2026, 5, 29),
    ]


def test_reminder_in_tet_2026_moves_before_tet() -> None:
    # Deadline Tue 24/02/2026; Tết days off run Sat 14/02 - Sun 22/02.
    occ = reminder_schedule(D(2026, 2, 24), DEFAULT)
    assert rows(occ)[:4] == [
        (vn(2026, 2, 10), "before", 14, 0),
        # 3 days before (Sat 21/02) and 7 days before (Tue 17/02, Tết) both fall back to
        # Fri 13/02: the 3-day one is kept.
        (vn(2026, 2, 13), "before", 3, 0),
        (vn(2026, 2, 23), "before", 1, 0),
        (vn(2026, 2, 24), "due_day", 0, 0),
    ]
    assert occ[1].days_to_due == 11


def test_overdue_across_tet_2026() -> None:
    # Deadline Thu 12/02/2026: working days after it are Fri 13/02, then Mon 23/02 ...
    occ = reminder_schedule(D(2026, 2, 12), DEFAULT)
    assert [o.at for o in occ if o.kind == "overdue"] == [
        vn(2026, 2, 23),
        vn(2026, 2, 25),
        vn(2026, 2, 27),
        vn(2026, 3, 3),
        vn(2026, 3, 5),
    ]


def test_tet_2027() -> None:
    # Deadline Fri 12/02/2027; Tết 2027 days off Thu 04/02 - Wed 10/02.
    assert rows(reminder_schedule(D(2027, 2, 12), DEFAULT))[:4] == [
        (vn(2027, 1, 29), "before", 14, 0),
        (vn(2027, 2, 3), "before", 3, 0),  # 7 (Fri 05/02) and 3 (Tue 09/02) -> Wed 03/02
        (vn(2027, 2, 11), "before", 1, 0),
        (vn(2027, 2, 12), "due_day", 0, 0),
    ]


def test_three_offsets_collapse_across_tet() -> None:
    # Deadline Tue 24/02/2026, offsets 12, 9, 5: Thu 12/02 stays; Sun 15/02 and Thu 19/02
    # (Tết) both fall back to Fri 13/02, where only the 5-day one is kept.
    policy = ReminderPolicy(offsets_days=(12, 9, 5), overdue_max=0)
    assert rows(reminder_schedule(D(2026, 2, 24), policy)) == [
        (vn(2026, 2, 12), "before", 12, 0),
        (vn(2026, 2, 13), "before", 5, 0),
    ]


def test_workdays_only_false() -> None:
    policy = ReminderPolicy(workdays_only=False)
    assert rows(reminder_schedule(D(2026, 11, 15), policy)) == [
        (vn(2026, 11, 1), "before", 14, 0),
        (vn(2026, 11, 8), "before", 7, 0),
        (vn(2026, 11, 12), "before", 3, 0),
        (vn(2026, 11, 14), "before", 1, 0),
        (vn(2026, 11, 15), "due_day", 0, 0),
        (vn(2026, 11, 17), "overdue", -2, 1),
        (vn(2026, 11, 19), "overdue", -4, 2),
        (vn(2026, 11, 21), "overdue", -6, 3),
        (vn(2026, 11, 23), "overdue", -8, 4),
        (vn(2026, 11, 25), "overdue", -10, 5),
    ]


def test_overdue_cap_and_spacing() -> None:
    policy = ReminderPolicy(overdue_every_days=3, overdue_max=2)
    overdue = [o for o in reminder_schedule(D(2026, 5, 15), policy) if o.kind == "overdue"]
    # Fri 15/05 + 3 working days = Wed 20/05; + 3 more = Mon 25/05.
    assert rows(overdue) == [
        (vn(2026, 5, 20), "overdue", -3, 1),
        (vn(2026, 5, 25), "overdue", -6, 2),
    ]
    none = ReminderPolicy(overdue_max=0)
    assert all(o.kind != "overdue" for o in reminder_schedule(D(2026, 5, 15), none))


def test_dedupe_same_offsets_and_order() -> None:
    policy = ReminderPolicy(offsets_days=(0, 7, 7, 1), overdue_max=0)
    assert policy.offsets_days == (7, 1, 0)
    assert [o.offset_days for o in reminder_schedule(D(2026, 5, 15), policy)] == [7, 1, 0]


def test_due_time_and_policy_time() -> None:
    policy = ReminderPolicy(at=dt.time(9, 30), overdue_max=1)
    occ = reminder_schedule(D(2026, 5, 15), policy, due_time=dt.time(17, 0))
    assert occ[-2].at == vn(2026, 5, 15, 9, 30)
    assert occ[-1].at == vn(2026, 5, 19, 9, 30)
    # A deadline at 07:00 is past before the 08:00 reminder of that day: no due-day reminder.
    occ = reminder_schedule(D(2026, 5, 15), DEFAULT, due_time=dt.time(7, 0))
    assert [o.kind for o in occ][:5] == ["before", "before", "before", "before", "overdue"]
    assert occ[3].at == vn(2026, 5, 14)


def test_not_before() -> None:
    full = reminder_schedule(D(2026, 5, 15), DEFAULT)
    later = reminder_schedule(D(2026, 5, 15), DEFAULT, not_before=vn(2026, 5, 12))
    assert later == [o for o in full if o.at >= vn(2026, 5, 12)]
    assert later[0].at == vn(2026, 5, 12)  # exactly at not_before is kept
    after = reminder_schedule(D(2026, 5, 15), DEFAULT, not_before=vn(2026, 5, 20, 9))
    assert [o.sequence for o in after] == [2, 3, 4, 5]  # identities unchanged
    # not_before in UTC works the same: 01:00 UTC is 08:00 in Vietnam.
    utc = dt.datetime(2026, 5, 12, 1, 0, tzinfo=UTC)
    assert reminder_schedule(D(2026, 5, 15), DEFAULT, not_before=utc) == later
    with pytest.raises(ValueError):
        reminder_schedule(D(2026, 5, 15), DEFAULT, not_before=dt.datetime(2026, 5, 12))


def test_occurrence_times() -> None:
    occ = reminder_schedule(D(2026, 5, 15), DEFAULT)[0]
    assert occ.at.tzinfo is VN_TZ
    assert occ.at_utc == dt.datetime(2026, 4, 29, 1, 0, tzinfo=UTC)
    assert occ.at_utc.tzinfo is UTC
    assert occ.day == D(2026, 4, 29)
    assert occ.days_to_due == 16


def test_policy_validation_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "REMINDER_OFFSETS_DAYS",
        "REMINDER_TIME",
        "OVERDUE_EVERY_DAYS",
        "OVERDUE_MAX",
        "WORKDAYS_ONLY",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError):
        ReminderPolicy(offsets_days=(3, -1))
    with pytest.raises(ValueError):
        ReminderPolicy(overdue_every_days=0)
    with pytest.raises(ValueError):
        ReminderPolicy(overdue_max=-1)
    with pytest.raises(ValueError):
        ReminderPolicy(at=dt.time(8, 0, tzinfo=UTC))
    settings = Settings(
        _env_file=None,
        reminder_offsets_days="10,5,0",
        reminder_time=dt.time(7, 45),
        overdue_every_days=1,
        overdue_max=3,
        workdays_only=False,
    )
    assert ReminderPolicy.from_settings(settings) == ReminderPolicy(
        offsets_days=(10, 5, 0),
        at=dt.time(7, 45),
        overdue_every_days=1,
        overdue_max=3,
        workdays_only=False,
    )
    assert ReminderPolicy.from_settings(Settings(_env_file=None)) == DEFAULT


@pytest.mark.parametrize(
    ("due", "workdays", "expected"),
    [
        (D(2026, 5, 15), 3, D(2026, 5, 20)),  # Fri -> Mon, Tue, Wed
        (D(2026, 5, 16), 3, D(2026, 5, 20)),  # Sat -> Mon, Tue, Wed
        (D(2026, 2, 12), 3, D(2026, 2, 24)),  # Thu -> Fri 13, (Tết), Mon 23, Tue 24
        (D(2026, 11, 20), 3, D(2026, 11, 26)),  # Fri -> Mon 23, Wed 25, Thu 26 (24/11 off)
        (D(2026, 5, 15), 1, D(2026, 5, 18)),
    ],
)
def test_escalation_date(due: dt.date, workdays: int, expected: dt.date) -> None:
    assert escalation_date(due, workdays) == expected


def test_escalation_default_is_three_workdays() -> None:
    assert escalation_date(D(2026, 5, 15)) == D(2026, 5, 20)
