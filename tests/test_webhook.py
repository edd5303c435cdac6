"""`nhacviec run --webhook`: the real Application receives updates by HTTP POST from the
fake server (setWebhook, secret header, the network's round trip) and answers as ever;
a request without the secret is refused; settings that cannot work are explained."""

from __future__ import annotations

import datetime as dt
import socket

import aiohttp
import pytest
from pydantic import SecretStr

from bot import texts
from bot.webhook import WebhookSettingsError, webhook_options
from fake_telegram.webhook import SECRET_HEADER
from services import tasks as task_service
from tests.harness import World, running_webhook_app
from tests.processes import nhacviec

SECRET = "Bi-mat_cua-webhook_0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webhook_settings(settings):
    port = free_port()
    return settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/nhacviec/hook",
            "webhook_listen": f"127.0.0.1:{port}",
            "webhook_secret": SecretStr(SECRET),
        }
    )


@pytest.fixture
async def hooked(webhook_settings, db, fake_server, frozen_clock):
    fake_server.network.configure(latency_ms=40, jitter=0.2, seed=14)
    async with running_webhook_app(webhook_settings, db) as app:
        yield World(
            app=app, server=fake_server, db=db, clock=frozen_clock, settings=webhook_settings
        )


async def test_a_press_and_a_reply_arrive_by_webhook_and_are_answered(hooked):
    world = hooked
    server = world.server
    assert server.webhook.url == world.settings.webhook_url
    assert server.webhook.secret_token == SECRET
    await world.agency("Sở Y tế", code="SYT")
    async with world.db.session() as session:
        await task_service.add_task(
            session, agency_ref="SYT", title="Báo cáo năm 2026", due_date=dt.date(2026, 11, 30)
        )
        await task_service.add_task(
            session, agency_ref="SYT", title="Kế hoạch hè", due_date=dt.date(2026, 12, 20)
        )
    user = await world.official("SYT", name="Nguyễn Văn An")
    listing = await world.say(user, "/viec")
    card = await world.open_task(user, listing, 1)
    answer, edited = await world.tap(user, card, texts.BTN_PROGRESS)
    assert answer.text.startswith("⏳ Đã ghi nhận")
    reply = await world.say(user, "đã xong", reply_to=edited.message_id)
    assert reply.text.startswith(texts.UPDATED_DONE.split("{")[0])
    assert server.webhook_sender.deliveries >= 5  # /start, /viec, 2 presses, the reply
    assert server.requests_by_method["getUpdates"] == 0
    assert server.pending_updates == 0


async def test_a_post_without_the_secret_is_refused_and_not_handled(hooked):
    world = hooked
    user = world.person("Người lạ")
    before = len(world.server.requests)
    update = {
        "update_id": 999_001,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Người"},
            "from": {"id": user, "is_bot": False, "first_name": "Người"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({SECRET_HEADER: "doan-bua"}, {}):
            async with http.post(world.settings.webhook_url, json=update, headers=headers) as r:
                assert r.status == 403
    # The same update from the fake server, with the secret, is answered: so it was the
    # secret that was refused, and nothing of the refused requests reached a handler.
    reply = await world.say(user, "/start")
    assert reply.text == texts.START_ABOUT
    await world.quiet(0.5)
    assert [m.text for m in world.server.messages_to(user)] == [texts.START_ABOUT]
    sent = [r for r in world.server.requests[before:] if r.method == "sendMessage"]
    assert len(sent) == 1


def test_run_webhook_without_url_or_secret_says_what_is_missing(database_url, webhook_settings):
    base = {"TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN", "WEBHOOK_LISTEN": "127.0.0.1:8443"}
    done = nhacviec(database_url, "run", "--webhook", env={**base, "WEBHOOK_URL": ""})
    assert done.returncode == 1 and done.stderr.strip() == texts.CLI_WEBHOOK_NO_URL
    done = nhacviec(
        database_url,
        "run",
        "--webhook",
        env={**base, "WEBHOOK_URL": "https://bot.example.vn/hook", "WEBHOOK_SECRET": "có dấu"},
    )
    assert done.returncode == 1 and done.stderr.strip() == texts.CLI_WEBHOOK_BAD_SECRET

    def with_secret(secret: str):
        return webhook_settings.model_copy(update={"webhook_secret": SecretStr(secret)})

    assert webhook_options(with_secret("a" * 16))["secret_token"] == "a" * 16
    with pytest.raises(WebhookSettingsError) as short:  # guessable: refused
        webhook_options(with_secret("a" * 15))
    assert str(short.value) == texts.CLI_WEBHOOK_BAD_SECRET
