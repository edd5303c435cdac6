"""Everything else: forwards, edits, unknown commands, and errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.common import db_of, thread_of
from jobs.dispatch import outcome_unknown
from services import outbox

log = logging.getLogger(__name__)


async def on_forwarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forwarded messages are not answers from this person."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.FORWARDED_IGNORED)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edits are not read; say so, in private chats only (groups stay quiet)."""
    message = update.edited_message
    if message is not None and message.chat.type == "private":
        await message.reply_text(texts.EDITED_IGNORED)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Name the commands that exist; a command addressed to another bot (/lenh@bot_khac,
    in a group with several bots) is not ours to answer."""
    message = update.effective_message
    if message is None:
        return
    command = (message.text or message.caption or "").split(maxsplit=1)[0]
    _, at, addressee = command.partition("@")
    if at and addressee.casefold() != (context.bot.username or "").casefold():
        return
    await message.reply_text(texts.UNKNOWN_COMMAND)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the person, briefly; never a traceback in the chat."""
    if isinstance(context.error, Forbidden) and isinstance(update, Update):
        # Blocked, or removed from the group, while answering: nobody there to tell. The
        # chat is marked unreachable as a 403 to the dispatcher would mark it.
        chat = update.effective_chat
        log.info("chat %s cannot be written to: %s", chat.id if chat else None, context.error)
        if chat is not None:
            async with db_of(context).session() as session:
                await outbox.mark_unreachable(session, chat_id=chat.id, reason=str(context.error))
        return
    if isinstance(context.error, TelegramError) and outcome_unknown(context.error):
        # A 5xx, a dropped connection or a timeout on the way to Telegram: the call may have
        # taken effect (the answer may be in the chat already), and the work was done before
        # it. "Có lỗi" after a reply that did arrive would tell the person a falsehood.
        log.warning("an answer may not have reached the chat: %r", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.SOMETHING_WRONG, show_alert=True)
        elif update.effective_message is not None and update.effective_chat is not None:
            await update.effective_chat.send_message(
                texts.SOMETHING_WRONG, message_thread_id=thread_of(update.effective_message)
            )
    except TelegramError:
        log.warning("could not tell the user about the error")
