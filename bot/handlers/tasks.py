"""Officials: /viec, task cards, the status buttons, answers in any form, report files."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, render, texts
from bot.handlers.common import (
    TEXT_LIMIT,
    actor_for,
    answer_and_edit,
    db_of,
    first_then,
    refusal,
    sent_by_owner,
    thread_of,
    together,
)
from bot.handlers.plans import on_plan_document
from services import invites, replies, tasks
from services.errors import DomainError
from services.reportfiles import FileInfo
from services.textfit import clip


def change_text(change: tasks.Change) -> str:
    v = change.task
    title = render.line_title(v)
    if change.action == "done" and not change.changed:
        return texts.ALREADY_DONE.format(title=title)
    if change.action == "done":
        return texts.UPDATED_DONE.format(title=title, status=texts.STATUS[v.status])
    if change.action == "progress":
        return texts.UPDATED_PROGRESS.format(title=title)
    if change.action == "blocked":
        return texts.UPDATED_BLOCKED.format(title=title, note=render.note_of(change.note))
    if change.action == "extend":
        return texts.UPDATED_EXTENSION.format(title=title, date=texts.date_vn(change.new_due))  # type: ignore[arg-type]
    if change.action == "submission":
        return texts.UPDATED_SUBMISSION.format(file=clip(change.file_name, 80), title=title)
    if change.action == "approve":
        return texts.EXTENSION_APPROVED_COORD.format(
            title=title,
            agency=render.name_of(v.agency_name),
            date=texts.date_vn(change.new_due),  # type: ignore[arg-type]
        )
    return texts.EXTENSION_REFUSED_COORD.format(title=title, agency=render.name_of(v.agency_name))


def _list_entries(shown: list[tuple[int, tasks.TaskView]]) -> list[tuple[int, int, str]]:
    return [(n, v.id, render.button_title(n, v.title, v.due_date)) for n, v in shown]


def list_markup(page: render.ListPage) -> InlineKeyboardMarkup:
    return keyboards.task_list_keyboard(_list_entries(page.shown), page.page, page.pages)


def card_markup(v: tasks.TaskView, back_page: int | None = None) -> InlineKeyboardMarkup:
    return keyboards.task_card_keyboard(v.id, back_page=back_page, standing=v.due_date is None)


def question(outcome: replies.Outcome, page: int = 0) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of a question about a kept answer: which task (a page of the
    tasks offered), or which date."""
    held = outcome.held_id or 0
    if outcome.kind == "ask_which":
        if outcome.is_file:
            head = texts.ASK_WHICH_FILE.format(file=clip(outcome.text, 80) or texts.FILE_NO_NAME)
        elif outcome.number is not None:
            head = texts.ASK_WHICH_NUMBER.format(n=outcome.number, text=clip(outcome.text, 100))
        else:
            head = texts.ASK_WHICH_TASK.format(text=clip(outcome.text, 100))
        shown = render.task_list_page(
            "", outcome.choices, page, head=head, hint=None, numbered=True
        )
        entries = [(n, v.id, render.button_title(n, v.title, v.due_date)) for n, v in shown.shown]
        return shown.text, keyboards.which_task_keyboard(held, entries, shown.page, shown.pages)
    assert outcome.suggested is not None
    if outcome.problem == "date_ambiguous":
        head = texts.ASK_DATE_JUST_GONE.format(
            day=outcome.suggested.strftime("%d/%m"),
            date=texts.date_vn(outcome.written) if outcome.written else "",
            suggested=texts.date_vn(outcome.suggested),
        )
    else:
        head = texts.ASK_DATE_PAST.format(
            date=texts.date_vn(outcome.written) if outcome.written else "",
            suggested=texts.date_vn(outcome.suggested),
        )
    about = (
        texts.ASK_DATE_FOR.format(title=render.line_title(outcome.task))
        if outcome.task is not None
        else texts.ASK_DATE_FOR.format(title=clip(outcome.text, render.TITLE_IN_LINE))
    )
    return (
        render.fit(f"{about}{head}\n{texts.ASK_DATE_HINT}"),
        keyboards.which_date_keyboard(held, outcome.suggested),
    )


async def answer(
    message: Message, outcome: replies.Outcome, context: ContextTypes.DEFAULT_TYPE
) -> None:
    """Tell the person what their answer did, or ask what the bot needs to know."""
    if outcome.kind in ("ask_which", "ask_date"):
        text, markup = question(outcome)
        await message.reply_text(text, reply_markup=markup)
        return
    if outcome.kind == "ask_meaning" and outcome.task is not None:
        await send_card(
            message,
            outcome.task,
            context,
            prefix=texts.ASK_WHICH_MEANING.format(
                title=render.line_title(outcome.task),
                example=texts.example_date(short=True),
            ),
        )
        return
    await message.reply_text(outcome_text(outcome, otherwise=texts.REPLY_NOT_ABOUT_TASK))


