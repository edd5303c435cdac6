"""Coordinators correct tasks: /suaviec finds a task, renames it, moves its deadline,
cancels it with a reason, or gives it to another body."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.ext import ContextTypes

from bot import render, texts
from bot.handlers.common import as_coordinator, person_name
from services import clock, task_admin
from services.audit import Who
from services.errors import DomainError
from services.invites import Identity


def _after_command(message: Message) -> str:
    parts = (message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def cmd_suaviec(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Find, show or change a task (see texts.TASK_EDIT_USAGE)."""
    message = update.effective_message
    assert message is not None
    command = task_admin.parse_edit(_after_command(message)[:3000], clock.today_vn())
    name = person_name(update.effective_user)
    text = await as_coordinator(
        update, context, lambda session, me: _edit(session, me, command, name)
    )
    if text is not None:
        await message.reply_text(text)


async def _edit(
    session: AsyncSession, me: Identity, command: task_admin.EditCommand, name: str
) -> str:
    """What /suaviec found or changed, in words."""
    who = Who(name=name, contact_id=me.contact.id)
    task_id = command.task_id or 0
    try:
        if command.action == "usage":
            return texts.TASK_EDIT_USAGE
        if command.action == "search":
            views, total = await task_admin.find(session, words=command.value)
            return render.task_search_text(command.value, views, total)
        if command.action == "show":
            view, task = await task_admin.get_view(session, task_id)
            return render.task_admin_card(view, task)
        if command.action == "bad_date":
            return texts.EXTENSION_DATE_INVALID.format(example=texts.example_date())
        if command.action == "title":
            edited = await task_admin.edit_title(
                session, task_id=task_id, title=command.value, who=who
            )
        elif command.action == "due":
            edited = await task_admin.edit_due(session, task_id=task_id, due=command.due, who=who)
        elif command.action == "cancel":
            edited = await task_admin.cancel(
                session, task_id=task_id, reason=command.value, who=who
            )
        else:  # move
            edited = await task_admin.move(
                session, task_id=task_id, agency_ref=command.value, who=who
            )
    except DomainError as error:
        return texts.error_text(error.code, **error.params)
    return render.task_edited_text(edited)
