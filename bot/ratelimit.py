"""Interactive replies that meet a 429 wait and try again.

The dispatcher paces its own sends and handles every retry_after itself (it passes
`rate_limit_args={"retry": False}`). Replies to a person are few and immediate, but two in
quick succession to one chat can still meet Telegram's per-chat limit; rather than lose
such a reply, this waits as asked and retries, a few times at most.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class RetryOn429(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, max_retries: int = 3, max_wait_s: float = 30.0) -> None:
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> Any:
        retry = (rate_limit_args or {}).get("retry", True)
        for attempt in range(self.max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                if not retry or attempt == self.max_retries or seconds > self.max_wait_s:
                    raise
                log.info("%s: flood limit, retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable")
