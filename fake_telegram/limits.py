"""Telegram's flood limits as sliding windows over ``time.monotonic()``.

Telegram documents (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
roughly 30 messages per second overall, 1 per second in a private chat and
20 per minute in a group.  Exceeding them yields ``429 Too Many Requests`` with
``retry_after``.  A bot that sends reminders in bulk must pace itself; this module lets
the tests prove that it does.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds.

    Timestamps are kept in arrival order, so pruning from the left is amortised O(1).
    """

    __slots__ = ("_events", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._events: deque[float] = deque()

    def _prune(self, now: float) -> None:
        events = self._events
        horizon = now - self.period
        while events and events[0] <= horizon:
            events.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits, 0.0 if it fits now."""
        self._prune(now)
        if len(self._events) < self.limit:
            return 0.0
        # The (len - limit)-th oldest event has to leave the window first.
        return self._events[len(self._events) - self.limit] + self.period - now

    def add(self, now: float) -> None:
        """Count an event that happened at ``now``."""
        self._prune(now)
        self._events.append(now)

    def __len__(self) -> int:
        return len(self._events)


@dataclass(frozen=True)
class LimitConfig:
    """Numbers behind the limiter; the defaults are Telegram's published ones."""

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


class FloodLimiter:
    """Decides whether a message to ``chat_id`` may be sent now.

    Only successful sends are counted (``record``), as with Telegram: a request refused with
    429 does not use up quota.  Group chats are recognised by their negative ids.
    """

    def __init__(self, config: LimitConfig | None = None) -> None:
        self.config = config or LimitConfig()
        self._global = SlidingWindow(self.config.global_per_second, 1.0)
        self._per_chat: dict[int, SlidingWindow] = {}

    def _chat_window(self, chat_id: int) -> SlidingWindow:
        window = self._per_chat.get(chat_id)
        if window is None:
            if chat_id < 0:
                window = SlidingWindow(self.config.group_per_minute, 60.0)
            else:
                window = SlidingWindow(self.config.private_per_second, 1.0)
            self._per_chat[chat_id] = window
        return window

    def retry_after(self, chat_id: int, now: float) -> int | None:
        """``None`` if a message may go out now, else whole seconds to wait (>= 1)."""
        wait = max(self._global.wait_time(now), self._chat_window(chat_id).wait_time(now))
        if wait <= 0.0:
            return None
        return max(1, math.ceil(wait))

    def record(self, chat_id: int, now: float) -> None:
        """Count a message that was sent to ``chat_id`` at ``now``."""
        self._global.add(now)
        self._chat_window(chat_id).add(now)

    def reset(self) -> None:
        """Forget all past sends (used by ``/_fake/reset`` and when limits are re-enabled)."""
        self._global = SlidingWindow(self.config.global_per_second, 1.0)
        self._per_chat.clear()
