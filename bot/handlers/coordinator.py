"""Coordinators: /tonghop and answers to extension requests."""

from __future__ import annotations

from telegram import ForceReply, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.handlers.common import actor_for, coordinator_or_refuse, db_of, edit_or_ignore
from bot.handlers.tasks import change_text
from services import clock, reminders, tasks
from services.errors import DomainError
from services.events import is_children_forum
from services.parsing import parse_date


async def on_extension_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve or refuse an extension request from the notice itself."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = keyboards.parse_extension_data(query.data or "")
    if button is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    async with db_of(context).session() as session:
        me = await coordinator_or_refuse(update, session)
        if me is None:
            return
        actor = actor_for(update, me.contact, message)
        try:
            if button.decision == "other":
                views = await tasks.views_by_id(session, [button.task_id])
                if not views or not views[0].extension_requested:
                    raise DomainError("extension_not_pending")
                ask = await update.effective_chat.send_message(
                    texts.ASK_APPROVE_DATE.format(
                        title=views[0].title, agency=views[0].agency_name
                    ),
                    reply_markup=ForceReply(selective=update.effective_chat.type != "private"),
                )
                await tasks.link_message(
                    session,
                    chat_id=ask.chat_id,
                    message_id=ask.message_id,
                    task_ids=[button.task_id],
                    purpose="ask_approve_date",
                )
                await query.answer()
                return
            change = await tasks.decide_extension(
                session,
                actor=actor,
                task_id=button.task_id,
                approve=button.decision == "approve",
                expected_date=button.date,
            )
        except DomainError as error:
            await query.answer(texts.error_text(error.code, **error.params), show_alert=True)
            return
    outcome = change_text(change)
    await query.answer(outcome[:190])
    if message is not None:
        await edit_or_ignore(message, f"{message.text}\n\n{outcome}", reply_markup=None)


async def cmd_sukien(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add an event for every agency (/sukien 15/07/2027 Diễn đàn trẻ em), or list upcoming ones."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    settings = context.application.bot_data["settings"]
    async with db_of(context).session() as session:
        me = await coordinator_or_refuse(update, session)
        if me is None:
            return
        date = parse_date(context.args[0], clock.today_vn()) if context.args else None
        name = " ".join(context.args[1:]) if context.args else ""
        if date is None or not name.strip():
            events = await reminders.upcoming_events(session)
            rows = "\n".join(
                texts.EVENT_LIST_ROW.format(date=texts.date_vn(e.start), name=e.name)
                for e in events
            )
            await message.reply_text(texts.EVENT_USAGE.format(events=rows or texts.EVENT_LIST_NONE))
            return
        event = await reminders.add_event(
            session, name=name[:200], start=date, settings=settings, forum=is_children_forum(name)
        )
    leads = ", ".join(event.lead_days.split(","))
    await message.reply_text(
        texts.EVENT_ADDED_CHAT.format(name=event.name, date=texts.date_vn(event.start), leads=leads)
    )
