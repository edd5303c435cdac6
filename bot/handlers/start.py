"""/start (linking by invite code) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.common import db_of, person_name, removed_text
from services import invites
from services.errors import DomainError
from services.textfit import clip


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Link this chat with an invite code, or say what the bot is."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if not context.args:
        async with db_of(context).session() as session:
            me = await invites.identify(session, chat_id=chat.id, restart=True)
        if me is None:
            await message.reply_text(texts.START_ABOUT)
            return
        if me.removed:
            await message.reply_text(removed_text(me))
            return
        prefix = texts.REACHABLE_AGAIN + "\n" if me.reachable_again else ""
        if me.is_coordinator:
            await message.reply_text(prefix + texts.START_ALREADY_COORD)
        else:
            await message.reply_text(
                prefix
                + texts.START_ALREADY.format(agency=clip(me.agency.name, 80) if me.agency else "")
            )
        return
    try:
        async with db_of(context).session() as session:
            done = await invites.redeem_invite(
                session,
                code=context.args[0][:64],
                chat_id=chat.id,
                chat_type=chat.type,
                user_id=update.effective_user.id if update.effective_user else None,
                display_name=chat.title or person_name(update.effective_user),
                by=person_name(update.effective_user),
            )
    except DomainError as error:
        await message.reply_text(texts.error_text(error.code, **error.params))
        return
    if done.role == "coordinator":
        await message.reply_text(texts.LINKED_COORDINATOR)
        return
    template = texts.LINKED_PRIVATE if chat.type == "private" else texts.LINKED_GROUP
    text = template.format(agency=clip(done.agency.name, 80) if done.agency else "")
    if done.previous_agency:
        text += "\n" + texts.LINKED_MOVED.format(old=clip(done.previous_agency, 80))
    await message.reply_text(text)


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what this person may do."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat.id)
    if me is None:
        await message.reply_text(texts.HELP_STRANGER)
    elif me.removed:
        await message.reply_text(removed_text(me))
    elif me.is_coordinator:
        await message.reply_text(
            texts.HELP_COORDINATOR.format(event_example=texts.example_date(60))
        )
    else:
        await message.reply_text(
            texts.HELP_OFFICIAL.format(
                agency=clip(me.agency.name, 80) if me.agency else "",
                example=texts.example_date(short=True),
            )
        )
