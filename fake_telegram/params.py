"""Decoding Bot API request parameters the way Telegram does.

python-telegram-bot (``telegram/request/_requestdata.py``) sends every parameter as a
form field: strings as they are, everything else ``json.dumps``-ed (ints as ``"123"``, bools
as ``"true"``, keyboards as JSON objects).  Requests with files are
``multipart/form-data`` with the same fields plus file parts that carry a filename;
requests without files are ``application/x-www-form-urlencoded``.  Since a string field can
look like a number (a text of ``"123"``), the type of each value has to come from the
parameter's name, as on the real server.  JSON bodies and query strings are accepted too,
as Telegram does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .errors import bad_request

JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "media",
        "menu_button",
        "rights",
    }
)
INT_PARAMS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "max_connections",
        "width",
        "height",
        "duration",
    }
)
FLOAT_PARAMS = frozenset({"timeout"})
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
        "for_channels",
    }
)
CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})

_JSON_ERRORS = {
    "reply_markup": "Bad Request: can't parse reply keyboard markup JSON object",
    "entities": "Bad Request: can't parse entities JSON object",
    "caption_entities": "Bad Request: can't parse entities JSON object",
    "reply_parameters": "Bad Request: can't parse reply parameters JSON object",
}
_INT_RE = re.compile(r"-?\d+")


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str | None
    data: bytes

    def describe(self) -> dict[str, Any]:
        """What request records keep instead of the bytes."""
        return {"filename": self.filename, "size": len(self.data), "mime_type": self.content_type}


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value  # already typed (JSON body)
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(
                _JSON_ERRORS.get(name, f"Bad Request: can't parse {name} JSON object")
            ) from None
    if name in CHAT_ID_PARAMS:
        return int(value) if _INT_RE.fullmatch(value.strip()) else value
    if name in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Bad Request: invalid {name} specified") from None
    if name in FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"Bad Request: invalid {name} specified") from None
    if name in BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed parameters from raw (string) values; raises ApiError(400) for bad JSON."""
    return {name: _decode_value(name, value) for name, value in raw.items()}


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Raw parameters and uploaded files from the query string and body, in any encoding."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return raw, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("Bad Request: can't parse JSON request body") from None
        if isinstance(body, dict):
            raw.update(body)
        return raw, files
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, FileField):
                files[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[name] = value
    return raw, files
