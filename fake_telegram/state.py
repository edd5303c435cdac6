"""The simulated Telegram world: people, chats, messages, files, the update queue, records.

Everything runs on one asyncio loop and every mutation is synchronous, so no locks are
needed.  Waiters (``wait_for``, long polling) are woken through "generation" events: an
``asyncio.Event`` that is set and replaced on each change, so nobody sleeps in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import time
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import errors
from .errors import ApiError, bad_request, forbidden
from .formatting import bot_command_entities
from .limits import FloodLimiter, LimitConfig
from .records import (
    JSON,
    CallbackAnswer,
    EditRecord,
    RequestRecord,
    SentMessage,
    SimGroup,
    SimUser,
    StoredFile,
)

BOT_USER_ID = 1000000001
"""User id of the simulated bot."""
SUPERGROUP_IDS = -1000000000000
"""Supergroup ids are this minus a positive number (-100xxxxxxxxxx)."""

ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
"""What Telegram delivers when allowed_updates was never set (or set to [])."""

T = TypeVar("T")


@dataclass
class _QueuedUpdate:
    update_id: int
    kind: str
    payload: str
    """The whole Update serialised when it happened, so later edits don't leak into it."""


@dataclass
class WebhookConfig:
    """What setWebhook asked for; FakeTelegram's WebhookSender delivers accordingly."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)


@dataclass
class _CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


def _embedded(message: JSON) -> JSON:
    """A message as it appears inside another (``reply_to_message``): one level only."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


