"""Webhook mode: Telegram POSTs each update to the bot instead of the bot asking for them.

python-telegram-bot's own webhook server (`Updater.start_webhook`, on tornado) listens on
WEBHOOK_LISTEN, behind a reverse proxy that holds the TLS certificate for WEBHOOK_URL; it
refuses with 403 every request without the X-Telegram-Bot-Api-Secret-Token header equal to
WEBHOOK_SECRET, so only Telegram can hand the bot updates. At start it calls setWebhook with
that URL and secret; `nhacviec run` without --webhook calls deleteWebhook and polls again.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot import texts
from services.settings import Settings

MAX_CONNECTIONS = 100
"""Deliveries Telegram may have open at once (its maximum). Each holds its connection for a
round trip (200 ms from Vietnam), so 40, Telegram's default, would cap the bot at about
200 updates/s; the bot's side only queues each update, which costs nothing to have many of."""

# What Telegram accepts as secret_token (1-256 of these), at least 16 long: whoever guesses
# the secret can hand the bot any update, as any coordinator (16 of 64 signs: 96 bits).
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")


class WebhookSettingsError(ValueError):
    """The settings cannot run a webhook; the message is the Vietnamese explanation."""


def webhook_options(settings: Settings) -> dict[str, Any]:
    """`Updater.start_webhook` / `Application.run_webhook` keyword arguments from settings."""
    url = settings.webhook_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise WebhookSettingsError(texts.CLI_WEBHOOK_NO_URL)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not _SECRET.fullmatch(secret):
        raise WebhookSettingsError(texts.CLI_WEBHOOK_BAD_SECRET)
    host, _, port = settings.webhook_listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WebhookSettingsError(
            texts.CLI_WEBHOOK_BAD_LISTEN.format(listen=settings.webhook_listen)
        )
    return {
        "listen": host.strip("[]"),
        "port": int(port),
        # The proxy forwards the public path unchanged, so the bot listens on the same one.
        "url_path": parts.path.strip("/"),
        "webhook_url": url,
        "secret_token": secret,
        "allowed_updates": Update.ALL_TYPES,
        "max_connections": MAX_CONNECTIONS,
    }
