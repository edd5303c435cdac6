"""Small helpers every handler uses: who is acting, the database, safe replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Message, Update, User
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import texts
from db.session import Database
from services import invites
from services.clock import VN_TZ
from services.invites import Identity
from services.refs import ContactRef
from services.tasks import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")

TEXT_LIMIT = 1000  # a status reply is one line; longer is a paste, answered with a hint


def db_of(context: ContextTypes.DEFAULT_TYPE) -> Database:
    return context.application.bot_data["db"]


def person_name(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback
    name = user.full_name.strip()
    return name or (f"@{user.username}" if user.username else str(user.id))


def actor_for(update: Update, contact: ContactRef, message: Message | None = None) -> Actor:
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    return Actor(
        contact=contact,
        user_id=user.id if user else None,
        name=person_name(user, contact.display_name),
        chat_id=chat.id,
        message_id=message.message_id if message else None,
    )


async def edit_or_ignore(message: Message, text: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Edit a message; "not modified" (a second tap on the same button) is not an error."""
    try:
        await message.edit_text(text, **kwargs)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Make Bot API calls that do not depend on each other at once: over a 200 ms round
    trip, two calls one after the other take 400 ms. Every call runs to its end; the first
    failure, if any, is raised after all of them finished (a person's pop-up still comes
    when the redraw fails, and no failure is left unobserved)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def answer_and_edit(
    query: CallbackQuery,
    message: Message,
    text: str,
    *,
    popup: str | None = None,
    **kwargs: Any,
) -> None:
    """Answer a button (its pop-up, or just the spinner stopped) and redraw its message,
    together: the pop-up first (`first_then`)."""
    await first_then(query.answer(popup), edit_or_ignore(message, text, **kwargs))


async def first_then(first: Awaitable[Any], *others: Awaitable[Any]) -> list[Any]:
    """As `together`, but `first`'s request leaves now, in this step of the event loop: the
    others start as tasks of their own, after everything already scheduled. On a busy bot
    (a batch of updates from one getUpdates) the person's pop-up then goes out as soon as
    its own update was handled, not after every other update of the batch."""
    rest = [asyncio.ensure_future(other) for other in others]
    try:
        head = await first
    except asyncio.CancelledError:
        for task in rest:
            task.cancel()
        raise
    except BaseException:
        await asyncio.gather(*rest, return_exceptions=True)  # they still run to their end
        raise
    return [head, *await together(*rest)]


def refusal(me: Identity | None) -> str | None:
    """Why this chat may do nothing here (not linked, or removed), or None."""
    if me is None:
        return texts.NOT_LINKED
    if me.removed_at is not None:
        return removed_text(me)
    return None


def removed_text(me: Identity) -> str:
    assert me.removed_at is not None
    return texts.CONTACT_REMOVED.format(date=texts.date_vn(me.removed_at.astimezone(VN_TZ).date()))


async def refuse(update: Update, text: str) -> None:
    """Say no: as a pop-up to a button, as a reply to a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def sent_by_owner(update: Update) -> bool:
    """Whether the person who sent this update is the chat itself: a private chat, written
    in by its own user. The coordinator role belongs to a person, so a coordinator's command
    or button counts only there; in a group anyone could have sent it."""
    chat, user = update.effective_chat, update.effective_user
    return chat is not None and chat.type == "private" and user is not None and user.id == chat.id


def coordinator_refusal(update: Update, me: Identity | None) -> str | None:
    """Why this update may not use a coordinator's command or button, or None. It checks
    the person who sent it (update.effective_user), not only the chat."""
    if me is not None and me.is_coordinator and sent_by_owner(update):
        return None
    return removed_text(me) if me is not None and me.removed else texts.COORDINATOR_ONLY


async def as_coordinator(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    work: Callable[[AsyncSession, Identity], Awaitable[T]],
) -> T | None:
    """A coordinator's database work, in one session: `work` runs there when the update
    comes from a coordinator, and its result is returned once the session is closed. None
    after telling anyone else it is not for them, also once the session is closed (a
    handler calls the Bot API only then: README, "How it is built")."""
    assert update.effective_chat is not None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=update.effective_chat.id)
        refused = coordinator_refusal(update, me)
        result = await work(session, me) if refused is None and me is not None else None
    if refused is not None:
        await refuse(update, refused)
    return result


def thread_of(message: Message | None) -> int | None:
    """The forum topic a message is in (None outside forum topics): answers go there too."""
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id
