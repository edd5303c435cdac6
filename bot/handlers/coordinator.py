"""Coordinators: answers to extension requests, and their own events (/sukien)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import (
    actor_for,
    answer_and_edit,
    as_coordinator,
    db_of,
    thread_of,
    together,
)
from bot.handlers.tasks import change_text, outcome_text, question
from db.models import Event
from services import reminders, replies, tasks
from services.errors import DomainError
from services.invites import Identity
from services.textfit import clip


async def on_extension_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve or refuse an extension request from the notice itself."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = keyboards.parse_extension_data(query.data or "")
    if button is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None

    async def decide(session: AsyncSession, me: Identity) -> tasks.TaskView | tasks.Change | str:
        """The task to ask a date about («Ngày khác»), the decision made, or why not."""
        try:
            if button.decision == "other":
                views = await tasks.views_by_id(session, [button.task_id])
                if not views or not views[0].extension_requested:
                    raise DomainError("extension_not_pending")
                return views[0]
            return await tasks.decide_extension(
                session,
                actor=actor_for(update, me.contact, message),
                task_id=button.task_id,
                approve=button.decision == "approve",
                expected_date=button.date,
            )
        except DomainError as error:
            return texts.error_text(error.code, **error.params)

    done = await as_coordinator(update, context, decide)
    if done is None:
        return
    if isinstance(done, str):
        await query.answer(render.popup(done), show_alert=True)
        return
    if isinstance(done, tasks.TaskView):
        ask, _ = await together(
            update.effective_chat.send_message(
                texts.ASK_APPROVE_DATE.format(
                    title=render.line_title(done),
                    agency=render.name_of(done.agency_name),
                    example=texts.example_date(),
                ),
                reply_markup=ForceReply(selective=update.effective_chat.type != "private"),
                message_thread_id=thread_of(message),
            ),
            query.answer(),
        )
        async with db_of(context).session() as session:
            await tasks.link_message(
                session,
                chat_id=ask.chat_id,
                message_id=ask.message_id,
                task_ids=[button.task_id],
                purpose="ask_approve_date",
            )
        return
    outcome = change_text(done)
    if message is not None:
        await answer_and_edit(
            query,
            message,
            render.fit(f"{message.text}\n\n{outcome}"),
            popup=render.popup(outcome),
            reply_markup=None,
        )
    else:
        await query.answer(render.popup(outcome))


def event_added_text(event: Event) -> str:
    leads = ", ".join(event.lead_days.split(","))
    return texts.EVENT_ADDED_CHAT.format(
        name=clip(event.name, 120), date=texts.date_vn(event.start), leads=leads
    )


async def cmd_sukien(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add an event for every agency (/sukien <date> <name>), or list upcoming ones."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    settings = context.application.bot_data["settings"]
    args = context.args or []
    name = " ".join(args[1:]).strip()

    async def work(session: AsyncSession, me: Identity) -> list[Event] | replies.Outcome:
        if not args or not name:
            return await reminders.upcoming_events(session)
        return await replies.add_typed_event(
            session,
            actor=actor_for(update, me.contact, message),
            date_text=args[0],
            name=name,
            settings=settings,
        )

    outcome = await as_coordinator(update, context, work)
    if outcome is None:
        return
    if isinstance(outcome, list):
        rows = "\n".join(
            texts.EVENT_LIST_ROW.format(date=texts.date_vn(e.start), name=clip(e.name, 80))
            for e in outcome
        )
        await message.reply_text(
            texts.EVENT_USAGE.format(
                events=rows or texts.EVENT_LIST_NONE, example=texts.example_date(60)
            )
        )
    elif outcome.kind == "ask_date":
        text, markup = question(outcome)
        await message.reply_text(text, reply_markup=markup)
    elif outcome.kind == "event_added" and outcome.event is not None:
        await message.reply_text(event_added_text(outcome.event))
    else:
        await message.reply_text(outcome_text(outcome, otherwise=texts.SOMETHING_WRONG))
