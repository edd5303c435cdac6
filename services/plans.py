"""Plans: a parsed plan document becomes a draft, which a coordinator mends (see
services/drafts.py), then activates or discards.

Import, step by step:
1. The document's text is parsed (services/plan_parser.py; a text that would take more
   than the parse budget is refused as `too_complex`). A document with an organisation
   section is never refused: a draft says what could not be read.
2. The same document again (the same plan, read the same) writes nothing: the draft or
   active plan it equals is returned with `unchanged` set.

Activation, step by step:
1. Each body of the plan is matched to an agency by normalised name, or created (with
   "requested" when the plan addresses it with "Đề nghị", and the code people use).
2. Each duty becomes a task. A task's `source_key` ties it to the plan, so importing the
   same plan again finds it: first by the duty's text, then, for duties whose text was
   corrected, by position among the agency's unmatched duties. A found task keeps its
   status and history; a title that really changed is recorded in the history.
3. Each report obligation becomes a report task for each of its owners only ("Báo cáo 6
   tháng", "Báo cáo năm"): every body, the bodies its sentence names, or the coordinator
   alone. A date past at activation is left out unless the coordinator asks for past
   deadlines (a yearly one then starts with its next instance). A deadline counted from
   the plan's receipt ("trong vòng 10 ngày kể từ ngày nhận được Kế hoạch") is dated from
   the activation day. A corrected date moves the deadline and its reminders.
4. The year's seasonal events are registered with the reminder engine.
Activating the same plan again changes nothing.

Recurring obligations (`roll_recurring`, run daily): when the latest instance of a yearly
report is done or past, the next year's is created, as long as the plan still runs
(a plan for one year ends with it; "giai đoạn 2026 - 2030" with 2030; a standing plan
never; never past its horizon).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import Agency, Plan, Task, TaskEvent
from services import clock, outbox, reminders, vncalendar
from services.agencies import add_agency, find_by_name
from services.errors import DomainError
from services.names import normalize_name
from services.plan_data import (  # noqa: F401 - read_plan, MAX_BYTES: the import's API
    MAX_BYTES,
    parsed_of,
    past_deadlines,
    plan_key,
    read_plan,
    report_title,
    source_digest,
    warnings_of,
)
from services.plan_parser import ParsedPlan, is_plan
from services.settings import Settings

MAX_TITLE = 2000


@dataclass
class Activation:
    agencies_created: list[str] = field(default_factory=list)
    agencies_matched: list[str] = field(default_factory=list)
    tasks_created: int = 0
    tasks_updated: int = 0
    tasks_unchanged: int = 0
    reports_created: int = 0
    reports_past: int = 0  # deadlines already past, left out (the coordinator's choice)
    events_year: int | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.agencies_created
            or self.tasks_created
            or self.tasks_updated
            or self.reports_created
        )


def _digest(text: str) -> str:
    return hashlib.sha1(normalize_name(text).encode()).hexdigest()[:16]


@dataclass
class Draft:
    plan: Plan
    told: int  # coordinators the review was queued for
    unchanged: bool = False  # the same document was imported before: nothing written

    def __iter__(self) -> Iterator[Any]:
        """`plan, told = await create_draft(...)`"""
        return iter((self.plan, self.told))


async def create_draft(
    session: AsyncSession, *, parsed: ParsedPlan, source_name: str, notify: bool = True
) -> Draft:
    """Keep the parsed plan as a draft and queue its review for every coordinator, unless
    the same document (same plan, read the same) is already a draft or active: then
    nothing is written and that plan is returned."""
    if not is_plan(parsed):
        raise DomainError("not_a_plan")
    key, digest = plan_key(parsed), source_digest(parsed)
    for earlier in (
        await session.scalars(
            select(Plan)
            .where(Plan.plan_key == key, col(Plan.state).in_(("draft", "active")))
            .order_by(Plan.id.desc())  # type: ignore[union-attr]
        )
    ).all():
        if json.loads(earlier.parsed_json).get("source_digest") == digest:
            return Draft(earlier, 0, unchanged=True)
    plan = Plan(
        number=parsed.number,
        year=parsed.year,
        authority=parsed.authority,
        issued=parsed.issued,
        coordinator=parsed.coordinator,
        source_name=source_name[:200],
        plan_key=key,
        state="draft",
        created_at=clock.now(),
        parsed_json=json.dumps(
            {"plan": parsed.draft_json(), "warnings": parsed.warnings, "source_digest": digest},
            ensure_ascii=False,
        ),
    )
    session.add(plan)
    await session.flush()
    told = 0
    if notify:
        for coord in await outbox.coordinators(session):
            outbox.enqueue(
                session,
                kind="plan_review",
                chat_id=coord.chat_id,
                contact_id=coord.id,
                ref_id=plan.id,
                dedupe_key=f"plan:{plan.id}:{coord.id}",
                payload={"plan_id": plan.id},
            )
            told += 1
    await session.commit()
    return Draft(plan, told)


def _runs_in(data: dict, year: int) -> bool:
    """Whether a plan still runs in `year` (its recurring reports go on)."""
    end = data.get("period_end")
    return end is None or year <= end


def _next_yearly(due: dt.date, data: dict, today: dt.date) -> dt.date | None:
    """The first instance of a yearly deadline on or after today, within the plan's years."""
    year = due.year
    while True:
        try:
            candidate = due.replace(year=year)
        except ValueError:  # 29/02
            candidate = dt.date(year, due.month, 28)
        if candidate >= today:
            return candidate if _runs_in(data, candidate.year) else None
        year += 1


