"""The Vietnamese calendar: lunar dates, public holidays and working days.

Every expected date here was written by hand from published facts (the official holiday
announcements, Vietnamese lunar calendars), not copied from the code's output.
"""

from __future__ import annotations

import datetime as dt

import lunar_vn
import pytest

from services.vncalendar import (
    LunarDate,
    LunarDateError,
    add_workdays,
    holiday_name,
    holidays_between,
    is_day_off,
    is_holiday,
    is_workday,
    lunar_to_solar,
    next_workday,
    prev_workday,
    solar_to_lunar,
    workdays_between,
)

D = dt.date

# (lunar year, month, day, leap) -> solar date, Vietnamese calendar (UTC+7).
LUNAR_CASES = [
    # Tết Nguyên đán (1/1)
    ((2024, 1, 1, False), D(2024, 2, 10)),
    ((2025, 1, 1, False), D(2025, 1, 29)),
    ((2026, 1, 1, False), D(2026, 2, 17)),
    ((2030, 1, 1, False), D(2030, 2, 2)),  # China: 03/02/2030
    # Giỗ Tổ Hùng Vương (10/3)
    ((2024, 3, 10, False), D(2024, 4, 18)),
    ((2025, 3, 10, False), D(2025, 4, 7)),
    ((2026, 3, 10, False), D(2026, 4, 26)),
    # Tết Trung thu (15/8)
    ((2025, 8, 15, False), D(2025, 10, 6)),
    ((2026, 8, 15, False), D(2026, 9, 25)),
    ((2034, 8, 15, False), D(2034, 9, 26)),  # China: 27/09/2034
    # Leap months: 2023 has a leap 2nd month, 2025 a leap 6th month.
    ((2023, 2, 1, True), D(2023, 3, 22)),
    ((2025, 6, 1, False), D(2025, 6, 25)),
    ((2025, 6, 1, True), D(2025, 7, 25)),
    # 29 tháng Chạp Ất Tỵ is Giao thừa: the 12th month of 2025 has 29 days.
    ((2025, 12, 29, False), D(2026, 2, 16)),
]


@pytest.mark.parametrize(("lunar", "solar"), LUNAR_CASES)
def test_lunar_to_solar(lunar: tuple[int, int, int, bool], solar: dt.date) -> None:
    year, month, day, leap = lunar
    assert lunar_to_solar(year, month, day, leap=leap) == solar


@pytest.mark.parametrize(("lunar", "solar"), LUNAR_CASES)
def test_solar_to_lunar(lunar: tuple[int, int, int, bool], solar: dt.date) -> None:
    assert solar_to_lunar(solar) == LunarDate(*lunar)


def test_vietnamese_not_chinese_calendar() -> None:
    # The same algorithm at UTC+8 gives the Chinese dates: the time zone is what differs.
    assert lunar_vn.convert_lunar_to_solar(15, 8, 2034, time_zone=8.0) == D(2034, 9, 27)
    assert lunar_vn.convert_lunar_to_solar(1, 1, 2030, time_zone=8.0) == D(2030, 2, 3)
    assert lunar_to_solar(2034, 8, 15) == D(2034, 9, 26)
    assert lunar_to_solar(2030, 1, 1) == D(2030, 2, 2)


@pytest.mark.parametrize(
    "lunar",
    [
        (2025, 12, 30, False),  # no 30 Tết in 2026
        (2025, 7, 1, True),  # 2025's leap month is the 6th
        (2026, 6, 1, True),  # 2026 has no leap month
        (2025, 13, 1, False),
        (2025, 0, 1, False),
        (2025, 1, 0, False),
        (2025, 1, 31, False),
    ],
)
def test_lunar_date_that_does_not_exist(lunar: tuple[int, int, int, bool]) -> None:
    year, month, day, leap = lunar
    with pytest.raises(LunarDateError):
        lunar_to_solar(year, month, day, leap=leap)
    assert issubclass(LunarDateError, ValueError)


