"""Replies to a person that meet a 429 or a server error wait and try again.

The dispatcher paces its own sends and handles every failure itself (it passes
`rate_limit_args={"retry": False}`). Every other call - the answer to a press, the reply to
a message, the redraw of a card - goes to one person who is waiting for it; losing it to a
passing failure would leave them with "Có lỗi…" for a change that was in fact recorded.
So this, as python-telegram-bot's rate limiter hook around every such call:

1. 429 Too Many Requests: wait the `retry_after` Telegram names, whatever it is, and try
   again (two quick replies to one chat can meet the per-chat limit): nothing was done;
2. a request that never left (`NotSent`: the connection was refused, the name did not
   resolve, the connect phase timed out): try again after 0.5, 1, 2, 4 ... seconds;
3. a 5xx answer, a connection dropped after the request went out, a timeout: the call may
   have taken effect although its answer was lost, so only calls that are safe to repeat
   (an edit, a pop-up, a command menu: `SAFE_TO_REPEAT`) are tried again; a message sent
   twice would be a duplicate in the person's chat, so a send is not;
4. anything else (400, 403 ...) at once to the caller: trying again cannot help.

A pop-up tried again after its first answer was lost finds its query already answered
("query is too old"): that is counted as done.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.aiohttp_request import NotSent

log = logging.getLogger(__name__)

SAFE_TO_REPEAT = frozenset(
    {
        "answerCallbackQuery",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "deleteMessage",
        "sendChatAction",
        "setMyCommands",
        "deleteMyCommands",
        "getMe",
        "getFile",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
    }
)
"""Bot API methods whose second call changes nothing more than the first did."""

ALREADY_ANSWERED = "query is too old"


def retry_seconds(error: RetryAfter) -> float:
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


class RetryReplies(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, max_retries: int = 5, first_backoff_s: float = 0.5) -> None:
        self.max_retries = max_retries
        self.first_backoff_s = first_backoff_s

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
        if not (rate_limit_args or {}).get("retry", True):
            return await callback(*args, **kwargs)
        backoff = self.first_backoff_s
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if last:
                    raise
                wait = retry_seconds(error)
                log.info("%s: flood limit, retrying in %.1f s", endpoint, wait)
            except TimedOut:
                if last or endpoint not in SAFE_TO_REPEAT:
                    raise
                wait = 0.0
                log.info("%s: timed out, trying again", endpoint)
            except BadRequest as error:
                if attempt and endpoint == "answerCallbackQuery" and ALREADY_ANSWERED in str(error):
                    return True  # the lost answer of the earlier try had taken effect
                raise
            except NetworkError as error:
                if last or not (endpoint in SAFE_TO_REPEAT or isinstance(error, NotSent)):
                    raise
                wait, backoff = backoff, backoff * 2
                log.info("%s failed (%s), retrying in %.1f s", endpoint, error, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")
