"""Bot API methods: validation like Telegram's, then changes to the simulated world.

Each handler takes the decoded parameters and uploaded files and returns the ``result``
value, or raises ``ApiError``.  Handlers only validate and call into ``TelegramWorld``;
HTTP concerns (encoding, injections, 404s) live in ``server.py``.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from typing import Any

from . import errors
from .errors import ApiError, bad_request
from .formatting import EntityParseError, FormattedText, parse_text, utf16_len
from .params import UploadedFile
from .records import JSON, CallbackAnswer, SentMessage, StoredFile
from .state import TelegramWorld, WebhookConfig

Handler = Callable[[JSON, dict[str, UploadedFile]], Any | Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD = 50 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
MESSAGE_SENDING_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"}
)
"""Methods that count against flood limits."""

_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def _inline(markup: JSON | None) -> JSON | None:
    """The part of a reply_markup that shows up in Message.reply_markup."""
    if markup and markup.get("inline_keyboard"):
        return markup
    return None


class BotApi:
    """The Bot API methods the fake implements, keyed case-insensitively like Telegram."""

    def __init__(self, world: TelegramWorld) -> None:
        self.world = world
        handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.delete_webhook,
            "setWebhook": self.set_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
            "close": self.close,
            "logOut": self.close,
        }
        self._by_lower = {name.lower(): (name, handler) for name, handler in handlers.items()}

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        """(canonical name, handler) for a method name in any letter case."""
        return self._by_lower.get(method.lower())

    # ----------------------------------------------------------------- helpers

    def _format(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> FormattedText:
        """Parse markup and check the visible length (UTF-16 code units, as Telegram)."""
        text = "" if text is None else str(text)
        if isinstance(entities, list):
            formatted = FormattedText(text, entities)
        else:
            try:
                formatted = parse_text(text, parse_mode)
            except EntityParseError as exc:
                raise bad_request(f"Bad Request: can't parse entities: {exc}") from None
            except ValueError:
                raise bad_request("Bad Request: unsupported parse_mode") from None
        if empty is not None and not formatted.text.strip():
            raise bad_request(empty)
        if utf16_len(formatted.text) > limit:
            raise bad_request(too_long)
        return formatted

    @staticmethod
    def _markup(markup: Any) -> JSON | None:
        """Validate a reply_markup object like Telegram."""
        if markup is None:
            return None
        unparsable = bad_request("Bad Request: can't parse reply keyboard markup JSON object")
        if not isinstance(markup, dict):
            raise unparsable
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    "Bad Request: can't parse inline keyboard button: "
                    "InlineKeyboardMarkup must be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    BotApi._check_inline_button(button)
            return markup
        if "keyboard" in markup or "remove_keyboard" in markup or "force_reply" in markup:
            return markup
        raise unparsable

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request(
                'Bad Request: can\'t parse inline keyboard button: Field "text" must be of '
                "type String"
            )
        actions = [key for key in _INLINE_BUTTON_ACTIONS if key in button]
        if not actions:
            raise bad_request(
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not (
                1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad_request(errors.BUTTON_DATA_INVALID)

    def _reply_target(self, chat_id: int, params: JSON) -> JSON | None:
        """The message being replied to (reply_parameters or legacy reply_to_message_id)."""
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            target_chat = reply.get("chat_id", chat_id)
            if target_chat != chat_id:
                target_chat = self.world.resolve_chat(target_chat)
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
            target_chat = chat_id
        else:
            return None
        target = self.world.find_message(target_chat, message_id)
        if target is None and not allow_missing:
            raise bad_request(errors.REPLY_NOT_FOUND)
        return target

    def _send(
        self,
        method: str,
        chat_id: int,
        params: JSON,
        content: JSON,
        *,
        reply_to: JSON | None,
        markup: JSON | None,
        checked: bool = False,
        **fields: Any,
    ) -> JSON:
        """Permission and flood checks (unless ``checked``), store the message, return it.
        A ``message_thread_id`` puts it in that forum topic (400 for a topic that is not
        there), replying to the topic's creation message unless it replies to another."""
        thread_id = params.get("message_thread_id")
        root = self.world.thread_root(chat_id, thread_id)
        if not checked:
            self.world.check_can_send(chat_id)
            self.world.admit_send(chat_id)
        message = self.world.new_message(chat_id, self.world.bot_user, reply_to or root)
        if root is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            fields["message_thread_id"] = thread_id
        message.update(content)
        inline = _inline(markup)
        if inline is not None:
            message["reply_markup"] = inline
        self.world.store_bot_message(
            chat_id,
            method,
            message,
            reply_markup=markup,
            reply_to_message_id=reply_to["message_id"] if reply_to else None,
            disable_notification=bool(params.get("disable_notification")),
            **fields,
        )
        return message

    def _editable(self, params: JSON) -> SentMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("Bad Request: MESSAGE_ID_INVALID")
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("Bad Request: message identifier is not specified")
        record = self.world.bot_message(chat_id, message_id)
        if record is None or record.deleted:
            if self.world.find_message(chat_id, message_id) is not None:
                raise bad_request(errors.CANT_EDIT)
            raise bad_request(errors.EDIT_NOT_FOUND)
        self.world.check_can_send(chat_id)
        return record

    def _apply_edit(self, record: SentMessage, method: str, **changes: Any) -> JSON:
        record.history.append(record.snapshot(self.world.clock()))
        for name, value in changes.items():
            setattr(record, name, value)
        record.last_method = method
        record.edited_time = self.world.clock()
        message = record.message
        if record.text is not None:
            message["text"] = record.text
        if record.caption is not None:
            message["caption"] = record.caption
        key = "entities" if record.text is not None else "caption_entities"
        if record.entities:
            message[key] = record.entities
        else:
            message.pop(key, None)
        inline = _inline(record.reply_markup)
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline
        message["edit_date"] = int(self.world.wall_clock())
        self.world.record_edit(record, method)
        return message

    # ------------------------------------------------------------ the methods

    def get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        limit = params.get("limit", 100)
        limit = 100 if not isinstance(limit, int) or not 1 <= limit <= 100 else limit
        timeout = params.get("timeout") or 0.0
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("Bad Request: can't parse allowed_updates JSON object")
        raw = await self.world.poll_updates(params.get("offset"), limit, float(timeout), allowed)
        return RawJSON(raw)

    def delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self.world.drop_pending_updates()
        if self.world.webhook.active:
            self.world.webhook = WebhookConfig()
            self.world.webhook_changed()
        return True

    def set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        """Updates go to ``url`` by HTTP POST from now on (an empty URL removes the webhook,
        as on Telegram); plain http is accepted, for a bot on 127.0.0.1."""
        url = str(params.get("url") or "")
        if not url:
            return self.delete_webhook(params, files)
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
            raise bad_request(errors.WEBHOOK_URL_BAD)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request(errors.WEBHOOK_SECRET_BAD)
        connections = params.get("max_connections", 40)
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise bad_request("Bad Request: bad webhook: invalid max_connections")
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("Bad Request: can't parse allowed_updates JSON object")
        if params.get("drop_pending_updates"):
            self.world.drop_pending_updates()
        self.world.set_allowed_updates(allowed)
        self.world.webhook = WebhookConfig(
            url=url, secret_token=str(secret) if secret else None, max_connections=connections
        )
        self.world.webhook_changed()
        return True

    def get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        hook = self.world.webhook
        info: JSON = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": self.world.pending_updates,
        }
        if hook.active:
            info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        return info

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise bad_request("Bad Request: BOT_COMMAND_INVALID")
        self.world.commands[self._commands_key(params)] = commands
        return True

    def get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        return self.world.commands.get(self._commands_key(params), [])

    def delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.world.commands.pop(self._commands_key(params), None)
        return True

    def send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        formatted = self._format(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT,
            too_long=errors.TEXT_TOO_LONG,
            empty=errors.TEXT_EMPTY,
        )
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        content: JSON = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = formatted.entities
        return self._send(
            "sendMessage",
            chat_id,
            params,
            content,
            reply_to=reply_to,
            markup=markup,
            text=formatted.text,
            raw_text=str(params.get("text")),
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities or None,
            link_preview_options=params.get("link_preview_options"),
        )

    def edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        record = self._editable(params)
        if record.text is None:
            raise bad_request(errors.NO_TEXT_TO_EDIT)
        formatted = self._format(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT,
            too_long=errors.TEXT_TOO_LONG,
            empty=errors.TEXT_EMPTY,
        )
        markup = self._markup(params.get("reply_markup"))
        if (
            formatted.text == record.text
            and (formatted.entities or None) == record.entities
            and _inline(markup) == _inline(record.reply_markup)
        ):
            raise bad_request(errors.NOT_MODIFIED)
        return self._apply_edit(
            record,
            "editMessageText",
            text=formatted.text,
            raw_text=str(params.get("text")),
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities or None,
            reply_markup=markup,
        )

    def edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        record = self._editable(params)
        if record.text is not None:
            raise bad_request(errors.NO_CAPTION_TO_EDIT)
        formatted = self._format(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION,
            too_long=errors.CAPTION_TOO_LONG,
            empty=None,
        )
        markup = self._markup(params.get("reply_markup"))
        if (
            formatted.text == (record.caption or "")
            and (formatted.entities or None) == record.entities
            and _inline(markup) == _inline(record.reply_markup)
        ):
            raise bad_request(errors.NOT_MODIFIED)
        if not formatted.text:
            record.message.pop("caption", None)
        return self._apply_edit(
            record,
            "editMessageCaption",
            caption=formatted.text or None,
            raw_caption=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            entities=formatted.entities or None,
            reply_markup=markup,
        )

    def edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        record = self._editable(params)
        markup = self._markup(params.get("reply_markup"))
        if _inline(markup) == _inline(record.reply_markup):
            raise bad_request(errors.NOT_MODIFIED)
        return self._apply_edit(record, "editMessageReplyMarkup", reply_markup=markup)

    def delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if self.world.find_message(chat_id, message_id) is None:
            raise bad_request(errors.DELETE_NOT_FOUND)
        self.world.delete_message(chat_id, message_id)
        return True

    def answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("Bad Request: MESSAGE_TOO_LONG")
        query = self.world.take_callback_query(params.get("callback_query_id"))
        self.world.add_callback_answer(
            CallbackAnswer(
                callback_query_id=query.id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                user_id=query.user_id,
                data=query.data,
                text=text,
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
                time=self.world.clock(),
            )
        )
        return True

    def _input_file(
        self, kind: str, params: JSON, files: dict[str, UploadedFile]
    ) -> UploadedFile | StoredFile:
        """The file parameter ``kind`` ("document"/"photo"): a new upload or a known file."""
        source: Any = files.get(kind, params.get(kind))
        if isinstance(source, str) and source.startswith("attach://"):
            source = files.get(source[len("attach://") :])
        folder = "photos" if kind == "photo" else "documents"
        if isinstance(source, UploadedFile):
            if not source.data:
                raise bad_request(errors.FILE_EMPTY)
            if len(source.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            return source
        if isinstance(source, str) and source:
            stored = self.world.files.get(source)
            if stored is not None:
                if stored.kind != folder:
                    have = "Photo" if stored.kind == "photos" else "Document"
                    want = "Photo" if folder == "photos" else "Document"
                    raise bad_request(f"Bad Request: can't use file of type {have} as {want}")
                return stored
            if source.startswith(("http://", "https://")):
                # Telegram would download it; we pretend it was a small file of that name.
                name = source.rstrip("/").rsplit("/", 1)[-1] or "file"
                return UploadedFile(name, mimetypes.guess_type(name)[0], b"\0" * 1024)
            raise bad_request(errors.WRONG_FILE_ID)
        raise bad_request(f"Bad Request: there is no {kind} in the request")

    def _caption(self, params: JSON) -> FormattedText:
        return self._format(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION,
            too_long=errors.CAPTION_TOO_LONG,
            empty=None,
        )

    def _send_media(self, kind: str, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        source = self._input_file(kind, params, files)
        caption = self._caption(params)
        markup = self._markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat_id, params)
        # All checks before registering the file, so a refused send leaves no trace.
        self.world.check_can_send(chat_id)
        self.world.admit_send(chat_id)
        file_bytes: bytes | None = None
        if isinstance(source, UploadedFile):
            file_bytes = source.data or None
            mime = (
                source.content_type
                or mimetypes.guess_type(source.filename)[0]
                or "application/octet-stream"
            )
            if kind == "photo":
                content: JSON = {
                    "photo": self.world.photo_sizes(1280, 960, len(source.data), file_bytes)
                }
            else:
                stored = self.world.new_file(
                    "documents",
                    file_name=source.filename,
                    mime_type=mime,
                    size=len(source.data),
                    content=file_bytes,
                )
                content = {"document": self._document_json(stored)}
        elif kind == "photo":
            content = {"photo": [self._photo_json(source)]}
            file_bytes = source.content
        else:
            content = {"document": self._document_json(source)}
            file_bytes = source.content
        if caption.text:
            content["caption"] = caption.text
            if caption.entities:
                content["caption_entities"] = caption.entities
        method = "sendPhoto" if kind == "photo" else "sendDocument"
        return self._send(
            method,
            chat_id,
            params,
            content,
            reply_to=reply_to,
            markup=markup,
            caption=caption.text or None,
            raw_caption=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            entities=caption.entities or None,
            document=content.get("document"),
            photo=content.get("photo"),
            file_bytes=file_bytes,
            checked=True,
        )

    @staticmethod
    def _document_json(stored: StoredFile) -> JSON:
        document: JSON = {}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        document.update(
            file_id=stored.file_id, file_unique_id=stored.file_unique_id, file_size=stored.size
        )
        return document

    @staticmethod
    def _photo_json(stored: StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": stored.size,
        }

    def send_document(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("document", params, files)

    def send_photo(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return self._send_media("photo", params, files)

    def _source_message(self, params: JSON) -> JSON:
        from_chat = self.world.resolve_chat(params.get("from_chat_id"))
        source = self.world.find_message(from_chat, params.get("message_id"))
        if source is None:
            raise bad_request("Bad Request: message to copy not found")
        return source

    def copy_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        source = self._source_message(params)
        content = {
            key: source[key]
            for key in ("text", "entities", "caption", "caption_entities", "document", "photo")
            if key in source
        }
        if "caption" in params:
            caption = self._caption(params)
            content.pop("caption_entities", None)
            content["caption"] = caption.text
            if caption.entities:
                content["caption_entities"] = caption.entities
        markup = self._markup(params.get("reply_markup"))
        message = self._send(
            "copyMessage",
            chat_id,
            params,
            content,
            reply_to=self._reply_target(chat_id, params),
            markup=markup,
            text=content.get("text"),
            caption=content.get("caption"),
            entities=content.get("entities") or content.get("caption_entities"),
            document=content.get("document"),
            photo=content.get("photo"),
        )
        return {"message_id": message["message_id"]}

    def forward_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        source = self._source_message(params)
        content: JSON = {
            "forward_origin": {
                "type": "user",
                "sender_user": source["from"],
                "date": source["date"],
            }
        }
        content.update(
            (key, source[key])
            for key in ("text", "entities", "caption", "caption_entities", "document", "photo")
            if key in source
        )
        return self._send(
            "forwardMessage",
            chat_id,
            params,
            content,
            reply_to=None,
            markup=None,
            text=content.get("text"),
            caption=content.get("caption"),
            entities=content.get("entities") or content.get("caption_entities"),
            document=content.get("document"),
            photo=content.get("photo"),
        )

    def get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        stored = self.world.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request(errors.GET_FILE_UNKNOWN)
        if stored.size > MAX_DOWNLOAD:
            raise bad_request(errors.FILE_TOO_BIG)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = self.world.resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("Bad Request: wrong parameter action in request")
        self.world.check_can_send(chat_id)
        return True

    def close(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        return True


class RawJSON(str):
    """A result that is already JSON text (getUpdates builds it from stored updates)."""