def outcome_text(outcome: replies.Outcome, *, otherwise: str) -> str:
    """The answer in words: the change made, or why nothing changed."""
    if outcome.kind in ("changed", "decided") and outcome.change is not None:
        return change_text(outcome.change)
    if outcome.kind == "error" and outcome.error is not None:
        return texts.error_text(outcome.error.code, **outcome.error.params)
    if outcome.kind == "hint":
        return texts.PLAIN_MESSAGE_HINT.format(example=texts.example_date(short=True))
    if outcome.kind == "done_before":
        return texts.HELD_DONE_BEFORE
    if outcome.kind == "gone":
        return texts.HELD_GONE
    return otherwise


async def send_card(
    message: Message, view: tasks.TaskView, context: ContextTypes.DEFAULT_TYPE, prefix: str = ""
) -> None:
    """A one-task message with its buttons, remembered so replies find the task."""
    sent = await message.reply_text(
        render.fit((prefix + "\n\n" if prefix else "") + render.task_card(view)),
        reply_markup=card_markup(view),
    )
    async with db_of(context).session() as session:
        await tasks.link_message(
            session, chat_id=sent.chat_id, message_id=sent.message_id, task_ids=[view.id]
        )


async def cmd_viec(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List this agency's open tasks on one screen, nearest deadline first."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    found = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat.id)
        refused = refusal(me)
        if refused is None and me is not None and me.agency is not None:
            found = await tasks.open_tasks_of(session, agency_id=me.agency.id)
    if found is None:  # not linked, removed, or a coordinator of no body
        await message.reply_text(
            refused
            or (texts.COORDINATOR_NO_AGENCY if me and me.is_coordinator else texts.NOT_LINKED)
        )
        return
    agency, views = found
    if not views:
        await message.reply_text(texts.TASKS_NONE.format(agency=render.name_of(agency.name)))
        return
    page = render.task_list_page(agency.name, views, 0)
    sent = await message.reply_text(page.text, reply_markup=list_markup(page))
    async with db_of(context).session() as session:
        # Every task of the list is linked, numbered as shown: pages and cards read them.
        await tasks.link_message(
            session,
            chat_id=chat.id,
            message_id=sent.message_id,
            task_ids=[v.id for v in views],
            purpose="list",
        )


async def _list_views(
    session: AsyncSession, message: Message
) -> tuple[tasks.Subject, list[tasks.TaskView]] | None:
    subject = await tasks.message_subject(
        session, chat_id=message.chat_id, message_id=message.message_id
    )
    if subject is None or subject.purpose != "list":
        return None
    return subject, await tasks.views_by_id(session, list(subject.task_ids))


def _number_of(subject: tasks.Subject, task_id: int) -> int | None:
    try:
        return subject.task_ids.index(task_id) + subject.first
    except ValueError:
        return None


async def on_list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Page through a task list, or open one of its tasks as a card, in place."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_list_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if button is None or message is None or update.effective_chat is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=update.effective_chat.id)
        refused = refusal(me)
        found = await _list_views(session, message) if refused is None else None
    if refused is not None or me is None:
        await query.answer(render.popup(refused or texts.NOT_LINKED), show_alert=True)
        return
    if not found or not found[1]:
        await query.answer(render.popup(texts.STALE_BUTTON), show_alert=True)
        return
    subject, views = found
    if views[0].agency_id != me.contact.agency_id:
        await query.answer(texts.NOT_YOUR_TASK, show_alert=True)
        return
    if button.task_id is None:
        page = render.task_list_page(views[0].agency_name, views, button.page)
        await answer_and_edit(query, message, page.text, reply_markup=list_markup(page))
        return
    view = next((v for v in views if v.id == button.task_id), None)
    if view is None:
        await query.answer(render.popup(texts.STALE_BUTTON), show_alert=True)
        return
    await answer_and_edit(
        query,
        message,
        render.task_card(view, number=_number_of(subject, view.id), count=len(views), hint=True),
        reply_markup=card_markup(view, back_page=button.page),
    )


async def _redraw(
    session: AsyncSession, message: Message, changed: tasks.TaskView
) -> tuple[str, InlineKeyboardMarkup] | None:
    """A task message's text and buttons after a change: the card (in a list opened on it,
    with its number and ◀ back), or the list page it belongs to."""
    markup = message.reply_markup
    subject = await tasks.message_subject(
        session, chat_id=message.chat_id, message_id=message.message_id
    )
    if keyboards.card_task_of(markup) == changed.id:
        back = keyboards.back_page_of(markup)
        if subject is not None and subject.purpose == "list" and back is not None:
            number = _number_of(subject, changed.id)
            return (
                render.task_card(changed, number=number, count=len(subject.task_ids), hint=True),
                card_markup(changed, back_page=back),
            )
        return render.task_card(changed), card_markup(changed)
    if subject is None or subject.purpose != "list":
        return None
    # A list message from before cards opened in place: redraw its page.
    views = await tasks.views_by_id(session, list(subject.task_ids))
    position = _number_of(subject, changed.id) or 1
    page = render.task_list_page(changed.agency_name, views, (position - 1) // render.PAGE_SIZE)
    return page.text, list_markup(page)


async def on_task_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Apply a status button; Vướng mắc and Xin gia hạn ask for a reason or a date."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_task_data(query.data or "")
    if button is None or update.effective_chat is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    chat_id = update.effective_chat.id
    message = query.message if isinstance(query.message, Message) else None
    # The database work first, in one session; the Bot API is called once it is closed.
    asked: tasks.TaskView | None = None  # Vướng mắc or Xin gia hạn: the task to ask about
    change: tasks.Change | None = None
    redraw = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=chat_id)
        refused = refusal(me)
        if refused is None and me is not None:
            try:
                if button.action in ("blocked", "extend"):
                    views = await tasks.views_by_id(session, [button.task_id])
                    if not views:
                        raise DomainError("task_unknown")
                    if views[0].agency_id != me.contact.agency_id:
                        raise DomainError("not_your_task")
                    asked = views[0]
                else:
                    change = await tasks.apply_action(
                        session,
                        actor=actor_for(update, me.contact, message),
                        task_id=button.task_id,
                        action=button.action,
                    )
            except DomainError as error:
                refused = texts.error_text(error.code, **error.params)
            if change is not None and message is not None:
                redraw = await _redraw(session, message, change.task)
    if refused is not None or me is None:
        await query.answer(render.popup(refused or texts.NOT_LINKED), show_alert=True)
        return
    if asked is not None:
        _, ask = await first_then(query.answer(), _ask(update, asked, button.action))
        async with db_of(context).session() as session:
            await tasks.link_message(
                session,
                chat_id=chat_id,
                message_id=ask.message_id,
                task_ids=[button.task_id],
                purpose="ask_block" if button.action == "blocked" else "ask_extend",
            )
        return
    assert change is not None  # neither refused nor asking: the change was made
    if message is not None and redraw is not None:
        await answer_and_edit(
            query,
            message,
            redraw[0],
            popup=render.popup(change_text(change)),
            reply_markup=redraw[1],
        )
    else:
        await query.answer(render.popup(change_text(change)))


async def _ask(update: Update, view: tasks.TaskView, action: str) -> Message:
    chat = update.effective_chat
    assert chat is not None
    title = render.line_title(view)
    if action == "blocked":
        text = texts.ASK_BLOCK_REASON.format(title=title)
    else:
        text = texts.ASK_EXTENSION_DATE.format(title=title, example=texts.example_date())
    return await chat.send_message(
        text,
        reply_markup=ForceReply(selective=chat.type != "private"),
        message_thread_id=thread_of(update.effective_message),
    )


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read a reply to a bot message: done, in progress, an obstacle or an extension."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    if message.reply_to_message.forum_topic_created is not None:
        return  # in a forum topic, every message "replies" to the topic's first one
    text = message.text or ""
    if len(text) > TEXT_LIMIT:
        await message.reply_text(texts.TOO_LONG.format(limit=TEXT_LIMIT))
        return
    replied = message.reply_to_message
    outcome = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=message.chat_id)
        refused = refusal(me)
        if refused is None and me is not None:
            outcome = await replies.handle_reply(
                session,
                actor=actor_for(update, me.contact, message),
                replied_to=replied.message_id,
                text=text,
                shown_task_id=keyboards.card_task_of(replied.reply_markup),
            )
    if outcome is None:
        await message.reply_text(refused or texts.NOT_LINKED)
        return
    await answer(message, outcome, context)


