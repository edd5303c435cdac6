"""Plain data kept by the fake server: simulated people and chats, and what the bot did.

Tests read these objects directly (``server.sent[0].text``); ``to_json`` gives the shape
served by the ``/_fake/`` HTTP control routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class SimUser:
    """A simulated Telegram user.  Their private chat with the bot has ``chat id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    """The user blocked the bot: sends to them fail with 403."""
    started: bool = True
    """False until the user writes to the bot; sends fail with 403 before that."""

    def to_user(self) -> JSON:
        """The Bot API ``User`` object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def to_chat(self) -> JSON:
        """The Bot API ``Chat`` object of the private chat with this user."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class SimGroup:
    """A simulated group the bot is a member of (negative id, like Telegram's)."""

    id: int
    title: str
    member_ids: set[int] = field(default_factory=set)
    type: str = "group"
    """"group", or "supergroup" for ids of the -100... form."""
    is_forum: bool = False
    """A supergroup with topics; see ``TelegramWorld.create_topic``."""
    topics: dict[int, str] = field(default_factory=dict)
    """Forum topics by message_thread_id (the id of the topic's creation message)."""
    bot_status: str = "member"
    """The bot's membership: "member", or "left"/"kicked" once removed (sends get 403)."""
    migrated_to: int | None = None
    """Set when this basic group was upgraded to a supergroup: its new chat id."""

    def to_chat(self) -> JSON:
        """The Bot API ``Chat`` object."""
        chat: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class MessageVersion:
    """A former state of an edited bot message."""

    text: str | None
    caption: str | None
    entities: list[JSON] | None
    reply_markup: JSON | None
    time: float
    """When this version was replaced."""
    method: str
    """The method that produced this version ("sendMessage", "editMessageText", ...)."""

    def to_json(self) -> JSON:
        return {
            "text": self.text,
            "caption": self.caption,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "time": self.time,
            "method": self.method,
        }


@dataclass
class SentMessage:
    """One message the bot sent, always showing its *current* state (after edits).

    ``text``/``caption`` are the visible text as Telegram shows it (``parse_mode`` markup
    removed); ``raw_text``/``raw_caption`` are what the bot sent.  ``reply_markup`` is the
    markup passed by the bot, whatever its kind (inline keyboard, force_reply, ...).
    Former states are in ``history``, oldest first.
    """

    index: int
    """Position in ``server.sent``."""
    chat_id: int
    message_id: int
    method: str
    """How it was sent: "sendMessage", "sendDocument", ..."""
    time: float
    """``time.monotonic()`` when the message was accepted."""
    date: int
    text: str | None = None
    raw_text: str | None = None
    caption: str | None = None
    raw_caption: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] | None = None
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    disable_notification: bool = False
    link_preview_options: JSON | None = None
    message_thread_id: int | None = None
    """The forum topic the message was sent to (None: the chat itself, or General)."""
    document: JSON | None = None
    photo: list[JSON] | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    """Content of an uploaded document/photo, if it was uploaded (not sent by file_id)."""
    message: JSON = field(default_factory=dict, repr=False)
    """The Bot API ``Message`` object as Telegram would return it now."""
    history: list[MessageVersion] = field(default_factory=list)
    last_method: str = ""
    """The method that produced the current state (the send method until edited)."""
    edited_time: float | None = None
    deleted: bool = False

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" for neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_buttons(self) -> list[JSON]:
        """All inline keyboard buttons, row by row (empty without an inline keyboard)."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def callback_data(self) -> list[str]:
        """``callback_data`` of every inline button, in order."""
        return [b["callback_data"] for b in self.inline_buttons if "callback_data" in b]

    def __post_init__(self) -> None:
        self.last_method = self.last_method or self.method

    def snapshot(self, time: float) -> MessageVersion:
        """The current state, to be pushed on ``history`` before an edit."""
        return MessageVersion(
            self.text, self.caption, self.entities, self.reply_markup, time, self.last_method
        )

    def to_json(self) -> JSON:
        return {
            "index": self.index,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "method": self.method,
            "time": self.time,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "caption": self.caption,
            "raw_caption": self.raw_caption,
            "parse_mode": self.parse_mode,
            "entities": self.entities,
            "reply_markup": self.reply_markup,
            "reply_to_message_id": self.reply_to_message_id,
            "disable_notification": self.disable_notification,
            "document": self.document,
            "photo": self.photo,
            "history": [version.to_json() for version in self.history],
            "last_method": self.last_method,
            "link_preview_options": self.link_preview_options,
            "message_thread_id": self.message_thread_id,
            "message": self.message,
            "edited_time": self.edited_time,
            "deleted": self.deleted,
        }


@dataclass
class EditRecord:
    """One successful edit, in ``server.edits`` (the message itself is updated in place)."""

    index: int
    chat_id: int
    message_id: int
    method: str
    time: float
    message: SentMessage = field(repr=False)

    def to_json(self) -> JSON:
        return {
            "index": self.index,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "method": self.method,
            "time": self.time,
            "text": self.message.text,
            "caption": self.message.caption,
            "reply_markup": self.message.reply_markup,
        }


@dataclass
class RequestRecord:
    """One Bot API call as the server saw it.

    ``status`` is None while in progress, and 499 if the client gave up before the answer.
    """

    index: int
    method: str
    params: JSON
    """Decoded parameters; uploaded files appear as {"filename", "size", "mime_type"}."""
    time: float
    status: int | None = None
    description: str | None = None
    """Error description for non-2xx answers ("answer lost" for a lost 200)."""
    answer_lost: bool = False
    """The call took effect but its answer never reached the client (``NetworkModel``)."""

    def to_json(self) -> JSON:
        return {
            "answer_lost": self.answer_lost,
            "index": self.index,
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "status": self.status,
            "description": self.description,
        }


@dataclass
class CallbackAnswer:
    """One successful answerCallbackQuery."""

    callback_query_id: str
    chat_id: int | None
    message_id: int | None
    user_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    time: float

    def to_json(self) -> JSON:
        return dict(self.__dict__)


@dataclass
class StoredFile:
    """A file known to the server (uploaded by the bot or sent by a simulated user)."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int
    content: bytes | None = field(default=None, repr=False)
    """None for simulated user files without given content: downloads return NUL bytes."""
    kind: str = "documents"

    @property
    def file_path(self) -> str:
        return f"{self.kind}/file_{self.file_unique_id}{_extension(self.file_name)}"

    def data(self) -> bytes:
        return self.content if self.content is not None else bytes(self.size)


def _extension(name: str | None) -> str:
    if not name or "." not in name:
        return ""
    ext = name.rsplit(".", 1)[1]
    return "." + ext if ext.isalnum() and len(ext) <= 8 else ""


@dataclass
class Injection:
    """A planned failure; see ``FakeTelegram.inject``."""

    status: int | str
    method: str | None = None
    chat_id: int | None = None
    times: int | None = 1
    """Remaining uses; None means forever."""
    retry_after: int = 5
    description: str | None = None
    deliver: bool = False
    delay: float = 10.0

    def matches(self, method: str, chat_id: Any) -> bool:
        """Does this injection apply to a call of ``method`` for ``chat_id``?

        Without an explicit method, getUpdates is never matched: otherwise the bot's
        long polling would swallow injections meant for its sends.
        """
        if self.times is not None and self.times <= 0:
            return False
        if self.method is None:
            if method == "getUpdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def to_json(self) -> JSON:
        return dict(self.__dict__)
