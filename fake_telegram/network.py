"""The network between the bot and the fake server: a round trip, jitter and lost answers.

On loopback a Bot API call comes back in about a millisecond; from Vietnam to Telegram's
servers it takes roughly 200 ms.  ``NetworkModel`` makes the fake answer like a distant
server: each call waits half a round trip before it takes effect on the server (so flood
limits and message order are judged at the moment the server sees the call) and the other
half before its answer leaves.  A round trip is ``latency_ms`` scaled by a factor drawn
uniformly from ``[1 - jitter, 1 + jitter]``.

A *lost answer* is a call that takes effect (the message is sent and recorded) but whose
answer never reaches the bot: in ``"hold"`` mode the server keeps the connection open until
the client gives up (the bot sees a timeout), in ``"close"`` mode it drops the connection
(the bot sees a network error).  This is what makes "did it go?" hard on a real network.
getUpdates answers are never lost (a long poll that loses its answer is simply repeated by
Telegram's offset logic; losing them here would only slow tests down).

Draws come from one ``random.Random(seed)``: with a fixed seed and calls made one after
another, the same calls are delayed and lost every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LOST_MODES", "NetworkModel"]

LOST_MODES = ("hold", "close")
_NEVER_LOST = frozenset({"getupdates"})


@dataclass
class NetworkModel:
    """Round trip, jitter and lost-answer rate; change the fields at any time."""

    latency_ms: float = 0.0
    """Mean round trip of one call, in milliseconds (0: answer at once, as on loopback)."""
    jitter: float = 0.0
    """Relative spread of a round trip: 0.2 means each one is within ±20% of ``latency_ms``."""
    lost_fraction: float = 0.0
    """Share of calls (other than getUpdates) that take effect but whose answer is lost."""
    lost_mode: str = "hold"
    """"hold": keep the connection until the client times out; "close": drop it."""
    seed: int | None = None
    """Seed of the random draws (None: different every run)."""
    lost_answers: int = 0
    """How many answers were lost so far."""
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.configure()

    def configure(
        self,
        latency_ms: float | None = None,
        jitter: float | None = None,
        lost_fraction: float | None = None,
        lost_mode: str | None = None,
        seed: int | None = None,
    ) -> None:
        """Change some settings (None keeps a value); a ``seed`` restarts the draws."""
        if latency_ms is not None:
            self.latency_ms = float(latency_ms)
        if jitter is not None:
            self.jitter = float(jitter)
        if lost_fraction is not None:
            self.lost_fraction = float(lost_fraction)
        if lost_mode is not None:
            self.lost_mode = lost_mode
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if not 0.0 <= self.lost_fraction <= 1.0:
            raise ValueError("lost_fraction must be between 0 and 1")
        if self.lost_mode not in LOST_MODES:
            raise ValueError(f"lost_mode must be one of {LOST_MODES}")
        if seed is not None:
            self.seed = seed
        if seed is not None or not hasattr(self, "_rng"):
            self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        """Does the model change anything (else the server skips it entirely)?"""
        return self.latency_ms > 0 or self.lost_fraction > 0

    def round_trip(self) -> float:
        """One round trip in seconds, jitter applied."""
        if self.latency_ms <= 0:
            return 0.0
        factor = self._rng.uniform(1.0 - self.jitter, 1.0 + self.jitter) if self.jitter else 1.0
        return self.latency_ms * factor / 1000.0

    def halves(self) -> tuple[float, float]:
        """(seconds before the call takes effect, seconds before its answer arrives)."""
        trip = self.round_trip()
        return trip / 2, trip / 2

    def answer_lost(self, method: str) -> bool:
        """Draw whether this call's answer is lost (counted in ``lost_answers``)."""
        if self.lost_fraction <= 0 or method.lower() in _NEVER_LOST:
            return False
        if self._rng.random() >= self.lost_fraction:
            return False
        self.lost_answers += 1
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "jitter": self.jitter,
            "lost_fraction": self.lost_fraction,
            "lost_mode": self.lost_mode,
            "seed": self.seed,
            "lost_answers": self.lost_answers,
        }
