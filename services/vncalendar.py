"""The Vietnamese calendar as pure functions: lunar dates, public holidays, working days.

Nothing here reads the clock, a database or Telegram: every function takes its dates as
arguments, so the same answer comes back for the same question.

Lunar calendar
    The Vietnamese lunar calendar is computed for UTC+7; the Chinese one for UTC+8, and
    the two differ in some years (Trung thu 2034: 26/09 in Vietnam, 27/09 in China;
    Tết 2030: 02/02 in Vietnam). The arithmetic is Hồ Ngọc Đức's astronomical algorithm
    (new moons and the sun's longitude, "Âm lịch Việt Nam",
    https://www.informatik.uni-leipzig.de/~duc/amlich/), as packaged by ``lunar-vn``
    (MIT licence, no dependencies, https://github.com/junkeythong/amlichvietnam), called
    with time zone 7. Every conversion is guarded: the result is converted back and must
    give the input again, otherwise ``LunarDateError`` is raised (this is also how a
    lunar date that does not exist, such as day 30 of a 29-day month, is refused).
    Checked when chosen: at UTC+7 it gives the same Tết and Giỗ Tổ dates as the tables of
    the ``holidays`` package's Vietnamese calendar for every year 1901-2099, and at UTC+8
    the same Tết, Trung thu, Đoan ngọ and Phật đản dates as its Chinese tables.

Holidays and working days
    Public holidays come from the ``holidays`` package, country ``VN`` (Bộ luật Lao động
    2019, Điều 112: Tết Dương lịch, the Tết Nguyên đán days fixed each year, Giỗ Tổ Hùng
    Vương, 30/4, 1/5, 2/9 and the adjacent day, Ngày Văn hóa Việt Nam 24/11 from 2026,
    days off moved from a weekend, and the government's swapped days). Names are in
    Vietnamese.

    A working day is Monday to Friday and not a public holiday, **or** a Saturday/Sunday
    that the government turned into a working day in exchange for a day off (e.g.
    Saturday 22/08/2026 worked for Monday 31/08/2026), as the ``holidays`` package records.

    Each year is turned once into a table (a flag and a running count per day), cached,
    so ``is_workday`` is one list index and ``workdays_between`` two.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import lunar_vn

if TYPE_CHECKING:
    from holidays import HolidayBase

__all__ = [
    "VN_TIME_ZONE_HOURS",
    "LunarDate",
    "LunarDateError",
    "add_workdays",
    "holiday_name",
    "holidays_between",
    "is_day_off",
    "is_holiday",
    "is_workday",
    "lunar_to_solar",
    "next_workday",
    "prev_workday",
    "solar_to_lunar",
    "workdays_between",
]

VN_TIME_ZONE_HOURS = 7.0
_ONE_DAY = dt.timedelta(days=1)


# --------------------------------------------------------------------------- lunar


class LunarDateError(ValueError):
    """A lunar date that does not exist, or a conversion that did not convert back."""


@dataclass(frozen=True, slots=True)
class LunarDate:
    """A date of the Vietnamese lunar calendar; ``leap`` marks the leap month (tháng nhuận)."""

    year: int
    month: int
    day: int
    leap: bool = False


@lru_cache(maxsize=4096)
def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> dt.date:
    """The solar date of lunar ``day``/``month`` (``leap`` for the leap month) of ``year``.

    Raises ``LunarDateError`` when that lunar date does not exist (month 1-12, day 1-30,
    a leap flag on a month that is not that year's leap month, day 30 of a short month).
    """
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise LunarDateError(f"no lunar date {day}/{month}/{year}")
    try:
        solar = lunar_vn.convert_lunar_to_solar(
            day, month, year, 1 if leap else 0, time_zone=VN_TIME_ZONE_HOURS
        )
    except ValueError as exc:
        raise LunarDateError(f"no lunar date {day}/{month}{'+' if leap else ''}/{year}") from exc
    back = _solar_to_lunar_raw(solar)
    if back != LunarDate(year, month, day, bool(leap)):
        raise LunarDateError(
            f"no lunar date {day}/{month}{'+' if leap else ''}/{year} (converts to {solar}, "
            f"which is lunar {back.day}/{back.month}{'+' if back.leap else ''}/{back.year})"
        )
    return solar


@lru_cache(maxsize=4096)
def solar_to_lunar(d: dt.date) -> LunarDate:
    """The Vietnamese lunar date of the solar date ``d``."""
    lunar = _solar_to_lunar_raw(_as_date(d))
    try:
        back = lunar_vn.convert_lunar_to_solar(
            lunar.day,
            lunar.month,
            lunar.year,
            1 if lunar.leap else 0,
            time_zone=VN_TIME_ZONE_HOURS,
        )
    except ValueError as exc:
        raise LunarDateError(f"lunar conversion of {d} failed: {exc}") from exc
    if back != d:
        raise LunarDateError(f"lunar conversion of {d} gave {lunar}, which converts to {back}")
    return lunar


def _solar_to_lunar_raw(d: dt.date) -> LunarDate:
    try:
        raw = lunar_vn.convert_solar_to_lunar(d.day, d.month, d.year, time_zone=VN_TIME_ZONE_HOURS)
    except ValueError as exc:
        raise LunarDateError(f"lunar conversion of {d} failed: {exc}") from exc
    return LunarDate(raw.year, raw.month, raw.day, bool(raw.leap))


# ------------------------------------------------------------------ holidays, workdays


@dataclass(frozen=True, slots=True)
class _YearTable:
    first: int  # ordinal of 1 January
    workday: tuple[bool, ...]  # one flag per day of the year
    before: tuple[int, ...]  # before[i]: working days among days 0..i-1; len = days + 1
    names: dict[dt.date, str]  # public holidays of the year, Vietnamese names


@lru_cache(maxsize=32)
def _vn_holidays(years: tuple[int, ...]) -> HolidayBase:
    """The ``holidays`` object for a range of years, in Vietnamese, built once per range."""
    import holidays  # imported on first use: it takes a few hundred ms

    return holidays.country_holidays("VN", years=years, language="vi")


@lru_cache(maxsize=256)
def _year_table(year: int) -> _YearTable:
    # The next year is loaded too: a day off early in year+1 can be swapped for a
    # Saturday of this year (e.g. 02/01/2015 for 27/12/2014).
    # (Not past the calendar's last year: dates are checked where people type them, but
    # arithmetic on 31/12/9999 must fail as a plain "out of range", not inside holidays.)
    hol = _vn_holidays((year, year + 1) if year < dt.MAXYEAR else (year,))
    names = {d: name for d, name in hol.items() if d.year == year}
    swapped = {d for d in hol.weekend_workdays if d.year == year}
    first = dt.date(year, 1, 1).toordinal()
    n_days = 366 if calendar.isleap(year) else 365
    flags: list[bool] = []
    before = [0]
    for i in range(n_days):
        d = dt.date.fromordinal(first + i)
        ok = d in swapped if d.weekday() >= 5 else d not in names
        flags.append(ok)
        before.append(before[-1] + ok)
    return _YearTable(first, tuple(flags), tuple(before), names)


def _as_date(d: dt.date) -> dt.date:
    if isinstance(d, dt.datetime):
        raise TypeError("pass a date, not a datetime (take .date() in Vietnam time first)")
    return d


def is_holiday(d: dt.date) -> bool:
    """True on a public holiday (including a day off moved from a weekend or swapped)."""
    return _as_date(d) in _year_table(d.year).names


def holiday_name(d: dt.date) -> str | None:
    """The Vietnamese name of the public holiday on ``d`` (e.g. "Tết Nguyên Đán"), or None."""
    return _year_table(_as_date(d).year).names.get(d)


def holidays_between(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Public holidays with ``start <= day <= end``, in date order, with their names."""
    out: list[tuple[dt.date, str]] = []
    for year in range(_as_date(start).year, _as_date(end).year + 1):
        out.extend((d, name) for d, name in _year_table(year).names.items() if start <= d <= end)
    out.sort()
    return out


def is_workday(d: dt.date) -> bool:
    """True on a working day: Monday-Friday and not a holiday, or a swapped working weekend."""
    table = _year_table(_as_date(d).year)
    return table.workday[d.toordinal() - table.first]


def is_day_off(d: dt.date) -> bool:
    """The opposite of ``is_workday``: a weekend day (not swapped) or a public holiday."""
    return not is_workday(d)


def prev_workday(d: dt.date, inclusive: bool = False) -> dt.date:
    """The last working day before ``d`` (or ``d`` itself if ``inclusive`` and it is one)."""
    if not (inclusive and is_workday(d)):
        d = d - _ONE_DAY
        while not is_workday(d):
            d -= _ONE_DAY
    return d


def next_workday(d: dt.date, inclusive: bool = False) -> dt.date:
    """The first working day after ``d`` (or ``d`` itself if ``inclusive`` and it is one)."""
    if not (inclusive and is_workday(d)):
        d = d + _ONE_DAY
        while not is_workday(d):
            d += _ONE_DAY
    return d


def add_workdays(d: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``d`` (before it when ``n`` < 0); ``d`` itself if n == 0.

    ``d`` need not be a working day and is never counted: ``add_workdays(Saturday, 1)`` is
    the Monday after (if that is a working day). For n != 0 the result is a working day,
    and ``workdays_between(d, add_workdays(d, n)) == n``; a negative ``n`` walks back the
    same way (``add_workdays(Sunday, -1)`` is the Friday before).
    """
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    for _ in range(abs(n)):
        d = d + step
        while not is_workday(d):
            d += step
    return d


def _count_workdays(lo: dt.date, hi: dt.date) -> int:
    """Working days ``x`` with ``lo <= x <= hi`` (``lo <= hi``), from the yearly tables.
    (Both ends inclusive, so nothing is computed past 31/12/9999.)"""
    t_lo, t_hi = _year_table(lo.year), _year_table(hi.year)
    i_hi = hi.toordinal() - t_hi.first
    total = t_hi.before[i_hi] + t_hi.workday[i_hi] - t_lo.before[lo.toordinal() - t_lo.first]
    for year in range(lo.year, hi.year):
        total += _year_table(year).before[-1]
    return total


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Working days passed going from ``a`` to ``b``: ``a`` excluded, ``b`` included.

    For ``b >= a`` the working days ``x`` with ``a < x <= b``; for ``b < a`` minus those
    with ``b <= x < a``. So "overdue by N working days" is ``workdays_between(due, today)``,
    it is 0 when ``a == b`` or when only days off lie between, and it inverts
    ``add_workdays``: ``workdays_between(d, add_workdays(d, n)) == n`` for every ``d``, ``n``.
    """
    _as_date(a)
    _as_date(b)
    if b == a:
        return 0
    if b > a:
        return _count_workdays(a + _ONE_DAY, b)
    return -_count_workdays(b, a - _ONE_DAY)
