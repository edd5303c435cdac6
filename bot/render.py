"""Turn service results into the texts people read (no Telegram calls here).

Every message fits a phone: at most MESSAGE_LIMIT characters, long titles, notes and names
cut at a word with «…» (services.textfit), a deadline written once. The full text stays in
the database and the workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import texts
from db.models import Broadcast
from services.broadcasts import Description, Report, Sender
from services.clock import VN_TZ
from services.contacts import ContactInfo
from services.export import ExportLabels
from services.plans import Activation
from services.reportfiles import Filed
from services.status import CLOSED, DATED, STANDING, STATUSES
from services.summary import AgencySummary, Summary
from services.task_admin import Edited
from services.tasks import TaskView
from services.textfit import clip, fit_lines

MESSAGE_LIMIT = 1500  # what a phone shows without long scrolling; Telegram takes 4096
POPUP_LIMIT = 190  # answerCallbackQuery takes 200
PAGE_SIZE = 8  # tasks (or bodies) per list page: one button each, and ◀ ▶
BODIES_PER_PAGE = 10
TITLE_IN_LIST = 70  # a title in a list line
TITLE_IN_LINE = 90  # a title in a notice, a summary, a digest line
TITLE_ON_CARD = 600
TITLE_ON_BUTTON = 34
NOTE_SHOWN = 160
NAME_SHOWN = 70
ITEMS_PER_BODY = 4  # overdue tasks, obstacles... named per body; the rest counted

_DEADLINE_SUFFIX = re.compile(r"\s*\(hạn (\d{2}/\d{2}/\d{4})\)\s*$")


def title_of(title: str, due: dt.date | None, limit: int) -> str:
    """A title as shown beside its deadline `due`: without the "(hạn dd/mm/yyyy)" a plan's
    second "Báo cáo năm" carries in its title, since the deadline is written beside it
    (and may have moved since: an extension); cut to `limit`."""
    if due is not None:
        m = _DEADLINE_SUFFIX.search(title)
        if m:
            title = title[: m.start()]
    return clip(title, limit)


def name_of(name: str | None) -> str:
    return clip(name or "", NAME_SHOWN)


def note_of(note: str | None) -> str:
    return clip(note or "", NOTE_SHOWN)


def popup(text: str) -> str:
    """A button's pop-up answer, under Telegram's 200 characters."""
    return clip(text, POPUP_LIMIT, keep_lines=True)


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A whole message within `limit` (line breaks kept)."""
    return clip(text, limit, keep_lines=True)


# --- tasks ---------------------------------------------------------------------------------


def status_text(v: TaskView) -> str:
    parts = [texts.STATUS[v.status]]
    if v.blocked and v.progress not in CLOSED:
        parts.append(texts.FLAG_BLOCKED)
    if v.extension_requested and v.progress not in CLOSED:
        parts.append(texts.FLAG_EXTENSION)
    if v.status == "standing" and v.progress == "in_progress":
        parts.insert(1, texts.STATUS["in_progress"])
    return " · ".join(parts)


def due_text(v: TaskView) -> str:
    return texts.date_weekday_vn(v.due_date) if v.due_date else texts.NO_DUE


def left_text(v: TaskView) -> str:
    if v.progress in CLOSED:
        return texts.STATUS[v.status]
    return texts.days_left(v.days_left)


def due_line(v: TaskView) -> str:
    """ "Thứ Hai, 30/11/2026 — còn 7 ngày", or that the duty has no deadline."""
    return f"{due_text(v)} — {left_text(v)}" if v.due_date else texts.NO_DUE


