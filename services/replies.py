"""What a person's answer means, which task it is about, and the change it makes.

An answer comes as a reply to a bot message, as a plain message in a private chat, or as
a file. Steps:
1. What it may be about. A reply: the replied-to message's subject (services.tasks.
   message_subject): one task (a card, a reminder, a /viec list opened on a card), a
   numbered list (/viec, the standing duties' check-in), or a question the bot asked (a
   reason, a date). A plain message: the body's open tasks, numbered as in the latest list
   the bot sent to that chat.
2. Which task: the one named by its number («việc 2 …», services.parsing.task_pointer), the
   only open one, or the one the words point at (parsing.title_choice). Otherwise the bot
   asks which, with a button per task, and keeps the answer (a HeldAnswer row) to apply it
   as written once the person picks: nothing typed is lost.
3. What it says (parsing.parse_reply). A date that is gone or just gone is not refused: the
   bot offers the next one, with buttons (held the same way); a date outside the years a
   person may mean, or an impossible one, gets a clear answer.
4. Apply it (services.tasks): the change, its history and the coordinators' notice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, HeldAnswer
from services import clock, reminders, tasks
from services.errors import DomainError
from services.events import is_children_forum
from services.parsing import (
    date_in_range,
    parse_date,
    parse_reply,
    requested_date,
    task_pointer,
    title_choice,
)
from services.reportfiles import FileInfo, check
from services.settings import Settings
from services.status import CLOSED
from services.textfit import clip

Numbered = list[tuple[int, tasks.TaskView]]
HELD_TEXT_MAX = 1000


@dataclass(frozen=True)
class Outcome:
    """What happened, for the handler to say.

    kind: changed | decided | event_added | ask_meaning | ask_which | ask_date |
    ask_type_date | hint | not_about_task | error | done_before | gone
    """

    kind: str
    change: tasks.Change | None = None
    task: tasks.TaskView | None = None
    error: DomainError | None = None
    held_id: int | None = None
    choices: Numbered = field(default_factory=list)  # ask_which: the tasks offered
    number: int | None = None  # ask_which: a number named that the list does not have
    text: str = ""  # what the person wrote (a file: its name), quoted in a question
    is_file: bool = False
    problem: str | None = None  # ask_date: date_past | date_ambiguous
    suggested: dt.date | None = None
    written: dt.date | None = None
    purpose: str | None = None  # ask_type_date: ask_extend | ask_approve_date | event
    event: Event | None = None


# --- answers kept while the bot asks ------------------------------------------------------


async def _keep(
    session: AsyncSession, *, actor: tasks.Actor, kind: str, text: str, payload: dict[str, Any]
) -> int:
    held = HeldAnswer(
        chat_id=actor.chat_id,
        user_id=actor.user_id,
        kind=kind,
        text=text[:HELD_TEXT_MAX],
        payload=json.dumps(payload, ensure_ascii=False, default=str),
        created_at=clock.now(),
    )
    session.add(held)
    await session.commit()
    return held.id or 0


async def _update_held(session: AsyncSession, held: HeldAnswer, payload: dict[str, Any]) -> None:
    held.payload = json.dumps(payload, ensure_ascii=False, default=str)
    await session.commit()


async def _claim(session: AsyncSession, held_id: int) -> bool:
    """Mark a kept answer used; False when it was used already (a second press)."""
    table = HeldAnswer.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        table.update()
        .where(table.c.id == held_id, table.c.used_at.is_(None))
        .values(used_at=clock.now())
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


# --- which task -----------------------------------------------------------------------------


async def _numbered_for_chat(
    session: AsyncSession, actor: tasks.Actor
) -> tuple[Numbered, Numbered]:
    """(every task by the number the person sees, the open ones among them) for a plain
    message: numbered as in the latest list sent to the chat when it still holds every
    open task, else as /viec would number them now."""
    agency_id = actor.contact.agency_id
    assert agency_id is not None
    _, open_views = await tasks.open_tasks_of(session, agency_id=agency_id)
    latest = await tasks.latest_list(session, chat_id=actor.chat_id)
    if latest is not None:
        listed = await tasks.views_by_id(session, list(latest.task_ids))
        ids = {v.id for v in listed}
        if all(v.id in ids for v in open_views):
            by_id = {v.id: v for v in listed}
            numbered = [
                (n, by_id[i]) for n, i in enumerate(latest.task_ids, latest.first) if i in by_id
            ]
            return numbered, [(n, v) for n, v in numbered if v.progress not in CLOSED]
    numbered = list(enumerate(open_views, 1))
    return numbered, numbered


async def _numbered_of(session: AsyncSession, subject: tasks.Subject) -> tuple[Numbered, Numbered]:
    """(the tasks of a list message by number, the ones an answer may be about: those
    still open, or all when none is: "đang thực hiện" may reopen one)."""
    listed = {v.id: v for v in await tasks.views_by_id(session, list(subject.task_ids))}
    numbered = [
        (n, listed[i]) for n, i in enumerate(subject.task_ids, subject.first) if i in listed
    ]
    still_open = [(n, v) for n, v in numbered if v.progress not in CLOSED]
    return numbered, still_open or numbered


def _choose(
    text: str, numbered: Numbered, candidates: Numbered
) -> tuple[tasks.TaskView | None, str, int | None, bool]:
    """(task, the answer without its task number, a number named that is not listed,
    whether the person pointed at the task themselves)."""
    number, rest = task_pointer(text)
    if number is not None:
        found = next((v for n, v in numbered if n == number), None)
        return found, rest, (None if found else number), found is not None
    if len(candidates) == 1:
        return candidates[0][1], text, None, False
    index = title_choice(text, [v.title for _, v in candidates])
    if index is not None:
        return candidates[index][1], text, None, True
    return None, text, None, False


async def _ask_which(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    text: str,
    candidates: Numbered,
    number: int | None,
    file: FileInfo | None = None,
) -> Outcome:
    payload: dict[str, Any] = {"choices": [[n, v.id] for n, v in candidates]}
    if file is not None:
        payload["file"] = vars(file)
    held_id = await _keep(
        session, actor=actor, kind="file" if file else "reply", text=text, payload=payload
    )
    return Outcome(
        "ask_which",
        held_id=held_id,
        choices=candidates,
        number=number,
        text=(file.file_name or "") if file else text,
        is_file=file is not None,
    )


# --- what it says -----------------------------------------------------------------------------

_ACTIONS = {"done": "done", "in_progress": "progress", "blocked": "blocked", "extension": "extend"}


async def _apply_text(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    task: tasks.TaskView,
    text: str,
    held_id: int | None = None,
    new_due: dt.date | None = None,
    unclear: str = "ask_meaning",
) -> Outcome:
    """Read `text` as an answer about `task` and apply it; a date to confirm is asked
    about (the answer kept, in `held_id` if it is kept already)."""
    if task.agency_id != actor.contact.agency_id:
        return Outcome("error", error=DomainError("not_your_task"))
    today = clock.today_vn()
    reply = parse_reply(text, today)
    if reply.intent == "unknown":
        return Outcome(unclear, task=task, text=text)
    if reply.intent == "extension" and new_due is None:
        if reply.problem in ("date_past", "date_ambiguous") and reply.suggested is not None:
            payload = {"task_id": task.id}
            if held_id is None:
                held_id = await _keep(
                    session, actor=actor, kind="reply", text=text, payload=payload
                )
            else:
                held = await session.get(HeldAnswer, held_id)
                if held is not None:
                    await _update_held(session, held, {**json.loads(held.payload), **payload})
            return Outcome(
                "ask_date",
                task=task,
                held_id=held_id,
                problem=reply.problem,
                suggested=reply.suggested,
                written=reply.written,
            )
        if reply.problem:
            return Outcome("error", error=DomainError(reply.problem))
    try:
        change = await tasks.apply_action(
            session,
            actor=actor,
            task_id=task.id,
            action=_ACTIONS[reply.intent],
            note=reply.note or text,
            new_due=new_due or reply.new_due,
        )
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return Outcome("changed", change=change)


def _date_outcome(found: Any) -> Outcome | None:
    """A typed date that needs a question or an answer before it can be used."""
    if found.problem in ("date_past", "date_ambiguous") and found.suggested is not None:
        return Outcome(
            "ask_date", problem=found.problem, suggested=found.suggested, written=found.written
        )
    if found.problem is not None or found.value is None:
        return Outcome("error", error=DomainError(found.problem or "date_missing"))
    return None


async def _typed_date(
    session: AsyncSession, *, actor: tasks.Actor, task: tasks.TaskView, text: str, kind: str
) -> Outcome:
    """The answer to "đến ngày nào?" (an official's extension, a coordinator's other date)."""
    found = requested_date(text, clock.today_vn())
    question = _date_outcome(found)
    if question is not None and question.kind == "ask_date":
        held_id = await _keep(
            session, actor=actor, kind=kind, text=text, payload={"task_id": task.id}
        )
        return Outcome(
            "ask_date",
            task=task,
            held_id=held_id,
            problem=question.problem,
            suggested=question.suggested,
            written=question.written,
        )
    if question is not None:
        return question
    return await _with_date(session, actor=actor, task=task, kind=kind, date=found.value, text=text)


async def _with_date(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    task: tasks.TaskView,
    kind: str,
    date: dt.date | None,
    text: str,
) -> Outcome:
    try:
        if kind == "approve":
            change = await tasks.decide_extension(
                session, actor=actor, task_id=task.id, approve=True, new_due=date
            )
            return Outcome("decided", change=change)
        if kind == "extend_date":
            change = await tasks.apply_action(
                session, actor=actor, task_id=task.id, action="extend", new_due=date
            )
            return Outcome("changed", change=change)
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return await _apply_text(session, actor=actor, task=task, text=text, new_due=date)


# --- entry points -----------------------------------------------------------------------------


async def handle_reply(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    replied_to: int,
    text: str,
    shown_task_id: int | None = None,
) -> Outcome:
    """A reply to a bot message. `shown_task_id`: the task the replied-to message shows
    now, read from its buttons (a /viec list opened on a card)."""
    subject = await tasks.message_subject(session, chat_id=actor.chat_id, message_id=replied_to)
    if subject is None or not subject.task_ids:
        return Outcome("not_about_task")
    if subject.purpose == "ask_block":
        return await _one_task(
            session, actor, subject.task_ids[0], lambda v: _blocked(session, actor, v, text)
        )
    if subject.purpose in ("ask_extend", "ask_approve_date"):
        kind = "extend_date" if subject.purpose == "ask_extend" else "approve"
        views = await tasks.views_by_id(session, [subject.task_ids[0]])
        if not views:
            return Outcome("error", error=DomainError("task_unknown"))
        return await _typed_date(session, actor=actor, task=views[0], text=text, kind=kind)
    if subject.purpose == "list":
        if shown_task_id is not None:
            views = await tasks.views_by_id(session, [shown_task_id])
            if not views:
                return Outcome("error", error=DomainError("task_unknown"))
            return await _apply_text(session, actor=actor, task=views[0], text=text)
        numbered, candidates = await _numbered_of(session, subject)
        return await _about_one_of(session, actor, text, numbered, candidates, is_reply=True)
    views = await tasks.views_by_id(session, [subject.task_ids[0]])
    if not views:
        return Outcome("error", error=DomainError("task_unknown"))
    return await _apply_text(session, actor=actor, task=views[0], text=text)


async def _one_task(session: AsyncSession, actor: tasks.Actor, task_id: int, then: Any) -> Outcome:
    views = await tasks.views_by_id(session, [task_id])
    if not views:
        return Outcome("error", error=DomainError("task_unknown"))
    return await then(views[0])


async def _blocked(
    session: AsyncSession, actor: tasks.Actor, task: tasks.TaskView, text: str
) -> Outcome:
    try:
        change = await tasks.apply_action(
            session, actor=actor, task_id=task.id, action="blocked", note=text
        )
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return Outcome("changed", change=change)


async def _about_one_of(
    session: AsyncSession,
    actor: tasks.Actor,
    text: str,
    numbered: Numbered,
    candidates: Numbered,
    *,
    is_reply: bool = False,
) -> Outcome:
    """An answer about one of several tasks (a list replied to, or a plain message)."""
    task, rest, unknown_number, pointed = _choose(text, numbered, candidates)
    if task is not None:
        return await _apply_text(
            session,
            actor=actor,
            task=task,
            text=rest,
            unclear="ask_meaning" if pointed or is_reply else "hint",
        )
    if not candidates:
        return Outcome("hint")
    if unknown_number is None and parse_reply(text, clock.today_vn()).intent == "unknown":
        return Outcome("hint")
    return await _ask_which(
        session, actor=actor, text=text, candidates=candidates, number=unknown_number
    )


async def handle_plain(session: AsyncSession, *, actor: tasks.Actor, text: str) -> Outcome:
    """A message in a private chat that replies to nothing."""
    if actor.contact.agency_id is None:
        return Outcome("hint")
    numbered, candidates = await _numbered_for_chat(session, actor)
    return await _about_one_of(session, actor, text, numbered, candidates)


async def handle_document(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    replied_to: int | None,
    file: FileInfo,
    private: bool = True,
) -> Outcome:
    """A file: checked, then the report of the task it answers, or of the one picked."""
    problem = check(file)
    if problem is not None:
        return Outcome("error", error=DomainError(problem, file=_file_name(file)))
    subject = None
    if replied_to is not None:
        subject = await tasks.message_subject(session, chat_id=actor.chat_id, message_id=replied_to)
    if subject is not None and subject.task_ids and subject.purpose != "list":
        return await _submit(session, actor, subject.task_ids[0], file)
    if subject is not None and subject.task_ids:
        numbered, candidates = await _numbered_of(session, subject)
    elif private and actor.contact.agency_id is not None:
        numbered, candidates = await _numbered_for_chat(session, actor)
    else:
        return Outcome("not_about_task")
    if len(candidates) == 1:
        return await _submit(session, actor, candidates[0][1].id, file)
    if not candidates:
        return Outcome("error", error=DomainError("no_open_task", file=_file_name(file)))
    return await _ask_which(
        session, actor=actor, text="", candidates=candidates, number=None, file=file
    )


def _file_name(file: FileInfo) -> str:
    return clip(file.file_name or "", 80)


async def _submit(
    session: AsyncSession, actor: tasks.Actor, task_id: int, file: FileInfo
) -> Outcome:
    try:
        change = await tasks.record_submission(
            session,
            actor=actor,
            task_id=task_id,
            file_id=file.file_id,
            file_unique_id=file.file_unique_id,
            file_name=file.file_name,
            file_size=file.file_size,
            mime_type=file.mime_type,
        )
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return Outcome("changed", change=change)


async def pick(
    session: AsyncSession,
    *,
    actor: tasks.Actor,
    held_id: int,
    task_id: int | None = None,
    page: int | None = None,
    date: dt.date | None = None,
    other_date: bool = False,
    settings: Settings | None = None,
) -> Outcome:
    """A button pressed on a question about a kept answer: a task, a page of tasks, the
    date offered, or "another date"."""
    held = await session.get(HeldAnswer, held_id)
    if held is None or held.chat_id != actor.chat_id:
        return Outcome("gone")
    if held.user_id is not None and actor.user_id is not None and held.user_id != actor.user_id:
        return Outcome("error", error=DomainError("not_your_answer"))
    if held.used_at is not None:
        return Outcome("done_before")
    payload = json.loads(held.payload or "{}")
    if page is not None:
        ids = [i for _, i in payload.get("choices", [])]
        by_id = {v.id: v for v in await tasks.views_by_id(session, ids)}
        choices = [(n, by_id[i]) for n, i in payload.get("choices", []) if i in by_id]
        file = payload.get("file")
        return Outcome(
            "ask_which",
            held_id=held_id,
            choices=choices,
            text=(file or {}).get("file_name") or "" if file else held.text,
            is_file=file is not None,
        )
    if held.kind == "event":
        return await _event_pick(session, held, date=date, other=other_date, settings=settings)
    if task_id is None:
        task_id = payload.get("task_id")
    elif task_id not in {i for _, i in payload.get("choices", [])}:
        return Outcome("error", error=DomainError("task_unknown"))
    views = await tasks.views_by_id(session, [task_id]) if task_id else []
    if not views:
        return Outcome("error", error=DomainError("task_unknown"))
    task = views[0]
    if other_date:
        if not await _claim(session, held_id):
            return Outcome("done_before")
        purpose = "ask_approve_date" if held.kind == "approve" else "ask_extend"
        return Outcome("ask_type_date", task=task, purpose=purpose)
    if held.kind == "file":
        if not await _claim(session, held_id):
            return Outcome("done_before")
        return await _submit(session, actor, task.id, FileInfo(**payload["file"]))
    if date is None:  # a task picked: apply what was written (which may ask for a date)
        await _update_held(session, held, {**payload, "task_id": task.id})
        outcome = await _apply_text(
            session, actor=actor, task=task, text=held.text, held_id=held_id
        )
        if outcome.kind != "ask_date":
            await _claim(session, held_id)
        return outcome
    if not await _claim(session, held_id):
        return Outcome("done_before")
    kind = held.kind if held.kind in ("approve", "extend_date") else "reply"
    return await _with_date(session, actor=actor, task=task, kind=kind, date=date, text=held.text)


# --- events a coordinator types ---------------------------------------------------------------


async def add_typed_event(
    session: AsyncSession, *, actor: tasks.Actor, date_text: str, name: str, settings: Settings
) -> Outcome:
    """/sukien <date> <name>: the date as a person writes it ("15/7" is the next 15/7);
    one gone gets a question, one out of range an answer."""
    today = clock.today_vn()
    value = parse_date(date_text, today)
    if value is None:
        return Outcome("error", error=DomainError("date_invalid"))
    if not date_in_range(value, today):
        return Outcome("error", error=DomainError("date_out_of_range"))
    if value < today:
        found = requested_date(date_text, today)
        held_id = await _keep(
            session, actor=actor, kind="event", text=name, payload={"name": name[:200]}
        )
        return Outcome(
            "ask_date",
            held_id=held_id,
            problem="date_past",
            suggested=found.suggested,
            written=value,
            text=name,
        )
    return await _add_event(session, name=name, date=value, settings=settings)


async def _add_event(
    session: AsyncSession, *, name: str, date: dt.date, settings: Settings
) -> Outcome:
    try:
        event = await reminders.add_event(
            session, name=name[:200], start=date, settings=settings, forum=is_children_forum(name)
        )
    except DomainError as error:
        await session.rollback()
        return Outcome("error", error=error)
    return Outcome("event_added", event=event)


async def _event_pick(
    session: AsyncSession,
    held: HeldAnswer,
    *,
    date: dt.date | None,
    other: bool,
    settings: Settings | None,
) -> Outcome:
    if not await _claim(session, held.id or 0):
        return Outcome("done_before")
    if other or date is None:
        return Outcome("ask_type_date", purpose="event")
    assert settings is not None
    if not date_in_range(date, clock.today_vn()):
        return Outcome("error", error=DomainError("date_out_of_range"))
    return await _add_event(session, name=held.text, date=date, settings=settings)


async def forget_held(session: AsyncSession, *, older_than: dt.timedelta) -> int:
    """Drop kept answers nobody picked for long (they only wait for a button)."""
    table = HeldAnswer.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        sa.delete(table).where(table.c.created_at < clock.now() - older_than)
    )
    await session.commit()
    return result.rowcount or 0  # type: ignore[attr-defined]
