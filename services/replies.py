"""What a person's reply to a bot message means, and the change it makes.

Steps: find what the replied-to message is about (services.tasks.message_subject); if it
asked for something (a reason, a date), the reply is that; if it is about one task, read
the reply (services.parsing) and apply it; if it is about several tasks, or the meaning is
unclear, ask rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services import clock, tasks
from services.errors import DomainError
from services.parsing import parse_reply, requested_date


@dataclass(frozen=True)
class Outcome:
    kind: str  # changed | decided | ask_meaning | which_task | not_about_task | error
    change: tasks.Change | None = None
    task: tasks.TaskView | None = None
    error: DomainError | None = None


async def handle_document(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    replied_to: int | None,
    file_id: str,
    file_unique_id: str | None,
    file_name: str | None,
    file_size: int | None,
    mime_type: str | None,
) -> Outcome:
    """A file sent in reply to a message about one task is that task's report."""
    subject = None
    if replied_to is not None:
        subject = await tasks.message_subject(session, chat_id=actor.chat_id, message_id=replied_to)
    if subject is None or not subject.task_ids:
        return Outcome("not_about_task")
    if len(subject.task_ids) > 1:
        return Outcome("which_task")
    try:
        change = await tasks.record_submission(
            session,
            actor=actor,
            task_id=subject.task_ids[0],
            file_id=file_id,
            file_unique_id=file_unique_id,
            file_name=file_name,
            file_size=file_size,
            mime_type=mime_type,
        )
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return Outcome("changed", change=change)


async def handle_reply(
    session: AsyncSession, *, actor: tasks.Actor, replied_to: int, text: str
) -> Outcome:
    subject = await tasks.message_subject(session, chat_id=actor.chat_id, message_id=replied_to)
    if subject is None or not subject.task_ids:
        return Outcome("not_about_task")
    today = clock.today_vn()
    task_id = subject.task_ids[0]
    try:
        if subject.purpose == "ask_block":
            change = await tasks.apply_action(
                session, actor=actor, task_id=task_id, action="blocked", note=text
            )
            return Outcome("changed", change=change)
        if subject.purpose in ("ask_extend", "ask_approve_date"):
            date, problem = requested_date(text, today)
            if problem is not None or date is None:
                raise DomainError(problem or "date_missing")
            if subject.purpose == "ask_extend":
                change = await tasks.apply_action(
                    session, actor=actor, task_id=task_id, action="extend", new_due=date
                )
                return Outcome("changed", change=change)
            change = await tasks.decide_extension(
                session, actor=actor, task_id=task_id, approve=True, new_due=date
            )
            return Outcome("decided", change=change)
        if len(subject.task_ids) > 1:
            return Outcome("which_task")
        reply = parse_reply(text, today)
        if reply.intent == "unknown":
            views = await tasks.views_by_id(session, [task_id])
            if views and views[0].agency_id != actor.contact.agency_id:
                raise DomainError("not_your_task")
            return Outcome("ask_meaning", task=views[0] if views else None)
        if reply.intent == "extension" and reply.problem:
            raise DomainError(reply.problem)
        action = {
            "done": "done",
            "in_progress": "progress",
            "blocked": "blocked",
            "extension": "extend",
        }[reply.intent]
        change = await tasks.apply_action(
            session,
            actor=actor,
            task_id=task_id,
            action=action,
            note=reply.note or text,
            new_due=reply.new_due,
        )
        return Outcome("changed", change=change)
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
