"""Coordinators correct tasks: /suaviec finds a task, renames it, moves its deadline,
cancels it with a reason, or gives it to another body."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot import render, texts
from bot.handlers.common import coordinator_or_refuse, db_of, person_name
from services import clock, task_admin
from services.audit import Who
from services.errors import DomainError


def _after_command(message: Message) -> str:
    parts = (message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def cmd_suaviec(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Find, show or change a task (see texts.TASK_EDIT_USAGE)."""
    message = update.effective_message
    assert message is not None
    command = task_admin.parse_edit(_after_command(message)[:3000], clock.today_vn())
    async with db_of(context).session() as session:
        me = await coordinator_or_refuse(update, session)
        if me is None:
            return
        who = Who(name=person_name(update.effective_user), contact_id=me.contact.id)
        task_id = command.task_id or 0
        try:
            if command.action == "usage":
                text = texts.TASK_EDIT_USAGE
            elif command.action == "search":
                views, total = await task_admin.find(session, words=command.value)
                text = render.task_search_text(command.value, views, total)
            elif command.action == "show":
                view, task = await task_admin.get_view(session, task_id)
                text = render.task_admin_card(view, task)
            elif command.action == "bad_date":
                text = texts.EXTENSION_DATE_INVALID.format(example=texts.example_date())
            elif command.action == "title":
                edited = await task_admin.edit_title(
                    session, task_id=task_id, title=command.value, who=who
                )
                text = render.task_edited_text(edited)
            elif command.action == "due":
                edited = await task_admin.edit_due(
                    session, task_id=task_id, due=command.due, who=who
                )
                text = render.task_edited_text(edited)
            elif command.action == "cancel":
                edited = await task_admin.cancel(
                    session, task_id=task_id, reason=command.value, who=who
                )
                text = render.task_edited_text(edited)
            else:  # move
                edited = await task_admin.move(
                    session, task_id=task_id, agency_ref=command.value, who=who
                )
                text = render.task_edited_text(edited)
        except DomainError as error:
            text = texts.error_text(error.code, **error.params)
    await message.reply_text(text)
