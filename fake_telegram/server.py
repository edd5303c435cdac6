"""The HTTP face of the fake: Bot API routes, file downloads and ``/_fake/`` control routes.

``FakeTelegram`` is the object tests use: it *is* the simulated world (``add_user``,
``user_sends``, ``sent``, ``wait_for`` ... from ``TelegramWorld``) plus a real aiohttp
server on 127.0.0.1, failure injection and the HTTP control API for other processes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import Any, Self

from aiohttp import web

from . import errors
from .api import BotApi, RawJSON
from .errors import ApiError
from .limits import LimitConfig
from .network import NetworkModel
from .params import decode_params, read_request
from .records import JSON, Injection
from .state import TelegramWorld
from .webhook import WebhookSender

__all__ = ["FakeTelegram"]

_log = logging.getLogger(__name__)

# Telegram answers 404 "Not Found" for tokens that are not of the form <digits>:<secret>.
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_INJECTION_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: errors.BOT_BLOCKED,
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}
MAX_REQUEST_BYTES = 60 * 1024 * 1024
"""aiohttp's default of 1 MiB would reject uploads that Telegram accepts (up to 50 MB)."""

ControlHandler = Callable[[web.Request, JSON], Awaitable[Any]]


def _json_response(body: JSON, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )


class _NotJson(Exception):
    """An injected 200 whose body is not JSON."""


