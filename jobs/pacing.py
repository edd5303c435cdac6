"""Pacing for Telegram's flood limits: 30 messages/s overall, 1/s per private chat,
20/min per group, and every retry_after the server asks for, with many sends in flight.

Telegram counts a message when it reaches its server, half a round trip after the request
leaves; the answer comes back half a round trip later. At 200 ms a round trip, waiting for
each answer before counting it (one message per round trip, or every window stretched by
the round trip) would leave a sixth or more of the limit unused, so the pacer estimates
when each send reached the server and keeps every window *there* within the limit:

1. `acquire` reserves a slot ahead of time: the earliest moment free for its chat and on
   the global timeline (slots spaced 1/rate apart). Many sends wait concurrently, each for
   its own slot, so one slow chat never holds up the others.
2. `admit`, called right before the request, returns a `Ticket` only when sending now keeps
   every window the server can see. A send *in flight* counts as reaching the server at
   any moment still to come. For an *answered* one, the way back of its answer and the way
   there of the new request together take about one round trip, at least the shortest of
   the recent ones (they are one way each, drawn like any round trip's two halves): so the
   new request may leave when the old one's answer, minus that shortest round trip, is out
   of the window. One that got no answer (a timeout, a dropped connection) counts from the
   moment it gave up, with no way back to subtract. `margin_s` covers a little more (a
   busy event loop). This needs no assumption that the two halves of a round trip are
   alike, and at 200 ms ± 20 % it keeps about 0.96 of the limit.
3. `record(ticket, answered=...)` when the request is over, whatever the outcome.

A 429 pauses everything until its retry_after has passed (requests already on their way
cannot be called back; none starts before the pause ends). One chat's messages go one at a
time (jobs/dispatch.py holds a lock per chat), so its spacing is measured from its
previous message's estimated arrival. Real elapsed time is what the server counts, so this
reads the monotonic clock (injectable for tests), not the domain clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_RTT_SAMPLES = 50
"""Round trips remembered for the shortest recent one (a route change shows within 50)."""


@dataclass
class Ticket:
    """One admitted request: when it left, and from when it counts (its answer's arrival;
    None while in flight)."""

    chat_id: int
    started: float
    arrived: float | None = None


class Pacer:
    def __init__(
        self,
        *,
        global_per_s: float = 30.0,
        private_per_s: float = 1.0,
        group_per_min: float = 20.0,
        safety: float = 1.0,
        margin_s: float = 0.005,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # `safety` below 1 keeps each limit a little further off (spacing of the slots).
        self.global_gap = 1.0 / (global_per_s * safety)
        self.private_gap = 1.0 / (private_per_s * safety)
        self.group_gap = 60.0 / (group_per_min * safety)
        self.margin_s = margin_s
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
        self._tickets: deque[Ticket] = deque()  # by start; answered old ones pruned
        self._last_arrival: dict[int, float] = {}
        self._rtts: deque[float] = deque(maxlen=_RTT_SAMPLES)
        self.in_flight = 0
        """Requests admitted and not yet recorded."""
        self.max_in_flight = 0
        """The most that were ever in flight at once (for benchmarks and tests)."""

    # ----------------------------------------------------------------- slots

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
        self._chat_next[chat_id] = max(
            self._chat_next.get(chat_id, 0.0), at + self._chat_gap(chat_id)
        )
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
        """Wait until a message to this chat may be sent, by the timetable."""
        while True:
            at = self._reserve(chat_id)
            delay = at - self._monotonic()
            if delay > 0:
                await self._sleep(delay)
            if self._monotonic() >= self.paused_until:
                return

    # ------------------------------------------------------------- admission

    def _round_trip_min(self) -> float:
        """The shortest recent round trip (0 before the first answer)."""
        return min(self._rtts) if self._rtts else 0.0

    def wait_time(self, chat_id: int) -> float:
        """Seconds until a request to this chat may leave (0: now)."""
        now = self._monotonic()
        # The old answers' times are compared with this: now plus the new request's way
        # there and the old answers' way back (see the module's docstring).
        reach = now + self._round_trip_min()
        tickets = self._tickets
        while tickets and tickets[0].arrived is not None and tickets[0].arrived < now - 2.0:
            tickets.popleft()
        horizon = reach - self._window - self.margin_s
        counted = sorted(
            (reach if t.arrived is None else t.arrived for t in tickets),
            reverse=True,
        )
        counted = [at for at in counted if at > horizon]
        wait = self.paused_until - now
        if len(counted) >= self._global_limit:
            # The limit-th latest must leave the window first (an in-flight one never does
            # until it is answered: wait a little and look again).
            oldest = counted[self._global_limit - 1]
            wait = max(wait, oldest + self._window + self.margin_s - reach, 0.005)
        last = self._last_arrival.get(chat_id)
        if last is not None:
            gap = self._group_min if chat_id < 0 else self._private_min
            wait = max(wait, last + gap + self.margin_s - reach)
        return max(wait, 0.0)

    async def admit(self, chat_id: int, max_wait: float | None = None) -> Ticket | None:
        """Wait until sending now keeps every limit and count the request as started.

        Returns None if that takes longer than `max_wait` (the caller renews its claim and
        asks again)."""
        deadline = None if max_wait is None else self._monotonic() + max_wait
        while True:
            wait = self.wait_time(chat_id)
            if wait <= 0:
                ticket = Ticket(chat_id, self._monotonic())
                self._tickets.append(ticket)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                return ticket
            if deadline is not None:
                left = deadline - self._monotonic()
                if left <= 0:
                    return None
                wait = min(wait, left)
            await self._sleep(wait)

    def record(
        self,
        ticket: Ticket,
        *,
        answered: bool,
        exchange: tuple[float, float] | None = None,
    ) -> None:
        """The request is over: `answered` if the server's answer came back (any answer,
        an error too), False if none did (a timeout or a dropped connection). `exchange`,
        when the network layer knows it: when the request really left and when its answer
        was read (the same clock), a tighter round trip than admission to now."""
        now = self._monotonic()
        self.in_flight -= 1
        if answered:
            left, back = exchange if exchange is not None else (ticket.started, now)
            self._rtts.append(back - left)
            ticket.arrived = back
        else:  # no way back to count on: as if it reached the server when it gave up
            ticket.arrived = now + self._round_trip_min()
        chat_id = ticket.chat_id
        self._last_arrival[chat_id] = ticket.arrived
        gap = self._group_min if chat_id < 0 else self._private_min
        earliest = ticket.arrived + gap + self.margin_s - self._round_trip_min()
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), earliest)
        if len(self._last_arrival) > 10_000:
            self._last_arrival = {c: t for c, t in self._last_arrival.items() if t > now - 60}

    def pause(self, seconds: float, chat_id: int | None = None) -> None:
        """A 429: nothing goes out until `seconds` have passed (and that chat waits too)."""
        until = self._monotonic() + seconds
        self.paused_until = max(self.paused_until, until)
        if chat_id is not None:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)
