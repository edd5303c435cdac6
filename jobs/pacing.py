"""Pacing for Telegram's flood limits: 30 messages/s overall, 1/s per private chat,
20/min per group, and every retry_after the server asks for.

Two steps per send:
1. `acquire` reserves a slot ahead of time: the earliest moment free for its chat and on
   the global timeline (slots spaced 1/rate apart). Many sends wait concurrently, each for
   its own slot, so one slow chat never holds up the others.
2. `admit`, called right before the request while no other send is in flight (see
   jobs/dispatch.py), checks what really went out, by the moments the server's answers
   came back (`record`): fewer than `rate` answers in the last second, and the chat's own
   last answer far enough back. A message reaches the server before its answer returns
   and after its request starts, so measuring from answers to starts keeps every window the
   server can see within the limit, whatever the network jitter, and a stall (a slow
   commit, a retry) cannot make the sends behind it bunch up.
A 429 pauses everything until its retry_after has passed. Real elapsed time is what the
server counts, so this reads the monotonic clock (injectable for tests), not the domain
clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(
        self,
        *,
        global_per_s: float = 30.0,
        private_per_s: float = 1.0,
        group_per_min: float = 20.0,
        safety: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # A little under each limit: requests leave evenly spaced but reach the server
        # with some jitter, and a window that sees one extra message answers 429.
        self.global_gap = 1.0 / (global_per_s * safety)
        self.private_gap = 1.0 / (private_per_s * safety)
        self.group_gap = 60.0 / (group_per_min * safety)
        self._monotonic = monotonic
        self._sleep = sleep
        self._epoch = monotonic()
        self._taken: set[int] = set()
        self._low = 0  # every global slot below this index is in the past or taken
        self._chat_next: dict[int, float] = {}
        self.paused_until = 0.0
        self._global_limit = max(1, int(global_per_s))
        self._window = 1.0
        self._private_min = 1.0 / private_per_s
        self._group_min = 60.0 / group_per_min
        self._recent: deque[float] = deque()
        self._last_sent: dict[int, float] = {}

    def _chat_gap(self, chat_id: int) -> float:
        return self.group_gap if chat_id < 0 else self.private_gap

    def _reserve(self, chat_id: int) -> float:
        now = self._monotonic()
        earliest = max(now, self.paused_until, self._chat_next.get(chat_id, 0.0))
        k = max(self._low, math.ceil((earliest - self._epoch) / self.global_gap - 1e-9))
        while k in self._taken:
            k += 1
        self._taken.add(k)
        at = self._epoch + k * self.global_gap
        self._chat_next[chat_id] = at + self._chat_gap(chat_id)
        self._prune(now)
        return at

    def _prune(self, now: float) -> None:
        current = math.floor((now - self._epoch) / self.global_gap)
        if current > self._low:
            self._taken = {k for k in self._taken if k >= current}
            self._low = current
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to this chat may be sent."""
        while True:
            at = self._reserve(chat_id)
            delay = at - self._monotonic()
            if delay > 0:
                await self._sleep(delay)
            if self._monotonic() >= self.paused_until:
                return

    async def admit(self, chat_id: int) -> None:
        """Wait until sending now keeps every limit, counting the sends that really happened."""
        while True:
            now = self._monotonic()
            while self._recent and self._recent[0] <= now - self._window:
                self._recent.popleft()
            wait = self.paused_until - now
            if len(self._recent) >= self._global_limit:
                wait = max(wait, self._recent[0] + self._window - now)
            last = self._last_sent.get(chat_id)
            if last is not None:
                gap = self._group_min if chat_id < 0 else self._private_min
                wait = max(wait, last + gap - now)
            if wait <= 0:
                return
            await self._sleep(wait)

    def record(self, chat_id: int) -> None:
        """The server has answered a send to this chat (whatever the answer)."""
        now = self._monotonic()
        self._recent.append(now)
        self._last_sent[chat_id] = now
        if len(self._last_sent) > 10_000:
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > now - 60}

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        """A 429: nothing goes out until `seconds` have passed (and that chat waits too)."""
        until = self._monotonic() + seconds
        self.paused_until = max(self.paused_until, until)
        if chat_id is not None:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)