def test_round_trip_two_years() -> None:
    d = D(2025, 1, 1)
    while d < D(2027, 1, 1):
        lunar = solar_to_lunar(d)
        assert lunar_to_solar(lunar.year, lunar.month, lunar.day, lunar.leap) == d
        d += dt.timedelta(days=1)


def test_datetime_is_refused() -> None:
    with pytest.raises(TypeError):
        solar_to_lunar(dt.datetime(2026, 2, 17, 8, 0))
    with pytest.raises(TypeError):
        is_workday(dt.datetime(2026, 2, 17, 8, 0))


# ------------------------------------------------------------------ holidays


@pytest.mark.parametrize(
    ("first_off", "last_off"),
    [
        # The whole stretch of days off around Tết, weekends included.
        (D(2024, 2, 8), D(2024, 2, 14)),  # Thu 08/02 - Wed 14/02/2024
        (D(2025, 1, 25), D(2025, 2, 2)),  # Sat 25/01 - Sun 02/02/2025
        (D(2026, 2, 14), D(2026, 2, 22)),  # Sat 14/02 - Sun 22/02/2026 (Tết 16/02-20/02)
        (D(2027, 2, 4), D(2027, 2, 10)),  # Thu 04/02 - Wed 10/02/2027 (holidays' estimate)
    ],
)
def test_tet_break(first_off: dt.date, last_off: dt.date) -> None:
    assert is_workday(first_off - dt.timedelta(days=1))
    assert is_workday(last_off + dt.timedelta(days=1))
    d = first_off
    while d <= last_off:
        assert is_day_off(d), d
        d += dt.timedelta(days=1)
    assert prev_workday(first_off + dt.timedelta(days=2)) == first_off - dt.timedelta(days=1)
    assert next_workday(first_off) == last_off + dt.timedelta(days=1)
    assert workdays_between(first_off - dt.timedelta(days=1), last_off + dt.timedelta(days=1)) == 1


def test_tet_2026_is_five_weekdays() -> None:
    tet = holidays_between(D(2026, 2, 1), D(2026, 2, 28))
    assert [d for d, _ in tet] == [D(2026, 2, d) for d in (16, 17, 18, 19, 20)]
    assert holiday_name(D(2026, 2, 17)) == "Tết Nguyên Đán"
    assert holiday_name(D(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (D(2026, 1, 1), True),  # Tết Dương lịch
        (D(2026, 4, 26), True),  # Giỗ Tổ, a Sunday ...
        (D(2026, 4, 27), True),  # ... so Monday is off too
        (D(2026, 4, 30), True),
        (D(2026, 5, 1), True),
        (D(2025, 9, 1), True),  # 2/9 plus one adjacent day
        (D(2025, 9, 2), True),
        (D(2026, 8, 31), True),  # day off swapped with Saturday 22/08/2026
        (D(2026, 9, 1), True),
        (D(2026, 9, 2), True),
        (D(2026, 11, 24), True),  # Ngày Văn hóa Việt Nam, a holiday from 2026
        (D(2026, 6, 1), False),  # Children's Day is not a day off
        (D(2026, 5, 16), False),  # an ordinary Saturday is a day off but no holiday
    ],
)
def test_is_holiday(day: dt.date, holiday: bool) -> None:
    assert is_holiday(day) is holiday
    assert (holiday_name(day) is not None) is holiday
    if holiday:
        assert not is_workday(day)


def test_holiday_names_are_vietnamese() -> None:
    assert holiday_name(D(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"
    assert holiday_name(D(2026, 9, 2)) == "Quốc khánh"
    assert holiday_name(D(2026, 5, 1)) == "Ngày Quốc tế Lao động"
    assert holiday_name(D(2026, 5, 4)) is None


def test_swapped_saturday_is_a_workday() -> None:
    assert D(2026, 8, 22).weekday() == 5
    assert is_workday(D(2026, 8, 22))
    assert not is_holiday(D(2026, 8, 22))
    assert not is_workday(D(2026, 8, 29))  # the next Saturday is an ordinary one


# ------------------------------------------------------------------ working days


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2026, 5, 15), True),  # Friday
        (D(2026, 5, 16), False),  # Saturday
        (D(2026, 5, 17), False),  # Sunday
        (D(2026, 5, 18), True),  # Monday
        (D(2026, 2, 13), True),  # Friday before Tết
        (D(2026, 2, 23), True),  # Monday after Tết
    ],
)
def test_is_workday(day: dt.date, workday: bool) -> None:
    assert is_workday(day) is workday


