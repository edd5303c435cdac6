"""Bot API error responses.

Telegram answers a failed call with a non-2xx HTTP status and a JSON body
``{"ok": false, "error_code": N, "description": "..."}`` (plus ``"parameters"``
for flood control).  python-telegram-bot picks the exception class from the HTTP
status and the message from ``description``, so both must be exactly right.
"""

from __future__ import annotations

from typing import Any

# Descriptions copied from real Telegram answers, so that code matching on them
# (e.g. ``"blocked" in str(exc)``) behaves the same against the fake.
CHAT_NOT_FOUND = "Bad Request: chat not found"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
CANT_EDIT = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
GET_FILE_UNKNOWN = "Bad Request: wrong file_id or the file is temporarily unavailable"
FILE_TOO_BIG = "Bad Request: file is too big"
FILE_EMPTY = "Bad Request: file must be non-empty"
METHOD_NOT_FOUND = "Not Found: method not found"
GROUP_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
BOT_KICKED_FROM_GROUP = "Forbidden: bot was kicked from the group chat"
BOT_NOT_MEMBER = "Forbidden: bot is not a member of the group chat"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
WEBHOOK_SECRET_BAD = "Bad Request: secret token contains unallowed characters"
WEBHOOK_URL_BAD = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"


class ApiError(Exception):
    """A Bot API failure that the HTTP layer turns into a Telegram-shaped error body.

    Raised by method handlers; the server catches it and answers with ``status``.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> dict[str, Any]:
        """The response body exactly as Telegram would send it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 error; ``description`` must already start with ``"Bad Request: "``."""
    return ApiError(400, description)


def forbidden(description: str) -> ApiError:
    """A 403 error; ``description`` must already start with ``"Forbidden: "``."""
    return ApiError(403, description)


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood-control error carrying ``parameters.retry_after`` like Telegram's."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
