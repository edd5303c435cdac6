"""Webhook delivery: while a webhook is set, the fake POSTs each update to it, as Telegram.

How Telegram does it, and so this:

* one HTTP POST per update, the Update as JSON, with the header
  ``X-Telegram-Bot-Api-Secret-Token`` when setWebhook was given a ``secret_token``;
* up to ``max_connections`` deliveries at once; one chat's updates one after another, in
  order (a chat's next update waits until its previous one was accepted);
* an update counts as delivered when the webhook answers 2xx; any other answer, or a
  connection that fails, is noted (getWebhookInfo's ``last_error_*``) and the update is
  tried again after a pause that grows (0.1 s, doubling, at most 5 s here);
* each delivery crosses the network model (``NetworkModel``): half a round trip before
  the POST reaches the bot, the other half before its answer is back. So an update reaches
  a webhook half a round trip after it happened, where long polling adds the wait for the
  next getUpdates to arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from .server import FakeTelegram

__all__ = ["SECRET_HEADER", "WebhookSender"]

_log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_RETRY_S = 0.1
LAST_RETRY_S = 5.0


def _chat_of(payload: str) -> Any:
    """The chat an update is about (None: no chat), to keep one chat's updates in order."""
    update = json.loads(payload)
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict):
            return chat.get("id")
        sender = value.get("from")
        return sender.get("id") if isinstance(sender, dict) else None
    return None


class WebhookSender:
    """Runs while the server runs; delivers whenever ``server.webhook`` is set."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.deliveries = 0
        """Updates accepted by a webhook."""
        self.failures = 0
        """Delivery attempts answered with a non-2xx status or failed to connect."""
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._handed = 0  # the highest update_id handed to a delivery
        self._chats: dict[Any, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore = asyncio.Semaphore(40)
        self._url = ""

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def wake(self) -> None:
        """Something changed: new updates, or the webhook was set or removed."""
        self._wake.set()

    def _restart(self) -> None:
        """A new webhook (or none): deliveries under way to the old one end."""
        for task in self._running:
            task.cancel()
        self._running.clear()
        self._chats.clear()
        self._handed = 0
        self._url = self.server.webhook.url
        self._slots = asyncio.Semaphore(self.server.webhook.max_connections)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            hook = self.server.webhook
            if hook.url != self._url:
                self._restart()
            if hook.active:
                for update_id, payload in self.server.updates_after(self._handed):
                    self._handed = update_id
                    self._deliver_later(update_id, payload)
            await self._wake.wait()

    def _deliver_later(self, update_id: int, payload: str) -> None:
        chat = _chat_of(payload)
        before = self._chats.get(chat) if chat is not None else None
        task = asyncio.ensure_future(self._deliver(update_id, payload, before))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        if chat is not None:
            self._chats[chat] = task
            task.add_done_callback(
                lambda t, c=chat: self._chats.pop(c, None) if self._chats.get(c) is t else None
            )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=100),
                timeout=aiohttp.ClientTimeout(total=60),
            )
        return self._session

    async def _deliver(
        self, update_id: int, payload: str, before: asyncio.Task[None] | None
    ) -> None:
        if before is not None:
            await asyncio.wait([before])  # the chat's previous update first, however it ended
        hook = self.server.webhook
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        network = self.server.network
        pause = FIRST_RETRY_S
        async with self._slots:
            while True:
                there, back = network.halves() if network.active else (0.0, 0.0)
                if there:
                    await asyncio.sleep(there)
                error = None
                try:
                    async with self._http().post(
                        hook.url, data=payload.encode(), headers=headers
                    ) as response:
                        await response.read()
                        if not 200 <= response.status < 300:
                            error = f"Wrong response from the webhook: {response.status}"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {exc.__class__.__name__}"
                if back:
                    await asyncio.sleep(back)
                if error is None:
                    self.deliveries += 1
                    self.server.confirm_delivered(update_id)
                    self.server._notify()
                    return
                self.failures += 1
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
                self.server._notify()
                _log.debug("webhook delivery of update %s failed: %s", update_id, error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LAST_RETRY_S)
