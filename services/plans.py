"""Plans: a parsed plan document becomes a draft, which a coordinator activates or discards.

Activation, step by step:
1. Each body of the plan is matched to an agency by normalised name, or created (with
   "requested" when the plan addresses it with "Đề nghị").
2. Each duty becomes a task. A task's `source_key` ties it to the plan, so importing the
   same plan again finds it: first by the duty's text, then, for duties whose text was
   corrected, by position among the agency's unmatched duties. A found task keeps its
   status and history; only its title changes (recorded in the history).
3. Each dated report deadline becomes a report task per agency ("Báo cáo 6 tháng",
   "Báo cáo năm"); a corrected date moves the deadline and its reminders.
4. The year's seasonal events are registered with the reminder engine.
Importing the same document twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from db.models import Agency, Plan, Task, TaskEvent
from services import clock, outbox, reminders
from services.agencies import add_agency
from services.documents import DocumentError, extract_text
from services.errors import DomainError
from services.names import normalize_name
from services.plan_parser import ParsedPlan, is_plan, parse_plan
from services.settings import Settings

REPORT_TITLES = {"half-year": "Báo cáo 6 tháng", "annual": "Báo cáo năm", "other": "Báo cáo"}


@dataclass
class Activation:
    agencies_created: list[str] = field(default_factory=list)
    agencies_matched: list[str] = field(default_factory=list)
    tasks_created: int = 0
    tasks_updated: int = 0
    tasks_unchanged: int = 0
    reports_created: int = 0
    events_year: int | None = None

    @property
    def changed(self) -> bool:
        return bool(
            self.agencies_created
            or self.tasks_created
            or self.tasks_updated
            or self.reports_created
        )


def plan_key(parsed: ParsedPlan) -> str:
    """What makes two versions of a document the same plan."""
    if parsed.number:
        return normalize_name(f"{parsed.number}|{parsed.year or ''}")
    return normalize_name(
        f"{parsed.year or ''}|{parsed.authority or ''}|{parsed.coordinator or ''}"
    )


def _digest(text: str) -> str:
    return hashlib.sha1(normalize_name(text).encode()).hexdigest()[:16]


MAX_BYTES = 20 * 1024 * 1024


def read_plan(data: bytes, filename: str, year: int | None = None) -> ParsedPlan:
    """Text out of a .txt/.docx/.pdf, then the plan out of the text; a DomainError with the
    document's problem (empty, binary, scanned_pdf, too_large, not_a_plan...) otherwise."""
    try:
        text = extract_text(data, filename, max_bytes=MAX_BYTES)
    except DocumentError as error:
        raise DomainError(error.code) from None
    parsed = parse_plan(text, year)
    if not is_plan(parsed) or not parsed.agencies:
        raise DomainError("not_a_plan")
    return parsed