def _relative_due(deadline: dict, today: dt.date) -> dt.date | None:
    """A deadline counted from the plan's receipt, dated from the activation day."""
    days = deadline.get("relative_days")
    if deadline.get("relative_from") != "receipt" or not days:
        return None
    if deadline.get("working_days"):
        return vncalendar.add_workdays(today, days)
    return today + dt.timedelta(days=days)


def _event(task: Task, now: dt.datetime, plan: Plan, action: str, **values: Any) -> TaskEvent:
    return TaskEvent(task_id=task.id, at=now, action=action, note=f"plan {plan.id}", **values)  # type: ignore[arg-type]


async def _agency_for(
    session: AsyncSession, body: dict, result: Activation, cache: dict[str, Agency]
) -> Agency:
    key = normalize_name(body["name"])
    if key in cache:
        return cache[key]
    # A former name finds the body as it is now (renamed, merged or split: AgencyAlias),
    # so two bodies of the plan may be one agency here.
    agency = await find_by_name(session, body["name"])
    if agency is None:
        agency = await add_agency(session, name=body["name"], requested=body["requested"])
        result.agencies_created.append(agency.name)
    else:
        result.agencies_matched.append(agency.name)
    cache[key] = agency
    return agency


async def _sync_duties(
    session: AsyncSession,
    *,
    plan: Plan,
    agency: Agency,
    texts: list[str],
    existing: list[Task],
    now: dt.datetime,
    result: Activation,
) -> None:
    """Duties of one agency: found by text (each found once, so repeated duties stay
    apart), corrected ones by position; history only for a title that changed."""
    prefix = f"{plan.plan_key}|{agency.id}|"
    by_key: dict[str, list[Task]] = {}
    for task in existing:
        by_key.setdefault(task.source_key or "", []).append(task)
    unmatched: list[str] = []
    used: set[int] = set()
    for text in texts:
        same = by_key.get(prefix + _digest(text))
        if same:
            used.add(same.pop(0).id or 0)
            result.tasks_unchanged += 1
        else:
            unmatched.append(text)
    spare = [t for t in existing if t.id not in used]
    for text in unmatched:
        title = text[:MAX_TITLE]
        if spare:
            task = spare.pop(0)
            if task.title != title:
                session.add(_event(task, now, plan, "title", from_value=task.title, to_value=title))
                task.title, task.updated_at = title, now
                result.tasks_updated += 1
            else:
                result.tasks_unchanged += 1
            task.source_key = prefix + _digest(text)
            continue
        task = Task(
            agency_id=agency.id or 0,
            plan_id=plan.id,
            source_key=prefix + _digest(text),
            title=title,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        await session.flush()
        session.add(_event(task, now, plan, "created", to_value=task.title))
        result.tasks_created += 1


def _report_due(
    deadline: dict, data: dict, today: dt.date, include_past: bool
) -> tuple[dt.date | None, bool]:
    """(the due date of an obligation's first report task, whether it was past)."""
    if deadline.get("date"):
        due = dt.date.fromisoformat(deadline["date"])
        if due >= today or include_past:
            return due, False
        if deadline.get("recurrence") == "yearly" and not data.get("single_year"):
            return _next_yearly(due, data, today), False
        return None, True
    return _relative_due(deadline, today), False


def owners_of(deadline: dict, data: dict) -> list[str]:
    """The bodies that owe a report (all of the plan's bodies when the draft says none)."""
    names = [a["name"] for a in data["agencies"]]
    owners = deadline.get("owners")
    if owners is None:  # a draft from before owners were read: every body
        return names
    known = {normalize_name(n) for n in names}
    return [name for name in owners if normalize_name(name) in known]


async def activate(
    session: AsyncSession, *, plan_id: int, settings: Settings, include_past: bool = False
) -> Activation:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.state != "draft":
        raise DomainError("plan_not_draft")
    data = parsed_of(plan)
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    result = Activation(events_year=data.get("year"))
    touched: list[Task] = []
    agencies: dict[str, Agency] = {}

    for body in data["agencies"]:
        # A turn of the event loop between bodies: on SQLite statements run on the loop
        # (db/sqlite.py) and a province's plan is thousands of rows; others' buttons are
        # answered between two bodies, their writes wait for this transaction.
        await asyncio.sleep(0)
        agency = await _agency_for(session, body, result, agencies)
        prefix = f"{plan.plan_key}|{agency.id}|"
        # By key alone: a task a coordinator moved to another body keeps its key, and a
        # re-import finds it there instead of making it again.
        existing = list(
            (
                await session.scalars(
                    select(Task)
                    .where(Task.source_key.like(f"{prefix}%"))  # type: ignore[union-attr]
                    .order_by(Task.id)  # type: ignore[arg-type]
                )
            ).all()
        )
        duties = [t for t in existing if "|report|" not in (t.source_key or "")]
        await _sync_duties(
            session,
            plan=plan,
            agency=agency,
            texts=body["tasks"],
            existing=duties,
            now=now,
            result=result,
        )

    for index, deadline in enumerate(data["deadlines"]):
        await asyncio.sleep(0)  # as between bodies above
        due, past = _report_due(deadline, data, today, include_past)
        owners = owners_of(deadline, data)
        if past:
            result.reports_past += len(owners)
        if due is None:
            continue
        for name in owners:
            agency = agencies[normalize_name(name)]
            key = f"{plan.plan_key}|{agency.id}|report|{deadline['period']}|{index}"
            # By key alone, as the duties above: a report moved to another body is found.
            task = await session.scalar(select(Task).where(Task.source_key == key))
            if task is None:
                task = Task(
                    agency_id=agency.id or 0,
                    plan_id=plan.id,
                    source_key=key,
                    kind="report",
                    title=report_title(deadline, data["deadlines"]),
                    due_date=due,
                    created_at=now,
                    updated_at=now,
                )
                session.add(task)
                await session.flush()
                session.add(_event(task, now, plan, "created", to_value=task.title))
                result.reports_created += 1
                touched.append(task)
            elif deadline.get("date") and task.due_date != due:
                moved = {"from_value": str(task.due_date), "to_value": due.isoformat()}
                session.add(_event(task, now, plan, "due", **moved))
                task.due_date, task.updated_at, task.plan_id = due, now, plan.id
                result.tasks_updated += 1
                touched.append(task)
            else:
                task.plan_id = plan.id
                result.tasks_unchanged += 1

    # Earlier versions of the same plan give way to this one.
    for older in (
        await session.scalars(
            select(Plan).where(
                Plan.plan_key == plan.plan_key, Plan.state == "active", Plan.id != plan.id
            )
        )
    ).all():
        older.state = "superseded"
    plan.state, plan.activated_at = "active", now
    await session.flush()
    await reminders.sync_tasks(session, touched, settings)
    if data.get("year") and data["year"] >= today.year:
        await reminders.ensure_seasonal_events(session, data["year"], settings)
        await reminders.sync_events_for(session, settings)
    await session.commit()
    return result


async def roll_recurring(session: AsyncSession, settings: Settings) -> int:
    """Create the next year's instance of each yearly report whose latest instance is
    done or past, while its plan runs. Returns how many were created."""
    now = clock.now()
    today = now.astimezone(clock.VN_TZ).date()
    plans = (await session.scalars(select(Plan).where(Plan.state == "active"))).all()
    created: list[Task] = []
    for plan in plans:
        data = parsed_of(plan)
        if data.get("single_year"):
            continue  # a plan for one year: next year's plan brings next year's reports
        deadlines = data["deadlines"]
        reports = (
            await session.scalars(
                select(Task).where(Task.plan_id == plan.id, Task.kind == "report")
            )
        ).all()
        latest: dict[str, Task] = {}
        for task in reports:
            base = (task.source_key or "").split("@", 1)[0]
            if task.due_date and (base not in latest or task.due_date > latest[base].due_date):  # type: ignore[operator]
                latest[base] = task
        for base, task in latest.items():
            index = int(base.rsplit("|", 1)[1])
            if index >= len(deadlines) or deadlines[index].get("recurrence") != "yearly":
                continue
            assert task.due_date is not None
            if task.progress != "done" and task.due_date >= today:
                continue
            nxt = _next_yearly(task.due_date.replace(year=task.due_date.year + 1), data, today)
            if nxt is None:
                continue
            key = f"{base}@{nxt.year}"
            if await session.scalar(select(Task.id).where(Task.source_key == key)) is not None:
                continue
            follower = Task(
                agency_id=task.agency_id,
                plan_id=plan.id,
                source_key=key,
                kind="report",
                title=task.title.replace(str(task.due_date.year), str(nxt.year)),
                due_date=nxt,
                created_at=now,
                updated_at=now,
            )
            session.add(follower)
            await session.flush()
            session.add(_event(follower, now, plan, "created", to_value=follower.title))
            created.append(follower)
    if created:
        await reminders.sync_tasks(session, created, settings)
    await session.commit()
    return len(created)


def rekeyed(
    source_key: str | None, plan_key: str, old_agency_id: int, new_agency_id: int
) -> str | None:
    """A task's source key once its body is merged into (or split off to) another agency,
    so that importing its plan again finds it under the new body (keys are
    `<plan key>|<agency id>|...`, see activate)."""
    prefix = f"{plan_key}|{old_agency_id}|"
    if source_key is None or not source_key.startswith(prefix):
        return source_key
    return f"{plan_key}|{new_agency_id}|{source_key[len(prefix) :]}"


async def discard(session: AsyncSession, *, plan_id: int) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.state != "draft":
        raise DomainError("plan_not_draft")
    plan.state = "discarded"
    await session.commit()
    return plan