def state_line(v: TaskView) -> str:
    """One short line: status, days left, deadline, and the flags."""
    if v.due_date is None:
        if v.progress in CLOSED:
            line = texts.STATE_DONE.format(
                icon=texts.STATUS_ICON[v.status], status=texts.STATUS[v.status]
            )
        elif v.progress == "in_progress":
            line = texts.STATE_STANDING_PROGRESS
        else:
            line = texts.STATE_STANDING
    elif v.progress in CLOSED:
        line = texts.STATE_DONE.format(
            icon=texts.STATUS_ICON[v.status], status=texts.STATUS[v.status]
        )
    elif v.status == "overdue":
        line = texts.STATE_OVERDUE.format(days=-(v.days_left or 0), date=texts.date_vn(v.due_date))
    else:
        line = texts.STATE_DATED.format(
            icon=texts.STATUS_ICON[v.status],
            status=texts.STATUS[v.status],
            left=texts.days_left(v.days_left),
            date=texts.date_vn(v.due_date),
        )
    if v.progress not in CLOSED:
        if v.blocked:
            line += texts.STATE_FLAG_BLOCKED
        if v.extension_requested:
            line += texts.STATE_FLAG_EXTENSION
    return line


def short_title(v: TaskView, limit: int = TITLE_IN_LIST) -> str:
    """A task's title where its deadline is written beside it."""
    return title_of(v.title, v.due_date, limit)


def line_title(v: TaskView) -> str:
    """A task's title in a sentence that does not give its deadline."""
    return clip(v.title, TITLE_IN_LINE)


def task_card(
    v: TaskView, *, number: int | None = None, count: int | None = None, hint: bool = False
) -> str:
    """One task: its title (long ones cut), body, deadline, status and flags."""
    head = texts.TASK_CARD_NUMBER.format(n=number, count=count) if number and count else ""
    lines = [
        head
        + texts.TASK_CARD.format(
            title=short_title(v, TITLE_ON_CARD),
            agency=name_of(v.agency_name),
            due=due_line(v),
            status=status_text(v),
        )
    ]
    if v.blocked and v.block_note and v.progress not in CLOSED:
        lines.append(texts.TASK_FLAG_BLOCKED.format(note=note_of(v.block_note)))
    if v.extension_requested and v.extension_date and v.progress not in CLOSED:
        lines.append(texts.TASK_FLAG_EXTENSION.format(date=texts.date_vn(v.extension_date)))
    if hint:
        lines.append(
            texts.TASK_CARD_HINT_STANDING
            if v.due_date is None
            else texts.TASK_CARD_HINT.format(example=texts.example_date(short=True))
        )
    return fit("\n".join(lines))


@dataclass(frozen=True)
class ListPage:
    """One screen of a numbered task list: its text and the tasks it shows."""

    text: str
    shown: list[tuple[int, TaskView]]  # (number, task)
    page: int
    pages: int


