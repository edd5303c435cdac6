"""The `nhacviec` command: coordinators' tools on the server, and running the bot."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot import texts

if TYPE_CHECKING:
    import sqlalchemy as sa
    from pydantic import ValidationError

    from db.failures import DatabaseFailure
    from db.session import Database
    from services import agencies, clock, invites, tasks
    from services.errors import DomainError
    from services.parsing import YEARS_AHEAD, YEARS_BACK, date_in_range, parse_date
    from services.plan_parser import ParsedPlan
    from services.settings import Settings, get_settings


def _import_services() -> None:
    """The database and services, imported when a command needs them (about 2 s of imports
    on a small server): `--help`, a bad argument and the demo's first line come at once."""
    global Database, DomainError, agencies, clock, invites, tasks, parse_date
    global YEARS_AHEAD, YEARS_BACK, date_in_range
    global Settings, get_settings, DatabaseFailure, ValidationError, sa
    import sqlalchemy as sa
    from pydantic import ValidationError

    from db.failures import DatabaseFailure
    from db.session import Database
    from services import agencies, clock, invites, tasks
    from services.errors import DomainError
    from services.parsing import YEARS_AHEAD, YEARS_BACK, date_in_range, parse_date
    from services.settings import Settings, get_settings


class CliError(Exception):
    """A message for the person at the terminal; exit status 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, texts.CLI_BAD_ARGUMENTS.format(message=message, prog=self.prog) + "\n")


def _bad_date(value: object) -> CliError:
    example = clock.today_vn() + dt.timedelta(days=30)
    return CliError(
        texts.CLI_BAD_DATE.format(
            value=value, example=texts.date_vn(example), iso=example.isoformat()
        )
    )


def cli_date(value: str) -> dt.date:
    """A date typed at the terminal, within the years a person may mean (issue 10)."""
    today = clock.today_vn()
    parsed = parse_date(value, today)
    if not isinstance(parsed, dt.date):
        raise _bad_date(value)
    if not date_in_range(parsed, today):
        raise CliError(
            texts.CLI_DATE_OUT_OF_RANGE.format(
                value=value, first=today.year - YEARS_BACK, last=today.year + YEARS_AHEAD
            )
        )
    return parsed


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- commands ---------------------------------------------------------------------------


async def agency_add(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    async with db.session() as session:
        agency = await agencies.add_agency(
            session, name=args.name, code=args.code, requested=args.requested
        )
    print(texts.CLI_AGENCY_ADDED.format(name=agency.name, code=agency.code))


async def agency_list(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    async with db.session() as session:
        rows = await agencies.list_agencies(session)
    if args.json:
        _print_json(
            [
                {"code": a.code, "name": a.name, "requested": a.requested, "reachable_contacts": n}
                for a, n in rows
            ]
        )
        return
    if not rows:
        print(texts.CLI_AGENCY_LIST_EMPTY)
    for agency, n in rows:
        mark = texts.CLI_REQUESTED_MARK if agency.requested else ""
        print(
            texts.CLI_AGENCY_ROW.format(
                code=agency.code, name=agency.name, requested=mark, contacts=n
            )
        )


async def bot_username(settings: Settings) -> str:
    """From settings, else asked of the Bot API server (getMe)."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_bot_token:
        from telegram import Bot
        from telegram.error import InvalidToken

        try:
            async with Bot(
                settings.telegram_bot_token.get_secret_value(),
                base_url=settings.telegram_api_base_url,
            ) as bot:
                return bot.username
        except InvalidToken:  # its text names the token: never shown
            print(
                texts.CLI_BOT_USERNAME_HINT.format(error=texts.CLI_BOT_USERNAME_TOKEN),
                file=sys.stderr,
            )
        except Exception as error:  # noqa: BLE001 - offline: fall back to the placeholder
            from bot.runner import network_cause

            cause = texts.CLI_NETWORK_CAUSES[network_cause(error)]
            print(texts.CLI_BOT_USERNAME_HINT.format(error=cause), file=sys.stderr)
    return texts.CLI_BOT_USERNAME_UNKNOWN


