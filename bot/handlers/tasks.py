"""Officials: /viec, the four status buttons, replies and report files."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import TEXT_LIMIT, actor_for, db_of, edit_or_ignore
from bot.handlers.plans import on_plan_document
from services import invites, replies, tasks
from services.errors import DomainError


def change_text(change: tasks.Change) -> str:
    v = change.task
    if change.action == "done" and not change.changed:
        return texts.ALREADY_DONE.format(title=v.title)
    if change.action == "done":
        return texts.UPDATED_DONE.format(title=v.title, status=texts.STATUS[v.status])
    if change.action == "progress":
        return texts.UPDATED_PROGRESS.format(title=v.title)
    if change.action == "blocked":
        return texts.UPDATED_BLOCKED.format(title=v.title, note=change.note or "")
    if change.action == "extend":
        return texts.UPDATED_EXTENSION.format(title=v.title, date=texts.date_vn(change.new_due))  # type: ignore[arg-type]
    if change.action == "submission":
        return texts.UPDATED_SUBMISSION.format(file=change.file_name or "", title=v.title)
    if change.action == "approve":
        return texts.EXTENSION_APPROVED_COORD.format(
            title=v.title,
            agency=v.agency_name,
            date=texts.date_vn(change.new_due),  # type: ignore[arg-type]
        )
    return texts.EXTENSION_REFUSED_COORD.format(title=v.title, agency=v.agency_name)


def outcome_text(outcome: replies.Outcome, *, otherwise: str) -> str:
    """The answer to a reply or a report file: the change made, a question, or an error;
    `otherwise` when the message was not about a task."""
    if outcome.kind in ("changed", "decided") and outcome.change is not None:
        return change_text(outcome.change)
    if outcome.kind == "which_task":
        return texts.ASK_WHICH_TASK
    if outcome.kind == "error" and outcome.error is not None:
        return texts.error_text(outcome.error.code, **outcome.error.params)
    return otherwise


async def send_card(
    message: Message, view: tasks.TaskView, context: ContextTypes.DEFAULT_TYPE, prefix: str = ""
) -> None:
    """A one-task message with the four buttons, remembered so replies find the task."""
    sent = await message.reply_text(
        (prefix + "\n\n" if prefix else "") + render.task_card(view),
        reply_markup=keyboards.task_card_keyboard(view.id),
    )
    async with db_of(context).session() as session:
        await tasks.link_message(
            session, chat_id=sent.chat_id, message_id=sent.message_id, task_ids=[view.id]
        )


async def cmd_viec(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List this agency's open tasks, nearest deadline first, with buttons."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat.id)
        if me is None or me.agency is None:
            await message.reply_text(
                texts.NOT_LINKED if me is None else texts.COORDINATOR_NO_AGENCY
            )
            return
        agency, views = await tasks.open_tasks_of(session, agency_id=me.agency.id)  # type: ignore[arg-type]
    if not views:
        await message.reply_text(texts.TASKS_NONE.format(agency=agency.name))
        return
    for text, shown, first in render.task_list_messages(agency.name, views):
        ids = [v.id for v in shown]
        sent = await message.reply_text(text, reply_markup=keyboards.task_list_keyboard(ids, first))
        async with db_of(context).session() as session:
            await tasks.link_message(
                session,
                chat_id=chat.id,
                message_id=sent.message_id,
                task_ids=ids,
                purpose="list",
                first=first,
            )


async def _redraw(
    session: AsyncSession, message: Message, changed: tasks.TaskView
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A task message's text and buttons after a change: the card, or the list it belongs to."""
    markup = message.reply_markup
    if markup is not None and markup.inline_keyboard[0][0].text == texts.BTN_DONE:
        # A one-task card (a card or a reminder): the changed task is all it shows.
        return render.task_card(changed), keyboards.task_card_keyboard(changed.id)
    subject = await tasks.message_subject(
        session, chat_id=message.chat_id, message_id=message.message_id
    )
    if subject is None:
        return None
    # The changed task is known; only the others shown with it are read.
    others = [i for i in subject.task_ids if i != changed.id]
    found = {v.id: v for v in await tasks.views_by_id(session, others)} if others else {}
    found[changed.id] = changed
    views = [found[i] for i in subject.task_ids if i in found]
    if not views:
        return None
    if subject.purpose == "list":
        head = (message.text or "").split("\n", 1)[0]
        return (
            render.list_message_text(head, views, subject.first),
            keyboards.task_list_keyboard([v.id for v in views], subject.first),
        )
    return render.task_card(views[0]), keyboards.task_card_keyboard(views[0].id)