class TelegramWorld:
    """State and simulation; ``FakeTelegram`` adds the HTTP server on top."""

    def __init__(
        self,
        bot_username: str = "nhacviec_bot",
        *,
        bot_first_name: str = "Nhacviec Bot",
        enforce_limits: bool = False,
        limit_config: LimitConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_username = bot_username
        self.bot_user: JSON = {
            "id": BOT_USER_ID,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.clock = clock
        """Monotonic clock for records and flood windows."""
        self.wall_clock = wall_clock
        """Unix time for Message.date / edit_date (inject the bot's frozen clock if needed)."""
        self.enforce_limits = enforce_limits
        """Answer 429 beyond Telegram's flood limits; may be toggled at any time."""
        self.limiter = FloodLimiter(limit_config)

        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, SimGroup] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        """Bot commands by (scope as canonical JSON, language_code)."""
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}

        self._messages: dict[int, dict[int, JSON]] = {}
        self._last_message_id: dict[int, int] = {}
        self._bot_messages: dict[tuple[int, int], SentMessage] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._callback_queries: dict[str, _CallbackQuery] = {}

        self._updates: deque[_QueuedUpdate] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._updates_signal = asyncio.Event()
        self._closing = False
        self._delivered: set[int] = set()
        self.webhook = WebhookConfig()
        """The webhook the bot set (``url`` empty: none, updates wait for getUpdates)."""

        self._changed = asyncio.Event()
        self._waiting = 0
        self._init_records()

    # ------------------------------------------------------------------ records

    def _init_records(self) -> None:
        self.requests: list[RequestRecord] = []
        """Every Bot API call, in arrival order."""
        self.sent: list[SentMessage] = []
        """Every message the bot sent successfully (current state after edits)."""
        self.edits: list[EditRecord] = []
        """Every successful edit, in order."""
        self.callback_answers: list[CallbackAnswer] = []
        self.limit_violations = 0
        """Sends refused because of flood limits (only while ``enforce_limits``)."""
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self.requests_by_method: Counter[str] = Counter()
        self.status_counts: Counter[int] = Counter()

    def reset_records(self) -> None:
        """Forget what the bot did (records, counters, flood windows); keep the world."""
        self._init_records()
        self.limiter.reset()
        self._notify()

    def _notify(self) -> None:
        """Wake everybody in ``wait_for``."""
        if self._waiting:
            self._changed.set()
            self._changed = asyncio.Event()

    def record_request(self, method: str, params: JSON) -> RequestRecord:
        record = RequestRecord(len(self.requests), method, params, self.clock())
        self.requests.append(record)
        self.requests_by_method[method] += 1
        return record

    def finish_request(self, record: RequestRecord, status: int, description: str | None) -> None:
        record.status = status
        record.description = description
        self.status_counts[status] += 1
        self._notify()

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to ``chat_id``, oldest first."""
        return list(self._sent_by_chat.get(chat_id, ()))

    def sent_since(self, index: int, chat_id: int | None = None) -> list[SentMessage]:
        """Sent messages with ``index >= index``, optionally only to ``chat_id``."""
        if chat_id is None:
            return self.sent[index:]
        messages = self._sent_by_chat.get(chat_id, [])
        return messages[bisect_left(messages, index, key=lambda m: m.index) :]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The bot's latest message to ``chat_id``, or None."""
        messages = self._sent_by_chat.get(chat_id)
        return messages[-1] if messages else None

    def bot_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The record of a bot message by its ids."""
        return self._bot_messages.get((chat_id, message_id))

    def stats(self) -> JSON:
        """Counters for benchmarks; O(number of methods), not O(records)."""
        return {
            "sent": len(self.sent),
            "edits": len(self.edits),
            "violations": self.limit_violations,
            "requests": len(self.requests),
            "requests_by_method": dict(self.requests_by_method),
            "status_counts": {str(k): v for k, v in self.status_counts.items()},
            "callback_answers": len(self.callback_answers),
            "pending_updates": len(self._updates),
        }

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        Re-evaluated whenever a record changes (request finished, message sent or edited,
        callback answered).  Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiting += 1
        try:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            self._waiting -= 1

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id`` in total."""

        def enough() -> list[SentMessage]:
            messages = self._sent_by_chat.get(chat_id, [])
            return list(messages) if len(messages) >= count else []

        try:
            return await self.wait_for(enough, timeout)
        except TimeoutError:
            have = len(self._sent_by_chat.get(chat_id, []))
            raise TimeoutError(
                f"chat {chat_id}: {have} bot message(s) after {timeout} s, wanted {count}"
            ) from None

    # ------------------------------------------------------------- people, chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        blocked: bool = False,
        started: bool = True,
        language_code: str | None = None,
    ) -> SimUser:
        """Create (or replace) a user and their private chat with the bot (chat id = user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        if user_id == BOT_USER_ID:
            raise ValueError(f"{BOT_USER_ID} is the bot's own id")
        user = SimUser(user_id, first_name, last_name, username, language_code, blocked, started)
        self.users[user_id] = user
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        member_ids: Iterable[int] = (),
        *,
        type: str | None = None,
        forum: bool = False,
    ) -> SimGroup:
        """Create (or replace) a group containing the bot and ``member_ids``.

        Ids of the form -100xxxxxxxxxx are supergroups, other negative ids basic groups.
        ``forum`` makes a supergroup with topics (``create_topic``).
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        members = set(member_ids)
        unknown = members - self.users.keys()
        if unknown:
            raise ValueError(f"unknown user ids {sorted(unknown)}: add_user first")
        kind = type or ("supergroup" if chat_id <= SUPERGROUP_IDS else "group")
        if forum and kind != "supergroup":
            raise ValueError("only supergroups have topics")
        group = SimGroup(chat_id, title, members, kind, is_forum=forum)
        self.groups[chat_id] = group
        return group

    def _group(self, chat_id: int) -> SimGroup:
        try:
            return self.groups[chat_id]
        except KeyError:
            raise ValueError(f"unknown group {chat_id}: add_group first") from None

    def _actor(self, group: SimGroup, user_id: int | None) -> SimUser:
        """Who does something to a group: ``user_id``, or its first member."""
        if user_id is None:
            if not group.member_ids:
                raise ValueError(f"group {group.id} has no members to act")
            user_id = min(group.member_ids)
        return self._user(user_id)

    def migrate_group(
        self, chat_id: int, *, by_user_id: int | None = None, notify: bool = True
    ) -> int:
        """Upgrade a basic group to a supergroup, as Telegram does: the supergroup gets a
        new id (returned) and the same members; the old id then answers every call with 400
        and ``parameters.migrate_to_chat_id``. With ``notify`` the bot gets the two service
        messages (``migrate_to_chat_id`` in the old chat, ``migrate_from_chat_id`` in the
        new); without, it learns only when a call meets the 400."""
        group = self._group(chat_id)
        if group.type != "group" or group.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a basic group")
        user = self._actor(group, by_user_id)
        new_id = SUPERGROUP_IDS - abs(chat_id)
        self.groups[new_id] = SimGroup(
            new_id, group.title, set(group.member_ids), "supergroup", bot_status=group.bot_status
        )
        group.migrated_to = new_id
        if notify:
            for where, field, value in (
                (chat_id, "migrate_to_chat_id", new_id),
                (new_id, "migrate_from_chat_id", chat_id),
            ):
                message = {
                    "message_id": self.next_message_id(where),
                    "from": user.to_user(),
                    "chat": (group if where == chat_id else self.groups[new_id]).to_chat(),
                    "date": int(self.wall_clock()),
                    field: value,
                }
                self._messages.setdefault(where, {})[message["message_id"]] = message
                self._queue_update("message", message)
        return new_id

    def remove_bot(
        self, chat_id: int, *, by_user_id: int | None = None, kicked: bool = True
    ) -> None:
        """A member removes the bot from a group (``kicked``) or it leaves; the bot gets a
        ``my_chat_member`` update, and sends to the group answer 403 from then on."""
        group = self._group(chat_id)
        if group.bot_status != "member":
            raise ValueError(f"the bot is not in group {chat_id}")
        new = "kicked" if kicked else "left"
        self._queue_member_change(group.to_chat(), self._actor(group, by_user_id), "member", new)
        group.bot_status = new

    def add_bot(self, chat_id: int, *, by_user_id: int | None = None) -> None:
        """A member adds the bot back to a group (``my_chat_member`` to "member")."""
        group = self._group(chat_id)
        if group.bot_status == "member":
            raise ValueError(f"the bot is already in group {chat_id}")
        old = group.bot_status
        self._queue_member_change(group.to_chat(), self._actor(group, by_user_id), old, "member")
        group.bot_status = "member"

    def create_topic(self, chat_id: int, name: str, *, by_user_id: int | None = None) -> int:
        """A forum topic in a forum supergroup; returns its message_thread_id (the id of the
        topic's creation message, which messages in the topic then reply to)."""
        group = self._group(chat_id)
        if not group.is_forum:
            raise ValueError(f"group {chat_id} is not a forum")
        user = self._actor(group, by_user_id)
        thread_id = self.next_message_id(chat_id)
        message = {
            "message_id": thread_id,
            "from": user.to_user(),
            "chat": group.to_chat(),
            "date": int(self.wall_clock()),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        group.topics[thread_id] = name
        self._messages.setdefault(chat_id, {})[thread_id] = message
        self._queue_update("message", message)
        return thread_id

    def thread_root(self, chat_id: int, thread_id: Any) -> JSON | None:
        """A message's topic (``message_thread_id``) checked as Telegram does: the topic's
        creation message, or None outside forums; 400 for a topic that does not exist."""
        if thread_id is None or thread_id == "":
            return None
        group = self.groups.get(chat_id)
        if group is None or not group.is_forum or thread_id not in group.topics:
            raise bad_request(errors.THREAD_NOT_FOUND)
        return self._messages[chat_id][thread_id]

    def block(self, user_id: int, notify: bool = True) -> None:
        """The user blocks the bot (and Telegram sends the bot a ``my_chat_member`` update)."""
        user = self._user(user_id)
        if not user.blocked and notify:
            self._queue_member_change(user.to_chat(), user, "member", "kicked")
        user.blocked = True

    def unblock(self, user_id: int, notify: bool = True) -> None:
        """The user unblocks the bot (``my_chat_member`` back to "member")."""
        user = self._user(user_id)
        if user.blocked and notify:
            self._queue_member_change(user.to_chat(), user, "kicked", "member")
        user.blocked = False

    def _queue_member_change(self, chat: JSON, user: SimUser, old: str, new: str) -> None:
        def member(status: str) -> JSON:
            data: JSON = {"user": self.bot_user, "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self._queue_update(
            "my_chat_member",
            {
                "chat": chat,
                "from": user.to_user(),
                "date": int(self.wall_clock()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _user(self, user_id: int) -> SimUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise ValueError(f"unknown user {user_id}: add_user first") from None

    def chat_json(self, chat_id: int) -> JSON:
        if chat_id in self.users:
            return self.users[chat_id].to_chat()
        return self.groups[chat_id].to_chat()

    # ------------------------------------------------------- used by the Bot API

    def resolve_chat(self, chat_id: Any) -> int:
        """Validate a ``chat_id`` parameter the way Telegram does; returns the int id."""
        if chat_id is None or chat_id == "":
            raise bad_request("Bad Request: chat_id is empty")
        if isinstance(chat_id, int) and (chat_id in self.users or chat_id in self.groups):
            group = self.groups.get(chat_id)
            if group is not None and group.migrated_to is not None:
                raise ApiError(400, errors.GROUP_UPGRADED, migrate_to_chat_id=group.migrated_to)
            return chat_id
        raise bad_request(errors.CHAT_NOT_FOUND)

    def check_can_send(self, chat_id: int) -> None:
        """403s for users who blocked the bot or never started it, and groups it left."""
        group = self.groups.get(chat_id)
        if group is not None and group.bot_status != "member":
            raise forbidden(
                errors.BOT_KICKED_FROM_GROUP
                if group.bot_status == "kicked"
                else errors.BOT_NOT_MEMBER
            )
        user = self.users.get(chat_id)
        if user is None:
            return
        if user.blocked:
            raise forbidden(errors.BOT_BLOCKED)
        if not user.started:
            raise forbidden(errors.CANT_INITIATE)

    def admit_send(self, chat_id: int) -> None:
        """Flood control for one outgoing message; raises 429 when over the limit."""
        if not self.enforce_limits:
            return
        retry_after = self.limiter.retry_after(chat_id, self.clock())
        if retry_after is not None:
            self.limit_violations += 1
            self._notify()
            raise errors.too_many_requests(retry_after)

    def find_message(self, chat_id: int, message_id: Any) -> JSON | None:
        """Any stored message (bot's or user's) in a chat."""
        if not isinstance(message_id, int):
            return None
        return self._messages.get(chat_id, {}).get(message_id)

    def next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and increasing, shared by the bot and the users."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def new_message(self, chat_id: int, sender: JSON, reply_to: JSON | None) -> JSON:
        """Skeleton of a Message with a fresh id; the caller adds content and stores it."""
        message: JSON = {
            "message_id": self.next_message_id(chat_id),
            "from": sender,
            "chat": self.chat_json(chat_id),
            "date": int(self.wall_clock()),
        }
        if reply_to is not None:
            message["reply_to_message"] = _embedded(reply_to)
        return message

    def store_bot_message(
        self, chat_id: int, method: str, message: JSON, **fields: Any
    ) -> SentMessage:
        """Record a message the bot sent; ``fields`` fill the SentMessage."""
        now = self.clock()
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        record = SentMessage(
            index=len(self.sent),
            chat_id=chat_id,
            message_id=message["message_id"],
            method=method,
            time=now,
            date=message["date"],
            message=message,
            **fields,
        )
        self.sent.append(record)
        self._sent_by_chat.setdefault(chat_id, []).append(record)
        self._bot_messages[(chat_id, record.message_id)] = record
        self.limiter.record(chat_id, now)
        self._notify()
        return record

    def record_edit(self, record: SentMessage, method: str) -> None:
        self.edits.append(
            EditRecord(
                len(self.edits), record.chat_id, record.message_id, method, self.clock(), record
            )
        )
        self._notify()

    def delete_message(self, chat_id: int, message_id: int) -> None:
        self._messages.get(chat_id, {}).pop(message_id, None)
        record = self._bot_messages.get((chat_id, message_id))
        if record is not None:
            record.deleted = True
        self._notify()

    def add_callback_answer(self, answer: CallbackAnswer) -> None:
        self.callback_answers.append(answer)
        self._notify()

    def take_callback_query(self, query_id: Any) -> _CallbackQuery:
        """The unanswered query with this id, marked answered; 400 otherwise."""
        query = self._callback_queries.get(str(query_id)) if query_id is not None else None
        if query is None or query.answered:
            raise bad_request(errors.QUERY_TOO_OLD)
        query.answered = True
        return query

    def new_file(
        self,
        kind: str,
        *,
        file_name: str | None,
        mime_type: str | None,
        size: int,
        content: bytes | None,
    ) -> StoredFile:
        """Register a file; ``kind`` is "documents" or "photos" (as in Telegram file paths)."""
        n = next(self._file_counter)
        prefix = "AgACAgIAAxkBAAI" if kind == "photos" else "BQACAgIAAxkBAAI"
        stored = StoredFile(
            file_id=f"{prefix}{n:08d}fake",
            file_unique_id=f"AgAD{n:08d}",
            file_name=file_name,
            mime_type=mime_type,
            size=size,
            content=content,
            kind=kind,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -------------------------------------------------------------- update queue

    def _queue_update(self, kind: str, obj: JSON) -> JSON:
        """Queue an Update for getUpdates; returns an independent copy of ``obj``."""
        update_id = self._next_update_id
        self._next_update_id += 1
        payload = json.dumps({"update_id": update_id, kind: obj}, ensure_ascii=False)
        self._updates.append(_QueuedUpdate(update_id, kind, payload))
        self._signal_updates()
        return json.loads(payload)[kind]

    def _signal_updates(self) -> None:
        self._updates_signal.set()
        self._updates_signal = asyncio.Event()

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()
        self._delivered.clear()

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        else:
            while updates and updates[0].update_id < offset:
                updates.popleft()

    def _collect(self, limit: int) -> list[str]:
        allowed = self._allowed_updates
        if any(update.kind not in allowed for update in self._updates):
            # Telegram never stores updates of types the bot did not ask for.
            self._updates = deque(u for u in self._updates if u.kind in allowed)
        return [update.payload for update in itertools.islice(self._updates, limit)]

    async def poll_updates(
        self,
        offset: int | None,
        limit: int,
        timeout: float,
        allowed_updates: list[str] | None,
    ) -> str:
        """getUpdates: confirm below ``offset``, then long-poll up to ``timeout`` seconds.

        Returns the JSON text of the result array.  A newer getUpdates call ends an older
        waiting one with 409 Conflict, as on Telegram.
        """
        if self.webhook.active:
            raise ApiError(409, errors.CONFLICT_WEBHOOK)
        if offset is not None:
            self._confirm(offset)
        self.set_allowed_updates(allowed_updates)
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal_updates()  # lets an older waiting poll notice it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            if self.webhook.active:  # set while this poll waited
                raise ApiError(409, errors.CONFLICT_WEBHOOK)
            batch = self._collect(limit)
            if batch:
                return "[" + ",".join(batch) + "]"
            if generation != self._poll_generation:
                raise ApiError(409, errors.CONFLICT_POLLING)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return "[]"
            signal = self._updates_signal
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    def set_allowed_updates(self, allowed_updates: list[str] | None) -> None:
        """allowed_updates of getUpdates or setWebhook (None keeps the previous choice)."""
        if allowed_updates is not None:
            self._allowed_updates = (
                frozenset(allowed_updates) & ALL_UPDATE_TYPES or DEFAULT_UPDATE_TYPES
            )

    def updates_after(self, update_id: int) -> list[tuple[int, str]]:
        """(update_id, JSON) of the queued updates above ``update_id`` (webhook delivery)."""
        self._collect(0)  # drops kinds the bot did not ask for
        return [(u.update_id, u.payload) for u in self._updates if u.update_id > update_id]

    def confirm_delivered(self, update_id: int) -> None:
        """A webhook answered 2xx for this update: it is no longer pending."""
        self._delivered.add(update_id)
        updates = self._updates
        while updates and updates[0].update_id in self._delivered:
            self._delivered.discard(updates.popleft().update_id)

    def webhook_changed(self) -> None:
        """setWebhook or deleteWebhook was called (FakeTelegram starts or stops delivery)."""
        self._signal_updates()  # a waiting getUpdates learns that it conflicts now

    def close_polls(self) -> None:
        """Make waiting getUpdates calls return now (server shutdown)."""
        self._closing = True
        self._signal_updates()

    # ------------------------------------------------------ simulated user input

    def _input_chat(self, chat_id: int, user: SimUser) -> None:
        if chat_id > 0:
            if chat_id != user.id:
                raise ValueError(f"chat {chat_id} is the private chat of another user")
            return
        group = self.groups.get(chat_id)
        if group is None:
            raise ValueError(f"unknown group {chat_id}: add_group first")
        if user.id not in group.member_ids:
            raise ValueError(f"user {user.id} is not a member of group {chat_id}")
        if group.migrated_to is not None:
            raise ValueError(f"group {chat_id} was upgraded: it is {group.migrated_to} now")
        if group.bot_status != "member":
            raise ValueError(f"the bot is not in group {chat_id}: it sees nothing there")

    def _reply_target(self, chat_id: int, reply_to: int | None) -> JSON | None:
        if reply_to is None:
            return None
        target = self.find_message(chat_id, reply_to)
        if target is None:
            raise ValueError(f"no message {reply_to} in chat {chat_id}")
        return target

    def _user_message(
        self, chat_id: int, user_id: int, reply_to: int | None, thread_id: int | None = None
    ) -> tuple[SimUser, JSON]:
        user = self._user(user_id)
        self._input_chat(chat_id, user)
        try:
            root = self.thread_root(chat_id, thread_id)
        except ApiError:
            raise ValueError(f"no topic {thread_id} in chat {chat_id}") from None
        target = self._reply_target(chat_id, reply_to)
        message = self.new_message(chat_id, user.to_user(), target or root)
        if root is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if chat_id == user.id:
            # Writing to the bot starts the conversation; a blocking user unblocks first.
            if user.blocked:
                self.unblock(user.id)
            user.started = True
        return user, message

    def _publish_user_message(self, chat_id: int, message: JSON) -> JSON:
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return self._queue_update("message", message)

    def user_sends(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        forward_from: int | str | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """A user writes ``text`` in a chat; returns the Message (as a dict) the bot receives.

        Commands get ``bot_command`` entities like on Telegram ("/start", "/start@bot").
        ``reply_to`` is a message id in that chat (the bot's or a user's); the update then
        carries the full replied-to message.  ``forward_from`` (a user id, or a name for a
        user hiding their account) makes it a forwarded message.  ``thread_id`` writes in a
        forum topic: the message then replies to the topic's creation message unless it
        replies to another, as on Telegram.
        """
        if not text:
            raise ValueError("a text message needs text")
        _, message = self._user_message(chat_id, user_id, reply_to, thread_id)
        if forward_from is not None:
            message["forward_origin"] = self._forward_origin(forward_from, message["date"])
        message["text"] = text
        entities = bot_command_entities(text)
        if entities:
            message["entities"] = entities
        return self._publish_user_message(chat_id, message)

    def _forward_origin(self, source: int | str, date: int) -> JSON:
        if isinstance(source, int):
            return {"type": "user", "sender_user": self._user(source).to_user(), "date": date}
        return {"type": "hidden_user", "sender_user_name": source, "date": date}

    def user_sends_document(
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
        """A user sends a file.  Without ``content`` the bot downloads ``size`` NUL bytes."""
        if content is not None:
            size = len(content)
        if size is None:
            raise ValueError("give size or content")
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        _, message = self._user_message(chat_id, user_id, reply_to)
        stored = self.new_file(
            "documents", file_name=file_name, mime_type=mime, size=size, content=content
        )
        message["document"] = {
            "file_name": file_name,
            "mime_type": mime,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": size,
        }
        if caption:
            message["caption"] = caption
        return self._publish_user_message(chat_id, message)

    def user_sends_photo(
        self,
        chat_id: int,
        user_id: int,
        width: int = 1280,
        height: int = 960,
        size: int = 120_000,
        caption: str | None = None,
        reply_to: int | None = None,
        content: bytes | None = None,
    ) -> JSON:
        """A user sends a photo (one thumbnail and the full size, like Telegram)."""
        if content is not None:
            size = len(content)
        _, message = self._user_message(chat_id, user_id, reply_to)
        message["photo"] = self.photo_sizes(width, height, size, content)
        if caption:
            message["caption"] = caption
        return self._publish_user_message(chat_id, message)

    def photo_sizes(self, width: int, height: int, size: int, content: bytes | None) -> list[JSON]:
        """PhotoSize list: a 90 px thumbnail and the original, each with its own file."""
        scale = 90 / max(width, height, 1)
        thumb_w, thumb_h = max(1, round(width * scale)), max(1, round(height * scale))
        thumb_size = max(1, min(size, 1500))
        sizes = []
        for w, h, s, data in ((thumb_w, thumb_h, thumb_size, None), (width, height, size, content)):
            stored = self.new_file(
                "photos", file_name=None, mime_type="image/jpeg", size=s, content=data
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": s,
                }
            )
        return sizes

    def user_edits(self, chat_id: int, message_id: int, new_text: str) -> JSON:
        """A user edits their message; the bot receives an ``edited_message`` update."""
        message = self.find_message(chat_id, message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if message["from"]["id"] == BOT_USER_ID:
            raise ValueError("users cannot edit the bot's messages")
        if "text" in message:
            message["text"] = new_text
            entities = bot_command_entities(new_text)
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
        else:
            message["caption"] = new_text
        message["edit_date"] = int(self.wall_clock())
        return self._queue_update("edited_message", message)

    def user_presses(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        user_id: int,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button of a bot message; returns the callback query id.

        With ``strict`` the button must currently exist on the message (a real user can
        only press what they see).
        """
        user = self._user(user_id)
        self._input_chat(chat_id, user)
        record = self._bot_messages.get((chat_id, message_id))
        if record is None or record.deleted:
            raise ValueError(f"no bot message {message_id} in chat {chat_id}")
        if strict and callback_data not in record.callback_data:
            raise ValueError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"it has {record.callback_data}"
            )
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        self._callback_queries[query_id] = _CallbackQuery(
            query_id, user_id, chat_id, message_id, callback_data
        )
        self._queue_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_user(),
                "message": record.message,
                "chat_instance": str(abs(chat_id) * 7919 + 104729),
                "data": callback_data,
            },
        )
        return query_id