async def on_plain_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message that replies to nothing: an answer about the body's tasks, if it
    reads as one."""
    message = update.effective_message
    assert message is not None
    if len(message.text or "") > TEXT_LIMIT:
        await message.reply_text(texts.TOO_LONG.format(limit=TEXT_LIMIT))
        return
    outcome = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=message.chat_id)
        refused = refusal(me)
        if refused is None and me is not None:
            outcome = await replies.handle_plain(
                session, actor=actor_for(update, me.contact, message), text=message.text or ""
            )
    if outcome is None:
        await message.reply_text(refused or texts.NOT_LINKED)
        return
    await answer(message, outcome, context)


async def on_held_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A task or a date picked for an answer the bot kept while it asked."""
    query = update.callback_query
    assert query is not None
    button = keyboards.parse_held_data(query.data or "")
    message = query.message if isinstance(query.message, Message) else None
    if button is None or message is None or update.effective_chat is None:
        await query.answer(texts.BAD_BUTTON, show_alert=True)
        return
    outcome = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=update.effective_chat.id)
        refused = refusal(me)
        if refused is None and me is not None:
            outcome = await replies.pick(
                session,
                actor=actor_for(update, me.contact, message),
                held_id=button.held_id,
                task_id=button.task_id,
                page=button.page,
                date=button.date,
                other_date=button.other_date,
                settings=context.application.bot_data["settings"],
            )
    if outcome is None:
        await query.answer(render.popup(refused or texts.NOT_LINKED), show_alert=True)
        return
    if outcome.kind == "ask_type_date":
        await together(
            answer_and_edit(query, message, message.text or "", reply_markup=None),
            ask_for_date(update, context, outcome),
        )
        return
    if outcome.kind in ("ask_which", "ask_date"):
        text, markup = question(outcome, button.page or 0)
        await answer_and_edit(query, message, text, reply_markup=markup)
        return
    if outcome.kind == "ask_meaning" and outcome.task is not None:
        await together(
            answer_and_edit(query, message, message.text or "", reply_markup=None),
            answer(message, outcome, context),
        )
        return
    if outcome.kind == "event_added" and outcome.event is not None:
        from bot.handlers.coordinator import event_added_text

        done = event_added_text(outcome.event)
    else:
        done = outcome_text(outcome, otherwise=texts.HELD_GONE)
    if outcome.kind in ("changed", "decided", "event_added", "error", "done_before"):
        # The question becomes the record of what was done.
        await answer_and_edit(
            query,
            message,
            render.fit(f"{message.text or ''}\n\n{done}"),
            popup=render.popup(done),
            reply_markup=None,
        )
    else:
        await query.answer(render.popup(done))


