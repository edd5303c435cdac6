"""The fake server's webhook: updates POSTed to the URL setWebhook named, with its secret
header, one chat in order; getUpdates refused meanwhile; deleteWebhook back to polling."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from fake_telegram import FakeTelegram
from fake_telegram.webhook import SECRET_HEADER

TOKEN = "123456:WEBHOOK-TEST"
LAN, MAI = 501, 502


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps what it was sent."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[str | None, dict]] = []
        self.fail_first = fail_first
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.received.append((request.headers.get(SECRET_HEADER), await request.json()))
        self.arrived.set()
        return web.Response(text="ok")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    async def wait(self, count: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def server():
    fake = FakeTelegram()
    await fake.start()
    fake.add_user(LAN, "Lan")
    fake.add_user(MAI, "Mai")
    yield fake
    await fake.stop()


async def test_updates_are_posted_with_the_secret_and_polling_is_refused(server):
    async with Receiver(fail_first=1) as hook, Bot(TOKEN, base_url=server.base_url) as bot:
        assert await bot.set_webhook(hook.url, secret_token="s3cret_T0ken-x", max_connections=5)
        info = await bot.get_webhook_info()
        assert info.url == hook.url and info.max_connections == 5
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        for i in range(3):
            server.user_sends(LAN, LAN, f"lan {i}")
            server.user_sends(MAI, MAI, f"mai {i}")
        await hook.wait(6)
        assert {secret for secret, _ in hook.received} == {"s3cret_T0ken-x"}
        by_chat: dict[int, list[str]] = {}
        for _, update in hook.received:
            by_chat.setdefault(update["message"]["chat"]["id"], []).append(
                update["message"]["text"]
            )
        assert by_chat == {LAN: ["lan 0", "lan 1", "lan 2"], MAI: ["mai 0", "mai 1", "mai 2"]}
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert "500" in (info.last_error_message or "")  # the first try was refused, then retried

        assert await bot.delete_webhook()
        server.user_sends(LAN, LAN, "after")
        updates = await bot.get_updates(timeout=1)
        assert [u.message.text for u in updates] == ["after"]
        assert len(hook.received) == 6


async def test_bad_webhook_settings_are_refused(server):
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        with pytest.raises(BadRequest, match="(?i)secret token"):
            await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="not allowed!")
        with pytest.raises(BadRequest):
            await bot.set_webhook("ftp://example/hook")
        assert (await bot.get_webhook_info()).url == ""


async def test_an_update_waits_while_the_webhook_is_down_and_arrives_later(server):
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        async with Receiver() as hook:
            url = hook.url
        await bot.set_webhook(url)  # nobody listens there now
        server.user_sends(LAN, LAN, "xin chào")
        await server.wait_for(lambda: server.webhook.last_error_message, 10)
        assert server.pending_updates == 1
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        again = Receiver()
        app = web.Application()
        app.router.add_post("/hook", again.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await again.wait(1, timeout=30)
        finally:
            await runner.cleanup()
        assert again.received[0][1]["message"]["text"] == "xin chào"
        assert again.received[0][0] is None  # no secret was set, none is sent