async def invite_create(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    days = args.days if args.days is not None else settings.invite_days
    async with db.session() as session:
        invite, agency = await invites.create_invite(
            session, agency_ref=args.agency, coordinator=args.coordinator, days=days
        )
    username = await bot_username(settings)
    link = f"https://t.me/{username}?start={invite.code}"
    if args.json:
        _print_json(
            {
                "code": invite.code,
                "link": link,
                "role": invite.role,
                "agency": agency.code if agency else None,
                "expires": _iso(invite.expires_at),
            }
        )
        return
    target = texts.CLI_INVITE_COORDINATOR if args.coordinator else agency.name  # type: ignore[union-attr]
    expires = texts.datetime_vn(invite.expires_at.astimezone(clock.VN_TZ))
    print(
        texts.CLI_INVITE_CREATED.format(target=target, expires=expires, link=link, code=invite.code)
    )


async def task_add(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    due = cli_date(args.due) if args.due else None
    async with db.session() as session:
        view = await tasks.add_task(
            session,
            agency_ref=args.agency,
            title=args.title,
            due_date=due,
            reminder_offsets=_leads(args.reminders),
        )
    print(
        texts.CLI_TASK_ADDED.format(
            id=view.id,
            agency=view.agency_name,
            title=view.title,
            due=texts.date_vn(due) if due else texts.NO_DUE,
        )
    )


def _task_json(v: tasks.TaskView) -> dict[str, Any]:
    return {
        "id": v.id,
        "agency": v.agency_code,
        "agency_name": v.agency_name,
        "title": v.title,
        "due": _iso(v.due_date),
        "status": v.status,
        "days_left": v.days_left,
        "blocked": v.blocked,
        "block_note": v.block_note,
        "extension_requested": v.extension_requested,
        "extension_date": _iso(v.extension_date),
        "updated_at": _iso(v.updated_at),
    }


async def task_list(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    async with db.session() as session:
        views = await tasks.list_tasks(session, agency_ref=args.agency)
    if args.json:
        _print_json([_task_json(v) for v in views])
        return
    if not views:
        print(texts.CLI_TASK_LIST_EMPTY)
    for v in views:
        print(
            texts.CLI_TASK_ROW.format(
                id=v.id,
                due=texts.date_vn(v.due_date) if v.due_date else "-",
                status=texts.STATUS[v.status],
                title=f"[{v.agency_code}] {v.title}",
            )
        )


async def status(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    async with db.session() as session:
        rows = await agencies.list_agencies(session)
        views = await tasks.list_tasks(session)
    by_agency: dict[int, list[tasks.TaskView]] = {}
    for v in views:
        by_agency.setdefault(v.agency_id, []).append(v)
    if args.json:
        _print_json(
            [
                {
                    "code": a.code,
                    "name": a.name,
                    "reachable_contacts": n,
                    "tasks": [_task_json(v) for v in by_agency.get(a.id or 0, [])],
                }
                for a, n in rows
            ]
        )
        return
    if not rows:
        print(texts.SUMMARY_EMPTY)
    for agency, _ in rows:
        print(texts.CLI_STATUS_AGENCY.format(agency=agency.name, code=agency.code))
        for v in by_agency.get(agency.id or 0, []):
            flags = ""
            if v.blocked and v.progress != "done":
                flags += f" [{texts.FLAG_BLOCKED}: {v.block_note}]"
            if v.extension_requested and v.extension_date and v.progress != "done":
                flags += f" [{texts.FLAG_EXTENSION} → {texts.date_vn(v.extension_date)}]"
            print(
                texts.CLI_STATUS_ROW.format(
                    id=v.id,
                    due=texts.date_vn(v.due_date) if v.due_date else "-",
                    status=texts.STATUS[v.status],
                    updated=texts.datetime_vn(v.updated_at.astimezone(clock.VN_TZ)),
                    title=v.title,
                    flags=flags,
                )
            )
        if not by_agency.get(agency.id or 0):
            print("  " + texts.CLI_TASK_LIST_EMPTY)


async def schedule(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services.schedule import ReminderPolicy, reminder_schedule

    due = cli_date(args.due)
    due_time = _cli_time(args.time) if args.time else None
    occurrences = reminder_schedule(due, ReminderPolicy.from_settings(settings), due_time)
    if args.json:
        _print_json(
            {
                "due": due.isoformat(),
                "reminders": [
                    {
                        "at": o.at.isoformat(),
                        "date": o.day.isoformat(),
                        "time": o.at.strftime("%H:%M"),
                        "kind": o.kind,
                        "offset_days": o.offset_days,
                        "days_to_due": o.days_to_due,
                        "sequence": o.sequence,
                    }
                    for o in occurrences
                ],
            }
        )
        return
    print(texts.CLI_SCHEDULE_HEADER.format(due=texts.date_weekday_vn(due)))
    for o in occurrences:
        detail = (
            texts.CLI_SCHEDULE_OVERDUE.format(n=o.sequence)
            if o.kind == "overdue"
            else texts.CLI_SCHEDULE_BEFORE.format(days=o.days_to_due)
            if o.kind == "before"
            else ""
        )
        when = f"{texts.date_weekday_vn(o.day)} {o.at.strftime('%H:%M')}"
        print(
            texts.CLI_SCHEDULE_ROW.format(
                when=when, kind=texts.REMINDER_KIND[o.kind], detail=detail
            )
        )


def _cli_time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise _bad_date(value) from None


def _event_when(event: Any) -> str:
    if event.start == event.end:
        return texts.date_weekday_vn(event.start)
    return f"{texts.date_vn(event.start)} – {texts.date_vn(event.end)}"


async def calendar(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services.reminders import events_of_year, notice_days

    if not 1900 < args.year < 2100:
        raise _bad_date(args.year)
    async with db.session() as session:
        events = await events_of_year(session, args.year, settings)
    if args.json:
        _print_json(
            {
                "year": args.year,
                "events": [
                    {
                        "key": e.key,
                        "name": e.name,
                        "start": e.start.isoformat(),
                        "end": e.end.isoformat(),
                        "lunar": e.lunar,
                        "kind": e.kind,
                        "source": e.source,
                        "agencies": e.agency_codes.split(",") if e.agency_codes else None,
                        "notices": [d.isoformat() for d in notice_days(e, settings.workdays_only)],
                    }
                    for e in events
                ],
            }
        )
        return
    print(texts.CLI_CALENDAR_HEADER.format(year=args.year))
    for e in events:
        lunar = texts.CLI_CALENDAR_LUNAR.format(lunar=e.lunar) if e.lunar else ""
        scope = texts.CLI_CALENDAR_SCOPE.format(codes=e.agency_codes) if e.agency_codes else ""
        print(
            texts.CLI_CALENDAR_ROW.format(
                when=_event_when(e), name=e.name, lunar=lunar, scope=scope
            )
        )
        print(
            texts.CLI_CALENDAR_NOTICES.format(
                dates=", ".join(texts.date_vn(d) for d in notice_days(e, settings.workdays_only))
            )
        )


def _leads(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        leads = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise CliError(texts.CLI_LEAD_INVALID) from None
    if not leads or any(d < 0 for d in leads):
        raise CliError(texts.CLI_LEAD_INVALID)
    return leads


async def event_add(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services.reminders import add_event, notice_days

    start = cli_date(args.date)
    end = cli_date(args.end) if args.end else None
    codes = [c for c in (args.agencies or "").split(",") if c.strip()] or None
    async with db.session() as session:
        for code in codes or []:
            await agencies.get_agency(session, code)
        event = await add_event(
            session,
            name=args.name,
            start=start,
            end=end,
            agency_codes=codes,
            lead_days=_leads(args.lead),
            settings=settings,
            forum=args.forum,
        )
    scope = texts.CLI_EVENT_SOME.format(codes=", ".join(codes)) if codes else texts.CLI_EVENT_ALL
    notices = ", ".join(texts.date_vn(d) for d in notice_days(event, settings.workdays_only))
    print(
        texts.CLI_EVENT_ADDED.format(
            name=event.name, date=texts.date_vn(event.start), scope=scope, notices=notices
        )
    )


def plan_preview(args: argparse.Namespace) -> ParsedPlan:
    """Read the plan file and print what was found (JSON, or the review's text). Light:
    no settings, no database (`plan import --dry-run` runs only this)."""
    from services.errors import DomainError
    from services.isolation import read_plan
    from services.plan_data import MAX_BYTES

    path = Path(args.file)
    if not path.is_file():
        raise CliError(texts.CLI_FILE_MISSING.format(path=args.file))
    if path.stat().st_size > MAX_BYTES:  # never read a huge file into memory
        raise DomainError("too_large")
    parsed = read_plan(path.read_bytes(), path.name, args.year)
    if args.json:
        _print_json(parsed.to_json())
    else:
        _print_review(parsed.draft_json(), parsed.warnings)
    return parsed


def _print_review(data: dict[str, Any], warnings: list[str]) -> None:
    from bot.review import plan_review
    from services import clock

    print(plan_review(data, warnings, clock.today_vn()).rsplit("\n\n", 1)[0])


async def plan_import(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import plans

    parsed = plan_preview(args)
    async with db.session() as session:
        draft = await plans.create_draft(session, parsed=parsed, source_name=Path(args.file).name)
    plan = draft.plan
    if draft.unchanged:
        state = texts.CLI_PLAN_STATES.get(plan.state, plan.state)
        message = texts.CLI_PLAN_UNCHANGED.format(id=plan.id, state=state)
    elif draft.told:
        message = texts.CLI_PLAN_SENT.format(id=plan.id, count=draft.told)
    else:
        message = texts.CLI_PLAN_NO_COORDINATOR.format(id=plan.id)
    print(message, file=sys.stderr if args.json else sys.stdout)


async def plan_activate(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from bot import render
    from services import plans

    async with db.session() as session:
        result = await plans.activate(
            session, plan_id=args.id, settings=settings, include_past=args.past
        )
    print(render.activation_text(result))


async def plan_show(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from db.models import Plan
    from services.plan_data import parsed_of, warnings_of

    async with db.session() as session:
        plan = await session.get(Plan, args.id)
    if plan is None:
        raise DomainError("plan_not_draft")
    if args.json:
        _print_json({"id": plan.id, "state": plan.state, "plan": parsed_of(plan)})
        return
    _print_review(parsed_of(plan), warnings_of(plan))


async def plan_edit(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import drafts
    from services.plan_data import parsed_of, warnings_of

    async with db.session() as session:
        plan = await drafts.edit_draft(session, plan_id=args.id, text=" ".join(args.edit))
    print(texts.CLI_PLAN_EDITED.format(id=plan.id))
    _print_review(parsed_of(plan), warnings_of(plan))


async def group_add(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import broadcasts

    async with db.session() as session:
        group, members = await broadcasts.save_group(
            session, name=args.name, agency_refs=args.agencies.split(",")
        )
    print(
        texts.CLI_GROUP_SAVED.format(
            name=group.name, count=len(members), codes=", ".join(a.code for a in members)
        )
    )


async def export_xlsx(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from bot.render import export_labels
    from services import export

    async with db.session() as session:
        data = await export.collect_export_data(session)
    Path(args.out).write_bytes(
        await asyncio.to_thread(export.write_workbook, data, export_labels())
    )
    print(
        texts.CLI_EXPORT_DONE.format(
            path=args.out, tasks=len(data.tasks), agencies=len(data.agencies)
        )
    )


# --- people, roles, tasks and agencies as they change ----------------------------------


def _contact_text(c: Any) -> str:
    from bot import render

    return texts.CLI_CONTACT_ROW.format(id=c.id, **render.contact_fields(c))


async def contact_list(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import contacts

    async with db.session() as session:
        found = await contacts.list_contacts(session, agency_ref=args.agency)
    if args.json:
        _print_json([c.to_json() for c in found])
        return
    if not found:
        print(texts.CLI_CONTACT_LIST_EMPTY)
    for c in found:
        print(_contact_text(c))


async def contact_remove(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit, contacts

    async with db.session() as session:
        info = await contacts.remove_contact(session, contact_id=args.id, who=audit.cli_user())
    print(
        texts.CLI_CONTACT_REMOVED.format(
            id=info.id, name=info.name, agency=info.agency_name or texts.CONTACT_NO_AGENCY
        )
    )


async def contact_role(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit, contacts

    grant = args.action == "grant"
    async with db.session() as session:
        info = await contacts.set_coordinator(
            session, contact_id=args.id, coordinator=grant, who=audit.cli_user()
        )
    template = texts.CLI_ROLE_GRANTED if grant else texts.CLI_ROLE_REVOKED
    print(template.format(id=info.id, name=info.name))


def _audit_subject(event: Any, detail: dict[str, Any]) -> str:
    if event.contact_name:
        agency = f" ({event.agency_name})" if event.agency_name else ""
        return f"#{event.contact_id} {event.contact_name}{agency}"
    return event.agency_name or detail.get("from") or ""


def _audit_detail(event: Any, detail: dict[str, Any]) -> str:
    if event.action in ("agency_changed", "agency_renamed", "agency_merged"):
        into = detail.get("to") or detail.get("into")
        return f"{detail.get('from')} → {into}"
    if event.action == "agency_split":
        return f"{detail.get('from')} → {', '.join(detail.get('into') or [])}"
    if event.action == "chat_migrated":
        return f"{detail.get('from_chat_id')} → {detail.get('to_chat_id')}"
    return ""


async def audit_list(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit

    async with db.session() as session:
        events = await audit.entries(session, limit=args.limit)
    if args.json:
        _print_json(
            [
                {
                    "id": e.id,
                    "at": _iso(e.at),
                    "action": e.action,
                    "contact_id": e.contact_id,
                    "contact_name": e.contact_name,
                    "chat_id": e.chat_id,
                    "agency": e.agency_name,
                    "by": e.actor_name,
                    "by_contact_id": e.actor_contact_id,
                    "detail": audit.detail_of(e),
                }
                for e in events
            ]
        )
        return
    if not events:
        print(texts.CLI_AUDIT_EMPTY)
    for e in events:
        detail = audit.detail_of(e)
        shown = _audit_detail(e, detail)
        print(
            texts.CLI_AUDIT_ROW.format(
                at=texts.datetime_vn(e.at.astimezone(clock.VN_TZ)),
                subject=_audit_subject(e, detail),
                action=texts.AUDIT_ACTIONS.get(e.action, e.action),
                detail=texts.CLI_AUDIT_DETAIL.format(detail=shown) if shown else "",
                actor=e.actor_name,
            )
        )


async def agency_rename(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit

    async with db.session() as session:
        agency, old = await agencies.rename_agency(
            session, ref=args.agency, name=args.name, code=args.code, who=audit.cli_user()
        )
    print(texts.CLI_AGENCY_RENAMED.format(old=old, name=agency.name, code=agency.code))


async def agency_merge(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit, restructure

    async with db.session() as session:
        done = await restructure.merge(
            session, source_ref=args.source, target_ref=args.target, who=audit.cli_user()
        )
    print(
        texts.CLI_AGENCY_MERGED.format(
            source=done.source,
            target=done.targets[0],
            tasks=done.tasks_moved,
            contacts=done.contacts_moved,
            groups=done.groups,
        )
    )


def _assignments(values: list[str] | None) -> dict[int, str]:
    out: dict[int, str] = {}
    for value in values or []:
        number, sep, ref = value.partition("=")
        if not sep or not number.strip().lstrip("#").isdigit() or not ref.strip():
            raise CliError(texts.CLI_BAD_ARGUMENTS.format(message=value, prog="nhacviec"))
        out[int(number.strip().lstrip("#"))] = ref.strip()
    return out


async def agency_split(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from services import audit, restructure

    async with db.session() as session:
        done = await restructure.split(
            session,
            source_ref=args.agency,
            targets=args.into,
            tasks=_assignments(args.task),
            contacts=_assignments(args.contact),
            who=audit.cli_user(),
        )
    print(
        texts.CLI_AGENCY_SPLIT.format(
            source=done.source,
            targets=", ".join(f"«{t}»" for t in done.targets),
            moved=done.tasks_moved,
            copied=done.tasks_copied,
            contacts=done.contacts_moved,
        )
    )


async def task_edit(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from bot import render
    from services import audit, task_admin

    if args.title is None and args.due is None and not args.no_due:
        raise DomainError("nothing_to_change")
    due = cli_date(args.due) if args.due else None
    who = audit.cli_user()
    async with db.session() as session:
        if args.title is not None:
            edited = await task_admin.edit_title(
                session, task_id=args.id, title=args.title, who=who
            )
            print(render.task_edited_text(edited, limit=None))
        if args.due is not None or args.no_due:
            edited = await task_admin.edit_due(session, task_id=args.id, due=due, who=who)
            print(render.task_edited_text(edited, limit=None))


async def task_cancel(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from bot import render
    from services import audit, task_admin

    async with db.session() as session:
        edited = await task_admin.cancel(
            session, task_id=args.id, reason=args.reason, who=audit.cli_user()
        )
    print(render.task_edited_text(edited, limit=None))


async def task_move(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from bot import render
    from services import audit, task_admin

    async with db.session() as session:
        edited = await task_admin.move(
            session, task_id=args.id, agency_ref=args.agency, who=audit.cli_user()
        )
    print(render.task_edited_text(edited, limit=None))


def backup_db(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the running bot's SQLite database (PostgreSQL: how to pg_dump)."""
    from services import backup

    path = backup.sqlite_path(settings.database_url)
    if path is None:
        print(
            texts.CLI_BACKUP_POSTGRES.format(
                path=args.file, url=backup.libpq_url(settings.database_url)
            ),
            file=sys.stderr,
        )
        return 1
    held = backup.backup(path, Path(args.file), force=args.force)
    size = max(1, Path(args.file).stat().st_size // 1024)
    print(
        texts.CLI_BACKUP_DONE.format(
            path=args.file,
            size=size,
            agencies=held.agencies,
            contacts=held.contacts,
            tasks=held.tasks,
        )
    )
    return 0


def restore_db(settings: Settings, args: argparse.Namespace) -> int:
    """Replace the database with a backup (refused over data without --force)."""
    from services import backup

    path = backup.sqlite_path(settings.database_url)
    if path is None:
        print(
            texts.CLI_RESTORE_POSTGRES.format(
                path=args.file, url=backup.libpq_url(settings.database_url)
            ),
            file=sys.stderr,
        )
        return 1
    held = backup.restore(Path(args.file), path, force=args.force)

    async def migrate() -> None:  # a backup made by an older version is brought up to date
        db = Database(settings.database_url)
        try:
            await db.migrate()
        finally:
            await db.dispose()

    asyncio.run(migrate())
    print(
        texts.CLI_RESTORE_DONE.format(
            path=args.file, agencies=held.agencies, contacts=held.contacts, tasks=held.tasks
        )
    )
    return 0


def _file_work(settings: Settings, args: argparse.Namespace) -> int:
    """backup or restore; a file that cannot be read or written is a DatabaseFailure naming
    it (the one the system names, else the one being written: the copy, or the database)."""
    import sqlite3

    from db.failures import cause_of

    try:
        return (backup_db if args.command == "backup" else restore_db)(settings, args)
    except (OSError, sqlite3.Error) as error:
        cause = cause_of(error)
        if cause is None:
            raise
        written = (
            args.file if args.command == "backup" else sa.make_url(settings.database_url).database
        )
        where = getattr(error, "filename", None) or str(written)
        raise DatabaseFailure(str(where), cause) from error


# --- running the bot --------------------------------------------------------------------


def run_bot(settings: Settings, verbose: bool = False, webhook: bool = False) -> int:
    from bot.runner import RunOptions, run

    return run(settings, RunOptions(verbose=verbose, webhook=webhook))


# --- wiring -----------------------------------------------------------------------------

Command = Callable[["Database", argparse.Namespace, "Settings"], Awaitable[None]]


def _vietnamese_argparse() -> None:
    """argparse's own words («usage:», «options», its error messages) in Vietnamese.

    argparse looks its messages up through gettext (`argparse._`, `argparse.ngettext`) at
    the moment it prints them; this process has no catalogue for it, so the lookups are
    pointed at texts.ARGPARSE_TEXTS. A message not listed there is left as it is."""

    def translate(message: str) -> str:
        return texts.ARGPARSE_TEXTS.get(message, message)

    def ntranslate(singular: str, plural: str, n: int) -> str:
        return translate(singular if n == 1 else plural)

    argparse._ = translate  # type: ignore[attr-defined]
    argparse.ngettext = ntranslate  # type: ignore[attr-defined]


def _integer(value: str) -> int:
    return int(value)


_integer.__name__ = texts.CLI_INT_TYPE  # argparse names the type in its error message


def build_parser() -> Parser:
    _vietnamese_argparse()
    h, m = texts.CLI_HELP, texts.CLI_METAVAR

    def commands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
        return parser.add_subparsers(
            dest=dest,
            required=True,
            parser_class=Parser,
            metavar=m[dest],
            title=h[dest],
            help=h[f"{dest}_help"],
        )

    def json_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help=h["json"])

    parser = Parser(prog="nhacviec", description=h["program"])
    sub = commands(parser, "command")

    agency = commands(sub.add_parser("agency", help=h["agency"], description=h["agency"]), "action")
    p = agency.add_parser("add", help=h["agency_add"], description=h["agency_add"])
    p.add_argument("name", metavar=m["name"], help=h["agency_name"])
    p.add_argument("--code", metavar=m["code"], help=h["agency_code"])
    p.add_argument("--requested", action="store_true", help=h["requested"])
    p.set_defaults(func=agency_add)
    p = agency.add_parser("list", help=h["agency_list"], description=h["agency_list"])
    json_option(p)
    p.set_defaults(func=agency_list)
    p = agency.add_parser("rename", help=h["agency_rename"], description=h["agency_rename"])
    p.add_argument("agency", metavar=m["agency"], help=h["rename_agency"])
    p.add_argument("name", metavar=m["new_name"], help=h["rename_name"])
    p.add_argument("--code", metavar=m["code"], help=h["new_code"])
    p.set_defaults(func=agency_rename)
    p = agency.add_parser("merge", help=h["agency_merge"], description=h["agency_merge"])
    p.add_argument("source", metavar=m["merge_source"], help=h["merge_source"])
    p.add_argument("target", metavar=m["merge_target"], help=h["merge_target"])
    p.set_defaults(func=agency_merge)
    p = agency.add_parser("split", help=h["agency_split"], description=h["agency_split"])
    p.add_argument("agency", metavar=m["agency"], help=h["split_agency"])
    p.add_argument(
        "--into", action="append", required=True, metavar=m["new_agency"], help=h["split_into"]
    )
    p.add_argument("--task", action="append", metavar=m["task_to"], help=h["split_task"])
    p.add_argument("--contact", action="append", metavar=m["contact_to"], help=h["split_contact"])
    p.set_defaults(func=agency_split)

    contact = commands(
        sub.add_parser("contact", help=h["contact"], description=h["contact"]), "action"
    )
    p = contact.add_parser("list", help=h["contact_list"], description=h["contact_list"])
    p.add_argument("--agency", metavar=m["agency"], help=h["contact_list_agency"])
    json_option(p)
    p.set_defaults(func=contact_list)
    for name, func in (
        ("remove", contact_remove),
        ("grant", contact_role),
        ("revoke", contact_role),
    ):
        about = h[f"contact_{name}"]
        p = contact.add_parser(name, help=about, description=about)
        p.add_argument("id", type=_integer, metavar=m["id"], help=h["contact_id"])
        p.set_defaults(func=func)

    p = sub.add_parser("audit", help=h["audit"], description=h["audit"])
    p.add_argument("--limit", type=_integer, metavar=m["lines"], help=h["audit_limit"])
    json_option(p)
    p.set_defaults(func=audit_list)

    invite = commands(sub.add_parser("invite", help=h["invite"], description=h["invite"]), "action")
    p = invite.add_parser("create", help=h["invite_create"], description=h["invite_create"])
    p.add_argument("--agency", metavar=m["agency"], help=h["invite_agency"])
    p.add_argument("--coordinator", action="store_true", help=h["invite_coordinator"])
    p.add_argument("--days", type=_integer, metavar=m["days"], help=h["invite_days"])
    json_option(p)
    p.set_defaults(func=invite_create)

    task = commands(sub.add_parser("task", help=h["task"], description=h["task"]), "action")
    p = task.add_parser("add", help=h["task_add"], description=h["task_add"])
    p.add_argument("--agency", required=True, metavar=m["agency"], help=h["task_agency"])
    p.add_argument("--title", required=True, metavar=m["title"], help=h["task_title"])
    p.add_argument("--due", metavar=m["date"], help=h["task_due"])
    p.add_argument("--reminders", metavar=m["leads"], help=h["task_reminders"])
    p.set_defaults(func=task_add)
    p = task.add_parser("list", help=h["task_list"], description=h["task_list"])
    p.add_argument("--agency", metavar=m["agency"], help=h["task_list_agency"])
    json_option(p)
    p.set_defaults(func=task_list)
    p = task.add_parser("edit", help=h["task_edit"], description=h["task_edit"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["task_id"])
    p.add_argument("--title", metavar=m["title"], help=h["edit_title"])
    due = p.add_mutually_exclusive_group()
    due.add_argument("--due", metavar=m["date"], help=h["edit_due"])
    due.add_argument("--no-due", action="store_true", help=h["no_due"])
    p.set_defaults(func=task_edit)
    p = task.add_parser("cancel", help=h["task_cancel"], description=h["task_cancel"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["task_id"])
    p.add_argument("--reason", required=True, metavar=m["reason"], help=h["reason"])
    p.set_defaults(func=task_cancel)
    p = task.add_parser("move", help=h["task_move"], description=h["task_move"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["task_id"])
    p.add_argument("--agency", required=True, metavar=m["agency"], help=h["move_agency"])
    p.set_defaults(func=task_move)

    p = sub.add_parser("status", help=h["status"], description=h["status"])
    json_option(p)
    p.set_defaults(func=status)

    p = sub.add_parser("schedule", help=h["schedule"], description=h["schedule"])
    p.add_argument("--due", required=True, metavar=m["date"], help=h["schedule_due"])
    p.add_argument("--time", metavar=m["time"], help=h["due_time"])
    json_option(p)
    p.set_defaults(func=schedule)

    p = sub.add_parser("calendar", help=h["calendar"], description=h["calendar"])
    p.add_argument("year", type=_integer, metavar=m["year"], help=h["calendar_year"])
    json_option(p)
    p.set_defaults(func=calendar)

    event = commands(sub.add_parser("event", help=h["event"], description=h["event"]), "action")
    p = event.add_parser("add", help=h["event_add"], description=h["event_add"])
    p.add_argument("--name", required=True, metavar=m["name"], help=h["event_name"])
    p.add_argument("--date", required=True, metavar=m["date"], help=h["event_date"])
    p.add_argument("--end", metavar=m["date"], help=h["event_end"])
    p.add_argument("--agencies", metavar=m["codes"], help=h["event_agencies"])
    p.add_argument("--lead", metavar=m["leads"], help=h["event_lead"])
    p.add_argument("--forum", action="store_true", help=h["event_forum"])
    p.set_defaults(func=event_add)

    plan = commands(sub.add_parser("plan", help=h["plan"], description=h["plan"]), "action")
    p = plan.add_parser("import", help=h["plan_import"], description=h["plan_import"])
    p.add_argument("file", metavar=m["file"], help=h["plan_file"])
    p.add_argument("--year", type=_integer, metavar=m["year"], help=h["plan_year"])
    p.add_argument("--dry-run", action="store_true", help=h["dry_run"])
    json_option(p)
    p.set_defaults(func=plan_import)
    p = plan.add_parser("activate", help=h["plan_activate"], description=h["plan_activate"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["plan_id"])
    p.add_argument("--past", action="store_true", help=texts.CLI_PLAN_HELP["past"])
    p.set_defaults(func=plan_activate)
    ph = texts.CLI_PLAN_HELP
    p = plan.add_parser("show", help=ph["plan_show"], description=ph["plan_show"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["plan_id"])
    json_option(p)
    p.set_defaults(func=plan_show)
    p = plan.add_parser("edit", help=ph["plan_edit"], description=ph["plan_edit"])
    p.add_argument("id", type=_integer, metavar=m["id"], help=h["plan_id"])
    p.add_argument("edit", nargs="+", metavar=ph["edit_metavar"], help=ph["edit_words"])
    p.set_defaults(func=plan_edit)

    group = commands(sub.add_parser("group", help=h["group"], description=h["group"]), "action")
    p = group.add_parser("add", help=h["group_add"], description=h["group_add"])
    p.add_argument("name", metavar=m["name"], help=h["group_name"])
    p.add_argument("--agencies", required=True, metavar=m["codes"], help=h["group_agencies"])
    p.set_defaults(func=group_add)

    p = sub.add_parser("export", help=h["export"], description=h["export"])
    p.add_argument("--out", required=True, metavar=m["out"], help=h["export_out"])
    p.set_defaults(func=export_xlsx)

    p = sub.add_parser("backup", help=h["backup"], description=h["backup"])
    p.add_argument("file", metavar=m["file"], help=h["backup_file"])
    p.add_argument("--force", action="store_true", help=h["backup_force"])
    p = sub.add_parser("restore", help=h["restore"], description=h["restore"])
    p.add_argument("file", metavar=m["file"], help=h["restore_file"])
    p.add_argument("--force", action="store_true", help=h["restore_force"])

    p = sub.add_parser("run", help=h["run"], description=h["run"])
    p.add_argument("-v", "--verbose", action="store_true", help=h["run_verbose"])
    p.add_argument("--webhook", action="store_true", help=h["run_webhook"])
    p = sub.add_parser("demo", help=h["demo"], description=h["demo"])
    p.add_argument("--port", type=_integer, default=0, metavar=m["port"], help=h["demo_port"])
    p.add_argument("--keep", action="store_true", help=h["demo_keep"])
    p = sub.add_parser("fake-telegram", help=h["fake_telegram"], description=h["fake_telegram"])
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar=m["rest"], help=h["fake_rest"])
    return parser


async def _run_command(func: Command, args: argparse.Namespace, settings: Settings) -> None:
    from db.failures import failure

    db = Database(settings.database_url)
    try:
        await db.ready()
        try:
            await func(db, args, settings)
        except sa.exc.DBAPIError as error:  # the disk filled up meanwhile, say
            found = failure(db.url, error)
            if found is None:
                raise
            raise found from error
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["fake-telegram"]:
        from fake_telegram.cli import main as fake_main

        _vietnamese_argparse()
        return fake_main(argv[1:], help=texts.FAKE_TELEGRAM_HELP, prog="nhacviec fake-telegram")
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from bot.demo import main as demo_main

        return demo_main(args.port, args.keep)
    if args.command == "plan" and args.action == "import" and args.dry_run:
        return _dry_run(args)  # no settings, no database, no file written
    _import_services()
    try:
        settings = get_settings()
    except ValidationError as error:  # its text would show the values, the token among them
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "?"
            print(texts.CLI_SETTINGS_INVALID.format(name=name), file=sys.stderr)
        return 1
    keep_token_out_of_output(settings)
    if args.command == "run":
        return run_bot(settings, verbose=args.verbose, webhook=args.webhook)
    try:
        if args.command in ("backup", "restore"):  # no migration first: file work only
            return _file_work(settings, args)
        asyncio.run(_run_command(args.func, args, settings))
    except DatabaseFailure as error:
        from bot.runner import db_failure_line

        logging.getLogger(__name__).debug("the database cannot be used", exc_info=True)
        print(db_failure_line(error), file=sys.stderr)
        return 1
    except DomainError as error:
        print(texts.error_text(error.code, **error.params), file=sys.stderr)
        return 1
    except CliError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


class _Scrubbed:
    """A text stream that writes through, with the bot token replaced (bot/logs.py)."""

    def __init__(self, stream: Any, forms: list[str]) -> None:
        self._stream, self._forms = stream, forms

    def write(self, text: str) -> int:
        from bot.logs import scrub

        return self._stream.write(scrub(text, self._forms))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def keep_token_out_of_output(settings: Settings) -> None:
    """Whatever reaches this process's stdout and stderr (a print, a traceback that got
    away) has the token scrubbed: the last guard behind the log filter."""
    from bot.logs import secret_forms

    token = settings.telegram_bot_token
    forms = secret_forms(token.get_secret_value()) if token is not None else []
    if forms:
        sys.stdout = _Scrubbed(sys.stdout, forms)  # type: ignore[assignment]
        sys.stderr = _Scrubbed(sys.stderr, forms)  # type: ignore[assignment]


def _dry_run(args: argparse.Namespace) -> int:
    from services.errors import DomainError

    try:
        plan_preview(args)
    except DomainError as error:
        print(texts.error_text(error.code, **error.params), file=sys.stderr)
        return 1
    except CliError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
