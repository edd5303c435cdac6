"""python-telegram-bot's network layer on aiohttp instead of httpx.

PTB lets an application bring its own `BaseRequest`. Measured against the fake server
(bench/updates.py), httpx spends about three times the CPU of aiohttp's client on each Bot
API call, and a status change makes two or three calls; aiohttp is already a dependency
(the fake server). Everything above `do_request` - JSON parsing, error mapping (400, 403,
429 with retry_after, 5xx), retries - stays PTB's own.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}

INLINE_QUERY_BYTES = 2048
"""A call whose parameters encode to at most this many bytes sends them in the URL's query
string (the Bot API reads parameters from the query string of a POST as from its body).
aiohttp writes a request without a body at once, in the step that makes the call; a body
is written by a task of its own one turn of the event loop later (before Python 3.12). On
a busy bot that turn is long: a pop-up answer then waits for every other update's work
scheduled before it. Still POST, so that aiohttp never repeats it on its own (it repeats
a GET whose reused connection was closed, and a message would be sent twice)."""

last_exchange: ContextVar[tuple[float, float] | None] = ContextVar("last_exchange", default=None)
"""(monotonic time the request left, time its answer was read) of the last request this
task made, set before PTB parses the answer: the round trip without the parsing, for the
dispatcher's pacing (jobs/pacing.py). None when the last request got no answer."""


class NotSent(NetworkError):
    """The request never left: no connection could be opened (refused, a name that does
    not resolve, the connect phase timed out, no pooled connection came free). Nothing
    reached the server, so trying again can never make a duplicate - unlike a plain
    NetworkError (a dropped connection, a 5xx) or TimedOut, after which the call may have
    taken effect."""


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp ClientSession behind PTB's request interface.

    One budget bounds a whole request, from asking for a connection to the last byte of its
    answer: the larger of `read_timeout` and `write_timeout` (PTB adds a long poll's
    `timeout` to getUpdates' read timeout; an upload gets `media_write_timeout`). Adding the
    two, as separate read and write timeouts would, let one stuck request take twice the
    configured time. `connect_timeout` also bounds opening a connection."""

    __slots__ = (
        "_connect_timeout",
        "_limit",
        "_media_write_timeout",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 128,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._limit = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, limit_per_host=self._limit),
                headers={"User-Agent": self.USER_AGENT},
                # The Bot API sets no cookies; keeping none saves work on every answer.
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        files = (
            request_data.multipart_data if request_data and request_data.contains_files else None
        )
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, bool(files)
        )
        data: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData(quote_fields=False)
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in files.items():
                    form.add_field(name, content, filename=filename or name, content_type=mimetype)
                data = form
            else:  # form-encoded here, once: cheaper than aiohttp's general FormData path
                query = urlencode(request_data.json_parameters, quote_via=quote)
                if len(query) <= INLINE_QUERY_BYTES:
                    url = f"{url}?{query}"
                else:
                    data, headers = query.encode(), _FORM
        return await self._exchange(url, method, data, headers, timeout)

    def _timeout(
        self,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
        files: bool,
    ) -> aiohttp.ClientTimeout:
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        return aiohttp.ClientTimeout(
            total=_max(read, write),
            connect=_sum(pool, connect),  # aiohttp's "connect" includes waiting for the pool
            sock_connect=connect,
        )

    async def _exchange(
        self,
        url: str,
        method: str,
        data: Any,
        headers: dict[str, str] | None,
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        """One HTTP request and its whole answer: (status, body)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        last_exchange.set(None)
        try:
            sent = time.monotonic()
            async with self._session.request(
                method, URL(url, encoded=True), data=data, headers=headers, timeout=timeout
            ) as response:
                body = await response.read()
                last_exchange.set((sent, time.monotonic()))
                return response.status, body
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            # Before TimeoutError: a connect-phase timeout is one, but nothing was sent.
            raise NotSent(_described(error, url)) from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(_described(error, url)) from error


def _described(error: Exception, url: str) -> str:
    """The URL holds the bot token (and maybe the parameters): the text names only the
    method it called."""
    base = url.split("?", 1)[0]
    where = f"<Bot API>/{base.rsplit('/', 1)[-1]}"
    text = str(error).replace(url, where).replace(base, where)
    return f"aiohttp.{error.__class__.__name__}: {text}"


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _max(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a, b)


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


class LongPollRequest(AiohttpRequest):
    """The request layer of getUpdates: the next long poll leaves the moment the previous
    answer is read.

    python-telegram-bot's Updater asks again only after it has parsed the answer, queued its
    updates and been scheduled once more; with a batch of updates arriving, the handlers of
    the batch before run first, so on a busy bot the next getUpdates can leave tens of
    milliseconds late, and every update that happens meanwhile waits that much longer (over
    a 200 ms round trip an update already waits up to one round trip for the next poll).
    Here, as soon as an answer with updates (or an empty one) is read, the same request with
    the offset that confirms them is sent, and the Updater's next call, which asks exactly
    that, gets its answer. Confirming a batch as soon as it arrived is what the Updater does
    anyway (it asks for the next one before the handlers ran). Any other call (another
    offset, `timeout=0` at stop) first cancels the request sent ahead: Telegram allows one
    getUpdates at a time."""

    __slots__ = ("_ahead",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ahead: tuple[Any, asyncio.Task[tuple[int, bytes]]] | None = None

    async def shutdown(self) -> None:
        self._cancel_ahead()
        await super().shutdown()

    def _cancel_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        params = request_data.json_parameters if request_data is not None else {}
        long_poll = (
            url.endswith("/getUpdates")
            and not (request_data is not None and request_data.contains_files)
            and _positive(params.get("timeout"))
        )
        if not long_poll:
            self._cancel_ahead()
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, False)
        key = (url, method, tuple(sorted(params.items())), timeout)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == key:
            status, body = await ahead[1]
        else:
            if ahead is not None:
                ahead[1].cancel()
            query = urlencode(params, quote_via=quote)
            status, body = await self._exchange(f"{url}?{query}", method, None, None, timeout)
        following = _following(body, params) if status == 200 else None
        if following is not None:
            query = urlencode(following, quote_via=quote)
            task = asyncio.ensure_future(
                self._exchange(f"{url}?{query}", method, None, None, timeout)
            )
            task.add_done_callback(_observed)
            self._ahead = ((url, method, tuple(sorted(following.items())), timeout), task)
        return status, body


def _positive(value: str | None) -> bool:
    try:
        return value is not None and float(value) > 0
    except ValueError:
        return False


def _following(body: bytes, params: dict[str, str]) -> dict[str, str] | None:
    """The parameters of the getUpdates that follows this answer: the offset that confirms
    its updates (the same parameters when it brought none); None when the answer is not a
    list of updates."""
    try:
        answer = json.loads(body)
        updates = answer["result"]
        if not answer.get("ok") or not isinstance(updates, list):
            return None
        if not updates:
            return params
        return {**params, "offset": str(int(updates[-1]["update_id"]) + 1)}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _observed(task: asyncio.Task[Any]) -> None:
    """A request sent ahead that nobody awaited: its failure is not an unhandled error."""
    if not task.cancelled():
        task.exception()
