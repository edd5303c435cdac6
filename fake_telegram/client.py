"""Async client for the ``/_fake/`` control routes, for benchmarks and other processes.

It drives a fake server running elsewhere (``python -m fake_telegram``) the way tests drive
an in-process ``FakeTelegram``: simulated users write, press buttons, and the client reads
back what the bot sent.  Return values are the JSON ``result`` of each route.
"""

from __future__ import annotations

import base64
from typing import Any, Self

import aiohttp

JSON = dict[str, Any]


class FakeTelegramError(RuntimeError):
    """A control route answered ``{"ok": false}``; the message is its description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class FakeTelegramClient:
    """``async with FakeTelegramClient("http://127.0.0.1:8081") as fake: ...``"""

    def __init__(self, base: str = "http://127.0.0.1:8081", *, timeout: float = 30.0) -> None:
        self.base = base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (the client can be used again afterwards)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _request(self, method: str, route: str, **kwargs: Any) -> Any:
        async with self._http().request(method, f"{self.base}/_fake/{route}", **kwargs) as resp:
            body = await resp.json(content_type=None)
        if not body.get("ok"):
            raise FakeTelegramError(resp.status, body.get("description", ""))
        return body["result"]

    async def _post(self, route: str, **fields: Any) -> Any:
        payload = {key: value for key, value in fields.items() if value is not None}
        return await self._request("POST", route, json=payload)

    async def _get(self, route: str, **query: Any) -> Any:
        params = {key: str(value) for key, value in query.items() if value is not None}
        return await self._request("GET", route, params=params)

    # --------------------------------------------------------------- the world

    async def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        blocked: bool = False,
        started: bool = True,
        language_code: str | None = None,
    ) -> JSON:
        """Create a user and their private chat; returns the User object."""
        return await self._post(
            "users",
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            blocked=blocked,
            started=started,
            language_code=language_code,
        )

    async def add_group(
        self, chat_id: int, title: str, member_ids: list[int], forum: bool = False
    ) -> JSON:
        """Create a group (negative id); returns the Chat object."""
        return await self._post(
            "groups", chat_id=chat_id, title=title, member_ids=member_ids, forum=forum
        )

    async def migrate_group(
        self, chat_id: int, user_id: int | None = None, notify: bool = True
    ) -> int:
        """Upgrade a basic group to a supergroup; returns the new chat id."""
        result = await self._post("migrate", chat_id=chat_id, user_id=user_id, notify=notify)
        return int(result["chat_id"])

    async def remove_bot(
        self, chat_id: int, user_id: int | None = None, kicked: bool = True
    ) -> None:
        await self._post("remove_bot", chat_id=chat_id, user_id=user_id, kicked=kicked)

    async def add_bot(self, chat_id: int, user_id: int | None = None) -> None:
        await self._post("add_bot", chat_id=chat_id, user_id=user_id)

    async def create_topic(self, chat_id: int, name: str, user_id: int | None = None) -> int:
        """A forum topic; returns its message_thread_id."""
        result = await self._post("topics", chat_id=chat_id, name=name, user_id=user_id)
        return int(result["message_thread_id"])

    async def block(self, user_id: int) -> None:
        await self._post("block", user_id=user_id)

    async def unblock(self, user_id: int) -> None:
        await self._post("unblock", user_id=user_id)

    # ----------------------------------------------------------- user actions

    async def user_sends(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        forward_from: int | str | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """A user writes a text message; returns the Message the bot will receive."""
        return await self._post(
            "send",
            chat_id=chat_id,
            user_id=user_id,
            text=text,
            reply_to=reply_to,
            forward_from=forward_from,
            thread_id=thread_id,
        )

    async def user_sends_document(
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        size: int | None = None,
        reply_to: int | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        content: bytes | None = None,
    ) -> JSON:
        """A user sends a file (``content`` or ``size`` NUL bytes)."""
        encoded = base64.b64encode(content).decode() if content is not None else None
        return await self._post(
            "document",
            chat_id=chat_id,
            user_id=user_id,
            file_name=file_name,
            size=size,
            reply_to=reply_to,
            mime_type=mime_type,
            caption=caption,
            content_base64=encoded,
        )

    async def user_sends_photo(
        self, chat_id: int, user_id: int, caption: str | None = None, reply_to: int | None = None
    ) -> JSON:
        return await self._post(
            "photo", chat_id=chat_id, user_id=user_id, caption=caption, reply_to=reply_to
        )

    async def user_edits(self, chat_id: int, message_id: int, new_text: str) -> JSON:
        """A user edits their message (the bot gets ``edited_message``)."""
        return await self._post("edit", chat_id=chat_id, message_id=message_id, new_text=new_text)

    async def user_presses(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button; returns the callback query id."""
        result = await self._post(
            "press",
            chat_id=chat_id,
            message_id=message_id,
            callback_data=callback_data,
            user_id=user_id,
            strict=strict,
        )
        return result["callback_query_id"]

    # -------------------------------------------------------------- control

    async def inject(
        self,
        status: int | str,
        method: str | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
        retry_after: int | None = None,
        description: str | None = None,
        deliver: bool = False,
        delay: float | None = None,
    ) -> JSON:
        """See ``FakeTelegram.inject``; ``times=None`` means until cleared."""
        payload: JSON = {"status": status, "times": times, "deliver": deliver}
        optional = {
            "method": method,
            "chat_id": chat_id,
            "retry_after": retry_after,
            "description": description,
            "delay": delay,
        }
        payload.update((key, value) for key, value in optional.items() if value is not None)
        return await self._request("POST", "inject", json=payload)

    async def clear_injections(self) -> None:
        await self._post("clear_injections")

    async def set_limits(self, enforce: bool) -> None:
        """Turn flood-limit enforcement on or off."""
        await self._post("limits", enforce=enforce)

    async def set_network(
        self,
        latency_ms: float | None = None,
        jitter: float | None = None,
        lost_fraction: float | None = None,
        lost_mode: str | None = None,
        seed: int | None = None,
    ) -> JSON:
        """Change the modelled network (round trip, jitter, lost answers); None keeps a value.

        Returns the settings now in force, with the count of answers lost so far."""
        return await self._post(
            "network",
            latency_ms=latency_ms,
            jitter=jitter,
            lost_fraction=lost_fraction,
            lost_mode=lost_mode,
            seed=seed,
        )

    async def reset(self) -> None:
        """Clear the server's records (sent messages, requests, counters)."""
        await self._post("reset")

    # -------------------------------------------------------------- reading

    async def sent(self, chat_id: int | None = None, since_index: int = 0) -> JSON:
        """``{"messages": [...], "next_index": N}``; pass ``next_index`` back to page on."""
        return await self._get("sent", chat_id=chat_id, since_index=since_index)

    async def edits(self, since_index: int = 0) -> JSON:
        return await self._get("edits", since_index=since_index)

    async def requests(self, method: str | None = None, since_index: int = 0) -> JSON:
        return await self._get("requests", method=method, since_index=since_index)

    async def callback_answers(self, since_index: int = 0) -> JSON:
        return await self._get("callback_answers", since_index=since_index)

    async def stats(self) -> JSON:
        """Counts: sent, edits, violations, requests, requests_by_method, ..."""
        return await self._get("stats")

    async def info(self) -> JSON:
        """``base_url``, ``base_file_url`` and the bot's User object."""
        return await self._get("info")

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[JSON]:
        """Wait (server side, no polling) until the bot sent ``count`` messages to a chat."""
        return await self._post("wait_messages", chat_id=chat_id, count=count, timeout=timeout)
