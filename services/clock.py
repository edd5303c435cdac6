"""The one clock every component reads.

Times are stored in UTC and shown in Asia/Ho_Chi_Minh. Production uses `SystemClock`;
tests and benchmarks install a `FrozenClock` (or any `Clock`) with `set_clock` and move
time instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta


class ShiftedClock:
    """Another clock (the system's by default) moved by an offset that only grows: the
    offline demo fast-forwards to the next reminder without waiting for it."""

    def __init__(self, base: Clock | None = None) -> None:
        self.base: Clock = base or SystemClock()
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return self.base.now() + self.offset

    def jump_to(self, when: dt.datetime) -> None:
        """From now on, time goes on from `when` (never backwards)."""
        self.offset = max(self.offset, when - self.base.now())


_clock: Clock = SystemClock()


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def get_clock() -> Clock:
    return _clock


def now() -> dt.datetime:
    """Aware UTC now, from the installed clock."""
    return _clock.now()


def now_vn() -> dt.datetime:
    return _clock.now().astimezone(VN_TZ)


def today_vn() -> dt.date:
    return now_vn().date()