def pages_of(count: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-count // size))


def task_list_page(
    agency_name: str,
    views: Sequence[TaskView] | Sequence[tuple[int, TaskView]],
    page: int,
    *,
    head: str | None = None,
    hint: str | None = texts.TASKS_HINT,
    numbered: bool = False,
) -> ListPage:
    """Page `page` (from 0) of a body's task list, numbered from 1 across pages (or by the
    numbers given, `numbered`); `head` replaces the usual heading."""
    items: list[tuple[int, TaskView]] = (
        list(views) if numbered else list(enumerate(views, 1))  # type: ignore[arg-type]
    )
    pages = pages_of(len(items))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if head is None:
        open_count = sum(1 for _, v in items if v.progress not in CLOSED)
        template = texts.TASKS_HEAD_PAGES if pages > 1 else texts.TASKS_HEAD
        head = template.format(
            agency=name_of(agency_name), count=open_count, page=page + 1, pages=pages
        )
    elif pages > 1:
        head += texts.ASK_WHICH_PAGE.format(page=page + 1, pages=pages)
    rows = [
        texts.TASKS_ROW.format(n=n, title=short_title(v), state=state_line(v)) for n, v in shown
    ]
    text = fit("\n".join([head, "", *rows, *(["", hint] if hint else [])]))
    return ListPage(text=text, shown=shown, page=page, pages=pages)


def button_title(n: int, title: str, due: dt.date | None = None) -> str:
    return texts.BTN_TASK.format(n=n, title=title_of(title, due, TITLE_ON_BUTTON))


# --- summaries -------------------------------------------------------------------------------


def counts_icons(counts: Counter[str]) -> str:
    """ "🔴 2 · 🕒 18 · 🔁 12": a body's line of a summary, short enough for 500 bodies."""
    shown = [f"{texts.STATUS_ICON[s]} {counts[s]}" for s in texts.STATUS_ORDER if counts.get(s)]
    return " · ".join(shown) if shown else texts.SUMMARY_NO_TASKS


def counts_text(counts: Counter[str], statuses: Sequence[str] = STATUSES) -> str:
    shown = [
        f"{texts.STATUS_ICON[s]} {texts.STATUS[s]} {counts[s]}"
        for s in texts.STATUS_ORDER
        if s in statuses and counts.get(s)
    ]
    return " · ".join(shown) if shown else texts.SUMMARY_NO_TASKS


def _totals_lines(
    counts: Counter[str], blocked: int, extensions: int, cancelled: int = 0
) -> list[str]:
    dated = sum(counts[s] for s in DATED)
    standing = sum(counts[s] for s in STANDING)
    lines = [texts.SUMMARY_DATED.format(count=dated, counts=counts_text(counts, DATED))]
    if standing:
        lines.append(
            texts.SUMMARY_STANDING.format(
                count=standing, done=counts["standing_done"], open=counts["standing"]
            )
        )
    if blocked or extensions:
        lines.append(texts.SUMMARY_FLAGS.format(blocked=blocked, extensions=extensions))
    if cancelled:  # counted apart: in none of the counts above
        lines.append(texts.SUMMARY_TOTALS_CANCELLED.format(count=cancelled))
    return lines


def _body_counts(a: AgencySummary) -> str:
    counts = counts_icons(a.counts)
    if a.cancelled:
        counts += " · " + texts.SUMMARY_CANCELLED.format(count=a.cancelled)
    return counts


@dataclass(frozen=True)
class SummaryPage:
    text: str
    shown: list[tuple[int, AgencySummary]]
    page: int
    pages: int


def summary_page(summary: Summary, page: int = 0, *, scope: str | None = None) -> SummaryPage:
    """The one /tonghop message: totals, then the bodies most behind first, a page of them."""
    if not summary.agencies:
        return SummaryPage(texts.SUMMARY_EMPTY, [], 0, 1)
    ordered = summary.behind_first()
    pages = pages_of(len(ordered), BODIES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    start = page * BODIES_PER_PAGE
    shown = [(start + i + 1, a) for i, a in enumerate(ordered[start : start + BODIES_PER_PAGE])]
    totals = summary.totals
    lines = [
        texts.SUMMARY_HEADER.format(
            date=texts.date_vn(summary.date),
            agencies=len(summary.agencies),
            tasks=summary.task_count,
            scope=texts.SUMMARY_SCOPE.format(scope=clip(scope, 60)) if scope else "",
        ),
        *_totals_lines(
            totals,
            sum(len(a.blocked) for a in summary.agencies),
            sum(len(a.extensions) for a in summary.agencies),
            summary.cancelled,
        ),
        "",
        texts.SUMMARY_BEHIND_HEAD.format(page=page + 1, pages=pages)
        if pages > 1
        else texts.SUMMARY_BEHIND_HEAD_ONE,
        *(
            texts.SUMMARY_BEHIND_ROW.format(n=n, agency=name_of(a.name), counts=_body_counts(a))
            for n, a in shown
        ),
        "",
        texts.SUMMARY_LEGEND,
        texts.SUMMARY_HINT,
    ]
    return SummaryPage(fit("\n".join(lines)), shown, page, pages)


def summary_messages(summary: Summary, limit: int = MESSAGE_LIMIT) -> list[str]:
    """/tonghop as sent: one message (its first page)."""
    return [fit(summary_page(summary).text, limit)]


def _capped(lines: list[str], more: str, cap: int = ITEMS_PER_BODY) -> list[str]:
    if len(lines) <= cap:
        return lines
    return lines[:cap] + [more.format(count=len(lines) - cap)]


def agency_detail(a: AgencySummary, today: dt.date) -> str:
    """One body in a summary: its counts, and its overdue tasks, obstacles and requests."""
    lines = [
        texts.AGENCY_DETAIL_HEAD.format(agency=name_of(a.name), code=a.code, count=a.total),
        *_totals_lines(a.counts, len(a.blocked), len(a.extensions), a.cancelled),
    ]
    lines += _capped(
        [
            texts.SUMMARY_OVERDUE.format(
                title=title_of(t, d, TITLE_IN_LINE), due=texts.date_vn(d), days=(today - d).days
            )
            for t, d in a.overdue
        ],
        texts.SUMMARY_MORE_OVERDUE,
    )
    lines += _capped(
        [
            texts.SUMMARY_BLOCKED.format(title=clip(t, TITLE_IN_LINE), note=note_of(n))
            for t, n in a.blocked
        ],
        texts.SUMMARY_MORE,
    )
    lines += _capped(
        [
            texts.SUMMARY_EXTENSION.format(title=clip(t, TITLE_IN_LINE), date=texts.date_vn(d))
            for t, d in a.extensions
        ],
        texts.SUMMARY_MORE,
    )
    return fit_lines(lines, MESSAGE_LIMIT, texts.SUMMARY_MORE_LINES)


def overdue_pages(
    groups: Sequence[tuple[str, list[tuple[str, dt.date, int]]]], today: dt.date
) -> list[str]:
    """/quahan: the overdue tasks grouped by body, as pages of at most MESSAGE_LIMIT."""
    count = sum(len(rows) for _, rows in groups)
    blocks = []
    for agency, rows in groups:
        lines = [texts.OVERDUE_AGENCY.format(agency=name_of(agency), count=len(rows))]
        lines += _capped(
            [
                texts.OVERDUE_ROW.format(
                    title=title_of(t, d, TITLE_IN_LINE), due=texts.date_vn(d), days=n
                )
                for t, d, n in rows
            ],
            texts.SUMMARY_MORE,
        )
        blocks.append("\n".join(lines))
    head = texts.OVERDUE_HEADER.format(
        date=texts.date_vn(today), count=count, agencies=len(groups), page="{page}"
    )
    pages: list[list[str]] = [[]]
    size = len(head) + 20
    for block in blocks:
        if pages[-1] and size + len(block) + 2 > MESSAGE_LIMIT:
            pages.append([])
            size = len(head) + 20
        pages[-1].append(block)
        size += len(block) + 2
    total = len(pages)
    return [
        fit(
            head.replace(
                "{page}", texts.PAGE_OF.format(page=i + 1, pages=total) if total > 1 else ""
            )
            + "\n\n"
            + "\n\n".join(page)
        )
        for i, page in enumerate(pages)
    ]


# --- report files -----------------------------------------------------------------------------


def file_caption(f: Filed) -> str:
    """A report file sent again: what it is, whose, for which task, when."""
    return fit(
        texts.FILE_CAPTION.format(
            file=clip(f.file_name, 80) or texts.FILE_NO_NAME,
            agency=name_of(f.agency),
            title=title_of(f.title, f.due, 200),
            date=texts.datetime_vn(f.at.astimezone(VN_TZ)),
            who=name_of(f.who) or "—",
        ),
        1000,
    )


def files_page(
    filed: Sequence[Filed], page: int, scope: str
) -> tuple[str, list[tuple[int, int]], int, int]:
    """/baocao: a page of report files, newest first, numbered for their buttons."""
    pages = pages_of(len(filed))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    shown = list(enumerate(filed[start : start + PAGE_SIZE], start + 1))
    lines = [
        texts.FILES_HEADER.format(scope=scope, count=len(filed))
        + (texts.PAGE_OF.format(page=page + 1, pages=pages) if pages > 1 else ""),
        "",
        *(
            texts.FILES_ROW.format(
                n=n,
                file=clip(f.file_name, 60) or texts.FILE_NO_NAME,
                agency=name_of(f.agency),
                title=title_of(f.title, f.due, 60),
                date=texts.date_vn(f.at.astimezone(VN_TZ).date()),
            )
            for n, f in shown
        ),
        "",
        texts.FILES_HINT,
    ]
    return fit("\n".join(lines)), [(n, f.id) for n, f in shown], page, pages


# --- plans (the draft review: bot/review.py) ------------------------------------------------


def activation_text(result: Activation) -> str:
    past = ""
    if result.reports_past:
        past = texts.PLAN_ACTIVATED_PAST.format(count=result.reports_past)
    if not result.changed:
        return texts.PLAN_ACTIVATED_SAME + past
    return (
        texts.PLAN_ACTIVATED.format(
            created=len(result.agencies_created),
            matched=len(result.agencies_matched),
            tasks=result.tasks_created,
            updated=result.tasks_updated,
            unchanged=result.tasks_unchanged,
            reports=result.reports_created,
        )
        + past
    )


# --- broadcasts ------------------------------------------------------------------------------


def _reason(error: str) -> str:
    lowered = error.lower()
    if "blocked" in lowered:
        return texts.BROADCAST_REASON["blocked"]
    if "initiate" in lowered:
        return texts.BROADCAST_REASON["not_started"]
    if "chat not found" in lowered:
        return texts.BROADCAST_REASON["chat not found"]
    if "unreachable" in lowered:
        return texts.BROADCAST_REASON["unreachable"]
    return texts.BROADCAST_REASON_OTHER


def broadcast_text(sender: Sender, text: str) -> str:
    """What a recipient of a broadcast reads: who sends it, then the text."""
    who = (
        texts.BROADCAST_FROM_BODY.format(body=name_of(sender.body), person=clip(sender.person, 40))
        if sender.body
        else texts.BROADCAST_FROM_PERSON.format(person=clip(sender.person, 40))
    )
    return f"{who}\n\n{text}" if text else who


def broadcast_target(d: Description) -> str:
    if d.kind == "group":
        return texts.BROADCAST_TARGET_GROUP.format(name=clip(d.group or "", 60))
    if d.kind == "agencies":
        return texts.BROADCAST_TARGET_AGENCIES.format(codes=clip(", ".join(d.codes), 200))
    return texts.BROADCAST_TARGET_ALL


def broadcast_body(d: Description, broadcast: Broadcast) -> str:
    """What its recipients read (a file's caption marked as such)."""
    text = broadcast.text
    if broadcast.kind != "text":
        text = texts.BROADCAST_FILE.format(
            kind=texts.BROADCAST_FILE_KIND[broadcast.kind], caption=text
        )
    return broadcast_text(d.sender, text)


def broadcast_preview(d: Description, broadcast: Broadcast) -> str:
    unreachable = (
        texts.BROADCAST_PREVIEW_UNREACHABLE.format(count=len(d.audience.unreachable))
        if d.audience.unreachable
        else ""
    )
    return fit(
        texts.BROADCAST_PREVIEW.format(
            target=broadcast_target(d),
            agencies=d.audience.agencies,
            count=len(d.audience.contacts),
            unreachable=unreachable,
            body=broadcast_body(d, broadcast),
        ),
        4000,
    )


def broadcast_sent(d: Description, broadcast: Broadcast, report: str) -> str:
    """The broadcast as sent, kept where it was written, with its delivery report below
    it (the progress, then the report, edited in as they come)."""
    return fit(
        texts.BROADCAST_SENT.format(
            id=broadcast.id, target=broadcast_target(d), body=broadcast_body(d, broadcast)
        )
        + "\n"
        + report,
        4000,
    )


def broadcast_report(report: Report) -> str:
    bc = report.broadcast
    lines = [
        texts.BROADCAST_REPORT.format(
            id=bc.id,
            date=texts.datetime_vn((bc.confirmed_at or bc.created_at).astimezone(VN_TZ)),
            delivered=len(report.delivered),
            total=report.total,
            acked=len(report.acknowledged),
        )
    ]
    cap = 8
    if report.failed:
        lines.append(texts.BROADCAST_REPORT_FAILED.format(count=len(report.failed)))
        lines += _capped(
            [
                texts.BROADCAST_REPORT_FAILED_ROW.format(who=name_of(who), reason=_reason(err))
                for who, err in report.failed
            ],
            texts.SUMMARY_MORE_PEOPLE,
            cap,
        )
    if report.uncertain:
        lines.append(texts.BROADCAST_REPORT_UNCERTAIN.format(count=len(report.uncertain)))
        lines += _capped(
            [
                texts.BROADCAST_REPORT_UNREACHABLE_ROW.format(who=name_of(w))
                for w in report.uncertain
            ],
            texts.SUMMARY_MORE_PEOPLE,
            cap,
        )
    if report.unreachable:
        lines.append(texts.BROADCAST_REPORT_UNREACHABLE.format(count=len(report.unreachable)))
        lines += _capped(
            [
                texts.BROADCAST_REPORT_UNREACHABLE_ROW.format(
                    who=f"{name_of(agency)} — {name_of(who) or texts.BROADCAST_NO_CONTACT}"
                )
                for agency, who in report.unreachable
            ],
            texts.SUMMARY_MORE_PEOPLE,
            cap,
        )
    if report.acknowledged:
        names = ", ".join(name_of(n) for n in report.acknowledged)
        lines.append(texts.BROADCAST_REPORT_ACKED.format(names=clip(names, 600)))
    return fit_lines(lines, MESSAGE_LIMIT, texts.SUMMARY_MORE_LINES)


def join_lines(lines: list[str], *, head: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines under a heading, split into messages of at most `limit` characters."""
    messages: list[str] = []
    current = head
    for line in lines:
        line = clip(line, limit - 100, keep_lines=True)
        if len(current) + len(line) + 1 > limit:
            messages.append(current)
            current = texts.SUMMARY_CONTINUED
        current += "\n" + line
    messages.append(current)
    return messages


def chunk(
    blocks: list[str], *, header: str, limit: int = MESSAGE_LIMIT, per_message: int | None = None
) -> list[list[int]]:
    """Group block indexes into messages that stay under the limit."""
    groups: list[list[int]] = []
    current: list[int] = []
    size = len(header)
    for i, block in enumerate(blocks):
        block_size = len(block) + 2
        full = per_message is not None and len(current) >= per_message
        if current and (size + block_size > limit or full):
            groups.append(current)
            current, size = [], len(header)
        current.append(i)
        size += block_size
    if current:
        groups.append(current)
    return groups


def export_labels() -> ExportLabels:
    """Every word of the Excel workbook, from this module's strings."""
    return ExportLabels(
        **texts.EXPORT_TEXTS,
        status=texts.STATUS,
        flag_blocked=texts.FLAG_BLOCKED,
        flag_extension=texts.FLAG_EXTENSION,
    )


# --- contacts and tasks as coordinators change them ---------------------------------------

CONTACTS_PER_MESSAGE = 10  # two buttons each


def contact_reach(c: ContactInfo) -> str:
    if c.reachable:
        return texts.CONTACT_REACHABLE
    reason = texts.UNREACHABLE_REASONS.get(
        c.unreachable_reason or "", texts.UNREACHABLE_REASON_OTHER
    )
    return texts.CONTACT_UNREACHABLE.format(reason=reason)


def contact_seen(c: ContactInfo) -> str:
    if c.last_seen_at is None:
        return texts.CONTACT_NEVER_SEEN
    return texts.CONTACT_SEEN.format(date=texts.datetime_vn(c.last_seen_at.astimezone(VN_TZ)))


def contact_fields(c: ContactInfo, limit: int | None = None) -> dict[str, str]:
    """A contact's fields as shown; names cut to `limit` (chat), whole when None (CLI)."""
    short = (lambda s: clip(s, limit)) if limit else (lambda s: s)
    return {
        "name": short(c.name),
        "agency": short(c.agency_name or texts.CONTACT_NO_AGENCY),
        "kind": texts.CONTACT_KIND["group" if c.is_group else "private"],
        "role": texts.CONTACT_ROLE.get(c.role, c.role),
        "linked": texts.date_vn(c.linked_at.astimezone(VN_TZ).date()),
        "seen": contact_seen(c),
        "reach": contact_reach(c),
    }


def contact_messages(
    contacts: list[ContactInfo], scope: str | None
) -> list[tuple[str, list[tuple[int, ContactInfo]]]]:
    """The /canbo list: (text, numbered contacts shown) per message, each message at most
    CONTACTS_PER_MESSAGE contacts and MESSAGE_LIMIT characters (names cut)."""
    scope_text = texts.CONTACTS_SCOPE.format(agency=name_of(scope)) if scope else ""
    if not contacts:
        return [(texts.CONTACTS_NONE.format(scope=scope_text), [])]
    out: list[tuple[str, list[tuple[int, ContactInfo]]]] = []
    head = texts.CONTACTS_HEADER.format(scope=scope_text, count=len(contacts))
    text = f"{head}\n{texts.CONTACTS_LEGEND}"
    shown: list[tuple[int, ContactInfo]] = []
    for n, c in enumerate(contacts, 1):
        row = texts.CONTACT_ROW.format(n=n, **contact_fields(c, NAME_SHOWN))
        if shown and (
            len(shown) == CONTACTS_PER_MESSAGE or len(text) + 2 + len(row) > MESSAGE_LIMIT
        ):
            out.append((text, shown))
            part = texts.CONTACTS_PART.format(part=len(out) + 1)
            text, shown = f"{part}\n{texts.CONTACTS_LEGEND}", []
        text += "\n\n" + row
        shown.append((n, c))
    out.append((text, shown))
    return out


def task_admin_card(v: TaskView, task: Any) -> str:
    """A task as a coordinator sees it before changing it, with the ways to change it."""
    text = texts.TASK_ADMIN_CARD.format(id=v.id, card=task_card(v))
    if task.cancelled_at is not None:
        text += "\n" + texts.TASK_CANCELLED_LINE.format(
            date=texts.date_vn(task.cancelled_at.astimezone(VN_TZ).date()),
            reason=note_of(task.cancel_note),
        )
    return fit(f"{text}\n\n{texts.TASK_EDIT_USAGE}")


def task_search_text(query: str, views: list[TaskView], total: int) -> str:
    if not views:
        return texts.TASK_SEARCH_NONE.format(query=clip(query, 100))
    lines = [texts.TASK_SEARCH_HEADER.format(query=clip(query, 100), count=total)]
    lines += [
        texts.TASK_SEARCH_ROW.format(
            id=v.id,
            agency=v.agency_code,
            title=short_title(v),
            due=texts.date_vn(v.due_date) if v.due_date else texts.NO_DUE,
            status=texts.STATUS[v.status],
        )
        for v in views
    ]
    more = texts.TASK_SEARCH_MORE.format(count=total - len(views)) if total > len(views) else ""
    return fit_lines(lines + ([more] if more else []), MESSAGE_LIMIT, texts.SUMMARY_MORE_LINES)


def task_edited_text(e: Edited, limit: int | None = TITLE_IN_LINE) -> str:
    """What a coordinator's change did; titles, names and the reason cut to fit a message
    (`limit`), or whole with `limit=None` (the command line)."""
    v = e.task
    short = (lambda s: clip(s, limit)) if limit else (lambda s: s or "")
    title, agency = short(v.title), short(v.agency_name)
    if e.action == "title_edited":
        return texts.TASK_TITLE_EDITED.format(id=v.id, old=short(e.old), new=short(e.new))
    if e.action == "due_edited":
        return texts.TASK_DUE_EDITED.format(
            id=v.id,
            title=title,
            old=texts.date_vn(e.old_due) if e.old_due else texts.NO_DUE,
            new=texts.date_vn(v.due_date) if v.due_date else texts.NO_DUE,
        )
    if e.action == "cancelled":
        reason = note_of(e.reason) if limit else e.reason
        return texts.TASK_CANCELLED_DONE.format(id=v.id, title=title, agency=agency, reason=reason)
    return texts.TASK_MOVED_DONE.format(id=v.id, title=title, old=short(e.old), new=short(e.new))