def test_prev_next_workday() -> None:
    sat = D(2026, 5, 16)
    assert prev_workday(sat) == D(2026, 5, 15)
    assert next_workday(sat) == D(2026, 5, 18)
    fri = D(2026, 5, 15)
    assert prev_workday(fri) == D(2026, 5, 14)
    assert prev_workday(fri, inclusive=True) == fri
    assert next_workday(fri) == D(2026, 5, 18)
    assert next_workday(fri, inclusive=True) == fri
    assert prev_workday(D(2026, 5, 2)) == D(2026, 4, 29)  # past 1/5 and 30/4
    assert next_workday(D(2025, 12, 31)) == D(2026, 1, 2)  # past 1/1


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 5, 15), 0, D(2026, 5, 15)),
        (D(2026, 5, 16), 0, D(2026, 5, 16)),
        (D(2026, 5, 15), 1, D(2026, 5, 18)),
        (D(2026, 5, 15), 3, D(2026, 5, 20)),
        (D(2026, 5, 16), 1, D(2026, 5, 18)),
        (D(2026, 5, 18), -1, D(2026, 5, 15)),
        (D(2026, 5, 17), -1, D(2026, 5, 15)),
        (D(2026, 2, 13), 1, D(2026, 2, 23)),
        (D(2026, 2, 23), -1, D(2026, 2, 13)),
        (D(2025, 12, 31), 1, D(2026, 1, 2)),
        (D(2026, 4, 24), 2, D(2026, 4, 29)),  # Fri + Tue 28, Wed 29 (27/4 is off)
    ],
)
def test_add_workdays(start: dt.date, n: int, expected: dt.date) -> None:
    assert add_workdays(start, n) == expected
    assert workdays_between(start, expected) == n


def test_add_workdays_and_workdays_between_agree() -> None:
    start = D(2026, 1, 1)
    for i in range(0, 120, 3):
        d = start + dt.timedelta(days=i)
        for n in (-7, -2, -1, 0, 1, 2, 5):
            assert workdays_between(d, add_workdays(d, n)) == n, (d, n)


def test_workdays_between() -> None:
    assert workdays_between(D(2026, 5, 15), D(2026, 5, 15)) == 0
    assert workdays_between(D(2026, 5, 15), D(2026, 5, 17)) == 0
    assert workdays_between(D(2026, 5, 15), D(2026, 5, 19)) == 2
    assert workdays_between(D(2026, 5, 19), D(2026, 5, 15)) == -2
    # Walking back from Sunday 17/05 to Friday 15/05 passes Friday: -1, the inverse of
    # add_workdays(Sunday, -1) == Friday; walking forward from Friday to Sunday passes none.
    assert workdays_between(D(2026, 5, 17), D(2026, 5, 15)) == -1
    assert workdays_between(D(2025, 12, 31), D(2026, 1, 2)) == 1
    # 2026: 261 weekdays, 13 of them holidays (1/1, 16-20/2, 27/4, 30/4, 1/5, 31/8, 1/9,
    # 2/9, 24/11), plus Saturday 22/08 worked.
    assert workdays_between(D(2025, 12, 31), D(2026, 12, 31)) == 249
    assert workdays_between(D(2024, 12, 31), D(2026, 12, 31)) == (
        workdays_between(D(2024, 12, 31), D(2025, 12, 31)) + 249
    )


def test_the_calendar_s_last_year_does_not_fail_in_its_tables():
    """31/12/9999 was "year 10000 is out of range" inside the holiday tables (issue 10)."""
    from services import vncalendar

    last = dt.date(9999, 12, 31)
    assert vncalendar.is_workday(last) in (True, False)
    assert vncalendar.workdays_between(dt.date(9999, 12, 1), last) > 0