async def ask_for_date(
    update: Update, context: ContextTypes.DEFAULT_TYPE, outcome: replies.Outcome
) -> None:
    """«Ngày khác»: ask to type the date, as the buttons that ask for one do."""
    chat = update.effective_chat
    assert chat is not None
    if outcome.purpose == "event" or outcome.task is None:
        await chat.send_message(
            texts.EVENT_ASK_DATE.format(example=texts.example_date(60)),
            message_thread_id=thread_of(update.effective_message),
        )
        return
    title = render.line_title(outcome.task)
    if outcome.purpose == "ask_approve_date":
        text = texts.ASK_APPROVE_DATE.format(
            title=title,
            agency=render.name_of(outcome.task.agency_name),
            example=texts.example_date(),
        )
    else:
        text = texts.ASK_EXTENSION_DATE.format(title=title, example=texts.example_date())
    ask = await chat.send_message(
        text,
        reply_markup=ForceReply(selective=chat.type != "private"),
        message_thread_id=thread_of(update.effective_message),
    )
    async with db_of(context).session() as session:
        await tasks.link_message(
            session,
            chat_id=ask.chat_id,
            message_id=ask.message_id,
            task_ids=[outcome.task.id],
            purpose=outcome.purpose or "ask_extend",
        )


def file_of(message: Message) -> FileInfo | None:
    doc = message.document
    if doc is None:
        return None
    return FileInfo(
        file_id=doc.file_id,
        file_unique_id=doc.file_unique_id,
        file_name=doc.file_name,
        file_size=doc.file_size,
        mime_type=doc.mime_type,
    )


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A report file: checked, and the report of the task it answers (or the one picked)."""
    message = update.effective_message
    assert message is not None
    file = file_of(message)
    assert file is not None
    in_reply = message.reply_to_message is not None and (
        message.reply_to_message.forum_topic_created is None
    )
    outcome = None
    async with db_of(context).session() as session:
        me = await invites.identify(session, chat_id=message.chat_id)
        refused = refusal(me)
        if (
            refused is None
            and me is not None
            and (in_reply or not (me.is_coordinator and sent_by_owner(update)))
        ):
            outcome = await replies.handle_document(
                session,
                actor=actor_for(update, me.contact, message),
                replied_to=(
                    message.reply_to_message.message_id
                    if message.reply_to_message is not None and in_reply
                    else None
                ),
                file=file,
                private=message.chat.type == "private",
            )
    if refused is not None or me is None:
        await message.reply_text(refused or texts.NOT_LINKED)
        return
    if outcome is None:  # a coordinator's file that answers nothing: a plan to import
        await on_plan_document(update, context)
        return
    if outcome.kind == "ask_which":
        text, markup = question(outcome)
        await message.reply_text(text, reply_markup=markup)
        return
    await message.reply_text(outcome_text(outcome, otherwise=texts.FILE_NOT_REPLY))