class FakeTelegram(TelegramWorld):
    """A Bot API server for tests, benchmarks and offline demos.

    Usage::

        server = FakeTelegram()
        await server.start()
        server.add_user(42, "Lan")
        bot = telegram.Bot("123:ABC", base_url=server.base_url)
    """

    def __init__(
        self,
        bot_username: str = "nhacviec_bot",
        enforce_limits: bool = False,
        missing_methods: Iterable[str] = (),
        *,
        bot_first_name: str = "Nhacviec Bot",
        limit_config: LimitConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        latency_ms: float = 0.0,
        jitter: float = 0.0,
        lost_fraction: float = 0.0,
        lost_mode: str = "hold",
        network_seed: int | None = None,
    ) -> None:
        super().__init__(
            bot_username,
            bot_first_name=bot_first_name,
            enforce_limits=enforce_limits,
            limit_config=limit_config,
            clock=clock,
            wall_clock=wall_clock,
        )
        self.missing_methods: set[str] = {name.lower() for name in missing_methods}
        """Methods answered with 404 as if this server did not know them."""
        self.revoked_tokens: set[str] = set()
        """Tokens answered with 401 Unauthorized (PTB raises InvalidToken)."""
        self.file_bytes_per_s: float = 0.0
        """A file download's speed once it starts (0: at once): a slow office link."""
        self.injections: list[Injection] = []
        self.api = BotApi(self)
        self.network = NetworkModel(latency_ms, jitter, lost_fraction, lost_mode, network_seed)
        """Round trip, jitter and lost answers applied to every call (see ``network.py``)."""
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.webhook_sender = WebhookSender(self)
        """Delivers updates by HTTP POST while the bot has a webhook set (setWebhook)."""

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:8081 (the ``/_fake/`` routes live under it)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)`` take."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What ``ApplicationBuilder().base_file_url(...)`` takes (for file downloads)."""
        return f"{self.url}/file/bot"

    def make_app(self) -> web.Application:
        """The aiohttp application (usable with other runners too)."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for name, handler in self._control_routes().items():
            app.router.add_post(f"/_fake/{name}", self._control(handler))
        for name, handler in self._control_queries().items():
            app.router.add_get(f"/_fake/{name}", self._control(handler))
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 picks a free port; see ``self.port``)."""
        if self._runner is not None:
            raise RuntimeError("already started")
        self._closing = False
        self._stopping = asyncio.Event()
        # handler_cancellation: a client that gives up (timeout) ends its held request.
        runner = web.AppRunner(
            self.make_app(), handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.host = host
        self.port = runner.addresses[0][1]
        self.webhook_sender = WebhookSender(self)
        self.webhook_sender.start()

    async def stop(self) -> None:
        """Release waiting long polls and held requests, then close the server."""
        if self._runner is None:
            return
        self.close_polls()
        self._stopping.set()
        await self.webhook_sender.stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _signal_updates(self) -> None:
        super()._signal_updates()
        if self._runner is not None:
            self.webhook_sender.wake()

    def webhook_changed(self) -> None:
        super().webhook_changed()
        if self._runner is not None:
            self.webhook_sender.wake()

    # ----------------------------------------------------------- failure injection

    def inject(
        self,
        status: int | str,
        method: str | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
        retry_after: int = 5,
        description: str | None = None,
        deliver: bool = False,
        delay: float = 10.0,
    ) -> Injection:
        """Make the next ``times`` matching calls fail (``times=None``: until cleared).

        ``status`` is an HTTP status (429, 403, 500, 502, ...) or "timeout": the request is
        held ``delay`` seconds and then answered 504; or "not_json": answered 200 with a
        body that is not JSON (a proxy's page in the way).  ``method=None`` matches every method
        except getUpdates (pass ``method="getUpdates"`` to break polling).  With ``deliver``
        the call is carried out first (the message is sent and recorded) and only the answer
        fails - as when Telegram delivers a message but the response is lost; for
        "timeout" the real result is then sent after the delay.
        """
        if not (isinstance(status, int) or status in ("timeout", "not_json")):
            raise ValueError('status must be an HTTP status code, "timeout" or "not_json"')
        injection = Injection(
            status, method, chat_id, times, retry_after, description, deliver, delay
        )
        self.injections.append(injection)
        return injection

    def reset_records(self) -> None:
        """Forget what the bot did, including the count of lost answers; keep the world."""
        super().reset_records()
        self.network.lost_answers = 0

    def clear_injections(self) -> None:
        """Forget all planned failures."""
        self.injections.clear()

    def _take_injection(self, method: str, chat_id: Any) -> Injection | None:
        for injection in self.injections:
            if injection.matches(method, chat_id):
                if injection.times is not None:
                    injection.times -= 1
                    if injection.times <= 0:
                        self.injections.remove(injection)
                return injection
        return None

    def _injected_error(self, injection: Injection) -> ApiError:
        status = injection.status
        if status == 429:
            error = errors.too_many_requests(injection.retry_after)
            if injection.description:
                error.description = injection.description
            return error
        assert isinstance(status, int)
        description = injection.description or _INJECTION_DESCRIPTIONS.get(status)
        if description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = "Error"
        return ApiError(status, description)

    async def _hold(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less if the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)

    # ------------------------------------------------------------ Bot API routes

    async def _call(self, handler: Callable[..., Any], params: JSON, files: dict) -> Any:
        result = handler(params, files)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _dispatch(self, token: str, method: str, params: JSON, files: dict) -> Any:
        if not _TOKEN_RE.fullmatch(token):
            raise ApiError(404, "Not Found")
        if token in self.revoked_tokens:
            raise ApiError(401, "Unauthorized")
        entry = self.api.lookup(method)
        if entry is None or method.lower() in self.missing_methods:
            raise ApiError(404, errors.METHOD_NOT_FOUND)
        name, handler = entry
        injection = self._take_injection(name, params.get("chat_id")) if self.injections else None
        if injection is None:
            return await self._call(handler, params, files)

        outcome: Any = None
        failure: ApiError | None = None
        if injection.deliver:
            try:
                outcome = await self._call(handler, params, files)
            except ApiError as exc:
                failure = exc
        if injection.status == "not_json":
            raise _NotJson
        if injection.status == "timeout":
            await self._hold(injection.delay)
            if injection.deliver:
                if failure is not None:
                    raise failure
                return outcome
            raise ApiError(504, "Gateway Timeout")
        raise self._injected_error(injection)

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        entry = self.api.lookup(method)
        name = entry[0] if entry else method
        network = self.network
        there, back = network.halves() if network.active else (0.0, 0.0)
        record = None
        try:
            raw, files = await read_request(request)
            params = decode_params(raw)
            described = dict(params)
            for key, upload in files.items():
                described[key] = upload.describe()
            record = self.record_request(name, described)
            if there:
                await self._hold(there)
            result = await self._dispatch(token, method, params, files)
        except _NotJson:
            assert record is not None
            page = web.Response(text="<html>upstream</html>", content_type="text/html")
            return await self._answer(request, record, name, page, back, "not JSON")
        except ApiError as exc:
            if record is None:
                record = self.record_request(name, {})
            _log.debug("%s -> %s %s", name, exc.status, exc.description)
            return await self._answer(
                request,
                record,
                name,
                _json_response(exc.to_json(), exc.status),
                back,
                exc.description,
            )
        except asyncio.CancelledError:
            # The client went away (its timeout, or polling stopped): nobody gets an answer.
            if record is not None:
                self.finish_request(record, 499, "client closed request")
            raise
        except Exception as exc:  # noqa: BLE001 - a bug in the fake must not pass for Telegram
            _log.exception("fake Telegram failed on %s", method)
            body = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: {exc!r}",
            }
            if record is None:
                return _json_response(body, 500)
            response = _json_response(body, 500)
            return await self._answer(request, record, name, response, back, repr(exc))
        _log.debug("%s %s -> 200", name, described)
        if isinstance(result, RawJSON):
            body = ('{"ok":true,"result":' + result + "}").encode()
            response = web.Response(body=body, content_type="application/json")
        else:
            response = _json_response({"ok": True, "result": result})
        return await self._answer(request, record, name, response, back)

    async def _answer(
        self,
        request: web.Request,
        record: Any,
        method: str,
        response: web.Response,
        back: float,
        error: str | None = None,
    ) -> web.StreamResponse:
        """Send ``response`` back over the modelled network: after ``back`` seconds, or never.

        The record is finished with the status the server answered, whether or not the
        answer reaches the client; a lost one says so in its description.
        """
        if not self.network.answer_lost(method):
            self.finish_request(record, response.status, error)
            if back:
                await self._hold(back)
            return response
        self.finish_request(record, response.status, error or "answer lost")
        record.answer_lost = True
        _log.debug("%s: answer lost (%s)", method, self.network.lost_mode)
        if self.network.lost_mode == "close":
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        # Hold the connection until the client gives up (handler cancellation) or we stop.
        await self._stopping.wait()
        raise asyncio.CancelledError

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """File downloads (``File.download_to_memory`` etc.) from ``base_file_url``."""
        if self.network.latency_ms:
            await self._hold(self.network.round_trip())
        stored = self.files_by_path.get(request.match_info["path"])
        if stored is not None and self.file_bytes_per_s > 0:
            data = stored.data()
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            response.content_length = len(data)
            await response.prepare(request)
            step = max(1, int(self.file_bytes_per_s / 10))  # a tenth of a second's worth
            for start in range(0, len(data), step):
                await response.write(data[start : start + step])
                await asyncio.sleep(0.1)
            await response.write_eof()
            return response
        if stored is not None:
            return web.Response(body=stored.data(), content_type="application/octet-stream")
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    # ----------------------------------------------------------- control routes

    def _control(self, handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def route(request: web.Request) -> web.Response:
            try:
                body: JSON = {}
                if request.method == "POST" and request.body_exists:
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise ValueError("expected a JSON object")
                result = await handler(request, body)
            except (ValueError, KeyError, TypeError) as exc:
                return _json_response({"ok": False, "description": str(exc)}, 400)
            except TimeoutError as exc:
                return _json_response({"ok": False, "description": str(exc)}, 408)
            return _json_response({"ok": True, "result": result})

        return route

    def _control_routes(self) -> dict[str, ControlHandler]:
        """POST /_fake/<name> handlers (JSON body in, {"ok", "result"} out)."""

        async def users(_: web.Request, b: JSON) -> Any:
            user = self.add_user(
                int(b["user_id"]),
                b["first_name"],
                b.get("last_name"),
                b.get("username"),
                bool(b.get("blocked", False)),
                bool(b.get("started", True)),
                b.get("language_code"),
            )
            return user.to_user()

        async def groups(_: web.Request, b: JSON) -> Any:
            group = self.add_group(
                int(b["chat_id"]),
                b["title"],
                b.get("member_ids", []),
                forum=bool(b.get("forum", False)),
            )
            return group.to_chat()

        async def send(_: web.Request, b: JSON) -> Any:
            return self.user_sends(
                int(b["chat_id"]),
                int(b["user_id"]),
                b["text"],
                b.get("reply_to"),
                b.get("forward_from"),
                b.get("thread_id"),
            )

        async def migrate(_: web.Request, b: JSON) -> Any:
            new_id = self.migrate_group(
                int(b["chat_id"]), by_user_id=b.get("user_id"), notify=bool(b.get("notify", True))
            )
            return {"chat_id": new_id}

        async def remove_bot(_: web.Request, b: JSON) -> Any:
            self.remove_bot(
                int(b["chat_id"]), by_user_id=b.get("user_id"), kicked=bool(b.get("kicked", True))
            )
            return True

        async def add_bot(_: web.Request, b: JSON) -> Any:
            self.add_bot(int(b["chat_id"]), by_user_id=b.get("user_id"))
            return True

        async def topics(_: web.Request, b: JSON) -> Any:
            thread_id = self.create_topic(int(b["chat_id"]), b["name"], by_user_id=b.get("user_id"))
            return {"message_thread_id": thread_id}

        async def document(_: web.Request, b: JSON) -> Any:
            content = base64.b64decode(b["content_base64"]) if b.get("content_base64") else None
            return self.user_sends_document(
                int(b["chat_id"]),
                int(b["user_id"]),
                b["file_name"],
                b.get("size"),
                b.get("reply_to"),
                b.get("mime_type"),
                b.get("caption"),
                content,
            )

        async def photo(_: web.Request, b: JSON) -> Any:
            return self.user_sends_photo(
                int(b["chat_id"]),
                int(b["user_id"]),
                int(b.get("width", 1280)),
                int(b.get("height", 960)),
                int(b.get("size", 120_000)),
                b.get("caption"),
                b.get("reply_to"),
            )

        async def edit(_: web.Request, b: JSON) -> Any:
            return self.user_edits(
                int(b["chat_id"]), int(b["message_id"]), b.get("new_text", b.get("text"))
            )

        async def press(_: web.Request, b: JSON) -> Any:
            query_id = self.user_presses(
                int(b["chat_id"]),
                int(b["message_id"]),
                b["callback_data"],
                int(b["user_id"]),
                bool(b.get("strict", True)),
            )
            return {"callback_query_id": query_id}

        async def block(_: web.Request, b: JSON) -> Any:
            self.block(int(b["user_id"]))
            return True

        async def unblock(_: web.Request, b: JSON) -> Any:
            self.unblock(int(b["user_id"]))
            return True

        async def inject(_: web.Request, b: JSON) -> Any:
            allowed = {
                "status",
                "method",
                "chat_id",
                "times",
                "retry_after",
                "description",
                "deliver",
                "delay",
            }
            unknown = set(b) - allowed
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)}")
            return self.inject(**b).to_json()

        async def clear_injections(_: web.Request, b: JSON) -> Any:
            self.clear_injections()
            return True

        async def limits(_: web.Request, b: JSON) -> Any:
            self.enforce_limits = bool(b["enforce"])
            return {"enforce": self.enforce_limits}

        async def reset(_: web.Request, b: JSON) -> Any:
            self.reset_records()
            return True

        async def network(_: web.Request, b: JSON) -> Any:
            allowed = {"latency_ms", "jitter", "lost_fraction", "lost_mode", "seed"}
            unknown = set(b) - allowed
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)}")
            self.network.configure(**b)
            return self.network.to_json()

        async def wait_messages(_: web.Request, b: JSON) -> Any:
            messages = await self.wait_for_messages(
                int(b["chat_id"]), int(b.get("count", 1)), float(b.get("timeout", 5.0))
            )
            return [message.to_json() for message in messages]

        return {
            "users": users,
            "groups": groups,
            "send": send,
            "migrate": migrate,
            "remove_bot": remove_bot,
            "add_bot": add_bot,
            "topics": topics,
            "document": document,
            "photo": photo,
            "edit": edit,
            "press": press,
            "block": block,
            "unblock": unblock,
            "inject": inject,
            "clear_injections": clear_injections,
            "limits": limits,
            "reset": reset,
            "network": network,
            "wait_messages": wait_messages,
        }

    def _control_queries(self) -> dict[str, ControlHandler]:
        """GET /_fake/<name> handlers (query string in)."""

        def since(request: web.Request) -> int:
            return int(request.query.get("since_index", 0))

        async def sent(request: web.Request, _: JSON) -> Any:
            chat = request.query.get("chat_id")
            messages = self.sent_since(since(request), int(chat) if chat else None)
            return {"messages": [m.to_json() for m in messages], "next_index": len(self.sent)}

        async def edits(request: web.Request, _: JSON) -> Any:
            return {
                "edits": [e.to_json() for e in self.edits[since(request) :]],
                "next_index": len(self.edits),
            }

        async def requests(request: web.Request, _: JSON) -> Any:
            method = request.query.get("method")
            records = [
                r.to_json()
                for r in self.requests[since(request) :]
                if method is None or r.method == method
            ]
            return {"requests": records, "next_index": len(self.requests)}

        async def callback_answers(request: web.Request, _: JSON) -> Any:
            return {
                "answers": [a.to_json() for a in self.callback_answers[since(request) :]],
                "next_index": len(self.callback_answers),
            }

        async def stats(_: web.Request, __: JSON) -> Any:
            return {
                **self.stats(),
                "enforce_limits": self.enforce_limits,
                "lost_answers": self.network.lost_answers,
            }

        async def network_settings(_: web.Request, __: JSON) -> Any:
            return self.network.to_json()

        async def info(_: web.Request, __: JSON) -> Any:
            return {
                "base_url": self.base_url,
                "base_file_url": self.base_file_url,
                "bot": self.bot_user,
            }

        return {
            "sent": sent,
            "edits": edits,
            "requests": requests,
            "callback_answers": callback_answers,
            "stats": stats,
            "network": network_settings,
            "info": info,
        }
