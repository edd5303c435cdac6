"""Who is linked: /canbo (coordinators list, remove, grant and revoke the role, each with a
confirmation), /roi (an official leaves), and chats as Telegram changes them (a group
upgraded to a supergroup, the bot removed from a group or blocked, and back)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import (
    answer_and_edit,
    as_coordinator,
    db_of,
    edit_or_ignore,
    person_name,
    refusal,
    sent_by_owner,
    thread_of,
    together,
)
from services import contacts, invites
from services.agencies import get_agency
from services.audit import Who
from services.errors import DomainError
from services.invites import Identity

log = logging.getLogger(__name__)


def _who(update: Update, contact_id: int) -> Who:
    return Who(name=person_name(update.effective_user), contact_id=contact_id)


async def cmd_canbo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the contacts (of one body, when named), with buttons to remove or change roles."""
    message = update.effective_message
    assert message is not None
    ref = " ".join(context.args or []).strip()

    async def listing(
        session: AsyncSession, _: object
    ) -> list[tuple[str, InlineKeyboardMarkup | None]] | str:
        """The list's messages with their buttons, or why there is none."""
        try:
            scope = (await get_agency(session, ref)).name if ref else None
            found = await contacts.list_contacts(session, agency_ref=ref or None)
        except DomainError as error:
            return texts.error_text(error.code, **error.params)
        return [
            (text, keyboards.contacts_keyboard(shown))
            for text, shown in render.contact_messages(found, scope)
        ]

    shown = await as_coordinator(update, context, listing)
    if isinstance(shown, str):
        await message.reply_text(shown)
    elif shown is not None:
        for text, markup in shown:
            await message.reply_text(text, reply_markup=markup)


_ASK = {
    "remove": texts.ASK_REMOVE_CONTACT,
    "grant": texts.ASK_GRANT_COORDINATOR,
    "revoke": texts.ASK_REVOKE_COORDINATOR,
}
_DONE = {
    "remove": texts.CONTACT_REMOVED_DONE,
    "grant": texts.ROLE_GRANTED_DONE,
    "revoke": texts.ROLE_REVOKED_DONE,
}


async def on_contact_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask to confirm a removal or a role change; on confirmation, make it."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = keyboards.parse_contact_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if button is None or message is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    if button.op == "cancel":  # a confirmation declined: nothing to read or change
        if await as_coordinator(update, context, _checked_only) is not None:
            await answer_and_edit(query, message, texts.NOTHING_CHANGED, reply_markup=None)
        return

    async def act(session: AsyncSession, me: Identity) -> tuple[contacts.ContactInfo, bool] | str:
        """The contact, and whether the change was made (else it is to be confirmed); or
        why not."""
        try:
            info = await contacts.get_info(session, button.contact_id)
            if not button.confirmed:
                return info, False
            who = _who(update, me.contact.id)
            if button.op == "remove":
                await contacts.remove_contact(session, contact_id=info.id, who=who)
            else:
                await contacts.set_coordinator(
                    session, contact_id=info.id, coordinator=button.op == "grant", who=who
                )
        except DomainError as error:
            return texts.error_text(error.code, **error.params)
        return info, True

    done = await as_coordinator(update, context, act)
    if isinstance(done, str):
        await query.answer(done[:200], show_alert=True)
        return
    if done is None:
        return
    info, changed = done
    fields = render.contact_fields(info)
    if not changed:
        await together(
            update.effective_chat.send_message(
                _ASK[button.op].format(**fields),
                reply_markup=keyboards.contact_confirm_keyboard(info.id, button.op),
                message_thread_id=thread_of(message),
            ),
            query.answer(),
        )
        return
    text = _DONE[button.op].format(**fields)
    await query.answer(text[:190])
    await edit_or_ignore(message, text, reply_markup=None)
    await _menu(context, info.chat_id, coordinator=button.op == "grant")


async def _checked_only(session: AsyncSession, me: Identity) -> bool:
    """No database work beyond the check that the update comes from a coordinator."""
    return True


async def _menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, *, coordinator: bool) -> None:
    """The person's command menu follows their role (a server without it is no error)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if coordinator:
            await context.bot.set_my_commands(
                [BotCommand(c, d) for c, d in texts.COMMANDS_COORDINATOR], scope=scope
            )
        else:
            await context.bot.delete_my_commands(scope=scope)
    except TelegramError as error:
        log.info("could not change the command menu of %s: %s", chat_id, error)


async def cmd_roi(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An official leaves their body (asked to confirm first); private chats only."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if chat.type != "private":
        await message.reply_text(texts.LEAVE_IN_GROUP)
        return
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat.id)
    refused = refusal(me)
    if refused is not None or me is None:
        await message.reply_text(refused or texts.NOT_LINKED)
        return
    text = (
        texts.LEAVE_ASK_COORDINATOR
        if me.is_coordinator and me.agency is None
        else texts.LEAVE_ASK.format(agency=render.name_of(me.agency.name) if me.agency else "")
    )
    await message.reply_text(text, reply_markup=keyboards.leave_keyboard())


async def on_leave_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Leave, or stay."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    message = query.message if isinstance(query.message, Message) else None
    if not sent_by_owner(update):  # /roi is for private chats; a group's button is forged
        await query.answer(texts.LEAVE_IN_GROUP, show_alert=True)
        return
    info = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=update.effective_chat.id)
        refused = refusal(me) or (texts.BAD_BUTTON if message is None else None)
        if refused is None and me is not None and query.data == "lv:y":
            try:
                info = await contacts.remove_contact(
                    session,
                    contact_id=me.contact.id,
                    who=_who(update, me.contact.id),
                    action="left",
                )
            except DomainError as error:
                refused = texts.error_text(error.code, **error.params)
    if refused is not None or me is None or message is None:
        await query.answer((refused or texts.NOT_LINKED)[:200], show_alert=True)
        return
    if info is None:
        await answer_and_edit(query, message, texts.LEAVE_STAYED, reply_markup=None)
        return
    done = (
        texts.LEFT.format(agency=render.name_of(info.agency_name))
        if info.agency_name
        else texts.LEFT_COORDINATOR
    )
    await answer_and_edit(query, message, done, reply_markup=None)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was removed from a group or blocked, or is back: note it, tell coordinators."""
    change = update.my_chat_member
    if change is None:
        return
    new = change.new_chat_member
    async with db_of(context).session() as session:
        await contacts.bot_membership_changed(
            session,
            chat_id=change.chat.id,
            status=new.status,
            is_member=getattr(new, "is_member", None),
        )


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its contact and its queued messages take the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    async with db_of(context).session() as session:
        if await contacts.migrate_chat(session, old_chat_id=old, new_chat_id=new):
            log.info("chat %s migrated to %s", old, new)
