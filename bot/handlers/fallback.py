"""Everything else: forwards, edits, unknown commands, and errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.common import thread_of

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