async def create_draft(
    session: AsyncSession, *, parsed: ParsedPlan, source_name: str, notify: bool = True
) -> tuple[Plan, int]:
    """Keep the parsed plan as a draft and queue its review for every coordinator.
    Returns the plan and how many coordinators will get the review."""
    if not parsed.agencies:
        raise DomainError("not_a_plan")
    plan = Plan(
        number=parsed.number,
        year=parsed.year,
        authority=parsed.authority,
        issued=parsed.issued,
        coordinator=parsed.coordinator,
        source_name=source_name[:200],
        plan_key=plan_key(parsed),
        state="draft",
        created_at=clock.now(),
        parsed_json=json.dumps(
            {"plan": parsed.to_json(), "warnings": parsed.warnings}, ensure_ascii=False
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
    return plan, told


def parsed_of(plan: Plan) -> dict:
    return json.loads(plan.parsed_json)["plan"]


def warnings_of(plan: Plan) -> list[str]:
    return json.loads(plan.parsed_json).get("warnings", [])


def report_title(deadline: dict, deadlines: list[dict] | None = None) -> str:
    """ "Báo cáo 6 tháng", "Báo cáo năm"; with its date when the plan has two of a kind."""
    title = REPORT_TITLES[deadline["period"]]
    if deadline["period"] == "other" or deadline["date"] is None:
        return f"{title}: {deadline['text'][:120]}"
    same = [d for d in deadlines or [] if d["period"] == deadline["period"] and d["date"]]
    if len(same) > 1:
        day = dt.date.fromisoformat(deadline["date"])
        title = f"{title} (hạn {day:%d/%m/%Y})"
    return title


async def activate(session: AsyncSession, *, plan_id: int, settings: Settings) -> Activation:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.state != "draft":
        raise DomainError("plan_not_draft")
    data = parsed_of(plan)
    now = clock.now()
    result = Activation(events_year=data.get("year"))
    touched: list[Task] = []

    for body in data["agencies"]:
        agency = await session.scalar(
            select(Agency).where(Agency.name_key == normalize_name(body["name"]))
        )
        if agency is None:
            agency = await add_agency(session, name=body["name"], requested=body["requested"])
            result.agencies_created.append(agency.name)
        else:
            result.agencies_matched.append(agency.name)
        prefix = f"{plan.plan_key}|{agency.id}|"
        existing = list(
            (
                await session.scalars(
                    select(Task)
                    .where(Task.agency_id == agency.id, Task.source_key.like(f"{prefix}%"))
                    .order_by(Task.id)
                )
            ).all()
        )
        duties = [t for t in existing if "|report|" not in (t.source_key or "")]
        by_key = {t.source_key: t for t in duties}
        unmatched_new: list[str] = []
        used: set[int] = set()
        for text in body["tasks"]:
            found = by_key.get(prefix + _digest(text))
            if found is not None and found.id not in used:
                used.add(found.id)  # type: ignore[arg-type]
                result.tasks_unchanged += 1
            else:
                unmatched_new.append(text)
        spare = [t for t in duties if t.id not in used]
        for text in unmatched_new:
            if spare:
                task = spare.pop(0)
                session.add(
                    TaskEvent(
                        task_id=task.id,
                        at=now,
                        action="title",
                        from_value=task.title,  # type: ignore[arg-type]
                        to_value=text[:2000],
                        note=f"plan {plan.id}",
                    )
                )
                task.title, task.source_key, task.updated_at = (
                    text[:2000],
                    prefix + _digest(text),
                    now,
                )
                result.tasks_updated += 1
            else:
                task = Task(
                    agency_id=agency.id,
                    plan_id=plan.id,
                    source_key=prefix + _digest(text),  # type: ignore[arg-type]
                    title=text[:2000],
                    created_at=now,
                    updated_at=now,
                )
                session.add(task)
                await session.flush()
                session.add(
                    TaskEvent(
                        task_id=task.id,
                        at=now,
                        action="created",
                        to_value=task.title,  # type: ignore[arg-type]
                        note=f"plan {plan.id}",
                    )
                )
                result.tasks_created += 1

        reports = {t.source_key: t for t in existing if "|report|" in (t.source_key or "")}
        for index, deadline in enumerate(data["deadlines"]):
            if deadline["date"] is None:
                continue
            due = dt.date.fromisoformat(deadline["date"])
            key = f"{prefix}report|{deadline['period']}|{index}"
            task = reports.get(key)
            if task is None:
                task = Task(
                    agency_id=agency.id,
                    plan_id=plan.id,
                    source_key=key,
                    kind="report",  # type: ignore[arg-type]
                    title=report_title(deadline, data["deadlines"]),
                    due_date=due,
                    created_at=now,
                    updated_at=now,
                )
                session.add(task)
                await session.flush()
                session.add(
                    TaskEvent(
                        task_id=task.id,
                        at=now,
                        action="created",
                        to_value=task.title,  # type: ignore[arg-type]
                        note=f"plan {plan.id}",
                    )
                )
                result.reports_created += 1
                touched.append(task)
            elif task.due_date != due:
                session.add(
                    TaskEvent(
                        task_id=task.id,
                        at=now,
                        action="due",
                        from_value=str(task.due_date),  # type: ignore[arg-type]
                        to_value=due.isoformat(),
                        note=f"plan {plan.id}",
                    )
                )
                task.due_date, task.updated_at = due, now
                result.tasks_updated += 1
                touched.append(task)
            else:
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
    if data.get("year") and data["year"] >= now.astimezone(clock.VN_TZ).year:
        await reminders.ensure_seasonal_events(session, data["year"], settings)
        await reminders.sync_events_for(session, settings)
    await session.commit()
    return result


async def discard(session: AsyncSession, *, plan_id: int) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.state != "draft":
        raise DomainError("plan_not_draft")
    plan.state = "discarded"
    await session.commit()
    return plan