async def on_task_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Apply a status button; Vướng mắc and Xin gia hạn ask for a reason or a date."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_task_data(query.data or "")
    if button is None or update.effective_chat is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    chat_id = update.effective_chat.id
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat_id)
        if me is None:
            await query.answer(texts.NOT_LINKED, show_alert=True)
            return
        actor = actor_for(
            update, me.contact, query.message if isinstance(query.message, Message) else None
        )
        try:
            if button.action in ("blocked", "extend"):
                views = await tasks.views_by_id(session, [button.task_id])
                if not views:
                    raise DomainError("task_unknown")
                if views[0].agency_id != me.contact.agency_id:
                    raise DomainError("not_your_task")
                ask = await _ask(update, views[0], button.action)
                await tasks.link_message(
                    session,
                    chat_id=chat_id,
                    message_id=ask.message_id,
                    task_ids=[button.task_id],
                    purpose="ask_block" if button.action == "blocked" else "ask_extend",
                )
                await query.answer()
                return
            change = await tasks.apply_action(
                session, actor=actor, task_id=button.task_id, action=button.action
            )
        except DomainError as error:
            await query.answer(texts.error_text(error.code, **error.params), show_alert=True)
            return
        message = query.message if isinstance(query.message, Message) else None
        redraw = await _redraw(session, message, change.task) if message is not None else None
    await query.answer(change_text(change)[:190])
    if message is not None and redraw is not None:
        await edit_or_ignore(message, redraw[0], reply_markup=redraw[1])


async def _ask(update: Update, view: tasks.TaskView, action: str) -> Message:
    template = texts.ASK_BLOCK_REASON if action == "blocked" else texts.ASK_EXTENSION_DATE
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(
        template.format(title=view.title), reply_markup=ForceReply(selective=chat.type != "private")
    )


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read a reply to a task message: done, in progress, an obstacle or an extension."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    text = message.text or ""
    if len(text) > TEXT_LIMIT:
        await message.reply_text(texts.TOO_LONG.format(limit=TEXT_LIMIT))
        return
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=message.chat_id)
        if me is None:
            await message.reply_text(texts.NOT_LINKED)
            return
        outcome = await replies.handle_reply(
            session,
            actor=actor_for(update, me.contact, message),
            replied_to=message.reply_to_message.message_id,
            text=text,
        )
    if outcome.kind == "ask_meaning" and outcome.task is not None:
        await send_card(
            message,
            outcome.task,
            context,
            prefix=texts.ASK_WHICH_MEANING.format(title=outcome.task.title),
        )
    else:
        await message.reply_text(outcome_text(outcome, otherwise=texts.REPLY_NOT_ABOUT_TASK))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep a report file sent in reply to a task message; the task is then done."""
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=message.chat_id)
        if me is None:
            await message.reply_text(texts.NOT_LINKED)
            return
        if message.reply_to_message is None and me.is_coordinator:
            await on_plan_document(update, context)
            return
        outcome = await replies.handle_document(
            session,
            actor=actor_for(update, me.contact, message),
            replied_to=message.reply_to_message.message_id if message.reply_to_message else None,
            file_id=doc.file_id,
            file_unique_id=doc.file_unique_id,
            file_name=doc.file_name,
            file_size=doc.file_size,
            mime_type=doc.mime_type,
        )
    await message.reply_text(outcome_text(outcome, otherwise=texts.FILE_NOT_REPLY))
